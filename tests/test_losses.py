"""Losses on the logits: values, gradients, links and numerical stability."""

import numpy as np
import pytest
from scipy.special import expit, log_expit, log_softmax, softmax, xlogy

from skmlp.nn.losses import LOSSES, get_loss, row_max, row_sum

NAMES = sorted(LOSSES)
N_SAMPLES, N_OUTPUTS = 6, 3
# Overflow, division by zero and invalid operations are errors; underflow to
# 0 (e.g. exp(-2e4) inside a log-sum-exp) is the expected, harmless outcome.
STRICT = dict(over="raise", divide="raise", invalid="raise", under="ignore")


def make_targets(name, rng, n=N_SAMPLES, k=N_OUTPUTS):
    """Targets of the kind each loss is meant for."""
    if name == "softmax_cross_entropy":
        # One-hot rows, half of them label-smoothed; every row sums to 1.
        Y = np.eye(k)[rng.randint(k, size=n)]
        Y[::2] = 0.9 * Y[::2] + 0.1 / k
        return Y
    if name in ("sigmoid_cross_entropy", "hinge"):
        return rng.randint(2, size=(n, k)).astype(float)
    if name in ("squared_error", "absolute_error", "huber", "log_cosh"):
        return rng.normal(size=(n, k))
    return rng.poisson(2.0, size=(n, k)).astype(float)  # counts, zeros included


def make_weights(kind, rng, n=N_SAMPLES):
    """A scalar ``1 / n`` or a non-uniform normalised column, as Objective passes them."""
    if kind == "scalar":
        return 1.0 / n
    w = rng.uniform(0.1, 3.0, size=(n, 1))
    return w / w.sum()


def reference_elementwise(name, raw, Y):
    """The per-(sample, output) loss from its textbook definition."""
    if name == "softmax_cross_entropy":
        return -Y * log_softmax(raw, axis=1)
    if name == "sigmoid_cross_entropy":
        return -(Y * log_expit(raw) + (1 - Y) * log_expit(-raw))
    if name == "hinge":
        return np.maximum(0, 1 - (2 * Y - 1) * raw)
    residual = raw - Y
    if name == "squared_error":
        return 0.5 * residual**2
    if name == "absolute_error":
        return np.abs(residual)
    if name == "huber":  # delta = 1
        return np.where(np.abs(residual) <= 1, 0.5 * residual**2, np.abs(residual) - 0.5)
    if name == "log_cosh":
        return np.log(np.cosh(residual))
    return np.exp(raw) - Y * raw + xlogy(Y, Y) - Y


def weighted_reference(name, raw, Y, weight):
    """``sum_i w_i sum_k l(raw_ik, Y_ik)``; a scalar or column weight broadcasts."""
    return float(np.sum(weight * reference_elementwise(name, raw, Y)))


def value_and_grad(loss, raw, Y, weight):
    grad = np.full_like(raw, np.nan)
    value = loss.value_and_grad(raw, Y, weight, grad)
    return value, grad


def numeric_grad(loss, raw, Y, weight, eps=1e-6):
    """Central differences of the loss value with respect to every logit."""
    grad = np.empty_like(raw)
    for idx in np.ndindex(raw.shape):
        shifted = raw.copy()
        shifted[idx] += eps
        plus = loss.value_and_grad(shifted, Y, weight)
        shifted[idx] -= 2 * eps
        minus = loss.value_and_grad(shifted, Y, weight)
        grad[idx] = (plus - minus) / (2 * eps)
    return grad


def relative_error(analytic, numeric):
    scale = max(np.linalg.norm(analytic) + np.linalg.norm(numeric), np.finfo(float).tiny)
    return np.linalg.norm(analytic - numeric) / scale


@pytest.fixture
def rng():
    return np.random.RandomState(0)


@pytest.mark.parametrize("weight_kind", ["column", "scalar"])
@pytest.mark.parametrize("name", NAMES)
def test_gradient_matches_central_differences(name, weight_kind, rng):
    loss = get_loss(name)
    raw = rng.normal(scale=1.5, size=(N_SAMPLES, N_OUTPUTS))
    Y, weight = make_targets(name, rng), make_weights(weight_kind, rng)
    _, grad = value_and_grad(loss, raw, Y, weight)
    assert relative_error(grad, numeric_grad(loss, raw, Y, weight)) < 1e-6


