"""First-order optimizers that update the flat parameter vector in place.

Every optimizer has one interface: it is built by :func:`make_optimizer` from
the registry :data:`OPTIMIZERS` as ``cls(n_params, dtype, n_weights=...,
**hyperparameters)`` (the names in its ``HYPERPARAMETERS``), and
``step(theta, grad, prox=None)`` updates ``theta`` and then, when given,
applies the proximal step ``prox`` (:class:`skmlp.nn.penalties.ProximalL1`)
with the step size it took: a scalar, or per-coordinate sizes in its own
workspace. ``n_weights`` is the length of the weights prefix of ``theta``
(what weight decay acts on).

Each optimizer keeps its state (velocity, moments) as flat vectors shaped
like the parameters and one scratch vector, so a step allocates nothing
proportional to the number of parameters. ``step`` consumes ``grad``: once
the moments have been updated the gradient is no longer needed, and its
vector serves as the second workspace, which spares one vector the size of
the model (afterwards it holds the applied update, except for SGD with plain
momentum, which applies its velocity).

On a model axis (:meth:`Optimizer.set_members`, :meth:`Optimizer.stack`,
:func:`make_member_optimizer`) the members may differ in their float
hyper-parameters (``FLOAT_HYPERPARAMETERS``: a search's learning rates,
betas, momenta...): such a hyper-parameter is then a ``(k,)`` array, one value
per member, applied as a ``(k, 1)`` column of the parameters' dtype to the
member-major rows of the vectors, and member ``j`` takes the step a single
optimizer with member ``j``'s values takes. A hyper-parameter that every
member shares stays a Python float, and the update is then the single
model's arithmetic on the whole vectors. The proximal step of an axis
(:class:`skmlp.nn.penalties.MemberProximalL1`) gets every member's step size
(a scalar, one per member or ``(k, n)`` per coordinate), or, while some
members are inactive, ``prox(step, j)`` after each active member's update.

The arithmetic follows scikit-learn's ``SGDOptimizer`` and
``AdamOptimizer`` operation for operation, so in float64 the same gradients
give the same updates (in float32 scikit-learn's Adam computes the step in
float64; here it stays in float32). ``learning_rate`` is a public attribute:
learning-rate schedules live in :mod:`skmlp.training.schedules` and set it
between epochs (on a model axis, one number or one per member).
"""

import copy
import math
import sys
from abc import ABC, abstractmethod

import numpy as np

from .fast import squared_norm


def _float_hyperparameter(name):
    """The property of the float hyper-parameter ``name``: a Python float, or
    on a model axis a read-only ``(k,)`` float64 array when the members'
    values differ. Setting it accepts one number or one per member."""
    key = sys.intern("_" + name)

    def get(self):
        return getattr(self, key)

    def set(self, value):
        self._set_float(name, value)

    return property(get, set, doc=f"``{name}``: a float, or one per member (``(k,)``).")


