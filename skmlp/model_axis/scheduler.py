"""The scheduler: plans grouped onto model axes and trained, never refused.

:func:`train` takes any list of :class:`~skmlp.model_axis.FitPlan` and
returns one :class:`~skmlp.model_axis.FitResult` each. Plans that agree in
everything but their own numbers (rows, seeds, learning rates, penalties,
loss parameters, stopping rules) and take as many minibatches per epoch
train together as one stack of networks, cut into axes of at most
:data:`MAX_AXIS_PARAMETERS` parameters; the others (L-BFGS, sparse rows,
scikit-learn's callbacks, networks larger than
:data:`MAX_MEMBER_PARAMETERS`) train as stacks of one, through the same
trainer. Every plan ends as it would have ended trained alone.
"""

import dataclasses
import warnings

import numpy as np
import scipy.sparse as sp

from ..nn.losses import loss_key, stack_losses
from ..nn.network import Network
from ..nn.objective import Objective
from ..nn.optimizers import make_optimizer
from ..training.batches import batch_counts
from ..training.trainer import Status, Trainer, TrainingData
from ..training.validation import Validation
from .plan import FitResult

#: The most parameters (all members together) one model axis trains: a larger
#: axis no longer fits in the caches.
MAX_AXIS_PARAMETERS = 2**19
#: Networks with more parameters than this train one after the other. One pass
#: saves the Python overhead of each step, but every member's products and
#: elementwise passes (the optimizer's square root and division, the
#: activations) still cost what they cost alone, and for a network this size
#: they are the whole step: 8 networks of 3.5k parameters train 1.7x faster on
#: one axis than one after the other, of 32k 1.2x, of 64k no faster, and
#: leave-one-out on 72 x 5147 (82k a member) is 1.35x slower in one axis of 72.
MAX_MEMBER_PARAMETERS = 2**15
#: Settings of a :class:`~skmlp.training.config.TrainingConfig` each member of
#: an axis has its own value of (besides the optimizer's numbers).
PER_MEMBER_SETTINGS = ("max_iter", "tol", "n_iter_no_change")


def train(plans, on_epoch=None, rungs=None):
    """Train every plan; returns one :class:`~skmlp.model_axis.FitResult` per
    plan, in order. ``on_epoch(epoch, n_running)``, when given, is called
    after each epoch of each axis with the number of its members still
    training.

    ``rungs``, when given, is a :class:`Rungs`: every axis trains up to each
    of its epochs in turn, in lockstep, and after each the plans that
    ``rungs.stop(epoch, states)`` names stop there (``states``: every plan's
    training state, in order) (successive halving: the worse
    half of a search leaves every axis). Without rungs each axis trains to
    its end before the next starts (only one axis's buffers at a time)."""
    results = [None] * len(plans)
    axes = list(_axes(plans))
    if rungs is None:
        for positions in axes:
            run = _AxisRun([plans[i] for i in positions], on_epoch)
            _collect(results, positions, run.finish())
        return results
    runs = [_AxisRun([plans[i] for i in positions], on_epoch) for positions in axes]
    done = 0
    for epoch in rungs.epochs:
        for run in runs:
            run.advance(epoch - done)
        done = epoch
        stopping = set(rungs.stop(epoch, [p.state for p in plans]))
        for run, positions in zip(runs, axes):
            run.stop([j for j, i in enumerate(positions) if i in stopping])
    for run, positions in zip(runs, axes):
        _collect(results, positions, run.finish())
    return results


def _collect(results, positions, trained):
    for i, result in zip(positions, trained):
        results[i] = result


class Rungs:
    """When a scheduler call pauses to stop plans: at each of ``epochs``
    (increasing), ``stop(epoch, states)`` returns the positions of the plans
    to stop (each ends with :attr:`~skmlp.training.trainer.Status.PRUNED`),
    reading only ``states``, the plans' training states in order: nothing
    below the estimators calls back up into one."""

    def __init__(self, epochs, stop):
        self.epochs, self.stop = list(epochs), stop


def _axes(plans):
    """Positions of the plans of each axis: plans grouped by what they must
    share, each group cut by size."""
    groups = {}
    for i, plan in enumerate(plans):
        groups.setdefault(_axis_key(plan, i), []).append(i)
    for positions in groups.values():
        yield from _chunks(positions, plans[positions[0]].network.theta.size)


