"""
==================================================
Diagnosing training curves: over- and underfitting
==================================================

The training and validation loss after each epoch show how a network
learned. :func:`skmlp.inspection.diagnose_training` reads the two curves and
names the pattern: overfit, underfit, good fit and a few more (see
:doc:`/user_guide/learning_curves`).
:class:`~skmlp.inspection.TrainingCurveDisplay` draws the curves with that
verdict in the title.

This example provokes four patterns in real training runs on the Breast
Cancer Wisconsin data (Street et al., 1993; bundled with scikit-learn). It
then draws mean curves across cross-validation folds on the Parkinson's
voice data (Little et al., 2007).
"""

# %%
# A training and a validation half
# ---------------------------------
# ``fit(X, y, X_val=..., y_val=...)`` records the validation loss after every
# epoch without using those rows for training. Early stopping stays off
# here, so every run shows its whole course. With ``scoring="loss"`` the
# validation score is the negative validation loss, so the best epoch marked
# in the plots is the one with the lowest validation loss.
import warnings

import matplotlib.pyplot as plt
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skmlp import MLPClassifier
from skmlp.inspection import TrainingCurveDisplay, diagnose_training

# max_iter is set low on purpose in some runs
warnings.filterwarnings("ignore", category=ConvergenceWarning)

data = load_breast_cancer()
X_train, X_val, y_train, y_val = train_test_split(
    data.data, data.target, test_size=0.5, stratify=data.target, random_state=0
)
scaler = StandardScaler().fit(X_train)
X_train, X_val = scaler.transform(X_train), scaler.transform(X_val)

# %%
# Four runs
# ---------
# * **overfit**: a large network (two layers of 256 units) without any
#   penalty, trained on only 60 samples. It memorises them.
# * **stopped too early**: a sensible network, but only 15 epochs.
# * **too little capacity**: a linear model (identity activation, two
#   units) that sees only two features with little information, "mean
#   fractal dimension" and "texture error".
# * **good fit**: 32 hidden units, an L2 penalty (``alpha=1``) and enough
#   epochs.
weak = [list(data.feature_names).index(name)
        for name in ("mean fractal dimension", "texture error")]
runs = {
    "overfit": (
        MLPClassifier(hidden_layer_sizes=(256, 256), alpha=0, learning_rate_init=0.003,
                      max_iter=200, scoring="loss", random_state=0),
        slice(0, 60), slice(None),
    ),
    "stopped too early": (
        MLPClassifier(hidden_layer_sizes=(32,), max_iter=15, scoring="loss",
                      random_state=0),
        slice(None), slice(None),
    ),
    "too little capacity": (
        MLPClassifier(hidden_layer_sizes=(2,), activation="identity",
                      learning_rate_init=0.01, max_iter=200, scoring="loss",
                      random_state=0),
        slice(None), weak,
    ),
    "good fit": (
        MLPClassifier(hidden_layer_sizes=(32,), alpha=1.0, learning_rate_init=0.01,
                      max_iter=150, scoring="loss", random_state=0),
        slice(None), slice(None),
    ),
}

fig, axes = plt.subplots(2, 2, figsize=(10, 7.5))
for ax, (name, (mlp, rows, columns)) in zip(axes.ravel(), runs.items()):
    mlp.fit(X_train[rows][:, columns], y_train[rows],
            X_val=X_val[:, columns], y_val=y_val)
    display = TrainingCurveDisplay.from_estimator(mlp, ax=ax, name=name)
    ax.set_title(f"{name}\n{ax.get_title()}", fontsize=10)
    ax.legend(fontsize="small")
    print(f"{name:>20}: {diagnose_training(mlp).pattern}")
fig.tight_layout()

