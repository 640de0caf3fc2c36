"""feature_attributions: exact input gradients through every skmlp model."""

import warnings

import numpy as np
import pytest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import (
    FunctionTransformer,
    MaxAbsScaler,
    MinMaxScaler,
    RobustScaler,
    StandardScaler,
)

from skmlp import (
    MLPClassifier,
    MLPClassifierCV,
    MLPRegressor,
    MLPRegressorCV,
    MultiLabelMLP,
)
from skmlp.inspection import feature_attributions
from skmlp.inspection._attributions import DifferentiableModel
from skmlp.nn.activations import ACTIVATIONS


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _table(n=120, d=4, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, d)) * [1.0, 3.0, 0.5, 10.0][:d] + [0.0, 5.0, -1.0, 100.0][:d]
    z = (X - X.mean(0)) / X.std(0)
    return X, z[:, 0] + np.sin(2 * z[:, 1]) - z[:, 2] * z[:, 0]


def _fitted(kind, **params):
    X, y = _table()
    base = dict(hidden_layer_sizes=(7, 5), max_iter=40, random_state=0)
    if kind == "regressor":
        return MLPRegressor(**{**base, **params}).fit(X, y), X
    if kind == "poisson":
        return MLPRegressor(**{**base, "loss": "poisson", **params}).fit(X, np.exp(y)), X
    if kind == "binary":
        return MLPClassifier(**{**base, **params}).fit(X, y > 0), X
    if kind == "multiclass":
        return MLPClassifier(**{**base, **params}).fit(X, np.digitize(y, [-0.5, 0.5])), X
    labels = np.column_stack([y > 0, X[:, 0] > 0, y < -1]).astype(int)
    return MultiLabelMLP(**{**base, **params}).fit(X, labels), X


def _finite_difference(f, X, eps=1e-6):
    grad = np.empty_like(X)
    for i in range(X.shape[1]):
        step = np.zeros(X.shape[1])
        step[i] = eps * max(1.0, np.std(X[:, i]))
        grad[:, i] = (f(X + step) - f(X - step)) / (2 * step[i])
    return grad


def _check_gradient(estimator, X, **options):
    """The attributions' gradient against central differences of the
    function they explain (its values checked against the public API by the
    callers), at 6 rows."""
    rows = X[:6]
    model = DifferentiableModel(estimator)
    (head,) = model.heads(rows, options.get("target"), options.get("output"))
    grad = feature_attributions(estimator, rows, method="gradient", **options)

    def f(Z):
        return model.gradient(Z, head.rows(slice(None), 1))[0]

    np.testing.assert_allclose(grad, _finite_difference(f, rows), rtol=1e-5, atol=1e-7)
    return model, head


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_input_gradient_of_every_activation_matches_finite_differences(activation):
    estimator, X = _fitted("regressor", activation=activation)
    model, head = _check_gradient(estimator, X)
    np.testing.assert_allclose(model.gradient(X, head)[0], estimator.predict(X), rtol=1e-12)


@pytest.mark.parametrize(
    "kind, options, public",
    [
        ("binary", {}, lambda m, X: m.predict_proba(X)[:, 1]),
        ("binary", {"target": False}, lambda m, X: m.predict_proba(X)[:, 0]),
        ("binary", {"output": "logit"}, None),
        ("multiclass", {"target": 2}, lambda m, X: m.predict_proba(X)[:, 2]),
        ("multiclass", {"target": 0, "output": "logit"}, None),
        ("multilabel", {"target": 1}, lambda m, X: m.predict_proba(X)[:, 1]),
        ("poisson", {"target": 0}, lambda m, X: m.predict(X)),
    ],
)
def test_input_gradient_through_every_output_link(kind, options, public):
    estimator, X = _fitted(kind)
    model, head = _check_gradient(estimator, X, **options)
    if public is not None:
        values = model.gradient(X, head)[0]
        np.testing.assert_allclose(values, public(estimator, X), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    "params",
    [
        {"dropout": 0.3},
        {"batch_norm": True},
        {"residual": True, "hidden_layer_sizes": (6, 6, 6)},
        {"ensemble_size": 3},
    ],
    ids=["dropout", "batch_norm", "residual", "ensemble"],
)
def test_input_gradient_through_each_layer_kind(params):
    """Dropout is off and batch norm uses its running statistics at
    inference; an ensemble explains its members' mean."""
    estimator, X = _fitted("binary", **params)
    model, head = _check_gradient(estimator, X)
    np.testing.assert_allclose(
        model.gradient(X, head)[0], estimator.predict_proba(X)[:, 1], rtol=1e-10
    )


