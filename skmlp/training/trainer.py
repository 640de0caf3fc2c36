"""One trainer for every solver: from prepared data to trained networks.

The :class:`Trainer` runs the epoch loop of the stochastic solvers and the
iteration loop of L-BFGS (and of Newton's method), for the ``k`` members of a
stack of networks (a single network is a stack of one). It owns everything
between validated data and the fitted networks -- each member's stopping
rule, the learning-rate schedule, the divergence checkpoint, validation
monitoring, the restore of the best weights, the L1 proximal step (through
the objective's ``prox``), the history and the callbacks' hooks -- and
returns one :class:`FitOutcome` per member. Members share nothing but the
program: each stops by its own rule, and a member that diverges goes back to
its own last safe point and stops, while the others go on, so that every
member ends as it would have ended trained alone.
"""

import enum
import time
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ..nn.fast import single
from . import stochastic
from .batches import Minibatches
from .lbfgs import fit_lbfgs
from .newton import fit_newton
from .schedules import LearningRateSchedule


class Status(enum.Enum):
    """How a member's training ended."""

    CONVERGED = "converged"  #: the monitored value stopped improving
    MAX_ITER = "max_iter"  #: max_iter epochs (iterations) ran without convergence
    INCREMENTAL = "incremental"  #: the one epoch of partial_fit ran
    STOPPED = "stopped"  #: a callback asked to stop
    INTERRUPTED = "interrupted"  #: KeyboardInterrupt; the weights so far are kept
    DIVERGED = "diverged"  #: non-finite loss, weights or outputs; earlier weights restored
    PRUNED = "pruned"  #: stopped by the caller (a search's halving), not by its own rule
    FAILED = "failed"  #: L-BFGS or Newton ended abnormally; ``message`` says why


@dataclass(frozen=True)
class FitOutcome:
    """How a member's training ended (:class:`Status`), after how many epochs
    (L-BFGS iterations), its best validation epoch (1-based; ``None`` without
    a validation set), the epoch of a divergence and the solver's message."""

    status: Status
    n_iter: int
    best_epoch: int = None
    diverged_at: int = None
    message: str = ""


@dataclass(frozen=True)
class TrainingData:
    """The training data of a stack: one
    :class:`~skmlp.training.batches.MemberRows` per member and, optionally,
    a :class:`~skmlp.training.validation.Validation`."""

    members: list
    validation: object = None

    def training_weights(self):
        """What each member's minibatches are normalised by."""
        return [m.weights() for m in self.members], [m.n_rows for m in self.members]

    def probe(self, n):
        """Up to ``n`` of each member's training rows, to probe its outputs:
        ``(p, d)`` for a stack of one, else ``(k, p, d)`` padded with zeros."""
        parts = [m.X[m.source_rows(np.arange(min(n, m.n_rows)))] for m in self.members]
        if single(parts) is not None:
            return parts[0]
        probe = np.zeros((len(parts), max(p.shape[0] for p in parts), parts[0].shape[1]))
        for j, part in enumerate(parts):
            probe[j, : part.shape[0]] = part
        return probe.astype(parts[0].dtype, copy=False)


class _Loop(NamedTuple):
    """What the epoch loop runs on; ``index[j]`` is the member at position
    ``j`` of the stack (the running members, once some have stopped)."""

    batches: object
    validation: object
    states: list
    safe: object
    index: np.ndarray