def numeric_hessian(loss, raw, Y, eps=1e-6):
    """Each row's ``(outputs, outputs)`` Hessian of the unweighted loss, by
    central differences of the gradient: ``(n, outputs, outputs)``."""
    n, k = raw.shape
    H = np.empty((n, k, k))
    for b in range(k):
        shifted = raw.copy()
        shifted[:, b] += eps
        _, plus = value_and_grad(loss, shifted, Y, 1.0)
        shifted[:, b] -= 2 * eps
        _, minus = value_and_grad(loss, shifted, Y, 1.0)
        H[:, :, b] = (plus - minus) / (2 * eps)
    return H


CURVED = [name for name in NAMES if get_loss(name).curvature_kind() is not None]


def test_losses_with_curvature():
    """Newton's method applies to these losses at their defaults; the others
    (hinge, absolute error) have no second derivative worth the name."""
    assert CURVED == sorted(
        [
            "huber",
            "log_cosh",
            "poisson",
            "sigmoid_cross_entropy",
            "softmax_cross_entropy",
            "squared_error",
        ]
    )
    assert get_loss("absolute_error").curvature_kind() is None
    assert get_loss("sigmoid_cross_entropy", gamma=2.0).curvature_kind() is None
    assert get_loss("softmax_cross_entropy", gamma=2.0).curvature_kind() is None


@pytest.mark.parametrize("name", CURVED)
def test_curvature_matches_central_differences_of_the_gradient(name, rng):
    loss = get_loss(name)
    raw = rng.normal(scale=1.5, size=(N_SAMPLES, N_OUTPUTS))
    Y = make_targets(name, rng)
    if name == "huber":  # away from the kinks at |r| = delta, where it jumps
        raw = np.where(np.abs(np.abs(raw - Y) - 1) < 1e-3, raw + 0.01, raw)
    numeric = numeric_hessian(loss, raw, Y)
    curvature = loss.curvature(raw, Y)
    if loss.curvature_kind() == "softmax":
        analytic = np.einsum("ia,ab->iab", curvature, np.eye(N_OUTPUTS))
        analytic -= curvature[:, :, None] * curvature[:, None, :]
    else:  # outputs do not interact: a diagonal Hessian per row
        analytic = np.einsum("ia,ab->iab", curvature, np.eye(N_OUTPUTS))
    assert relative_error(analytic, numeric) < 1e-6


def test_weighted_sigmoid_curvature_matches_central_differences(rng):
    loss = get_loss(
        "sigmoid_cross_entropy",
        pos_weight=np.array([2.0, 1.0, 0.5]),
        neg_weight=np.array([1.0, 3.0, 1.0]),
    )
    raw = rng.normal(scale=1.5, size=(N_SAMPLES, N_OUTPUTS))
    Y = make_targets("sigmoid_cross_entropy", rng)
    numeric = np.einsum("iaa->ia", numeric_hessian(loss, raw, Y))
    assert relative_error(loss.curvature(raw, Y), numeric) < 1e-6


@pytest.mark.parametrize("weight_kind", ["column", "scalar"])
@pytest.mark.parametrize("name", NAMES)
def test_value_matches_reference_formula(name, weight_kind, rng):
    loss = get_loss(name)
    raw = rng.normal(scale=1.5, size=(N_SAMPLES, N_OUTPUTS))
    Y, weight = make_targets(name, rng), make_weights(weight_kind, rng)
    value, _ = value_and_grad(loss, raw, Y, weight)
    assert value == pytest.approx(weighted_reference(name, raw, Y, weight), rel=1e-12)
    # Without a gradient buffer the value is the same.
    assert loss.value_and_grad(raw, Y, weight) == pytest.approx(value, rel=1e-15)


@pytest.mark.parametrize("name", NAMES)
def test_scalar_weight_equals_constant_column(name, rng):
    loss = get_loss(name)
    raw = rng.normal(size=(N_SAMPLES, N_OUTPUTS))
    Y = make_targets(name, rng)
    scalar, column = 1.0 / N_SAMPLES, np.full((N_SAMPLES, 1), 1.0 / N_SAMPLES)
    v_s, g_s = value_and_grad(loss, raw, Y, scalar)
    v_c, g_c = value_and_grad(loss, raw, Y, column)
    assert v_s == pytest.approx(v_c, rel=1e-14)
    np.testing.assert_allclose(g_s, g_c, rtol=1e-14)


