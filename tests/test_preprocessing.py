"""SmoothClipScaler: scikit-learn's checks, the formula, edge columns, inverse, dtype."""

import re

import numpy as np
import pytest
from scipy import sparse
from sklearn.utils.estimator_checks import parametrize_with_checks

from skmlp.preprocessing import SmoothClipScaler, TableEncoder


@parametrize_with_checks([SmoothClipScaler(), TableEncoder()])
def test_sklearn_compatible(estimator, check):
    check(estimator)


#: The weighted percentiles' definition (scale-free in the weights).
METHOD = "averaged_inverted_cdf"


def reference(X, quantile_range=(25.0, 75.0), clip=3.0):
    """The formula written out with NumPy, column by column."""
    out = np.empty_like(X)
    for j, column in enumerate(X.T):
        low, median, high = np.percentile(
            column, [*quantile_range[:1], 50, quantile_range[1]], method=METHOD
        )
        spread = high - low if high > low else 0.5 * (column.max() - column.min())
        z = (column - median) / spread if spread > 0 else np.zeros_like(column)
        out[:, j] = z if clip is None else z / np.sqrt(1 + (z / clip) ** 2)
    return out


@pytest.fixture
def cauchy():
    rng = np.random.default_rng(0)
    return rng.standard_cauchy(size=(500, 4)) * [1.0, 10.0, 0.01, 1e3] + [0, 5, -2, 1e4]


@pytest.mark.parametrize("clip", [3.0, 1.0, 10.0])
@pytest.mark.parametrize("quantile_range", [(25.0, 75.0), (10.0, 90.0)])
def test_matches_the_formula_on_heavy_tails(cauchy, clip, quantile_range):
    Z = SmoothClipScaler(quantile_range=quantile_range, clip=clip).fit_transform(cauchy)
    np.testing.assert_allclose(Z, reference(cauchy, quantile_range, clip), rtol=1e-12)
    assert np.all(np.abs(Z) < clip)
    assert np.abs(cauchy).max() > 1e3 * np.abs(Z).max()  # the data really is heavy-tailed


def test_clip_none_is_robust_scaling(cauchy):
    scaler = SmoothClipScaler(clip=None).fit(cauchy)
    median = np.median(cauchy, axis=0)
    q25, q75 = np.percentile(cauchy, [25, 75], axis=0, method=METHOD)
    np.testing.assert_allclose(scaler.center_, median)
    np.testing.assert_allclose(scaler.scale_, q75 - q25)
    np.testing.assert_allclose(scaler.transform(cauchy), (cauchy - median) / (q75 - q25))


def test_extreme_values_stay_bounded_without_overflow():
    X = np.array([[-1e300], [0.0], [1.0], [2.0], [1e300]])
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        Z = SmoothClipScaler().fit_transform(X)
    assert np.all(np.isfinite(Z)) and np.all(np.abs(Z) <= 3)
    np.testing.assert_allclose(Z[[0, -1], 0], [-3, 3])


def test_constant_column_maps_to_zero():
    X = np.column_stack([np.full(20, 7.5), np.arange(20.0)])
    scaler = SmoothClipScaler().fit(X)
    Z = scaler.transform(X)
    assert np.all(np.isfinite(Z))
    np.testing.assert_array_equal(Z[:, 0], 0.0)
    assert scaler.scale_[0] == 1.0 and scaler.center_[0] == 7.5
    np.testing.assert_array_equal(scaler.inverse_transform(np.full((3, 2), 0.5))[:, 0], 7.5)


def test_zero_iqr_falls_back_to_half_the_range():
    column = np.zeros(20)
    column[:3] = 1.0  # quartiles both 0, but max > min
    X = np.column_stack([column, np.arange(20.0)])
    scaler = SmoothClipScaler(clip=None).fit(X)
    assert scaler.scale_[0] == 0.5
    np.testing.assert_allclose(scaler.transform(X)[:, 0], column / 0.5)


