"""The minibatch training loop for the stochastic solvers (SGD, Adam)."""

import math
import time

import numpy as np

from ..nn.optimizers import clip_global_norm


def run_epoch(objective, optimizer, batches, clip_norm=None, rng=None, on_first_batch=None):
    """One pass over the minibatches; returns the weighted mean batch loss and
    the weighted mean gradient norm (before clipping).

    Each step: loss and gradient, optional global-norm clipping, the
    optimizer's update, then the proximal L1 step. ``rng`` draws dropout
    masks. ``on_first_batch()`` is called once the first batch's loss is
    known to be finite, before its update: the weights are still the
    epoch's starting weights.
    """
    network = objective.network
    theta, grad = network.theta, network.grad
    proximal = objective.alpha and objective.l1_ratio
    batches.new_epoch()
    accumulated, total, norms = 0.0, 0.0, 0.0
    for X, Y, sample_weight in batches:
        weight = X.shape[0] if sample_weight is None else float(sample_weight.sum())
        if weight == 0:
            continue
        value = objective(X, Y, sample_weight, rng)
        if not math.isfinite(value):
            return value, math.nan  # diverged: the caller falls back
        if on_first_batch is not None and not total:
            on_first_batch()
        accumulated += value * weight
        total += weight
        norms += clip_global_norm(grad, clip_norm) * weight
        optimizer.step(theta, grad)
        if proximal:
            objective.proximal_step(optimizer.effective_step(grad[: network.n_coefs]))
    if not total:
        return 0.0, 0.0
    return accumulated / total, norms / total


def fit_stochastic(
    objective,
    optimizer,
    schedule,
    batches,
    state,
    *,
    max_iter,
    tol,
    n_iter_no_change,
    validation=None,
    restore_best=True,
    incremental=False,
    verbose=False,
    clip_norm=None,
    rng=None,
    on_epoch_begin=None,
    on_epoch_end=None,
):
    """Train for up to ``max_iter`` epochs with scikit-learn's stopping rule.

    ``validation`` is a callable returning ``(loss, score)`` of the current
    parameters on held-out data (higher scores are better); both are
    recorded every epoch. When ``state.monitor_validation`` is set, training
    stops on the score and, with ``restore_best``, the best parameters are
    restored at the end.

    ``on_epoch_begin()`` and ``on_epoch_end()``, when given, are called
    before each epoch and after its bookkeeping (history, verbose line); an
    ``on_epoch_end()`` returning true stops training.

    Returns ``"converged"``, ``"max_iter"``, ``"incremental"`` (one epoch of
    ``partial_fit``), ``"stopped"`` (at ``on_epoch_end``'s request),
    ``"interrupted"`` (KeyboardInterrupt; the weights so far are kept) or
    ``"diverged"`` (the loss, the weights or the network's outputs stopped
    being finite; see :class:`SafePoints` for what is restored).
    """
    network = objective.network
    state.n_iter = 0
    status = "max_iter"
    safe = SafePoints(network, batches.X)
    try:
        for _ in range(max_iter):
            if on_epoch_begin is not None:
                on_epoch_begin()
            start = time.perf_counter()
            learning_rate = optimizer.learning_rate
            loss, grad_norm = run_epoch(
                objective, optimizer, batches, clip_norm, rng, safe.first_batch_finite
            )
            if not (math.isfinite(loss) and np.isfinite(network.theta).all()):
                safe.fall_back()
                state.diverged_at = len(state.loss_curve) + 1
                status = "diverged"
                break
            state.record_loss(loss, batches.n_samples, tol)
            if validation is not None:
                state.record_validation(*validation(), tol, network)
            state.log(
                epoch=len(state.loss_curve),
                train_loss=loss,
                learning_rate=learning_rate,
                grad_norm=grad_norm,
                time=time.perf_counter() - start,
                **_validation_log(state, validation),
            )
            if verbose:
                print(epoch_line(state))
            if on_epoch_end is not None and on_epoch_end():
                status = "stopped"
                break
            optimizer.learning_rate = schedule.after_epoch(optimizer.learning_rate, state.t)
            if state.no_improvement_count > n_iter_no_change:
                if _plateau(
                    optimizer,
                    schedule,
                    state.monitor_validation,
                    tol,
                    n_iter_no_change,
                    verbose,
                ):
                    status = "converged"
                    break
                state.no_improvement_count = 0
            if incremental:
                status = "incremental"
                break
    except KeyboardInterrupt:
        status = "interrupted"
    if status != "diverged" and not safe.outputs_finite():
        # finite weights can still be so large that the outputs overflow
        safe.fall_back()
        state.diverged_at = len(state.loss_curve)
        status = "diverged"
    if state.monitor_validation and restore_best and state.best_theta is not None:
        network.restore(state.best_theta)
    return status


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

    def outputs_finite(self):
        with np.errstate(all="ignore"):
            return bool(np.isfinite(self.network.predict_raw(self.probe)).all())

    def fall_back(self):
        self.network.restore(self.checkpoint)


def _plateau(optimizer, schedule, on_validation, tol, n_iter_no_change, verbose):
    what = "Validation score" if on_validation else "Training loss"
    msg = (
        f"{what} did not improve more than tol={tol:f} for "
        f"{n_iter_no_change} consecutive epochs."
    )
    stop, optimizer.learning_rate = schedule.on_plateau(optimizer.learning_rate)
    if verbose:
        print(
            msg
            + (
                " Stopping."
                if stop
                else f" Setting learning rate to {optimizer.learning_rate:f}"
            )
        )
    return stop


def _validation_log(state, validation):
    if validation is None:
        return {}
    return {
        "valid_loss": state.validation_loss_curve[-1],
        "valid_score": state.validation_scores[-1],
    }


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
