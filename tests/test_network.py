"""The network and the training objective: gradients, buffers, layout, pickling."""

import pickle

import numpy as np
import pytest
import scipy.sparse as sp

from skmlp import MLPClassifier, MLPRegressor, MultiLabelMLP
from skmlp.nn.activations import ACTIVATIONS
from skmlp.nn.losses import get_loss
from skmlp.nn.network import Network
from skmlp.nn.objective import Objective

# The output configurations of the three estimators: (loss, number of outputs).
CONFIGS = {
    "multiclass": ("softmax_cross_entropy", 3),
    "binary": ("sigmoid_cross_entropy", 1),
    "multilabel": ("sigmoid_cross_entropy", 3),
    "squared_error": ("squared_error", 2),
    "poisson": ("poisson", 2),
}
# Differentiable everywhere (ELU is C^1), so central differences of the whole
# network are meaningful; relu/leaky_relu are covered in test_activations.py.
SMOOTH_ACTIVATIONS = ["tanh", "logistic", "softplus", "gelu", "elu", "identity"]
N_SAMPLES, N_FEATURES, HIDDEN = 10, 4, (5, 3)
ALPHA = 0.1


def make_targets(config, rng, n=N_SAMPLES):
    """Encoded targets as the estimators build them for each configuration."""
    loss_name, k = CONFIGS[config]
    if config == "multiclass":
        return np.eye(k)[np.arange(n) % k]
    if loss_name == "sigmoid_cross_entropy":
        return rng.randint(2, size=(n, k)).astype(float)
    if loss_name == "squared_error":
        return rng.normal(size=(n, k))
    return rng.poisson(1.5, size=(n, k)).astype(float)


def make_problem(config, activation="tanh", seed=0):
    """A small 2-hidden-layer network and a weighted batch for ``config``."""
    rng = np.random.RandomState(seed)
    loss_name, k = CONFIGS[config]
    network = Network([N_FEATURES, *HIDDEN, k], activation)
    network.initialize(rng)
    X = rng.normal(size=(N_SAMPLES, N_FEATURES))
    # Unnormalised weights (sum != 1), so the penalty's 1 / sum(w) is exercised.
    sample_weight = rng.uniform(0.2, 3.0, size=N_SAMPLES)
    return network, get_loss(loss_name), X, make_targets(config, rng), sample_weight


def analytic_grad(objective, X, Y, sample_weight):
    objective(X, Y, sample_weight)
    return objective.network.grad.copy()


def numeric_grad(objective, X, Y, sample_weight, eps=1e-6):
    """Central differences of the objective's value w.r.t. every entry of theta."""
    theta = objective.network.theta
    grad = np.empty_like(theta)
    for i in range(theta.size):
        original = theta[i]
        theta[i] = original + eps
        plus = objective.value(X, Y, sample_weight)
        theta[i] = original - eps
        minus = objective.value(X, Y, sample_weight)
        theta[i] = original
        grad[i] = (plus - minus) / (2 * eps)
    return grad


def relative_error(analytic, numeric):
    scale = max(np.linalg.norm(analytic) + np.linalg.norm(numeric), np.finfo(float).tiny)
    return np.linalg.norm(analytic - numeric) / scale


def assert_gradient_checks(objective, X, Y, sample_weight):
    """The backprop gradient matches central differences to 1e-6 (float64)."""
    value = objective(X, Y, sample_weight)
    assert value == pytest.approx(objective.value(X, Y, sample_weight), rel=1e-12)
    analytic = analytic_grad(objective, X, Y, sample_weight)
    assert relative_error(analytic, numeric_grad(objective, X, Y, sample_weight)) < 1e-6


# -- gradient of the whole objective -------------------------------------------


@pytest.mark.parametrize("activation", SMOOTH_ACTIVATIONS)
@pytest.mark.parametrize("config", CONFIGS)
def test_objective_gradient_matches_central_differences(config, activation):
    network, loss, X, Y, sample_weight = make_problem(config, activation)
    assert_gradient_checks(Objective(network, loss, ALPHA), X, Y, sample_weight)


@pytest.mark.parametrize("config", CONFIGS)
def test_objective_gradient_without_sample_weights(config):
    network, loss, X, Y, _ = make_problem(config)
    assert_gradient_checks(Objective(network, loss, ALPHA), X, Y, None)