@pytest.mark.parametrize("name", NAMES)
def test_inputs_are_left_untouched(name, rng):
    """Objective passes the network's own logit buffer: the loss must not write to it."""
    loss = get_loss(name)
    raw = rng.normal(size=(N_SAMPLES, N_OUTPUTS))
    Y, weight = make_targets(name, rng), make_weights("column", rng)
    raw_before, Y_before, w_before = raw.copy(), Y.copy(), weight.copy()
    value_and_grad(loss, raw, Y, weight)
    for after, before in [(raw, raw_before), (Y, Y_before), (weight, w_before)]:
        np.testing.assert_array_equal(after, before)


def test_softmax_value_matches_sklearn_log_loss(rng):
    """Weighted mean cross-entropy of one-hot targets is sklearn's weighted log_loss."""
    from sklearn.metrics import log_loss

    raw = rng.normal(size=(N_SAMPLES, N_OUTPUTS))
    labels = np.arange(N_SAMPLES) % N_OUTPUTS
    sample_weight = rng.uniform(0.1, 3.0, size=N_SAMPLES)
    weight = (sample_weight / sample_weight.sum()).reshape(-1, 1)
    value = get_loss("softmax_cross_entropy").value_and_grad(
        raw, np.eye(N_OUTPUTS)[labels], weight
    )
    expected = log_loss(labels, softmax(raw, axis=1), sample_weight=sample_weight)
    assert value == pytest.approx(expected, rel=1e-10)


def test_poisson_value_is_half_sklearn_deviance(rng):
    from sklearn.metrics import mean_poisson_deviance

    raw = rng.normal(size=(N_SAMPLES, 1))
    y = rng.poisson(2.0, size=N_SAMPLES).astype(float)
    value = get_loss("poisson").value_and_grad(raw, y.reshape(-1, 1), 1.0 / N_SAMPLES)
    assert value == pytest.approx(
        0.5 * mean_poisson_deviance(y, np.exp(raw.ravel())), rel=1e-10
    )


@pytest.mark.parametrize(
    "name, reference",
    [
        ("softmax_cross_entropy", lambda z: softmax(z, axis=1)),
        ("sigmoid_cross_entropy", expit),
        ("squared_error", lambda z: z),
        ("poisson", np.exp),
    ],
)
def test_link_is_in_place_and_matches_formula(name, reference, rng):
    raw = rng.normal(scale=3.0, size=(N_SAMPLES, N_OUTPUTS))
    expected = reference(raw.copy())
    out = get_loss(name).link(raw)
    assert np.shares_memory(out, raw)
    np.testing.assert_allclose(out, expected, rtol=1e-12)


@pytest.mark.parametrize(
    "name", ["softmax_cross_entropy", "sigmoid_cross_entropy", "squared_error"]
)
@pytest.mark.parametrize("weight_kind", ["column", "scalar"])
def test_extreme_logits_give_finite_values_and_gradients(name, weight_kind, rng):
    """Logits of +-1e4 (confidently right and wrong) must not overflow.

    Poisson is left out on purpose: its mean exp(1e4) is not representable.
    """
    loss = get_loss(name)
    raw = 1e4 * np.where(rng.rand(N_SAMPLES, N_OUTPUTS) < 0.5, -1.0, 1.0)
    Y, weight = make_targets(name, rng), make_weights(weight_kind, rng)
    with np.errstate(**STRICT):
        value, grad = value_and_grad(loss, raw, Y, weight)
        link = loss.link(raw.copy())
    assert np.isfinite(value) and np.isfinite(grad).all() and np.isfinite(link).all()
    assert value == pytest.approx(weighted_reference(name, raw, Y, weight), rel=1e-12)


@pytest.mark.parametrize("name", ["softmax_cross_entropy", "sigmoid_cross_entropy"])
def test_extreme_logits_gradient_is_probability_minus_target(name, rng):
    """At saturation the gradient is weight * (0 or 1 - y), without NaN."""
    loss = get_loss(name)
    raw = np.array([[1e4, -1e4, -1e4], [-1e4, 1e4, -1e4]])
    Y = np.array([[0.0, 1.0, 0.0], [0.0, 1.0, 0.0]])
    with np.errstate(**STRICT):
        _, grad = value_and_grad(loss, raw, Y, 0.5)
    probability = (raw > 0).astype(float)
    np.testing.assert_array_equal(grad, 0.5 * (probability - Y))


