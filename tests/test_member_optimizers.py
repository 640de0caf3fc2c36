"""Optimizers and the elastic net on a model axis whose members differ in
their hyper-parameters (a search's candidates trained as one program).

The central property, as in tests/test_model_axis.py: member j of the stacked
optimizer (and of the stacked objective's proximal L1 step) moves exactly as
a single optimizer (an Objective of its own) with member j's values would.
"""

import pickle

import numpy as np
import pytest

from skmlp.nn.losses import get_loss
from skmlp.nn.network import Network
from skmlp.nn.objective import Objective
from skmlp.nn.optimizers import OPTIMIZERS, SGD, Adam, make_optimizer
from skmlp.nn.penalties import ProximalL1

K, P, N_WEIGHTS, N_STEPS = 3, 11, 7, 5
#: Three different values of each float hyper-parameter (large enough to matter).
VALUES = {
    "learning_rate": [0.01, 0.05, 0.002],
    "momentum": [0.0, 0.5, 0.9],
    "beta_1": [0.8, 0.9, 0.95],
    "beta_2": [0.9, 0.99, 0.999],
    "epsilon": [1e-8, 1e-3, 0.1],
    "weight_decay": [0.0, 0.05, 0.3],
    "rho": [0.5, 0.9, 0.99],
}
CASES = [
    *[("sgd", p, nesterov) for p in ("learning_rate", "momentum") for nesterov in (1, 0)],
    *[("adam", p, None) for p in ("learning_rate", "beta_1", "beta_2", "epsilon")],
    *[
        ("adamw", p, None)
        for p in ("learning_rate", "beta_1", "beta_2", "epsilon", "weight_decay")
    ],
    *[("rmsprop", p, None) for p in ("learning_rate", "rho", "epsilon")],
]


def _case_id(case):
    name, param, nesterov = case
    return f"{name}-{param}" + ("" if nesterov is None else f"-nesterov{nesterov}")


def _settings(j, param=None, nesterov=None):
    """Member j's keyword arguments: the defaults, ``param`` set to its j-th value."""
    settings = {} if nesterov is None else {"nesterov": bool(nesterov)}
    if param is not None:
        settings[param] = VALUES[param][j]
    return settings


def _singles(name, dtype, param=None, nesterov=None):
    cls = OPTIMIZERS[name]
    return [
        cls(P, dtype, n_weights=N_WEIGHTS, **_settings(j, param, nesterov))
        for j in range(K)
    ]


def _steps(stacked, singles, dtype, pause=False, seed=0):
    """N_STEPS random gradients through the stacked optimizer and the singles
    (member 1 inactive at steps 1 and 2 with ``pause``); returns both thetas."""
    rng = np.random.RandomState(seed)
    theta = rng.normal(size=(K, P)).astype(dtype)
    expected = theta.copy()
    flat = theta.ravel()
    for i in range(N_STEPS):
        g = rng.normal(size=(K, P)).astype(dtype)
        if pause:
            stacked.activate()
            if i in (1, 2):
                stacked.deactivate(1)
        stacked.step(flat, g.ravel().copy())
        for j, single in enumerate(singles):
            if not pause or stacked.active[j]:
                single.step(expected[j], g[j].copy())
    return flat.reshape(K, P), expected


@pytest.mark.parametrize("pause", [False, True], ids=["all-active", "one-paused"])
@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_member_j_steps_as_a_single_optimizer_with_its_values(case, pause):
    name, param, nesterov = case
    singles = _singles(name, np.float64, param, nesterov)
    stacked = type(singles[0]).stack(_singles(name, np.float64, param, nesterov))
    assert isinstance(getattr(stacked, param), np.ndarray)
    others = set(stacked.FLOAT_HYPERPARAMETERS) - {param}
    assert all(type(getattr(stacked, other)) is float for other in others)
    got, expected = _steps(stacked, singles, np.float64, pause)
    np.testing.assert_allclose(got, expected, rtol=1e-13, atol=0)
    for j, single in enumerate(singles):
        for mine, theirs in zip(
            stacked.member(j)._state_vectors(), single._state_vectors()
        ):
            np.testing.assert_allclose(mine, theirs, rtol=1e-13, atol=0)


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_float32_members_stay_float32(case):
    name, param, nesterov = case
    singles = _singles(name, np.float32, param, nesterov)
    stacked = type(singles[0]).stack(_singles(name, np.float32, param, nesterov))
    got, expected = _steps(stacked, singles, np.float32)
    assert got.dtype == np.float32
    assert all(v.dtype == np.float32 for v in stacked._state_vectors())
    assert stacked._scratch.dtype == np.float32
    # every number is computed in float64 and rounded once to float32, as a
    # single optimizer's Python floats are: the same float32 arithmetic
    np.testing.assert_array_equal(got, expected)


