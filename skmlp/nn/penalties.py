"""Penalties on the weight part of the flat parameter vector.

L2 enters the gradient. L1 does not: it is applied as a proximal
soft-threshold step after each optimizer update, which sets weights to exact
zeros (a subgradient step would only make them oscillate around zero).
All functions work in place with a caller-provided scratch vector.
"""

import numpy as np

#: OpenBLAS runs a dot product on one thread up to this many elements.
SINGLE_THREAD_DOT = 10_000


def squared_norm(x):
    """``x @ x``. Above ``SINGLE_THREAD_DOT`` elements a BLAS dot may start
    threads, which under contention (parallel cross-validation) costs
    milliseconds per call, so long vectors use NumPy's own loop instead;
    short ones keep BLAS, ~3x faster there."""
    if x.size <= SINGLE_THREAD_DOT:
        return float(np.dot(x, x))
    return float(np.einsum("i,i->", x, x))


def l2_value(weights, strength):
    """``strength / 2 * ||weights||_2^2``."""
    return 0.5 * strength * squared_norm(weights)


def add_l2_grad(grad, weights, strength, scratch):
    """``grad += strength * weights`` using ``scratch`` instead of a temporary."""
    np.multiply(weights, strength, out=scratch)
    grad += scratch


def l1_value(weights, strength, scratch):
    """``strength * ||weights||_1``."""
    return strength * float(np.abs(weights, out=scratch).sum())


def soft_threshold(weights, threshold, scratch):
    """``w <- sign(w) * max(|w| - threshold, 0)`` in place.

    ``threshold`` is a scalar or a vector like ``weights`` (per-coordinate
    step sizes of adaptive optimizers times the L1 strength).
    """
    np.abs(weights, out=scratch)
    scratch -= threshold
    np.maximum(scratch, 0, out=scratch)
    np.copysign(scratch, weights, out=weights)