@pytest.mark.parametrize("name", ["softmax_cross_entropy", "sigmoid_cross_entropy"])
def test_log_link_agrees_with_log_of_link(name, rng):
    loss = get_loss(name)
    raw = rng.normal(scale=5.0, size=(N_SAMPLES, N_OUTPUTS))
    with np.errstate(**STRICT):
        log_p = loss.log_link(raw)
        # np.log(p) of a p close to 1 is only accurate to about ulp(1)
        # absolutely, hence atol; log_link itself is the more accurate side.
        np.testing.assert_allclose(
            log_p, np.log(loss.link(raw.copy())), rtol=1e-12, atol=1e-15
        )


@pytest.mark.parametrize("name", ["softmax_cross_entropy", "sigmoid_cross_entropy"])
def test_log_link_stays_finite_where_link_underflows(name):
    """Where the linked probability is 0, log_link still gives the exact log."""
    loss = get_loss(name)
    raw = np.array([[1e4, -1e4, 0.0], [-800.0, 0.0, 800.0]])
    with np.errstate(**STRICT):
        log_p = loss.log_link(raw)
    if name == "softmax_cross_entropy":
        expected = log_softmax(raw, axis=1)
    else:
        expected = log_expit(raw)
    assert np.isfinite(log_p).all()
    np.testing.assert_allclose(log_p, expected, rtol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_float32_value_and_gradient(name, rng):
    """float32 logits give a float32 gradient close to the float64 one."""
    loss = get_loss(name)
    raw = rng.normal(size=(N_SAMPLES, N_OUTPUTS))
    Y, weight = make_targets(name, rng), make_weights("column", rng)
    value, grad = value_and_grad(loss, raw, Y, weight)
    value32, grad32 = value_and_grad(
        loss, raw.astype(np.float32), Y.astype(np.float32), weight.astype(np.float32)
    )
    assert grad32.dtype == np.float32
    assert value32 == pytest.approx(value, rel=1e-5)
    assert relative_error(grad32, grad) < 1e-5


def test_unknown_loss_is_rejected():
    with pytest.raises(ValueError, match="Unknown loss 'cosine'"):
        get_loss("cosine")


# -- focal and class-weighted cross-entropy --------------------------------------


def smoothed(Y, alpha=0.1, k=2):
    """Label smoothing from the lecture notes: (1 - alpha) y + alpha / K."""
    return (1 - alpha) * Y + alpha / k


def sigmoid_focal_reference(raw, Y, gamma, pos, neg):
    p = expit(raw)
    return -(
        pos * Y * (1 - p) ** gamma * log_expit(raw)
        + neg * (1 - Y) * p**gamma * log_expit(-raw)
    )


SIGMOID_WEIGHTS = {
    "unit": (1.0, 1.0),
    "scalar": (3.0, 0.5),
    "per_output": (np.array([1.0, 4.0, 0.3]), np.array([0.7, 1.0, 2.0])),
}


@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0])
@pytest.mark.parametrize("weights", SIGMOID_WEIGHTS, ids=str)
@pytest.mark.parametrize("smooth", [False, True])
def test_sigmoid_focal_and_weighted_gradient_and_value(gamma, weights, smooth, rng):
    pos, neg = SIGMOID_WEIGHTS[weights]
    loss = get_loss("sigmoid_cross_entropy", gamma=gamma, pos_weight=pos, neg_weight=neg)
    raw = rng.normal(scale=2.0, size=(N_SAMPLES, N_OUTPUTS))
    Y = make_targets("sigmoid_cross_entropy", rng)
    Y = smoothed(Y) if smooth else Y
    weight = make_weights("column", rng)
    value, grad = value_and_grad(loss, raw, Y, weight)
    expected = float(np.sum(weight * sigmoid_focal_reference(raw, Y, gamma, pos, neg)))
    assert value == pytest.approx(expected, rel=1e-12)
    assert relative_error(grad, numeric_grad(loss, raw, Y, weight)) < 1e-6


