"""Held-out accuracy on scikit-learn's bundled data sets: at least scikit-learn's.

Both estimators get the same parameters and seeds; the score is the mean
over five seeds of a held-out split, so the comparison is within seed noise.
"""

import numpy as np
import pytest
from sklearn import datasets
from sklearn import neural_network as sk
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

import skmlp

SEEDS = range(5)
NOISE = 0.01  # one or two test samples on these data sets

CASES = [
    ("MLPClassifier", "load_breast_cancer", dict(hidden_layer_sizes=(32,), max_iter=100)),
    ("MLPClassifier", "load_wine", dict(hidden_layer_sizes=(32,), max_iter=200)),
    ("MLPClassifier", "load_iris", dict(solver="lbfgs", hidden_layer_sizes=(10,))),
    ("MLPClassifier", "load_digits", dict(hidden_layer_sizes=(64,), max_iter=40)),
    (
        "MLPRegressor",
        "load_diabetes",
        dict(solver="lbfgs", hidden_layer_sizes=(16,), alpha=10.0, max_iter=300),
    ),
]


def _mean_test_score(module, name, loader, params):
    X, y = getattr(datasets, loader)(return_X_y=True)
    scores = []
    for seed in SEEDS:
        X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=seed)
        scaler = StandardScaler().fit(X_train)
        if name == "MLPRegressor":
            y_test = (y_test - y_train.mean()) / y_train.std()
            y_train = (y_train - y_train.mean()) / y_train.std()
        est = getattr(module, name)(random_state=seed, **params)
        est.fit(scaler.transform(X_train), y_train)
        scores.append(est.score(scaler.transform(X_test), y_test))
    return np.mean(scores)


@pytest.mark.parametrize("name, loader, params", CASES, ids=[c[1] for c in CASES])
def test_held_out_score_at_least_sklearns(name, loader, params):
    ours = _mean_test_score(skmlp, name, loader, params)
    theirs = _mean_test_score(sk, name, loader, params)
    assert ours >= theirs - NOISE, (ours, theirs)
    assert ours > (0.4 if name == "MLPRegressor" else 0.9)
