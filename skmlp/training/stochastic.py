"""The pieces of a minibatch epoch: the pass over the batches, the divergence
checkpoint and the progress line."""

import math

import numpy as np

from ..nn.fast import all_finite
from ..nn.optimizers import clip_global_norm


def run_epoch(objective, optimizer, batches, clip_norm=None, rng=None, on_first_batch=None):
    """One pass over the minibatches; returns each member's mean batch loss
    (objective, penalty included), mean gradient norm (before clipping) and
    mean penalty term, each weighted by the batches' rows (floats for a stack
    of one), and the members whose loss became non-finite (a ``(k,)`` mask, or
    ``None`` when none did).

    Each step: loss and gradient, optional global-norm clipping, then the
    optimizer's update followed by the objective's proximal (L1) step. The
    epoch's loss weights each batch by its rows, as scikit-learn does: every
    batch's loss already estimates the weighted mean over all the rows (see
    :class:`~skmlp.nn.objective.Objective`). A member whose loss becomes
    non-finite goes on in its own rows of the arrays, which no other member
    reads, until the epoch ends (its caller then falls back to its last safe
    point); the epoch stops early only when every member's has.
    ``rng`` draws dropout masks (one generator per member).
    ``on_first_batch(finite)`` is called once the first batch's loss is known,
    before its update, with the mask of the members whose loss is finite: the
    weights are still the epoch's starting weights.
    """
    network = objective.network
    theta, grad, prox, k = network.theta, network.grad, objective.prox, network.n_members
    batches.new_epoch()
    accumulated, total, norms, penalties, steps = 0.0, 0.0, 0.0, 0.0, 0
    failed = None
    for X, Y, sample_weight, rows in batches:
        if sample_weight is not None and not sample_weight.sum() > 0:
            continue
        weight = X.shape[-2] if rows is None else rows
        value = objective(X, Y, sample_weight, rng, rows)
        finite = all_finite(value)
        if not finite:
            failed = _failed(value, failed)
            if failed.all():  # no member can go on
                return value, math.nan, math.nan, failed
        if on_first_batch is not None and not steps:
            on_first_batch(None if finite else ~failed)
        steps += 1
        accumulated += value * weight
        penalties += objective.last_penalty * weight
        total += weight
        norms += clip_global_norm(grad, clip_norm, k) * weight
        optimizer.step(theta, grad, prox)
    if not steps:
        return 0.0, 0.0, 0.0, failed
    return accumulated / total, norms / total, penalties / total, failed


def _failed(value, failed):
    """The members whose loss is not finite now or was not before."""
    now = ~np.isfinite(np.atleast_1d(value))
    return now if failed is None else failed | now


class SafePoints:
    """Where each member goes back to when its training diverges.

    One checkpoint per member, in a buffer allocated once: the start of the
    member's latest epoch whose first minibatch had a finite loss (the
    initial weights until then), taken after that batch's forward pass and
    before its update, so that the check costs nothing
    (:meth:`first_batch_finite`). An epoch that diverges later goes back to
    its own start, one that diverges on its first batch to the last good
    start before it. :meth:`fall_back` restores members' checkpoints;
    :meth:`outputs_finite` probes each member's outputs on up to
    :data:`PROBE_ROWS` of its training rows (``probe``).
    """

    PROBE_ROWS = 256

    def __init__(self, network, probe):
        self.network, self.probe = network, probe
        self.checkpoint = network.checkpoint()

    def first_batch_finite(self, finite=None):
        """Checkpoint every member (``finite`` None) or those in the mask."""
        if finite is None:
            self.network.checkpoint(out=self.checkpoint)
            return
        rows = np.flatnonzero(finite)
        self.checkpoint[rows] = self.network.checkpoint()[rows]

    def weights_finite(self):
        """Whether each member's parameters are finite, ``(k,)``."""
        network = self.network
        return np.isfinite(network.members_view(network.theta)).all(axis=1)

    def outputs_finite(self):
        """Whether each member's outputs on its probe rows are finite, ``(k,)``."""
        with np.errstate(all="ignore"):
            raw = self.network.predict_raw(self.probe)
        k = self.network.n_members
        return np.isfinite(raw.reshape(k, -1)).all(axis=1)

    def fall_back(self, positions):
        """Restore the members at ``positions`` to their checkpoints."""
        self.network.restore(self.checkpoint[positions], positions)


def epoch_line(state):
    """One aligned progress line: epoch, losses, score, best marker, seconds."""
    h = {key: values[-1] for key, values in state.history.items()}
    line = f"epoch {h['epoch']:4d}  train_loss {h['train_loss']:.6f}"
    if "valid_loss" in h and h["valid_loss"] == h["valid_loss"]:
        best = " *" if state.best_epoch == h["epoch"] else "  "
        line += (
            f"  valid_loss {h['valid_loss']:.6f}  valid_score {h['valid_score']:.6f}{best}"
        )
    return line + f"  {h['time']:.2f}s"
