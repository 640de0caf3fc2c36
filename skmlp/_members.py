"""Several estimators' networks trained together, as one model axis.

The folds of a cross-validation and the members of an ensemble are the same
program run on different rows and seeds. :func:`fit_together` prepares each
estimator's data as its own ``fit`` would (validation, encoding, class
weights, initial weights and early stopping's split: the same random draws in
the same order), stacks the networks and optimizers along a model axis
(:mod:`skmlp.nn`), trains them with the one
:class:`~skmlp.training.trainer.Trainer` and gives each estimator its member
back: each ends fitted as if it had been fitted alone (float64: to rounding).
"""

import dataclasses
import itertools
import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_random_state

from ._monitor import MemberValidation
from .nn.losses import stack_losses
from .nn.member_objective import MemberObjective
from .nn.network import Network
from .nn.optimizers import make_member_optimizer, make_optimizer
from .training.batches import MemberRows, batch_counts
from .training.config import STOCHASTIC_SOLVERS
from .training.trainer import MemberData, Trainer

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


class Unbatchable(Exception):
    """These fits cannot share a model axis; the message says why."""


def batching_refusal(estimator, X=None):
    """Why ``estimator`` (a skmlp estimator) cannot train on a model axis, as a
    phrase, or ``None`` when it can."""
    if estimator.solver not in STOCHASTIC_SOLVERS:
        return "solver='lbfgs' takes one line search per problem"
    if estimator.batch_norm:
        return "batch_norm's statistics are not batched over models yet"
    if estimator.learning_rate == "adaptive":
        return "learning_rate='adaptive' divides one learning rate shared by the models"
    if getattr(estimator, "_skl_callbacks", None):
        return "callbacks follow one fit at a time"
    if X is not None and sp.issparse(X):
        return "sparse input"
    return None


@dataclass
class _Member:
    """One estimator's fit as far as its own ``fit`` goes before training."""

    estimator: object
    data: object  # the estimator's _Prepared data
    rng: object
    config: object
    dropout_rng: object = None


def _prepare(estimator, args, incremental):
    """Validate and encode the data, build (or reuse) the network: exactly the
    steps and random draws of ``BaseMLP._fit`` before the trainer."""
    args = dict(args)
    X, y = args.pop("X"), args.pop("y")
    sample_weight, classes = args.pop("sample_weight", None), args.pop("classes", None)
    reason = batching_refusal(estimator, X)
    if reason is not None:
        raise Unbatchable(reason)
    fresh = "_network" not in estimator.__dict__ or not (
        estimator.warm_start or incremental
    )
    data = estimator._prepare(X, y, sample_weight, fresh, incremental, classes, **args)
    if sp.issparse(data.X):
        raise Unbatchable("sparse input")
    rng = check_random_state(estimator.random_state)
    estimator._build_network(data, fresh, rng)
    return _Member(estimator, data, rng, estimator._training_config(incremental))


def _share_equal_data(members):
    """Members whose prepared arrays equal the first member's draw from the
    first member's (one gather per minibatch instead of one per member)."""
    first = members[0].data
    for member in members[1:]:
        shared = {
            name: getattr(first, name)
            for name in ("X", "Y", "sample_weight")
            if _equal(getattr(member.data, name), getattr(first, name))
        }
        member.data = dataclasses.replace(member.data, **shared)


def _equal(a, b):
    if a is b or a is None or b is None:
        return a is b
    return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b)


#: Settings of a :class:`TrainingConfig` each member of an axis has its own of.
PER_MEMBER_SETTINGS = ("max_iter", "tol", "n_iter_no_change")


def _shared_settings(config):
    """``config`` without what members may differ in: their own stopping
    settings and the optimizer's numbers (learning rate, moments, decay)."""
    numbers = {
        key: value
        for key, value in config.optimizer_params.items()
        if isinstance(value, bool) or not isinstance(value, (int, float))
    }
    blank = dict.fromkeys(PER_MEMBER_SETTINGS, 0)
    return dataclasses.replace(
        config, learning_rate_init=0.0, optimizer_params=numbers, **blank
    )


def _check_compatible(members):
    first = members[0]
    shared = _shared_settings(first.config)
    for member in members[1:]:
        if _shared_settings(member.config) != shared:
            raise Unbatchable("the models are trained with different settings")
        if member.data.X.shape[1] != first.data.X.shape[1]:
            raise Unbatchable("the models see different numbers of features")
        if member.data.Y.shape[1] != first.data.Y.shape[1]:
            raise Unbatchable("the models have different numbers of outputs")


def replay(caught):
    """Warn again the warnings ``caught`` by ``warnings.catch_warnings(record=True)``."""
    for warning in caught:
        warnings.warn_explicit(
            warning.message, warning.category, warning.filename, warning.lineno
        )