class Trainer:
    """Trains the members of ``objective.network`` as their configs say.

    Parameters
    ----------
    configs : list of TrainingConfig
        Each member's. They agree in everything but the member's own
        ``max_iter``, ``tol``, ``n_iter_no_change`` and optimizer numbers (in
        the optimizer already); the first gives the shared settings.
    objective : skmlp.nn.objective.Objective
    optimizer : optimizer of :mod:`skmlp.nn.optimizers`, or None for L-BFGS and Newton
        Its state (moments, learning rates) carries over between calls, as
        ``partial_fit`` needs.
    rngs : list of numpy.random.RandomState, default=None
        Each member's shuffles.
    dropout_rngs : list, default=None
        Each member's dropout masks (a ``numpy.random.Generator``, or
        ``None`` for a member without dropout); ``None``: no member has any.

    Attributes
    ----------
    on_begin, on_end : callable or None
        Called before and after each epoch (iteration); an ``on_end``
        returning true stops training. None (the default) calls nothing.
    member_optimizers : list
        After a run, each member's optimizer, as its own.
    """

    def __init__(self, configs, objective, optimizer, rngs=None, dropout_rngs=None):
        self.configs = list(configs)
        self.config = self.configs[0]
        self.objective, self.optimizer = objective, optimizer
        self.on_begin = self.on_end = None
        self.rngs, self.dropout_rng = rngs, dropout_rngs
        self.network = objective.network
        self.member_optimizers = [optimizer] * len(self.configs)
        # scikit-learn's schedules are SGD's; the cosine budget is every solver's
        sgd_only = self.config.solver == "sgd" or self.config.schedule == "cosine"
        stochastic_schedule = self.config.schedule if sgd_only else None
        self.schedule = LearningRateSchedule(
            stochastic_schedule or "constant", self.config.power_t
        )

    def run(self, data, states, incremental=False):
        """Train on ``data`` (a :class:`TrainingData`), recording each member's
        progress in ``states`` (one :class:`~skmlp.training.state.TrainingState`
        per member); returns one :class:`FitOutcome` per member.
        ``incremental`` runs one epoch (``partial_fit``)."""
        self.begin(data, states, incremental)
        self.advance()
        return self.end()

    # -- a run in steps: begin, advance (as often as needed), stop members, end -----
    def begin(self, data, states, incremental=False):
        """Prepare a run (see :meth:`run`); :meth:`advance` trains."""
        self._data, self._states = data, list(states)
        self._incremental, self._status = incremental, None
        if not self.config.stochastic:
            return
        for state in self._states:
            state.monitor_validation = (
                self.config.early_stopping and data.validation is not None
            )
            state.n_iter = 0
        self._start(data, self._states)
        self._epochs_done = 0

    def advance(self, epochs=None):
        """Train up to ``epochs`` more epochs (all the rest: ``None``); whether
        some member still trains. L-BFGS (Newton) runs to its end at once."""
        if self._status is not None:
            return False
        if not self.config.stochastic:
            self._outcomes = [self._run_full_batch(self._data, self._states[0])]
            self._status = self._outcomes[0].status
            return False
        try:
            self._status = self._epochs(epochs)
        except KeyboardInterrupt:
            self._status = Status.INTERRUPTED
        return self._status is None

    def stop(self, members, status):
        """The members ``members`` (their positions in the run's states) stop
        training now, ending as ``status``; the others go on."""
        index = list(self._loop.index)
        for member in members:
            if member in index and self._running[index.index(member)]:
                self._stop(index.index(member), status)

    def end(self):
        """Finish the run: each member's best weights, its outcome."""
        if not self.config.stochastic:
            return self._outcomes
        status = self._status or Status.MAX_ITER
        states, data = self._states, self._data
        self._finish(np.arange(len(self._loop.states)))
        self.network, self.objective = self._full
        self._restore_best(states)
        if self.network.batch_norm and not self._incremental:
            self._refresh_batch_norm(data)
        has_validation = data.validation is not None
        return [
            self._outcome(self._stopped_as[j] or status, state, has_validation)
            for j, state in enumerate(states)
        ]

    # -- stochastic solvers ---------------------------------------------------------
    def _start(self, data, states):
        """The epoch loop's pieces (:class:`_Loop`) and bookkeeping."""
        self.objective.set_training_weights(*data.training_weights())
        self.optimizer.activate()
        probe = data.probe(stochastic.SafePoints.PROBE_ROWS)
        self._loop = _Loop(
            self._batches(data),
            data.validation,
            states,
            stochastic.SafePoints(self.network, probe),
            np.arange(len(states)),
        )
        self._full = (self.network, self.objective)
        self.member_optimizers = [None] * len(states)
        self._running = np.ones(len(states), dtype=bool)
        self._stopped_as = [None] * len(states)

    def _batches(self, data):
        """This run's minibatches (each member's own shuffle)."""
        members, network = data.members, self.network
        sizes = [c.batch_size_for(m.n_rows) for c, m in zip(self.configs, members)]
        if network.batch_norm and min(sizes) < 2:
            raise ValueError(
                "batch_norm needs minibatches of at least 2 rows: a batch of 1 sample "
                "has no variance to normalise by; got batch_size=1 for "
                f"{members[0].n_rows} training row(s)."
            )
        batches = Minibatches(members, sizes, self.config.shuffle, self.rngs)
        # a batch of one row has no variance to normalise by
        batches.merge_single_row = network.batch_norm
        batches.check_counts()
        return batches

    def _refresh_batch_norm(self, data):
        """The running averages mix statistics of weights long gone: each
        member's are recomputed on its own training rows."""
        for j, rows in enumerate(data.members):
            X, _, sample_weight = rows.materialized()
            self.network.member(j, copy=False).refresh_batch_norm(X, sample_weight)

    def _restore_best(self, states):
        if not self.config.restore_best_weights:
            return
        for j, state in enumerate(states):
            if state.monitor_validation and state.best_theta is not None:
                self.network.restore(state.best_theta, [j])

    @property
    def n_running(self):
        """How many members are still training."""
        return int(self._running.sum())

    def _config(self, j):
        """The settings of the member at position ``j`` of the stack."""
        return self.configs[self._loop.index[j]]

    def _stop(self, j, status):
        """The member at position ``j`` stops training; its parameters keep
        their values."""
        self._running[j] = False
        self._stopped_as[self._loop.index[j]] = status
        self.optimizer.deactivate(j)

    # -- members that stopped cost nothing more -----------------------------------
    def _compact(self):
        """Go on with the running members alone: a stack of their rows
        (network, optimizer, objective, batches, validation), the stopped
        members' rows and optimizer states set aside in the full network."""
        loop, keep = self._loop, np.flatnonzero(self._running)
        self._finish(np.flatnonzero(~self._running))
        network = self.network.subset(keep)
        self.objective = self.objective.subset(network, keep)
        self.network, self.optimizer = network, self.optimizer.subset(keep)
        if self.dropout_rng is not None:
            self.dropout_rng = [self.dropout_rng[j] for j in keep]
        self._loop = _Loop(
            loop.batches.subset(keep),
            None
            if loop.validation is None
            else loop.validation.subset(self.objective, keep),
            [loop.states[j] for j in keep],
            stochastic.SafePoints(network, loop.safe.probe[keep]),
            loop.index[keep],
        )
        self._running = np.ones(keep.size, dtype=bool)

    def _finish(self, positions):
        """The members at ``positions`` leave the stack: their outputs are
        probed (finite weights can still be so large that the outputs
        overflow: then training diverged, and they fall back), and their rows
        and optimizer states are copied into the full network and
        :attr:`member_optimizers`."""
        safe, states = self._loop.safe, self._loop.states
        finite = safe.outputs_finite()
        for j in positions:
            member = self._loop.index[j]
            if not finite[j] and self._stopped_as[member] is not Status.DIVERGED:
                self._fall_back([j])
                states[j].diverged_at = len(states[j].loss_curve)
                self._stopped_as[member] = Status.DIVERGED
            self.member_optimizers[member] = self.optimizer.member(j)
        full, net = self._full[0], self.network
        if net is not full:
            rows = self._loop.index[positions]
            full.members_view(full.theta)[rows] = net.members_view(net.theta)[positions]
            full.members_view(full.state)[rows] = net.members_view(net.state)[positions]

    def _fall_back(self, positions):
        """After a divergence: the members' last safe weights, and optimizer
        states that forget the diverging steps (a later partial_fit starts
        afresh)."""
        self._loop.safe.fall_back(positions)
        self.optimizer.reset(positions)

    def _epochs(self, epochs=None):
        """Up to ``epochs`` more epochs of the loop; the :class:`Status` of its
        end, or ``None`` while some member still trains."""
        incremental = self._incremental
        last = max(c.max_iter for c in self.configs)
        for _ in range(last - self._epochs_done if epochs is None else epochs):
            if self._epochs_done >= last:
                return Status.MAX_ITER
            if not self._running.any():  # every member stopped from outside
                return Status.CONVERGED
            if not self._running.all():
                self._compact()
            status = self._epoch(incremental)
            self._epochs_done += 1
            if status is not None:
                return status
            if not self._running.any():
                return Status.CONVERGED
            if incremental:
                return Status.INCREMENTAL
        return Status.MAX_ITER if self._epochs_done >= last else None

    def _epoch(self, incremental):
        """One epoch and its bookkeeping; a :class:`Status` if training ends."""
        batches, validation, states, safe = self._loop[:4]
        if self.on_begin is not None:
            self.on_begin()
        start = time.perf_counter()
        rates = np.broadcast_to(self.optimizer.learning_rate, len(states)).tolist()
        *values, failed = stochastic.run_epoch(
            self.objective,
            self.optimizer,
            batches,
            self.config.clip_norm,
            self.dropout_rng,
            safe.first_batch_finite,
        )
        loss, grad_norm, penalty = (np.atleast_1d(value) for value in values)
        if self._diverge(loss, failed):
            return None
        scores = None if validation is None else [np.atleast_1d(v) for v in validation()]
        seconds = time.perf_counter() - start
        for j in np.flatnonzero(self._running).tolist():
            self._record(states[j], j, loss[j], scores, int(batches.n_samples[j]))
            values = dict(learning_rate=rates[j], grad_norm=float(grad_norm[j]))
            values.update(penalty=float(penalty[j]))
            self._log(states[j], float(loss[j]), values, seconds, scores is not None, j)
        if self.on_end is not None and self.on_end():
            return Status.STOPPED
        return self._after_epoch(states, incremental)

    def _diverge(self, loss, failed):
        """Members whose loss, weights or optimizer state are not finite fall
        back to their last safe point and stop; whether none is left."""
        finite = np.isfinite(loss) & self._loop.safe.weights_finite()
        finite &= self.optimizer.state_finite()
        if failed is not None:
            finite &= ~failed
        diverged = np.flatnonzero(~finite & self._running)
        if diverged.size:
            self._fall_back(diverged)
            for j in diverged:
                state = self._loop.states[j]
                state.diverged_at = len(state.loss_curve) + 1
                self._stop(j, Status.DIVERGED)
        return not self._running.any()

    def _record(self, state, j, loss, scores, n_samples):
        """Member ``j``'s training loss and validation loss and score."""
        tol = self._config(j).tol
        state.record_loss(float(loss), n_samples, tol)
        if scores is not None:
            valid_loss, valid_score = (float(s[j]) for s in scores)
            checkpoint = self.network.member_checkpoint
            state.record_validation(valid_loss, valid_score, tol, lambda: checkpoint(j))

    def _log(self, state, loss, epoch_values, seconds, validated, j):
        values = dict(epoch=len(state.loss_curve), train_loss=loss, **epoch_values)
        values["time"] = seconds
        if validated:
            values.update(
                valid_loss=state.validation_loss_curve[-1],
                valid_score=state.validation_scores[-1],
            )
        state.log(**values)
        if self.config.verbose:
            line = stochastic.epoch_line(state)
            if len(self._stopped_as) > 1:  # whose line it is
                line = f"member {self._loop.index[j]:2d}  {line}"
            print(line)

    def _after_epoch(self, states, incremental):
        """Schedule the next learning rates; on a member's plateau, stop it (or
        lower its rate); a member at its own ``max_iter`` stops there (a
        ``partial_fit`` runs its one epoch whatever ``max_iter`` says)."""
        # a fit's budget counts its own epochs; partial_fit's, all since the start
        epochs = [len(s.loss_curve) if incremental else s.n_iter for s in states]
        budgets = [self._config(j).max_iter for j in range(len(states))]
        self.schedule.after_epoch(self.optimizer, [s.t for s in states], epochs, budgets)
        for j in np.flatnonzero(self._running):
            state, config = states[j], self._config(j)
            if state.no_improvement_count <= config.n_iter_no_change:
                if state.n_iter >= config.max_iter and not incremental:
                    self._stop(j, Status.MAX_ITER)
                continue
            stop = self.schedule.on_plateau(self.optimizer, j)
            if self.config.verbose:
                self._print_plateau(state, stop, config, j)
            if stop:
                self._stop(j, Status.CONVERGED)
            else:
                state.no_improvement_count = 0
        return None

    def _print_plateau(self, state, stop, config, j):
        what = "Validation score" if state.monitor_validation else "Training loss"
        rate = self.optimizer._hyper("learning_rate", j)
        then = " Stopping." if stop else f" Setting learning rate to {rate:f}"
        print(
            f"{what} did not improve more than tol={config.tol:f} for "
            f"{config.n_iter_no_change} consecutive epochs.{then}"
        )

    @staticmethod
    def _outcome(status, state, has_validation, message=""):
        best_epoch = state.best_epoch if has_validation else None
        return FitOutcome(status, state.n_iter, best_epoch, state.diverged_at, message)

    # -- full batch: L-BFGS, Newton ------------------------------------------------------
    def _run_full_batch(self, data, state):
        """L-BFGS or Newton's method, of a stack of one (one line search per
        problem)."""
        config = self.config
        state.monitor_validation = False
        X, Y, sample_weight = data.members[0].materialized()
        observer = LbfgsObserver(state, config.verbose, self.on_begin, self.on_end)
        result = self._minimise(X, Y, sample_weight, observer)
        if self.network.batch_norm:
            self.network.refresh_batch_norm(X, sample_weight)
        state.n_iter = min(int(result.nit), config.max_iter)
        state.loss = float(result.fun)
        state.loss_curve.extend(observer.curve)
        state.best_loss = min(state.best_loss, state.loss)
        validated = data.validation is not None and not result.diverged
        if validated:  # once, at the solution: L-BFGS has no epochs to monitor
            losses, scores = data.validation()
            state.record_validation(float(losses), float(scores[0]), 0.0, lambda: None)
        if result.diverged:
            state.diverged_at = state.n_iter
            return self._outcome(Status.DIVERGED, state, False)
        if observer.stopped:
            return self._outcome(Status.STOPPED, state, validated)
        if result.status != 0:
            message = (
                f"after {result.nit} iteration(s) (status={result.status}): "
                f"{result.message}"
            )
            return self._outcome(Status.FAILED, state, validated, message)
        return self._outcome(Status.CONVERGED, state, validated)

    def _minimise(self, X, Y, sample_weight, observer):
        """The full-batch solver's run on one member's rows: scipy's result."""
        config = self.config
        if config.solver == "newton":
            return fit_newton(
                self.objective,
                X,
                Y,
                sample_weight,
                max_iter=config.max_iter,
                observer=observer,
            )
        options = {"maxfun": config.max_fun, "maxiter": config.max_iter, "gtol": config.tol}
        return fit_lbfgs(
            self.objective, X, Y, sample_weight, options=options, observer=observer
        )