@pytest.mark.parametrize("clip", [3.0, 0.5, None])
def test_inverse_transform_round_trips(clip):
    X = np.random.default_rng(1).normal(loc=[0, 100, -5], scale=[1, 20, 0.1], size=(200, 3))
    scaler = SmoothClipScaler(clip=clip).fit(X)
    np.testing.assert_allclose(scaler.inverse_transform(scaler.transform(X)), X, rtol=1e-9)


@pytest.mark.parametrize("value", [3.0, -3.0, 5.0])
def test_inverse_transform_refuses_values_outside_the_clip(value):
    scaler = SmoothClipScaler().fit(np.arange(10.0).reshape(5, 2))
    with pytest.raises(
        ValueError, match=r"strictly inside \(-clip, clip\).*" + str(abs(value))
    ):
        scaler.inverse_transform([[0.0, value]])


def test_inverse_transform_checks_the_number_of_features():
    scaler = SmoothClipScaler().fit(np.arange(10.0).reshape(5, 2))
    with pytest.raises(ValueError, match="3 features"):
        scaler.inverse_transform(np.zeros((2, 3)))


def test_float32_stays_float32(cauchy):
    X = cauchy.astype(np.float32)
    scaler = SmoothClipScaler().fit(X)
    Z = scaler.transform(X)
    assert Z.dtype == np.float32 and scaler.center_.dtype == np.float32
    assert "float32" in scaler.__sklearn_tags__().transformer_tags.preserves_dtype
    assert scaler.inverse_transform(Z[:5] * 0.5).dtype == np.float32
    np.testing.assert_allclose(Z, reference(cauchy), atol=1e-5)


@pytest.mark.parametrize("clip", [3.0, None])
def test_input_is_not_modified(cauchy, clip):
    X = cauchy.copy()
    scaler = SmoothClipScaler(clip=clip).fit(X)
    Z = scaler.transform(X)
    np.testing.assert_array_equal(X, cauchy)
    Z_before = Z.copy()
    scaler.inverse_transform(Z)
    np.testing.assert_array_equal(Z, Z_before)


def test_feature_names_from_a_dataframe():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"age": [20.0, 35.0, 50.0, 90.0], "income": [1.0, 2.0, 3.0, 1e6]})
    scaler = SmoothClipScaler().fit(frame)
    assert scaler.feature_names_in_.tolist() == ["age", "income"]
    assert scaler.get_feature_names_out().tolist() == ["age", "income"]
    np.testing.assert_allclose(scaler.transform(frame), reference(frame.to_numpy()))


def test_sparse_input_is_refused():
    with pytest.raises(TypeError, match="[Ss]parse"):
        SmoothClipScaler().fit(sparse.csr_matrix(np.eye(3)))


@pytest.mark.parametrize(
    "quantile_range",
    [(75.0, 25.0), (-1.0, 50.0), (50.0, 50.0), (25.0, 101.0), (1.0, 2.0, 3.0)],
)
def test_invalid_quantile_range_is_refused(quantile_range):
    pattern = "quantile_range.*" + re.escape(repr(quantile_range))
    with pytest.raises(ValueError, match=pattern):
        SmoothClipScaler(quantile_range=quantile_range).fit(np.eye(3))


@pytest.mark.parametrize("clip", [0, 0.0, -1.0])
def test_invalid_clip_is_refused(clip):
    with pytest.raises(ValueError, match=rf"'clip'.*Got {clip} instead"):
        SmoothClipScaler(clip=clip).fit(np.eye(3))


@pytest.mark.parametrize("clip", [3.0, None])
def test_monotone_in_each_column(cauchy, clip):
    Z = SmoothClipScaler(clip=clip).fit_transform(cauchy)
    order = np.argsort(cauchy, axis=0)
    sorted_Z = np.take_along_axis(Z, order, axis=0)
    assert np.all(np.diff(sorted_Z, axis=0) >= 0)
    # away from the bounds, where floating point cannot tell values apart, it is strict
    steps = np.diff(sorted_Z, axis=0)
    inner = np.abs(sorted_Z) < (np.inf if clip is None else 0.99 * clip)
    assert np.all(steps[inner[1:] & inner[:-1]] > 0)


