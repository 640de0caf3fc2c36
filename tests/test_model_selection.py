"""One-pass cross-validation equals scikit-learn's, fold by fold.

The central property of skmlp.model_selection: the same estimator and
splitter give, fold by fold, the scores of scikit-learn's cross_validate
(float64: within 1e-9) and the same fitted weights (within 1e-7), while the
folds' networks train together. Each test also proves that the one pass ran
(scikit-learn's function is not called), or that the fallback did.
"""

import numpy as np
import pytest
from sklearn.exceptions import FitFailedWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (
    GroupKFold,
    KFold,
    LeaveOneOut,
    StratifiedGroupKFold,
)
from sklearn.model_selection._validation import (
    cross_val_predict,
    cross_val_score,
    cross_validate,
)
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

import skmlp.model_selection._cross_validation as one_pass_module
from skmlp import MLPClassifier, MLPRegressor, MultiLabelMLP
from skmlp import model_selection as ms


@pytest.fixture
def no_fallback(monkeypatch):
    """scikit-learn's functions must not run: the one pass did the work."""

    def refuse(*args, **kwargs):
        raise AssertionError("fell back to scikit-learn's loop")

    for name in ("cross_validate", "cross_val_predict"):
        monkeypatch.setattr(one_pass_module.sklearn_model_selection, name, refuse)


@pytest.fixture
def fallback_calls(monkeypatch):
    calls = []
    original = one_pass_module.sklearn_model_selection.cross_validate

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(one_pass_module.sklearn_model_selection, "cross_validate", counting)
    return calls


def _data(kind, n=90, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 5)) * [1, 10, 0.1, 1, 3]
    signal = X[:, 0] + 0.1 * X[:, 1] - 5 * X[:, 2]
    if kind == "classifier":
        y = np.digitize(signal + 0.5 * rng.normal(size=n), [-1, 1])
    elif kind == "regressor":
        y = signal + 0.3 * rng.normal(size=n)
    else:
        y = np.column_stack([signal > 0, X[:, 3] > 0, signal + X[:, 4] > 1]).astype(int)
    groups = np.arange(n) % 15
    return X, y, groups


ESTIMATORS = {
    "classifier": MLPClassifier,
    "regressor": MLPRegressor,
    "multilabel": MultiLabelMLP,
}


def _reference_unpatched(estimator, X, y, **kwargs):
    """scikit-learn's cross_validate (its own module's function: the fixtures
    patch only the name in sklearn.model_selection), with the estimators."""
    return cross_validate(estimator, X, y, return_estimator=True, **kwargs)