class LbfgsObserver:
    """Bookkeeping of each L-BFGS iteration: the loss curve, the history, the
    verbose line and the callbacks' hooks.

    An iteration begins at its first evaluation, while ``theta`` still holds
    the previous iterate (or the initial weights), and ends after scipy's
    iteration, with ``theta`` set to the new iterate.
    """

    def __init__(self, state, verbose, on_begin=None, on_end=None):
        self.state, self.verbose = state, verbose
        self.on_begin, self.on_end = on_begin, on_end
        self.curve = []
        self.running = self.stopped = False
        self.clock = time.perf_counter()

    def before_evaluation(self):
        if not self.running:
            self.running = True
            if self.on_begin is not None:
                self.on_begin()

    def after_iteration(self, loss, grad_norm):
        """Record one iteration; true when a callback asks to stop."""
        self.curve.append(loss)
        now, state = time.perf_counter(), self.state
        state.log(
            epoch=len(state.loss_curve) + len(self.curve),
            train_loss=loss,
            learning_rate=np.nan,
            grad_norm=grad_norm,
            time=now - self.clock,
        )
        self.clock = now
        if self.verbose:
            print(f"iteration {len(self.curve):4d}  train_loss {loss:.6f}")
        self.running = False
        if self.on_end is not None and self.on_end():
            self.stopped = True
        return self.stopped