def test_an_ensembles_attributions_are_its_members_mean():
    estimator, X = _fitted("regressor", ensemble_size=3)
    together = feature_attributions(estimator, X[:5], baseline=np.zeros(4))
    alone = [
        feature_attributions(member, X[:5], baseline=np.zeros(4))
        for member in estimator.estimators_
    ]
    np.testing.assert_allclose(together, np.mean(alone, axis=0), rtol=1e-10)


@pytest.mark.parametrize("scaling", ["robust", "standard", None])
@pytest.mark.parametrize("Estimator", [MLPClassifierCV, MLPRegressorCV])
def test_input_gradient_through_the_cv_estimators_scaling(Estimator, scaling):
    """In the user's units: through the smooth clip (robust), the standard
    scaler, a regressor's target scaling; values equal the predictions."""
    X, y = _table()
    y = y > 0 if Estimator is MLPClassifierCV else y
    estimator = Estimator(alphas=[1e-3, 1.0], cv=3, scaling=scaling, random_state=0)
    estimator.fit(X, y)
    X[0, 3] = 180.0  # far outside the training range: in the clip's tail
    model, head = _check_gradient(estimator, X)
    public = (
        estimator.predict_proba(X)[:, 1]
        if Estimator is MLPClassifierCV
        else estimator.predict(X)
    )
    np.testing.assert_allclose(model.gradient(X, head)[0], public, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "scaler",
    [StandardScaler(), MinMaxScaler(), MaxAbsScaler(), RobustScaler(), "passthrough"],
    ids=lambda s: getattr(s, "__name__", type(s).__name__),
)
def test_input_gradient_through_an_affine_pipeline(scaler):
    X, y = _table()
    pipe = make_pipeline(scaler, MLPRegressor(hidden_layer_sizes=(6,), random_state=0))
    pipe.fit(X, y)
    model, head = _check_gradient(pipe, X)
    np.testing.assert_allclose(model.gradient(X, head)[0], pipe.predict(X), rtol=1e-10)


def test_the_default_baseline_of_a_pipeline_is_the_training_median():
    X, y = _table()
    pipe = make_pipeline(
        StandardScaler(), MLPRegressor(hidden_layer_sizes=(6,), random_state=0)
    )
    pipe.fit(X, y)
    ours = feature_attributions(pipe, X[:4])
    given = feature_attributions(pipe, X[:4], baseline=np.median(X, axis=0))
    np.testing.assert_allclose(ours, given, rtol=1e-9, atol=1e-12)


def test_a_step_that_is_not_a_known_affine_map_is_named():
    X, y = _table()
    pipe = make_pipeline(FunctionTransformer(np.log1p), MLPRegressor(max_iter=5))
    pipe.fit(np.abs(X), y)
    with pytest.raises(TypeError, match="'functiontransformer'"):
        feature_attributions(pipe, np.abs(X[:3]))
    clipped = make_pipeline(MinMaxScaler(clip=True), MLPRegressor(max_iter=5)).fit(X, y)
    with pytest.raises(TypeError, match="'minmaxscaler'"):
        feature_attributions(clipped, X[:3])


def _tanh_model():
    X, y = _table()
    model = MLPRegressor(
        hidden_layer_sizes=(8,),
        activation="tanh",
        learning_rate_init=0.01,
        max_iter=200,
        random_state=0,
    )
    return model.fit(X, y), X


