"""Newton's method for linear networks: the penalised optimum, reached exactly."""

import dataclasses

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.linear_model import LogisticRegression, PoissonRegressor, Ridge
from sklearn.preprocessing import StandardScaler

from skmlp import MLPClassifier, MLPRegressor, MLPRegressorCV
from skmlp.model_axis import scheduler
from skmlp.nn.losses import get_loss
from skmlp.nn.objective import Objective
from skmlp.training.newton import fit_newton, newton_applies
from skmlp.training.trainer import Status


def _table(loader):
    X, y = loader(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _solve(estimator, X, y, alpha, solver="newton", sample_weight=None):
    """One network of ``estimator`` at ``alpha``, trained by ``solver``."""
    plans, _ = estimator._plan_networks(
        dict(X=X, y=y, sample_weight=sample_weight), [alpha], [0]
    )
    plans[0].config = dataclasses.replace(plans[0].config, solver=solver)
    return scheduler.train(plans)[0]


def _weights(rng, n):
    return rng.uniform(0.2, 3.0, n)


@pytest.mark.parametrize("alpha", [1e-3, 1.0, 10.0])
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_logistic_optimum_is_logistic_regressions(alpha, weighted):
    X, y = _table(load_breast_cancer)
    sw = _weights(np.random.RandomState(0), len(y)) if weighted else None
    linear = MLPClassifier(hidden_layer_sizes=(), solver="lbfgs")
    result = _solve(linear, X, y, alpha, sample_weight=sw)
    # sum w l / T + alpha / (2 T) ||W||^2 is C = 1 / alpha's objective over T
    reference = LogisticRegression(C=1 / alpha, solver="newton-cholesky", tol=1e-12)
    reference.fit(X, y, sample_weight=sw)
    assert result.outcome.status is Status.CONVERGED
    assert result.outcome.n_iter < 30
    np.testing.assert_allclose(result.network.coefs[0][:, 0], reference.coef_[0], atol=2e-5)
    np.testing.assert_allclose(
        result.network.intercepts[0], reference.intercept_, atol=2e-5
    )


@pytest.mark.parametrize("alpha", [1e-2, 1.0])
def test_multinomial_optimum_is_logistic_regressions(alpha):
    X, y = _table(load_iris)
    result = _solve(MLPClassifier(hidden_layer_sizes=(), solver="lbfgs"), X, y, alpha)
    reference = LogisticRegression(C=1 / alpha, tol=1e-12, max_iter=100_000).fit(X, y)
    W, b = result.network.coefs[0], result.network.intercepts[0]
    assert result.outcome.status is Status.CONVERGED
    # the softmax is unchanged by equal shifts of the logits: compare centred
    np.testing.assert_allclose(W, reference.coef_.T, atol=2e-5)
    np.testing.assert_allclose(
        b - b.mean(), reference.intercept_ - reference.intercept_.mean(), atol=2e-5
    )


@pytest.mark.parametrize("alpha", [1e-3, 10.0])
def test_ridge_is_solved_in_one_step(alpha):
    X, y = _table(load_diabetes)
    y = (y - y.mean()) / y.std()
    sw = _weights(np.random.RandomState(1), len(y))
    result = _solve(
        MLPRegressor(hidden_layer_sizes=(), solver="lbfgs"), X, y, alpha, sample_weight=sw
    )
    reference = Ridge(alpha=alpha).fit(X, y, sample_weight=sw)
    assert result.outcome.n_iter == 1
    np.testing.assert_allclose(result.network.coefs[0][:, 0], reference.coef_, atol=1e-10)


def test_poisson_optimum_is_poisson_regressors():
    rng = np.random.RandomState(2)
    X = rng.normal(size=(200, 4))
    y = rng.poisson(np.exp(0.3 * X[:, 0] - 0.2 * X[:, 1] + 0.5)).astype(float)
    sw = _weights(rng, len(y))
    alpha = 0.5
    result = _solve(
        MLPRegressor(hidden_layer_sizes=(), solver="lbfgs", loss="poisson"),
        X,
        y,
        alpha,
        sample_weight=sw,
    )
    # scikit-learn's penalty is alpha / 2 ||w||^2 on the weighted mean loss
    reference = PoissonRegressor(alpha=alpha / sw.sum(), tol=1e-12, max_iter=10_000)
    reference.fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(result.network.coefs[0][:, 0], reference.coef_, atol=1e-6)


@pytest.mark.parametrize("loss", ["huber", "log_cosh"])
def test_newton_stops_at_a_zero_gradient_where_lbfgs_stops_near_it(loss):
    """Losses scikit-learn has no linear model of: Newton's iterate is the
    optimum (a gradient of rounding size), L-BFGS's a point near it."""
    X, y = _table(load_diabetes)
    y = (y - y.mean()) / y.std()
    linear = MLPRegressor(hidden_layer_sizes=(), solver="lbfgs", loss=loss, tol=1e-12)
    by_newton = _solve(linear, X, y, 0.1)
    by_lbfgs = _solve(linear, X, y, 0.1, solver="lbfgs")
    assert by_newton.outcome.status is Status.CONVERGED
    assert by_newton.outcome.n_iter < by_lbfgs.outcome.n_iter
    assert _gradient(by_newton.network, get_loss(loss), X, y, 0.1) < 1e-12
    assert _gradient(by_lbfgs.network, get_loss(loss), X, y, 0.1) > 1e-9
    np.testing.assert_allclose(
        by_newton.network.coefs[0], by_lbfgs.network.coefs[0], atol=1e-4
    )


def _gradient(network, loss, X, y, alpha):
    """The largest entry of the full-batch objective's gradient at ``network``."""
    Objective(network, loss, alpha)(X, y.reshape(-1, 1))
    return np.abs(network.grad).max()


def test_a_weight_is_a_repeated_row():
    """At the exact optimum, a weight of 3 and three copies of the row give
    the same model (scikit-learn's sample-weight equivalence, to 1e-10)."""
    X, y = _table(load_breast_cancer)
    weights = np.ones(len(y))
    weights[:40] = 3
    repeated = np.repeat(np.arange(len(y)), weights.astype(int))
    linear = MLPClassifier(hidden_layer_sizes=(), solver="lbfgs")
    weighted = _solve(linear, X, y, 1e-2, sample_weight=weights)
    copies = _solve(linear, X[repeated], y[repeated], 1e-2)
    np.testing.assert_allclose(
        weighted.network.theta, copies.network.theta, rtol=1e-10, atol=1e-10
    )


def test_running_out_of_iterations_is_a_failure_that_says_so():
    X, y = _table(load_breast_cancer)
    result = _solve(
        MLPClassifier(hidden_layer_sizes=(), solver="lbfgs", max_iter=1), X, y, 1e-3
    )
    assert result.outcome.status is Status.FAILED
    assert "max_iter reached" in result.outcome.message


def test_every_iteration_is_recorded():
    X, y = _table(load_breast_cancer)
    result = _solve(MLPClassifier(hidden_layer_sizes=(), solver="lbfgs"), X, y, 1.0)
    curve = result.state.loss_curve
    assert len(curve) == result.outcome.n_iter
    assert np.all(np.diff(curve) < 0)  # every step lowered the objective


def _plan(estimator, X, y):
    plans, _ = estimator._plan_networks(dict(X=X, y=y), [1.0], [0])
    return plans[0]


def test_where_newton_applies():
    X, y = _table(load_breast_cancer)
    linear = MLPClassifier(hidden_layer_sizes=(), solver="lbfgs")
    plan = _plan(linear, X, y)
    assert newton_applies(plan.network, plan.loss, X, plan.l1_ratio)
    hidden = _plan(MLPClassifier(hidden_layer_sizes=(3,), solver="lbfgs"), X, y)
    assert not newton_applies(hidden.network, hidden.loss, X, hidden.l1_ratio)
    focal = _plan(linear.set_params(loss="focal"), X, y)
    assert not newton_applies(focal.network, focal.loss, X, focal.l1_ratio)
    assert not newton_applies(plan.network, plan.loss, sp.csr_matrix(X), plan.l1_ratio)
    assert not newton_applies(plan.network, plan.loss, X, 0.5)  # an L1 part


@pytest.mark.parametrize("alpha", [1e-2, 1.0])
def test_a_piecewise_encoded_linear_model_is_the_logistic_regression_of_its_encoding(alpha):
    """The piecewise-linear encoding learns nothing from the loss: a linear
    network on it is a generalised additive model, a logistic regression on
    the encoded rows, which Newton's method solves like any other."""
    X, y = _table(load_breast_cancer)
    X = X[:, :6]
    gam = MLPClassifier(
        hidden_layer_sizes=(), solver="lbfgs", feature_embedding="piecewise"
    )
    plan = _plan(gam, X, y)
    assert newton_applies(plan.network, plan.loss, X, plan.l1_ratio)
    result = _solve(gam, X, y, alpha)
    assert result.outcome.status is Status.CONVERGED
    assert result.outcome.n_iter < 30
    encoded = result.network._embedded(X)
    assert encoded.shape == (len(X), 6 * gam.embedding_size)
    # the bins come from the training rows: every encoded column carries information
    assert np.linalg.matrix_rank(encoded) == encoded.shape[1]
    reference = LogisticRegression(C=1 / alpha, solver="newton-cholesky", tol=1e-12)
    reference.fit(encoded, y)
    np.testing.assert_allclose(result.network.coefs[0][:, 0], reference.coef_[0], atol=2e-5)
    np.testing.assert_allclose(
        result.network.intercepts[0], reference.intercept_, atol=2e-5
    )


def test_an_encoding_counts_its_cost_to_lbfgs():
    """L-BFGS encodes every row at every evaluation: on as many encoded
    columns, a piecewise-encoded network is solved by Newton where a plain
    linear network keeps L-BFGS."""
    rng = np.random.RandomState(0)
    y = np.arange(300) % 2
    gam = MLPClassifier(
        hidden_layer_sizes=(), solver="lbfgs", feature_embedding="piecewise"
    )
    X = rng.normal(size=(300, 60))  # 480 encoded columns
    plan = _plan(gam, X, y)
    assert newton_applies(plan.network, plan.loss, X, plan.l1_ratio)
    wide = rng.normal(size=(300, 60 * gam.embedding_size))
    plain = _plan(MLPClassifier(hidden_layer_sizes=(), solver="lbfgs"), wide, y)
    assert not newton_applies(plain.network, plain.loss, wide, plain.l1_ratio)
    too_wide = rng.normal(size=(300, 2000))  # 16,000 encoded columns
    plan = _plan(gam, too_wide, y)
    assert not newton_applies(plan.network, plan.loss, too_wide, plan.l1_ratio)


def test_a_learned_embedding_stays_with_lbfgs():
    X, y = _table(load_breast_cancer)
    periodic = MLPClassifier(
        hidden_layer_sizes=(), solver="lbfgs", feature_embedding="periodic"
    )
    plan = _plan(periodic, X[:, :6], y)
    assert not newton_applies(plan.network, plan.loss, X[:, :6], plan.l1_ratio)


def test_wide_tables_stay_with_lbfgs():
    """A Hessian of d^2 entries costs more than L-BFGS's iterations once the
    rows have many columns."""
    rng = np.random.RandomState(0)
    y = np.arange(60) % 2
    narrow, wide = rng.normal(size=(60, 50)), rng.normal(size=(60, 2000))
    linear = MLPClassifier(hidden_layer_sizes=(), solver="lbfgs")
    for X, expected in [(narrow, True), (wide, False)]:
        plan = _plan(linear, X, y)
        assert newton_applies(plan.network, plan.loss, X, plan.l1_ratio) is expected


@pytest.mark.parametrize("embedding", [None, "piecewise"])
def test_the_cv_estimators_solve_linear_candidates_by_newton(monkeypatch, embedding):
    calls = []

    def counted(*args, **kwargs):
        calls.append(1)
        return fit_newton(*args, **kwargs)

    monkeypatch.setattr("skmlp.training.trainer.fit_newton", counted)
    X, y = _table(load_diabetes)
    linear = {"hidden_layer_sizes": (), "feature_embedding": embedding}
    search = MLPRegressorCV(portfolio=[linear], alphas=[0.1, 10.0], cv=3)
    search.fit(X, y)
    assert len(calls) == 2 * 3  # every (alpha, fold); the folds' networks are kept
    # a quadratic is solved in one Newton step; its estimators say L-BFGS,
    # which refits them to that optimum
    assert np.all(search.n_iter_ == 1)
    for member in search.estimator_.estimators_:
        assert member.solver == "lbfgs"
        assert member.feature_embedding == embedding
