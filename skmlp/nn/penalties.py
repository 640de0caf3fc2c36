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


def soft_threshold_rows(weights, threshold, scratch):
    """:func:`soft_threshold` of a ``(k, n)`` array (each member's weights on a
    model axis, possibly a strided view) by ``threshold``, a ``(k, 1)``
    column or a ``(k, n)`` array, with the ``(k, n)`` ``scratch``."""
    np.abs(weights, out=scratch)
    scratch -= threshold
    np.maximum(scratch, 0, out=scratch)
    np.copysign(scratch, weights, out=weights)


class MemberProximalL1:
    """The proximal step of each member's ``strength_j * ||W_j||_1`` on a
    model axis, after an update: :class:`ProximalL1` member by member.

    ``weights`` is the ``(k, n)`` view of the members' weights (not their
    biases) and ``scratch`` a ``(k, n)`` workspace; :attr:`size` is ``n``,
    one member's number of weights. :attr:`strength`, ``(k,)``, is set by
    the objective for each batch. The optimizer calls ``prox(step)`` after
    an update of every member, ``step`` being a scalar (every member's step
    size), a ``(k,)`` array (one per member) or a ``(k, n)`` array of
    per-coordinate step sizes in the optimizer's workspace (overwritten
    here); or ``prox(step, j)`` after member ``j``'s update alone (``step``
    a scalar or an ``(n,)`` array). A member of strength 0 is not touched.
    The thresholds are computed as :class:`ProximalL1` computes a single
    network's (in float64, then in the weights' dtype), so member ``j``
    moves exactly as a network of its own would.
    """

    def __init__(self, weights, scratch):
        self.weights, self.scratch = weights, scratch
        self.size = weights.shape[1]
        self.strength = np.zeros(weights.shape[0])

    def __call__(self, step, member=None):
        if member is not None:
            self._member(step, member)
            return
        on = self.strength != 0
        if not on.all():  # members without L1 keep their weights bit for bit
            for j in np.flatnonzero(on):
                self._member(step if np.ndim(step) == 0 else step[j], j)
            return
        if np.ndim(step) == 2:
            step *= self.strength.astype(step.dtype)[:, None]
            threshold = step
        else:
            threshold = np.multiply(step, self.strength)
            threshold = threshold.astype(self.weights.dtype)[:, None]
        soft_threshold_rows(self.weights, threshold, self.scratch)

    def _member(self, step, j):
        """Member ``j``'s proximal step, with its step ``step`` (a scalar or
        per-coordinate, ``(n,)``)."""
        strength = float(self.strength[j])
        if not strength:
            return
        if np.ndim(step):
            step *= strength
            threshold = step
        else:
            threshold = float(step) * strength
        soft_threshold(self.weights[j], threshold, self.scratch[j])