def test_integer_weights_equal_repeated_rows_exactly():
    rng = np.random.RandomState(3)
    X = rng.standard_cauchy((41, 4))
    X[:, 3] = rng.rand(41) < 0.1  # mostly zeros: the range fallback
    weights = rng.randint(0, 4, size=41)
    weighted = SmoothClipScaler().fit(X, sample_weight=weights)
    repeated = SmoothClipScaler().fit(np.repeat(X, weights, axis=0))
    np.testing.assert_array_equal(weighted.center_, repeated.center_)
    np.testing.assert_array_equal(weighted.scale_, repeated.scale_)
    np.testing.assert_array_equal(weighted.transform(X), repeated.transform(X))


def test_unit_weights_give_numpys_percentiles():
    rng = np.random.RandomState(4)
    X = rng.lognormal(size=(30, 3))
    scaler = SmoothClipScaler(quantile_range=(10.0, 90.0)).fit(X, sample_weight=np.ones(30))
    low, median, high = np.percentile(X, [10, 50, 90], axis=0, method=METHOD)
    np.testing.assert_allclose(scaler.center_, median, rtol=1e-12)
    np.testing.assert_allclose(scaler.scale_, high - low, rtol=1e-12)


@pytest.mark.parametrize("factor", [1e-3, 1.0 / 41, 0.5, 7.0])
def test_scaling_all_weights_changes_nothing(factor):
    rng = np.random.RandomState(5)
    X = rng.lognormal(size=(41, 3))
    weights = rng.randint(1, 4, size=41).astype(float)
    base = SmoothClipScaler().fit(X, sample_weight=weights)
    scaled = SmoothClipScaler().fit(X, sample_weight=factor * weights)
    np.testing.assert_allclose(scaled.center_, base.center_, rtol=1e-12)
    np.testing.assert_allclose(scaled.scale_, base.scale_, rtol=1e-12)


def test_rows_of_weight_zero_are_never_the_quantile_or_the_range():
    X = np.array([[-100.0], [1.0], [2.0], [3.0], [4.0], [100.0]])
    weights = np.array([0.0, 1.0, 1.0, 1.0, 1.0, 0.0])
    scaler = SmoothClipScaler(quantile_range=(0.0, 100.0)).fit(X, sample_weight=weights)
    assert scaler.center_[0] == 2.5
    assert scaler.scale_[0] == 3.0  # 4 - 1: the extremes of weight 0 do not count


# -- TableEncoder ----------------------------------------------------------------------
def _frame():
    import pandas as pd

    return pd.DataFrame(
        {
            "age": [50.0, np.nan, 70.0, 40.0, 60.0],
            "dose": [1.0, 2.0, 3.0, 4.0, 5.0],
            "stage": pd.Categorical(["I", "II", "III", "I", "II"]),
            "smoker": [True, False, True, True, False],
        }
    )


def test_table_encoder_imputes_flags_and_one_hot_encodes():
    encoder = TableEncoder().fit(_frame())
    assert encoder.get_feature_names_out().tolist() == [
        "age",
        "dose",
        "age_missing",
        "stage_I",
        "stage_II",
        "stage_III",
        "smoker_False",
        "smoker_True",
    ]
    out = encoder.transform(_frame())
    assert out[1, 0] == 55.0 and out[1, 2] == 1.0  # median of 50, 70, 40, 60
    np.testing.assert_array_equal(out[:, 3:6].sum(axis=1), 1)
    assert out.dtype == np.float64 and not np.isnan(out).any()


def test_table_encoder_weights_count_as_copies_and_zero_leaves_a_row_out():
    frame = _frame()
    weights = np.array([3.0, 1.0, 0.0, 1.0, 1.0])
    repeated = frame.iloc[[0, 0, 0, 1, 3, 4]]
    weighted = TableEncoder().fit(frame, sample_weight=weights)
    copies = TableEncoder().fit(repeated)
    np.testing.assert_array_equal(weighted.medians_, copies.medians_)
    assert weighted.categories_ == copies.categories_
    assert "III" not in weighted.categories_[0]  # its only row weighs 0


