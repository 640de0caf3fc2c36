"""Behaviour shared by the three estimators (skmlp/_estimators/base.py)."""

import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from skmlp import MLPClassifier, MLPRegressor, MultiLabelMLP

SOLVERS = ["adam", "sgd", "lbfgs"]


def _data(kind, n=80, d=5, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, d))
    if kind == "classifier":
        return X, np.where(X[:, 0] + X[:, 1] > 0, "sick", "healthy")
    if kind == "regressor":
        return X, X[:, 0] - 2 * X[:, 1] + 0.1 * rng.normal(size=n)
    return X, np.column_stack([X[:, 0] > 0, X[:, 1] > 0, X[:, 2] > 1]).astype(int)


def _estimator(kind, **params):
    cls = {
        "classifier": MLPClassifier,
        "regressor": MLPRegressor,
        "multilabel": MultiLabelMLP,
    }[kind]
    return cls(
        **{"hidden_layer_sizes": (8, 6), "max_iter": 30, "random_state": 0, **params}
    )


def _outputs(est, X):
    method = est.predict if isinstance(est, MLPRegressor) else est.predict_proba
    return method(X)


KINDS = ["classifier", "regressor", "multilabel"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("solver", SOLVERS)
def test_same_random_state_gives_bit_identical_results(kind, solver):
    X, y = _data(kind)
    a = _estimator(kind, solver=solver).fit(X, y)
    b = _estimator(kind, solver=solver).fit(X, y)
    assert np.array_equal(a._network.theta, b._network.theta)
    assert np.array_equal(_outputs(a, X), _outputs(b, X))
    c = _estimator(kind, solver=solver).set_params(random_state=1).fit(X, y)
    assert not np.array_equal(a._network.theta, c._network.theta)


@pytest.mark.parametrize("kind", KINDS)
def test_pickle_round_trip_gives_identical_predictions(kind):
    X, y = _data(kind)
    est = _estimator(kind).fit(X, y)
    clone = pickle.loads(pickle.dumps(est))
    assert np.array_equal(_outputs(est, X), _outputs(clone, X))
    # the unpickled parameters are still views of one flat vector
    assert np.shares_memory(clone.coefs_[0], clone._network.theta)


@pytest.mark.parametrize("solver", SOLVERS)
def test_fitted_model_keeps_no_training_data(solver):
    sizes = []
    for n in (100, 5000):
        X, y = _data("classifier", n=n, d=20)
        est = _estimator("classifier", solver=solver, max_iter=2).fit(X, y)
        sizes.append(len(pickle.dumps(est)))
    # equal up to the few bytes of counters such as t_ (X alone is 800 kB)
    assert abs(sizes[0] - sizes[1]) < 64


@pytest.mark.parametrize("kind", KINDS)
def test_partial_fit_after_unpickling_continues_exactly(kind):
    X, y = _data(kind)
    classes = (
        None if kind == "regressor" else {"classes": np.unique(y) if y.ndim == 1 else None}
    )
    kwargs = {} if classes is None else classes
    uninterrupted = _estimator(kind)
    resumed = _estimator(kind)
    for _ in range(3):
        uninterrupted.partial_fit(X, y, **kwargs)
    resumed.partial_fit(X, y, **kwargs)
    resumed = pickle.loads(pickle.dumps(resumed))
    for _ in range(2):
        resumed.partial_fit(X, y)
    assert np.array_equal(uninterrupted._network.theta, resumed._network.theta)


def test_coefs_and_intercepts_are_views_of_one_flat_vector():
    X, y = _data("classifier")
    est = _estimator("classifier").fit(X, y)
    theta = est._network.theta
    for array in est.coefs_ + est.intercepts_:
        assert np.shares_memory(array, theta)
    n_weights = sum(c.size for c in est.coefs_)
    np.testing.assert_array_equal(
        theta[:n_weights], np.concatenate([c.ravel() for c in est.coefs_])
    )


def test_assigning_coefs_and_intercepts_takes_effect():
    X, y = _data("regressor")
    est = _estimator("regressor").fit(X, y)
    est.coefs_ = [np.zeros_like(c) for c in est.coefs_]
    est.intercepts_ = [np.full_like(b, 0.5) for b in est.intercepts_]
    np.testing.assert_allclose(est.predict(X), 0.5)
    # item assignment writes through, as on scikit-learn's list of arrays
    est.coefs_[-1] = np.ones_like(est.coefs_[-1])
    np.testing.assert_allclose(est.predict(X), 0.5 + 0.5 * 6)
    est.coefs_[0][:] = 1.0
    assert np.all(est.coefs_[0] == 1.0)


def test_assigning_coefs_of_the_wrong_shape_is_refused():
    X, y = _data("regressor")
    est = _estimator("regressor").fit(X, y)
    with pytest.raises(ValueError, match=r"shape \(5, 8\)"):
        est.coefs_[0] = np.zeros((4, 8))
    with pytest.raises(ValueError, match="3 arrays"):
        est.coefs_ = est.coefs_[:2]
    with pytest.raises(AttributeError, match="after fit"):
        _estimator("regressor").coefs_  # noqa: B018 (the access is the test)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("solver", SOLVERS)
def test_float32_input_trains_float32_weights_and_predictions(kind, solver):
    X, y = _data(kind)
    est = _estimator(kind, solver=solver).fit(X.astype(np.float32), y)
    assert est._network.theta.dtype == np.float32
    assert all(c.dtype == np.float32 for c in est.coefs_ + est.intercepts_)
    assert _outputs(est, X.astype(np.float32)).dtype == np.float32
    ref = _estimator(kind, solver=solver).fit(X, y)
    assert ref._network.theta.dtype == np.float64


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_sparse_input_matches_dense(kind, fmt):
    X, y = _data(kind)
    X[np.abs(X) < 0.7] = 0
    dense = _estimator(kind).fit(X, y)
    sparse = _estimator(kind).fit(sp.csr_matrix(X).asformat(fmt), y)
    np.testing.assert_allclose(
        _outputs(dense, X), _outputs(sparse, sp.csr_matrix(X)), rtol=1e-10, atol=1e-12
    )


def test_dataframe_feature_names_are_kept():
    pd = pytest.importorskip("pandas")
    X, y = _data("classifier")
    frame = pd.DataFrame(X, columns=[f"gene_{i}" for i in range(X.shape[1])])
    est = _estimator("classifier").fit(frame, y)
    np.testing.assert_array_equal(est.feature_names_in_, frame.columns)
    with pytest.warns(UserWarning, match="feature names"):
        est.predict(X)
    with pytest.warns(UserWarning, match="feature names"):
        from_array = est.predict(frame.to_numpy())
    np.testing.assert_array_equal(est.predict(frame), from_array)


@pytest.mark.parametrize(
    "est",
    [
        MLPClassifier(solver="lbfgs"),
        MLPRegressor(solver="lbfgs"),
        MultiLabelMLP(solver="lbfgs"),
    ],
    ids=type,
)
def test_partial_fit_exists_only_for_stochastic_solvers(est):
    assert not hasattr(est, "partial_fit")
    with pytest.raises(AttributeError, match="has no attribute 'partial_fit'") as error:
        est.partial_fit  # noqa: B018 (the access is the test)
    assert "lbfgs is not stochastic" in str(error.value.__cause__)
    assert hasattr(est.set_params(solver="sgd"), "partial_fit")


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_warm_start_continues_from_the_previous_solution(solver):
    X, y = _data("regressor")
    est = _estimator("regressor", solver=solver, warm_start=True).fit(X, y)
    first_curve = list(est.loss_curve_)
    est.fit(X, y)
    assert len(est.loss_curve_) == len(first_curve) + est.n_iter_
    assert est.loss_curve_[len(first_curve)] < first_curve[0]
    cold = _estimator("regressor", solver=solver).fit(X, y)
    assert len(cold.loss_curve_) == cold.n_iter_


def test_warm_start_with_a_new_architecture_says_how_to_start_anew():
    X, y = _data("regressor")
    est = _estimator("regressor", warm_start=True).fit(X, y)
    with pytest.raises(ValueError, match="warm_start=False"):
        est.set_params(hidden_layer_sizes=(3,)).fit(X, y)


def test_verbose_prints_one_aligned_line_per_epoch(capsys):
    X, y = _data("regressor")
    X_val, y_val = _data("regressor", seed=1)
    _estimator("regressor", verbose=True, max_iter=4).fit(X, y, X_val=X_val, y_val=y_val)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[:2] for line in lines] == [["epoch", str(i)] for i in range(1, 5)]
    assert len({line.index("valid_loss") for line in lines}) == 1  # aligned columns
    assert sum(line.split()[-2] == "*" for line in lines) >= 1  # best-epoch marker
    assert all(line.endswith("s") for line in lines)


