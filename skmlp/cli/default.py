"""The built-in report of the main job: each estimator, the plain ones and the
CV ones, cross-validated on scikit-learn's bundled breast-cancer data
(``python -m skmlp``, ``skmlp cv`` without a data file)."""

import sys
import time
import warnings

import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from .. import (
    MLPClassifier,
    MLPClassifierCV,
    MLPRegressor,
    MLPRegressorCV,
    MultiLabelMLP,
    MultiLabelMLPCV,
    __version__,
)
from ..model_selection import cross_validate


def _problems():
    """(task, X, y, scoring) of the three kinds of problem, all from the
    breast-cancer table, so that every estimator runs on data that ships with
    scikit-learn."""
    X, y = load_breast_cancer(return_X_y=True)
    # radius, perimeter and area (mean and worst) all measure size: drop them
    radius, rest = X[:, 0], np.delete(X, [0, 2, 3, 20, 22, 23], axis=1)
    labels = np.column_stack(
        [y, X[:, 0] > np.median(X[:, 0]), X[:, 1] > np.median(X[:, 1])]
    ).astype(int)
    keep = np.delete(X, [0, 1, 2, 3, 20, 21, 22, 23], axis=1)
    return (
        (
            "diagnosis (malignant/benign)",
            X,
            y,
            ["accuracy", "balanced_accuracy", "roc_auc"],
        ),
        (
            "mean radius from the other features",
            rest,
            radius,
            ["r2", "neg_mean_absolute_error"],
        ),
        (
            "diagnosis + large radius + high texture",
            keep,
            labels,
            ["accuracy", "f1_micro", "roc_auc"],
        ),
    )


def _tasks(random_state):
    """(name, model, task, X, y, scoring) of each row of the report: the plain
    estimators scaled by a pipeline, the CV estimators scaling themselves."""
    classify, regress, tag = _problems()
    common = dict(hidden_layer_sizes=(32,), max_iter=300, random_state=random_state)
    regressor = TransformedTargetRegressor(
        MLPRegressor(**common), transformer=StandardScaler()
    )
    return [
        (
            "MLPClassifier",
            make_pipeline(StandardScaler(), MLPClassifier(**common)),
            *classify,
        ),
        ("MLPClassifierCV", MLPClassifierCV(random_state=random_state), *classify),
        ("MLPRegressor", make_pipeline(StandardScaler(), regressor), *regress),
        ("MLPRegressorCV", MLPRegressorCV(random_state=random_state), *regress),
        ("MultiLabelMLP", make_pipeline(StandardScaler(), MultiLabelMLP(**common)), *tag),
        ("MultiLabelMLPCV", MultiLabelMLPCV(random_state=random_state), *tag),
    ]


def run_default(n_splits=5, random_state=0, out=None):
    """Cross-validate each estimator on the breast-cancer data; print a report
    (on ``out``, default: ``sys.stdout`` at the time of the call)."""
    out = sys.stdout if out is None else out
    print(
        f"skmlp {__version__}: {n_splits}-fold cross-validation on scikit-learn's "
        "breast-cancer data (569 patients x 30 measurements)\n",
        file=out,
    )
    for name, model, task, X, y, scoring in _tasks(random_state):
        cv = StratifiedKFold(n_splits, shuffle=True, random_state=random_state)
        split_on = (
            y if y.ndim == 1 and not name.startswith("MLPRegressor") else np.zeros(len(y))
        )
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            result = cross_validate(model, X, y, cv=cv.split(X, split_on), scoring=scoring)
        seconds = time.perf_counter() - start
        print(f"{name} — {task} ({seconds:.1f} s)", file=out)
        for metric in scoring:
            values = result[f"test_{metric}"]
            print(f"    {metric:<26} {values.mean():8.4f} ± {values.std():.4f}", file=out)
        print(file=out)
