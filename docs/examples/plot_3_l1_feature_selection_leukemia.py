"""
==================================================
Selecting genes with an L1 penalty (p ≫ n)
==================================================

Golub et al. (1999) measured the expression of thousands of genes in bone
marrow samples from 72 leukaemia patients: 47 with acute lymphoblastic
leukaemia (ALL) and 25 with acute myeloid leukaemia (AML). With 5147 genes
and 72 samples, a network can fit the training data in many ways. An L1
penalty on the weights picks one that uses few genes.

``alpha`` sets the strength of the penalty and ``l1_ratio=1.0`` makes it a
pure L1 (lasso) penalty. skmlp applies the L1 part as a proximal
soft-threshold step after each update, so weights become *exactly* zero. A
gene whose whole row of ``coefs_[0]`` is zero is switched off, and
``feature_importances_`` (the L2 norm of that row) is zero for it.

If ``leukemia.csv`` is not available, the example uses scikit-learn's
breast-cancer data (30 features) instead.
"""

# %%
# Loading the data
# ----------------
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


path = shared_data("gene_expression/leukemia.csv")
if path is not None:
    frame = pd.read_csv(path)
    X, y = frame.drop(columns="class"), frame["class"]
    print(f"Leukemia expression data: {X.shape[0]} patients x {X.shape[1]} genes")
else:
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    print(f"leukemia.csv not found; breast cancer data {X.shape}")
print(y.value_counts().to_string())

# %%
# Fitting a sparse network
# ------------------------
# The genes are standardised first, so that one penalty strength suits them
# all. A hidden layer of 16 units is plenty, and a learning rate of 0.01 lets
# the proximal steps zero most of the weights within 300 epochs.
import warnings

from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import MLPClassifier

warnings.filterwarnings("ignore", category=ConvergenceWarning)


def sparse_mlp():
    return MLPClassifier(hidden_layer_sizes=(16,), alpha=1.0, l1_ratio=1.0,
                         learning_rate_init=0.01, max_iter=300, random_state=0)


model = make_pipeline(StandardScaler(), sparse_mlp()).fit(X, y)
mlp = model[-1]
importances = pd.Series(mlp.feature_importances_, index=model.feature_names_in_)
zero_rows = np.all(mlp.coefs_[0] == 0, axis=1)
print(f"inputs with non-zero first-layer weights: {np.count_nonzero(~zero_rows)} "
      f"of {len(importances)}")
print(f"first-layer weights that are exactly zero: {np.mean(mlp.coefs_[0] == 0):.1%}")
print(f"feature_importances_ > 0 for the same inputs: "
      f"{np.array_equal(importances.to_numpy() > 0, ~zero_rows)}")

# %%
# The most important inputs
# -------------------------
# The bar chart shows the non-zero importances, largest first; every other
# input has importance exactly zero.
import matplotlib.pyplot as plt

selected = importances[importances > 0].sort_values(ascending=False)
fig, (ax_all, ax_top) = plt.subplots(
    1, 2, figsize=(10, 4.5), gridspec_kw={"width_ratios": [1, 1.4]}
)
ax_all.plot(np.arange(len(importances)), importances.to_numpy(), ".", markersize=3)
ax_all.set_xlabel("input (column of X)")
ax_all.set_ylabel("feature_importances_")
ax_all.set_title(f"{len(selected)} of {len(importances)} inputs are non-zero")

top = selected.head(25)[::-1]
ax_top.barh(np.arange(len(top)), top.to_numpy())
ax_top.set_yticks(np.arange(len(top)), top.index, fontsize=7)
ax_top.set_xlabel("feature_importances_ (L2 norm of the first-layer row)")
ax_top.set_title(f"The {len(top)} largest")
fig.tight_layout()

# %%
# Selecting the inputs with ``SelectFromModel``
# ---------------------------------------------
# :class:`~sklearn.feature_selection.SelectFromModel` reads
# ``feature_importances_``. Its default threshold is the mean importance, so
# pass a tiny threshold to keep exactly the inputs with non-zero weights:
from sklearn.feature_selection import SelectFromModel

selector = SelectFromModel(mlp, threshold=1e-12, prefit=True)
print(f"SelectFromModel keeps {selector.get_support().sum()} inputs")

# %%
# How well does the sparse network predict?
# -----------------------------------------
# The genes above were chosen using all 72 patients, so testing a model on
# them with the same patients would be optimistic. For an honest estimate,
# the selection must happen inside the training data only. Here the sparse
# network is fit on two thirds of the patients and tested on the rest:
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import train_test_split

X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=1 / 3, stratify=y, random_state=0
)
held_out = make_pipeline(StandardScaler(), sparse_mlp()).fit(X_train, y_train)
n_used = np.count_nonzero(held_out[-1].feature_importances_)
print(f"trained on {len(y_train)} patients: {n_used} inputs used, balanced accuracy on "
      f"{len(y_test)} new patients: "
      f"{balanced_accuracy_score(y_test, held_out.predict(X_test)):.3f}")

# %%
# With so few test patients this estimate is coarse. In practice,
# cross-validate a pipeline such as
# ``make_pipeline(StandardScaler(), SelectFromModel(sparse_mlp(),
# threshold=1e-12), LogisticRegression())``, so that each fold selects its
# own genes. Different folds select different, partly overlapping sets of
# genes, because many genes carry similar information. Treat a selected
# gene list as one good explanation, not the only one.
