"""BaseMLP: the parameters and the fit plumbing shared by every estimator.

Estimators validate and delegate: the mathematics lives in :mod:`skmlp.nn`,
the loops in :mod:`skmlp.training`.
"""

import copy
import dataclasses
import warnings
from abc import ABCMeta, abstractmethod
from functools import partial
from numbers import Integral, Real
from types import MappingProxyType

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import get_scorer_names
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import (
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from .._sklearn_compat import (
    Interval,
    Options,
    StrOptions,
    _check_sample_weight,
    _fit_context,
)
from ..nn.activations import ACTIVATIONS
from ..nn.embeddings import EMBEDDINGS
from ..nn.initializers import SCHEMES
from ..training.config import STOCHASTIC_SOLVERS, TrainingConfig
from ..training.trainer import Status
from .attributes import DATA_ATTRIBUTES, SHARED
from .callbacks import NO_TASKS, CallbackSupportMixin, FitTasks, callback_data
from .content import content_key
from .ensemble import (
    bind_members,
    check_member_count,
    ensemble_members,
    ensemble_shape,
    in_stack,
    predicting_networks,
    publish,
    stack_members,
    stacked,
)
from .planner import (
    Fitted,
    Members,
    PendingFit,
    Prepared,
    Spec,
    plan_members,
    train_and_publish,
    warn_again,
)
from .predict_input import check_predict_input
from .scoring import validation_scorer

#: The default attribution baseline is the median of at most this many
#: training rows, evenly spaced: every fit pays for it, a median of all n rows
#: costs as much as a short fit of a small network, and a reference point
#: needs no more (its standard error is about 0.05 of a column's spread).
MEDIAN_ROWS = 512


def _training_median(X, sample_weight):
    """Each column's median over the rows that count (weight above 0), or
    over :data:`MEDIAN_ROWS` of them evenly spaced when there are more: the
    default baseline of :func:`skmlp.inspection.feature_attributions`; None
    for a sparse ``X``."""
    if sp.issparse(X):
        return None
    rows = np.arange(X.shape[0])
    if sample_weight is not None:
        rows = np.flatnonzero(np.asarray(sample_weight) > 0)
    if rows.size > MEDIAN_ROWS:
        rows = rows[np.linspace(0, rows.size - 1, MEDIAN_ROWS).round().astype(np.intp)]
    # each column a contiguous row of one copy, sorted: NumPy's vectorised sort
    # beats its selection (np.median partitions at both middles, strided)
    columns = np.sort(np.ascontiguousarray(X[rows].T), axis=1)
    middle = rows.size // 2
    if rows.size % 2:
        return columns[:, middle]
    return (columns[:, middle - 1] + columns[:, middle]) / 2


def _head_importances(network, n_features):
    """Each head's L2 norm of each feature's first-layer weights, as the
    head sees them (scaled by its input adapter): ``(heads, n_features)``."""
    W = network.coefs[0][None]  # (heads, fan_in, fan_out): one head
    if network.adapter is not None:
        W = network.adapter.R.reshape(network.heads, -1, 1) * W
    # an embedded feature's first-layer weights are its block of rows
    return np.linalg.norm(W.reshape(len(W), n_features, -1), axis=2)


#: What validating the data and describing the model teach an estimator.
LEARNED = tuple(dict.fromkeys((*DATA_ATTRIBUTES, *SHARED)))


def learned(estimator):
    """What validating the data and describing the model taught
    ``estimator`` (:data:`DATA_ATTRIBUTES` and the attributes an ensemble
    shares with its members), as a dict of the ones it holds."""
    return {
        name: estimator.__dict__[name] for name in LEARNED if name in estimator.__dict__
    }


def set_learned(target, taught):
    """Give ``target`` what ``taught`` (a :func:`learned` dict) holds, and
    nothing learned from other data."""
    for name in LEARNED:
        if name in taught:
            setattr(target, name, taught[name])
        else:
            target.__dict__.pop(name, None)


def adopt_learned(source, target):
    """Give ``target`` what ``source`` learned (:func:`learned`): for
    estimators that must exist as objects, an ensemble's members and the
    fits that share one preparation."""
    set_learned(target, learned(source))


def _fitted(member, incremental):
    """The :class:`~.planner.Fitted` network of ``member`` that this fit
    continues, or ``None`` when ``member`` starts afresh."""
    if "_network" not in member.__dict__ or not (member.warm_start or incremental):
        return None
    return Fitted(member._network, member._state, member.__dict__.get("_optimizer"))


class PreparedOnce:
    """Fresh fits trained together on the very same arrays (by identity) with
    the same parameters but :attr:`BaseMLP.UNPREPARED` (and the same sign of
    ``alpha``): the first validates and encodes the arrays, the others plan
    on its prepared data and learn what it learned, and members with equal
    seeds draw one early-stopping split. A preparation that warned is not
    shared: each such fit warns as its own."""

    def __init__(self):
        self._groups = {}

    def plan(self, estimator, args):
        """``estimator``'s :class:`~.planner.PendingFit` for its fit
        arguments ``args`` (a dict of ``X``, ``y`` and fit's keywords)."""
        if estimator._continues(False):
            return estimator._plan_fit(**args)
        key = (
            type(estimator),
            estimator.alpha > 0,
            tuple((name, id(value)) for name, value in sorted(args.items())),
        )
        group = self._groups.setdefault(key, [])
        for source, data, _ in group:
            if _same_preparation(source, estimator):
                return estimator._plan_shared(source, data)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            members, data = estimator._prepare_fit(**args)
        warn_again(caught)
        if not caught:
            data = dataclasses.replace(data, splits={})
            group.append((estimator, data, args))  # args: their ids stay theirs
        return estimator._plan_prepared(members, data, False)


def _same_preparation(a, b):
    """Whether the parameters of ``a`` and ``b`` agree, by content, but in
    :attr:`BaseMLP.UNPREPARED`."""
    return _preparation_key(a) == _preparation_key(b)


def _preparation_key(estimator):
    params = estimator.get_params(deep=False)
    return content_key({k: v for k, v in params.items() if k not in BaseMLP.UNPREPARED})


def fit_estimators(estimators, fit_args, on_epoch=None, rungs=None):
    """Fit each skmlp estimator on its own ``fit_args`` (dicts of ``X``, ``y``
    and fit's keywords), the networks of all of them trained by one call of
    the scheduler (:func:`skmlp.model_axis.train`), so that those that can
    share a model axis do; returns the estimators, each fitted as its own
    ``fit`` would fit it. ``on_epoch`` follows the training and ``rungs``
    stops plans at its epochs (see :func:`~skmlp.model_axis.train`; with
    estimators of one network each, plan ``i`` is estimator ``i``'s)."""
    prepared = PreparedOnce()
    pending = [prepared.plan(e, args) for e, args in zip(estimators, fit_args)]
    train_and_publish(pending, on_epoch, rungs)
    return estimators


class _ParamList(list):
    """``coefs_`` / ``intercepts_``: views into the flat parameter vector.

    Item assignment (``est.coefs_[0] = W``) writes through into the network,
    as it does on scikit-learn's MLP where the list holds the arrays itself.
    """

    def __setitem__(self, index, value):
        if not isinstance(index, Integral):
            raise TypeError("Assign one layer at a time, e.g. est.coefs_[0] = W.")
        view = list.__getitem__(self, index)
        value = np.asarray(value)
        if value.shape != view.shape:
            raise ValueError(
                f"Layer {index} must have shape {view.shape}; got {value.shape}."
            )
        np.copyto(view, value, casting="same_kind")


def _clip_overflow(raw):
    """Finite stand-ins for outputs that overflowed, with a warning: such rows
    lie far outside what the model was trained on."""
    bad = ~np.isfinite(raw.reshape(-1, *raw.shape[-2:]))  # members' rows too
    n_rows = int(bad.any(axis=(0, 2)).sum())
    warnings.warn(
        f"The network's outputs overflowed for {n_rows} "
        "row(s), probably inputs far outside the training range; they were clipped to "
        "finite values and their predictions are not meaningful.",
        UserWarning,
    )
    big = np.finfo(raw.dtype).max / 4
    return np.nan_to_num(raw, copy=False, nan=0.0, posinf=big, neginf=-big)


def _checked_weights(weights, X, name):
    """Validated sample weights: right length, finite, non-negative, not all 0."""
    try:
        weights = _check_sample_weight(weights, X, dtype=X.dtype, ensure_non_negative=True)
    except ValueError as error:
        raise ValueError(f"{name}: {error}") from error
    if not weights.sum() > 0:
        raise ValueError(f"{name} sums to 0: no sample would count in training.")
    return weights


def store_parameters(estimator, arguments):
    """Set each constructor argument as an attribute, as scikit-learn requires
    (``__init__`` stores its arguments and does nothing else)."""
    for name, value in arguments.items():
        if name not in ("self", "__class__"):
            setattr(estimator, name, value)


class BaseMLP(CallbackSupportMixin, BaseEstimator, metaclass=ABCMeta):
    """Parameters and fit/partial_fit plumbing shared by skmlp's estimators.

    With scikit-learn >= 1.9 the estimators take its callbacks
    (``set_callbacks``; see :class:`skmlp._estimators.callbacks.FitTasks`).

    Warning: this class should not be used directly; use the estimators.
    """

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "solver": [StrOptions({"lbfgs", *STOCHASTIC_SOLVERS})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive", "cosine"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [
            Interval(Integral, 1, None, closed="left"),
            Options(Real, {np.inf}),
        ],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "dropout": [Interval(Real, 0, 1, closed="left"), "array-like"],
        "batch_norm": ["boolean"],
        "residual": ["boolean"],
        "feature_embedding": [StrOptions(set(EMBEDDINGS)), None],
        "embedding_size": [Interval(Integral, 1, None, closed="left")],
        "init": [StrOptions(SCHEMES)],
        "clip_norm": [Interval(Real, 0, None, closed="neither"), None],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "scoring": [None, StrOptions({"loss", *get_scorer_names()}), callable],
        "restore_best_weights": ["boolean"],
        "ensemble_size": [Interval(Integral, 1, None, closed="left")],
        "ensemble_kind": [StrOptions({"independent", "shared"})],
    }

    # -- what subclasses provide -------------------------------------------
    @abstractmethod
    def _validate_input(self, X, y, reset, incremental, classes=None):
        """Validate ``X, y``; return ``X`` and the targets as a 2-D float array.

        ``reset``: a fresh start (learn the features and the targets' encoding
        anew); ``classes``: all classes, given to a first ``partial_fit``."""

    def _check_dense(self, X):
        if sp.issparse(X) and self.feature_embedding is not None:
            raise TypeError(
                f"feature_embedding={self.feature_embedding!r} embeds each feature's "
                "value and needs dense X; got a sparse matrix. Pass X.toarray(), or "
                "set feature_embedding=None."
            )

    def _accept_sparse(self):
        """The sparse formats ``X`` may come in: none with a feature
        embedding, which works on each feature's values."""
        return False if self.feature_embedding is not None else ["csr", "csc"]

    def _input_dtype(self, reset):
        """float32 or float64 on a fresh start (dtype follows the data); a model
        that continues training casts to its own dtype, as prediction does."""
        return (np.float64, np.float32) if reset else self._networks()[0].dtype

    @abstractmethod
    def _make_loss(self, Y, sample_weight):
        """The :mod:`skmlp.nn.losses` loss for the encoded targets ``Y``."""

    def _prepare_targets(self, Y, sample_weight):
        """Hook: final training targets and sample weights (class weights,
        label smoothing); the default leaves both as they are."""
        return Y, sample_weight

    @abstractmethod
    def _predict_from_output(self, output):
        """Predictions from the linked network output."""

    @abstractmethod
    def _decode(self, Y):
        """Targets in the user's encoding, from the 2-D float encoding."""

    @abstractmethod
    def _score_function(self, y_true, y_pred, sample_weight=None):
        """The metric of ``score`` (accuracy, R^2), for early stopping."""

    # -- fitted parameters as views into the flat vector ---------------------
    @property
    def coefs_(self):
        """Weight matrix of each layer: writable views into the flat vector
        (an ensemble's: the members', stacked, read-only)."""
        members = self.__dict__.get("estimators_")
        if members is not None:
            return stacked([m.coefs_ for m in members])
        return _ParamList(self._fitted_network().coefs)

    @coefs_.setter
    def coefs_(self, arrays):
        self._fitted_network().set_coefs(arrays)

    @property
    def intercepts_(self):
        """Bias vector of each layer: writable views into the flat vector
        (an ensemble's: the members', stacked, read-only)."""
        members = self.__dict__.get("estimators_")
        if members is not None:
            return stacked([m.intercepts_ for m in members])
        return _ParamList(self._fitted_network().intercepts)

    @intercepts_.setter
    def intercepts_(self, arrays):
        self._fitted_network().set_intercepts(arrays)

    def _fitted_network(self):
        network = self.__dict__.get("_network")
        if "estimators_" in self.__dict__:
            raise AttributeError(
                f"This {type(self).__name__} is an ensemble: set the weights of a "
                "member, estimators_[j].coefs_ or estimators_[j].intercepts_."
            )
        if network is None:
            raise AttributeError(
                f"This {type(self).__name__} has no fitted network yet: "
                "coefs_ and intercepts_ exist after fit."
            )
        return network

    def _networks(self):
        """The fitted networks: the members' for an ensemble."""
        members = self.__dict__.get("estimators_")
        return [self._network] if members is None else [m._network for m in members]

    # -- fit ----------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(
        self,
        X,
        y,
        sample_weight=None,
        *,
        groups=None,
        X_val=None,
        y_val=None,
        sample_weight_val=None,
    ):
        """Fit the model to data matrix ``X`` and targets ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The targets (class labels in classification, real numbers in
            regression).
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights; the loss is their weighted mean. With early
            stopping they are split with their rows and weight the
            validation loss and score too.
        groups : array-like of shape (n_samples,), default=None
            Group of each sample (patient, batch, experiment). With early
            stopping the validation split holds out whole groups, stratified
            by class where possible, so no group is on both sides. Routed by
            scikit-learn's metadata routing with ``set_fit_request(groups=True)``.
        X_val : {array-like, sparse matrix} of shape (n_val, n_features), default=None
            A validation set of your choosing; then no rows are taken from
            ``X``. Its loss and score are recorded every epoch (L-BFGS:
            once, at its solution), and early stopping (if on) monitors
            them. It is not transformed by the
            steps of an enclosing pipeline.
        y_val : array-like of shape (n_val,) or (n_val, n_outputs), default=None
            Targets of ``X_val``; required with it.
        sample_weight_val : array-like of shape (n_val,), default=None
            Sample weights of ``X_val``.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        validation = dict(
            groups=groups, X_val=X_val, y_val=y_val, sample_weight_val=sample_weight_val
        )
        return self._fit(X, y, sample_weight, incremental=False, **validation)

    def _check_solver(self):
        if self.solver not in STOCHASTIC_SOLVERS:
            raise AttributeError(
                f"partial_fit is only available for stochastic optimizers. "
                f"{self.solver} is not stochastic."
            )
        return True

    def _fit(
        self, X, y, sample_weight=None, *, incremental=False, classes=None, **validation
    ):
        """Fit (``incremental``: one epoch of ``partial_fit``): the plans of this
        fit, trained by the scheduler, then published."""
        user_data = callback_data(X, y, sample_weight)
        pending = self._plan_fit(
            X, y, sample_weight, incremental=incremental, classes=classes, **validation
        )
        tasks = [
            self._fit_tasks(member, user_data, incremental, plan)
            for member, plan in zip(pending.members, pending.plans)
        ]
        train_and_publish([pending])
        for member, task in zip(pending.members, tasks):
            task.finish(teardown=member is not self)
        return self

    def _plan_fit(
        self, X, y, sample_weight=None, *, incremental=False, classes=None, **validation
    ):
        """This fit before training: a :class:`~.planner.PendingFit` holding one
        :class:`~skmlp.model_axis.FitPlan` per network it trains (one, or one
        per member of an ensemble) and how to publish their results. The data
        are validated and encoded once; the planner then plans every member.
        An error here is this fit's error, raised before anything trains."""
        members, data = self._prepare_fit(
            X, y, sample_weight, incremental=incremental, classes=classes, **validation
        )
        return self._plan_prepared(members, data, incremental)

    def _prepare_fit(
        self, X, y, sample_weight=None, *, incremental=False, classes=None, **validation
    ):
        """The estimators this fit publishes (see :func:`.ensemble.ensemble_members`)
        and its prepared data."""
        check_member_count(self, incremental)
        members = ensemble_members(self, incremental)
        fresh = not self._continues(incremental)
        args = (X, y, sample_weight, fresh, incremental, classes)
        return members, self._prepare(*args, **validation)

    def _continues(self, incremental):
        """Whether this fit continues training the fitted model."""
        fitted = "_network" in self.__dict__ or "estimators_" in self.__dict__
        return (self.warm_start or incremental) and fitted

    def _plan_shared(self, source, data):
        """This fresh fit's plans on ``data``, prepared by ``source``, a fit of
        the same arrays with the same parameters but alpha and random_state:
        this estimator learns from them what ``source`` learned."""
        check_member_count(self, False)
        members = ensemble_members(self, False)
        adopt_learned(source, self)
        return self._plan_prepared(members, data, False)

    def _plan_prepared(self, members, data, incremental):
        """The plans of ``members`` (this estimator, or an ensemble's members)
        on prepared ``data``, and what the model is (its loss and layers)."""
        seeds = [member.random_state for member in members]
        fitted = [_fitted(member, incremental) for member in members]
        own = Members([self.alpha] * len(members), seeds, fitted)
        plans = self._plans(data, own, incremental)
        for member in members:
            if member is not self:
                adopt_learned(self, member)
        return PendingFit(plans, partial(self._publish_results, members), members)

    def _plans(self, data, members, incremental):
        """The planner's plans of ``members`` (a :class:`~.planner.Members`)
        on prepared ``data``; this estimator then describes the model."""
        layer_units = [data.X.shape[1], *self._hidden_layer_sizes(), data.Y.shape[1]]
        spec = self._spec(layer_units, data.loss, incremental)
        plans = plan_members(data, spec, members, incremental)
        self._describe(layer_units, data.loss)
        return plans

    def _spec(self, layer_units, loss, incremental):
        """What every member of this fit shares (a :class:`~.planner.Spec`)."""
        return Spec(
            layer_units=layer_units,
            activation=self.activation,
            architecture=self._architecture(layer_units),
            init=self.init,
            config=self._training_config(incremental),
            l1_ratio=self.l1_ratio,
            validation_fraction=self.validation_fraction,
            split_kind=self._split_kind(),
            scorer=validation_scorer(self, loss),
        )

    def _describe(self, layer_units, loss):
        """The fitted attributes that describe the model: its loss and layers."""
        self._loss = loss
        self.out_activation_ = loss.out_activation
        self.n_outputs_ = layer_units[-1]
        self.n_layers_ = len(layer_units)

    def _plan_networks(self, args, alphas, seeds):
        """Fresh plans of one network per (alpha, seed), alpha-major, on one
        fit's arguments ``args`` (a dict of ``X``, ``y`` and fit's keywords):
        the data are prepared once, whatever the number of networks. Returns
        the plans and what preparing the data taught (:func:`learned`), for
        :meth:`_fitted_copy` to make an estimator of each trained network:
        one estimator plans every inner fold of a CV estimator so."""
        args = dict(args)
        X, y, sample_weight = args.pop("X"), args.pop("y"), args.pop("sample_weight", None)
        data = self._prepare(X, y, sample_weight, True, False, None, **args)
        own = Members(np.repeat(alphas, len(seeds)), np.tile(seeds, len(alphas)))
        return self._plans(data, own, False), learned(self)

    def _fitted_copy(self, result, taught, **params):
        """An estimator of this one's parameters (``params`` changed) that
        learned ``taught`` (from :meth:`_plan_networks`) and whose model is
        the trained network of ``result`` (a
        :class:`~skmlp.model_axis.FitResult` of one of the plans)."""
        fitted = copy.copy(self)
        for name, value in params.items():  # parameters of its own class:
            setattr(fitted, name, value)  # set_params' checks cost a small fit's step
        set_learned(fitted, taught)
        fitted._adopt_result(result)
        fitted._publish_state()
        return fitted

    #: Parameters that differ between fits sharing their prepared data (see
    #: :class:`PreparedOnce`): nothing :meth:`_prepare` learns depends on them.
    UNPREPARED = ("alpha", "random_state")

    def _prepare(
        self, X, y, sample_weight, fresh, incremental, classes, groups=None, **validation
    ):
        """Validated, encoded data (a :class:`~.planner.Prepared`), targets with
        class weights and label smoothing applied."""
        self._hidden_layer_sizes()  # a bad architecture is reported before the data
        self._check_dense(X)
        X, Y = self._validate_input(X, y, fresh, incremental, classes)
        if sample_weight is not None:
            sample_weight = _checked_weights(sample_weight, X, "sample_weight")
        if groups is not None:
            groups = column_or_1d(groups)
            check_consistent_length(X, groups)
        validation_set = self._validate_validation_set(X, Y, **validation)
        self._check_solver_options()
        if fresh:
            self._input_median = _training_median(X, sample_weight)
        loss = self._make_loss(Y, sample_weight)
        Y, sample_weight = self._prepare_targets(Y, sample_weight)
        if validation_set is not None:
            X_val, Y_val, sw_val = validation_set
            validation_set = (X_val, *self._prepare_targets(Y_val, sw_val))
        return Prepared(X, Y, sample_weight, groups, validation_set, loss)

    def _training_config(self, incremental):
        """The frozen :class:`TrainingConfig` of this call. partial_fit runs one
        epoch on exactly the data it is given: holding rows out of every chunk
        would silently waste them, so early stopping applies to fit only."""
        return TrainingConfig(
            solver=self.solver,
            max_iter=self.max_iter,
            tol=self.tol,
            n_iter_no_change=self.n_iter_no_change,
            batch_size=self.batch_size,
            shuffle=self.shuffle,
            schedule=self.learning_rate,
            power_t=self.power_t,
            optimizer_params=MappingProxyType(self._optimizer_params()),
            clip_norm=self.clip_norm,
            early_stopping=self.early_stopping and not incremental,
            restore_best_weights=self.restore_best_weights,
            max_fun=self.max_fun,
            verbose=self.verbose,
        )

    def _optimizer_params(self):
        """Hyper-parameters of the optimizers (each takes the ones it names)."""
        return dict(
            learning_rate=self.learning_rate_init,
            momentum=self.momentum,
            nesterov=self.nesterovs_momentum,
            beta_1=self.beta_1,
            beta_2=self.beta_2,
            epsilon=self.epsilon,
            rho=self.beta_2,  # RMSProp's decay of its squared-gradient average
            weight_decay=self.weight_decay,
        )

    def _publish_results(self, members, results):
        """Each member's trained network, optimizer and state, and the fitted
        attributes (an ensemble's from its members')."""
        for member, result in zip(members, results):
            member._adopt_result(result)
            member._publish(result.outcome)
        if members != [self]:
            publish(self, members)
        else:
            self.__dict__.pop("estimators_", None)

    def _adopt_result(self, result):
        """The trained network, state and optimizer of ``result``."""
        self._network, self._state = result.network, result.state
        self.__dict__.pop("_optimizer", None)
        if result.optimizer is not None:
            self._optimizer = result.optimizer
        # a fitted model holds no training rows and no batch-sized buffers
        self._network.release()

    # -- callbacks (scikit-learn >= 1.9) --------------------------------------
    def _fit_tasks(self, member, data, incremental, plan):
        """``member``'s tasks for scikit-learn's callbacks (>= 1.9) in this
        call (this estimator's, or a member's of its own), their hooks set on
        its ``plan``; begins the root task. A snapshot
        of a fit's model has its batch-norm statistics recomputed on the
        training rows, as at the end of fit."""
        if not hasattr(member, "_init_callback_context"):
            return NO_TASKS
        if member is not self and not getattr(member, "_skl_callbacks", None):
            return NO_TASKS  # an ensemble's member without callbacks of its own
        snapshot = partial(member._snapshot, plan.network)
        if not incremental:
            X, _, sample_weight = plan.rows.materialized()
            snapshot = partial(snapshot, (X, sample_weight))
        if plan.config.stochastic:
            name, max_epochs = (
                ("partial_fit", 1) if incremental else ("fit", member.max_iter)
            )
            tasks = FitTasks(member, name, "epoch", max_epochs, data, snapshot)
        else:
            tasks = FitTasks(member, "fit", "iteration", member.max_iter, data, snapshot)
        plan.hooks = tasks.hooks()
        return tasks

    def _snapshot(self, network, batch_norm_data=None):
        """Reconstruction attributes of the model as it is now: a copy of the
        ``network`` being trained (the rest of a shallow copy of the estimator
        already predicts)."""
        network = copy.deepcopy(network)
        if batch_norm_data is not None and network.batch_norm:
            network.refresh_batch_norm(*batch_norm_data)
        return {"_network": network}

    def _validate_validation_set(
        self, X, Y, X_val=None, y_val=None, sample_weight_val=None
    ):
        if X_val is None and y_val is None:
            if sample_weight_val is not None:
                raise ValueError("sample_weight_val was given without X_val and y_val.")
            return None
        if X_val is None or y_val is None:
            raise ValueError(
                "X_val and y_val must be given together; got only "
                f"{'X_val' if y_val is None else 'y_val'}."
            )
        X_val = validate_data(
            self, X_val, accept_sparse=self._accept_sparse(), reset=False, dtype=X.dtype
        )
        Y_val = self._encode_validation_targets(y_val)
        check_consistent_length(X_val, Y_val)
        if Y_val.shape[1] != Y.shape[1]:
            raise ValueError(f"y_val has {Y_val.shape[1]} outputs; y has {Y.shape[1]}.")
        if sample_weight_val is not None:
            sample_weight_val = _checked_weights(
                sample_weight_val, X_val, "sample_weight_val"
            )
        return X_val, Y_val.astype(X.dtype), sample_weight_val

    def _check_solver_options(self):
        if self.solver != "lbfgs":
            return
        if self.l1_ratio > 0 and self.alpha > 0:
            raise ValueError(
                "l1_ratio > 0 needs a stochastic solver (its L1 part is a proximal "
                f"step after each update); got solver='lbfgs', l1_ratio={self.l1_ratio}."
            )
        if np.any(np.asarray(self.dropout, dtype=float) > 0):
            raise ValueError(
                "dropout needs a stochastic solver: random masks would break "
                f"L-BFGS's line search; got solver='lbfgs', dropout={self.dropout}."
            )

    def _hidden_layer_sizes(self):
        sizes = self.hidden_layer_sizes
        sizes = list(sizes) if hasattr(sizes, "__iter__") else [sizes]
        if any(s <= 0 for s in sizes):
            raise ValueError(f"hidden_layer_sizes must be > 0, got {sizes}.")
        return [int(s) for s in sizes]

    def _architecture(self, layer_units):
        rates = np.asarray(self.dropout, dtype=float)
        n_hidden = len(layer_units) - 2
        if rates.ndim > 1 or (rates.ndim == 1 and rates.shape[0] != n_hidden):
            raise ValueError(
                f"dropout must be one rate or one per hidden layer ({n_hidden}); "
                f"got {self.dropout!r}."
            )
        if np.any((rates < 0) | (rates >= 1)):
            raise ValueError(f"dropout rates must lie in [0, 1); got {self.dropout!r}.")
        self._check_shared_ensemble(n_hidden, rates)
        return dict(
            batch_norm=self.batch_norm,
            dropout=rates.tolist(),
            residual=self.residual,
            embedding=self._embedding(),
            heads=self._heads(),
        )

    def _heads(self):
        """The heads of this estimator's one network: ``ensemble_size`` for a
        shared-weight ensemble, else 1."""
        return ensemble_shape(self.ensemble_size, self.ensemble_kind)[1]

    def _check_shared_ensemble(self, n_hidden, dropout):
        if self._heads() == 1:
            return
        if n_hidden == 0:
            raise ValueError(
                "ensemble_kind='shared' shares the hidden layers; got "
                f"hidden_layer_sizes={self.hidden_layer_sizes!r} (none)."
            )
        if self.batch_norm or np.any(dropout > 0):
            raise ValueError(
                "ensemble_kind='shared' trains its members on the same minibatch rows "
                "and takes no dropout or batch normalisation; got "
                f"dropout={self.dropout!r}, batch_norm={self.batch_norm}."
            )

    def _embedding(self):
        """The networks' ``(name, size)`` feature embedding, or ``None``."""
        if self.feature_embedding is None:
            return None
        return (self.feature_embedding, self.embedding_size)

    def _split_kind(self):
        return "regression"

    def _warn_status(self, outcome):
        status = outcome.status
        # a cosine schedule's budget of epochs is the plan, not a shortfall
        if status is Status.MAX_ITER and self.learning_rate != "cosine":
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached "
                "and the optimization hasn't converged yet.",
                ConvergenceWarning,
            )
        elif status is Status.INTERRUPTED:
            warnings.warn(
                f"Training interrupted by user after {outcome.n_iter} epoch(s); the "
                "estimator keeps the weights reached so far and can predict."
            )
        elif status is Status.DIVERGED:
            warnings.warn(
                f"Training diverged in epoch {outcome.diverged_at}: the loss, the "
                "weights or the network's outputs became infinite or NaN, and earlier "
                "finite weights were restored. Lower learning_rate_init (now "
                f"{self.learning_rate_init}), "
                "set clip_norm, or scale the inputs (e.g. StandardScaler).",
                ConvergenceWarning,
            )
        elif status is Status.FAILED:
            warnings.warn(
                f"lbfgs failed to converge {outcome.message}. Increase the number "
                "of iterations (max_iter) or scale the data.",
                ConvergenceWarning,
            )

    # -- fitted attributes --------------------------------------------------
    def _publish(self, outcome):
        """The fitted attributes, from the training state and the outcome."""
        self._publish_state()
        self._warn_status(outcome)

    def _publish_state(self):
        """The fitted attributes of the training state."""
        state = self._state
        self.n_iter_ = state.n_iter
        self.t_ = state.t
        self.loss_ = state.loss
        # copies: appending to a published curve must not change the model
        self.loss_curve_ = list(state.loss_curve)
        self.best_loss_ = None if state.monitor_validation else state.best_loss
        has_validation = bool(state.validation_scores)
        self.validation_scores_ = list(state.validation_scores) if has_validation else None
        self.validation_loss_curve_ = (
            list(state.validation_loss_curve) if has_validation else None
        )
        self.best_validation_score_ = (
            state.best_validation_score if has_validation else None
        )
        self.best_epoch_ = state.best_epoch if has_validation else None
        self.history_ = {key: list(values) for key, values in state.history.items()}

    @property
    def feature_importances_(self):
        """L2 norm of each input feature's first-layer weights; of a
        shared-weight ensemble, of each head's adapted weights ``r_h * W1``
        (the first layer sees ``x * r_h``), averaged over the heads.

        Zero for a feature that L1 switched off; lets
        :class:`~sklearn.feature_selection.SelectFromModel` work."""
        n_features = self.n_features_in_
        heads = [_head_importances(n, n_features) for n in self._networks()]
        return np.average(
            np.concatenate(heads), axis=0, weights=self._block_weights(sum(map(len, heads)))
        )

    def _block_weights(self, n_blocks):
        """The weight of each of ``n_blocks`` predictions in the average
        (members, then heads): ``None`` (equal weights) unless a CV
        estimator weighted the members (``_member_weights``, its ensemble
        selection), each member's weight shared by its own heads."""
        weights = self.__dict__.get("_member_weights")
        if weights is None:
            return None
        heads = np.array([m._network.heads for m in self.__dict__.get("estimators_", ())])
        if len(heads) != len(weights) or heads.sum() != n_blocks:
            raise ValueError(
                f"This ensemble weighs {len(weights)} members but predicts with "
                f"{n_blocks} networks and heads: its members were changed after "
                "the weights were set."
            )
        return np.repeat(weights / heads, heads)

    # -- prediction ---------------------------------------------------------
    def _validated_raws(self, X, checked=False):
        """Logits for ``X`` after the usual checks (fitted, feature count), in
        the model's dtype (a float32 model predicts float32 whatever it is
        given): ``(k, m, n_outputs)``, one row block per member (and head) of an
        ensemble, which all predict in one pass of its stacked network.
        ``checked``: ``X`` is a dense array its fit's own rows were taken
        from (a CV estimator's held-out rows), used as it is."""
        check_is_fitted(self)
        networks = predicting_networks(self)
        if checked and isinstance(X, np.ndarray):
            X = X.astype(networks[0].dtype, copy=False)
        else:
            self._check_dense(X)
            X = check_predict_input(self, X, networks[0].dtype)
        with np.errstate(over="ignore", invalid="ignore"):
            raws = np.concatenate([network.predict_members(X) for network in networks])
        return raws if np.isfinite(raws).all() else _clip_overflow(raws)

    def _averaged(self, X, transform, checked=False):
        """``transform`` of the logits for ``X``, averaged over an ensemble's
        members (of a single model: as it is); ``checked``: see
        :meth:`_validated_raws`."""
        raws = self._validated_raws(X, checked)
        if len(raws) == 1:
            return transform(raws[0])
        weights = self._block_weights(len(raws))
        return np.average([transform(raw) for raw in raws], axis=0, weights=weights)

    def _validated_output(self, X, checked=False):
        return self._averaged(X, lambda raw: self._loss.link(raw), checked)

    def __getstate__(self):
        """An ensemble's members are saved without their networks while these
        are the rows of its stack, which is saved once (:meth:`__setstate__`
        binds them to it again)."""
        state = dict(super().__getstate__())  # object's is the __dict__ itself
        members = state.get("estimators_")
        if members is not None and in_stack(members, state.get("_network")):
            state["estimators_"] = [_without_network(m) for m in members]
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        members = state.get("estimators_")
        if members is None:
            return
        if "_network" not in state:
            stack_members(self)  # an ensemble saved before ensembles were stacked
        elif all("_network" not in m.__dict__ for m in members):
            bind_members(self)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = self.feature_embedding is None
        return tags


def _without_network(member):
    """A shallow copy of ``member`` without its network (saved as a row of
    its ensemble's stack)."""
    copy_ = object.__new__(type(member))
    copy_.__dict__.update({k: v for k, v in vars(member).items() if k != "_network"})
    return copy_


def partial_fit_available(estimator):
    return estimator._check_solver()


stochastic_only = available_if(partial_fit_available)