def test_integrated_gradients_are_complete_and_converge_with_the_steps():
    """Each row's attributions add up to F(x) - F(baseline); the error
    shrinks with n_steps (Gauss-Legendre on a smooth network: fast)."""
    model, X = _tanh_model()
    baseline = np.median(X, axis=0)
    gap = model.predict(X[:20]) - model.predict(baseline[None])
    errors = [
        np.abs(feature_attributions(model, X[:20], n_steps=n).sum(axis=1) - gap).max()
        for n in (2, 12)
    ]
    assert errors[1] < 1e-8 * np.abs(gap).max() < errors[0]


def test_integrated_gradients_of_a_relu_network_close_in_on_completeness():
    estimator, X = _fitted("regressor", activation="relu")
    baseline = np.zeros(4)
    gap = estimator.predict(X[:20]) - estimator.predict(baseline[None])
    coarse, fine = (
        np.abs(
            feature_attributions(estimator, X[:20], baseline=baseline, n_steps=n).sum(1)
            - gap
        ).max()
        for n in (4, 512)
    )
    assert fine < 0.01 * np.abs(gap).max() and fine < coarse


def test_gradient_x_input_of_a_linear_network_is_its_exact_decomposition():
    """With identity activations f(x) = x @ w + c: gradient x input gives
    each row x_i w_i exactly."""
    X, y = _table()
    model = MLPRegressor(hidden_layer_sizes=(5, 3), activation="identity", random_state=0)
    model.fit(X, y)
    w = model.coefs_[0] @ model.coefs_[1] @ model.coefs_[2]
    attributions = feature_attributions(model, X, method="gradient_x_input")
    np.testing.assert_allclose(attributions, X * w.ravel(), rtol=1e-10)
    c = model.predict(np.zeros((1, 4)))
    np.testing.assert_allclose(attributions.sum(1) + c, model.predict(X), rtol=1e-10)


def test_only_the_informative_features_lead():
    """Only features 0-2 carry signal: they are the top three for > 95 % of
    the held-out rows (of a CV estimator: through its scaling)."""
    rng = np.random.RandomState(0)
    n = 400
    X = rng.normal(size=(n, 10))
    X[:, :3] = rng.choice([-1, 1], size=(n, 3)) * rng.uniform(1, 2, size=(n, 3))
    y = 2 * X[:, 0] - 2 * X[:, 1] + np.tanh(2 * X[:, 2]) * 2 + 0.1 * rng.normal(size=n)
    model = MLPRegressorCV(random_state=0).fit(X[:300], y[:300])
    # the informative columns are bimodal (+-1 to 2), so their median lies in
    # one mode; the attributions are taken from the all-zero row between them
    attributions = feature_attributions(model, X[300:], baseline=np.zeros(10))
    top = np.argsort(-np.abs(attributions), axis=1)[:, :3]
    assert np.mean((np.sort(top, axis=1) == [0, 1, 2]).all(axis=1)) > 0.95


def test_shapes_targets_and_outputs():
    estimator, X = _fitted("multilabel")
    assert feature_attributions(estimator, X[:5]).shape == (5, 4, 3)
    assert feature_attributions(estimator, X[:5], target=2).shape == (5, 4)
    clf, X = _fitted("multiclass")
    predicted = clf.predict(X[:30])
    per_row = feature_attributions(clf, X[:30], method="gradient")
    for c in np.unique(predicted):
        rows = predicted == c
        fixed = feature_attributions(clf, X[:30], method="gradient", target=c)
        np.testing.assert_allclose(per_row[rows], fixed[rows])


@pytest.mark.parametrize(
    "options, message",
    [
        ({"method": "shap"}, "method must be one of"),
        ({"n_steps": 0}, "n_steps must be"),
        ({"target": "sick"}, "target must be one of the classes"),
        ({"output": "odds"}, "output must be"),
        ({"baseline": np.zeros(3)}, "baseline must have shape"),
    ],
)
def test_bad_options_are_named(options, message):
    estimator, X = _fitted("binary")
    with pytest.raises(ValueError, match=message):
        feature_attributions(estimator, X[:3], **options)