def _on_end(on_epoch, trainer):
    """The trainer's ``on_end`` hook calling ``on_epoch(epoch, n_running)``;
    it never stops training."""
    epochs = itertools.count(1)

    def hook():
        on_epoch(next(epochs), trainer.n_running)
        return False

    return hook


class _SplitCache:
    """Early stopping's splits of one :func:`fit_together` call, by what they
    depend on: the encoded targets, the groups, the estimator's split settings
    and the state of its generator. Members with equal inputs (the candidates
    of a search on one fold, with one ``random_state``) draw one split; each
    member's generator then moves on as its own draw would have moved it. A
    split that warned is not shared: each member warns as its own fit does."""

    def __init__(self):
        self._splits, self._digests = {}, {}

    def _digest(self, array):
        if array is None:
            return None
        key = id(array)
        if key not in self._digests:
            array = np.asarray(array)
            content = array.tobytes() if array.dtype.kind != "O" else repr(array.tolist())
            self._digests[key] = (array, (array.shape, str(array.dtype), content))
        return self._digests[key][1]

    def split(self, member):
        """``member``'s ``(train, validation)`` rows (or ``None``), as
        ``estimator._validation_rows`` draws them."""
        estimator, data, rng = member.estimator, member.data, member.rng
        state = rng.get_state()
        key = (
            type(estimator),
            estimator.validation_fraction,
            self._digest(data.Y),
            self._digest(data.groups),
            state[1].tobytes(),
            state[2:],
        )
        if key in self._splits:
            split, after = self._splits[key]
            rng.set_state(after)
            return split
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            split = estimator._validation_rows(data, rng)
        replay(caught)
        if not caught:
            self._splits[key] = (split, rng.get_state())
        return split


def _rows_and_validation(member, splits):
    """Member's training rows (a :class:`MemberRows`) and validation set or
    ``None``: early stopping's split is drawn from the member's generator
    after its initial weights, as in its own fit (indices, not copies;
    ``splits``: the call's :class:`_SplitCache`)."""
    data, config = member.data, member.config
    if member.estimator._network.uses_dropout:  # drawn before the split, as in fit
        seed = member.rng.randint(np.iinfo(np.int32).max)
        member.dropout_rng = np.random.default_rng(seed)
    validation_set = data.validation_set
    rows = MemberRows(data.X, data.Y, data.sample_weight)
    if validation_set is None and config.early_stopping:
        split = splits.split(member)
        if split is not None:
            train, val = split
            sw = data.sample_weight
            rows = MemberRows(data.X, data.Y, sw, rows=train)
            validation_set = (data.X[val], data.Y[val], None if sw is None else sw[val])
    return rows, validation_set


def _check_batches(rows, members):
    config = members[0].config
    if config.solver == "sgd" and config.schedule == "invscaling":
        rates = {m.config.learning_rate_init for m in members}
        if len({r.n_rows for r in rows}) > 1 or len(rates) > 1:  # one schedule
            raise Unbatchable("invscaling's learning rate would differ between models")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sizes = [config.batch_size_for(r.n_rows) for r in rows]
    if len(set(batch_counts([r.n_rows for r in rows], sizes))) > 1:
        raise Unbatchable("the models' epochs have different numbers of minibatches")


def _optimizer(members, network, config, incremental):
    """A new optimizer for the axis, or the members' own ones stacked (a
    partial_fit continues each member's moments and step count)."""
    own = [m.estimator.__dict__.get("_optimizer") for m in members]
    if incremental and all(o is not None for o in own):
        return type(own[0]).stack(own)
    settings = [m.config.optimizer_params for m in members]
    if any(s != settings[0] for s in settings):  # each member its own numbers
        size = network.theta.size // len(members)
        return make_member_optimizer(
            config.solver, size, network.dtype, network.n_coefs, settings
        )
    optimizer = make_optimizer(
        config.solver,
        network.theta.size,
        network.dtype,
        network.n_coefs,
        config.optimizer_params,
    )
    optimizer.set_members(len(members))
    return optimizer


def _stacked_loss(members):
    """The members' losses as one loss of the axis (each member's own numbers)."""
    try:
        return stack_losses([m.data.loss for m in members])
    except ValueError as error:
        raise Unbatchable(f"the models' losses cannot be stacked: {error}") from None


def _prepare_all(estimators, fit_args, incremental):
    """Every estimator's prepared fit, training rows and validation set;
    :class:`Unbatchable` when they cannot share an axis."""
    members = [_prepare(e, a, incremental) for e, a in zip(estimators, fit_args)]
    _check_compatible(members)
    loss = _stacked_loss(members)
    _share_equal_data(members)
    splits = _SplitCache()
    split = [_rows_and_validation(m, splits) for m in members]
    rows = [r for r, _ in split]
    validation = [v for _, v in split]
    if len({v is None for v in validation}) > 1:
        raise Unbatchable("early stopping found a validation split for some models only")
    _check_batches(rows, members)
    return members, rows, validation, loss


