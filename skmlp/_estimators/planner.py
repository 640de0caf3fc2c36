"""The planner: validated data and the members' parameters -> FitPlans.

Below the scikit-learn facade, a fit is data prepared once (:class:`Prepared`:
validated, encoded, with its loss), what every member shares (:class:`Spec`:
the network's shape, the training settings, early stopping's split and the
validation score) and what each member has of its own (:class:`Members`: an
alpha, a seed, a fitted network to continue), given as vectors.
:func:`plan_members` turns them into one
:class:`~skmlp.model_axis.FitPlan` per member, with no estimator object;
:func:`train_and_publish` trains the plans of any number of fits in one call
of the scheduler and hands each fit its results.

Each member draws from its own seed, in scikit-learn's order: its initial
weights, its dropout seed, early stopping's split (its shuffles follow in
training).
"""

import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.utils import check_random_state

from ..model_axis import FitPlan, train
from ..nn.network import Network
from ..training.batches import MemberRows
from ..training.state import TrainingState
from ..training.validation import ValidationSet
from .early_stopping_split import SplitRefused, validation_split


@dataclass(frozen=True)
class Prepared:
    """Validated, encoded training data of one fit: rows, targets (class
    weights and label smoothing applied), weights, groups, an optional
    validation set ``(X_val, Y_val, sample_weight_val)`` and the loss.

    ``splits``, when a dict, holds early stopping's splits already drawn, by
    the state of the generator that drew them: members with equal seeds (the
    alphas of a search) draw one split. ``None``: each member draws its own.
    """

    X: object
    Y: np.ndarray
    sample_weight: np.ndarray
    groups: np.ndarray
    validation_set: tuple
    loss: object
    splits: dict = None


@dataclass(frozen=True)
class Spec:
    """What every member of a fit shares.

    Attributes
    ----------
    layer_units : list of int
        ``[n_features, *hidden, n_outputs]``.
    activation, init : str
        The hidden layers' activation; the initialisation scheme.
    architecture : dict
        :class:`~skmlp.nn.network.Network`'s keywords (``batch_norm``,
        ``dropout``, ``residual``, ``embedding``, ``heads``).
    config : TrainingConfig
        The training settings.
    l1_ratio : float
        The penalty's L1 share.
    validation_fraction : float
        Early stopping's share of the rows.
    split_kind : str
        ``"single_label"``, ``"multilabel"`` or ``"regression"``.
    scorer : callable
        ``scorer(X, Y, sample_weight)``: the score of a validation set (see
        :class:`~skmlp.training.validation.ValidationSet`), ``None`` for the
        negated validation loss.
    """

    layer_units: list
    activation: str
    architecture: dict
    init: str
    config: object
    l1_ratio: float
    validation_fraction: float
    split_kind: str
    scorer: object


@dataclass(frozen=True)
class Fitted:
    """A member's fitted network, training state and optimizer, to continue."""

    network: Network
    state: TrainingState
    optimizer: object = None


@dataclass(frozen=True)
class Members:
    """The members' own parameters, one entry each: ``alphas``, ``seeds``
    (anything :func:`~sklearn.utils.check_random_state` takes) and, when
    training continues, ``fitted`` (a :class:`Fitted` or ``None`` for a
    member that starts afresh)."""

    alphas: object
    seeds: object
    fitted: tuple = ()


@dataclass(frozen=True)
class PendingFit:
    """A fit before training: its plans and ``publish(results)``, which
    publishes the scheduler's results (one per plan); ``members``: the
    estimators it makes fitted, one per plan (for their callbacks), if any."""

    plans: list
    publish: object
    members: list = ()


def plan_members(data, spec, members, incremental=False):
    """One :class:`~skmlp.model_axis.FitPlan` per member on prepared ``data``
    (``incremental``: one epoch of ``partial_fit``)."""
    fitted = list(members.fitted) or [None] * len(members.alphas)
    return [
        _plan(data, spec, (float(alpha), seed, own), incremental)
        for alpha, seed, own in zip(members.alphas, members.seeds, fitted)
    ]


def train_and_publish(pending, on_epoch=None, rungs=None):
    """Train the plans of every fit of ``pending`` (:class:`PendingFit`) in one
    call of the scheduler (:func:`skmlp.model_axis.train`; ``on_epoch`` and
    ``rungs`` as there, plan positions counted over all fits in order), then
    publish each fit's results."""
    results = iter(train([plan for fit in pending for plan in fit.plans], on_epoch, rungs))
    for fit in pending:
        fit.publish([next(results) for _ in fit.plans])


