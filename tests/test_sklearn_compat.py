"""The private scikit-learn names skmlp uses, each called as skmlp calls it.

``skmlp/_sklearn_compat.py`` is the one module that imports them. These tests
fail loudly when a scikit-learn release renames one or changes what it
returns; ``.ci/run`` runs them (with the one-pass cross-validation and search
tests) under the oldest supported scikit-learn as well as the newest.
"""

import numpy as np
import pytest
import sklearn
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import check_scoring
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import _sklearn_compat as compat


@pytest.fixture
def data():
    return make_classification(n_samples=40, n_features=4, random_state=0)


def test_the_running_version_is_at_least_the_oldest_checked():
    def version(text):
        return tuple(int(part) for part in text.split(".")[:2])

    assert version(sklearn.__version__) >= version(compat.CHECKED_VERSIONS[0])


def test_parameter_constraints_and_fit_context():
    from numbers import Real

    assert compat.Interval(Real, 0, 1, closed="both").is_satisfied_by(0.5)
    assert compat.StrOptions({"a"}).is_satisfied_by("a")
    assert compat.Options(Real, {np.inf}).is_satisfied_by(np.inf)
    assert callable(compat._fit_context(prefer_skip_nested_validation=True))


def test_validation_helpers(data):
    X, y = data
    weights = compat._check_sample_weight(None, X, dtype=X.dtype)
    assert weights.shape == (40,) and compat._num_samples(X) == 40
    params = compat._check_method_params(
        X, params={"sample_weight": weights}, indices=[0, 1]
    )
    assert params["sample_weight"].shape == (2,)
    X_train, y_train = compat._safe_split(LogisticRegression(), X, y, np.arange(5))
    assert X_train.shape == (5, 4) and y_train.shape == (5,)
    model = LogisticRegression()
    assert compat._check_partial_fit_first_call(model, np.array([0, 1]))
    assert list(model.classes_) == [0, 1]


def test_cross_validation_bookkeeping(data):
    X, y = data
    model = LogisticRegression().fit(X, y)
    scorer = check_scoring(model, scoring=["accuracy", "neg_log_loss"])
    assert compat.scorer_names(scorer) == ["accuracy", "neg_log_loss"]
    assert compat.scorer_names(check_scoring(model)) is None
    assert set(compat.scorer_dict(scorer)) == {"accuracy", "neg_log_loss"}
    scores = compat._score(model, X, y, scorer, {}, np.nan)
    assert set(scores) == {"accuracy", "neg_log_loss"}
    results = [{"test_scores": {"a": 1.0}, "fit_time": 1.0}] * 2
    merged = compat._aggregate_score_dicts(results)
    np.testing.assert_array_equal(
        compat._normalize_score_results(merged["test_scores"])["a"], [1, 1]
    )
    failed = [
        {"fit_error": "boom", "test_scores": np.nan},
        {"fit_error": None, "test_scores": 1.0},
    ]
    with pytest.warns(sklearn.exceptions.FitFailedWarning):
        compat._warn_or_raise_about_fit_failures(failed, np.nan)
    compat._insert_error_scores([{"fit_error": None, "test_scores": {"s": 1.0}}], np.nan)
    proba = compat._enforce_prediction_order(
        np.array([0, 2]), np.ones((3, 2)), 3, "predict_proba"
    )
    assert proba.shape == (3, 3) and not proba[:, 1].any()
    result = compat._fit_and_score(
        LogisticRegression(),
        X,
        y,
        scorer=check_scoring(model),
        train=np.arange(30),
        test=np.arange(30, 40),
        verbose=0,
        parameters=None,
        fit_params=None,
        score_params=None,
        return_times=True,
        error_score=np.nan,
    )
    assert result["fit_error"] is None and 0 <= result["test_scores"] <= 1


def test_search_and_pipeline_methods(data):
    X, y = data
    search = GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, cv=2)
    scorers, refit_metric = compat.search_scorers(search)
    assert callable(scorers) and refit_metric == "score"
    routed = compat.search_routed_params(search, {})
    assert routed.splitter.split == {"groups": None} and routed.estimator.fit == {}
    results = {"mean_test_score": np.array([0.5, 0.7]), "rank_test_score": np.array([2, 1])}
    assert compat.select_best_index(search, True, "score", results) == 1
    search.set_params(scoring=["accuracy", "f1"], refit="accuracy")
    compat.check_refit_for_multimetric(search, {"accuracy": 1.0, "f1": 1.0})
    pipeline = make_pipeline(StandardScaler(), LogisticRegression())
    routed = compat.pipeline_fit_params(pipeline, {"logisticregression__sample_weight": 1})
    assert routed["logisticregression"]["fit"] == {"sample_weight": 1}
