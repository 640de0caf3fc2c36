"""Losses whose members on a model axis have their own numeric parameters.

``stack_losses`` turns one loss per member into one loss for the axis; member
``j`` of it must compute what its own loss computes on its rows.
"""

import inspect
import pickle

import numpy as np
import pytest
from scipy.special import log_expit, log_softmax

from skmlp.nn.losses import (
    LOSSES,
    AbsoluteError,
    Hinge,
    Huber,
    LogCosh,
    Poisson,
    SigmoidCrossEntropy,
    SoftmaxCrossEntropy,
    SquaredError,
    StackedLoss,
    stack_losses,
)

K, M, N_OUT = 3, 6, 3
PER_OUTPUT = [np.array([1.0, 2.0, 0.5]), np.array([3.0, 1.0, 1.0])]

#: (id, the loss parameters it varies, one loss per member)
CASES = [
    ("softmax-gamma", {"gamma"}, [SoftmaxCrossEntropy(g) for g in (0.5, 1.0, 3.0)]),
    ("softmax-gamma-0", {"gamma"}, [SoftmaxCrossEntropy(g) for g in (0.0, 2.0, 0.0)]),
    (
        "sigmoid-pos",
        {"pos_weight"},
        [SigmoidCrossEntropy(p, 1.0) for p in (1.0, 2.0, 0.25)],
    ),
    (
        "sigmoid-pos-per-output",
        {"pos_weight"},
        [SigmoidCrossEntropy(p, 1.0) for p in (PER_OUTPUT[0], 1.0, PER_OUTPUT[1])],
    ),
    (
        "sigmoid-neg",
        {"neg_weight"},
        [SigmoidCrossEntropy(1.0, n) for n in (0.3, 1.0, 3.0)],
    ),
    (
        "sigmoid-neg-per-output",
        {"neg_weight"},
        [SigmoidCrossEntropy(1.0, n) for n in (PER_OUTPUT[1], PER_OUTPUT[0], 2.0)],
    ),
    (
        "sigmoid-gamma",
        {"gamma"},
        [SigmoidCrossEntropy(1.0, 1.0, g) for g in (0.0, 1.5, 0.5)],
    ),
    (
        "sigmoid-focal-alpha",
        {"pos_weight", "neg_weight"},
        [SigmoidCrossEntropy(a, 1 - a, 2.0) for a in (0.25, 0.5, 0.9)],
    ),
    (
        "sigmoid-all",
        {"pos_weight", "neg_weight", "gamma"},
        [
            SigmoidCrossEntropy(PER_OUTPUT[0], 0.5, 1.0),
            SigmoidCrossEntropy(1.0, 1.0, 0.0),
            SigmoidCrossEntropy(0.75, PER_OUTPUT[1], 0.0),
        ],
    ),
    ("huber-delta", {"delta"}, [Huber(d) for d in (0.3, 1.0, 2.5)]),
]
IDS = [case[0] for case in CASES]
#: Cases whose members share no ``q ** gamma`` of differing exponents, which
#: NumPy computes by ``pow`` for an array but by ``square``/``sqrt`` for the
#: Python numbers 2.0 and 0.5 (one rounding apart, not bitwise).
BITWISE = [case for case in CASES if case[0] != "softmax-gamma"]


@pytest.fixture
def rng():
    return np.random.RandomState(0)


def make_data(loss, rng, k=K):
    """Logits and targets of shape ``(k, M, N_OUT)`` of the kind ``loss`` is for."""
    raw = rng.normal(scale=2.0, size=(k, M, N_OUT))
    if isinstance(loss, SoftmaxCrossEntropy):
        Y = np.eye(N_OUT)[rng.randint(N_OUT, size=(k, M))]
        Y[:, ::2] = 0.9 * Y[:, ::2] + 0.1 / N_OUT  # some label smoothing
    elif isinstance(loss, SigmoidCrossEntropy):
        Y = rng.randint(2, size=(k, M, N_OUT)).astype(float)
        Y[:, ::3] = 0.8 * Y[:, ::3] + 0.1
    else:
        Y = rng.normal(scale=2.0, size=(k, M, N_OUT))
    return raw, Y


