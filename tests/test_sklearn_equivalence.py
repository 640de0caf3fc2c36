"""skmlp follows scikit-learn's MLP trajectory for the same random_state.

Same initial weights (Glorot, same draws), same shuffles, same update
arithmetic: the drop-in promise made measurable. Differences are only the
floating-point order of a few reductions, so curves agree to ~1e-10.
"""

import numpy as np
import pytest
from sklearn import neural_network as sk
from sklearn.datasets import load_diabetes, load_iris
from sklearn.preprocessing import StandardScaler

import skmlp

SOLVER_CONFIGS = [
    dict(solver="adam"),
    dict(solver="sgd", learning_rate_init=0.05),
    dict(solver="sgd", nesterovs_momentum=False, learning_rate_init=0.05),
    dict(solver="sgd", momentum=0.0, learning_rate="invscaling", learning_rate_init=0.5),
    dict(
        solver="sgd",
        learning_rate="adaptive",
        learning_rate_init=0.2,
        tol=1e-2,
        n_iter_no_change=2,
    ),
    dict(solver="lbfgs"),
    dict(solver="adam", batch_size=16, shuffle=False, alpha=0.1),
]


def _iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _pair(name, **params):
    common = dict(hidden_layer_sizes=(10, 7), max_iter=40, random_state=3)
    return getattr(skmlp, name)(**common, **params), getattr(sk, name)(**common, **params)


def _assert_same_fit(ours, theirs, X):
    assert ours.n_iter_ == theirs.n_iter_
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-9)
    if hasattr(theirs, "loss_curve_"):
        np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-9)
    np.testing.assert_allclose(ours.loss_, theirs.loss_, rtol=1e-8)


@pytest.mark.parametrize("params", SOLVER_CONFIGS, ids=repr)
def test_multiclass_classifier_matches_sklearn(params):
    X, y = _iris()
    ours, theirs = _pair("MLPClassifier", **params)
    _assert_same_fit(ours.fit(X, y), theirs.fit(X, y), X)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), rtol=1e-6)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))


@pytest.mark.parametrize("params", SOLVER_CONFIGS[:2] + SOLVER_CONFIGS[5:6], ids=repr)
def test_binary_classifier_with_sample_weight_matches_sklearn(params):
    X, y = _iris()
    y = (y == 2).astype(int)
    sw = np.random.RandomState(0).uniform(0.2, 3, len(y))
    ours, theirs = _pair("MLPClassifier", activation="tanh", **params)
    _assert_same_fit(
        ours.fit(X, y, sample_weight=sw), theirs.fit(X, y, sample_weight=sw), X
    )


def test_binary_early_stopping_matches_sklearn():
    # scikit-learn stratifies the validation split for binary targets; so do we.
    X, y = _iris()
    y = (y == 1).astype(int)
    ours, theirs = _pair("MLPClassifier", early_stopping=True, n_iter_no_change=3)
    ours.fit(X, y), theirs.fit(X, y)
    assert ours.n_iter_ == theirs.n_iter_ < 40
    np.testing.assert_allclose(ours.validation_scores_, theirs.validation_scores_)
    assert ours.best_validation_score_ == theirs.best_validation_score_
    for a, b in zip(ours.coefs_, theirs.coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("params", SOLVER_CONFIGS, ids=repr)
def test_regressor_matches_sklearn(params):
    X, y = load_diabetes(return_X_y=True)
    y = (y - y.mean()) / y.std()
    ours, theirs = _pair("MLPRegressor", **params)
    _assert_same_fit(ours.fit(X, y), theirs.fit(X, y), X)
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-6, atol=1e-9)


def test_poisson_regressor_matches_sklearn():
    X, y = load_diabetes(return_X_y=True)
    counts = np.random.RandomState(0).poisson(np.exp(X[:, 2] * 5))
    ours, theirs = _pair("MLPRegressor", loss="poisson")
    _assert_same_fit(ours.fit(X, counts), theirs.fit(X, counts), X)
    assert ours.out_activation_ == theirs.out_activation_ == "exp"


def test_multi_output_regressor_matches_sklearn_weights():
    # scikit-learn reports loss_ as the mean over outputs while training on
    # the gradient of their sum; skmlp reports the sum, which is the loss it
    # trains on. The trajectories (weights, predictions) are the same.
    X, y = load_diabetes(return_X_y=True)
    Y = np.column_stack([y, X[:, 0] * 100]) / 100
    ours, theirs = _pair("MLPRegressor")
    ours.fit(X, Y), theirs.fit(X, Y)
    for a, b in zip(ours.coefs_, theirs.coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-6, atol=1e-9)
    assert ours.loss_ > theirs.loss_  # summed over 2 outputs vs averaged


def test_multilabel_classifier_matches_sklearn():
    X, y = _iris()
    Y = np.column_stack([y == 0, y == 2, X[:, 0] > 0]).astype(int)
    ours, theirs = _pair("MLPClassifier")
    _assert_same_fit(ours.fit(X, Y), theirs.fit(X, Y), X)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))


def test_attributes_match_sklearn():
    X, y = _iris()
    ours, theirs = _pair("MLPClassifier")
    ours.fit(X, y), theirs.fit(X, y)
    for name in [
        "n_layers_",
        "n_outputs_",
        "out_activation_",
        "t_",
        "n_features_in_",
        "best_loss_",
        "validation_scores_",
        "best_validation_score_",
    ]:
        assert getattr(ours, name) == pytest.approx(getattr(theirs, name)), name
    np.testing.assert_array_equal(ours.classes_, theirs.classes_)
    assert [c.shape for c in ours.coefs_] == [c.shape for c in theirs.coefs_]
    assert set(theirs.get_params()) <= set(ours.get_params())
    for key, value in theirs.get_params().items():
        assert ours.get_params()[key] == value, key
