"""Optimizer steps against their formulas, L-BFGS, and allocation-free training steps."""

import tracemalloc

import numpy as np
import pytest
from scipy.optimize import minimize

from skmlp.nn.losses import get_loss
from skmlp.nn.network import Network
from skmlp.nn.objective import Objective
from skmlp.nn.optimizers import SGD, Adam
from skmlp.training.lbfgs import fit_lbfgs
from skmlp.training.state import TrainingState
from skmlp.training.trainer import LbfgsObserver

N_PARAMS = 12


def gradients(n_steps, seed=0, n=N_PARAMS):
    """A different, fixed gradient for each step, so that the state matters."""
    rng = np.random.RandomState(seed)
    return [rng.normal(size=n) for _ in range(n_steps)]


def start_theta(seed=1, n=N_PARAMS):
    return np.random.RandomState(seed).normal(size=n)


def run_steps(optimizer, theta, grads):
    """Apply ``optimizer`` to ``theta`` in place; return theta after each step."""
    history = []
    for g in grads:
        optimizer.step(theta, g)
        history.append(theta.copy())
    return history


# -- SGD --------------------------------------------------------------------------


def sgd_reference(theta, grads, lr, momentum, nesterov):
    """``v <- mu v - lr g``; update ``v``, or ``mu v - lr g`` with Nesterov."""
    velocity, history = np.zeros_like(theta), []
    for g in grads:
        velocity = momentum * velocity - lr * g
        theta = theta + (momentum * velocity - lr * g if nesterov else velocity)
        history.append(theta)
    return history


@pytest.mark.parametrize(
    "momentum, nesterov",
    [(0.0, False), (0.8, False), (0.8, True)],
    ids=["plain", "momentum", "nesterov"],
)
def test_sgd_two_steps_match_formula(momentum, nesterov):
    lr, grads, theta = 0.05, gradients(2), start_theta()
    expected = sgd_reference(theta.copy(), grads, lr, momentum, nesterov)
    optimizer = SGD(
        N_PARAMS, np.float64, learning_rate=lr, momentum=momentum, nesterov=nesterov
    )
    for got, want in zip(run_steps(optimizer, theta, grads), expected):
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)


def test_sgd_without_momentum_is_plain_gradient_descent():
    theta, (g,) = start_theta(), gradients(1)
    expected = theta - 0.05 * g
    optimizer = SGD(N_PARAMS, np.float64, learning_rate=0.05, momentum=0.0, nesterov=False)
    optimizer.step(theta, g)
    np.testing.assert_allclose(theta, expected, rtol=1e-15)


def test_nesterov_differs_from_classical_momentum():
    """The test above would not tell them apart if both were wired to one rule."""
    grads = gradients(2)
    results = []
    for nesterov in (False, True):
        theta = start_theta()
        run_steps(
            SGD(N_PARAMS, np.float64, learning_rate=0.05, momentum=0.8, nesterov=nesterov),
            theta,
            grads,
        )
        results.append(theta)
    assert np.abs(results[0] - results[1]).min() > 1e-6


# -- Adam -------------------------------------------------------------------------

LR, BETA_1, BETA_2, EPSILON = 0.01, 0.8, 0.99, 1e-7


def adam_reference(theta, grads):
    """Adam with the bias correction in the step: lr_t = lr sqrt(1 - b2^t) / (1 - b1^t)."""
    m, v, history = np.zeros_like(theta), np.zeros_like(theta), []
    for t, g in enumerate(grads, start=1):
        m = BETA_1 * m + (1 - BETA_1) * g
        v = BETA_2 * v + (1 - BETA_2) * g**2
        lr_t = LR * np.sqrt(1 - BETA_2**t) / (1 - BETA_1**t)
        theta = theta - lr_t * m / (np.sqrt(v) + EPSILON)
        history.append((theta, m, v))
    return history


def make_adam(dtype=np.float64):
    return Adam(
        N_PARAMS, dtype, learning_rate=LR, beta_1=BETA_1, beta_2=BETA_2, epsilon=EPSILON
    )


