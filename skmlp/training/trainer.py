"""One trainer for every solver: from prepared data to a trained network.

The :class:`Trainer` runs the epoch loop of the stochastic solvers and the
iteration loop of L-BFGS. It owns everything between validated data and the
fitted network -- the stopping rule, the learning-rate schedule, the
divergence checkpoint, validation monitoring, the restore of the best
weights, the L1 proximal step (through the objective's ``prox``), the
history and the callbacks' hooks -- and returns one :class:`FitOutcome`.
The estimator turns its parameters into a
:class:`~skmlp.training.config.TrainingConfig` and publishes the outcome.
"""

import enum
import time
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from . import stochastic
from .batches import MemberMinibatches, MemberRows, Minibatches
from .lbfgs import fit_lbfgs
from .schedules import LearningRateSchedule


class Status(enum.Enum):
    """How a training run ended."""

    CONVERGED = "converged"  #: the monitored value stopped improving
    MAX_ITER = "max_iter"  #: max_iter epochs (iterations) ran without convergence
    INCREMENTAL = "incremental"  #: the one epoch of partial_fit ran
    STOPPED = "stopped"  #: a callback asked to stop
    INTERRUPTED = "interrupted"  #: KeyboardInterrupt; the weights so far are kept
    DIVERGED = "diverged"  #: non-finite loss, weights or outputs; earlier weights restored
    FAILED = "failed"  #: L-BFGS ended abnormally; ``message`` says why


@dataclass(frozen=True)
class FitOutcome:
    """The result of :meth:`Trainer.run`: how it ended, after how many epochs
    (L-BFGS iterations), the best validation epoch (1-based; ``None`` without
    a validation set), the epoch of a divergence and the solver's message."""

    status: Status
    n_iter: int
    best_epoch: int = None
    diverged_at: int = None
    message: str = ""


@dataclass(frozen=True)
class TrainingData:
    """Encoded training rows and, optionally, a validation monitor: a callable
    returning ``(loss, score)`` of the current network on held-out data
    (higher scores are better)."""

    X: object
    Y: np.ndarray
    sample_weight: np.ndarray = None
    validation: object = None

    def training_weights(self):
        """What the objective's minibatches are normalised by."""
        return self.sample_weight, self.X.shape[0]

    def probe(self, n):
        """Up to ``n`` training rows, to probe the network's outputs."""
        return self.X[:n]


class _Loop(NamedTuple):
    """What the epoch loop runs on; ``index[j]`` is the member at position
    ``j`` of the axis (the running members, once some have stopped)."""

    batches: object
    validation: object
    states: list
    safe: object
    index: np.ndarray


@dataclass(frozen=True)
class MemberData:
    """The training data of a model axis: one :class:`MemberRows` per member
    and, optionally, a validation monitor returning ``(loss, score)`` with
    one value per member (``(k,)`` arrays)."""

    members: list
    validation: object = None

    def training_weights(self):
        return [m.weights() for m in self.members], [m.n_rows for m in self.members]

    def probe(self, n):
        first = self.members[0]
        return first.X[first.source_rows(np.arange(min(n, first.n_rows)))]