class Optimizer(ABC):
    """What every optimizer shares: the interface and the scratch workspace.

    Scratch vectors are workspace, not state: not pickled, rebuilt on load.
    The numbers an update uses (derived from the hyper-parameters in float64,
    then columns of the parameters' dtype when they differ between members)
    are cached until a hyper-parameter is set.
    """

    #: Constructor arguments besides the sizes, by name.
    HYPERPARAMETERS = ("learning_rate",)
    #: The hyper-parameters that may differ between the members of a model axis.
    FLOAT_HYPERPARAMETERS = ("learning_rate",)
    #: The state vectors (shaped like the parameters), by attribute name.
    STATE = ()

    learning_rate = _float_hyperparameter("learning_rate")

    def __init__(self, n_params, dtype, *, learning_rate, n_weights=None):
        self.members = self.active = None
        self._per_member = False
        self.learning_rate = learning_rate
        self.n_weights = n_params if n_weights is None else int(n_weights)
        self._scratch = np.empty(n_params, dtype)

    def _set_float(self, name, value):
        """Store hyper-parameter ``name``: one number (a Python float), or one
        per member of the model axis (a Python float when they are all equal)."""
        if np.ndim(value) == 0:
            stored = float(value)
        else:
            values = np.array(value, dtype=float).ravel()
            if values.size == 1:
                return self._set_float(name, values[0])
            if self.members is None or values.size != self.members:
                raise ValueError(
                    f"{name} has {values.size} values; expected one number or one "
                    f"per member of the model axis ({self.members} members)."
                )
            stored = float(values[0]) if (values == values[0]).all() else values
            if type(stored) is not float:
                values.flags.writeable = False  # changed only through the setter
        # setattr, not __dict__[...]: the instance's attributes stay in Python's
        # compact layout, which keeps every attribute read of a step fast
        setattr(self, "_" + name, stored)
        self._coef = None

    def _hyper(self, name, member=None):
        """Hyper-parameter ``name`` as stored (``member`` None) or member
        ``member``'s value, a Python float."""
        value = getattr(self, "_" + name)
        if member is None or type(value) is float:
            return value
        return float(value[member])

    def _column(self, value):
        """``value`` for the update: a Python float as it is (NumPy's weak
        scalar keeps float32 vectors in float32), one value per member as a
        ``(k, 1)`` column of the parameters' dtype."""
        if type(value) is float:
            return value
        return value.astype(self._scratch.dtype)[:, None]

    @property
    def per_member(self):
        """Whether some float hyper-parameter differs between the members."""
        return any(
            type(getattr(self, "_" + name)) is not float
            for name in self.FLOAT_HYPERPARAMETERS
        )

    def _cache_coefficients(self):
        """The coefficients of a step of the whole vectors, cached in
        ``_coef`` (and whether they are per-member columns in ``_per_member``)."""
        self._per_member = self.per_member
        self._coef = self._coefficients(None)
        return self._coef

    @abstractmethod
    def _coefficients(self, member):
        """The numbers :meth:`_apply` uses: every member's (``member`` None:
        Python floats, or ``(k, 1)`` columns where members differ) or member
        ``member``'s (Python floats)."""

    def set_members(self, k):
        """Update ``k`` members of a model axis (member-major parameters, see
        :class:`~skmlp.nn.network.Network`): ``n_weights`` then counts one
        member's weights, and :attr:`active`, a ``(k,)`` boolean array, says
        which members move. An inactive member (one that stopped training)
        keeps its parameters and its optimizer state, as a network of its own
        would once its training ended."""
        self.members = int(k)
        self.active = np.ones(self.members, dtype=bool)

    def member(self, j):
        """Member ``j`` of a model axis's optimizer, as the optimizer of a
        network of its own (copies of its rows of the state, its values of
        the hyper-parameters)."""
        single = copy.copy(self)
        single.members = single.active = None
        for name in self.FLOAT_HYPERPARAMETERS:
            setattr(single, name, self._hyper(name, j))
        single._scratch = np.empty(self._rows(self._scratch).shape[1], self._scratch.dtype)
        for name in self.STATE:
            setattr(single, name, self._rows(getattr(self, name))[j].copy())
        return single

    def subset(self, members):
        """The optimizer of the members at positions ``members`` of the axis,
        as a model axis of their own (copies of their state)."""
        return type(self).stack([self.member(j) for j in members])

    @staticmethod
    def stack(optimizers):
        """One optimizer of a model axis whose member ``j`` continues from
        ``optimizers[j]``: single optimizers of one class, size and dtype,
        which may differ in their ``FLOAT_HYPERPARAMETERS`` (each member keeps
        its own) but not in the others (``nesterov``)."""
        _check_stackable(optimizers)
        first = optimizers[0]
        stacked = copy.copy(first)
        size = first._scratch.size
        stacked._scratch = np.empty(len(optimizers) * size, first._scratch.dtype)
        for name in first.STATE:
            setattr(stacked, name, np.concatenate([getattr(o, name) for o in optimizers]))
        stacked.set_members(len(optimizers))
        for name in first.FLOAT_HYPERPARAMETERS:
            setattr(stacked, name, [o._hyper(name) for o in optimizers])
        return stacked

    def _rows(self, vector):
        """``vector`` as one row per member on a model axis; itself otherwise."""
        return vector if self.members is None else vector.reshape(self.members, -1)

    def step(self, theta, grad, prox=None):
        """Update ``theta`` in place from ``grad`` (consumed), then apply
        ``prox`` with the step size of this update. On a model axis every
        active member takes its own step: all of them at once while all are
        active, one member's rows at a time otherwise (``prox`` is then called
        as ``prox(step_size, j)`` after member ``j``'s update)."""
        coef = self._coef
        if coef is None:
            coef = self._cache_coefficients()
        if self.members is None or (self.active.all() and not self._per_member):
            self._apply(theta, grad, self._scratch, self._state_vectors(), None, coef)
        elif self.active.all():  # columns against the member-major rows
            vectors = [self._rows(v) for v in (theta, grad, self._scratch)]
            states = [self._rows(v) for v in self._state_vectors()]
            self._apply(*vectors, states, None, coef)
        else:
            self._step_active(theta, grad, prox)
            return
        if prox is not None:
            prox(self._step_size(prox.size))

    def _step_active(self, theta, grad, prox):
        """The step of the active members, one member's rows at a time."""
        for j in np.flatnonzero(self.active):
            rows = [self._rows(v)[j] for v in (theta, grad, self._scratch)]
            states = [self._rows(v)[j] for v in self._state_vectors()]
            coef = self._coefficients(j) if self._per_member else self._coef
            self._apply(*rows, states, j, coef)
            if prox is not None:
                prox(self._step_size(prox.size, j), j)

    def _weights_of(self, theta, member):
        """The weights part of ``theta``: each member's (``member`` None on a
        model axis) or one member's row (``theta`` is then that row)."""
        if self.members is None or member is not None:
            return theta[: self.n_weights]
        return self._rows(theta)[:, : self.n_weights]

    @abstractmethod
    def _apply(self, theta, grad, tmp, states, member, coef):
        """The update of ``theta`` from ``grad`` (usable as workspace) with the
        scratch ``tmp``, the state vectors ``states`` and the numbers ``coef``
        (:meth:`_coefficients`): the whole vectors (``member`` None; one row
        per member when ``coef`` holds columns) or member ``member``'s rows."""

    def _state_vectors(self):
        """The vectors shaped like the parameters that the optimizer keeps
        (the attributes named in ``STATE``)."""
        return [getattr(self, name) for name in self.STATE]

    def reset(self):
        """Forget the state built up so far (velocity, moments), as a new
        optimizer with the current learning rate: after a divergence the state
        holds the diverging steps' huge or non-finite values."""
        for vector in self._state_vectors():
            vector.fill(0)

    def state_finite(self):
        """Whether every state vector is finite. Adam's second moment can
        overflow while the weights stay finite; every later step of those
        coordinates is then 0."""
        return all(np.isfinite(v).all() for v in self._state_vectors())

    def _step_size(self, n, member=None):
        """The step size of the last update: the learning rate (on a model
        axis, ``member`` None: a float, or a ``(k,)`` float64 array of the
        members' rates; member ``member``'s otherwise)."""
        return self._hyper("learning_rate", member)

    def _head(self, n, member):
        """The scratch's first ``n`` entries: of each member's row (a
        ``(k, n)`` view on a model axis, ``member`` None) or of ``member``'s."""
        if self.members is None:
            return self._scratch[:n]
        rows = self._rows(self._scratch)
        return rows[:, :n] if member is None else rows[member, :n]

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("_scratch")
        state.pop("_coef", None)
        state.pop("_per_member", None)
        return state

    def __setstate__(self, state):
        # saved before the one optimizer interface: AdamW's n_decay, no n_weights
        state.setdefault("n_weights", state.pop("n_decay", None))
        state.setdefault("members", None)
        state.setdefault("active", None)
        for name in self.FLOAT_HYPERPARAMETERS:  # saved as plain attributes
            if name in state:
                state["_" + name] = state.pop(name)
        self.__dict__.update(state)
        for name in self.FLOAT_HYPERPARAMETERS:  # validated, read-only again
            setattr(self, name, getattr(self, "_" + name))
        like = self._state_vectors()[0]
        if self.n_weights is None:
            self.n_weights = like.size
        self._scratch = np.empty(like.size, like.dtype)


