"""Property-based tests: invariants over random shapes, dtypes, sparsity,
label sets and parameter combinations (hypothesis)."""

import warnings

import numpy as np
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import MaxAbsScaler

from skmlp import MLPClassifier, MLPRegressor, MultiLabelMLP

SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

params = st.fixed_dictionaries(
    {
        "hidden_layer_sizes": st.sampled_from([(3,), (8,), (4, 4)]),
        "activation": st.sampled_from(
            [
                "relu",
                "tanh",
                "logistic",
                "leaky_relu",
                "elu",
                "softplus",
                "gelu",
                "identity",
            ]
        ),
        "solver": st.sampled_from(["adam", "sgd", "lbfgs", "rmsprop", "adamw"]),
        "alpha": st.sampled_from([0.0, 1e-4, 1.0]),
        "batch_size": st.sampled_from(["auto", 1, 7]),
        "batch_norm": st.booleans(),
        "max_iter": st.just(4),
    }
).filter(  # batch norm refuses batches of one row (tested in test_regularisation)
    lambda p: not (p["batch_norm"] and p["batch_size"] == 1 and p["solver"] != "lbfgs")
)


@st.composite
def classification(draw):
    n = draw(st.integers(8, 40))
    d = draw(st.integers(1, 6))
    n_classes = draw(st.integers(2, 4))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, d)) * draw(st.sampled_from([1e-3, 1.0, 1e3]))
    labels = draw(
        st.sampled_from(
            [
                np.arange(10),
                np.array(list("abcdefghij")),
                np.array([-3, 7, 100, 2, 5, 8, 9, 11, 12, 13]),
            ]
        )
    )
    y = labels[np.arange(n) % n_classes]
    rng.shuffle(y)
    if draw(st.booleans()):
        X[np.abs(X) < np.median(np.abs(X))] = 0
        X = sp.csr_matrix(X)
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    return X.astype(dtype), y, seed


def _fit(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y)


def _assert_rows_predicted_alone(predict, X, seed):
    """Permuting the rows at predict time permutes the predictions. In float32
    that holds to the rounding of the products' sums, which the order of the
    rows beside a row may change: on inputs of magnitude 1e3 the terms of a
    sum reach 1e3 and cancel to a prediction of 1, so rounding alone moves it
    by 5e-5 (found by hypothesis: 11 rows of one feature, hidden (8,), alpha
    0). float32 rows are therefore predicted at unit magnitude, where it is
    1e-7; float64 rows at every magnitude."""
    if X.dtype == np.float32:
        X = (X / (abs(X).max() or 1.0)).astype(np.float32)
    perm = np.random.RandomState(seed).permutation(X.shape[0])
    np.testing.assert_allclose(predict(X[perm]), predict(X)[perm], rtol=1e-5, atol=1e-6)


@SETTINGS
@given(data=classification(), p=params)
def test_classifier_invariants(data, p):
    X, y, seed = data
    clf = _fit(MLPClassifier(random_state=seed, **p), X, y)
    proba = clf.predict_proba(X)
    assert np.isfinite(proba).all() and ((proba >= 0) & (proba <= 1)).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-4)
    # predict agrees with predict_proba
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])
    # permuting the rows at predict time permutes the predictions
    _assert_rows_predicted_alone(clf.predict_proba, X, seed)
    # deterministic for a fixed random_state
    again = _fit(MLPClassifier(random_state=seed, **p), X, y)
    np.testing.assert_array_equal(again._network.theta, clf._network.theta)


@SETTINGS
@given(data=classification(), p=params)
def test_float32_and_float64_agree(data, p):
    X, y, seed = data
    # on features scaled as the docs ask: with magnitudes of 1e3, single-sample
    # SGD is chaotic and the float32 rounding of the inputs alone changes where
    # it goes (found by hypothesis, for the code before and after the step
    # optimisations alike)
    X64 = MaxAbsScaler().fit_transform(X.astype(np.float64))
    p = {**p, "max_iter": 2}
    a = _fit(MLPClassifier(random_state=seed, **p), X64.astype(np.float32), y)
    b = _fit(MLPClassifier(random_state=seed, **p), X64, y)
    assert a.predict_proba(X64).dtype == np.float32
    # Measured over 400 examples of these strategies: at most 5e-7 without batch
    # norm; with it, dividing by the variance of a 7-row batch amplifies float32
    # rounding, up to 4e-5 (L-BFGS) there, and 2.3e-4 in one example hypothesis
    # found later (L-BFGS, 23 rows of one feature, hidden (3,); the same on the
    # code of 910bd99): L-BFGS's line search takes another step length when the
    # rounding moves a comparison, so the bound is 1e-3, far below a wrong
    # computation's error (a dropped term moves probabilities by 1e-2 and more)
    atol = 1e-3 if p["batch_norm"] else 5e-6
    np.testing.assert_allclose(a.predict_proba(X64), b.predict_proba(X64), atol=atol)


@SETTINGS
@given(data=classification(), p=params, n_outputs=st.integers(1, 3))
def test_regressor_invariants(data, p, n_outputs):
    X, y, seed = data
    targets = np.random.RandomState(seed).normal(size=(X.shape[0], n_outputs))
    reg = _fit(MLPRegressor(random_state=seed, **p), X, targets.squeeze())
    pred = reg.predict(X)
    assert pred.shape == targets.squeeze().shape and np.isfinite(pred).all()
    _assert_rows_predicted_alone(reg.predict, X, seed)


@SETTINGS
@given(data=classification(), p=params, n_labels=st.integers(2, 4))
def test_multilabel_invariants(data, p, n_labels):
    X, _, seed = data
    Y = (np.random.RandomState(seed).rand(X.shape[0], n_labels) < 0.4).astype(int)
    Y[0] = 1 - Y[1]  # every label has both values
    clf = _fit(MultiLabelMLP(random_state=seed, **p), X, Y)
    proba = clf.predict_proba(X)
    assert proba.shape == Y.shape and ((proba >= 0) & (proba <= 1)).all()
    np.testing.assert_array_equal(clf.predict(X), (proba >= 0.5).astype(int))
