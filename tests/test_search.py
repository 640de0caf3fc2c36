"""GridSearchCV / RandomizedSearchCV in one pass equal scikit-learn's searches.

The central test of the batched search: on the same estimator, grid and
splitter, ``cv_results_`` of :mod:`skmlp.model_selection`'s search equals
scikit-learn's (float64: each score within 1e-9, ranks identical), and the
candidates x folds did train in one pass (no fit ran alone), for every
hyper-parameter a member of a model axis has its own value of.
"""

import re

import numpy as np
import pytest
import sklearn
import sklearn.exceptions
from scipy.stats import loguniform
from sklearn import model_selection as sklearn_model_selection
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.datasets import make_classification, make_multilabel_classification
from sklearn.exceptions import FitFailedWarning
from sklearn.model_selection import GroupKFold, KFold, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skmlp.model_selection._search_fits as search_fits
from skmlp import MLPClassifier, MLPRegressor, MultiLabelMLP
from skmlp.model_selection import GridSearchCV, RandomizedSearchCV

SMALL = dict(hidden_layer_sizes=(8,), max_iter=15, random_state=0)


@pytest.fixture
def alone(monkeypatch):
    """The fits that ran through scikit-learn's _fit_and_score, by index."""
    ran = []
    real = search_fits._fit_alone

    def recording(index, *args):
        ran.append(index)
        return real(index, *args)

    monkeypatch.setattr(search_fits, "_fit_alone", recording)
    return ran


def _classification(n=120, classes=2, seed=0):
    X, y = make_classification(
        n_samples=n, n_features=8, n_informative=5, n_classes=classes, random_state=seed
    )
    return X, y


def _regression(n=120, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 8))
    y = X[:, 0] - 2 * X[:, 1] + 0.5 * X[:, 2] ** 2 + 0.1 * rng.normal(size=n)
    return X, y


def assert_same_results(ours, theirs):
    """Every key of scikit-learn's cv_results_, the times aside, equal."""
    assert ours.cv_results_.keys() == theirs.cv_results_.keys()
    for key, expected in theirs.cv_results_.items():
        got = ours.cv_results_[key]
        if key.endswith("_time"):
            assert np.all(np.asarray(got) >= 0)
        elif key == "params":
            assert got == expected
        elif key.startswith("param_"):
            assert list(got) == list(expected), key
        elif key.startswith("rank_"):
            np.testing.assert_array_equal(got, expected, err_msg=key)
        else:
            np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9, err_msg=key)
    for name in ("best_index_", "best_score_", "best_params_", "n_splits_"):
        if hasattr(theirs, name):
            assert getattr(ours, name) == getattr(theirs, name), name


def _both(search_class, estimator, grid, X, y, **kwargs):
    fit_params = kwargs.pop("fit_params", {})
    sklearn_class = getattr(sklearn_model_selection, search_class.__name__)
    ours = search_class(estimator, grid, **kwargs).fit(X, y, **fit_params)
    theirs = sklearn_class(estimator, grid, **kwargs).fit(X, y, **fit_params)
    return ours, theirs


# -- every estimator, groups to the splitter and to early stopping's split ---------
def _grouped_case(kind):
    if kind == "classifier":
        X, y = _classification(150, classes=3)
        return MLPClassifier, X, y
    if kind == "regressor":
        X, y = _regression(150)
        return MLPRegressor, X, y
    X, Y = make_multilabel_classification(
        n_samples=150, n_features=8, n_classes=3, random_state=0
    )
    return MultiLabelMLP, X, Y