def test_adam_two_steps_match_formula():
    grads, theta = gradients(2), start_theta()
    expected = adam_reference(theta.copy(), grads)
    optimizer = make_adam()
    for t, (g, (want_theta, want_m, want_v)) in enumerate(zip(grads, expected), start=1):
        optimizer.step(theta, g)
        assert optimizer.t == t
        np.testing.assert_allclose(optimizer.m, want_m, rtol=1e-14)
        np.testing.assert_allclose(optimizer.v, want_v, rtol=1e-14)
        np.testing.assert_allclose(theta, want_theta, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name", ["sgd", "adam", "adamw", "rmsprop"])
def test_step_leaves_the_applied_update_in_the_gradient(name):
    """The gradient vector is the optimisers' second workspace (one vector the
    size of the model fewer): afterwards it holds the update that was applied
    (AdamW's decay aside, applied to theta first), and the optimizer keeps no
    model-sized vector besides its state and one scratch."""
    from skmlp.nn.optimizers import OPTIMIZERS

    theta, (g,) = start_theta(), gradients(1)
    before = theta.copy()
    optimizer = OPTIMIZERS[name](N_PARAMS, np.float64, n_weights=N_PARAMS // 2)
    optimizer.step(theta, g)
    start = before.copy()
    if name == "adamw":
        start[: N_PARAMS // 2] *= 1 - optimizer.learning_rate * optimizer.weight_decay
    np.testing.assert_array_equal(theta, start + g)
    vectors = {
        key for key, value in vars(optimizer).items() if np.shape(value) == (N_PARAMS,)
    }
    state = {"sgd": {"velocity"}, "rmsprop": {"v"}}.get(name, {"m", "v"})
    assert vectors == state | {"_scratch"}


def test_adam_first_step_moves_each_parameter_by_lr():
    """With bias correction, step 1 is -lr * sign(g) (up to epsilon), whatever |g|."""
    theta, (g,) = start_theta(), gradients(1)
    g *= np.logspace(-2, 3, N_PARAMS)
    before, sign = theta.copy(), np.sign(g)
    make_adam().step(theta, g)
    np.testing.assert_allclose(theta - before, -LR * sign, rtol=1e-3)


@pytest.mark.parametrize(
    "make_optimizer",
    [
        lambda dtype: SGD(N_PARAMS, dtype, learning_rate=0.05, momentum=0.8, nesterov=True),
        make_adam,
    ],
    ids=["sgd", "adam"],
)
def test_float32_steps_stay_float32(make_optimizer):
    """float32 theta and state stay float32 and track the same steps in float64."""
    grads, theta64 = gradients(2), start_theta()
    theta = theta64.astype(np.float32)
    optimizer = make_optimizer(np.float32)
    run_steps(optimizer, theta, [g.astype(np.float32) for g in grads])
    run_steps(make_optimizer(np.float64), theta64, grads)
    assert theta.dtype == np.float32
    state = [getattr(optimizer, name) for name in optimizer.STATE] + [optimizer._scratch]
    assert state and all(a.dtype == np.float32 for a in state)
    np.testing.assert_allclose(theta, theta64, rtol=1e-6, atol=1e-6)


def test_learning_rate_attribute_applies_to_next_step():
    """Schedules set ``learning_rate`` between epochs; the next step must use it."""
    theta, (g1, g2) = start_theta(), gradients(2)
    optimizer = SGD(N_PARAMS, np.float64, learning_rate=0.05, momentum=0.0, nesterov=False)
    optimizer.step(theta, g1)
    optimizer.learning_rate = 0.5
    expected = theta - 0.5 * g2
    optimizer.step(theta, g2)
    np.testing.assert_allclose(theta, expected, rtol=1e-15)


# -- L-BFGS -----------------------------------------------------------------------


def lbfgs_problem(dtype=np.float64, seed=0):
    """A small weighted 3-class problem with an L2 penalty."""
    rng = np.random.RandomState(seed)
    network = Network([3, 6, 3], "tanh", dtype)
    network.initialize(rng)
    X = rng.normal(size=(40, 3))
    labels = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5)
    Y = np.eye(3)[labels]
    sample_weight = rng.uniform(0.5, 2.0, size=40)
    objective = Objective(network, get_loss("softmax_cross_entropy"), alpha=0.01)
    return objective, *(a.astype(dtype) for a in (X, Y, sample_weight))


def run_lbfgs(objective, X, Y, sample_weight, *, max_iter, tol):
    """fit_lbfgs with an observer; returns scipy's result and the loss curve."""
    observer = LbfgsObserver(TrainingState(), verbose=False)
    options = {"maxiter": max_iter, "maxfun": 15000, "gtol": tol}
    result = fit_lbfgs(objective, X, Y, sample_weight, options=options, observer=observer)
    return result, observer.curve


def test_fit_lbfgs_reaches_a_stationary_point():
    objective, X, Y, sw = lbfgs_problem()
    theta = objective.network.theta
    start = objective.value(X, Y, sw)
    result, curve = run_lbfgs(objective, X, Y, sw, max_iter=1000, tol=1e-8)

    assert result.success
    assert objective.network.theta is theta  # optimised in place
    # theta is left at the solution, not at the last line-search trial point.
    np.testing.assert_array_equal(theta, result.x)
    assert objective.value(X, Y, sw) == pytest.approx(result.fun, rel=1e-12)
    assert result.fun < 0.5 * start
    assert len(curve) == result.nit and curve[-1] == pytest.approx(result.fun)
    assert np.all(np.diff(curve) <= 0)
    objective(X, Y, sw)
    assert np.abs(objective.network.grad).max() < 1e-4


def test_fit_lbfgs_agrees_with_scipy_minimize():
    """fit_lbfgs is scipy's L-BFGS-B on (value, gradient) of the objective."""
    objective, X, Y, sw = lbfgs_problem()
    network = objective.network
    x0 = network.theta.copy()

    def value_and_grad(x):
        network.theta[:] = x
        return objective(X, Y, sw), network.grad.copy()

    expected = minimize(
        value_and_grad,
        x0,
        method="L-BFGS-B",
        jac=True,
        options={"maxiter": 30, "maxfun": 15000, "gtol": 1e-8},
    )
    network.theta[:] = x0
    result, _ = run_lbfgs(objective, X, Y, sw, max_iter=30, tol=1e-8)
    assert result.nit == expected.nit == 30
    assert result.fun == pytest.approx(expected.fun, rel=1e-10)
    np.testing.assert_allclose(network.theta, expected.x, rtol=1e-8, atol=1e-10)


def test_fit_lbfgs_keeps_float32_parameters():
    """float32 weights stay float32 (only scipy's copy is float64) and still train."""
    objective, X, Y, sw = lbfgs_problem(np.float32)
    network = objective.network
    theta, grad = network.theta, network.grad
    start = objective.value(X, Y, sw)
    result, _ = run_lbfgs(objective, X, Y, sw, max_iter=200, tol=1e-6)
    assert network.theta is theta and network.grad is grad
    assert theta.dtype == grad.dtype == np.float32
    assert all(c.dtype == np.float32 for c in network.coefs)
    assert objective.value(X, Y, sw) == pytest.approx(result.fun, rel=1e-5)
    assert result.fun < 0.5 * start
    # Same start, same problem: it settles where the float64 run does.
    objective64, *data64 = lbfgs_problem(np.float64)
    result64, _ = run_lbfgs(objective64, *data64, max_iter=200, tol=1e-6)
    assert result.fun == pytest.approx(result64.fun, rel=1e-3)


# -- no allocation proportional to the number of parameters ------------------------


def peak_traced_bytes(step, repeat):
    """Peak memory allocated (and traced) while calling ``step`` ``repeat`` times."""
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        baseline = tracemalloc.get_traced_memory()[0]
        for _ in range(repeat):
            step()
        return tracemalloc.get_traced_memory()[1] - baseline
    finally:
        if started:
            tracemalloc.stop()


@pytest.mark.parametrize("solver", ["adam", "sgd", "rmsprop"])
def test_fit_holds_at_most_six_copies_of_the_model(solver):
    """Parameters, gradient, two optimiser vectors (moments or velocity and
    scratch; the consumed gradient is the second workspace), one divergence
    checkpoint, the penalty's cache-sized scratch: a whole fit with L2 peaks
    at 6.3 model-sized vectors with Adam (it was 10.2 before; scikit-learn's
    MLP peaks at 7.1). The data are tiny, so the model dominates."""
    from skmlp import MLPClassifier

    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(40, 1000)), np.arange(40) % 2
    clf = MLPClassifier(hidden_layer_sizes=(400,), solver=solver, max_iter=2, batch_size=20)
    clf.fit(X, y)  # warm up imports and caches
    model_bytes = clf._network.theta.nbytes
    peak = peak_traced_bytes(lambda: clf.fit(X, y), 1)
    assert peak < 6.75 * model_bytes, peak / model_bytes


@pytest.mark.parametrize("activation", ["tanh", "gelu"])
@pytest.mark.parametrize(
    "make_optimizer",
    [
        lambda n: SGD(n, np.float64, learning_rate=0.01, momentum=0.9, nesterov=True),
        lambda n: SGD(n, np.float64, learning_rate=0.01, momentum=0.9, nesterov=False),
        lambda n: Adam(n, np.float64, learning_rate=0.001),
    ],
    ids=["nesterov", "momentum", "adam"],
)
def test_training_step_does_not_allocate_per_parameter(make_optimizer, activation):
    """objective + optimizer step on 1M parameters allocates only per-batch arrays.

    A 2000x500 first layer gives ~1M parameters (theta is ~8 MB in float64).
    With a batch of 4 rows, what a step may legitimately allocate -- logit-
    sized loss temporaries, and GELU's backward, which builds a handful of
    4x500 temporaries (~16 kB each) -- stays near 100 kB, while a single
    temporary shaped like theta, the gradient or the first weight matrix
    costs >= theta.nbytes. The bound theta.nbytes / 10 (~800 kB) separates
    the two with a wide margin on both sides.
    """
    rng = np.random.RandomState(0)
    network = Network([2000, 500, 3], activation)
    network.initialize(rng)
    X = rng.normal(size=(4, 2000))
    Y = np.eye(3)[np.arange(4) % 3]
    sample_weight = rng.uniform(0.5, 2.0, size=4)
    objective = Objective(network, get_loss("softmax_cross_entropy"), alpha=1e-3)
    optimizer = make_optimizer(network.theta.size)

    def step():
        objective(X, Y, sample_weight)
        optimizer.step(network.theta, network.grad)

    step()  # warm-up: the training buffers are allocated once, here
    bound = network.theta.nbytes / 10
    assert peak_traced_bytes(step, repeat=3) < bound
    # The measurement does see NumPy allocations: one copy of theta exceeds it.
    assert peak_traced_bytes(network.theta.copy, repeat=1) >= network.theta.nbytes


# -- RMSProp, AdamW, gradient clipping, proximal L1 -----------------------------


def test_rmsprop_two_steps_against_formula():
    from skmlp.nn.optimizers import RMSProp

    lr, rho, eps = 0.01, 0.8, 1e-7
    theta = np.array([1.0, -2.0, 0.5])
    grads = [np.array([0.3, -1.0, 2.0]), np.array([-0.1, 0.5, 1.0])]
    opt = RMSProp(3, np.float64, learning_rate=lr, rho=rho, epsilon=eps)
    expected, v = theta.copy(), np.zeros(3)
    for g in grads:
        opt.step(theta, g.copy())
        v = rho * v + (1 - rho) * g**2
        expected = expected - lr * g / (np.sqrt(v) + eps)
    np.testing.assert_allclose(theta, expected, rtol=1e-14)
    steps = []
    opt.step(theta, grads[-1].copy(), prox=RecordingProx(3, steps))
    v = rho * v + (1 - rho) * grads[-1] ** 2
    # a stack of one's per-coordinate step sizes: one row
    np.testing.assert_allclose(steps[0], [lr / (np.sqrt(v) + eps)], rtol=1e-14)


class RecordingProx:
    """A stand-in proximal step that records the step sizes it is given."""

    def __init__(self, size, steps):
        self.size, self.steps = size, steps

    def __call__(self, step):
        self.steps.append(np.copy(step))


def test_adamw_decays_weights_only_then_steps_like_adam():
    from skmlp.nn.optimizers import Adam, AdamW

    lr, decay = 0.01, 0.1
    theta_w = np.array([1.0, -2.0, 0.5, 3.0])
    theta_a = theta_w.copy()
    grad = np.array([0.3, -1.0, 2.0, 0.7])
    AdamW(4, np.float64, learning_rate=lr, weight_decay=decay, n_weights=2).step(
        theta_w, grad.copy()
    )
    decayed = theta_a.copy()
    decayed[:2] *= 1 - lr * decay
    Adam(4, np.float64, learning_rate=lr).step(decayed, grad)
    np.testing.assert_allclose(theta_w, decayed, rtol=1e-15)


def test_clip_global_norm():
    from skmlp.nn.optimizers import clip_global_norm

    grad = np.array([3.0, 4.0])
    assert clip_global_norm(grad, 10.0) == 5.0
    np.testing.assert_array_equal(grad, [3.0, 4.0])
    assert clip_global_norm(grad, 1.0) == 5.0
    np.testing.assert_allclose(grad, [0.6, 0.8])
    np.testing.assert_allclose(np.linalg.norm(grad), 1.0)


@pytest.mark.parametrize("scratch_size", [23, 7, 1])
def test_penalties_work_block_by_block_in_a_short_scratch(scratch_size):
    """On a stack of one's weights (one row), block by block of a scratch."""
    from skmlp.nn.penalties import add_l2_grad, l1_values, soft_threshold

    rng = np.random.RandomState(0)
    w, g = rng.normal(size=(1, 23)), rng.normal(size=(1, 23))
    scratch = np.full((1, scratch_size), np.nan)
    expected = g + 0.3 * w
    add_l2_grad(g, w, 0.3, scratch)
    np.testing.assert_array_equal(g, expected)
    np.testing.assert_allclose(l1_values(w, 0.5, scratch), 0.5 * np.abs(w).sum())
    for threshold in (0.4, rng.uniform(0, 1, size=(1, 23))):
        v = w.copy()
        soft_threshold(v, threshold, scratch)
        np.testing.assert_array_equal(v, np.sign(w) * np.maximum(np.abs(w) - threshold, 0))


def test_objective_scratch_is_at_most_one_block():
    from skmlp.nn.fast import SCRATCH_BLOCK
    from skmlp.nn.losses import get_loss
    from skmlp.nn.network import Network
    from skmlp.nn.objective import Objective

    network = Network([300, 200, 2], "relu")
    objective = Objective(network, get_loss("squared_error"), alpha=1.0)
    assert network.n_coefs > SCRATCH_BLOCK == objective._scratch.size


@pytest.mark.parametrize("threshold", [0.3, np.array([[0.1, 0.5, 2.0, 0.0, 1.0]])])
def test_soft_threshold_is_the_l1_proximal_operator(threshold):
    from skmlp.nn.penalties import soft_threshold

    w = np.array([[0.2, -0.7, 1.5, -0.05, 3.0]])
    expected = np.sign(w) * np.maximum(np.abs(w) - threshold, 0)
    soft_threshold(w, threshold, np.empty((1, 5)))
    np.testing.assert_array_equal(w, expected)
    # the proximal point minimises t * |x| + (x - w)^2 / 2 coordinate-wise
    assert np.all((w == 0) | (np.abs(w) > 0))


def test_objective_elastic_net_value_and_proximal_step():
    from skmlp.nn.losses import get_loss
    from skmlp.nn.network import Network
    from skmlp.nn.objective import Objective

    rng = np.random.RandomState(0)
    network = Network([4, 3, 2], "tanh")
    network.initialize(rng)
    X, Y = rng.normal(size=(10, 4)), np.eye(2)[rng.randint(2, size=10)]
    alpha, l1_ratio = 0.5, 0.4
    plain = Objective(network, get_loss("softmax_cross_entropy")).value(X, Y)
    objective = Objective(network, get_loss("softmax_cross_entropy"), alpha, l1_ratio)
    W = network.theta[: network.n_coefs].copy()
    penalty = alpha / 10 * (l1_ratio * np.abs(W).sum() + (1 - l1_ratio) / 2 * W @ W)
    assert objective(X, Y) == pytest.approx(plain + penalty, rel=1e-12)
    objective.prox(0.5)  # threshold = 0.5 * alpha * l1_ratio / n
    t = 0.5 * alpha * l1_ratio / 10
    np.testing.assert_allclose(
        network.theta[: network.n_coefs],
        np.sign(W) * np.maximum(np.abs(W) - t, 0),
        rtol=1e-15,
    )
