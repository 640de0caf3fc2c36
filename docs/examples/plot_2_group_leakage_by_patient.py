"""
=========================================================
Leakage in early stopping: splitting by patient, not row
=========================================================

The Parkinson's telemonitoring data (Tsanas et al., 2010) holds 5875 voice
recordings from 42 patients, about 140 per patient, taken at home over six
months. The task is to predict each recording's motor UPDRS score, a
clinician's rating of the severity of symptoms. A model is only useful if it
works for *new* patients, so it must be tested on patients it has not seen:
:class:`~sklearn.model_selection.GroupKFold` with the patient as the group.

Early stopping holds out a validation set *inside* each training fold. By
default it draws random rows, so the validation rows come from the same
patients as the training rows. The validation score then measures how well
the network recognises patients it has seen, and early stopping picks the
epoch that is best at that. This example compares that row-wise validation
with a patient-wise one, ``fit(X, y, groups=patients)``, passed through
scikit-learn's metadata routing.

If ``parkinsons_updrs.data`` is not available, the example builds a stand-in
with repeated measurements: 100 "patients" from scikit-learn's diabetes
data, 20 noisy visits each.
"""

# %%
# Loading the data
# ----------------
import os
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.datasets import load_diabetes


def shared_data(relative):
    """Path of ``relative`` in the shared data folder, or None if absent."""
    try:
        here = Path(__file__).resolve().parent
    except NameError:  # sphinx-gallery runs examples from their own folder
        here = Path.cwd()
    roots = [Path(os.environ["SKMLP_DATA"])] if "SKMLP_DATA" in os.environ else []
    roots += [parent / "shared" / "data" for parent in here.parents]
    return next((r / relative for r in roots if (r / relative).is_file()), None)


path = shared_data("parkinsons/parkinsons_updrs.data")
if path is not None:
    frame = pd.read_csv(path, sep="\t")
    groups = frame["subject#"].to_numpy()
    y = frame["motor_UPDRS"].to_numpy()
    X = frame.drop(columns=["subject#", "motor_UPDRS", "total_UPDRS"])
    print(f"Parkinson's telemonitoring: {X.shape[0]} recordings, "
          f"{len(np.unique(groups))} patients, {X.shape[1]} features")
else:
    X0, y0 = load_diabetes(return_X_y=True)
    rng = np.random.RandomState(0)
    groups = np.repeat(np.arange(100), 20)
    X = X0[groups] + 0.3 * X0.std(axis=0) * rng.normal(size=(len(groups), X0.shape[1]))
    y = y0[groups] + 10 * rng.normal(size=len(groups))
    print(f"parkinsons_updrs.data not found; simulated repeated measures {X.shape}")

# %%
# The features include age and sex, which are constant within a patient, and
# many voice measures, which vary little within a patient. A flexible model
# can use them to recognise a patient, and then to recall that patient's
# typical score.
#
# Two ways to validate inside each fold
# -------------------------------------
# The outer loop is the same for both: five folds of whole patients. The
# network is the same too. Only the early-stopping split differs:
#
# * **rows**: ``early_stopping=True`` holds out 20 % of the rows;
# * **patients**: the MLP requests ``groups`` with
#   ``set_fit_request(groups=True)``, and ``cross_validate`` routes the
#   patient ids to ``fit`` as well as to the splitter. Early stopping then
#   holds out 20 % of the training *patients*.
import warnings

import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GroupKFold, KFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import MLPRegressor

warnings.filterwarnings("ignore", category=ConvergenceWarning)


def make_model():
    return make_pipeline(
        StandardScaler(),
        MLPRegressor(hidden_layer_sizes=(32,), learning_rate_init=0.003, max_iter=100,
                     early_stopping=True, validation_fraction=0.2, random_state=0),
    )


outer = GroupKFold(n_splits=5)

by_rows = cross_validate(make_model(), X, y, groups=groups, cv=outer,
                         return_estimator=True)

with sklearn.config_context(enable_metadata_routing=True):
    model = make_model()
    model[-1].set_fit_request(groups=True)
    by_patients = cross_validate(model, X, y, cv=outer, params={"groups": groups},
                                 return_estimator=True)

summary = {}
for name, results in [("rows", by_rows), ("patients", by_patients)]:
    summary[name] = pd.DataFrame({
        "validation R2 (early stopping)": [
            est[-1].best_validation_score_ for est in results["estimator"]],
        "test R2 (new patients)": results["test_score"],
        "epochs": [est[-1].n_iter_ for est in results["estimator"]],
    })
    print(f"validation split by {name}:")
    print(summary[name].round(3).to_string())
    print(summary[name].mean().round(3).to_string(), end="\n\n")

# %%
# Split by rows, the validation score (R² ≈ +0.5) promises a useful model,
# but on new patients the same networks score far below zero, worse than
# predicting the mean. Split by patients, the validation score is negative
# too. It does not match each fold's test score, because a few validation
# patients make a noisy estimate, but it tells the truth: the model does
# not work for new patients. Training also stops much earlier, because the
# score on unseen patients stops improving after a few dozen epochs.
#
# The row-wise validation score is not a mistake of the network; it is
# exactly what a shuffled :class:`~sklearn.model_selection.KFold` reports
# for the whole data set:
shuffled = cross_validate(make_model(), X, y, cv=KFold(5, shuffle=True, random_state=0))
print(f"shuffled KFold R2: {shuffled['test_score'].mean():.3f}")

# %%
# Validation score against test score
# -----------------------------------
# Each point is one outer fold. An honest validation score lies near the
# diagonal.
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(5.5, 5))
for name, marker in [("rows", "o"), ("patients", "s")]:
    table = summary[name]
    ax.scatter(table["validation R2 (early stopping)"], table["test R2 (new patients)"],
               marker=marker, s=60, label=f"validation split by {name}")
low = min(min(t.iloc[:, :2].min()) for t in summary.values()) - 0.2
high = max(max(t.iloc[:, :2].max()) for t in summary.values()) + 0.2
ax.plot([low, high], [low, high], color="grey", linestyle="--", label="test = validation")
ax.axhline(0, color="grey", linewidth=0.5)
ax.axvline(0, color="grey", linewidth=0.5)
ax.set_xlim(low, high)
ax.set_ylim(low, high)
ax.set_xlabel("validation R² seen by early stopping")
ax.set_ylabel("test R² on unseen patients")
ax.set_title("Five patient-wise folds")
ax.legend(loc="upper left", fontsize="small")
fig.tight_layout()

# %%
# Take-aways
# ----------
# * Split every level of validation by patient: the outer cross-validation
#   (``GroupKFold``, ``StratifiedGroupKFold``) *and* the early-stopping split
#   (``fit(..., groups=...)``, routed with ``set_fit_request(groups=True)``).
# * A validation score that is much better than the test score is a sign of
#   leakage, not of a good model.
# * On these data, this network does not predict the motor UPDRS of a new
#   patient from the voice features. It only looks useful when patients are
#   shared between the training and the evaluation data.
