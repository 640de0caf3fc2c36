"""Input checks at prediction time (skmlp/_estimators/predict_input.py): the fast
path for plain arrays must behave exactly like scikit-learn's ``validate_data``."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn import config_context

from skmlp import MLPClassifier, MLPRegressor
from skmlp._estimators.predict_input import check_predict_input


@pytest.fixture(params=[np.float32, np.float64])
def fitted(request, blobs):
    X, y = blobs
    X = X.astype(request.param)
    return MLPClassifier(hidden_layer_sizes=(5,), max_iter=20, random_state=0).fit(X, y), X


def test_plain_array_is_used_as_it_is(fitted):
    clf, X = fitted
    assert check_predict_input(clf, X, X.dtype) is X
    F = np.asfortranarray(X)
    assert check_predict_input(clf, F, X.dtype) is F


def _other(dtype):
    return np.float64 if dtype == np.float32 else np.float32


# each conversion gives (input to predict on, the same values as a plain array)
CONVERSIONS = {
    "list": lambda X: (X.tolist(), X),
    "other-dtype": lambda X: (X.astype(_other(X.dtype)), X.astype(_other(X.dtype))),
    "int": lambda X: (X.astype(np.int64), X.astype(np.int64)),
    "sparse": lambda X: (sp.csr_matrix(X), X),
    "strided": lambda X: (X[::2], np.ascontiguousarray(X[::2])),
}


@pytest.mark.parametrize("conversion", CONVERSIONS)
def test_every_input_kind_predicts_the_same(fitted, conversion):
    clf, X = fitted
    given, plain = CONVERSIONS[conversion](X)
    expected = clf.predict_proba(np.ascontiguousarray(plain, dtype=X.dtype))
    np.testing.assert_allclose(clf.predict_proba(given), expected, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_values_raise_scikit_learns_error(fitted, bad):
    clf, X = fitted
    X = X.copy()
    X[3, 1] = bad
    with pytest.raises(ValueError, match="Input X contains (NaN|infinity)"):
        clf.predict(X)


def test_assume_finite_skips_the_value_check(fitted):
    clf, X = fitted
    X = X.copy()
    X[0, 0] = np.nan
    with config_context(assume_finite=True):
        assert check_predict_input(clf, X, X.dtype) is X


def test_wrong_feature_count_raises_scikit_learns_error(fitted):
    clf, X = fitted
    with pytest.raises(
        ValueError, match="X has 5 features, but MLPClassifier is expecting 6"
    ):
        clf.predict(X[:, :5])


def test_empty_input_raises_scikit_learns_error(fitted):
    clf, X = fitted
    with pytest.raises(ValueError, match="0 sample"):
        clf.predict(X[:0])


def test_estimator_fitted_with_feature_names_still_warns():
    pd = pytest.importorskip("pandas")
    rng = np.random.RandomState(0)
    frame = pd.DataFrame(rng.normal(size=(40, 3)), columns=["a", "b", "c"])
    reg = MLPRegressor(hidden_layer_sizes=(4,), max_iter=5, random_state=0)
    reg.fit(frame, rng.normal(size=40))
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        reg.predict(frame.to_numpy())
