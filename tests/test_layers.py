"""Batch norm, dropout and residual blocks: gradients and inference behaviour."""

import numpy as np
import pytest

from skmlp.nn.losses import get_loss
from skmlp.nn.network import Network
from skmlp.nn.objective import Objective

N, D, K = 12, 4, 3


def _problem(seed=0, **architecture):
    rng = np.random.RandomState(seed)
    network = Network([D, 5, 5, K], "tanh", **architecture)
    network.initialize(rng, "glorot_uniform")
    # move scales and shifts away from 1 and 0 so their gradients are generic
    network.theta[network.n_coefs + sum(network.layer_units[1:]) :] += rng.normal(
        scale=0.3, size=network.theta.size - network.n_coefs - sum(network.layer_units[1:])
    )
    X = rng.normal(size=(N, D))
    Y = np.eye(K)[rng.randint(K, size=N)]
    sample_weight = rng.uniform(0.2, 3.0, size=N)
    return network, X, Y, sample_weight


def _gradient_error(objective, X, Y, sample_weight, seed=None, eps=1e-6):
    """Relative error of the analytic gradient against central differences.

    With dropout, every evaluation uses a Generator seeded alike, so the mask
    is the same and the objective is a deterministic function of theta.
    """
    rng = (lambda: None) if seed is None else (lambda: np.random.default_rng(seed))
    theta = objective.network.theta
    objective(X, Y, sample_weight, rng())
    analytic = objective.network.grad.copy()
    numeric = np.empty_like(theta)
    for i in range(theta.size):
        old = theta[i]
        theta[i] = old + eps
        plus = objective(X, Y, sample_weight, rng())
        theta[i] = old - eps
        minus = objective(X, Y, sample_weight, rng())
        theta[i] = old
        numeric[i] = (plus - minus) / (2 * eps)
    return np.linalg.norm(analytic - numeric) / np.linalg.norm(analytic + numeric)


@pytest.mark.parametrize(
    "architecture",
    [
        dict(batch_norm=True),
        dict(residual=True),
        dict(batch_norm=True, residual=True),
        dict(dropout=0.3),
        dict(dropout=[0.5, 0.2], batch_norm=True, residual=True),
    ],
    ids=repr,
)
@pytest.mark.parametrize("weighted", [False, True])
def test_gradient_matches_central_differences(architecture, weighted):
    network, X, Y, sample_weight = _problem(**architecture)
    objective = Objective(network, get_loss("softmax_cross_entropy"), alpha=0.1)
    seed = 7 if network.uses_dropout else None
    error = _gradient_error(objective, X, Y, sample_weight if weighted else None, seed)
    assert error < 1e-6


def test_residual_connects_only_equal_hidden_widths():
    network = Network([D, 5, 5, 6, K], "relu", residual=True)
    assert [layer.residual for layer in network.hidden] == [False, True, False]


def test_residual_forward_adds_the_input():
    network, X, _, _ = _problem(residual=True)
    first, second = network.hidden
    hidden = first.predict(X)
    expected = np.tanh(hidden @ second.linear.W + second.linear.b) + hidden
    np.testing.assert_allclose(second.predict(hidden), expected, rtol=1e-12)


def test_batch_norm_normalises_with_weighted_statistics_and_predicts_with_running_ones():
    network, X, Y, sample_weight = _problem(batch_norm=True)
    layer = network.hidden[0]
    weight = (sample_weight / sample_weight.sum()).reshape(-1, 1)
    Z = layer.linear.predict(X)
    network.forward(X, weight=weight)
    xhat = network._workspace.rows(N).hidden[0].xhat
    np.testing.assert_allclose(weight.ravel() @ xhat, 0, atol=1e-12)
    np.testing.assert_allclose(weight.ravel() @ xhat**2, 1, rtol=1e-4)
    mean = weight.ravel() @ Z
    np.testing.assert_allclose(layer.batch_norm.running_mean, 0.1 * mean, rtol=1e-12)
    # inference uses the running statistics, never the batch: one row alone
    # gets the same output as inside a batch
    alone = network.predict_raw(X[:1])
    np.testing.assert_allclose(alone, network.predict_raw(X)[:1], rtol=1e-12)


def test_weight_two_equals_repeating_the_row_in_batch_norm():
    network, X, Y, _ = _problem(batch_norm=True)
    sample_weight = np.ones(N)
    sample_weight[:3] = 2
    objective = Objective(network, get_loss("softmax_cross_entropy"), alpha=0.1)
    weighted = objective(X, Y, sample_weight)
    grad = network.grad.copy()
    repeated = objective(np.vstack([X, X[:3]]), np.vstack([Y, Y[:3]]))
    assert weighted == pytest.approx(repeated, rel=1e-12)
    np.testing.assert_allclose(grad, network.grad, rtol=1e-10, atol=1e-14)


def test_dropout_is_inverted_and_absent_at_prediction():
    network, X, Y, _ = _problem(dropout=0.5)
    rng = np.random.default_rng(0)
    big = np.repeat(X, 500, axis=0)
    network.forward(big, rng)
    mask = network._workspace.rows(len(big)).hidden[0].mask
    assert set(np.unique(mask)) == {0.0, 2.0}  # kept units scaled by 1 / (1 - rate)
    assert abs((mask == 0).mean() - 0.5) < 0.02
    np.testing.assert_array_equal(network.predict_raw(X), network.predict_raw(X))


def test_dropout_zero_draws_nothing_and_changes_nothing():
    plain, X, Y, _ = _problem()
    zero, _, _, _ = _problem(dropout=0.0)
    np.testing.assert_array_equal(plain.theta, zero.theta)
    assert not zero.uses_dropout
    loss = get_loss("softmax_cross_entropy")
    assert Objective(plain, loss)(X, Y) == Objective(zero, loss)(X, Y, rng=None)


def test_dropout_weight_two_equals_repeating_in_expectation():
    """Averaged over masks, weighting a row by 2 is repeating it.

    Not true per mask (two copies draw two masks), which is why scikit-learn's
    sample-weight equivalence check cannot pass with dropout.
    """
    network, X, Y, _ = _problem(dropout=0.3)
    objective = Objective(network, get_loss("softmax_cross_entropy"))
    sample_weight = np.ones(N)
    sample_weight[:4] = 2
    X_rep, Y_rep = np.vstack([X, X[:4]]), np.vstack([Y, Y[:4]])
    rng = np.random.default_rng(0)
    weighted, repeated = np.zeros_like(network.grad), np.zeros_like(network.grad)
    n_masks = 3000
    for _ in range(n_masks):
        objective(X, Y, sample_weight, rng)
        weighted += network.grad / n_masks
        objective(X_rep, Y_rep, None, rng)
        repeated += network.grad / n_masks
    assert np.linalg.norm(weighted - repeated) < 0.02 * np.linalg.norm(repeated)
