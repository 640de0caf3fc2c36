"""Failure behaviour: clear errors, finite numbers, reproducibility, threads."""

import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

import skmlp.training.stochastic
from skmlp import MLPClassifier, MLPRegressor, MultiLabelMLP

rng = np.random.RandomState(0)
X = rng.normal(size=(60, 4))
Y_KIND = {
    "classifier": np.arange(60) % 3,
    "regressor": X[:, 0] * 2.0,
    "multilabel": np.column_stack([X[:, 0] > 0, X[:, 1] > 0]).astype(int),
}
MAKERS = {
    "classifier": MLPClassifier,
    "regressor": MLPRegressor,
    "multilabel": MultiLabelMLP,
}


def _est(kind, **params):
    return MAKERS[kind](
        **{"hidden_layer_sizes": (5,), "max_iter": 5, "random_state": 0, **params}
    )


def _with(value, row=3, col=1):
    bad = X.copy()
    bad[row, col] = value
    return bad


# (name, kinds, call, error type, message regex); call(kind) performs the bad call
FIT_CASES = [
    ("nan in X", "all", lambda k: _est(k).fit(_with(np.nan), Y_KIND[k]), ValueError, "NaN"),
    (
        "inf in X",
        "all",
        lambda k: _est(k).fit(_with(np.inf), Y_KIND[k]),
        ValueError,
        "infinity",
    ),
    ("empty X", "all", lambda k: _est(k).fit(X[:0], Y_KIND[k][:0]), ValueError, "0 sample"),
    ("1-D X", "all", lambda k: _est(k).fit(X[:, 0], Y_KIND[k]), ValueError, "2D array"),
    ("3-D X", "all", lambda k: _est(k).fit(X[:, :, None], Y_KIND[k]), ValueError, "dim 3"),
    (
        "string features",
        "all",
        lambda k: _est(k).fit(np.full((60, 2), "gene"), Y_KIND[k]),
        ValueError,
        "convert",
    ),
    (
        "nan in y",
        ["regressor"],
        lambda k: _est(k).fit(X, np.where(np.arange(60) == 3, np.nan, 1.0)),
        ValueError,
        "NaN",
    ),
    (
        "single class",
        ["classifier", "multilabel"],
        lambda k: _est(k).fit(X, np.zeros(60)),
        ValueError,
        "1 class",
    ),
    (
        "continuous y to a classifier",
        ["classifier", "multilabel"],
        lambda k: _est(k).fit(X, X[:, 0]),
        ValueError,
        "Unknown label type",
    ),
    (
        "y not an indicator",
        ["multilabel"],
        lambda k: _est(k).fit(X, np.column_stack([np.arange(60) % 3, np.arange(60) % 2])),
        ValueError,
        "Multioutput target",
    ),
    (
        "negative targets with poisson",
        ["regressor"],
        lambda k: _est(k, loss="poisson").fit(X, X[:, 0]),
        ValueError,
        "negative",
    ),
    (
        "sample_weight length",
        "all",
        lambda k: _est(k).fit(X, Y_KIND[k], sample_weight=np.ones(5)),
        ValueError,
        "sample_weight.*shape",
    ),
    (
        "negative sample_weight",
        "all",
        lambda k: _est(k).fit(X, Y_KIND[k], sample_weight=-np.ones(60)),
        ValueError,
        "Negative values",
    ),
    (
        "all-zero sample_weight",
        "all",
        lambda k: _est(k).fit(X, Y_KIND[k], sample_weight=np.zeros(60)),
        ValueError,
        "sample_weight",
    ),
    (
        "groups length",
        "all",
        lambda k: _est(k, early_stopping=True).fit(X, Y_KIND[k], groups=np.arange(7)),
        ValueError,
        "inconsistent numbers of samples",
    ),
    (
        "X_val without y_val",
        "all",
        lambda k: _est(k).fit(X, Y_KIND[k], X_val=X),
        ValueError,
        "X_val and y_val must be given together",
    ),
    (
        "class_weight names an unknown class",
        ["classifier"],
        lambda k: _est(k, class_weight={7: 2.0}).fit(X, Y_KIND[k]),
        ValueError,
        r"class_weight names \[7\]",
    ),
    (
        "invalid parameter",
        "all",
        lambda k: _est(k, alpha=-1.0).fit(X, Y_KIND[k]),
        ValueError,
        "'alpha' parameter",
    ),
    (
        "invalid hidden layer size",
        "all",
        lambda k: _est(k, hidden_layer_sizes=(3, 0)).fit(X, Y_KIND[k]),
        ValueError,
        "hidden_layer_sizes must be > 0",
    ),
    (
        "unseen labels in partial_fit",
        ["classifier"],
        lambda k: (
            _est(k)
            .partial_fit(X, Y_KIND[k], classes=[0, 1, 2])
            .partial_fit(X, Y_KIND[k] + 5)
        ),
        ValueError,
        "classes not in",
    ),
]


