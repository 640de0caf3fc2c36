"""Penalties on the weight part of the flat parameter vector.

L2 enters the gradient. L1 does not: it is applied as a proximal
soft-threshold step after each optimizer update, which sets weights to exact
zeros (a subgradient step would only make them oscillate around zero).
All functions work in place with a caller-provided scratch vector, in
blocks of its length when the weights are longer (see :func:`scratch_for`):
the scratch then stays in cache and costs no memory of the model's size.
"""

import numpy as np

#: OpenBLAS runs a dot product on one thread up to this many elements.
SINGLE_THREAD_DOT = 10_000

#: Length of the scratch vector the functions below work in (at most).
SCRATCH_BLOCK = 1 << 15


def scratch_for(n_weights, dtype):
    """A scratch vector for ``n_weights`` weights: one block at most."""
    return np.empty(min(n_weights, SCRATCH_BLOCK), dtype)


def _blocks(n, scratch):
    """``(part, scratch_view)`` pairs covering ``range(n)`` block by block."""
    size = scratch.size
    for start in range(0, n, size):
        stop = min(start + size, n)
        yield slice(start, stop), scratch[: stop - start]


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
    if weights.size == scratch.size:
        np.multiply(weights, strength, out=scratch)
        grad += scratch
        return
    for part, tmp in _blocks(weights.size, scratch):
        np.multiply(weights[part], strength, out=tmp)
        grad[part] += tmp


def l1_value(weights, strength, scratch):
    """``strength * ||weights||_1``."""
    total = 0.0
    for part, tmp in _blocks(weights.size, scratch):
        total += float(np.abs(weights[part], out=tmp).sum())
    return strength * total


def soft_threshold(weights, threshold, scratch):
    """``w <- sign(w) * max(|w| - threshold, 0)`` in place.

    ``threshold`` is a scalar or a vector like ``weights`` (per-coordinate
    step sizes of adaptive optimizers times the L1 strength).
    """
    for part, tmp in _blocks(weights.size, scratch):
        np.abs(weights[part], out=tmp)
        tmp -= threshold if np.ndim(threshold) == 0 else threshold[part]
        np.maximum(tmp, 0, out=tmp)
        np.copysign(tmp, weights[part], out=weights[part])