def test_make_optimizer_with_settings_per_member_is_each_members_optimizer():
    defaults = dict(
        learning_rate=0.01, momentum=0.9, nesterov=True, beta_1=0.9, beta_2=0.999
    )
    defaults.update(epsilon=1e-8, rho=0.9, weight_decay=0.01)
    members = [
        dict(defaults, learning_rate=lr, beta_1=b) for lr, b in [(0.1, 0.8), (0.02, 0.9)]
    ]
    members.append(dict(defaults, learning_rate=0.005, beta_1=0.95))
    for name in OPTIMIZERS:
        stacked = make_optimizer(name, P, np.float64, N_WEIGHTS, members, n_members=K)
        assert stacked.members == K and stacked.n_weights == N_WEIGHTS
        singles = [make_optimizer(name, P, np.float64, N_WEIGHTS, h) for h in members]
        got, expected = _steps(stacked, singles, np.float64)
        np.testing.assert_allclose(got, expected, rtol=1e-13, atol=0)
    with pytest.raises(ValueError, match="nesterov"):
        make_optimizer(
            "sgd", P, np.float64, N_WEIGHTS, [defaults, {**defaults, "nesterov": False}], 2
        )
    with pytest.raises(ValueError, match="3 member.s. need as many settings; got 0"):
        make_optimizer("adam", P, np.float64, N_WEIGHTS, [], n_members=K)


def test_equal_values_stay_python_floats_and_take_the_flat_path():
    """Members that share every value are the single model's arithmetic on the
    whole vectors, as before hyper-parameters could differ."""
    stacked = Adam.stack(_singles("adam", np.float64))
    assert not stacked.per_member
    assert all(type(getattr(stacked, n)) is float for n in stacked.FLOAT_HYPERPARAMETERS)
    stacked.learning_rate = np.full(K, 0.125)
    assert type(stacked.learning_rate) is float and stacked.learning_rate == 0.125
    stacked.learning_rate = [0.1, 0.2, 0.3]
    assert stacked.per_member and stacked.learning_rate.flags.writeable is False
    with pytest.raises(ValueError, match="learning_rate has 2 values"):
        stacked.learning_rate = [0.1, 0.2]
    with pytest.raises(ValueError, match="learning_rate"):
        Adam(P, np.float64).learning_rate = [0.1, 0.2]  # no model axis


def test_stack_refuses_what_members_cannot_differ_in():
    with pytest.raises(ValueError, match="nesterov"):
        SGD.stack([SGD(P, np.float64, nesterov=True), SGD(P, np.float64, nesterov=False)])
    with pytest.raises(ValueError, match="one class"):
        Adam.stack([Adam(P, np.float64), OPTIMIZERS["adamw"](P, np.float64)])
    with pytest.raises(ValueError, match="n_weights"):
        Adam.stack([Adam(P, np.float64, n_weights=3), Adam(P, np.float64)])


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_member_subset_stack_round_trip_and_pickling(name):
    param = {"sgd": "momentum", "rmsprop": "rho"}.get(name, "beta_1")
    singles = _singles(name, np.float64, "learning_rate")
    for j, single in enumerate(singles):  # a second differing value
        setattr(single, param, VALUES[param][j])
    stacked = type(singles[0]).stack([pickle.loads(pickle.dumps(s)) for s in singles])
    assert stacked.per_member
    _steps(stacked, singles, np.float64, pause=True)
    for j, single in enumerate(singles):
        split = stacked.member(j)
        assert split.members == 1
        for hp in stacked.FLOAT_HYPERPARAMETERS:
            value = getattr(split, hp)
            assert type(value) is float and value == getattr(single, hp)
        np.testing.assert_array_equal(getattr(split, "t", 0), getattr(single, "t", 0))
    subset = stacked.subset([2, 0])
    np.testing.assert_array_equal(
        subset.learning_rate, [VALUES["learning_rate"][i] for i in (2, 0)]
    )
    assert type(stacked.subset([1]).learning_rate) is float
    restored = pickle.loads(pickle.dumps(stacked))
    assert restored.learning_rate.flags.writeable is False
    np.testing.assert_array_equal(getattr(restored, param), getattr(stacked, param))
    got, expected = _steps(restored, [restored.member(j) for j in range(K)], np.float64)
    again, _ = _steps(stacked, singles, np.float64)
    np.testing.assert_array_equal(got, again)  # the copy continues as the original
    np.testing.assert_allclose(got, expected, rtol=1e-13, atol=0)