def _plan(data, spec, member, incremental):
    alpha, seed, fitted = member
    rng = check_random_state(seed)
    network, state = _network(data, spec, rng, fitted)
    config = spec.config
    rows = MemberRows(data.X, data.Y, data.sample_weight)
    plan = FitPlan(
        network,
        data.loss,
        config,
        rows,
        state,
        rng,
        alpha=alpha,
        l1_ratio=spec.l1_ratio,
        incremental=incremental,
    )
    if config.stochastic:
        if incremental and fitted is not None:
            plan.optimizer = fitted.optimizer
        if network.uses_dropout:
            plan.dropout_rng = np.random.default_rng(rng.randint(np.iinfo(np.int32).max))
        _add_validation(plan, data, spec, rng)
    elif data.validation_set is not None:  # L-BFGS: scored once, at its solution
        plan.validation = ValidationSet(
            *data.validation_set, spec.scorer(*data.validation_set)
        )
    if fitted is None and spec.architecture["embedding"] is not None:
        # a new network's piecewise bins: its training rows and their weights
        network.fit_embedding(*plan.rows.materialized()[::2])
    return plan


def _network(data, spec, rng, fitted):
    """A new network and state, or the fitted ones, checked to fit the data."""
    dtype = data.X.dtype
    if fitted is None:
        network = Network(spec.layer_units, spec.activation, dtype, **spec.architecture)
        network.initialize(rng, spec.init)
        return network, TrainingState()
    _check_continuation(fitted.network, spec, dtype)
    return fitted.network, fitted.state


def _check_continuation(network, spec, dtype):
    architecture = spec.architecture
    old = (
        network.layer_units,
        network.activation,
        network.batch_norm,
        network.residual,
        network.embedding,
        network.heads,
    )
    new = (
        spec.layer_units,
        spec.activation,
        architecture["batch_norm"],
        architecture["residual"],
        architecture["embedding"],
        architecture["heads"],
    )
    if old != new:
        raise ValueError(
            "Cannot continue training a network with (layers, activation, "
            f"batch_norm, residual, embedding, heads) = {old} as {new}; set "
            "warm_start=False to start anew."
        )
    network.set_dropout(architecture["dropout"])
    if np.dtype(dtype) != network.dtype:
        raise ValueError(
            f"The network was fitted on {network.dtype} data; got {np.dtype(dtype)}."
        )


def _add_validation(plan, data, spec, rng):
    """The plan's validation rows and score: the validation set given, or
    early stopping's split of the training rows."""
    validation_set = data.validation_set
    if validation_set is None and plan.config.early_stopping:
        plan.rows, validation_set = _split_rows(data, spec, rng)
    if validation_set is not None:
        plan.validation = ValidationSet(*validation_set, spec.scorer(*validation_set))


def _split_rows(data, spec, rng):
    """Early stopping's split (see :mod:`.early_stopping_split`): the training
    rows (indices into the data) and the validation set ``(X, Y,
    sample_weight)``, ``None`` when no honest split exists (with a warning)."""
    X, Y, sample_weight = data.X, data.Y, data.sample_weight
    split = _shared_split(data, spec, rng)
    if split is None:
        return MemberRows(X, Y, sample_weight), None
    train_rows, val = split
    sw_val = None if sample_weight is None else sample_weight[val]
    return MemberRows(X, Y, sample_weight, rows=train_rows), (X[val], Y[val], sw_val)


def _shared_split(data, spec, rng):
    """``draw_split``, or the split an equal draw (same generator state) gave
    before on ``data``; the generator then moves on as its own draw would
    have moved it. A draw that warned is not shared: each warns as its own."""
    if data.splits is None:
        return draw_split(data, spec, rng)
    state = rng.get_state()
    key = (spec.validation_fraction, spec.split_kind, state[1].tobytes(), state[2:])
    if key in data.splits:
        split, after = data.splits[key]
        rng.set_state(after)
        return split
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        split = draw_split(data, spec, rng)
    warn_again(caught)
    if not caught:
        data.splits[key] = (split, rng.get_state())
    return split


def draw_split(data, spec, rng):
    """``(train, validation)`` row indices of early stopping's split, or
    ``None`` (with a warning) when no honest split exists."""
    try:
        return validation_split(
            data.Y,
            fraction=spec.validation_fraction,
            rng=rng,
            kind=spec.split_kind,
            groups=data.groups,
        )
    except SplitRefused as reason:
        warnings.warn(
            f"Early stopping is off for this fit: {reason}. Training uses every "
            "row; raise validation_fraction or pass X_val, y_val to stop early.",
            UserWarning,
        )
        return None


def warn_again(caught):
    """Warn the recorded warnings again, as the fit's own work warns."""
    for warning in caught:
        warnings.warn_explicit(
            warning.message, warning.category, warning.filename, warning.lineno
        )
