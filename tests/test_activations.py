"""Hidden-layer activations: values, derivatives and in-place conventions."""

import numpy as np
import pytest
from scipy.special import expit

from skmlp.nn.activations import ACTIVATIONS, get_activation

NAMES = sorted(ACTIVATIONS)

# Textbook definitions, written independently of skmlp's in-place code.
REFERENCE = {
    "identity": lambda z: z,
    "logistic": lambda z: 1 / (1 + np.exp(-z)),
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "tanh": np.tanh,
    "relu": lambda z: np.where(z > 0, z, 0.0),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
    "elu": lambda z: np.where(z > 0, z, np.exp(z) - 1),  # alpha = 1
    "softplus": lambda z: np.log(1 + np.exp(z)),
    "gelu": lambda z: 0.5 * z * (1 + np.tanh(np.sqrt(2 / np.pi) * (z + 0.044715 * z**3))),
}


def sample_inputs(shape=(7, 9), seed=0, kink_margin=1e-3):
    """Pre-activations over [-6, 6] plus saturated values, none near the kink at 0."""
    rng = np.random.RandomState(seed)
    Z = rng.uniform(-6, 6, size=shape)
    Z.flat[:4] = [-20.0, -9.0, 9.0, 20.0]
    near_kink = np.abs(Z) < kink_margin
    Z[near_kink] = np.copysign(kink_margin, Z[near_kink] + 1e-300)
    return Z


def forward(activation, Z):
    A = np.empty_like(Z)
    activation.forward(Z, A)
    return A


def backward(activation, Z, dA):
    """``dA * phi'(Z)`` through the activation's in-place backward."""
    out = dA.copy()
    activation.backward(Z, forward(activation, Z), out)
    return out


def relative_error(analytic, numeric):
    scale = max(np.linalg.norm(analytic) + np.linalg.norm(numeric), np.finfo(float).tiny)
    return np.linalg.norm(analytic - numeric) / scale


def test_reference_covers_every_activation():
    """A new activation must come with a reference formula in this file."""
    assert set(REFERENCE) == set(ACTIVATIONS)


@pytest.mark.parametrize("name", NAMES)
def test_forward_matches_textbook_formula(name):
    Z = sample_inputs()
    # Only rounding separates the two; atol covers expm1 vs exp - 1 near 0.
    np.testing.assert_allclose(
        forward(ACTIVATIONS[name], Z), REFERENCE[name](Z), rtol=1e-12, atol=1e-14
    )


@pytest.mark.parametrize("name", NAMES)
def test_backward_matches_central_differences(name):
    """backward multiplies the upstream gradient by phi'(Z), checked numerically."""
    activation = ACTIVATIONS[name]
    Z = sample_inputs()
    dA = np.random.RandomState(1).normal(size=Z.shape)
    eps = 1e-6
    numeric = dA * (forward(activation, Z + eps) - forward(activation, Z - eps)) / (2 * eps)
    assert relative_error(backward(activation, Z, dA), numeric) < 1e-6


@pytest.mark.parametrize("name", NAMES)
def test_derivative_values_at_known_points(name):
    """phi'(Z) far from 0 on both sides, against the limits every definition implies."""
    Z = np.array([[-30.0, -2.0, 2.0, 30.0]])
    slopes = backward(ACTIVATIONS[name], Z, np.ones_like(Z))
    sig = expit(Z)
    tanh_c = np.tanh(np.sqrt(2 / np.pi) * (Z + 0.044715 * Z**3))
    gelu_slope = 0.5 * (1 + tanh_c) + 0.5 * Z * (1 - tanh_c**2) * np.sqrt(2 / np.pi) * (
        1 + 3 * 0.044715 * Z**2
    )
    expected = {
        "identity": np.ones_like(Z),
        "logistic": sig * (1 - sig),
        "sigmoid": sig * (1 - sig),
        "tanh": 1 - np.tanh(Z) ** 2,
        "relu": (Z > 0).astype(float),
        "leaky_relu": np.where(Z > 0, 1.0, 0.01),
        "elu": np.where(Z > 0, 1.0, np.exp(Z)),
        "softplus": sig,
        "gelu": gelu_slope,
    }[name]
    # Slopes read off the output (A + 1 for ELU, A (1 - A) for logistic) are
    # exact to about ulp(1), not relatively, where they are tiny: hence atol.
    np.testing.assert_allclose(slopes, expected, rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("name", [n for n in NAMES if not ACTIVATIONS[n].needs_input])
def test_forward_in_place_and_backward_from_output(name):
    """Without needs_input the network stores A in Z's buffer: both passes must cope."""
    activation = ACTIVATIONS[name]
    Z = sample_inputs()
    dA = np.random.RandomState(2).normal(size=Z.shape)
    expected_A, expected_dZ = forward(activation, Z), backward(activation, Z, dA)

    buffer = Z.copy()
    activation.forward(buffer, buffer)
    np.testing.assert_array_equal(buffer, expected_A)
    # Z has been overwritten by A, so backward gets the output in both places.
    activation.backward(buffer, buffer, dA)
    np.testing.assert_array_equal(dA, expected_dZ)


@pytest.mark.parametrize("name", NAMES)
def test_scratch_argument_gives_same_result(name):
    """``tmp`` is pure scratch: garbage in it must not change either pass."""
    activation = ACTIVATIONS[name]
    Z = sample_inputs()
    dA = np.random.RandomState(3).normal(size=Z.shape)
    A = np.empty_like(Z)
    activation.forward(Z, A, np.full_like(Z, np.nan))
    np.testing.assert_array_equal(A, forward(activation, Z))
    dZ = dA.copy()
    activation.backward(Z, A, dZ, np.full_like(Z, np.nan))
    np.testing.assert_array_equal(dZ, backward(activation, Z, dA))


@pytest.mark.parametrize("name", NAMES)
def test_float32_stays_float32(name):
    """Both passes keep float32 buffers float32 and agree with float64."""
    activation = ACTIVATIONS[name]
    Z64 = sample_inputs()
    dA64 = np.random.RandomState(4).normal(size=Z64.shape)
    Z, dA = Z64.astype(np.float32), dA64.astype(np.float32)
    A, tmp = np.empty_like(Z), np.empty_like(Z)
    activation.forward(Z, A, tmp)
    activation.backward(Z, A, dA, tmp)
    assert A.dtype == dA.dtype == np.float32
    # A few float32 ulps of O(1) values; 1 - tanh^2 in GELU's slope cancels
    # where tanh saturates, so the derivative gets an absolute tolerance.
    np.testing.assert_allclose(A, forward(activation, Z64), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(dA, backward(activation, Z64, dA64), rtol=1e-5, atol=1e-5)


def test_sigmoid_is_logistic():
    assert get_activation("sigmoid") is get_activation("logistic")


def test_unknown_activation_is_rejected():
    with pytest.raises(ValueError, match="Unknown activation 'swish'"):
        get_activation("swish")