@pytest.mark.parametrize("config", CONFIGS)
def test_no_sample_weight_equals_unit_weights(config):
    network, loss, X, Y, _ = make_problem(config)
    objective = Objective(network, loss, ALPHA)
    value, grad = objective(X, Y), network.grad.copy()
    ones = np.ones(N_SAMPLES)
    assert objective(X, Y, ones) == pytest.approx(value, rel=1e-14)
    np.testing.assert_allclose(network.grad, grad, rtol=1e-13, atol=1e-16)


@pytest.mark.parametrize("config", CONFIGS)
def test_penalty_is_alpha_over_twice_total_weight_on_coefs_only(config):
    """``alpha / (2 sum(w)) ||W||^2``: biases are not penalised."""
    network, loss, X, Y, sample_weight = make_problem(config)
    value = Objective(network, loss, ALPHA)(X, Y, sample_weight)
    grad = network.grad.copy()
    value_0 = Objective(network, loss, 0.0)(X, Y, sample_weight)
    grad_0 = network.grad.copy()
    strength = ALPHA / sample_weight.sum()
    W = np.concatenate([c.ravel() for c in network.coefs])
    assert value - value_0 == pytest.approx(0.5 * strength * W @ W, rel=1e-10)
    expected = np.concatenate([strength * W, np.zeros(network.theta.size - W.size)])
    np.testing.assert_allclose(grad - grad_0, expected, rtol=1e-10, atol=1e-15)


def test_zero_total_weight_gives_zero_objective():
    network, loss, X, Y, _ = make_problem("multiclass")
    network.grad.fill(np.nan)
    assert Objective(network, loss, ALPHA)(X, Y, np.zeros(N_SAMPLES)) == 0.0
    np.testing.assert_array_equal(network.grad, 0.0)


# -- the same check through the fitted estimators ---------------------------------


def _classifier_data(rng, n_classes):
    """String labels; encoded one-hot, or as the positive-class column if binary."""
    X = rng.normal(size=(30, N_FEATURES))
    y = np.array(["a", "b", "c"])[np.arange(30) % n_classes]

    def encode(est, y):
        one_hot = (y[:, None] == est.classes_).astype(float)
        return one_hot[:, 1:] if n_classes == 2 else one_hot

    return X, y, encode


def _regression_data(rng, poisson):
    X = rng.normal(size=(30, N_FEATURES))
    y = rng.poisson(2.0, size=30).astype(float) if poisson else rng.normal(size=30)
    return X, y, lambda est, y: y.reshape(-1, 1)


def _multilabel_data(rng):
    X = rng.normal(size=(30, N_FEATURES))
    Y = rng.randint(2, size=(30, 3))
    return X, Y, lambda est, Y: Y.astype(float)


ESTIMATOR_CASES = {
    "classifier-3-classes": (
        MLPClassifier,
        {},
        lambda rng: _classifier_data(rng, 3),
        "softmax_cross_entropy",
    ),
    "classifier-binary": (
        MLPClassifier,
        {},
        lambda rng: _classifier_data(rng, 2),
        "sigmoid_cross_entropy",
    ),
    "regressor-squared": (
        MLPRegressor,
        {},
        lambda rng: _regression_data(rng, False),
        "squared_error",
    ),
    "regressor-poisson": (
        MLPRegressor,
        {"loss": "poisson"},
        lambda rng: _regression_data(rng, True),
        "poisson",
    ),
    "multilabel-indicator": (MultiLabelMLP, {}, _multilabel_data, "sigmoid_cross_entropy"),
}


@pytest.mark.parametrize("case", ESTIMATOR_CASES)
def test_fitted_estimator_objective_gradient(case):
    """Rebuild the objective a fitted estimator trained and check its gradient.

    Two L-BFGS iterations move the weights off their initial values; the
    loss reported by the estimator confirms the rebuilt objective (targets
    encoded by hand, same sample weights) is the one it minimised.
    """
    Estimator, params, make_data, loss_name = ESTIMATOR_CASES[case]
    rng = np.random.RandomState(0)
    X, y, encode = make_data(rng)
    sample_weight = rng.uniform(0.2, 3.0, size=X.shape[0])
    est = Estimator(
        hidden_layer_sizes=HIDDEN,
        activation="tanh",
        solver="lbfgs",
        max_iter=2,
        alpha=ALPHA,
        random_state=0,
        **params,
    )
    est.fit(X, y, sample_weight=sample_weight)
    assert est.n_iter_ == 2 and est._loss.name == loss_name
    objective = Objective(est._network, est._loss, est.alpha)
    Y = encode(est, y)
    assert objective.value(X, Y, sample_weight) == pytest.approx(est.loss_, rel=1e-10)
    assert_gradient_checks(objective, X, Y, sample_weight)


