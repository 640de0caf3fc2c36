"""
===========================================================
Ensembles and one-pass cross-validation (Parkinson's voice)
===========================================================

The Parkinson's voice data (Little et al., 2007) hold 195 voice recordings
of 32 people, 23 of them with Parkinson's disease, each described by 22
acoustic measurements. Every person gave about six recordings, so an honest
evaluation holds out whole people: the cross-validation splits by subject
(:class:`~sklearn.model_selection.StratifiedGroupKFold`) and so does early
stopping inside each fold (``groups`` among the fit parameters).

Two things are shown:

* :func:`skmlp.model_selection.cross_validate` trains the five folds'
  networks as one NumPy program and returns, fold by fold, what
  scikit-learn's :func:`~sklearn.model_selection.cross_validate` returns for
  the same pipeline. We time both.
* ``ensemble_size`` averages several networks. A single small MLP's score
  moves with its seed; the average of 8 moves much less.

If the data file is not available, the example uses scikit-learn's breast
cancer data with random groups of five rows instead.
"""

import os
import re
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn import model_selection as sklearn_model_selection
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import MLPClassifier, model_selection


def shared_data(relative):
    """Path of ``relative`` in the shared data folder, or None if absent."""
    try:
        here = Path(__file__).resolve().parent
    except NameError:  # sphinx-gallery runs examples from their own folder
        here = Path.cwd()
    roots = [Path(os.environ["SKMLP_DATA"])] if "SKMLP_DATA" in os.environ else []
    roots += [parent / "shared" / "data" for parent in here.parents]
    return next((r / relative for r in roots if (r / relative).is_file()), None)


path = shared_data("parkinsons/parkinsons.data")
if path is not None:
    frame = pd.read_csv(path)
    subjects = frame.pop("name").map(lambda s: re.search(r"S\d+", s).group()).to_numpy()
    y = frame.pop("status").to_numpy()
    X = frame.to_numpy(float)
else:
    X, y = load_breast_cancer(return_X_y=True)
    subjects = np.arange(len(y)) // 5
print(
    f"{X.shape[0]} recordings of {len(np.unique(subjects))} subjects, {X.shape[1]} features"
)

# %%
# One pass against scikit-learn's loop
# ------------------------------------
# The same pipeline, the same splitter, the same fit parameters. The one pass
# prepares every fold as scikit-learn does (clone, fit the scaler on the
# fold's training rows, the MLP's own random draws) and trains only the
# networks together.


def make_model(**params):
    mlp = MLPClassifier(
        hidden_layer_sizes=(32,),
        early_stopping=True,
        validation_fraction=0.2,
        max_iter=300,
        random_state=0,
        **params,
    )
    return make_pipeline(StandardScaler(), mlp)


cv = StratifiedGroupKFold(5, shuffle=True, random_state=0)
arguments = dict(
    groups=subjects,
    cv=cv,
    scoring="roc_auc",
    params={"mlpclassifier__groups": subjects},  # early stopping holds out people
)


def timed(function, model):
    start = time.perf_counter()
    result = function(model, X, y, **arguments)
    return result, time.perf_counter() - start


timed(model_selection.cross_validate, make_model())  # warm up (imports, caches)
runs = {"skmlp one pass": [], "scikit-learn's loop": []}
for _ in range(3):  # interleaved: drift of the machine hits both alike
    ours, seconds = timed(model_selection.cross_validate, make_model())
    runs["skmlp one pass"].append(seconds)
    theirs, seconds = timed(sklearn_model_selection.cross_validate, make_model())
    runs["scikit-learn's loop"].append(seconds)
times = {name: np.median(values) for name, values in runs.items()}
for name, seconds in times.items():
    print(f"{name:20s} {seconds:.2f} s")
print("ROC AUC per fold, one pass:       ", ours["test_score"].round(4))
print("ROC AUC per fold, scikit-learn's: ", theirs["test_score"].round(4))
print("largest difference:", np.abs(ours["test_score"] - theirs["test_score"]).max())

# %%
# Ensembles: the same evaluation, more stable scores
# ---------------------------------------------------
# For each ensemble size, five ``random_state`` values. Each member stops on
# its own validation split, which holds out whole subjects.

sizes, seeds = [1, 4, 8], range(5)
scores = {}
for size in sizes:
    scores[size] = [
        model_selection.cross_val_score(
            make_model(ensemble_size=size).set_params(mlpclassifier__random_state=seed),
            X,
            y,
            **arguments,
        ).mean()
        for seed in seeds
    ]
    print(
        f"ensemble_size={size}: ROC AUC {np.mean(scores[size]):.3f} "
        f"+- {np.std(scores[size]):.3f} over {len(seeds)} seeds"
    )

# %%
# The picture
# -----------
# Left: the time of the five-fold cross-validation. Right: the
# cross-validated ROC AUC of each seed (dots) and their mean, by ensemble
# size.

fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
left.barh(list(times), list(times.values()), color=["tab:blue", "tab:grey"])
left.set_xlabel("seconds for 5-fold cross-validation")
left.set_title("same folds, same scores")
for size in sizes:
    right.scatter([size] * len(scores[size]), scores[size], color="tab:blue", alpha=0.6)
right.plot(sizes, [np.mean(scores[s]) for s in sizes], color="black", marker="_", ms=20)
right.set_xticks(sizes)
right.set_xlabel("ensemble_size")
right.set_ylabel("cross-validated ROC AUC")
right.set_title("one seed's score varies; an ensemble's less")
fig.tight_layout()
plt.show()