def make_weight(kind, rng, k=K):
    """``1 / M`` or a ``(k, M, 1)`` array summing to one per member, with zeros."""
    if kind == "scalar":
        return 1.0 / M
    w = rng.uniform(0.1, 3.0, size=(k, M, 1))
    w[:, 1] = 0.0
    w[1, 4] = 0.0
    return w / w.sum(axis=1, keepdims=True)


def member_weight(weight, j, keep_axis=False):
    if np.ndim(weight) == 0:
        return weight
    return weight[j : j + 1] if keep_axis else weight[j]


def value_and_grad(loss, raw, Y, weight):
    grad = np.full_like(raw, np.nan)
    return loss.value_and_grad(raw, Y, weight, grad), grad


@pytest.mark.parametrize("weight_kind", ["scalar", "array"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_member_equals_its_own_loss_on_its_rows(case, weight_kind, rng):
    _, _, losses = case
    raw, Y = make_data(losses[0], rng)
    weight = make_weight(weight_kind, rng)
    stacked = stack_losses(losses)
    assert isinstance(stacked, StackedLoss)
    values, grad = value_and_grad(stacked, raw, Y, weight)
    assert values.shape == (K,)
    for j, loss in enumerate(losses):
        own_value, own_grad = value_and_grad(loss, raw[j], Y[j], member_weight(weight, j))
        np.testing.assert_allclose(values[j], own_value, rtol=1e-12)
        np.testing.assert_allclose(grad[j], own_grad, rtol=1e-12, atol=1e-16)
    if weight_kind == "array":  # a row of weight 0 has no gradient
        assert not grad[:, 1].any() and not grad[1, 4].any()


@pytest.mark.parametrize("weight_kind", ["scalar", "array"])
@pytest.mark.parametrize("case", BITWISE, ids=[case[0] for case in BITWISE])
def test_member_is_bitwise_its_own_loss_on_an_axis_of_one(case, weight_kind, rng):
    """On a model axis of one member, its own loss runs the same code."""
    _, _, losses = case
    raw, Y = make_data(losses[0], rng)
    weight = make_weight(weight_kind, rng)
    values, grad = value_and_grad(stack_losses(losses), raw, Y, weight)
    for j, loss in enumerate(losses):
        own = raw[j : j + 1], Y[j : j + 1], member_weight(weight, j, keep_axis=True)
        own_value, own_grad = value_and_grad(loss, *own)
        assert values[j] == own_value[0]
        np.testing.assert_array_equal(grad[j], own_grad[0])


@pytest.mark.parametrize("weight_kind", ["scalar", "array"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_gradient_matches_central_differences(case, weight_kind, rng, eps=1e-6):
    _, _, losses = case
    stacked = stack_losses(losses)
    raw, Y = make_data(losses[0], rng)
    weight = make_weight(weight_kind, rng)
    _, grad = value_and_grad(stacked, raw, Y, weight)
    numeric = np.empty_like(raw)
    for idx in np.ndindex(raw.shape):
        shifted = raw.copy()
        shifted[idx] += eps
        plus = stacked.value_and_grad(shifted, Y, weight).sum()
        shifted[idx] -= 2 * eps
        minus = stacked.value_and_grad(shifted, Y, weight).sum()
        numeric[idx] = (plus - minus) / (2 * eps)
    error = np.linalg.norm(grad - numeric) / np.linalg.norm(grad + numeric)
    assert error < 1e-7


@pytest.mark.parametrize("weight_kind", ["scalar", "array"])
@pytest.mark.parametrize(
    "losses, plain, reference",
    [
        (
            [SoftmaxCrossEntropy(2.0), SoftmaxCrossEntropy(0.0), SoftmaxCrossEntropy(0.5)],
            SoftmaxCrossEntropy(),
            lambda raw, Y: -Y * log_softmax(raw, axis=-1),
        ),
        (
            [SigmoidCrossEntropy(gamma=g) for g in (1.0, 0.0, 2.0)],
            SigmoidCrossEntropy(),
            lambda raw, Y: -(Y * log_expit(raw) + (1 - Y) * log_expit(-raw)),
        ),
    ],
    ids=["softmax", "sigmoid"],
)
def test_member_with_gamma_0_is_the_plain_cross_entropy(
    losses, plain, reference, weight_kind, rng
):
    raw, Y = make_data(plain, rng)
    weight = make_weight(weight_kind, rng)
    values, grad = value_and_grad(stack_losses(losses), raw, Y, weight)
    w1 = member_weight(weight, 1, keep_axis=True)
    plain_value, plain_grad = value_and_grad(plain, raw[1:2], Y[1:2], w1)
    assert values[1] == plain_value[0]  # the plain code, not the focal one at 0
    np.testing.assert_array_equal(grad[1], plain_grad[0])
    expected = np.sum(np.broadcast_to(w1, Y[1:2].shape) * reference(raw[1:2], Y[1:2]))
    assert values[1] == pytest.approx(expected, rel=1e-12)
    # the focal members are not the plain loss
    assert not np.isclose(values[0], value_and_grad(plain, raw[:1], Y[:1], 1 / M)[0][0])


def test_every_numeric_parameter_of_every_loss_has_a_case():
    covered = {(type(losses[0]), name) for _, names, losses in CASES for name in names}
    for cls in LOSSES.values():
        for name in inspect.signature(cls).parameters:
            assert (cls, name) in covered, f"no stacking case for {cls.__name__}.{name}"


@pytest.mark.parametrize(
    "make",
    [
        SoftmaxCrossEntropy,
        lambda: SoftmaxCrossEntropy(2.0),
        lambda: SigmoidCrossEntropy(PER_OUTPUT[0].copy(), 0.5, 1.0),
        Hinge,
        SquaredError,
        AbsoluteError,
        lambda: Huber(0.7),
        LogCosh,
        Poisson,
    ],
)
def test_equal_losses_give_the_first_itself(make):
    losses = [make() for _ in range(K)]
    assert stack_losses(losses) is losses[0]
    assert stack_losses(losses[:1]) is losses[0]


@pytest.mark.parametrize(
    "losses, message",
    [
        ([SoftmaxCrossEntropy(), SigmoidCrossEntropy()], "SigmoidCrossEntropy"),
        ([Huber(), Huber(2.0), SquaredError()], "member 2 SquaredError"),
        ([Hinge(), SquaredError()], "one class"),
        (
            [SigmoidCrossEntropy(np.ones(3)), SigmoidCrossEntropy(np.ones(4))],
            "'pos_weight' of shapes",
        ),
        ([], "at least one"),
    ],
)
def test_losses_that_cannot_share_an_axis_are_refused(losses, message):
    with pytest.raises(ValueError, match=message):
        stack_losses(losses)


def test_a_parameter_that_is_not_numeric_is_refused():
    a, b = Huber(), Huber()
    a.delta, b.delta = "wide", "narrow"
    with pytest.raises(ValueError, match="'delta', which is not numeric"):
        stack_losses([a, b])


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_value_without_gradient_and_inputs_untouched(case, rng):
    _, _, losses = case
    stacked = stack_losses(losses)
    raw, Y = make_data(losses[0], rng)
    weight = make_weight("array", rng)
    before = [raw.copy(), Y.copy(), weight.copy()]
    values, _ = value_and_grad(stacked, raw, Y, weight)
    np.testing.assert_array_equal(stacked.value_and_grad(raw, Y, weight), values)
    for after, copy in zip([raw, Y, weight], before):
        np.testing.assert_array_equal(after, copy)


def test_targets_shared_by_the_members_broadcast(rng):
    """MemberObjective passes ``np.broadcast_to(Y, raw.shape)`` for shared rows."""
    losses = CASES[1][2]  # two groups, one of them not contiguous
    raw, Y = make_data(losses[0], rng)
    shared = np.broadcast_to(Y[0], raw.shape)
    values, grad = value_and_grad(stack_losses(losses), raw, shared, 1.0 / M)
    for j, loss in enumerate(losses):
        own_value, own_grad = value_and_grad(loss, raw[j], Y[0], 1.0 / M)
        np.testing.assert_allclose(values[j], own_value, rtol=1e-12)
        np.testing.assert_allclose(grad[j], own_grad, rtol=1e-12, atol=1e-16)


def test_subset_keeps_the_members_losses(rng):
    losses = [SoftmaxCrossEntropy(g) for g in (0.0, 2.0, 0.0, 1.0)]
    stacked = stack_losses(losses)
    raw, Y = make_data(losses[0], rng, k=4)
    values, grad = value_and_grad(stacked, raw, Y, 1.0 / M)
    keep = np.array([1, 3])
    subset = stacked.subset(keep)
    sub_values, sub_grad = value_and_grad(subset, raw[keep], Y[keep], 1.0 / M)
    np.testing.assert_array_equal(sub_values, values[keep])
    np.testing.assert_array_equal(sub_grad, grad[keep])
    assert stacked.subset([0, 2]) is losses[0]  # members that agree: a plain loss
    assert stacked.subset(np.array([False, True, False, False])) is losses[1]
    assert SquaredError().subset([0]).name == "squared_error"


def test_logits_of_another_number_of_members_are_refused(rng):
    stacked = stack_losses([Huber(d) for d in (0.5, 1.0, 2.0)])
    raw, Y = make_data(Huber(), rng, k=2)
    with pytest.raises(ValueError, match="3 members; got logits of shape"):
        stacked.value_and_grad(raw, Y, 1.0 / M)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_pickle_round_trip(case, rng):
    _, _, losses = case
    stacked = stack_losses(losses)
    raw, Y = make_data(losses[0], rng)
    values, grad = value_and_grad(stacked, raw, Y, 1.0 / M)
    loaded = pickle.loads(pickle.dumps(stacked))
    loaded_values, loaded_grad = value_and_grad(loaded, raw, Y, 1.0 / M)
    np.testing.assert_array_equal(loaded_values, values)
    np.testing.assert_array_equal(loaded_grad, grad)
    assert loaded.name == losses[0].name
    assert loaded.out_activation == losses[0].out_activation


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_float32_follows_the_data(case, rng):
    _, _, losses = case
    stacked = stack_losses(losses)
    raw, Y = (a.astype(np.float32) for a in make_data(losses[0], rng))
    grad = np.empty_like(raw)
    values = stacked.value_and_grad(raw, Y, np.float32(1.0 / M), grad)
    for _, loss in stacked.groups_for(np.float32):
        arrays = [v for v in vars(loss).values() if np.ndim(v) == 3]
        assert all(a.dtype == np.float32 for a in arrays)
    for j, loss in enumerate(losses):
        own_grad = np.empty_like(raw[j])
        own_value = loss.value_and_grad(raw[j], Y[j], np.float32(1.0 / M), own_grad)
        np.testing.assert_allclose(values[j], own_value, rtol=1e-5)
        np.testing.assert_allclose(grad[j], own_grad, rtol=1e-4, atol=1e-6)


def test_link_is_the_members_link(rng):
    stacked = stack_losses([SoftmaxCrossEntropy(g) for g in (0.0, 2.0)])
    raw = rng.normal(size=(2, M, N_OUT))
    expected = np.exp(log_softmax(raw, axis=-1))
    np.testing.assert_allclose(stacked.log_link(raw), np.log(expected), rtol=1e-12)
    np.testing.assert_allclose(stacked.link(raw.copy()), expected, rtol=1e-12)