class Trainer:
    """Trains ``objective.network`` as ``config`` says.

    Parameters
    ----------
    config : TrainingConfig
    objective : skmlp.nn.objective.Objective
    optimizer : optimizer of :mod:`skmlp.nn.optimizers`, or None for L-BFGS
        Its state (moments, learning rate) carries over between calls, as
        ``partial_fit`` needs.
    rng : numpy.random.RandomState, default=None
        Shuffles the minibatches.
    dropout_rng : numpy.random.Generator or list, default=None
        Draws the dropout masks; on a model axis, one generator per member
        (``None`` for a member without dropout).
    member_configs : list of TrainingConfig, default=None
        On a model axis, member ``j``'s own ``max_iter``, ``tol`` and
        ``n_iter_no_change`` (its other settings are ``config``'s): each
        member stops by its own rule, as it would alone. ``None``: every
        member follows ``config``.

    Attributes
    ----------
    on_begin, on_end : callable or None
        Called before and after each epoch (iteration); an ``on_end``
        returning true stops training. None (the default) calls nothing.
    """

    def __init__(
        self, config, objective, optimizer, rng=None, dropout_rng=None, member_configs=None
    ):
        self.config, self.objective, self.optimizer = config, objective, optimizer
        self.member_configs = member_configs
        self.on_begin = self.on_end = None
        self.rng, self.dropout_rng = rng, dropout_rng
        self.network = objective.network
        self.schedule = LearningRateSchedule(
            config.schedule if config.solver == "sgd" else "constant",
            config.learning_rate_init,
            config.power_t,
        )

    def run(self, data, state, incremental=False):
        """Train on ``data``, recording progress in ``state`` (a
        :class:`~skmlp.training.state.TrainingState`); returns a :class:`FitOutcome`.
        ``incremental`` runs one epoch (``partial_fit``)."""
        if self.config.stochastic:
            return self._run_stochastic(data, state, incremental)
        return self._run_lbfgs(data, state)

    # -- stochastic solvers ---------------------------------------------------------
    def _run_stochastic(self, data, state, incremental):
        """The epoch loop. ``state`` is one :class:`TrainingState`, or a list of
        one per member when the network has a model axis (then one
        :class:`FitOutcome` per member is returned)."""
        config, members = self.config, self.network.n_members
        states = [state] if members is None else list(state)
        self._check_members(data, len(states))
        for member_state in states:
            member_state.monitor_validation = (
                config.early_stopping and data.validation is not None
            )
            member_state.n_iter = 0
        self._start(data, states)
        try:
            status = self._epochs(incremental)
        except KeyboardInterrupt:
            status = Status.INTERRUPTED
        status = self._probe_outputs(status)
        if members is not None:
            self._set_aside(np.arange(len(self._loop.states)))
            self.network, self.objective = self._full
        self._restore_best(states)
        if self.network.batch_norm and not incremental:
            # the running averages mix statistics of weights long gone
            self.network.refresh_batch_norm(data.X, data.sample_weight)
        outcomes = [
            self._outcome(self._stopped_as[j] or status, st, data.validation is not None)
            for j, st in enumerate(states)
        ]
        return outcomes[0] if members is None else outcomes

    def _start(self, data, states):
        """The epoch loop's pieces (:class:`_Loop`) and bookkeeping."""
        self.objective.set_training_weights(*data.training_weights())
        probe = data.probe(stochastic.SafePoints.PROBE_ROWS)
        self._loop = _Loop(
            self._batches(data),
            data.validation,
            states,
            stochastic.SafePoints(self.network, probe),
            np.arange(len(states)),
        )
        self._full = (self.network, self.objective)
        #: After a run on a model axis: each member's optimizer, as its own.
        self.member_optimizers = [None] * len(states)
        self._running = np.ones(len(states), dtype=bool)
        self._stopped_as = [None] * len(states)

    def _probe_outputs(self, status):
        """Finite weights can still be so large that the outputs overflow:
        then training diverged, and falls back."""
        safe = self._loop.safe
        if status is Status.DIVERGED or safe.outputs_finite():
            return status
        self._fall_back(safe)
        for member_state in self._loop.states:
            member_state.diverged_at = len(member_state.loss_curve)
        return Status.DIVERGED

    def _check_members(self, data, n_states):
        members = self.network.n_members
        if members is None:
            return
        rows = getattr(data, "members", [data])
        if not (
            n_states == len(rows) == members
            and all(isinstance(r, MemberRows) for r in rows)
        ):
            raise ValueError(
                f"A model axis of {members} members trains on one MemberRows and one "
                f"TrainingState per member; got {n_states} states and "
                f"{type(data).__name__}."
            )
        if not all(isinstance(m.X, np.ndarray) for m in data.members):
            raise ValueError("A model axis trains on dense rows only.")
        if self.network.batch_norm or self.schedule.kind == "adaptive":
            raise ValueError(
                "batch_norm and the adaptive learning rate are not supported on a "
                "model axis yet."
            )

    def _batches(self, data):
        """This run's minibatches (per-member shuffles on a model axis)."""
        config = self.config
        if self.network.n_members is not None:
            members = data.members
            sizes = [config.batch_size_for(m.n_rows) for m in members]
            return MemberMinibatches(members, sizes, config.shuffle, self.rng)
        n = data.X.shape[0]
        batch_size = config.batch_size_for(n)
        if self.network.batch_norm and batch_size < 2:
            raise ValueError(
                "batch_norm needs minibatches of at least 2 rows: a batch of 1 sample "
                f"has no variance to normalise by; got batch_size=1 for {n} training "
                "row(s)."
            )
        batches = Minibatches(
            data.X, data.Y, data.sample_weight, batch_size, config.shuffle, self.rng
        )
        # a batch of one row has no variance to normalise by
        batches.merge_single_row = self.network.batch_norm
        return batches

    def _restore_best(self, states):
        if not self.config.restore_best_weights:
            return
        for j, member_state in enumerate(states):
            if member_state.monitor_validation and member_state.best_theta is not None:
                self._member(j).restore(member_state.best_theta)

    def _member(self, j):
        """What checkpoints member ``j`` (a position on the current axis): the
        network itself without a model axis."""
        if self.network.n_members is None:
            return self.network
        return _MemberCheckpoint(self.network, j)

    @property
    def n_running(self):
        """How many members (of a model axis) are still training."""
        return int(self._running.sum())

    def _config(self, j):
        """The stopping settings of member ``j`` (a position on the axis)."""
        if self.member_configs is None:
            return self.config
        return self.member_configs[self._loop.index[j]]

    def _stop(self, j, status):
        """Member ``j`` (a position on the axis) stops training; its
        parameters keep their values."""
        self._running[j] = False
        self._stopped_as[self._loop.index[j]] = status
        if self.network.n_members is not None:
            self.optimizer.active[j] = False

    # -- members that stopped cost nothing more -----------------------------------
    def _compact(self):
        """Go on with the running members alone: a model axis of their rows
        (network, optimizer, objective, batches, validation), the stopped
        members' rows and optimizer states set aside in the full network."""
        loop, keep = self._loop, np.flatnonzero(self._running)
        validation = loop.validation
        if keep.size in (0, len(self._running)):
            return
        if validation is not None and not hasattr(validation, "subset"):
            return  # a monitor of the whole axis (a closure) cannot be split
        self._set_aside(np.flatnonzero(~self._running))
        network = self.network.subset(keep)
        self.objective = self.objective.subset(network, keep)
        self.network, self.optimizer = network, self.optimizer.subset(keep)
        if isinstance(self.dropout_rng, list):  # each member's own generator
            self.dropout_rng = [self.dropout_rng[j] for j in keep]
        self._loop = _Loop(
            loop.batches.subset(keep),
            None if validation is None else validation.subset(self.objective, keep),
            [loop.states[j] for j in keep],
            stochastic.SafePoints(network, loop.safe.probe),
            loop.index[keep],
        )
        self._running = np.ones(keep.size, dtype=bool)

    def _set_aside(self, positions):
        """Copy the members at ``positions`` of the axis, and their optimizer
        states, into the full network and :attr:`member_optimizers`."""
        full, net = self._full[0], self.network
        for j in positions:
            member = self._loop.index[j]
            self.member_optimizers[member] = self.optimizer.member(j)
            if net is full:
                continue
            full.members_view(full.theta)[member] = net.members_view(net.theta)[j]
            if full.state.size:
                full.members_view(full.state)[member] = net.members_view(net.state)[j]

    def _fall_back(self, safe):
        """After a divergence: the last safe weights, and an optimizer that
        forgets the diverging steps (a later partial_fit starts afresh)."""
        safe.fall_back()
        self.optimizer.reset()

    def _epochs(self, incremental):
        configs = self.member_configs or [self.config]
        for _ in range(max(c.max_iter for c in configs)):
            status = self._epoch()
            if status is not None:
                return status
            if not self._running.any():
                return Status.CONVERGED
            if incremental:
                return Status.INCREMENTAL
            if self.network.n_members is not None and not self._running.all():
                self._compact()
        return Status.MAX_ITER

    def _epoch(self):
        """One epoch and its bookkeeping; a :class:`Status` if training ends."""
        batches, validation, states, safe = self._loop[:4]
        if self.on_begin is not None:
            self.on_begin()
        start = time.perf_counter()
        learning_rate = self.optimizer.learning_rate
        epoch = stochastic.run_epoch(
            self.objective,
            self.optimizer,
            batches,
            self.config.clip_norm,
            self.dropout_rng,
            safe.first_batch_finite,
        )
        loss, grad_norm, penalty = (np.atleast_1d(value) for value in epoch)
        finite = np.isfinite(loss).all() and safe.weights_finite()
        if not (finite and self.optimizer.state_finite()):
            self._fall_back(safe)
            for member_state in states:
                member_state.diverged_at = len(member_state.loss_curve) + 1
            return Status.DIVERGED
        scores = None if validation is None else [np.atleast_1d(v) for v in validation()]
        seconds = time.perf_counter() - start
        samples = np.broadcast_to(batches.n_samples, len(states)).tolist()
        rates = np.broadcast_to(learning_rate, len(states)).tolist()
        for j in np.flatnonzero(self._running).tolist():
            self._record(states[j], j, loss[j], scores, int(samples[j]))
            values = dict(learning_rate=rates[j], grad_norm=float(grad_norm[j]))
            values.update(penalty=float(penalty[j]))
            self._log(states[j], float(loss[j]), values, seconds, scores is not None, j)
        if self.on_end is not None and self.on_end():
            return Status.STOPPED
        return self._after_epoch(states)

    def _record(self, state, j, loss, scores, n_samples):
        """Member ``j``'s training loss and validation loss and score."""
        tol = self._config(j).tol
        state.record_loss(float(loss), n_samples, tol)
        if scores is not None:
            valid_loss, valid_score = (float(s[j]) for s in scores)
            state.record_validation(valid_loss, valid_score, tol, self._member(j))

    def _log(self, state, loss, epoch_values, seconds, validated, j=0):
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
            if self.network.n_members is not None:  # whose line it is
                line = f"member {self._loop.index[j]:2d}  {line}"
            print(line)

    def _after_epoch(self, states):
        """Schedule the next learning rate; on a member's plateau, stop it (or
        lower the rate); a member at its own ``max_iter`` stops there."""
        optimizer = self.optimizer
        optimizer.learning_rate = self.schedule.after_epoch(
            optimizer.learning_rate, states[0].t
        )
        for j in np.flatnonzero(self._running):
            state, config = states[j], self._config(j)
            if state.no_improvement_count <= config.n_iter_no_change:
                if state.n_iter >= config.max_iter and self.member_configs:
                    self._stop(j, Status.MAX_ITER)
                continue
            stop, optimizer.learning_rate = self.schedule.on_plateau(
                optimizer.learning_rate
            )
            if self.config.verbose:
                self._print_plateau(state, stop, config)
            if stop:
                self._stop(j, Status.CONVERGED)
            else:
                state.no_improvement_count = 0
        return None

    def _print_plateau(self, state, stop, config):
        what = "Validation score" if state.monitor_validation else "Training loss"
        then = (
            " Stopping."
            if stop
            else f" Setting learning rate to {self.optimizer.learning_rate:f}"
        )
        print(
            f"{what} did not improve more than tol={config.tol:f} for "
            f"{config.n_iter_no_change} consecutive epochs.{then}"
        )

    @staticmethod
    def _outcome(status, state, has_validation, message=""):
        best_epoch = state.best_epoch if has_validation else None
        return FitOutcome(status, state.n_iter, best_epoch, state.diverged_at, message)

    # -- L-BFGS -------------------------------------------------------------------------
    def _run_lbfgs(self, data, state):
        config, network = self.config, self.network
        state.monitor_validation = False
        network.allocate(data.X.shape[0])
        observer = LbfgsObserver(state, config.verbose, self.on_begin, self.on_end)
        options = {"maxfun": config.max_fun, "maxiter": config.max_iter, "gtol": config.tol}
        result = fit_lbfgs(
            self.objective,
            data.X,
            data.Y,
            data.sample_weight,
            options=options,
            observer=observer,
        )
        if network.batch_norm:
            network.refresh_batch_norm(data.X, data.sample_weight)
        state.n_iter = min(int(result.nit), config.max_iter)
        state.loss = float(result.fun)
        state.loss_curve.extend(observer.curve)
        state.best_loss = min(state.best_loss, state.loss)
        if result.diverged:
            state.diverged_at = state.n_iter
            return self._outcome(Status.DIVERGED, state, False)
        if observer.stopped:
            return self._outcome(Status.STOPPED, state, False)
        if result.status != 0:
            message = (
                f"after {result.nit} iteration(s) (status={result.status}): "
                f"{result.message}"
            )
            return self._outcome(Status.FAILED, state, False, message)
        return self._outcome(Status.CONVERGED, state, False)


class _MemberCheckpoint:
    """Checkpoint and restore of one member of a model axis: its rows of
    ``theta`` and of the running statistics (see ``Network.members_view``)."""

    def __init__(self, network, j):
        self.network, self.j = network, j

    def _rows(self):
        net = self.network
        state = net.members_view(net.state)[self.j] if net.state.size else net.state
        return net.members_view(net.theta)[self.j], state

    def checkpoint(self):
        return np.concatenate(self._rows())

    def restore(self, checkpoint):
        theta, state = self._rows()
        np.copyto(theta, checkpoint[: theta.size])
        np.copyto(state, checkpoint[theta.size :])


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