# -- sparse input and float32 -----------------------------------------------------


@pytest.mark.parametrize("sparse_format", [sp.csr_matrix, sp.csc_matrix])
@pytest.mark.parametrize("config", CONFIGS)
def test_sparse_input_gives_dense_gradient(config, sparse_format):
    network, loss, X, Y, sample_weight = make_problem(config)
    X[np.random.RandomState(1).rand(*X.shape) < 0.6] = 0.0
    objective = Objective(network, loss, ALPHA)
    value, grad = objective(X, Y, sample_weight), network.grad.copy()
    X_sparse = sparse_format(X)
    assert objective(X_sparse, Y, sample_weight) == pytest.approx(value, rel=1e-13)
    np.testing.assert_allclose(network.grad, grad, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(
        network.predict_raw(X_sparse), network.predict_raw(X), rtol=1e-12, atol=1e-15
    )


def copy_network(network, dtype=np.float64):
    """A new network (own buffers) with the same parameters, cast to ``dtype``."""
    copy = Network(network.layer_units, network.activation, dtype)
    copy.theta[:] = network.theta
    return copy


@pytest.mark.parametrize("config", CONFIGS)
def test_float32_gradient_agrees_with_float64_and_stays_float32(config):
    network, loss, X, Y, sample_weight = make_problem(config, "gelu")
    value = Objective(network, loss, ALPHA)(X, Y, sample_weight)
    network32 = copy_network(network, np.float32)
    X32, Y32, sw32 = (a.astype(np.float32) for a in (X, Y, sample_weight))
    value32 = Objective(network32, loss, ALPHA)(X32, Y32, sw32)

    assert value32 == pytest.approx(value, rel=1e-5)
    # float32 has ~7 digits; a few roundings per layer leave ~1e-6 in the gradient.
    assert relative_error(network32.grad, network.grad) < 1e-4
    outputs = [
        network32.forward(X32),
        network32.predict_raw(X32),
        loss.link(network32.predict_raw(X32)),
        network32.output_grad(),
    ]
    arrays = [network32.theta, network32.grad, *network32.coefs, *network32.intercepts]
    assert all(a.dtype == np.float32 for a in outputs + arrays)


# -- network mechanics ------------------------------------------------------------


def test_parameters_are_views_weights_first_then_biases():
    """theta = [W_1.ravel(), ..., W_L.ravel(), b_1, ..., b_L] (scikit-learn's packing)."""
    network = Network([3, 4, 2], "relu")
    assert network.n_coefs == 3 * 4 + 4 * 2
    assert network.theta.size == network.grad.size == network.n_coefs + 4 + 2
    network.theta[:] = np.arange(network.theta.size)
    np.testing.assert_array_equal(network.coefs[0], np.arange(12).reshape(3, 4))
    np.testing.assert_array_equal(network.coefs[1], np.arange(12, 20).reshape(4, 2))
    np.testing.assert_array_equal(network.intercepts[0], np.arange(20, 24))
    np.testing.assert_array_equal(network.intercepts[1], np.arange(24, 26))

    # Writing through either side is seen by the other.
    network.coefs[1][2, 1] = -1.0
    assert network.theta[12 + 2 * 2 + 1] == -1.0
    network.theta[network.n_coefs] = -7.0
    assert network.intercepts[0][0] == -7.0
    # Gradients use the same layout in ``grad``.
    network.grad[:] = np.arange(network.grad.size)
    np.testing.assert_array_equal(network.linears[1].dW, np.arange(12, 20).reshape(4, 2))
    np.testing.assert_array_equal(network.linears[1].db, np.arange(24, 26))


def test_set_coefs_and_intercepts_write_into_theta():
    network = Network([3, 4, 2], "relu")
    theta = network.theta
    network.set_coefs([np.full((3, 4), 1.0), np.full((4, 2), 2.0)])
    network.set_intercepts([np.full(4, 3.0), np.full(2, 4.0)])
    assert network.theta is theta
    np.testing.assert_array_equal(theta, np.repeat([1.0, 2.0, 3.0, 4.0], [12, 8, 4, 2]))


def test_pickle_round_trip_rebinds_views_to_new_theta():
    network, loss, X, Y, _ = make_problem("multiclass")
    Objective(network, loss, ALPHA)(X, Y)  # buffers allocated before pickling
    clone = pickle.loads(pickle.dumps(network))

    np.testing.assert_array_equal(clone.theta, network.theta)
    np.testing.assert_array_equal(clone.predict_raw(X), network.predict_raw(X))
    for layer in clone.linears:
        assert np.shares_memory(layer.W, clone.theta)
        assert np.shares_memory(layer.b, clone.theta)
        assert np.shares_memory(layer.dW, clone.grad)
        assert np.shares_memory(layer.db, clone.grad)
    # The clone trains on its own buffers and gets the same gradient.
    Objective(clone, loss, ALPHA)(X, Y)
    np.testing.assert_array_equal(clone.grad, network.grad)
    # Writing to the clone's theta moves its coefs, and not the original's.
    first = network.theta[0]
    clone.theta[0] = first + 1.0
    assert clone.coefs[0][0, 0] == first + 1.0
    assert network.coefs[0][0, 0] == first


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_training_forward_equals_predict_raw(activation):
    network, _, X, _, _ = make_problem("multiclass", activation)
    np.testing.assert_allclose(
        network.forward(X), network.predict_raw(X), rtol=1e-12, atol=1e-15
    )


@pytest.mark.parametrize("sizes", [(32, 7), (7, 32), (32, 7, 32)])
@pytest.mark.parametrize("activation", ["tanh", "gelu"])
def test_batches_of_different_sizes_reuse_buffers_correctly(sizes, activation):
    """Smaller batches use views of the buffers; larger ones reallocate."""
    network, loss, *_ = make_problem("multiclass", activation)
    rng = np.random.RandomState(3)
    objective = Objective(network, loss, ALPHA)
    for m in sizes:
        X = rng.normal(size=(m, N_FEATURES))
        Y = make_targets("multiclass", rng, m)
        logits = network.forward(X)
        assert logits.shape == (m, 3)
        np.testing.assert_allclose(logits, network.predict_raw(X), rtol=1e-12, atol=1e-15)
        value = objective(X, Y)
        fresh = copy_network(network)  # buffers sized for this batch alone
        expected = Objective(fresh, loss, ALPHA)(X, Y)
        assert value == pytest.approx(expected, rel=1e-13)
        np.testing.assert_allclose(network.grad, fresh.grad, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("activation, gain", [("relu", 6.0), ("logistic", 2.0)])
def test_initialize_reproduces_sklearn_glorot_uniform(activation, gain, dtype):
    """Layer by layer, W then b drawn from U(-bound, bound) in float64, then cast.

    bound = sqrt(gain / (fan_in + fan_out)), as scikit-learn's MLP draws them.
    """
    layer_units = [5, 7, 4, 3]
    network = Network(layer_units, activation, dtype)
    network.initialize(np.random.RandomState(0), "sklearn")

    rng = np.random.RandomState(0)
    for i, (fan_in, fan_out) in enumerate(zip(layer_units[:-1], layer_units[1:])):
        bound = np.sqrt(gain / (fan_in + fan_out))
        W = rng.uniform(-bound, bound, (fan_in, fan_out))
        b = rng.uniform(-bound, bound, fan_out)
        np.testing.assert_array_equal(network.coefs[i], W.astype(dtype))
        np.testing.assert_array_equal(network.intercepts[i], b.astype(dtype))
        assert np.abs(network.coefs[i]).max() <= bound


def test_a_stack_of_members_with_their_own_dropout_changes_dtype():
    """A stack whose members have dropout rates of their own (an ensemble of
    candidates of a search) keeps each member's rates in another dtype; it
    raised, the per-layer rates given where per-member ones were read."""
    networks = [
        Network([3, 4, 5, 2], "relu", np.float32, dropout=rate) for rate in (0.0, 0.2, 0.5)
    ]
    stack = Network.stack(networks)
    other = stack.astype(np.float64)
    assert other.dtype == np.float64
    np.testing.assert_array_equal(other._member_dropout(), stack._member_dropout())
    np.testing.assert_array_equal(other.theta, stack.theta)