@pytest.mark.parametrize("gamma", [0.5, 2.0])
@pytest.mark.parametrize("smooth", [False, True])
def test_softmax_focal_gradient_and_value(gamma, smooth, rng):
    loss = get_loss("softmax_cross_entropy", gamma=gamma)
    raw = rng.normal(scale=2.0, size=(N_SAMPLES, N_OUTPUTS))
    Y = np.eye(N_OUTPUTS)[rng.randint(N_OUTPUTS, size=N_SAMPLES)]
    Y = smoothed(Y, k=N_OUTPUTS) if smooth else Y
    weight = make_weights("column", rng)
    value, grad = value_and_grad(loss, raw, Y, weight)
    log_p = log_softmax(raw, axis=1)
    expected = float(np.sum(weight * -(Y * (1 - np.exp(log_p)) ** gamma * log_p)))
    assert value == pytest.approx(expected, rel=1e-12)
    assert relative_error(grad, numeric_grad(loss, raw, Y, weight)) < 1e-6


@pytest.mark.parametrize("name", ["softmax_cross_entropy", "sigmoid_cross_entropy"])
def test_focal_with_gamma_zero_is_exactly_log_loss(name, rng):
    raw = rng.normal(size=(N_SAMPLES, N_OUTPUTS))
    Y, weight = make_targets(name, rng), make_weights("column", rng)
    plain = value_and_grad(get_loss(name), raw, Y, weight)
    focal = value_and_grad(get_loss(name, gamma=0.0), raw, Y, weight)
    assert plain[0] == focal[0]
    np.testing.assert_array_equal(plain[1], focal[1])


@pytest.mark.parametrize("name", ["softmax_cross_entropy", "sigmoid_cross_entropy"])
def test_focal_extreme_logits_stay_finite(name, rng):
    loss = get_loss(name, gamma=2.0)
    raw = 1e4 * np.where(rng.rand(N_SAMPLES, N_OUTPUTS) < 0.5, -1.0, 1.0)
    Y, weight = make_targets(name, rng), make_weights("column", rng)
    with np.errstate(**STRICT):
        value, grad = value_and_grad(loss, raw, Y, weight)
    assert np.isfinite(value) and np.isfinite(grad).all()


def test_focal_down_weights_easy_examples():
    """The lecture's point: a confident correct sample costs far less than with BCE."""
    raw, Y = np.array([[4.0]]), np.array([[1.0]])
    bce = get_loss("sigmoid_cross_entropy").value_and_grad(raw, Y, 1.0)
    focal = get_loss("sigmoid_cross_entropy", gamma=2.0).value_and_grad(raw, Y, 1.0)
    assert focal < bce * expit(-4.0) ** 2 * 1.0001


@pytest.mark.parametrize(
    "shape", [(5, 3), (5, 1), (500, 3), (500, 1), (40, 20), (2000, 20)]
)
def test_row_max_and_row_sum_on_short_and_tall_arrays(shape, rng):
    # short arrays take a reduction, tall ones a loop over the columns
    A = rng.normal(size=shape).astype(np.float32)
    A[1, 0] = np.nan
    np.testing.assert_array_equal(row_max(A), A.max(axis=1, keepdims=True))
    np.testing.assert_allclose(row_sum(A), A.sum(axis=1, keepdims=True), atol=1e-5)


@pytest.mark.parametrize("n", [6, 600])
def test_softmax_link_on_short_and_tall_arrays(n, rng):
    raw = rng.normal(scale=30, size=(n, 4))
    np.testing.assert_allclose(
        get_loss("softmax_cross_entropy").link(raw.copy()), softmax(raw, axis=1)
    )


def test_binary_cross_entropy_value_keeps_its_digits_when_predictions_are_right():
    # softplus(z) - y z cancels to 0 in float32 for confident right answers;
    # the loss of a well-fitted model must stay accurate (L-BFGS stops on it)
    z = np.array([[12.0], [-15.0], [9.0], [-11.0]])
    Y = np.array([[1.0], [0.0], [1.0], [0.0]])
    exact = np.log1p(np.exp(-np.abs(z))).mean()  # float64 reference
    loss = get_loss("sigmoid_cross_entropy")
    value = loss.value_and_grad(z.astype(np.float32), Y.astype(np.float32), 0.25)
    np.testing.assert_allclose(value, exact, rtol=1e-5)