@pytest.mark.parametrize("kind", ["classifier", "regressor", "multilabel"])
def test_cv_results_equal_scikit_learn_with_groups_routed(kind, alone):
    estimator_class, X, y = _grouped_case(kind)
    groups = np.arange(len(X)) % 15
    with sklearn.config_context(enable_metadata_routing=True):
        mlp = estimator_class(**SMALL, early_stopping=True, n_iter_no_change=3)
        model = make_pipeline(StandardScaler(), mlp.set_fit_request(groups=True))
        name = model.steps[-1][0]
        grid = {
            f"{name}__alpha": [1e-4, 1e-1],
            f"{name}__learning_rate_init": [1e-3, 1e-2],
        }
        ours, theirs = _both(
            GridSearchCV,
            model,
            grid,
            X,
            y,
            cv=GroupKFold(3),
            return_train_score=True,
            fit_params={"groups": groups},
        )
    assert alone == []
    assert_same_results(ours, theirs)
    np.testing.assert_allclose(
        ours.best_estimator_.predict(X), theirs.best_estimator_.predict(X), atol=1e-9
    )


# -- one test per per-member hyper-parameter ---------------------------------------
PER_MEMBER_GRIDS = {
    "alpha": (MLPClassifier, {}, [1e-4, 1e-2, 1.0]),
    "l1_ratio": (MLPClassifier, {"alpha": 0.1}, [0.0, 0.5, 1.0]),
    "learning_rate_init": (MLPClassifier, {}, [1e-3, 1e-2, 3e-2]),
    "beta_1": (MLPClassifier, {}, [0.8, 0.9, 0.95]),
    "beta_2": (MLPClassifier, {}, [0.99, 0.999]),
    "epsilon": (MLPClassifier, {}, [1e-8, 1e-3]),
    "momentum": (MLPClassifier, {"solver": "sgd", "learning_rate_init": 0.05}, [0.5, 0.9]),
    "weight_decay": (MLPClassifier, {"solver": "adamw"}, [0.0, 0.01, 0.3]),
    "class_weight": (MLPClassifier, {}, [None, "balanced", {0: 3.0, 1: 1.0}]),
    "dropout": (
        MLPClassifier,
        {"hidden_layer_sizes": (8, 6), "batch_size": 32},
        [0.0, 0.2, [0.1, 0.0], [0.0, 0.5]],
    ),
    "focal_gamma": (MLPClassifier, {"loss": "focal"}, [0.0, 1.0, 2.0]),
    "focal_alpha": (MLPClassifier, {"loss": "focal"}, [None, 0.25, 0.75]),
    "label_smoothing": (MLPClassifier, {}, [0.0, 0.1, 0.3]),
    "huber_delta": (MLPRegressor, {"loss": "huber"}, [0.1, 1.0, 3.0]),
    "max_iter": (MLPClassifier, {}, [5, 10, 15]),
    "tol": (MLPClassifier, {"max_iter": 60}, [1e-4, 1e-2, 1e-1]),
    "n_iter_no_change": (MLPClassifier, {"max_iter": 60, "tol": 1e-2}, [1, 3, 10]),
    "validation_fraction": (
        MLPClassifier,
        {"early_stopping": True, "n_iter_no_change": 2},
        [0.15, 0.2, 0.3],
    ),
    "random_state": (MLPClassifier, {}, [0, 1, 2]),
    "ensemble_size": (MLPClassifier, {}, [1, 3]),
}


@pytest.mark.parametrize("name", sorted(PER_MEMBER_GRIDS))
def test_per_member_parameter_equals_separate_fits(name, alone):
    estimator_class, settings, values = PER_MEMBER_GRIDS[name]
    X, y = _regression() if estimator_class is MLPRegressor else _classification()
    if name == "class_weight":
        keep = (y == 1) | (np.arange(len(y)) % 3 == 0)  # imbalanced
        X, y = X[keep], y[keep]
    estimator = estimator_class(**{**SMALL, **settings})
    ours, theirs = _both(GridSearchCV, estimator, {name: values}, X, y, cv=3)
    assert alone == []
    assert_same_results(ours, theirs)