def _assert_same(ours, theirs):
    assert sorted(ours) == sorted(theirs)
    for key in ours:
        if key.startswith(("test_", "train_")):
            np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-9, atol=1e-12)
    for a, b in zip(ours["estimator"], theirs["estimator"]):
        a, b = (e[-1] if isinstance(e, Pipeline) else e for e in (a, b))
        assert a.n_iter_ == b.n_iter_ and a.best_epoch_ == b.best_epoch_
        np.testing.assert_allclose(a.loss_curve_, b.loss_curve_, rtol=1e-9)
        for wa, wb in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
            np.testing.assert_allclose(wa, wb, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("kind", sorted(ESTIMATORS))
@pytest.mark.parametrize("early_stopping", [False, True])
def test_cross_validate_equals_scikit_learns_fold_by_fold(
    kind, early_stopping, no_fallback
):
    X, y, _ = _data(kind, n=150)
    estimator = make_pipeline(
        StandardScaler(),
        ESTIMATORS[kind](
            hidden_layer_sizes=(8,),
            max_iter=40,
            batch_size=32,
            early_stopping=early_stopping,
            n_iter_no_change=3,
            random_state=0,
        ),
    )
    kwargs = dict(cv=KFold(4, shuffle=True, random_state=1), return_train_score=True)
    ours = ms.cross_validate(estimator, X, y, return_estimator=True, **kwargs)
    theirs = _reference_unpatched(estimator, X, y, **kwargs)
    _assert_same(ours, theirs)
    # the folds' sizes differ (150 rows in 4 folds): padded batches were used
    assert len({len(tr) for tr, _ in KFold(4).split(X)}) > 1


@pytest.mark.parametrize("splitter", [GroupKFold(3), StratifiedGroupKFold(3)])
def test_groups_reach_the_splitter_and_early_stoppings_split(splitter, no_fallback):
    """groups= goes to the splitter, params={'groups': ...} to fit, where
    early stopping holds out whole groups of each fold's training rows."""
    X, y, groups = _data("classifier", n=150)
    estimator = MLPClassifier(
        hidden_layer_sizes=(8,),
        early_stopping=True,
        validation_fraction=0.25,
        n_iter_no_change=3,
        max_iter=60,
        random_state=0,
    )
    kwargs = dict(groups=groups, cv=splitter, params={"groups": groups})
    ours = ms.cross_validate(estimator, X, y, return_estimator=True, **kwargs)
    theirs = _reference_unpatched(estimator, X, y, **kwargs)
    _assert_same(ours, theirs)
    assert all(e.best_epoch_ is not None for e in ours["estimator"])


def test_pipeline_fit_params_and_multimetric_scoring(no_fallback):
    X, y, groups = _data("regressor", n=120)
    sample_weight = np.random.RandomState(3).uniform(0.2, 2.0, size=len(y))
    estimator = make_pipeline(
        StandardScaler(),
        MLPRegressor(
            hidden_layer_sizes=(6,), max_iter=30, early_stopping=True, random_state=2
        ),
    )
    params = {
        "standardscaler__sample_weight": sample_weight,
        "mlpregressor__sample_weight": sample_weight,
        "mlpregressor__groups": groups,
    }
    kwargs = dict(
        cv=3,
        params=params,
        scoring=["r2", "neg_mean_absolute_error"],
        return_train_score=True,
        return_indices=True,
    )
    ours = ms.cross_validate(estimator, X, y, return_estimator=True, **kwargs)
    theirs = _reference_unpatched(estimator, X, y, **kwargs)
    ours_indices, theirs_indices = ours.pop("indices"), theirs.pop("indices")
    _assert_same(ours, theirs)
    for a, b in zip(ours_indices["test"], theirs_indices["test"]):
        np.testing.assert_array_equal(a, b)


def test_cross_val_score_and_predict_equal_scikit_learns(no_fallback):
    X, y, _ = _data("classifier", n=120)
    estimator = make_pipeline(
        StandardScaler(),
        MLPClassifier(hidden_layer_sizes=(8,), max_iter=30, random_state=0),
    )
    np.testing.assert_allclose(
        ms.cross_val_score(estimator, X, y, cv=4, scoring="neg_log_loss"),
        cross_val_score(estimator, X, y, cv=4, scoring="neg_log_loss"),
        rtol=1e-9,
    )
    for method in ("predict", "predict_proba", "predict_log_proba"):
        np.testing.assert_allclose(
            ms.cross_val_predict(estimator, X, y, cv=4, method=method),
            cross_val_predict(estimator, X, y, cv=4, method=method),
            rtol=1e-9,
            atol=1e-12,
        )


def test_leave_one_out_runs_every_fold_in_one_pass(no_fallback):
    X, y, _ = _data("classifier", n=30)
    estimator = MLPClassifier(hidden_layer_sizes=(4,), max_iter=20, random_state=0)
    ours = ms.cross_validate(estimator, X, y, cv=LeaveOneOut(), return_estimator=True)
    theirs = _reference_unpatched(estimator, X, y, cv=LeaveOneOut())
    _assert_same(ours, theirs)


@pytest.mark.parametrize(
    "estimator",
    [
        MLPClassifier(solver="lbfgs", max_iter=20, random_state=0),
        MLPClassifier(batch_norm=True, max_iter=5, random_state=0),
        MLPClassifier(solver="sgd", learning_rate="adaptive", max_iter=5, random_state=0),
        MLPClassifier(ensemble_size=2, solver="lbfgs", max_iter=5, random_state=0),
    ],
    ids=["lbfgs", "batch_norm", "adaptive", "lbfgs-ensemble"],
)
def test_every_skmlp_estimator_runs_in_one_pass_with_scikit_learns_results(
    estimator, no_fallback
):
    """What cannot share a model axis (L-BFGS's line search) trains on axes of
    one in the same pass; batch norm and the adaptive learning rate share
    one. Nothing falls back, and the results are scikit-learn's."""
    X, y, _ = _data("classifier", n=60)
    ours = ms.cross_validate(estimator, X, y, cv=3, return_estimator=True)
    theirs = _reference_unpatched(estimator, X, y, cv=3)
    np.testing.assert_allclose(ours["test_score"], theirs["test_score"], rtol=1e-12)


def test_another_estimator_runs_scikit_learns_function(fallback_calls):
    estimator = make_pipeline(StandardScaler(), LogisticRegression())
    X, y, _ = _data("classifier", n=60)
    ours = ms.cross_validate(estimator, X, y, cv=3)
    theirs = _reference_unpatched(estimator, X, y, cv=3)
    assert fallback_calls == [1]
    np.testing.assert_allclose(ours["test_score"], theirs["test_score"], rtol=1e-12)


def test_a_scorer_that_fails_gives_error_score_as_scikit_learn_does(no_fallback):
    X, y, _ = _data("classifier", n=60)

    def broken(estimator, X, y):
        raise RuntimeError("no score")

    estimator = MLPClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0)
    with pytest.warns(UserWarning, match="Scoring failed"):
        result = ms.cross_validate(estimator, X, y, cv=3, scoring=broken, error_score=-1)
    np.testing.assert_array_equal(result["test_score"], [-1, -1, -1])