def _chunks(positions, member_parameters):
    """``positions`` cut into axes of at most :data:`MAX_AXIS_PARAMETERS`
    parameters; one by one when networks of ``member_parameters`` gain
    nothing from sharing an axis (:data:`MAX_MEMBER_PARAMETERS`)."""
    if member_parameters > MAX_MEMBER_PARAMETERS:
        return [[i] for i in positions]
    size = max(1, MAX_AXIS_PARAMETERS // max(1, member_parameters))
    return [positions[start : start + size] for start in range(0, len(positions), size)]


def _axis_key(plan, position):
    """What ``plan`` must share with the plans of its axis; a key of its own
    when it trains alone (L-BFGS takes one line search per problem, sparse
    rows cannot be stacked, callbacks follow one fit at a time)."""
    config = plan.config
    alone = not config.stochastic or sp.issparse(plan.rows.X) or plan.hooks != (None, None)
    if alone:
        return ("alone", position)
    return (
        plan.network.spec,
        shared_settings(config),
        loss_key(plan.loss),
        _batches_per_epoch(plan),
        plan.incremental,
        plan.validation is None,
    )


def shared_settings(config):
    """``config`` without what members may differ in, hashable: their own
    stopping settings and the optimizer's numbers (learning rate, moments,
    decay)."""
    items = []
    for field in dataclasses.fields(config):
        if field.name in PER_MEMBER_SETTINGS:
            continue
        value = getattr(config, field.name)
        if field.name == "optimizer_params":
            value = tuple(sorted((k, v) for k, v in value.items() if not _is_number(v)))
        items.append((field.name, value))
    return tuple(items)


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _batches_per_epoch(plan):
    """The number of minibatches of an epoch of ``plan`` (the trainer's rules:
    its batch size, and batch norm's merged single last row)."""
    n = plan.rows.n_rows
    with warnings.catch_warnings():  # the fit itself warns about a clipped size
        warnings.simplefilter("ignore")
        size = plan.config.batch_size_for(n)
    count = batch_counts([n], [size])[0]
    merged = plan.network.batch_norm and count > 1 and n % size == 1
    return count - merged


class _AxisRun:
    """The plans of one axis trained as one stack of networks, in steps."""

    def __init__(self, plans, on_epoch):
        _share_equal_arrays(plans)
        self.plans, first = plans, plans[0]
        self.network = network = Network.stack([p.network for p in plans])
        loss = stack_losses([p.loss for p in plans])
        alphas, l1_ratios = [p.alpha for p in plans], [p.l1_ratio for p in plans]
        objective = Objective(network, loss, alphas, l1_ratios)
        optimizer = _optimizer(plans, network) if first.config.stochastic else None
        validation = None
        if first.validation is not None:
            validation = Validation([p.validation for p in plans], objective)
        dropout = [p.dropout_rng for p in plans]
        dropout = None if all(d is None for d in dropout) else dropout
        rngs = [p.rng for p in plans]
        trainer = Trainer([p.config for p in plans], objective, optimizer, rngs, dropout)
        trainer.on_begin, trainer.on_end = first.hooks
        if on_epoch is not None and trainer.on_end is None:
            trainer.on_end = _progress(on_epoch, trainer)
        data = TrainingData([p.rows for p in plans], validation)
        trainer.begin(data, [p.state for p in plans], first.incremental)
        self.trainer = trainer

    def advance(self, epochs=None):
        # overflow on the way to a divergence is detected and reported, not
        # left as NumPy noise
        with np.errstate(all="ignore"):
            self.trainer.advance(epochs)

    def stop(self, members):
        if members:
            self.trainer.stop(members, Status.PRUNED)

    def finish(self):
        """Train to the end; each plan's :class:`~skmlp.model_axis.FitResult`."""
        self.advance()
        with np.errstate(all="ignore"):
            outcomes = self.trainer.end()
        self.network.release()
        return [
            FitResult(
                outcome, self.network.member(j), self.trainer.member_optimizers[j], p.state
            )
            for j, (outcome, p) in enumerate(zip(outcomes, self.plans))
        ]


def _optimizer(plans, network):
    """The axis's optimizer: a new one with each member's numbers, or the
    members' own stacked (a ``partial_fit`` continues each member's moments
    and step count; a member without one starts a new one)."""
    config, k = plans[0].config, len(plans)
    size = network.theta.size // k

    def new(params, n_members=1):
        return make_optimizer(
            config.solver, size, network.dtype, network.n_coefs, params, n_members
        )

    if all(p.optimizer is None for p in plans):
        return new([p.config.optimizer_params for p in plans], k)
    own = [p.optimizer or new(p.config.optimizer_params) for p in plans]
    return type(own[0]).stack(own)


def _share_equal_arrays(plans):
    """Plans whose training arrays equal the first plan's draw from the first
    plan's (one gather per minibatch for all members, instead of one each)."""
    first = plans[0].rows
    for plan in plans[1:]:
        rows = plan.rows
        shared = {
            name: getattr(first, name)
            for name in ("X", "Y", "sample_weight")
            if _equal(getattr(rows, name), getattr(first, name))
        }
        plan.rows = dataclasses.replace(rows, **shared)


def _equal(a, b):
    if a is b or a is None or b is None:
        return a is b
    return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b)


def _progress(on_epoch, trainer):
    """The trainer's ``on_end`` hook calling ``on_epoch(epoch, n_running)``;
    it never stops training."""
    epochs = iter(range(1, 1 << 62))

    def hook():
        on_epoch(next(epochs), trainer.n_running)
        return False

    return hook