def test_too_large_batch_size_warns_and_is_clipped():
    X, y = _data("regressor", n=30)
    with pytest.warns(UserWarning, match="clipped"):
        est = _estimator("regressor", batch_size=100, max_iter=2).fit(X, y)
    assert est.t_ == 60


def test_max_iter_reached_warns():
    X, y = _data("regressor")
    with pytest.warns(ConvergenceWarning, match=r"Maximum iterations \(3\)"):
        _estimator("regressor", max_iter=3).fit(X, y)


def test_tol_stopping_before_max_iter():
    X, y = _data("regressor")
    est = _estimator("regressor", max_iter=500, tol=1e-2, n_iter_no_change=2).fit(X, y)
    assert est.n_iter_ < 500
    assert est.best_loss_ == min(est.loss_curve_)


@pytest.mark.parametrize("kind", KINDS)
def test_early_stopping_restores_the_best_weights(kind):
    X, y = _data(kind, n=200)
    est = _estimator(kind, early_stopping=True, max_iter=60, n_iter_no_change=5).fit(X, y)
    assert len(est.validation_scores_) == est.n_iter_
    assert est.best_validation_score_ == max(est.validation_scores_)
    assert est.best_loss_ is None
    np.testing.assert_array_equal(est._network.theta, est._state.best_theta)