def test_float32_candidates_train_in_one_pass(alone):
    X, y = _classification()
    X = X.astype(np.float32)
    estimator = MLPClassifier(**SMALL)
    ours, theirs = _both(GridSearchCV, estimator, {"alpha": [1e-4, 1.0]}, X, y, cv=3)
    assert alone == []
    np.testing.assert_allclose(
        ours.cv_results_["mean_test_score"],
        theirs.cv_results_["mean_test_score"],
        atol=0.02,
    )


# -- what runs as scikit-learn's search runs it -------------------------------------
def test_candidates_that_cannot_share_an_axis_train_alone_in_the_same_pass(
    alone, axis_sizes
):
    X, y = _classification()
    grid = {"solver": ["adam", "lbfgs"], "alpha": [1e-4, 1e-1]}
    ours = GridSearchCV(MLPClassifier(**SMALL), grid, cv=3).fit(X, y)
    assert alone == []
    # adam's 2 candidates x 3 folds on one axis, L-BFGS's 6 fits on axes of one,
    # then the refit of the best
    assert sorted(axis_sizes[:-1]) == [1] * 6 + [6] and axis_sizes[-1] == 1
    theirs = sklearn_model_selection.GridSearchCV(MLPClassifier(**SMALL), grid, cv=3)
    assert_same_results(ours, theirs.fit(X, y))


def test_architectures_are_separate_groups(alone):
    X, y = _classification()
    grid = {"hidden_layer_sizes": [(4,), (8,), (4, 4)], "alpha": [1e-4, 1e-1]}
    ours, theirs = _both(GridSearchCV, MLPClassifier(**SMALL), grid, X, y, cv=3)
    assert alone == []
    assert_same_results(ours, theirs)


def test_failing_candidates_score_error_score_as_in_scikit_learn():
    X, y = _classification()
    grid = {"alpha": [1e-4, -1.0]}
    with pytest.warns(FitFailedWarning):
        ours = GridSearchCV(MLPClassifier(**SMALL), grid, cv=3).fit(X, y)
    assert np.isnan(ours.cv_results_["mean_test_score"][1])
    assert ours.best_params_ == {"alpha": 1e-4}
    with pytest.raises(ValueError, match="alpha"):
        GridSearchCV(MLPClassifier(**SMALL), grid, cv=3, error_score="raise").fit(X, y)


def test_non_skmlp_estimator_is_scikit_learns_search(alone):
    from sklearn.linear_model import LogisticRegression

    X, y = _classification()
    grid = {"C": [0.1, 1.0]}
    ours, theirs = _both(GridSearchCV, LogisticRegression(), grid, X, y, cv=3)
    assert_same_results(ours, theirs)


# -- scikit-learn's search API ------------------------------------------------------
def test_multimetric_refit_callable_and_train_scores(alone):
    X, y = _classification()

    def simplest(results):  # the largest alpha within 0.02 of the best accuracy
        accuracy = results["mean_test_accuracy"]
        good = np.flatnonzero(accuracy >= accuracy.max() - 0.02)
        return int(good[np.argmax(np.asarray(results["param_alpha"])[good])])

    kwargs = dict(
        scoring={"accuracy": "accuracy", "auc": "roc_auc"},
        refit=simplest,
        return_train_score=True,
        cv=StratifiedKFold(3, shuffle=True, random_state=0),
    )
    grid = {"alpha": [1e-4, 1e-2, 1.0]}
    ours, theirs = _both(GridSearchCV, MLPClassifier(**SMALL), grid, X, y, **kwargs)
    assert alone == []
    assert_same_results(ours, theirs)
    assert "train_auc" in "".join(ours.cv_results_)


def test_refit_false_and_multimetric_refit_name(alone):
    X, y = _classification()
    grid = {"alpha": [1e-4, 1.0]}
    scoring = ["accuracy", "neg_log_loss"]
    ours, theirs = _both(
        GridSearchCV, MLPClassifier(**SMALL), grid, X, y, scoring=scoring, refit=False
    )
    assert not hasattr(ours, "best_estimator_")
    assert_same_results(ours, theirs)
    ours, theirs = _both(
        GridSearchCV,
        MLPClassifier(**SMALL),
        grid,
        X,
        y,
        scoring=scoring,
        refit="neg_log_loss",
    )
    assert_same_results(ours, theirs)
    assert alone == []


