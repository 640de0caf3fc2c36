"""Penalties on the weight part of the flat parameter vector.

L2 enters the gradient. L1 does not: it is applied as a proximal
soft-threshold step after each optimizer update (:class:`ProximalL1`), which
sets weights to exact zeros (a subgradient step would only make them
oscillate around zero). All functions work in place with a caller-provided
scratch vector, block by block when the weights are longer than it
(:func:`skmlp.nn.fast.scratch_for`).
"""

import numpy as np

from .fast import blocks, squared_norm


def l2_value(weights, strength):
    """``strength / 2 * ||weights||_2^2``."""
    return 0.5 * strength * squared_norm(weights)


def add_l2_grad(grad, weights, strength, scratch):
    """``grad += strength * weights`` using ``scratch`` instead of a temporary."""
    if weights.size == scratch.size:
        np.multiply(weights, strength, out=scratch)
        grad += scratch
        return
    for part, tmp in blocks(weights.size, scratch):
        np.multiply(weights[part], strength, out=tmp)
        grad[part] += tmp


def l1_value(weights, strength, scratch):
    """``strength * ||weights||_1``."""
    total = 0.0
    for part, tmp in blocks(weights.size, scratch):
        total += float(np.abs(weights[part], out=tmp).sum())
    return strength * total


def soft_threshold(weights, threshold, scratch):
    """``w <- sign(w) * max(|w| - threshold, 0)`` in place.

    ``threshold`` is a scalar or a vector like ``weights`` (per-coordinate
    step sizes of adaptive optimizers times the L1 strength).
    """
    for part, tmp in blocks(weights.size, scratch):
        np.abs(weights[part], out=tmp)
        tmp -= threshold if np.ndim(threshold) == 0 else threshold[part]
        np.maximum(tmp, 0, out=tmp)
        np.copysign(tmp, weights[part], out=weights[part])


class ProximalL1:
    """The proximal step of ``strength * ||weights||_1`` after an update.

    An optimizer calls it with the step size it just took: a scalar, or a
    vector of :attr:`size` per-coordinate step sizes in the optimizer's own
    workspace, which this call may overwrite. The weights are then
    soft-thresholded by ``strength * step``. ``strength`` is set by the
    objective for each batch (it is scaled by the batch's total weight).
    """

    def __init__(self, weights, scratch):
        self.weights, self.scratch = weights, scratch
        self.size = weights.size
        self.strength = 0.0

    def __call__(self, step):
        if not self.strength:
            return
        if np.ndim(step):
            step *= self.strength
            threshold = step
        else:
            threshold = step * self.strength
        soft_threshold(self.weights, threshold, self.scratch)
