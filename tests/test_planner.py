"""The planner: prepared data + the members' parameters as vectors -> plans
(skmlp/_estimators/planner.py), and plan, train, publish written once."""

import dataclasses
import pickle
import warnings
from itertools import product

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression

from skmlp import MLPClassifier, MLPRegressor
from skmlp._estimators import planner
from skmlp._estimators.base import LEARNED
from skmlp._estimators.planner import Members, PendingFit, plan_members, train_and_publish
from skmlp._estimators.scoring import OutputScore

PARAMS = dict(hidden_layer_sizes=(6,), max_iter=12, early_stopping=True, n_iter_no_change=3)


def _regression():
    X, y = make_regression(n_samples=120, n_features=4, noise=5.0, random_state=0)
    return X / 3, y / 50


def _quiet(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return function(*args, **kwargs)


def test_alphas_and_seeds_as_vectors_train_as_their_separate_fits():
    """One estimator prepares the data once and plans alphas x seeds
    (alpha-major); each trained network, made an estimator of its own,
    equals the separate fit of its alpha and seed."""
    X, y = _regression()
    alphas, seeds = np.array([1e-4, 1.0]), np.array([3, 4])
    facade = MLPRegressor(**PARAMS)
    plans, taught = facade._plan_networks(dict(X=X, y=y), alphas, seeds)
    assert [p.alpha for p in plans] == [1e-4, 1e-4, 1.0, 1.0]
    results = []
    _quiet(train_and_publish, [PendingFit(plans, results.extend)])
    for (alpha, seed), result in zip(product(alphas, seeds), results):
        alone = _quiet(MLPRegressor(**PARAMS, alpha=alpha, random_state=seed).fit, X, y)
        fitted = facade._fitted_copy(
            result, taught, alpha=float(alpha), random_state=int(seed)
        )
        assert fitted.alpha == alpha and fitted.n_iter_ == alone.n_iter_
        np.testing.assert_allclose(fitted.loss_curve_, alone.loss_curve_, rtol=1e-10)
        np.testing.assert_allclose(fitted.predict(X), alone.predict(X), rtol=1e-9)
    assert "_network" not in vars(facade)  # the facade itself holds no model


def test_one_estimator_plans_rows_of_different_folds():
    """A CV estimator plans every inner fold with one estimator: each fold's
    trained network, made an estimator with what that fold's rows taught
    (classes, class weights, input median), equals the separate fit on those
    rows, even though the planner prepared other rows after them."""
    X, y = make_classification(
        n_samples=150, n_classes=3, n_informative=4, weights=[0.6, 0.3, 0.1], random_state=0
    )
    params = dict(PARAMS, class_weight="balanced", random_state=5)
    folds = [np.arange(150) < 100, np.arange(150) >= 50]
    y_first = np.where(y[folds[0]] == 2, 1, y[folds[0]])  # a fold without class 2
    rows = [(X[folds[0]], y_first), (X[folds[1]], y[folds[1]])]
    facade = MLPClassifier(**params)
    planned = [facade._plan_networks(dict(X=Xf, y=yf), [1e-3], [5]) for Xf, yf in rows]
    # all that planning teaches is what is handed back: nothing of the last
    # fold's rows stays in a fitted copy unaccounted for
    taught_here = set(vars(facade)) - set(vars(MLPClassifier(**params)))
    assert taught_here == set(planned[-1][1]) and taught_here <= set(LEARNED)
    results = []
    _quiet(train_and_publish, [PendingFit(p, results.extend) for p, _ in planned])
    for (Xf, yf), (_, taught), result in zip(rows, planned, results):
        alone = _quiet(MLPClassifier(**params, alpha=1e-3).fit, Xf, yf)
        fitted = facade._fitted_copy(result, taught, alpha=1e-3, random_state=5)
        np.testing.assert_array_equal(fitted.classes_, alone.classes_)
        np.testing.assert_allclose(fitted._input_median, alone._input_median)
        np.testing.assert_allclose(fitted.loss_curve_, alone.loss_curve_, rtol=1e-10)
        np.testing.assert_allclose(
            fitted.predict_proba(X), alone.predict_proba(X), rtol=1e-9
        )


def test_members_with_equal_seeds_draw_one_split_when_the_data_share_them(monkeypatch):
    """With ``Prepared.splits`` a dict, members whose generators are in the
    same state draw early stopping's split once and get the same rows."""
    X, y = _regression()
    facade = MLPRegressor(**PARAMS)
    data = facade._prepare(X, y, None, True, False, None)
    layer_units = [X.shape[1], 6, 1]
    spec = facade._spec(layer_units, data.loss, False)
    calls = []
    real = planner.draw_split

    def counting(*args):
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(planner, "draw_split", counting)
    members = Members([1e-4, 1e-2, 1.0], [7, 7, 8])
    shared = plan_members(dataclasses.replace(data, splits={}), spec, members)
    assert len(calls) == 2
    np.testing.assert_array_equal(shared[0].rows.rows, shared[1].rows.rows)
    alone = plan_members(data, spec, members)
    assert len(calls) == 5
    for ours, theirs in zip(shared, alone):
        np.testing.assert_array_equal(ours.rows.rows, theirs.rows.rows)
        assert ours.rng.get_state()[2] == theirs.rng.get_state()[2]


def test_continued_members_are_checked_against_the_spec():
    X, y = _regression()
    model = _quiet(MLPRegressor(**PARAMS, random_state=0).fit, X, y)
    data = model._prepare(X, y, None, False, False, None)
    spec = model._spec([X.shape[1], 7, 1], data.loss, False)
    fitted = planner.Fitted(model._network, model._state)
    with pytest.raises(ValueError, match="Cannot continue training"):
        plan_members(data, spec, Members([0.1], [0], [fitted]))


def test_the_validation_score_is_plain_data():
    """``scoring=None``: the per-epoch score is an :class:`OutputScore` of the
    loss's link, the heads, the prediction and the metric -- it pickles, and
    a shared-weight ensemble's heads are averaged before scoring."""
    X, y = make_classification(n_samples=100, n_features=4, random_state=0)
    model = MLPClassifier(**PARAMS, ensemble_size=2, ensemble_kind="shared")
    plan = model._plan_fit(X, y).plans[0]
    score = plan.validation.score
    assert isinstance(score, OutputScore) and score.heads == 2
    restored = pickle.loads(pickle.dumps(score))
    raw = np.random.RandomState(0).normal(size=(2 * len(score.y), 1))
    assert restored(raw.copy()) == score(raw.copy())
    mean = (1 / (1 + np.exp(-raw))).reshape(2, -1).mean(axis=0)
    expected = np.mean((mean > 0.5).astype(int) == score.y)
    assert score(raw.copy()) == pytest.approx(expected)


def test_lbfgs_scores_a_given_validation_set_once_at_its_solution():
    """L-BFGS has no epochs to monitor: a validation set given is scored once,
    at the solution (it was ignored), by the estimator's score."""
    from sklearn.metrics import r2_score

    X, y = make_regression(n_samples=120, n_features=4, noise=3.0, random_state=0)
    model = MLPRegressor(hidden_layer_sizes=(5,), solver="lbfgs", random_state=0)
    model.fit(X[:80], y[:80], X_val=X[80:], y_val=y[80:])
    assert len(model.validation_scores_) == 1
    assert model.best_validation_score_ == pytest.approx(
        r2_score(y[80:], model.predict(X[80:])), rel=1e-9
    )
    assert model.best_epoch_ == model.n_iter_
    alone = MLPRegressor(hidden_layer_sizes=(5,), solver="lbfgs", random_state=0)
    np.testing.assert_array_equal(alone.fit(X[:80], y[:80]).coefs_[0], model.coefs_[0])
    assert alone.validation_scores_ is None