def _cases(cases):
    for name, kinds, call, error, match in cases:
        for kind in MAKERS if kinds == "all" else kinds:
            yield pytest.param(kind, call, error, match, id=f"{kind}: {name}")


@pytest.mark.parametrize("kind, call, error, match", list(_cases(FIT_CASES)))
def test_bad_input_to_fit_gets_a_clear_error(kind, call, error, match):
    with pytest.raises(error, match=match):
        call(kind)


KIND_METHODS = [
    (kind, method)
    for kind in MAKERS
    for method in ("predict", "predict_proba", "score")
    if not (kind == "regressor" and method == "predict_proba")
]


@pytest.mark.parametrize("kind, method", KIND_METHODS)
@pytest.mark.parametrize(
    "bad_X, match",
    [
        (_with(np.nan), "NaN"),
        (X[:, :3], "3 features"),
        (X[:0], "0 sample"),
        (X[:, 0], "2D array"),
        (np.full((4, 4), "x"), "convert"),
    ],
)
def test_bad_input_to_predict_gets_a_clear_error(kind, method, bad_X, match):
    est = _est(kind).fit(X, Y_KIND[kind])
    args = (bad_X, Y_KIND[kind][: len(bad_X)]) if method == "score" else (bad_X,)
    with pytest.raises(ValueError, match=match):
        getattr(est, method)(*args)


# -- extreme numbers -----------------------------------------------------------------


@pytest.mark.parametrize("kind", list(MAKERS))
@pytest.mark.parametrize("scale", [1e-30, 1e30])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_extreme_inputs_never_give_nan_or_numpy_warnings(kind, scale, dtype):
    X_extreme = (X * scale).astype(dtype)
    X_extreme[:, 3] = 7.0  # and a constant feature
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = _est(kind, max_iter=20).fit(X_extreme, Y_KIND[kind])
        out = (
            est.predict_proba(X_extreme) if kind != "regressor" else est.predict(X_extreme)
        )
    assert np.isfinite(out).all()


@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_divergence_restores_finite_weights_and_says_why(solver):
    # float32 inputs of 1e15 and absurd step sizes overflow float32 within a few
    # epochs (Adam's steps are learning_rate_init-sized whatever the gradient)
    X_big = (X * 1e15).astype(np.float32)
    params = dict(solver=solver, learning_rate_init=1e12, momentum=0.9, max_iter=50)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with np.errstate(all="raise"):  # nothing may overflow outside fit's control
            reg = _est("regressor", **params).fit(X_big, Y_KIND["regressor"] * 1e15)
    assert np.isfinite(reg._network.theta).all()
    assert np.isfinite(reg.predict(X_big)).all()
    messages = [str(w.message) for w in caught if w.category is ConvergenceWarning]
    if solver != "lbfgs":  # L-BFGS's line search backs off instead of diverging
        assert any("diverged" in m and "learning_rate_init" in m for m in messages)


