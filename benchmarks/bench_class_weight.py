"""How much class_weight='balanced' changes a model, at batch sizes 1, 8, 32, 200.

Yeast, label Class11 (MULAN train split: 1500 rows, 13.2 % positives; scored
on the 917-row test split), standardised, hidden (32,), 20 epochs, no early
stopping; Adam (learning rate 1e-3) and SGD with momentum (1e-2). For each,
the recall of the positives, the balanced accuracy and the mean predicted
probability of the positive class, without and with the class weights.
Weighting should act at every batch size. Compare two checkouts with
``PYTHONPATH=/path/to/other/checkout python benchmarks/bench_class_weight.py``.
Needs ``../shared/data`` beside the repository, and pandas.
"""

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.io import arff
from sklearn.metrics import balanced_accuracy_score, recall_score
from sklearn.preprocessing import StandardScaler

import skmlp
from skmlp import MLPClassifier

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "yeast"

warnings.simplefilter("ignore")


def load(split):
    d, _ = arff.loadarff(DATA / f"yeast-{split}.arff")
    df = pd.DataFrame(d)
    return (
        df[[f"Att{i}" for i in range(1, 104)]].to_numpy(float),
        df["Class11"].astype(int).to_numpy(),
    )


Xtr, ytr = load("train")
Xte, yte = load("test")
sc = StandardScaler().fit(Xtr)
Xtr, Xte = sc.transform(Xtr), sc.transform(Xte)
print("code:", Path(skmlp.__file__).parent.parent.name)
print(
    f"{'solver':6s} {'batch':>5s} | {'recall+ plain':>13s} {'balanced':>8s} | "
    f"{'bal.acc plain':>13s} {'balanced':>8s} | {'mean P(+) plain':>15s} {'balanced':>8s}"
)
for solver, lr in (("adam", 1e-3), ("sgd", 1e-2)):
    for bs in (1, 8, 32, 200):
        row = {}
        for cw in (None, "balanced"):
            clf = MLPClassifier(
                hidden_layer_sizes=(32,),
                solver=solver,
                learning_rate_init=lr,
                batch_size=bs,
                max_iter=20,
                n_iter_no_change=np.inf,
                class_weight=cw,
                random_state=0,
            ).fit(Xtr, ytr)
            pred = clf.predict(Xte)
            row[cw] = (
                recall_score(yte, pred),
                balanced_accuracy_score(yte, pred),
                clf.predict_proba(Xte)[:, 1].mean(),
            )
        a, b = row[None], row["balanced"]
        print(
            f"{solver:6s} {bs:5d} | {a[0]:13.3f} {b[0]:8.3f} | {a[1]:13.3f} {b[1]:8.3f} | "
            f"{a[2]:15.3f} {b[2]:8.3f}"
        )