# %%
# What the verdicts rest on
# -------------------------
# :func:`~skmlp.inspection.diagnose_training` returns a
# :class:`~skmlp.inspection.TrainingDiagnosis` with the pattern, some advice
# and the evidence. The evidence is scale-free: losses are divided by the
# starting loss level. For the overfit run, the validation loss was lowest
# at the divergence epoch and rose afterwards by ``valid_rise``, while the
# training loss kept falling.
overfit = diagnose_training(runs["overfit"][0])
print(overfit.advice)
for key in ("divergence_epoch", "valid_rise", "final_gap", "final_train_level"):
    print(f"  {key} = {overfit.evidence[key]:.3g}")

# %%
# The same advice in short:
#
# ========================  ===============================================
# pattern                   what to try
# ========================  ===============================================
# overfit                   regularise (``alpha``, ``dropout``,
#                           ``l1_ratio``), a smaller network, or
#                           ``early_stopping=True``
# underfit_stopped_early    more epochs (``max_iter``), a more patient
#                           ``n_iter_no_change``
# underfit_capacity         more units or layers, better features, a lower
#                           learning rate
# good_fit                  nothing; a small, stable gap is normal
# ========================  ===============================================
#
# Mean curves across folds
# ------------------------
# :meth:`~skmlp.inspection.TrainingCurveDisplay.from_cv_results` averages
# the histories of the estimators returned by ``cross_validate(...,
# return_estimator=True)`` and draws ± one standard deviation as a band.
# Here each fold trains on the Parkinson's voice data (195 recordings of 32
# subjects) and holds out a quarter of its training subjects for validation.
# Both the outer folds and this validation split keep each subject's
# recordings together, with the ``groups`` passed by metadata routing.
#
# ``n_iter_no_change`` equals ``max_iter``, so no fold stops early and every
# curve covers all 150 epochs. With early stopping, folds stop at different
# epochs; the display then draws only the epochs every fold reached, since a
# mean over fewer and fewer folds would jump where each drops out. The
# weights of each fold's best validation epoch are still restored at the end
# (``restore_best_weights=True``).
import os
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
from sklearn.model_selection import StratifiedGroupKFold, cross_validate
from sklearn.pipeline import make_pipeline


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
    groups = frame["name"].str.extract(r"_(S\d+)_", expand=False).to_numpy()
    X, y = frame.drop(columns=["name", "status"]), frame["status"].to_numpy()
    title = "Parkinson's voice data, 5 subject-wise folds"
else:
    X, y = data.data, data.target
    groups = np.arange(len(y))
    title = "breast cancer data, 5 folds"

with sklearn.config_context(enable_metadata_routing=True):
    mlp = MLPClassifier(hidden_layer_sizes=(32,), alpha=1e-2, early_stopping=True,
                        validation_fraction=0.25, scoring="loss", max_iter=150,
                        n_iter_no_change=150, random_state=0)
    model = make_pipeline(StandardScaler(), mlp.set_fit_request(groups=True))
    cv_results = cross_validate(
        model, X, y, cv=StratifiedGroupKFold(5, shuffle=True, random_state=0),
        params={"groups": groups}, return_estimator=True,
    )

fig, ax = plt.subplots(figsize=(7, 4.5))
display = TrainingCurveDisplay.from_cv_results(cv_results, ax=ax)
ax.set_title(f"{title}\n{ax.get_title()}", fontsize=10)
print("best epoch per fold:", [est[-1].best_epoch_ for est in cv_results["estimator"]])
print("diagnosis of the mean curves:", display.diagnosis.pattern)

# %%
# On the Parkinson's data the mean curves read as ``overfit``: on average
# the validation loss is lowest after about 15 epochs and rises after that,
# while the training loss keeps falling. The wide band shows that the folds
# disagree. Their best epochs range from about 10 to more than 100, because
# each fold validates on only a few subjects. Past its best epoch, the
# network fits details of the training subjects that do not carry over to
# new subjects. This agrees with the modest subject-wise scores in
# :ref:`sphx_glr_auto_examples_plot_1_imbalance_class_weight_focal.py`.
# Stronger regularisation, or simply more subjects, is what these curves ask
# for.
