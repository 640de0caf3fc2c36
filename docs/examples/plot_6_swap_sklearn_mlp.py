"""
==========================================================
Swapping scikit-learn's MLP for skmlp in a pipeline
==========================================================

:class:`skmlp.MLPClassifier` has the same parameters, defaults and fitted
attributes as :class:`sklearn.neural_network.MLPClassifier`. With the same
``random_state`` it draws the same initial weights and the same minibatch
shuffles and does the same updates, so an existing pipeline gives the same
results after the import is changed. This example checks that on the
Parkinson's voice data (Little et al., 2007), or on scikit-learn's
breast-cancer data if that file is absent, and compares the run times.
"""

# %%
# The existing code
# -----------------
# A typical pipeline, cross-validated with the subjects kept together:
import os
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedGroupKFold, cross_validate
from sklearn.neural_network import MLPClassifier as SklearnMLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

warnings.filterwarnings("ignore", category=ConvergenceWarning)


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
    print(f"Parkinson's voice data: {X.shape}")
else:
    X, y = load_breast_cancer(return_X_y=True)
    groups = np.arange(len(y))
    print(f"parkinsons.data not found; breast cancer data: {X.shape}")

cv = StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=0)


def evaluate(MLP):
    model = make_pipeline(
        StandardScaler(), MLP(hidden_layer_sizes=(64,), max_iter=300, random_state=0)
    )
    start = time.perf_counter()
    results = cross_validate(model, X, y, groups=groups, cv=cv, return_estimator=True)
    return results, time.perf_counter() - start


sklearn_results, sklearn_seconds = evaluate(SklearnMLPClassifier)

# %%
# The same code with skmlp
# ------------------------
# Only the import changes:
from skmlp import MLPClassifier

skmlp_results, skmlp_seconds = evaluate(MLPClassifier)

scores = pd.DataFrame({
    "scikit-learn": sklearn_results["test_score"],
    "skmlp": skmlp_results["test_score"],
})
print(scores.round(4).to_string())
print(f"identical fold scores: {np.array_equal(scores['scikit-learn'], scores['skmlp'])}")

# %%
# The fitted models agree too: the same number of epochs, the same loss
# curve, and the same probabilities up to floating-point rounding.
for fold, (a, b) in enumerate(zip(sklearn_results["estimator"],
                                  skmlp_results["estimator"])):
    a, b = a[-1], b[-1]
    curve_gap = np.max(np.abs(np.subtract(a.loss_curve_, b.loss_curve_)))
    weight_gap = max(np.max(np.abs(wa - wb)) for wa, wb in zip(a.coefs_, b.coefs_))
    print(f"fold {fold}: epochs {a.n_iter_} / {b.n_iter_}, largest difference in "
          f"loss curve {curve_gap:.1e}, in weights {weight_gap:.1e}")

# %%
# Run time
# --------
# Both libraries run the same epochs with the same arithmetic, so the run
# time measures only the implementation. This is one run on a shared machine.
# ``benchmarks/bench_vs_sklearn.py`` in the repository measures the speed
# properly, with interleaved repeats and medians.
import matplotlib.pyplot as plt

fit_times = pd.DataFrame({
    "scikit-learn": sklearn_results["fit_time"],
    "skmlp": skmlp_results["fit_time"],
})
print(f"cross_validate: scikit-learn {sklearn_seconds:.2f} s, skmlp {skmlp_seconds:.2f} s")

fig, (ax_scores, ax_times) = plt.subplots(1, 2, figsize=(10, 4))
scores.plot.bar(ax=ax_scores, rot=0)
ax_scores.set_xlabel("fold")
ax_scores.set_ylabel("accuracy")
ax_scores.set_ylim(0, 1.2)
ax_scores.set_yticks(np.linspace(0, 1, 6))
ax_scores.set_title("Test accuracy per fold: identical")
ax_scores.legend(loc="upper left", ncol=2)
fit_times.plot.bar(ax=ax_times, rot=0)
ax_times.set_xlabel("fold")
ax_times.set_ylabel("seconds")
ax_times.set_ylim(0, 1.35 * fit_times.to_numpy().max())
ax_times.set_title("Fit time per fold (300 epochs)")
ax_times.legend(loc="upper left", ncol=2)
fig.tight_layout()

# %%
# What changes, and what does not
# -------------------------------
# * Parameters, defaults, ``coefs_``, ``intercepts_``, ``loss_curve_``,
#   ``n_iter_``, ``predict_proba``: the same.
# * skmlp adds parameters that are off by default (``class_weight``,
#   ``loss``, ``l1_ratio``, ``dropout``, ...). Turning one on leaves
#   scikit-learn's training run, of course.
# * skmlp adds ``history_``, ``validation_loss_curve_``, ``best_epoch_`` and
#   ``feature_importances_``, and ``fit`` accepts ``groups``, ``X_val`` and
#   ``y_val``.
