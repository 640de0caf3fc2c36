"""
=====================================================================
Nested cross-validation with a one-pass search (Parkinson's voice)
=====================================================================

Choosing ``alpha`` and ``learning_rate_init`` by cross-validation and then
reporting the chosen model's cross-validated score is optimistic: the score
was part of the choice. Nested cross-validation keeps them apart. An outer
split holds out people; inside each outer training set a search picks the
hyper-parameters by an inner cross-validation, which holds out people too;
the outer held-out people score the search's refitted model.

The Parkinson's voice data (Little et al., 2007) hold 195 recordings of 32
people, about six each. Every split here is by subject: the outer
:class:`~sklearn.model_selection.GroupKFold`, the inner one, and early
stopping's validation split inside every fit, which metadata routing gives
the subjects too.

:class:`skmlp.model_selection.GridSearchCV` trains each outer fold's
candidates x inner folds as one NumPy program and returns what
scikit-learn's :class:`~sklearn.model_selection.GridSearchCV` returns. We
time both and compare their results.

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
import sklearn
from sklearn import model_selection as sklearn_model_selection
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import GroupKFold, cross_validate
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
# The search and the nested cross-validation
# ------------------------------------------
# With metadata routing on, ``groups`` goes wherever it is requested: to the
# outer and inner splitters, and to the MLP's ``fit``, whose early stopping
# then holds out whole subjects.

sklearn.set_config(enable_metadata_routing=True)
grid = {
    "mlpclassifier__alpha": [1e-4, 1e-2, 1e-1, 1.0, 3.0],
    "mlpclassifier__learning_rate_init": [1e-3, 1e-2],
}


def make_search(module):
    mlp = MLPClassifier(
        hidden_layer_sizes=(32,),
        early_stopping=True,
        validation_fraction=0.25,
        max_iter=300,
        random_state=0,
    ).set_fit_request(groups=True)
    model = make_pipeline(StandardScaler(), mlp)
    return module.GridSearchCV(model, grid, cv=GroupKFold(3), scoring="roc_auc")


def nested(module):
    start = time.perf_counter()
    result = cross_validate(
        make_search(module),
        X,
        y,
        cv=GroupKFold(4),
        scoring="roc_auc",
        params={"groups": subjects},
        return_estimator=True,
    )
    return result, time.perf_counter() - start


nested(model_selection)  # warm up (imports, caches)
runs = {"skmlp GridSearchCV": [], "scikit-learn's GridSearchCV": []}
for _ in range(2):  # interleaved: drift of the machine hits both alike
    ours, seconds = nested(model_selection)
    runs["skmlp GridSearchCV"].append(seconds)
    theirs, seconds = nested(sklearn_model_selection)
    runs["scikit-learn's GridSearchCV"].append(seconds)
times = {name: np.median(values) for name, values in runs.items()}
n_fits = 4 * 3 * 10
for name, seconds in times.items():
    print(f"{name:28s} {seconds:.2f} s for {n_fits} inner fits and 4 refits")
print("outer ROC AUC, skmlp search:         ", ours["test_score"].round(4))
print("outer ROC AUC, scikit-learn's search:", theirs["test_score"].round(4))
difference = max(
    np.abs(a.cv_results_["mean_test_score"] - b.cv_results_["mean_test_score"]).max()
    for a, b in zip(ours["estimator"], theirs["estimator"])
)
print("largest difference of an inner mean score:", difference)
for fold, search in enumerate(ours["estimator"]):
    print(f"outer fold {fold}: chose {search.best_params_}")

# %%
# The picture
# -----------
# Left: the time of the whole nested cross-validation. Right: each outer
# fold's inner mean ROC AUC by ``alpha`` (the better of the two learning
# rates), with the outer fold's held-out score of the chosen model as a dot.

fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
left.barh(list(times), list(times.values()), color=["tab:blue", "tab:grey"])
left.set_xlabel("seconds for the nested cross-validation")
left.set_title("same choices, same scores")
alphas = grid["mlpclassifier__alpha"]
for fold, search in enumerate(ours["estimator"]):
    results = search.cv_results_
    inner = [
        max(
            score
            for score, params in zip(results["mean_test_score"], results["params"])
            if params["mlpclassifier__alpha"] == alpha
        )
        for alpha in alphas
    ]
    (line,) = right.plot(alphas, inner, marker="o", alpha=0.7, label=f"outer fold {fold}")
    chosen = search.best_params_["mlpclassifier__alpha"]
    right.scatter([chosen], [ours["test_score"][fold]], color=line.get_color(), s=80)
right.set_xscale("log")
right.set_xlabel("alpha")
right.set_ylabel("ROC AUC")
right.set_title("inner mean (lines), outer score of the choice")
right.legend(fontsize="small")
fig.tight_layout()
plt.show()
sklearn.set_config(enable_metadata_routing=False)
