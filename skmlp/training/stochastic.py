"""The pieces of a minibatch epoch: the pass over the batches, the divergence
checkpoint and the progress line."""

import math

import numpy as np

from ..nn.optimizers import clip_global_norm


def run_epoch(objective, optimizer, batches, clip_norm=None, rng=None, on_first_batch=None):
    """One pass over the minibatches; returns the mean batch loss (objective,
    penalty included), the mean gradient norm (before clipping) and the mean
    penalty term, each weighted by the batches' rows. On a model axis each is
    one number per member.

    Each step: loss and gradient, optional global-norm clipping, then the
    optimizer's update followed by the objective's proximal (L1) step. The
    epoch's loss weights each batch by its rows, as scikit-learn does: every
    batch's loss already estimates the weighted mean over all the rows (see
    :class:`~skmlp.nn.objective.Objective`).
    ``rng`` draws dropout masks. ``on_first_batch()`` is called once the
    first batch's loss is known to be finite, before its update: the weights
    are still the epoch's starting weights.
    """
    network = objective.network
    theta, grad, prox = network.theta, network.grad, objective.prox
    members = network.n_members
    batches.new_epoch()
    accumulated, total, norms, penalties, steps = 0.0, 0.0, 0.0, 0.0, 0
    for X, Y, sample_weight, *rows in batches:
        if sample_weight is not None and not sample_weight.sum() > 0:
            continue
        # rows (each member's own, on a model axis with padded batches)
        weight = X.shape[-2] if not rows or rows[0] is None else rows[0]
        value = objective(X, Y, sample_weight, rng, *rows)  # one per member on an axis
        if not (math.isfinite(value) if members is None else np.isfinite(value).all()):
            return value, math.nan, math.nan  # diverged: the caller falls back
        if on_first_batch is not None and not steps:
            on_first_batch()
        steps += 1
        accumulated += value * weight
        penalties += objective.last_penalty * weight
        total += weight
        norms += clip_global_norm(grad, clip_norm, members) * weight
        optimizer.step(theta, grad, prox)
    if not steps:
        return 0.0, 0.0, 0.0
    return accumulated / total, norms / total, penalties / total


class SafePoints:
    """Where to go back to when training diverges.

    One checkpoint, in a buffer allocated once: the start of the latest
    epoch whose first minibatch had a finite loss (the initial weights until
    then), taken after that batch's forward pass and before its update, so
    that the check costs nothing (:meth:`first_batch_finite`). An epoch
    that diverges later goes back to its own start, one that diverges on
    its first batch to the last good start before it. :meth:`fall_back`
    restores the checkpoint; :meth:`outputs_finite` probes the current
    weights on up to 256 training rows.
    """

    PROBE_ROWS = 256

    def __init__(self, network, X):
        self.network = network
        self.probe = X[: self.PROBE_ROWS]
        self.checkpoint = network.checkpoint()

    def first_batch_finite(self):
        self.network.checkpoint(out=self.checkpoint)

    def weights_finite(self):
        return bool(np.isfinite(self.network.theta).all())

    def outputs_finite(self):
        with np.errstate(all="ignore"):
            return bool(np.isfinite(self.network.predict_raw(self.probe)).all())

    def fall_back(self):
        self.network.restore(self.checkpoint)


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
