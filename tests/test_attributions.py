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


# -- a model of a raw table: attributions through its encoder ------------------------


def _raw_table(n=150, seed=0):
    """Text columns between numeric ones, NaN in 'age' (an indicator)."""
    rng = np.random.RandomState(seed)
    import pandas as pd

    frame = pd.DataFrame(
        {
            "site": rng.choice(["north", "south", "east"], n, p=[0.5, 0.3, 0.2]),
            "age": rng.normal(60, 10, n),
            "smoker": rng.choice(["yes", "no"], n),
            "dose": rng.normal(size=n),
        }
    )
    y = (
        (frame.age - 60) / 10
        + frame.dose
        + (frame.site == "south")
        - (frame.smoker == "yes")
    )
    frame.loc[rng.rand(n) < 0.15, "age"] = np.nan
    return frame, y.to_numpy()


@pytest.fixture(scope="module")
def raw_model():
    """A smooth (tanh) CV regressor of the raw table: integrated gradients
    are complete to the quadrature's 1e-8."""
    frame, y = _raw_table()
    model = MLPRegressorCV(
        alphas=[0.01], cv=2, hidden_layer_sizes=(8,), activation="tanh", random_state=0
    )
    return model.fit(frame, y), frame


def _typical_row(model, frame):
    """The default baseline as a row of the table: each numeric column's
    median (present), each categorical column's heaviest category."""
    encoder = model.encoder_
    row = {}
    numeric = iter(encoder.medians_)
    categories = iter(encoder.most_frequent_)
    for name, categorical in zip(frame.columns, encoder.categorical_):
        row[name] = [next(categories) if categorical else next(numeric)]
    return frame.iloc[:0].__class__(row)


def test_a_raw_tables_attributions_add_up_over_its_source_columns(raw_model):
    """One attribution per column of the table (the one-hot block summed,
    the missing-value indicator added to its column); they add up to
    F(x) - F(typical row), as the encoded columns' attributions do."""
    model, frame = raw_model
    rows = frame.iloc[:25]
    assert rows["age"].isna().any()
    gap = model.predict(rows) - model.predict(_typical_row(model, frame))
    by_column = feature_attributions(model, rows)
    assert by_column.shape == (25, 4)
    np.testing.assert_allclose(by_column.sum(axis=1), gap, atol=1e-8 * np.abs(gap).max())
    encoded = feature_attributions(model, rows, by="encoded")
    names = list(model.encoder_.get_feature_names_out())
    assert encoded.shape == (25, len(names))
    np.testing.assert_allclose(encoded.sum(axis=1), gap, atol=1e-8 * np.abs(gap).max())
    blocks = {
        "site": [n for n in names if n.startswith("site_")],
        "age": ["age", "age_missing"],
        "smoker": [n for n in names if n.startswith("smoker_")],
        "dose": ["dose"],
    }
    for j, column in enumerate(frame.columns):
        summed = encoded[:, [names.index(n) for n in blocks[column]]].sum(axis=1)
        np.testing.assert_allclose(by_column[:, j], summed, rtol=1e-12, atol=1e-15)
    # a row equal to the typical one in a column owes it nothing
    same_site = (rows["site"] == model.encoder_.most_frequent_[0]).to_numpy()
    np.testing.assert_allclose(by_column[same_site, 0], 0, atol=1e-12)


def test_a_raw_table_models_function_of_its_encoded_inputs(raw_model):
    """The function differentiated over the encoded columns is the model's
    prediction; gradients (by='encoded') match finite differences there;
    gradient x input multiplies them by the encoded values."""
    model, frame = raw_model
    rows = frame.iloc[:6]
    differentiable = DifferentiableModel(model)
    encoded = differentiable.check_input(rows)
    np.testing.assert_allclose(encoded, model.encoder_.transform(rows))
    (head,) = differentiable.heads(rows, None, None)
    values = differentiable.gradient(encoded, head)[0]
    np.testing.assert_allclose(values, model.predict(rows), rtol=1e-5, atol=1e-6)
    grad = feature_attributions(model, rows, method="gradient", by="encoded")

    def f(Z):
        return differentiable.gradient(Z, head.rows(slice(None), 1))[0]

    np.testing.assert_allclose(grad, _finite_difference(f, encoded), rtol=1e-5, atol=1e-7)
    times = feature_attributions(model, rows, method="gradient_x_input", by="encoded")
    np.testing.assert_allclose(times, encoded * grad, rtol=1e-12)


@pytest.mark.parametrize("method", ["gradient", "gradient_x_input"])
def test_a_gradient_by_source_column_through_a_one_hot_is_refused(raw_model, method):
    model, frame = raw_model
    with pytest.raises(ValueError, match="by='encoded'.*integrated_gradients"):
        feature_attributions(model, frame.iloc[:3], method=method)


def test_a_raw_table_models_baseline_lives_where_its_attributions_do(raw_model):
    """by='column': a row of the table (encoded as the model encodes it);
    by='encoded': a row of the encoded columns. Both complete."""
    model, frame = raw_model
    rows = frame.iloc[:10]
    reference = frame.iloc[[3]].assign(site="east", age=np.nan)
    gap = model.predict(rows) - model.predict(reference)
    for baseline in (reference, reference.iloc[0], reference.to_numpy()[0]):
        ours = feature_attributions(model, rows, baseline=baseline)
        np.testing.assert_allclose(ours.sum(axis=1), gap, atol=1e-7)
    width = len(model.encoder_.get_feature_names_out())
    unseen = frame.iloc[:1].assign(site="west", age=0.0, smoker="maybe", dose=0.0)
    zeros = feature_attributions(model, rows, by="encoded", baseline=np.zeros(width))
    gap = model.predict(rows) - model.predict(unseen)  # every encoded column 0
    np.testing.assert_allclose(zeros.sum(axis=1), gap, atol=1e-7)
    with pytest.raises(
        ValueError, match=rf"4 columns.*got shape \({width},\).*by='encoded'"
    ):
        feature_attributions(model, rows, baseline=np.zeros(width))
    with pytest.raises(ValueError, match=rf"\({width},\) or \(10, {width}\); got \(4,\)"):
        feature_attributions(model, rows, by="encoded", baseline=np.zeros(4))