def test_table_encoder_keeps_the_heaviest_categories_and_pools_the_rest():
    import pandas as pd

    ids = pd.DataFrame({"patient": ["a"] * 5 + ["b"] * 3 + ["c"] * 2 + ["d", "e"]})
    encoder = TableEncoder(max_categories=2).fit(ids)
    assert encoder.get_feature_names_out().tolist() == [
        "patient_a",
        "patient_b",
        "patient_other",
    ]
    new = pd.DataFrame({"patient": ["a", "d", "z"]})
    np.testing.assert_array_equal(
        encoder.transform(new),
        [[1, 0, 0], [0, 0, 1], [0, 0, 0]],  # z: never seen
    )


def test_table_encoder_takes_arrays_and_names_a_mixed_column():
    X = np.array([[1.0, np.nan], [2.0, 3.0], [np.nan, 4.0]])
    encoder = TableEncoder().fit(X)
    assert encoder.get_feature_names_out().tolist() == [
        "x0",
        "x1",
        "x0_missing",
        "x1_missing",
    ]
    np.testing.assert_array_equal(encoder.transform(X)[2], [1.5, 4.0, 1.0, 0.0])
    text = np.array([["a", 1], ["b", 2]], dtype=object)
    assert TableEncoder().fit(text).get_feature_names_out().tolist() == [
        "x1",
        "x0_a",
        "x0_b",
    ]