def test_randomized_search_equals_scikit_learn(alone):
    X, y = _classification()
    space = {"alpha": loguniform(1e-5, 1.0), "learning_rate_init": loguniform(1e-4, 1e-1)}
    model = make_pipeline(StandardScaler(), MLPClassifier(**SMALL))
    space = {f"mlpclassifier__{k}": v for k, v in space.items()}
    ours, theirs = _both(
        RandomizedSearchCV, model, space, X, y, n_iter=6, random_state=0, cv=KFold(4)
    )
    assert alone == []
    assert_same_results(ours, theirs)


def test_sample_weight_reaches_fit_and_scorer(alone):
    X, y = _classification()
    weights = np.random.RandomState(0).uniform(0.5, 2.0, len(y))
    grid = {"alpha": [1e-4, 1.0]}
    ours, theirs = _both(
        GridSearchCV,
        MLPClassifier(**SMALL),
        grid,
        X,
        y,
        cv=3,
        fit_params={"sample_weight": weights},
    )
    assert alone == []
    assert_same_results(ours, theirs)


class CountingScaler(TransformerMixin, BaseEstimator):
    """StandardScaler that counts its fits (class attribute)."""

    fits = 0

    def __init__(self, with_mean=True):
        self.with_mean = with_mean

    def fit(self, X, y=None):
        type(self).fits += 1
        self.scaler_ = StandardScaler(with_mean=self.with_mean).fit(X)
        return self

    def transform(self, X):
        return self.scaler_.transform(X)


def test_preprocessing_is_fitted_once_per_fold_and_setting(alone):
    X, y = _classification()
    model = make_pipeline(CountingScaler(), MLPClassifier(**SMALL))
    grid = {"mlpclassifier__alpha": [1e-4, 1e-2, 1.0], "countingscaler__with_mean": [True]}
    CountingScaler.fits = 0
    ours = GridSearchCV(model, grid, cv=3, refit=False).fit(X, y)
    assert CountingScaler.fits == 3
    grid["countingscaler__with_mean"] = [True, False]
    CountingScaler.fits = 0
    ours, theirs = _both(GridSearchCV, model, grid, X, y, cv=3, refit=False)
    assert CountingScaler.fits == 2 * 3 + 2 * 3 * 3  # ours, then scikit-learn's
    assert_same_results(ours, theirs)
    assert alone == []


def test_n_jobs_spreads_the_groups_with_the_same_results(alone):
    X, y = _classification()
    grid = {"alpha": [1e-4, 1e-2, 1.0], "hidden_layer_sizes": [(4,), (8,)]}
    one = GridSearchCV(MLPClassifier(**SMALL), grid, cv=3).fit(X, y)
    two = GridSearchCV(MLPClassifier(**SMALL), grid, cv=3, n_jobs=2).fit(X, y)
    assert_same_results(two, one)
    # the fits of a slice of a group share its training time: 2 groups of 9
    # fits, cut into slices of 5 and 4, hold 4 candidates' folds whole
    assert np.sum(two.cv_results_["std_fit_time"] < 1e-12) >= 4


def test_verbose_reports_the_search_progress(capsys, monkeypatch):
    monkeypatch.setattr(search_fits._Progress, "EVERY", 0.0)  # a line each epoch
    X, y = _classification()
    grid = {"alpha": [1e-4, 1.0]}
    GridSearchCV(MLPClassifier(**SMALL), grid, cv=3, verbose=3).fit(X, y)
    out = capsys.readouterr().out
    assert "Fitting 3 folds for each of 2 candidates, totalling 6 fits" in out
    assert "[search] 0/6 fits done; epoch 1 of a one-pass group, 6 of its fits" in out
    assert "epoch 15 of a one-pass group" in out
    assert "[search] 6/6 fits done" in out
    assert "best mean test score so far" in out
    assert len(re.findall(r"\[CV 1/3\] END \.+alpha=0\.0001;, score=0\.\d{3}", out)) == 1


