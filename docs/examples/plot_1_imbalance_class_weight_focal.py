"""
==================================================
Imbalanced classes: class weights and focal loss
==================================================

Biomedical classification tables are often imbalanced. Here 147 of the 195
voice recordings come from people with Parkinson's disease and only 48 from
healthy controls (Little et al., 2007). A classifier trained on such data
tends to favour the majority class. This example compares three remedies,
all of which are parameters of :class:`skmlp.MLPClassifier`:

* ``class_weight="balanced"`` weights each sample by
  ``n_samples / (n_classes * count of its class)``;
* ``loss="focal"`` scales each sample's cross-entropy by
  ``(1 - p_t) ** focal_gamma``, which down-weights the samples the model
  already classifies with confidence;
* both together.

Each of the 32 subjects (8 of them healthy) contributes six or seven
recordings, so the cross-validation keeps all recordings of a subject in the
same fold (:class:`~sklearn.model_selection.StratifiedGroupKFold`).
Otherwise the test folds would contain voices the model has already heard.

If ``parkinsons.data`` is not available, the example uses scikit-learn's
breast-cancer data, subsampled so that 10 % of the tumours are malignant.
"""

# %%
# Loading the data
# ----------------
# The data are read from the shared data folder, found through the
# ``SKMLP_DATA`` environment variable or next to the repository checkout.
import os
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer


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
    # recordings are named phon_R01_S<subject>_<recording>
    groups = frame["name"].str.extract(r"_(S\d+)_", expand=False).to_numpy()
    y = np.where(frame["status"] == 1, "parkinson's", "healthy")
    X = frame.drop(columns=["name", "status"])
    minority, majority = "healthy", "parkinson's"
    print(f"Parkinson's voice data: {X.shape[0]} recordings of "
          f"{len(np.unique(groups))} subjects, {X.shape[1]} features")
else:
    data = load_breast_cancer()
    rng = np.random.RandomState(0)
    malignant = np.flatnonzero(data.target == 0)
    benign = np.flatnonzero(data.target == 1)
    keep = np.concatenate([rng.choice(malignant, 40, replace=False), benign])
    X = data.data[keep]
    y = np.where(data.target[keep] == 0, "malignant", "benign")
    groups = np.arange(len(y))  # one sample per patient
    minority, majority = "malignant", "benign"
    print(f"parkinsons.data not found; breast cancer subsample: {X.shape}")

print(pd.Series(y).value_counts().to_string())

# %%
# Cross-validating four classifiers
# ---------------------------------
# All four models are the same small network. Only the loss and the class
# weights differ. The scores are the recall of each class and the balanced
# accuracy (their mean), which treats both classes alike, plus the ROC AUC,
# which does not depend on the decision threshold.
import warnings

from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import make_scorer, recall_score
from sklearn.model_selection import StratifiedGroupKFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import MLPClassifier

settings = {
    "default": {},
    "class_weight='balanced'": {"class_weight": "balanced"},
    "loss='focal'": {"loss": "focal", "focal_gamma": 2.0},
    "focal + balanced": {"loss": "focal", "class_weight": "balanced"},
}
scoring = {
    f"recall {minority}": make_scorer(recall_score, pos_label=minority),
    f"recall {majority}": make_scorer(recall_score, pos_label=majority),
    "balanced accuracy": "balanced_accuracy",
    "ROC AUC": "roc_auc",
}
cv = StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=0)
# 300 epochs are enough here; the networks have not fully converged, which
# scikit-learn reports with a ConvergenceWarning on every fit.
warnings.filterwarnings("ignore", category=ConvergenceWarning)

rows = {}
for name, params in settings.items():
    model = make_pipeline(
        StandardScaler(),
        MLPClassifier(hidden_layer_sizes=(32,), alpha=1e-2, max_iter=300,
                      random_state=0, **params),
    )
    results = cross_validate(model, X, y, groups=groups, cv=cv, scoring=scoring)
    rows[name] = {metric: results[f"test_{metric}"].mean() for metric in scoring}

table = pd.DataFrame(rows).T
print(table.round(3).to_string())

# %%
# Plotting the scores
# -------------------
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 4))
table.plot.bar(ax=ax, rot=0, width=0.8)
ax.set_ylim(0, 1.15)
ax.set_ylabel("mean over 5 subject-wise folds")
ax.set_title("The same network with different losses and class weights")
ax.legend(loc="upper center", ncol=4, fontsize="small")
fig.tight_layout()

# %%
# Reading the results
# -------------------
# Class weights and the focal loss mainly move the decision threshold. They
# raise the recall of the rare class and lower the recall of the common one,
# while the ROC AUC, which is about the ranking and not the threshold,
# changes much less. Whether this trade is worth it depends on what a missed
# case costs, so report both recalls or the balanced accuracy, not the
# accuracy.
#
# With only 8 healthy subjects, the scores vary a lot between folds, and no
# setting is clearly best. Note also how much lower these subject-wise scores
# are than those of an ordinary row-wise split of the same recordings:
from sklearn.model_selection import StratifiedKFold

row_wise = cross_validate(
    make_pipeline(StandardScaler(),
                  MLPClassifier(hidden_layer_sizes=(32,), alpha=1e-2, max_iter=300,
                                random_state=0)),
    X, y, cv=StratifiedKFold(5, shuffle=True, random_state=0),
    scoring=["balanced_accuracy", "roc_auc"],
)
print(f"row-wise folds: balanced accuracy {row_wise['test_balanced_accuracy'].mean():.3f}, "
      f"ROC AUC {row_wise['test_roc_auc'].mean():.3f}")

# %%
# A row-wise split puts recordings of the same subject in the training and
# the test folds, and recognising a familiar voice is easier than judging a
# new one. :ref:`sphx_glr_auto_examples_plot_2_group_leakage_by_patient.py`
# looks at this leakage in detail.
#
# For sigmoid outputs, ``focal_alpha`` weights the positive class
# ``classes_[1]`` (here ``classes_ = ['healthy', "parkinson's"]`` or
# ``['benign', 'malignant']``). Check which class that is before you use it.
# ``class_weight`` names the classes explicitly, which is less error-prone.