def test_logits_of_ten_thousand_stay_finite():
    clf = _est("classifier").fit(X, Y_KIND["classifier"])
    clf.coefs_[-1] *= 1e4 / np.abs(clf.coefs_[-1]).max()
    clf.intercepts_[-1][:] = 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        proba, log_proba = clf.predict_proba(X * 100), clf.predict_log_proba(X * 100)
    assert np.isfinite(proba).all() and np.isfinite(log_proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1)


def test_poisson_predictions_never_overflow():
    reg = _est("regressor", loss="poisson").fit(X, np.abs(Y_KIND["regressor"]))
    reg.intercepts_[-1][:] = 1e4  # a mean of exp(1e4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isfinite(reg.predict(X)).all()


def test_divergence_checkpoint_is_each_epochs_start_taken_after_its_first_batch(
    monkeypatch,
):
    """The one divergence checkpoint is the epoch's starting weights, copied once per
    epoch after the first batch's loss came out finite and before its update; an
    epoch whose first batch diverges falls back to the previous epoch's start."""
    real_run_epoch = skmlp.training.stochastic.run_epoch
    starts, copied = [], []

    def spying(objective, optimizer, batches, clip_norm, rng, on_first_batch):
        starts.append(objective.network.theta.copy())

        def hook(finite=None):
            copied.append(objective.network.theta.copy())
            on_first_batch(finite)

        if len(starts) == 4:  # the 4th epoch "diverges" on its first batch
            objective.network.theta[:] = np.nan
            return np.nan, np.nan, np.nan, np.array([True])
        return real_run_epoch(objective, optimizer, batches, clip_norm, rng, hook)

    monkeypatch.setattr(skmlp.training.stochastic, "run_epoch", spying)
    with pytest.warns(ConvergenceWarning, match="diverged"):
        clf = _est("classifier", solver="adam", max_iter=10).fit(X, Y_KIND["classifier"])
    assert len(copied) == 3
    for start, copy in zip(starts, copied):
        np.testing.assert_array_equal(start, copy)
    np.testing.assert_array_equal(clf._network.theta, starts[2])


@pytest.mark.parametrize("solver", ["sgd", "adam", "rmsprop"])
def test_divergence_resets_the_optimizer_so_partial_fit_continues_cleanly(solver):
    """The fallback restores the weights and forgets the optimizer's state: a
    later partial_fit on ordinary data starts from the restored weights with
    fresh moments (SGD's velocity used to keep values of ~1e130 and diverge
    again on the next call)."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 4))
    y = X @ np.array([1.0, -2.0, 0.5, 0.0]) + 0.1 * rng.normal(size=200)
    params = dict(hidden_layer_sizes=(16,), solver=solver, batch_size=20, random_state=0)
    reg = MLPRegressor(learning_rate_init=0.01, **params).partial_fit(X, y)
    with pytest.warns(ConvergenceWarning, match="diverged"):
        reg.partial_fit(X * 1e200, y * 1e200)
    optimizer = reg._optimizer
    for name in ("velocity", "m", "v"):
        if hasattr(optimizer, name):
            np.testing.assert_array_equal(getattr(optimizer, name), 0)
    restored = reg._network.theta.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reg.partial_fit(X, y)
    assert np.isfinite(reg.loss_) and reg.loss_ < np.var(y)
    # the next epoch is the first epoch of a fresh optimizer from those weights
    fresh = MLPRegressor(learning_rate_init=0.01, **params)
    fresh.partial_fit(X[:1], y[:1])
    fresh._network.theta[:] = restored
    fresh._optimizer.reset()
    fresh._state = reg._state.__class__()
    fresh.partial_fit(X, y)
    np.testing.assert_allclose(fresh._network.theta, reg._network.theta, rtol=1e-12)


def test_overflowing_adam_moments_count_as_a_divergence():
    """A chunk whose squared gradients overflow leaves Adam's second moment at
    inf while the weights stay finite: every later step of those coordinates
    would be 0, silently. It is reported as a divergence and the optimizer
    starts afresh, so later epochs train again."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 4))
    y = X @ np.array([1.0, -2.0, 0.5, 0.0]) + 0.1 * rng.normal(size=200)
    reg = MLPRegressor(
        hidden_layer_sizes=(16,), learning_rate_init=0.01, batch_size=20, random_state=0
    ).partial_fit(X, y)
    with pytest.warns(ConvergenceWarning, match="diverged"):
        reg.partial_fit(X * 1e80, y)
    assert reg._optimizer.state_finite()
    before = reg.coefs_[0].copy()
    reg.partial_fit(X, y)
    assert np.all(reg.coefs_[0] != before)


