"""Hidden-layer activation functions, each with its derivative beside it.

Every activation is a pair of in-place functions:

``forward(Z, A, tmp)``
    writes ``phi(Z)`` into ``A``. ``A`` may be ``Z`` itself unless the
    activation ``needs_input`` (its derivative cannot be written in terms of
    its output alone, e.g. GELU).
``backward(Z, A, dA, tmp)``
    multiplies ``dA`` in place by ``phi'(Z)``, turning the gradient with
    respect to the output into the gradient with respect to the input.

``tmp`` is a scratch array of the same shape and of the activation's
``scratch_dtype`` (the layer's dtype when ``None``; ReLU's is ``bool``, a
quarter of the memory), or ``None`` (then one is allocated), so that
training steps can run without allocating.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from .fast import zero_row

LEAKY_RELU_SLOPE = 0.01
ELU_ALPHA = 1.0
_GELU_C = np.sqrt(2.0 / np.pi)
_GELU_K = 0.044715


@dataclass(frozen=True)
class Activation:
    """An activation function and its derivative."""

    name: str
    forward: Callable
    backward: Callable
    needs_input: bool = False
    scratch_dtype: object = None


def _scratch(tmp, like):
    return np.empty_like(like) if tmp is None else tmp


def _identity(Z, A, tmp=None):
    if A is not Z:
        np.copyto(A, Z)


def _identity_backward(Z, A, dA, tmp=None):
    pass


def _logistic(Z, A, tmp=None):
    expit(Z, out=A)


def _logistic_backward(Z, A, dA, tmp=None):
    tmp = _scratch(tmp, A)
    np.subtract(1, A, out=tmp)
    tmp *= A
    dA *= tmp


def _tanh(Z, A, tmp=None):
    np.tanh(Z, out=A)


def _tanh_backward(Z, A, dA, tmp=None):
    tmp = _scratch(tmp, A)
    np.multiply(A, A, out=tmp)
    np.subtract(1, tmp, out=tmp)
    dA *= tmp


def _relu(Z, A, tmp=None):
    np.maximum(Z, zero_row(Z.shape[-1], Z.dtype), out=A)


def _relu_backward(Z, A, dA, tmp=None):
    mask = np.greater(A, 0, out=tmp)  # tmp: a bool scratch
    np.multiply(dA, mask, out=dA)


def _leaky_relu(Z, A, tmp=None):
    tmp = _scratch(tmp, Z)
    np.multiply(Z, LEAKY_RELU_SLOPE, out=tmp)
    np.maximum(Z, tmp, out=A)


def _leaky_relu_backward(Z, A, dA, tmp=None):
    # A > 0 exactly where Z > 0, so the slope can be read off the output.
    tmp = _scratch(tmp, A)
    np.greater(A, 0, out=tmp)
    tmp *= 1 - LEAKY_RELU_SLOPE
    tmp += LEAKY_RELU_SLOPE
    dA *= tmp


def _elu(Z, A, tmp=None):
    tmp = _scratch(tmp, Z)
    np.minimum(Z, 0, out=tmp)
    np.expm1(tmp, out=tmp)
    tmp *= ELU_ALPHA
    np.maximum(Z, 0, out=A)
    A += tmp


def _elu_backward(Z, A, dA, tmp=None):
    # For Z < 0, phi'(Z) = alpha * exp(Z) = A + alpha; for Z > 0 it is 1.
    tmp = _scratch(tmp, A)
    np.minimum(A, 0, out=tmp)
    tmp += ELU_ALPHA
    np.minimum(tmp, 1, out=tmp)
    dA *= tmp


def _softplus(Z, A, tmp=None):
    np.logaddexp(Z, 0, out=A)


def _softplus_backward(Z, A, dA, tmp=None):
    # phi'(Z) = sigmoid(Z) = 1 - exp(-A), computed with expm1 for small A.
    tmp = _scratch(tmp, A)
    np.negative(A, out=tmp)
    np.expm1(tmp, out=tmp)
    dA *= tmp
    np.negative(dA, out=dA)


def _gelu_tanh_arg(Z, out):
    np.multiply(Z, Z, out=out)
    out *= _GELU_K
    out += 1
    out *= Z
    out *= _GELU_C
    np.tanh(out, out=out)


def _gelu(Z, A, tmp=None):
    # tanh approximation, as in the lecture notes.
    tmp = _scratch(tmp, Z)
    _gelu_tanh_arg(Z, tmp)
    tmp += 1
    np.multiply(Z, tmp, out=A)
    A *= 0.5


def _gelu_backward(Z, A, dA, tmp=None):
    # d/dZ [Z (1 + t) / 2] with t = tanh(u), u = c (Z + k Z^3).
    # GELU is rarely the bottleneck, so plain expressions are fine here.
    t = np.empty_like(Z)
    _gelu_tanh_arg(Z, t)
    du = _GELU_C * (1 + 3 * _GELU_K * Z * Z)
    dA *= 0.5 * (1 + t) + 0.5 * Z * (1 - t * t) * du


ACTIVATIONS = {
    a.name: a
    for a in [
        Activation("identity", _identity, _identity_backward),
        Activation("logistic", _logistic, _logistic_backward),
        Activation("tanh", _tanh, _tanh_backward),
        Activation("relu", _relu, _relu_backward, scratch_dtype=bool),
        Activation("leaky_relu", _leaky_relu, _leaky_relu_backward),
        Activation("elu", _elu, _elu_backward),
        Activation("softplus", _softplus, _softplus_backward),
        Activation("gelu", _gelu, _gelu_backward, needs_input=True),
    ]
}
ACTIVATIONS["sigmoid"] = ACTIVATIONS["logistic"]


def get_activation(name):
    """Return the :class:`Activation` registered under ``name``."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(
            f"Unknown activation {name!r}; expected one of {sorted(ACTIVATIONS)}."
        ) from None