def fit_together(estimators, fit_args, incremental=False, on_epoch=None):
    """Fit (``incremental``: one ``partial_fit`` epoch) each skmlp estimator
    of ``estimators`` on its ``fit_args`` (dicts of ``X``, ``y`` and fit's
    keywords) as one model axis; returns the estimators, each fitted.
    ``on_epoch(epoch, n_running)``, when given, is called after each epoch
    with the number of members still training.

    Raises :class:`Unbatchable`, with every estimator as it was, when the fits
    cannot share an axis (see :func:`batching_refusal`;
    members must also agree on settings, loss, widths and batches per epoch).
    """
    saved = [dict(e.__dict__) for e in estimators]
    try:
        members, rows, validation, loss = _prepare_all(estimators, fit_args, incremental)
    except Unbatchable:
        for estimator, attributes in zip(estimators, saved):
            estimator.__dict__.clear()
            estimator.__dict__.update(attributes)
        raise
    config = members[0].config
    network = Network.stack([m.estimator._network for m in members])
    alphas = [m.estimator.alpha for m in members]
    l1_ratios = [m.estimator.l1_ratio for m in members]
    objective = MemberObjective(network, loss, alpha=alphas, l1_ratio=l1_ratios)
    monitor = None
    if validation[0] is not None:
        monitor = MemberValidation(estimators, objective, validation)
    optimizer = _optimizer(members, network, config, incremental)
    configs = [m.config for m in members]
    own = None if all(c == config for c in configs) else configs
    dropout = [m.dropout_rng for m in members]
    dropout = None if all(d is None for d in dropout) else dropout
    trainer = Trainer(config, objective, optimizer, [m.rng for m in members], dropout, own)
    if on_epoch is not None:
        trainer.on_end = _on_end(on_epoch, trainer)
    states = [m.estimator._state for m in members]
    with np.errstate(all="ignore"):
        outcomes = trainer.run(MemberData(rows, monitor), states, incremental)
    network.release()
    for j, (estimator, outcome) in enumerate(zip(estimators, outcomes)):
        estimator._network = network.member(j)
        estimator._optimizer = trainer.member_optimizers[j]
        estimator._publish(outcome)
    return estimators


def n_parameters(estimator, n_features, n_outputs):
    """The number of parameters of one network of ``estimator``."""
    units = [n_features, *estimator._hidden_layer_sizes(), n_outputs]
    return sum(a * b + b for a, b in zip(units[:-1], units[1:]))


def axis_chunks(n_members, member_parameters):
    """``slice`` objects cutting ``n_members`` members into model axes of at
    most :data:`MAX_AXIS_PARAMETERS` parameters, or ``None`` when networks of
    ``member_parameters`` gain nothing from sharing an axis
    (:data:`MAX_MEMBER_PARAMETERS`)."""
    if member_parameters > MAX_MEMBER_PARAMETERS:
        return None
    size = max(1, MAX_AXIS_PARAMETERS // max(1, member_parameters))
    return [slice(start, start + size) for start in range(0, n_members, size)]


def fit_on_axes(estimators, fit_args):
    """Fit each skmlp estimator on its own ``fit_args`` (dicts of ``X``, ``y``
    and fit's keywords): together on model axes where they can share one,
    one after the other where they cannot. Estimators whose epochs have
    different numbers of minibatches (folds of unequal sizes can differ by
    one) go on different axes rather than all falling back."""
    width = np.shape(fit_args[0]["X"])[1]
    for group in _by_batch_count(estimators, fit_args).values():
        members = [estimators[j] for j in group]
        args = [fit_args[j] for j in group]
        chunks = axis_chunks(len(members), n_parameters(members[0], width, 1))
        for chunk in chunks or [slice(j, j + 1) for j in range(len(members))]:
            _fit_chunk(members[chunk], args[chunk])


def _by_batch_count(estimators, fit_args):
    """Positions of the estimators, by the number of minibatches of an epoch
    (the trainer's own batch-size rule)."""
    groups = {}
    with warnings.catch_warnings():  # the fit itself warns about a clipped size
        warnings.simplefilter("ignore")
        for j, (estimator, args) in enumerate(zip(estimators, fit_args)):
            n_rows = np.shape(args["X"])[0]
            size = estimator._training_config(False).batch_size_for(n_rows)
            groups.setdefault(batch_counts([n_rows], [size])[0], []).append(j)
    return groups


def _fit_chunk(estimators, fit_args):
    if len(estimators) > 1:
        try:
            fit_together(estimators, fit_args)
            return
        except Unbatchable:
            pass
    for estimator, args in zip(estimators, fit_args):
        args = dict(args)
        estimator.fit(args.pop("X"), args.pop("y"), **args)