def test_errors_name_what_is_missing():
    estimator, X = _fitted("binary")
    with pytest.raises(ValueError, match="X has 3 features"):
        feature_attributions(estimator, X[:3, :3])
    hinge = MLPClassifier(loss="hinge", max_iter=5).fit(X, X[:, 0] > 0)
    with pytest.raises(ValueError, match="output='logit'"):
        feature_attributions(hinge, X[:3], output="probability")
    scores = feature_attributions(hinge, X[:3], method="gradient")  # its score's
    np.testing.assert_array_equal(
        scores, feature_attributions(hinge, X[:3], method="gradient", output="logit")
    )
    regressor, X = _fitted("regressor")
    with pytest.raises(ValueError, match="for classifiers"):
        feature_attributions(regressor, X[:3], output="logit")
    del regressor._input_median
    with pytest.raises(ValueError, match="pass baseline="):
        feature_attributions(regressor, X[:3])
    with pytest.raises(TypeError, match="explains skmlp estimators"):
        feature_attributions(StandardScaler().fit(X), X)


def test_through_the_command_lines_regression_pipeline():
    """StandardScaler, then a TransformedTargetRegressor that standardises
    the target around the network: gradients and values in y's units."""
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.pipeline import Pipeline

    X, y = _table()
    inner = TransformedTargetRegressor(
        MLPRegressor(hidden_layer_sizes=(6,), random_state=0), transformer=StandardScaler()
    )
    pipe = Pipeline([("scale", StandardScaler()), ("model", inner)]).fit(X, 50 + 10 * y)
    model, head = _check_gradient(pipe, X)
    np.testing.assert_allclose(model.gradient(X, head)[0], pipe.predict(X), rtol=1e-10)


def test_summary_and_display_of_the_top_features():
    import matplotlib

    matplotlib.use("Agg")
    import pandas as pd

    from skmlp.inspection import FeatureAttributionDisplay, summarize_attributions

    X, y = _table()
    frame = pd.DataFrame(X, columns=["age", "bmi", "dose", "crp"])
    model = MLPRegressorCV(alphas=[1e-3, 1.0], cv=3, random_state=0).fit(frame, y)
    display = FeatureAttributionDisplay.from_estimator(model, frame, max_features=3)
    attributions = feature_attributions(model, frame)
    summary = summarize_attributions(attributions, frame.columns)
    np.testing.assert_allclose(display.summary_.mean_abs, summary.mean_abs)
    assert list(display.summary_.feature_names) == list(summary.feature_names)
    assert np.all(np.diff(summary.mean_abs) <= 0)
    bars, strip = display.ax_
    assert [t.get_text() for t in bars.get_yticklabels()] == list(summary.feature_names[:3])
    heights = sorted(p.get_width() for p in bars.patches)
    np.testing.assert_allclose(heights, sorted(summary.mean_abs[:3]))
    assert len(strip.collections) == 3 and all(
        len(c.get_offsets()) == len(X) for c in strip.collections
    )
    for kind in ("bar", "strip"):
        assert not isinstance(display.plot(kind=kind).ax_, np.ndarray)
    with pytest.raises(ValueError, match="kind must be one of"):
        display.plot(kind="pie")


def test_display_asks_for_one_output_and_names_bad_shapes():
    from skmlp.inspection import FeatureAttributionDisplay, summarize_attributions

    estimator, X = _fitted("multilabel")
    with pytest.raises(ValueError, match="choose one with target="):
        FeatureAttributionDisplay.from_estimator(estimator, X[:5])
    with pytest.raises(ValueError, match="one output's attributions"):
        summarize_attributions(np.zeros((3, 4, 2)))
    with pytest.raises(ValueError, match="feature_names must have 4 names"):
        summarize_attributions(np.zeros((3, 4)), ["a"])