def test_a_fit_error_is_reported_as_scikit_learn_reports_it(no_fallback):
    """A fold whose fit fails is that fold's failure, reported as
    scikit-learn reports it (error_score, or raise); the others train in one
    pass."""
    X, y, _ = _data("classifier", n=60)
    estimator = MLPClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0)
    bad = np.ones(len(y))
    bad[0] = -1.0  # refused by the fit of the two folds that train on row 0
    with pytest.raises(ValueError, match="Negative values"):
        ms.cross_validate(
            estimator, X, y, cv=3, params={"sample_weight": bad}, error_score="raise"
        )
    with pytest.warns(FitFailedWarning):
        result = ms.cross_validate(estimator, X, y, cv=3, params={"sample_weight": bad})
    assert np.isnan(result["test_score"]).sum() == 2


@pytest.mark.parametrize(
    "estimator",
    [
        MLPClassifier(alpha=-1.0, max_iter=5),
        make_pipeline(StandardScaler(with_mean="yes"), MLPClassifier(max_iter=5)),
    ],
    ids=["skmlp step", "preprocessing step"],
)
def test_invalid_parameters_fail_every_fold_as_in_scikit_learn(estimator, no_fallback):
    """A parameter refused by ``fit`` is refused before anything trains: the
    one pass raises scikit-learn's error, or fails every fold as its
    ``cross_validate`` does, not train with it."""
    X, y, _ = _data("classifier", n=60)
    with pytest.raises(InvalidParameterError):
        ms.cross_validate(estimator, X, y, cv=3, error_score="raise")
    with pytest.raises(ValueError, match="All the 3 fits failed"):
        ms.cross_validate(estimator, X, y, cv=3)


def test_real_data_parkinsons_grouped_by_patient(shared_data, no_fallback):
    """Parkinson's telemonitoring, GroupKFold by patient, early stopping that
    holds out whole patients: equal to scikit-learn's fold by fold."""
    import pandas as pd

    frame = pd.read_csv(shared_data / "parkinsons" / "parkinsons_updrs.data", sep="\t")
    patients = frame.pop("subject#").to_numpy()
    keep = np.isin(patients, np.unique(patients)[:12])  # small data, same shape
    y = frame.pop("total_UPDRS").to_numpy()[keep]
    X = frame.drop(columns=["motor_UPDRS"]).to_numpy(float)[keep]
    patients = patients[keep]
    estimator = make_pipeline(
        StandardScaler(),
        MLPRegressor(
            hidden_layer_sizes=(16,), early_stopping=True, max_iter=30, random_state=0
        ),
    )
    kwargs = dict(
        groups=patients, cv=GroupKFold(4), params={"mlpregressor__groups": patients}
    )
    ours = ms.cross_validate(estimator, X, y, return_estimator=True, **kwargs)
    theirs = _reference_unpatched(estimator, X, y, **kwargs)
    _assert_same(ours, theirs)