# -- interruption, threads, parallel search -----------------------------------------------


def test_keyboard_interrupt_keeps_a_usable_estimator(interrupt_fourth_epoch):
    with pytest.warns(UserWarning, match="interrupted by user after 3 epoch"):
        clf = _est("classifier", max_iter=50).fit(X, Y_KIND["classifier"])
    assert clf.n_iter_ == 3 and len(clf.loss_curve_) == 3
    assert clf.predict(X).shape == (60,)


@pytest.mark.parametrize("kind", list(MAKERS))
def test_predict_from_several_threads_matches_serial(kind):
    est = _est(kind, hidden_layer_sizes=(64, 64)).fit(X, Y_KIND[kind])
    method = est.predict if kind == "regressor" else est.predict_proba
    chunks = [np.random.RandomState(i).normal(size=(500, 4)) for i in range(16)]
    serial = [method(c) for c in chunks]
    with ThreadPoolExecutor(8) as pool:
        threaded = list(pool.map(method, chunks))
    for a, b in zip(serial, threaded):
        np.testing.assert_array_equal(a, b)


def test_grid_search_with_two_jobs_is_bit_identical_to_one():
    grid = {"alpha": [1e-4, 1e-1], "hidden_layer_sizes": [(5,), (10,)]}
    results = []
    for n_jobs in (1, 2):
        search = GridSearchCV(_est("classifier", max_iter=20), grid, cv=3, n_jobs=n_jobs)
        search.fit(X, Y_KIND["classifier"])
        results.append(
            (search.cv_results_["mean_test_score"], search.best_estimator_._network.theta)
        )
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_array_equal(results[0][1], results[1][1])


def test_finite_weights_whose_outputs_overflow_are_rolled_back():
    """Found by hypothesis: a deep linear network on inputs of ~1e3 with SGD and
    batch size 1 grows weights of ~1e137 -- finite, with finite (absurd) losses --
    whose outputs overflow. Training must end on weights that predict finite values."""
    X_big = np.array(
        [
            [1764.05],
            [400.16],
            [978.74],
            [2240.89],
            [1867.56],
            [-977.28],
            [950.09],
            [-151.36],
        ]
    )
    y = np.array([0, 1, 1, 1, 1, 0, 0, 0])
    clf = MLPClassifier(
        hidden_layer_sizes=(4, 4),
        activation="identity",
        solver="sgd",
        alpha=0.0,
        batch_size=1,
        max_iter=4,
        random_state=0,
    )
    with pytest.warns(ConvergenceWarning, match="diverged"):
        clf.fit(X_big, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isfinite(clf.predict_proba(X_big)).all()


def test_predicting_far_outside_the_training_range_warns_and_stays_finite():
    reg = _est("regressor", hidden_layer_sizes=(8, 8)).fit(X, Y_KIND["regressor"])
    reg.coefs_[0][...] = 1e200  # outputs of rows with large inputs overflow
    with pytest.warns(UserWarning, match="overflowed for"):
        prediction = reg.predict(X * 1e150)
    assert np.isfinite(prediction).all()