def test_candidates_of_a_fold_draw_one_early_stopping_split(monkeypatch, alone):
    X, y = _classification(150)
    groups = np.arange(len(X)) % 15
    from skmlp._estimators import planner

    calls = []
    real = planner.draw_split

    def counting(data, spec, rng):
        calls.append(1)
        return real(data, spec, rng)

    monkeypatch.setattr(planner, "draw_split", counting)
    grid = {"alpha": [1e-4, 1e-2, 1.0], "random_state": [0, 1]}
    mlp = MLPClassifier(**{**SMALL, "early_stopping": True, "n_iter_no_change": 3})
    with sklearn.config_context(enable_metadata_routing=True):
        mlp.set_fit_request(groups=True)
        ours = GridSearchCV(mlp, grid, cv=GroupKFold(3), refit=False)
        ours.fit(X, y, groups=groups)
        assert len(calls) == 3 * 2  # one per fold and random_state
        theirs = sklearn_model_selection.GridSearchCV(
            mlp, grid, cv=GroupKFold(3), refit=False
        ).fit(X, y, groups=groups)
    assert alone == []
    assert_same_results(ours, theirs)


def test_networks_too_large_for_an_axis_train_alone_in_the_same_pass(alone, axis_sizes):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 400))  # 400 x 100 weights: more than 32768 a network
    y = (X[:, 0] > 0).astype(int)
    estimator = MLPClassifier(hidden_layer_sizes=(100,), max_iter=5, random_state=0)
    grid = {"alpha": [1e-4, 1.0]}
    ours = GridSearchCV(estimator, grid, cv=3, refit=False).fit(X, y)
    assert alone == [] and axis_sizes == [1] * 6
    theirs = sklearn_model_selection.GridSearchCV(estimator, grid, cv=3, refit=False)
    assert_same_results(ours, theirs.fit(X, y))


# -- candidates share a fold's preprocessing only when it is the same ----------------
def _gene_panel_case():
    rng = np.random.RandomState(0)
    X = rng.randn(120, 1500)
    y = (X[:, 700] > 0).astype(int)
    return X, y


def _panel_search(X, y, panels):
    from sklearn.compose import ColumnTransformer

    first = ColumnTransformer([("g", "passthrough", panels[0])])
    mlp = MLPClassifier(
        hidden_layer_sizes=(8,), learning_rate_init=0.05, max_iter=20, random_state=0
    )
    grid = {"columntransformer__transformers": [[("g", "passthrough", p)] for p in panels]}
    return _both(GridSearchCV, make_pipeline(first, mlp), grid, X, y, cv=3)


def test_gene_panels_as_long_boolean_masks_are_told_apart(alone):
    """NumPy abbreviates the repr of arrays over 1000 elements: two masks of
    1500 genes print alike but select different genes."""
    X, y = _gene_panel_case()
    a, b = np.zeros(1500, bool), np.zeros(1500, bool)
    a[695:705], b[800:810] = True, True
    assert repr(a) == repr(b)  # what made them collide
    ours, theirs = _panel_search(X, y, [a, b])
    assert_same_results(ours, theirs)
    scores = ours.cv_results_["mean_test_score"]
    assert scores[0] > scores[1] + 0.2  # the panel with gene 700 predicts
    assert alone == []


