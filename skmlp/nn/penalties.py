"""Penalties on the weights of each member of a stack of networks.

Every function takes the members' weights as a ``(k, n)`` array (row ``j``
is member ``j``'s weights, a strided view of the flat parameter vector; a
single network is a stack of one) and a strength that is one number or one
per member. L2 enters the gradient. L1 does not: it is applied as a proximal
soft-threshold step after each optimizer update (:class:`ProximalL1`), which
sets weights to exact zeros (a subgradient step would only make them
oscillate around zero). All functions work in place, block by block of
columns, with a caller-provided ``(k, block)`` scratch
(:func:`scratch_for`), so that no step makes a temporary of the weights'
size.
"""

import numpy as np

from .fast import (
    SCRATCH_BLOCK,
    is_per_coordinate,
    is_shared,
    member_value,
    row_squared_norms,
)


def scratch_for(k, n, dtype):
    """A ``(k, block)`` scratch for work on ``k`` members' ``n`` weights: at
    most :data:`~skmlp.nn.fast.SCRATCH_BLOCK` values, so that it stays in
    cache and costs no memory of the model's size (162k float32 weights: the
    L2 gradient through 5 blocks costs ~25 us a step more than through one
    weights-sized scratch, which would be a whole model copy)."""
    return np.empty((k, max(1, min(n, SCRATCH_BLOCK // k))), dtype)


def blocks(n, scratch):
    """``(columns, scratch_view)`` pairs covering ``n`` columns block by block."""
    size = scratch.shape[1]
    for start in range(0, n, size):
        stop = min(start + size, n)
        yield slice(start, stop), scratch[:, : stop - start]


def _column(strength, dtype):
    """A strength for the rows: a number as it is, one per member as a column."""
    if isinstance(strength, (float, np.floating)) or is_shared(strength):
        return strength
    return np.asarray(strength, dtype)[:, None]


def l2_values(W, strength):
    """``strength / 2 * ||W_j||_2^2`` of each member (a float for a stack of one)."""
    return 0.5 * strength * row_squared_norms(W)


def add_l2_grad(G, W, strength, scratch):
    """``G += strength * W`` (each member's strength on its row), in blocks."""
    strength = _column(strength, W.dtype)
    if W.shape[1] == scratch.shape[1]:  # one block (a small network's step)
        G += np.multiply(W, strength, out=scratch)
        return
    for part, tmp in blocks(W.shape[1], scratch):
        np.multiply(W[:, part], strength, out=tmp)
        G[:, part] += tmp


def l1_values(W, strength, scratch):
    """``strength * ||W_j||_1`` of each member (a float for a stack of one)."""
    total = 0.0
    for part, tmp in blocks(W.shape[1], scratch):
        total = total + np.abs(W[:, part], out=tmp).sum(axis=1)
    total = float(total[0]) if W.shape[0] == 1 else total
    return strength * total


def soft_threshold(W, threshold, scratch):
    """``w <- sign(w) * max(|w| - threshold, 0)`` in place, for ``threshold`` a
    number, a ``(k, 1)`` column or ``(k, n)`` per-coordinate thresholds (the
    step sizes of adaptive optimizers times the L1 strength)."""
    per_coordinate = is_per_coordinate(threshold) and np.shape(threshold)[1] > 1
    for part, tmp in blocks(W.shape[1], scratch):
        np.abs(W[:, part], out=tmp)
        tmp -= threshold[:, part] if per_coordinate else threshold
        np.maximum(tmp, 0, out=tmp)
        np.copysign(tmp, W[:, part], out=W[:, part])


class ProximalL1:
    """The proximal step of each member's ``strength_j * ||W_j||_1`` after an
    update.

    ``weights`` is the ``(k, n)`` view of the members' weights (not their
    biases) and ``scratch`` a :func:`scratch_for` workspace; :attr:`size` is
    ``n``, one member's number of weights. :attr:`strength` (a number, or
    ``(k,)``) is set by the objective for each batch (it is scaled by the
    batch's weight). The optimizer calls ``prox(step)`` after an update of
    every member, ``step`` being a number, one per member (``(k,)``) or
    ``(k, n)`` per-coordinate step sizes in the optimizer's workspace
    (overwritten here); or ``prox(step, j)`` after member ``j``'s update alone
    (``step`` a number or an ``(n,)`` row). A member of strength 0 is not
    touched: its weights stay as they are, bit for bit. The thresholds are
    computed in float64 and then in the weights' dtype, so that member ``j``
    moves exactly as a network of its own would.
    """

    def __init__(self, weights, scratch):
        self.weights, self.scratch = weights, scratch
        self.size = weights.shape[1]
        self.strength = 0.0

    def __call__(self, step, member=None):
        if member is not None:
            self._member(step, member)
            return
        strength = self.strength
        if not is_shared(strength) and not np.all(strength):  # some members without L1
            for j in np.flatnonzero(strength):
                self._member(member_value(step, j), j)
            return
        if is_shared(strength) and not strength:
            return
        self._threshold(step, strength, self.weights, self.scratch)

    def _threshold(self, step, strength, weights, scratch):
        if is_per_coordinate(step):
            step *= _column(strength, step.dtype)
            threshold = step
        elif is_shared(step) and is_shared(strength):
            threshold = float(step) * strength
        else:
            threshold = _column(np.multiply(step, strength), weights.dtype)
        soft_threshold(weights, threshold, scratch)

    def _member(self, step, j):
        """Member ``j``'s proximal step, with its step ``step`` (a number or
        per-coordinate, ``(n,)``)."""
        strength = float(member_value(self.strength, j))
        if not strength:
            return
        step = step if is_shared(step) else step[None]
        self._threshold(step, strength, self.weights[j : j + 1], self.scratch[:1])