def test_partial_fit_ignores_early_stopping_and_uses_every_row():
    # documented behaviour: early stopping applies to fit; partial_fit trains
    # one epoch on exactly the rows it is given.
    X, y = _data("regressor")
    est = _estimator("regressor", early_stopping=True).partial_fit(X, y)
    assert est.t_ == len(X)
    assert est.validation_scores_ is None


def test_sample_weight_zero_equals_dropping_rows_in_full_batch():
    X, y = _data("regressor", n=40)
    sw = np.ones(40)
    sw[::4] = 0
    weighted = _estimator("regressor", solver="lbfgs").fit(X, y, sample_weight=sw)
    dropped = _estimator("regressor", solver="lbfgs").fit(X[sw > 0], y[sw > 0])
    np.testing.assert_allclose(weighted.predict(X), dropped.predict(X), rtol=1e-6)


@pytest.mark.parametrize("kind", KINDS)
def test_continued_training_casts_input_to_the_models_dtype(kind):
    """partial_fit (and a warm-started fit) of a float32 model with float64
    data casts the data, as predict does, and trains what float32 data trains."""
    X, y = _data(kind)
    fitted = [_estimator(kind, max_iter=5).fit(X.astype(np.float32), y) for _ in range(2)]
    fitted[0].partial_fit(X, y)  # float64
    fitted[1].partial_fit(X.astype(np.float32), y)
    assert fitted[0].coefs_[0].dtype == np.float32
    np.testing.assert_array_equal(fitted[0].coefs_[0], fitted[1].coefs_[0])
    warm = _estimator(kind, max_iter=5, warm_start=True).fit(X.astype(np.float32), y)
    assert warm.fit(X, y).coefs_[0].dtype == np.float32


@pytest.mark.parametrize("solver", SOLVERS)
def test_published_curves_are_copies(solver):
    """Appending to loss_curve_ (or the validation curves) changes neither the
    model's state nor what a later partial_fit or warm start records."""
    X, y = _data("classifier")
    est = _estimator(
        "classifier",
        solver=solver,
        warm_start=True,
        early_stopping=True,
        validation_fraction=0.25,
    )
    est.fit(X, y)
    n = est.n_iter_
    for curve in (est.loss_curve_, est.validation_scores_, est.validation_loss_curve_):
        if curve is not None:
            curve.append(123.0)
    est.fit(X, y)
    assert 123.0 not in est.loss_curve_
    assert len(est.loss_curve_) == n + est.n_iter_
    if est.validation_scores_ is not None:
        assert 123.0 not in est.validation_scores_ + est.validation_loss_curve_