def _check_stackable(optimizers):
    """``ValueError`` unless ``optimizers`` are single optimizers of one class,
    size and dtype that agree in every hyper-parameter members cannot differ in."""
    if not optimizers:
        raise ValueError("Stacking needs at least one optimizer.")
    first = optimizers[0]
    if any(type(o) is not type(first) or o.members is not None for o in optimizers):
        raise ValueError("Only single optimizers of one class can be stacked.")
    shapes = {(o._scratch.size, o._scratch.dtype, o.n_weights) for o in optimizers}
    if len(shapes) != 1:
        raise ValueError("Only optimizers of one size, dtype and n_weights can be stacked.")
    for name in first.HYPERPARAMETERS:
        if name in first.FLOAT_HYPERPARAMETERS:
            continue
        values = [getattr(o, name) for o in optimizers]
        if any(value != values[0] for value in values):
            raise ValueError(
                f"Optimizers that differ in {name} ({values}) cannot share a model axis."
            )


class SGD(Optimizer):
    """Stochastic gradient descent with (Nesterov) momentum.

    ``v <- momentum * v - lr * g``; the update is ``v`` or, with Nesterov,
    ``momentum * v - lr * g``.
    """

    HYPERPARAMETERS = ("learning_rate", "momentum", "nesterov")
    FLOAT_HYPERPARAMETERS = ("learning_rate", "momentum")
    STATE = ("velocity",)

    momentum = _float_hyperparameter("momentum")

    def __init__(
        self,
        n_params,
        dtype,
        *,
        learning_rate=0.1,
        momentum=0.9,
        nesterov=True,
        n_weights=None,
    ):
        super().__init__(n_params, dtype, learning_rate=learning_rate, n_weights=n_weights)
        self.momentum = momentum
        self.nesterov = bool(nesterov)
        self.velocity = np.zeros(n_params, dtype)

    def _coefficients(self, member):
        lr, momentum = (self._hyper(n, member) for n in self.FLOAT_HYPERPARAMETERS)
        return self._column(lr), self._column(momentum)

    def _apply(self, theta, grad, tmp, states, member, coef):
        (v,) = states
        lr, momentum = coef
        lr_grad = np.multiply(grad, lr, out=tmp)
        v *= momentum
        v -= lr_grad
        if self.nesterov:
            update = np.multiply(v, momentum, out=grad)
            update -= lr_grad
        else:
            update = v
        theta += update