def test_folds_whose_networks_are_large_train_one_after_the_other(
    monkeypatch, no_fallback, axis_sizes
):
    """Large networks gain nothing from one pass (their step is all products
    and elementwise work): the folds train on axes of one, in the same pass."""
    import skmlp.model_axis.scheduler as scheduler

    X, y, _ = _data("classifier", n=60)
    estimator = MLPClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0)
    monkeypatch.setattr(scheduler, "MAX_MEMBER_PARAMETERS", 10)
    ours = ms.cross_validate(estimator, X, y, cv=3)
    assert axis_sizes == [1, 1, 1]
    theirs = _reference_unpatched(estimator, X, y, cv=3)
    np.testing.assert_allclose(ours["test_score"], theirs["test_score"], rtol=1e-12)


def test_splits_given_as_an_iterator_are_read_once(no_fallback):
    X, y, _ = _data("classifier", n=60)
    estimator = MLPClassifier(solver="lbfgs", max_iter=10, random_state=0)
    splits = KFold(3).split(X)  # a generator: read once
    ours = ms.cross_validate(estimator, X, y, cv=splits)
    theirs = _reference_unpatched(estimator, X, y, cv=KFold(3))
    np.testing.assert_allclose(ours["test_score"], theirs["test_score"], rtol=1e-12)


def test_splits_given_as_an_iterator_reach_the_fallback_too(fallback_calls):
    X, y, _ = _data("classifier", n=60)
    estimator = LogisticRegression()
    splits = KFold(3).split(X)
    ours = ms.cross_validate(estimator, X, y, cv=splits)
    theirs = _reference_unpatched(estimator, X, y, cv=KFold(3))
    assert fallback_calls == [1]
    np.testing.assert_allclose(ours["test_score"], theirs["test_score"], rtol=1e-12)


def test_ensembles_members_in_every_fold_share_the_one_pass(no_fallback):
    """An ensemble's members of every fold train together; each fold's ensemble
    equals scikit-learn's fit of it, member by member."""
    X, y, groups = _data("classifier", n=120)
    estimator = make_pipeline(
        StandardScaler(),
        MLPClassifier(
            hidden_layer_sizes=(6,),
            ensemble_size=3,
            early_stopping=True,
            n_iter_no_change=3,
            max_iter=40,
            random_state=4,
        ),
    )
    kwargs = dict(cv=3, scoring="neg_log_loss", return_train_score=True)
    ours = ms.cross_validate(estimator, X, y, return_estimator=True, **kwargs)
    theirs = _reference_unpatched(estimator, X, y, **kwargs)
    for key in ("test_score", "train_score"):
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-9)
    for a, b in zip(ours["estimator"], theirs["estimator"]):
        assert len(a[-1].estimators_) == 3
        for member_a, member_b in zip(a[-1].estimators_, b[-1].estimators_):
            assert member_a.n_iter_ == member_b.n_iter_
            np.testing.assert_allclose(member_a.coefs_[0], member_b.coefs_[0], rtol=1e-7)


def test_unpenalised_folds_train_in_one_pass(no_fallback):
    X, y, _ = _data("classifier", n=90)
    estimator = MLPClassifier(
        hidden_layer_sizes=(6,), alpha=0.0, max_iter=15, random_state=0
    )
    ours = ms.cross_validate(estimator, X, y, cv=3, return_estimator=True)
    _assert_same(ours, _reference_unpatched(estimator, X, y, cv=3))
    np.testing.assert_allclose(
        ms.cross_val_score(estimator, X, y, cv=3), cross_val_score(estimator, X, y, cv=3)
    )


def test_a_scorer_that_raises_raises_after_one_training(no_fallback, axis_sizes):
    """error_score='raise': the scorer's error is raised as scikit-learn raises
    it, without training every fold again through scikit-learn's loop."""
    X, y, _ = _data("classifier", n=60)

    def broken(estimator, X, y):
        raise RuntimeError("no score")

    estimator = MLPClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0)
    with pytest.raises(RuntimeError, match="no score"):
        ms.cross_validate(estimator, X, y, cv=3, scoring=broken, error_score="raise")
    assert axis_sizes == [3]
