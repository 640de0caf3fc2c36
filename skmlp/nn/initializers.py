"""Weight initialisation schemes.

``'sklearn'`` reproduces scikit-learn's MLP: weights *and* biases uniform in
``+-sqrt(gain / (fan_in + fan_out))`` with gain 2 for the logistic activation
and 6 otherwise, drawn layer by layer (weights, then bias). The others draw
the weights and set biases to zero: Glorot (Xavier) for saturating
activations, He (Kaiming) for the ReLU family.
"""

import numpy as np

RELU_FAMILY = {"relu", "leaky_relu", "elu", "gelu"}


def _glorot_uniform(rng, fan_in, fan_out):
    bound = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-bound, bound, (fan_in, fan_out))


def _glorot_normal(rng, fan_in, fan_out):
    return rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), (fan_in, fan_out))


def _he_uniform(rng, fan_in, fan_out):
    bound = np.sqrt(6.0 / fan_in)
    return rng.uniform(-bound, bound, (fan_in, fan_out))


def _he_normal(rng, fan_in, fan_out):
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), (fan_in, fan_out))


WEIGHT_INITIALIZERS = {
    "glorot_uniform": _glorot_uniform,
    "glorot_normal": _glorot_normal,
    "he_uniform": _he_uniform,
    "he_normal": _he_normal,
}
SCHEMES = {"sklearn", "auto", *WEIGHT_INITIALIZERS}


def resolve(scheme, activation):
    """The concrete scheme for ``'auto'``: He for the ReLU family, else Glorot."""
    if scheme != "auto":
        return scheme
    return "he_uniform" if activation in RELU_FAMILY else "glorot_uniform"


def draw(scheme, activation, rng, fan_in, fan_out):
    """``(W, b)`` for one layer, in float64."""
    scheme = resolve(scheme, activation)
    if scheme == "sklearn":
        gain = 2.0 if activation in ("logistic", "sigmoid") else 6.0
        bound = np.sqrt(gain / (fan_in + fan_out))
        W = rng.uniform(-bound, bound, (fan_in, fan_out))
        return W, rng.uniform(-bound, bound, fan_out)
    return WEIGHT_INITIALIZERS[scheme](rng, fan_in, fan_out), np.zeros(fan_out)