def test_by_is_checked_and_the_same_for_a_model_without_an_encoding():
    estimator, X = _fitted("regressor")
    np.testing.assert_array_equal(
        feature_attributions(estimator, X[:4], by="encoded"),
        feature_attributions(estimator, X[:4]),
    )
    with pytest.raises(ValueError, match="by must be 'column' or 'encoded'; got 'gene'"):
        feature_attributions(estimator, X[:4], by="gene")


def test_empty_cells_are_imputed_as_predict_imputes(raw_model):
    """A CV estimator fitted on a complete numeric table: NaN in the rows
    explained are its training medians, as in predict (and likewise in a
    raw-table model's column that had none in training)."""
    X, y = _table()
    model = MLPRegressorCV(alphas=[0.01], cv=2, activation="tanh", random_state=0)
    model.fit(X, y)
    holes = X[:8].copy()
    holes[::2, 1] = np.nan
    filled = np.where(np.isnan(holes), model.encoder_.medians_, holes)
    np.testing.assert_allclose(
        feature_attributions(model, holes), feature_attributions(model, filled)
    )
    raw, frame = raw_model
    rows = frame.iloc[:8].assign(dose=np.nan)
    gap = raw.predict(rows) - raw.predict(_typical_row(raw, frame))
    np.testing.assert_allclose(feature_attributions(raw, rows).sum(axis=1), gap, atol=1e-7)


def test_the_baseline_shape_reported_is_the_one_given():
    estimator, X = _fitted("binary")
    with pytest.raises(ValueError, match=r"got \(3,\)\."):
        feature_attributions(estimator, X[:3], baseline=np.zeros(3))
    with pytest.raises(ValueError, match=r"got \(2, 4\)\."):
        feature_attributions(estimator, X[:3], baseline=np.zeros((2, 4)))


def test_summary_as_a_data_frame(monkeypatch):
    import sys

    from skmlp.inspection import summarize_attributions

    attributions = np.array([[0.1, -2.0, 0.0], [0.3, 1.0, -0.1]])
    frame = summarize_attributions(attributions, ["a", "b", "c"], as_frame=True)
    assert list(frame.columns) == ["feature", "mean_abs", "mean"]
    assert frame["feature"].tolist() == ["b", "a", "c"]
    np.testing.assert_allclose(frame["mean_abs"], [1.5, 0.2, 0.05])
    np.testing.assert_allclose(frame["mean"], [-0.5, 0.2, -0.05])
    assert list(frame.index) == [0, 1, 2]
    assert summarize_attributions(attributions).feature_names.tolist() == ["x1", "x0", "x2"]
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=r"as_frame=True\) needs pandas"):
        summarize_attributions(attributions, as_frame=True)


def test_the_display_of_a_raw_table_greys_its_text_and_missing_values(raw_model):
    import matplotlib

    matplotlib.use("Agg")
    from skmlp.inspection import FeatureAttributionDisplay

    model, frame = raw_model
    rows = frame.iloc[:40]
    display = FeatureAttributionDisplay.from_estimator(model, rows, kind="strip")
    names = [t.get_text() for t in display.ax_.get_yticklabels()]
    assert sorted(names) == sorted(frame.columns)
    colours = {
        name: np.ma.filled(c.get_array().astype(float), np.nan)
        for name, c in zip(names, display.ax_.collections)
    }
    for text in ("site", "smoker"):  # no order to colour by: grey
        assert np.isnan(colours[text]).all()
    missing = rows["age"].isna().to_numpy()
    assert np.isnan(colours["age"][missing]).all()
    assert (
        np.isfinite(colours["age"][~missing]).all() and np.isfinite(colours["dose"]).all()
    )
    assert "grey: missing or text" in display.ax_.get_xlabel()
    encoded = FeatureAttributionDisplay.from_estimator(
        model, rows, by="encoded", kind="strip", max_features=30
    )
    names = [t.get_text() for t in encoded.ax_.get_yticklabels()]
    assert sorted(names) == sorted(model.encoder_.get_feature_names_out())
    # a 0/1 column is drawn in its two colours (ties share a colour)
    site_east = encoded.ax_.collections[names.index("site_east")].get_array()
    assert set(np.round(site_east, 12)) == {0.0, 1.0}


def test_a_raw_table_model_behind_pipeline_steps_is_refused_by_name():
    """Its encoder would see the steps' output, not the table: attribute
    the final step on the rows the steps make."""
    frame, y = _raw_table()
    numbers = frame[["age", "dose"]]  # NaN in age: a missing-value indicator
    inner = MLPRegressorCV(alphas=[0.01], cv=2, hidden_layer_sizes=(4,), max_iter=5)
    pipe = make_pipeline(StandardScaler(), inner).fit(numbers, y)
    with pytest.raises(TypeError, match="pass the pipeline's final step"):
        feature_attributions(pipe, numbers.iloc[:3])