def test_gene_panels_as_long_pandas_indexes_are_told_apart(alone):
    """pandas abbreviates an Index over 100 items: panels of 120 gene names
    with one name swapped print alike."""
    pd = pytest.importorskip("pandas")
    X, y = _gene_panel_case()
    X = pd.DataFrame(X, columns=[f"g{j}" for j in range(1500)])
    a = pd.Index([f"g{j}" for j in range(640, 760)])
    b = pd.Index([f"g{j}" if j != 700 else "g1400" for j in range(640, 760)])
    assert repr(a) == repr(b)
    ours, theirs = _panel_search(X, y, [a, b])
    assert_same_results(ours, theirs)
    scores = ours.cv_results_["mean_test_score"]
    assert scores[0] != scores[1]
    assert alone == []


def test_content_key_compares_by_value():
    from sklearn.preprocessing import MinMaxScaler

    from skmlp._estimators.content import content_key as key

    a, b = np.zeros(2000), np.zeros(2000)
    b[1234] = 1
    assert key(a) != key(b) and key(a) == key(a.copy())
    assert key([("s", MinMaxScaler((0, 2)), [1, 2])]) == key(
        [("s", MinMaxScaler((0, 2)), [1, 2])]
    )
    assert key(MinMaxScaler((0, 2))) != key(MinMaxScaler((0, 3)))
    assert key({"a": slice(0, 3)}) != key({"a": slice(0, 4)})
    assert key(np.array(["x", None], dtype=object)) != key(
        np.array(["y", None], dtype=object)
    )
    opaque = object()
    assert key(opaque) == key(opaque) and key(opaque) != key(object())


def test_unpenalised_candidates_train_in_one_pass(alone):
    X, y = _classification()
    grid = {"alpha": [0.0], "learning_rate_init": [1e-3, 1e-2]}
    ours, theirs = _both(GridSearchCV, MLPClassifier(**SMALL), grid, X, y, cv=3)
    assert alone == []
    assert_same_results(ours, theirs)


def test_a_candidate_that_cannot_fit_fails_alone_and_its_group_trains_in_one_pass(
    alone, axis_sizes
):
    """A class_weight naming a class y does not have fails that candidate's
    fits only (reported as scikit-learn reports them); the other candidates
    still train in one pass."""
    X, y = _classification()
    grid = {"class_weight": [None, {0: 1, 1: 2}, {0: 1, 5: 3}]}
    with pytest.warns(FitFailedWarning):
        ours = GridSearchCV(MLPClassifier(**SMALL), grid, cv=3, refit=False).fit(X, y)
    assert alone == [] and axis_sizes == [6]
    theirs = sklearn_model_selection.GridSearchCV(MLPClassifier(**SMALL), grid, cv=3)
    with pytest.warns(FitFailedWarning):
        assert_same_results(ours, theirs.set_params(refit=False).fit(X, y))
    assert np.isnan(ours.cv_results_["mean_test_score"][2])


def test_a_diverging_candidate_trains_in_the_one_pass_and_leaves_its_neighbours_alone(
    alone, axis_sizes
):
    """A learning rate that diverges stops its own networks (each restored to
    its last safe point, as its fit alone is) while the other candidates of
    the axis go on: the whole search runs in one pass and equals scikit-learn's
    search over the same estimator, fit by fit."""
    X, y = _regression()
    estimator = MLPRegressor(hidden_layer_sizes=(8,), max_iter=15, random_state=0)
    grid = {"learning_rate_init": [1e-3, 1e-2, 1e6], "solver": ["sgd"], "momentum": [0.9]}
    with pytest.warns(sklearn.exceptions.ConvergenceWarning, match="diverged"):
        ours = GridSearchCV(estimator, grid, cv=3, refit=False).fit(X, y)
    assert alone == [] and axis_sizes == [9]
    theirs = sklearn_model_selection.GridSearchCV(estimator, grid, cv=3, refit=False)
    with pytest.warns(sklearn.exceptions.ConvergenceWarning, match="diverged"):
        assert_same_results(ours, theirs.fit(X, y))
    scores = ours.cv_results_["mean_test_score"]
    assert np.isfinite(scores[:2]).all() and scores[1] > 0.3  # the neighbours learned
