"""
==================================================
Multi-label gene function prediction (yeast)
==================================================

A gene can have several functions at once. The yeast data (Elisseeff and
Weston, 2001) describe 2417 genes of *Saccharomyces cerevisiae* by 103
features derived from micro-array expression and phylogenetic profiles.
Each gene is annotated with some of 14 functional classes, about four per
gene. We use the standard MULAN split into 1500 training and 917 test genes.

:class:`skmlp.MultiLabelMLP` gives each label its own sigmoid output and
trains all of them together with the binary cross-entropy summed over
labels, so the labels share the hidden layer. ``predict`` compares each
label's probability with ``threshold``, one value for all labels or one per
label.

If the yeast files are not available, the example derives three labels from
scikit-learn's handwritten digits (is the digit even, is it at least 5, is it
prime).
"""

# %%
# Loading the data
# ----------------
import os
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.io import arff
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split


def shared_data(relative):
    """Path of ``relative`` in the shared data folder, or None if absent."""
    try:
        here = Path(__file__).resolve().parent
    except NameError:  # sphinx-gallery runs examples from their own folder
        here = Path.cwd()
    roots = [Path(os.environ["SKMLP_DATA"])] if "SKMLP_DATA" in os.environ else []
    roots += [parent / "shared" / "data" for parent in here.parents]
    return next((r / relative for r in roots if (r / relative).is_file()), None)


def load_arff(path):
    frame = pd.DataFrame(arff.loadarff(path)[0])
    features = [c for c in frame if c.startswith("Att")]
    labels = [c for c in frame if c.startswith("Class")]
    # nominal attributes arrive as bytes b'0' / b'1'
    Y = frame[labels].apply(lambda col: col.str.decode("ascii").astype(int))
    return frame[features].to_numpy(), Y.to_numpy(), labels


train_path = shared_data("yeast/yeast-train.arff")
test_path = shared_data("yeast/yeast-test.arff")
if train_path is not None and test_path is not None:
    X_train, Y_train, labels = load_arff(train_path)
    X_test, Y_test, _ = load_arff(test_path)
    print(f"yeast: {X_train.shape[0]} training and {X_test.shape[0]} test genes, "
          f"{X_train.shape[1]} features, {len(labels)} labels")
else:
    X, digit = load_digits(return_X_y=True)
    Y = np.column_stack([digit % 2 == 0, digit >= 5, np.isin(digit, [2, 3, 5, 7])])
    labels = ["even", ">= 5", "prime"]
    X_train, X_test, Y_train, Y_test = train_test_split(
        X, Y.astype(int), test_size=0.4, random_state=0
    )
    print(f"yeast files not found; digits with {len(labels)} derived labels")

frequency = pd.Series(Y_train.mean(axis=0), index=labels)
print(f"labels per sample: {Y_train.sum(axis=1).mean():.2f}")
print("share of positives per label:")
print(frequency.round(3).to_string())

# %%
# Three models
# ------------
# * **plain**: a hidden layer of 64 units with a little L2 penalty, 200
#   epochs.
# * **early stopping**: holds out 20 % of the training genes and stops when
#   the sample-averaged F1 score stops improving. ``scoring`` takes any
#   scorer; this one counts a gene with no true and no predicted label as
#   0 instead of warning.
#   For an indicator target the split uses iterative stratification, so
#   even rare labels are present on both sides.
# * **balanced**: ``class_weight='balanced'`` weights each label's positives
#   and negatives so that both count equally, which helps the rare labels.
import warnings

from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import f1_score, hamming_loss, make_scorer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import MultiLabelMLP

warnings.filterwarnings("ignore", category=ConvergenceWarning)