def test_table_encoder_names_a_column_that_mixes_numbers_and_text():
    """A typo in a measurement column must not turn it into categories."""
    import pandas as pd

    typo = pd.DataFrame({"age": [50, "old", np.nan], "dose": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match="Column 'age' mixes numbers and text .*'old'"):
        TableEncoder().fit(typo)


# -- TableEncoder: output names are unique ----------------------------------------------
@pytest.mark.parametrize(
    "columns, max_categories, expected",
    [
        # a NaN indicator beside a column of its name
        (
            {"x": [1.0, np.nan, 3.0], "x_missing": [0.0, 1.0, 2.0]},
            20,
            ["x", "x_missing", "x_missing_1"],
        ),
        # a real category "missing" beside the missing category
        (
            {"site": ["missing", None, "A"]},
            20,
            ["site_A", "site_missing", "site_missing_1"],
        ),
        # a real category "other" beside the pooled rare ones
        (
            {"site": ["other", "other", "A", "A", "B"]},
            2,
            ["site_A", "site_other", "site_other_1"],
        ),
        # a category "A" of column "s" beside a column named "s_A"
        ({"s_A": [1.0, 2.0, 3.0], "s": ["A", "B", "A"]}, 20, ["s_A", "s_A_1", "s_B"]),
        # the disambiguation's own names are taken already
        (
            {
                "x": [1.0, np.nan, 3.0],
                "x_missing": [0.0, 1.0, 2.0],
                "x_missing_1": [1.0] * 3,
            },
            20,
            ["x", "x_missing", "x_missing_1", "x_missing_2"],
        ),
    ],
)
def test_table_encoder_output_names_never_collide(columns, max_categories, expected):
    import pandas as pd

    encoder = TableEncoder(max_categories=max_categories).fit(pd.DataFrame(columns))
    assert encoder.get_feature_names_out().tolist() == expected


def test_table_encoder_three_collisions_at_once_keep_every_name_unique():
    import pandas as pd

    site = ["missing", "missing", None, None, "other", "other", "A", "B"]
    table = pd.DataFrame(
        {
            "x": [1.0, np.nan, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
            "x_missing": np.arange(8.0),
            "site_other_1": np.ones(8),
            "site": site,
        }
    )
    encoder = TableEncoder(max_categories=3).fit(table)
    assert encoder.get_feature_names_out().tolist() == [
        "x",
        "x_missing",
        "site_other_1",
        "x_missing_1",  # the indicator
        "site_missing",  # the text "missing"
        "site_other",  # the text "other"
        "site_missing_1",  # NaN
        "site_other_2",  # the pooled rare ones, "A" and "B" (site_other_1 is a column)
    ]
    out = encoder.transform(table)
    np.testing.assert_array_equal(out[:, 3], [0, 1, 0, 0, 0, 0, 0, 0])
    expected = {"missing": 0, None: 2, "other": 1, "A": 3, "B": 3}
    np.testing.assert_array_equal(out[:, 4:].argmax(axis=1), [expected[v] for v in site])
    np.testing.assert_array_equal(out[:, 4:].sum(axis=1), 1)


def test_table_encoder_names_given_twice_still_give_unique_names():
    encoder = TableEncoder().fit(np.array([[1.0, np.nan], [2.0, 3.0]]))
    names = encoder.get_feature_names_out(["a", "a"]).tolist()
    assert names == ["a", "a_1", "a_missing"]


def test_table_encoder_set_output_pandas_has_unique_columns():
    import pandas as pd

    table = pd.DataFrame(
        {"x": [1.0, np.nan, 3.0], "x_missing": [0.0, 1.0, 2.0], "s": ["missing", None, "A"]}
    )
    encoder = TableEncoder().set_output(transform="pandas").fit(table)
    out = encoder.transform(table)
    assert isinstance(out, pd.DataFrame)
    assert out.columns.is_unique
    assert out.columns.tolist() == encoder.get_feature_names_out().tolist()
    assert out["x_missing_1"].tolist() == [0.0, 1.0, 0.0]  # the indicator
    assert out["s_missing_1"].tolist() == [0.0, 1.0, 0.0]  # NaN, not the text "missing"


# -- TableEncoder: dates and durations -------------------------------------------------
def _time_columns():
    import datetime

    import pandas as pd

    days = pd.to_datetime(["2020-01-01", "2020-02-01", "2020-03-01"])
    return {
        "datetime64": days,
        "datetime64 with a time zone": days.tz_localize("UTC"),
        "date objects": [datetime.date(2020, 1, d) for d in (1, 2, 3)],
        "datetime objects and None": [datetime.datetime(2020, 1, 1), None, days[2]],
        "timedelta64": pd.to_timedelta([1, 2, 3], unit="D"),
        "timedelta objects": [datetime.timedelta(days=d) for d in (1, 2, 3)],
        "period": pd.period_range("2020-01", periods=3, freq="M"),
        "times of day": [datetime.time(h, 30) for h in (8, 12, 17)],
    }


@pytest.mark.parametrize("kind", list(_time_columns()))
def test_table_encoder_names_a_date_column_and_the_way_out(kind):
    import pandas as pd

    table = pd.DataFrame({"v": [1.0, 2.0, 3.0], "when": _time_columns()[kind]})
    with pytest.raises(
        ValueError, match=r"Column 'when' holds (dates|durations|times).*drop it"
    ):
        TableEncoder().fit(table)


def test_table_encoder_names_a_date_array_column():
    X = np.array(["2020-01-01", "2020-01-02"], dtype="datetime64[D]").reshape(-1, 1)
    with pytest.raises(ValueError, match=r"Column 'x0' holds dates.*days since"):
        TableEncoder().fit(X)


def test_table_encoder_transform_names_a_date_column_where_numbers_were():
    import pandas as pd

    encoder = TableEncoder().fit(pd.DataFrame({"when": [1.0, 2.0, 3.0]}))
    dates = pd.DataFrame(
        {"when": pd.to_datetime(["2020-01-01", "2020-01-02", "2020-01-03"])}
    )
    with pytest.raises(ValueError, match=r"Column 'when' holds dates.*\.dt\.days"):
        encoder.transform(dates)


def test_cv_estimator_names_a_date_column_and_the_way_out():
    import pandas as pd

    from skmlp import MLPClassifierCV

    n = 24
    table = pd.DataFrame(
        {"visit": pd.date_range("2020-01-01", periods=n), "v": np.arange(n, dtype=float)}
    )
    model = MLPClassifierCV(alphas=[1e-3], cv=2, max_iter=2, hidden_layer_sizes=(4,))
    with pytest.raises(ValueError, match=r"Column 'visit' holds dates.*drop it"):
        model.fit(table, np.arange(n) % 2)