def test_reset_keeps_each_members_values_and_restarts_its_steps():
    singles = _singles("adam", np.float64, "beta_2")
    stacked = Adam.stack(_singles("adam", np.float64, "beta_2"))
    _steps(stacked, singles, np.float64, pause=True)
    stacked.reset()
    np.testing.assert_array_equal(stacked.beta_2, VALUES["beta_2"])
    np.testing.assert_array_equal(stacked.t, 0)
    fresh = _singles("adam", np.float64, "beta_2")
    got, expected = _steps(stacked, fresh, np.float64, seed=3)
    np.testing.assert_allclose(got, expected, rtol=1e-13, atol=0)


def test_optimizers_pickled_before_per_member_values_load():
    """Optimizers saved when hyper-parameters were plain attributes."""
    saved = SGD(P, np.float64, learning_rate=0.3, momentum=0.2).__getstate__()
    old = {
        key.lstrip("_") if key in ("_learning_rate", "_momentum") else key: value
        for key, value in saved.items()
    }
    loaded = SGD.__new__(SGD)
    loaded.__setstate__(old)
    assert loaded.learning_rate == 0.3 and loaded.momentum == 0.2
    theta, reference = np.zeros(P), np.zeros(P)
    loaded.step(theta, np.ones(P))
    SGD(P, np.float64, learning_rate=0.3, momentum=0.2).step(reference, np.ones(P))
    np.testing.assert_array_equal(theta, reference)


def test_a_schedule_sets_each_members_learning_rate():
    """With one initial rate per member, invscaling's rate is one per member,
    decayed from each member's own, and used; a constant schedule keeps it."""
    from skmlp.training.schedules import LearningRateSchedule

    schedule = LearningRateSchedule("invscaling", power_t=0.5)
    singles = _singles("sgd", np.float64, "learning_rate")
    stacked = SGD.stack(_singles("sgd", np.float64, "learning_rate"))
    np.testing.assert_array_equal(stacked.learning_rate_init, VALUES["learning_rate"])
    schedule.after_epoch(stacked, 24)
    rate = stacked.learning_rate
    for j, single in enumerate(singles):
        single.learning_rate = VALUES["learning_rate"][j] / 25**0.5
        assert stacked.member(j).learning_rate == single.learning_rate
    got, expected = _steps(stacked, singles, np.float64)
    np.testing.assert_allclose(got, expected, rtol=1e-13, atol=0)
    LearningRateSchedule("constant").after_epoch(stacked, 50)
    np.testing.assert_array_equal(stacked.learning_rate, rate)


@pytest.mark.parametrize("solver", ["sgd", "adam", "rmsprop", "adamw"])
def test_the_cosine_schedule_follows_its_formula_in_fit_and_partial_fit(solver):
    """Every stochastic solver: after epoch e of a budget of T = max_iter the
    rate is lr_init (1 + cos(pi e / T)) / 2, in fit and call by call in
    partial_fit (0 once the budget is spent); reaching the budget is no
    ConvergenceWarning."""
    import warnings

    from sklearn.datasets import make_regression

    from skmlp import MLPRegressor

    X, y = make_regression(n_samples=60, n_features=4, noise=1.0, random_state=0)
    params = dict(
        hidden_layer_sizes=(6,),
        solver=solver,
        learning_rate="cosine",
        learning_rate_init=0.01,
        max_iter=9,
        tol=0.0,
        n_iter_no_change=50,
        random_state=0,
    )
    expected = 0.01 * (1 + np.cos(np.pi * np.minimum(np.arange(12), 9) / 9)) / 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fitted = MLPRegressor(**params).fit(X, y)
    np.testing.assert_allclose(fitted.history_["learning_rate"], expected[:9], rtol=1e-12)
    assert fitted.n_iter_ == 9
    model = MLPRegressor(**params)
    for _ in range(12):
        model.partial_fit(X, y)
    np.testing.assert_allclose(model.history_["learning_rate"], expected, rtol=1e-12)
    assert model.history_["learning_rate"][-1] == 0.0