settings = {
    "plain": {},
    "early stopping": {
        "early_stopping": True, "validation_fraction": 0.2,
        "scoring": make_scorer(f1_score, average="samples", zero_division=0),
    },
    "balanced": {"class_weight": "balanced"},
}
models, rows = {}, {}
for name, params in settings.items():
    models[name] = make_pipeline(
        StandardScaler(),
        MultiLabelMLP(hidden_layer_sizes=(64,), alpha=1e-2, max_iter=200,
                      random_state=0, **params),
    ).fit(X_train, Y_train)
    Y_pred = models[name].predict(X_test)
    rows[name] = {
        "epochs": models[name][-1].n_iter_,
        "F1 (samples)": f1_score(Y_test, Y_pred, average="samples", zero_division=0),
        "F1 (micro)": f1_score(Y_test, Y_pred, average="micro"),
        "F1 (macro)": f1_score(Y_test, Y_pred, average="macro", zero_division=0),
        "Hamming loss": hamming_loss(Y_test, Y_pred),
    }
print(pd.DataFrame(rows).T.round(3).to_string())

# %%
# Early stopping helps the sample-averaged and micro F1, which are dominated
# by the frequent labels. Class weights raise the macro F1, the plain mean
# over labels, because the rare labels are predicted more often, which
# raises their recall. It costs some precision on most other labels.
#
# Per-label thresholds
# --------------------
# A threshold of 0.5 is rarely best for a rare label. ``threshold`` is read
# only when predicting, so thresholds can be tuned after fitting. Here they
# are tuned on a validation part of the training data (never on the test
# set): for each label, the threshold that maximises that label's F1.
X_fit, X_val, Y_fit, Y_val = train_test_split(
    X_train, Y_train, test_size=0.25, random_state=0
)
tuned = make_pipeline(
    StandardScaler(),
    MultiLabelMLP(hidden_layer_sizes=(64,), alpha=1e-2, max_iter=200, random_state=0),
).fit(X_fit, Y_fit)
P_val = tuned.predict_proba(X_val)
candidates = np.linspace(0.05, 0.95, 19)
thresholds = np.array([
    candidates[np.argmax([f1_score(Y_val[:, k], P_val[:, k] >= t, zero_division=0)
                          for t in candidates])]
    for k in range(Y_val.shape[1])
])
tuned.set_params(multilabelmlp__threshold=thresholds)
print("thresholds:", np.round(thresholds, 2))

Y_tuned = tuned.predict(X_test)
Y_plain = models["plain"].predict(X_test)
print(f"macro F1: plain {f1_score(Y_test, Y_plain, average='macro', zero_division=0):.3f}, "
      f"tuned thresholds {f1_score(Y_test, Y_tuned, average='macro', zero_division=0):.3f}")

# %%
# F1 score per label
# ------------------
import matplotlib.pyplot as plt

per_label = pd.DataFrame({
    "threshold 0.5": f1_score(Y_test, Y_plain, average=None, zero_division=0),
    "tuned thresholds": f1_score(Y_test, Y_tuned, average=None, zero_division=0),
}, index=labels)
fig, ax = plt.subplots(figsize=(9, 4))
per_label.plot.bar(ax=ax, rot=0, width=0.8)
ax.plot(np.arange(len(labels)), frequency.to_numpy(), "k.", markersize=10,
        label="share of positives (training)")
ax.set_ylabel("test F1")
ax.set_ylim(0, 1.05)
ax.set_title("Per-label F1 on the test set")
ax.legend(fontsize="small", loc="upper left")
if len(labels) > 5:
    ax.set_xticks(np.arange(len(labels)), [c.replace("Class", "") for c in labels])
    ax.set_xlabel("functional class")
fig.tight_layout()

# %%
# On the yeast data, tuned thresholds raise the F1 of most labels, by the
# most for rare labels such as Class9. A lower threshold predicts a rare
# label more often, which raises its recall more than it lowers its
# precision. For the two most frequent labels (Class12 and Class13, about
# 75 % of the genes), the tuned threshold is the lowest candidate, so they
# are predicted for nearly every gene. With that many positives, F1 rewards
# this. A label with almost no positives (Class14: about 1 % of the genes)
# stays hard whatever the threshold. Macro F1 is only one choice: tune for
# the metric that matches how the predictions will be used.