class Adam(Optimizer):
    """Adam (Kingma & Ba), with the bias correction folded into the step size.

    ``m <- b1 m + (1 - b1) g``, ``v <- b2 v + (1 - b2) g^2``,
    ``theta <- theta - lr_t m / (sqrt(v) + eps)`` with
    ``lr_t = lr sqrt(1 - b2^t) / (1 - b1^t)``.
    """

    HYPERPARAMETERS = ("learning_rate", "beta_1", "beta_2", "epsilon")
    FLOAT_HYPERPARAMETERS = HYPERPARAMETERS
    STATE = ("m", "v")
    #: On a model axis: whether every member has taken the same number of steps.
    _uniform_t = False

    beta_1 = _float_hyperparameter("beta_1")
    beta_2 = _float_hyperparameter("beta_2")
    epsilon = _float_hyperparameter("epsilon")

    def __init__(
        self,
        n_params,
        dtype,
        *,
        learning_rate=0.001,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_weights=None,
    ):
        super().__init__(n_params, dtype, learning_rate=learning_rate, n_weights=n_weights)
        self.beta_1, self.beta_2 = beta_1, beta_2
        self.epsilon = epsilon
        self.t = 0
        self.m = np.zeros(n_params, dtype)
        self.v = np.zeros(n_params, dtype)

    def member(self, j):
        single = super().member(j)
        single.t = int(self.t[j])
        return single

    @staticmethod
    def stack(optimizers):
        stacked = Optimizer.stack(optimizers)
        stacked.t = np.array([o.t for o in optimizers], dtype=np.int64)
        stacked._uniform_t = bool(np.all(stacked.t == stacked.t[0]))
        return stacked

    def set_members(self, k):
        """As :meth:`Optimizer.set_members`; each member counts its own steps
        (``t`` becomes a ``(k,)`` array): members that stopped at different
        epochs continue, in a later call, each with its own bias correction."""
        super().set_members(k)
        self.t = np.full(self.members, self.t, dtype=np.int64)
        self._uniform_t = True

    def reset(self):
        super().reset()
        self.t = 0 if self.members is None else np.zeros(self.members, dtype=np.int64)
        self._uniform_t = True

    def _coefficients(self, member):
        b1, b2 = self._hyper("beta_1", member), self._hyper("beta_2", member)
        eps = self._hyper("epsilon", member)
        return tuple(self._column(c) for c in (b1, 1 - b1, b2, 1 - b2, eps))

    def _learning_rate_t(self, member):
        """``lr sqrt(1 - b2^t) / (1 - b1^t)`` after counting this step: a
        Python float for one model or member (so that float32 vectors are
        updated in float32: a NumPy float64 scalar would push every element
        through a float64 cast, 4x slower for that pass), a ``(k, 1)``
        column of the model axis's members' otherwise."""
        if member is not None:
            return self._member_learning_rate_t(member)
        self.t += 1
        if self.members is None:
            t = self.t
        elif self._uniform_t and not self._per_member:
            t = int(self.t[0])  # every member has taken every step: one rate
        else:
            return self._column_learning_rate_t()
        b1, b2 = self._beta_1, self._beta_2
        return self._learning_rate * math.sqrt(1 - b2**t) / (1 - b1**t)

    def _member_learning_rate_t(self, j):
        """Member ``j``'s rate after counting its step (a Python float)."""
        self.t[j] += 1
        self._uniform_t = False
        t = int(self.t[j])
        lr, b1, b2 = (self._hyper(n, j) for n in ("learning_rate", "beta_1", "beta_2"))
        return lr * math.sqrt(1 - b2**t) / (1 - b1**t)

    def _column_learning_rate_t(self):
        """Every member's rate (counted already), a ``(k, 1)`` column of the
        parameters' dtype, computed in float64 as a member's own rate is (a
        Python float when the members share it: only their epsilon differs)."""
        lr, b1, b2 = self._learning_rate, self._beta_1, self._beta_2
        t = int(self.t[0]) if self._uniform_t else self.t
        # Python floats where the members agree: fewer NumPy calls, same roundings
        scalar = type(b2) is float and type(t) is int
        rate = lr * (math.sqrt(1 - b2**t) if scalar else np.sqrt(1 - b2**t)) / (1 - b1**t)
        return rate if type(rate) is float else rate.astype(self._scratch.dtype)[:, None]

    def _apply(self, theta, grad, tmp, states, member, coef):
        m, v = states
        b1, one_minus_b1, b2, one_minus_b2, epsilon = coef
        self._lr_t = lr_t = self._learning_rate_t(member)
        step = grad
        m *= b1
        m += np.multiply(grad, one_minus_b1, out=tmp)
        v *= b2
        np.multiply(grad, grad, out=tmp)
        tmp *= one_minus_b2
        v += tmp
        np.sqrt(v, out=tmp)
        tmp += epsilon
        rows = self._rows if member is None else (lambda vector: vector)
        np.multiply(rows(m), -lr_t, out=rows(step))
        step /= tmp
        theta += step

    def _step_size(self, n, member=None):
        """Per-coordinate ``lr_t / (sqrt(v) + eps)`` of the last update for the
        first ``n`` parameters of each member (the scratch still holds
        ``sqrt(v) + eps``): ``(n,)``, or ``(k, n)`` on a model axis."""
        head = self._head(n, member)
        return np.divide(self._lr_t, head, out=head)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019).

    Before each Adam update the weights (the first ``n_weights`` parameters,
    not the biases) shrink by ``learning_rate * weight_decay``.
    """

    HYPERPARAMETERS = (*Adam.HYPERPARAMETERS, "weight_decay")
    FLOAT_HYPERPARAMETERS = HYPERPARAMETERS

    weight_decay = _float_hyperparameter("weight_decay")

    def __init__(self, n_params, dtype, *, weight_decay=0.01, **adam):
        super().__init__(n_params, dtype, **adam)
        self.weight_decay = weight_decay

    def _coefficients(self, member):
        lr = self._hyper("learning_rate", member)
        decay = 1 - lr * self._hyper("weight_decay", member)
        return (self._column(decay), *super()._coefficients(member))

    def _apply(self, theta, grad, tmp, states, member, coef):
        self._weights_of(theta, member)[...] *= coef[0]  # the decay, then Adam's
        super()._apply(theta, grad, tmp, states, member, coef[1:])


class RMSProp(Optimizer):
    """RMSProp (Hinton): ``v <- rho v + (1 - rho) g^2``,
    ``theta <- theta - lr g / (sqrt(v) + eps)``."""

    HYPERPARAMETERS = ("learning_rate", "rho", "epsilon")
    FLOAT_HYPERPARAMETERS = HYPERPARAMETERS
    STATE = ("v",)

    rho = _float_hyperparameter("rho")
    epsilon = _float_hyperparameter("epsilon")

    def __init__(
        self,
        n_params,
        dtype,
        *,
        learning_rate=0.001,
        rho=0.9,
        epsilon=1e-8,
        n_weights=None,
    ):
        super().__init__(n_params, dtype, learning_rate=learning_rate, n_weights=n_weights)
        self.rho, self.epsilon = rho, epsilon
        self.v = np.zeros(n_params, dtype)

    def _coefficients(self, member):
        lr, rho, eps = (self._hyper(n, member) for n in self.FLOAT_HYPERPARAMETERS)
        return tuple(self._column(c) for c in (rho, 1 - rho, eps, -lr))

    def _apply(self, theta, grad, tmp, states, member, coef):
        (v,) = states
        rho, one_minus_rho, epsilon, minus_lr = coef
        step = grad
        v *= rho
        np.multiply(grad, grad, out=tmp)
        tmp *= one_minus_rho
        v += tmp
        np.sqrt(v, out=tmp)
        tmp += epsilon
        np.multiply(grad, minus_lr, out=step)
        step /= tmp
        theta += step

    def _step_size(self, n, member=None):
        """Per-coordinate ``lr / (sqrt(v) + eps)`` for the first ``n``
        parameters of each member: ``(n,)``, or ``(k, n)`` on a model axis."""
        head = self._head(n, member)
        return np.divide(self._column(self._hyper("learning_rate", member)), head, out=head)


def clip_global_norm(grad, max_norm, members=None):
    """Scale ``grad`` in place so that its L2 norm is at most ``max_norm``;
    returns the norm before clipping. With ``members`` (a model axis,
    member-major), each member's gradient is clipped by its own norm, and the
    ``(k,)`` norms are returned."""
    if members is not None:
        rows = grad.reshape(members, -1)
        norms = np.sqrt(np.einsum("ki,ki->k", rows, rows))
        if max_norm is not None:
            rows *= np.minimum(1.0, max_norm / np.maximum(norms, np.finfo(float).tiny))[
                :, None
            ]
        return norms
    norm = squared_norm(grad) ** 0.5
    if max_norm is not None and norm > max_norm:
        grad *= max_norm / norm
    return norm


OPTIMIZERS = {"sgd": SGD, "adam": Adam, "adamw": AdamW, "rmsprop": RMSProp}


def make_optimizer(name, n_params, dtype, n_weights, hyperparameters):
    """The optimizer registered under ``name``, for ``n_params`` parameters of
    which the first ``n_weights`` are weights; it takes the entries of the
    mapping ``hyperparameters`` that it names in ``HYPERPARAMETERS``."""
    try:
        cls = OPTIMIZERS[name]
    except KeyError:
        raise ValueError(
            f"Unknown optimizer {name!r}; expected one of {sorted(OPTIMIZERS)}."
        ) from None
    chosen = {key: hyperparameters[key] for key in cls.HYPERPARAMETERS}
    return cls(n_params, dtype, n_weights=n_weights, **chosen)


def make_member_optimizer(name, n_params, dtype, n_weights, hyperparameters):
    """The optimizer registered under ``name`` for a model axis of
    ``len(hyperparameters)`` members of ``n_params`` parameters each (the
    first ``n_weights`` of each member's are weights): member ``j`` takes the
    hyper-parameters of the mapping ``hyperparameters[j]``, as
    :func:`make_optimizer` would for a network of its own. The members may
    differ in the optimizer's ``FLOAT_HYPERPARAMETERS`` only."""
    if not hyperparameters:
        raise ValueError("make_member_optimizer needs one mapping per member; got none.")
    singles = [make_optimizer(name, n_params, dtype, n_weights, h) for h in hyperparameters]
    return type(singles[0]).stack(singles)