def test_lbfgs_history_records_the_gradient_norm_at_each_iterate():
    """grad_norm in history_ is the norm of the objective's gradient at the
    accepted iterate, not at the line search's last trial point."""
    from skmlp.nn.objective import Objective

    X, y = _data("regressor")
    est = _estimator("regressor", solver="lbfgs", max_iter=4, tol=0)
    est.fit(X, y)
    # refit to each iterate count and compare with the gradient computed there
    for k in range(1, est.n_iter_ + 1):
        partial = _estimator("regressor", solver="lbfgs", max_iter=k, tol=0).fit(X, y)
        objective = Objective(partial._network, partial._loss, partial.alpha)
        objective(X, y.reshape(-1, 1))
        norm = np.linalg.norm(partial._network.grad)
        assert est.history_["grad_norm"][k - 1] == pytest.approx(norm, rel=1e-10)


def test_fits_of_the_same_arrays_validate_them_once_per_way_of_preparing(monkeypatch):
    """Fits trained together on the very same arrays, with parameters that
    differ only in alpha and seed, validate and encode them once and learn
    the same from them; a parameter that changes the preparation
    (class_weight) prepares again. Each fit still equals its separate fit."""
    from skmlp._estimators.base import BaseMLP, fit_estimators

    calls = []
    original = BaseMLP._prepare

    def spy(self, *args, **kwargs):
        calls.append(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(BaseMLP, "_prepare", spy)
    X, y = _data("classifier")
    params = [
        dict(alpha=1e-3, random_state=0),
        dict(alpha=1.0, random_state=1),
        dict(alpha=0.1, random_state=2, class_weight="balanced"),
    ]
    fits = [MLPClassifier(hidden_layer_sizes=(5,), max_iter=5, **p) for p in params]
    with pytest.warns(ConvergenceWarning):
        fit_estimators(fits, [dict(X=X, y=y)] * 3)
    assert [id(fit) for fit in calls] == [id(fits[0]), id(fits[2])]
    monkeypatch.setattr(BaseMLP, "_prepare", original)
    for fit, p in zip(fits, params):
        with pytest.warns(ConvergenceWarning):
            alone = MLPClassifier(hidden_layer_sizes=(5,), max_iter=5, **p).fit(X, y)
        assert fit.n_features_in_ == alone.n_features_in_
        np.testing.assert_array_equal(fit.classes_, alone.classes_)
        for a, b in zip(fit.coefs_, alone.coefs_):
            np.testing.assert_array_equal(a, b)


# -- the attributions' baseline: each column's training median --------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n_rows", [1, 2, 7, 400, 401])
def test_the_training_median_is_numpys_over_the_rows_that_count(dtype, n_rows):
    from skmlp._estimators.base import _training_median

    rng = np.random.RandomState(n_rows)
    X = rng.normal(size=(n_rows, 300)).astype(dtype)
    X[:, :3] = np.round(X[:, :3])  # ties
    X[:, 3] = -np.inf if n_rows > 1 else X[:, 3]
    median = _training_median(X, None)
    assert median.dtype == dtype
    np.testing.assert_array_equal(median, np.median(X, axis=0))
    weights = rng.randint(0, 3, size=n_rows).astype(float)
    weights[0] = 1.0
    np.testing.assert_array_equal(
        _training_median(X, weights), np.median(X[weights > 0], axis=0)
    )
    columns = np.asfortranarray(X)  # a column of it is a contiguous row of X.T
    np.testing.assert_array_equal(_training_median(columns, None), median)
    np.testing.assert_array_equal(columns, X)  # selected in a copy, not in place


def test_the_training_median_of_many_rows_is_over_evenly_spaced_ones():
    """Every fit computes it (the attributions' default baseline): beyond
    MEDIAN_ROWS rows it is the median of that many, evenly spaced, so that
    its cost is bounded (the rows sorted by a column show which are read)."""
    from skmlp._estimators.base import MEDIAN_ROWS, _training_median

    n = 3 * MEDIAN_ROWS + 7
    X = np.sort(np.random.RandomState(0).exponential(size=(n, 4)), axis=0)
    picked = np.linspace(0, n - 1, MEDIAN_ROWS).round().astype(int)
    expected = np.median(X[picked], axis=0)
    np.testing.assert_array_equal(_training_median(X, None), expected)
    assert not np.allclose(expected, np.median(X, axis=0), rtol=0, atol=1e-12)
    # the rows that count are the ones spaced out: weight 0 rows are skipped first
    weights = np.ones(n)
    weights[::2] = 0
    counted = np.flatnonzero(weights)
    spaced = counted[np.linspace(0, counted.size - 1, MEDIAN_ROWS).round().astype(int)]
    np.testing.assert_array_equal(
        _training_median(X, weights), np.median(X[spaced], axis=0)
    )
