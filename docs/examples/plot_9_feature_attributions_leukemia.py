"""
=====================================================
Which genes drive a prediction: feature attributions
=====================================================

Golub et al. (1999) measured 5147 genes in bone marrow from 72 leukaemia
patients (47 ALL, 25 AML). A network fitted on them has to say which genes
it uses. :func:`~skmlp.inspection.feature_attributions` gives every
patient's attribution to every gene: integrated gradients (Sundararajan et
al., 2017), exact input gradients of the model averaged along the path from
a typical patient (the training median) to this one, in the genes' own units
and adding up to how far this patient's predicted probability of AML is from
the typical patient's.

If ``leukemia.csv`` is not available, the example uses scikit-learn's
breast-cancer data instead.
"""

# %%
# The data and the model
# ----------------------
# :class:`~skmlp.MLPClassifierCV` scales the genes itself and chooses its own
# L2 penalty by inner cross-validation; 14 patients are held out to explain.
import os
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split

from skmlp import MLPClassifierCV


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
else:
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    y = y.map({0: "malignant", 1: "benign"})
print(f"{X.shape[0]} patients x {X.shape[1]} features")
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=14, stratify=y, random_state=0
)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    model = MLPClassifierCV(random_state=0).fit(X_train, y_train)
print(f"held-out accuracy: {model.score(X_test, y_test):.3f}")
positive = str(model.classes_[1])
print(f"explaining the probability of {positive}")

# %%
# Attributions, per patient and gene
# ----------------------------------
# One row per held-out patient, one column per gene. Completeness: each row
# adds up to that patient's probability minus the typical patient's, up to
# the integration error (the networks are ReLU networks, whose gradient jumps
# along the path; more ``n_steps`` shrink it).
from skmlp.inspection import feature_attributions, summarize_attributions

start = time.perf_counter()
attributions = feature_attributions(model, X_test, target=positive)
print(f"{attributions.shape} attributions in {time.perf_counter() - start:.1f} s")
typical = model.predict_proba(X_train.median().to_frame().T)[0, 1]
gap = model.predict_proba(X_test)[:, 1] - typical
print(f"F(x) - F(baseline) ranges over {gap.min():+.3f} .. {gap.max():+.3f}; ", end="")
print(
    f"the rows' sums miss it by at most {np.abs(attributions.sum(axis=1) - gap).max():.1e}"
)

summary = summarize_attributions(attributions, X.columns)
top = pd.DataFrame(
    {"mean |attribution|": summary.mean_abs, "mean": summary.mean},
    index=summary.feature_names,
)
print(top.head(10).round(4).to_string())

# %%
# The top genes
# -------------
# Bars: the mean absolute attribution over the 14 patients. Strip: each
# patient's attribution, coloured by that patient's expression of the gene
# (blue low, red high). A gene whose red points sit right of zero raises the
# probability of AML when it is highly expressed.
import matplotlib.pyplot as plt

from skmlp.inspection import FeatureAttributionDisplay

display = FeatureAttributionDisplay(
    attributions,
    feature_names=list(X.columns),
    feature_values=X_test.to_numpy(float),
    max_features=15,
    method="integrated_gradients",
).plot()
display.figure_.suptitle(f"What drives the probability of {positive}")
display.figure_.tight_layout()
plt.show()

# %%
# What to keep in mind
# --------------------
# Genes that move together share their credit arbitrarily: the network may
# use either of two near-copies, and another seed may use the other. Read the
# top genes as groups, and check them on another seed or cohort before
# reading biology into them. ``benchmarks/bench_attributions.py`` compares
# this ranking with scikit-learn's permutation importance on the same
# patients (see the user guide's attributions page).