# -- the elastic net's L1 part on the axis -----------------------------------------

D, M, UNITS = 4, 12, [4, 6, 3]
ALPHA, L1_RATIO = np.array([2.0, 0.3, 1.5]), np.array([0.5, 0.0, 1.0])
RATES = {"sgd": [0.2, 0.1, 0.3], "adam": [0.05, 0.02, 0.08], "rmsprop": [0.02, 0.01, 0.05]}
RATES["adamw"] = RATES["adam"]


def _elastic_problem(seed=0):
    rng = np.random.RandomState(seed)
    network = Network(UNITS, "tanh", n_members=K)
    network.initialize([np.random.RandomState(seed + j) for j in range(K)])
    X = rng.normal(size=(K, M, D))
    Y = np.eye(3)[rng.randint(3, size=(K, M))]
    sample_weight = rng.uniform(0.3, 2.0, size=(K, M))
    return network, get_loss("softmax_cross_entropy"), X, Y, sample_weight


def _member_optimizer_settings(name):
    base = dict(momentum=0.9, nesterov=True, beta_1=0.9, beta_2=0.999, epsilon=1e-8)
    base.update(rho=0.9, weight_decay=0.05)
    return [dict(base, learning_rate=lr) for lr in RATES[name]]


def _fit_single(name, single, loss, data, settings, pause):
    """Member j's own Objective and optimizer on its rows, in half batches."""
    j, X, Y, sw = data
    objective = Objective(single, loss, ALPHA[j], L1_RATIO[j])
    objective.set_training_weights(sw, M)
    optimizer = make_optimizer(
        name, single.theta.size, single.dtype, single.n_coefs, settings
    )
    values = []
    for i in range(6):
        if pause and i in (2, 3):
            continue
        rows = slice(0, M // 2) if i % 2 == 0 else slice(M // 2, M)
        values.append(objective(X[rows], Y[rows], sw[rows]))
        optimizer.step(single.theta, single.grad, objective.prox)
    return values, objective.value(X, Y, sw)


@pytest.mark.parametrize("pause", [False, True], ids=["all-active", "one-paused"])
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_l1_on_the_axis_moves_each_member_as_its_own_objective(name, pause):
    network, loss, X, Y, sw = _elastic_problem()
    singles = [network.member(j) for j in range(K)]
    settings = _member_optimizer_settings(name)
    objective = Objective(network, loss, alpha=ALPHA, l1_ratio=L1_RATIO)
    objective.set_training_weights(sw, M)
    optimizer = make_optimizer(
        name, network.theta.size // K, network.dtype, network.n_coefs, settings, K
    )
    values = []
    for i in range(6):
        optimizer.activate()
        if pause and i in (2, 3):
            optimizer.deactivate(0)
        rows = slice(0, M // 2) if i % 2 == 0 else slice(M // 2, M)
        values.append(objective(X[:, rows], Y[:, rows], sw[:, rows]))
        optimizer.step(network.theta, network.grad, objective.prox)
    thetas = network.members_view(network.theta)
    final = objective.value(X, Y, sw)
    for j, single in enumerate(singles):
        paused = pause and j == 0
        data = (j, X[j], Y[j], sw[j])
        own_values, own_final = _fit_single(name, single, loss, data, settings[j], paused)
        steps = [v[j] for i, v in enumerate(values) if not (paused and i in (2, 3))]
        np.testing.assert_allclose(steps, own_values, rtol=1e-12)
        assert final[j] == pytest.approx(own_final, rel=1e-12)
        np.testing.assert_allclose(thetas[j], single.theta, rtol=1e-12, atol=1e-15)
        np.testing.assert_array_equal(thetas[j] == 0, single.theta == 0)
    weights = thetas[:, : network.n_coefs]
    assert (weights[[0, 2]] == 0).sum(axis=1).min() > 0  # L1 made exact zeros
    assert not (weights[1] == 0).any()  # l1_ratio 0: no L1 step


def _members_step(step, j):
    """Member j's part of a step size given to the proximal step of a stack:
    as a stack of one is given it (per-coordinate steps as a row)."""
    if np.ndim(step) == 0:
        return step
    return np.copy(step[j : j + 1]) if np.ndim(step) == 2 else float(step[j])


def test_member_proximal_step_is_each_members_proximal_step_bit_for_bit():
    """Scalar, per-member and per-coordinate step sizes, float64 and float32;
    a member of strength 0 keeps its weights bit for bit (even where its step
    size is infinite: 0 * inf would make them NaN)."""
    rng = np.random.RandomState(0)
    n, strength = 9, np.array([0.7, 0.0, 2.5])
    for dtype in (np.float64, np.float32):
        W0 = rng.normal(size=(K, n + 2)).astype(dtype)  # two biases after the weights
        per_coordinate = rng.uniform(0.01, 0.5, size=(K, n)).astype(dtype)
        per_coordinate[1, 0] = np.inf  # Adam with epsilon=0 where v is still 0
        for step in (0.3, np.array([0.1, 0.2, 0.4]), per_coordinate):
            for strengths in (strength, strength + 0.5):  # with and without a zero
                W = W0.copy()
                prox = ProximalL1(W[:, :n], np.empty((K, n), dtype))
                prox.strength = strengths
                prox(np.copy(step))
                for j in range(K):
                    single = W0[j].copy()
                    own = ProximalL1(single[None, :n], np.empty((1, n), dtype))
                    own.strength = float(strengths[j])
                    own(_members_step(step, j))
                    np.testing.assert_array_equal(W[j], single)
                assert W.dtype == dtype
            np.testing.assert_array_equal(W[:, n:], W0[:, n:])  # biases untouched


def test_l1_objective_subset_and_pickling_keep_each_members_l1_ratio():
    network, loss, X, Y, sw = _elastic_problem()
    objective = Objective(network, loss, alpha=ALPHA, l1_ratio=L1_RATIO)
    part = objective.subset(network.subset([2, 1]), [2, 1])
    np.testing.assert_array_equal(part.l1_ratio, L1_RATIO[[2, 1]])
    assert part.prox is not None
    assert Objective(network.subset([1]), loss, 0.3, 0.0).prox is None
    assert Objective(network, loss, [0.0, 0.2, 0.0], [1.0, 0.0, 1.0]).prox is None
    restored = pickle.loads(pickle.dumps(objective))
    np.testing.assert_array_equal(restored.l1_ratio, L1_RATIO)
    assert np.shares_memory(restored.prox.weights, restored.network.theta)
    np.testing.assert_array_equal(restored.value(X, Y, sw), objective.value(X, Y, sw))


def test_member_objective_gradient_with_elastic_net_matches_finite_differences():
    """The gradient (data loss + each member's L2 part) plus each member's L1
    subgradient ``alpha_j l1_ratio_j / T_j sign(w)`` is the derivative of the
    values, which include the L1 term (minibatch normalisation: T_j = rows x
    member j's mean training weight)."""
    network, loss, X, Y, sw = _elastic_problem(seed=4)
    objective = Objective(network, loss, alpha=[0.5, 0.3, 0.9], l1_ratio=[0.4, 0.0, 0.8])
    objective.set_training_weights(sw, M)
    batch = (X[:, :8], Y[:, :8], sw[:, :8])
    objective(*batch)
    analytic = network.grad.copy()
    totals = 8 * sw.mean(axis=1)
    l1 = objective.alpha * objective.l1_ratio / totals
    np.testing.assert_allclose(objective.prox.strength, l1, rtol=1e-15)
    theta, eps, per_member = network.theta, 1e-6, network.theta.size // K
    for i in np.random.RandomState(1).choice(theta.size, size=60, replace=False):
        j, position = divmod(i, per_member)
        saved = theta[i]
        theta[i] = saved + eps
        up = objective(*batch).sum()
        theta[i] = saved - eps
        down = objective(*batch).sum()
        theta[i] = saved
        subgradient = l1[j] * np.sign(saved) if position < network.n_coefs else 0.0
        numeric = (up - down) / (2 * eps)
        assert analytic[i] + subgradient == pytest.approx(numeric, rel=1e-5, abs=1e-8), i
