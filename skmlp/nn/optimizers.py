"""First-order optimizers that update the flat parameter vector in place.

Every optimizer has one interface: it is built by :func:`make_optimizer` from
the registry :data:`OPTIMIZERS` as ``cls(n_params, dtype, n_weights=...,
n_members=..., **hyperparameters)`` (the names in its ``HYPERPARAMETERS``),
and ``step(theta, grad, prox=None)`` updates ``theta`` and then, when given,
applies the proximal step ``prox`` (:class:`skmlp.nn.penalties.ProximalL1`)
with the step size it took: a number, one per member, or per-coordinate
sizes in its own workspace. ``n_weights`` is the length of the weights
prefix of each member's parameters (what weight decay acts on).

Each optimizer keeps its state (velocity, moments) as flat vectors shaped
like the parameters and one scratch vector, so a step allocates nothing
proportional to the number of parameters. ``step`` consumes ``grad``: once
the moments have been updated the gradient is no longer needed, and its
vector serves as the second workspace, which spares one vector the size of
the model (afterwards it holds the applied update, except for SGD with plain
momentum, which applies its velocity).

An optimizer updates a stack of ``n_members`` networks (member-major
parameters; a single network is a stack of one, and :meth:`Optimizer.stack`,
:meth:`Optimizer.member` and :meth:`Optimizer.subset` move members on and off
a stack). The members may differ in their float hyper-parameters
(``FLOAT_HYPERPARAMETERS``: a search's learning rates, betas, momenta...):
such a hyper-parameter is then a ``(k,)`` array, one value per member,
applied as a ``(k, 1)`` column of the parameters' dtype to the member-major
rows of the vectors, and member ``j`` takes the step an optimizer of its own
with member ``j``'s values takes. A hyper-parameter that every member shares
stays a Python float, and the update is then the arithmetic of one network
on the whole vectors. While some members are inactive, the proximal step is
called as ``prox(step, j)`` after each active member's update.

The arithmetic follows scikit-learn's ``SGDOptimizer`` and
``AdamOptimizer`` operation for operation, so in float64 the same gradients
give the same updates (in float32 scikit-learn's Adam computes the step in
float64; here it stays in float32). ``learning_rate`` is a public attribute:
learning-rate schedules live in :mod:`skmlp.training.schedules` and set it
between epochs (one number, or one per member), from ``learning_rate_init``,
the rate each member started with.
"""

import copy
import math
import sys
from abc import ABC, abstractmethod

import numpy as np

from .fast import row_squared_norms, single


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
    """What every optimizer shares: the interface, the members and the scratch.

    An optimizer updates the parameters of ``n_members`` networks stacked
    along a model axis (member-major, see :class:`~skmlp.nn.network.Network`;
    a single network is a stack of one): its state vectors hold ``n_members``
    rows of ``n_params`` values, and ``n_weights`` counts one member's
    weights. :attr:`active`, a ``(k,)`` boolean array, says which members
    move: an inactive member (one that stopped training) keeps its parameters
    and its optimizer state, as a network of its own would once its training
    ended. Scratch vectors are workspace, not state: not pickled, rebuilt on
    load. The numbers an update uses (derived from the hyper-parameters in
    float64, then columns of the parameters' dtype when they differ between
    members) are cached until a hyper-parameter is set.
    """

    #: Constructor arguments besides the sizes, by name.
    HYPERPARAMETERS = ("learning_rate",)
    #: The hyper-parameters that may differ between the members of a model axis.
    FLOAT_HYPERPARAMETERS = ("learning_rate",)
    #: The state vectors (shaped like the parameters), by attribute name.
    STATE = ()

    learning_rate = _float_hyperparameter("learning_rate")
    #: The learning rate the optimizer started with (schedules decay from it).
    learning_rate_init = _float_hyperparameter("learning_rate_init")

    def __init__(self, n_params, dtype, *, learning_rate, n_weights=None, n_members=1):
        self.members = int(n_members)
        self.active = np.ones(self.members, dtype=bool)
        self._all_active = True
        self._per_member = False
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate
        self.n_weights = n_params if n_weights is None else int(n_weights)
        self._scratch = np.empty(self.members * n_params, dtype)

    def _set_float(self, name, value):
        """Store hyper-parameter ``name``: one number (a Python float), or one
        per member (a Python float when they are all equal)."""
        values = np.array(value, dtype=float).ravel()
        if values.size not in (1, self.members):
            raise ValueError(
                f"{name} has {values.size} values; expected one number or one per "
                f"member of the model axis ({self.members} members)."
            )
        if (values == values[0]).all():
            stored = float(values[0])
        else:
            stored = values
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

    def set_member_value(self, name, j, value):
        """Set member ``j``'s value of hyper-parameter ``name``."""
        values = np.broadcast_to(self._hyper(name), (self.members,)).copy()
        values[j] = value
        self._set_float(name, values)

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

    def deactivate(self, j):
        """Member ``j`` stops moving (see :attr:`active`)."""
        self.active[j] = False
        self._all_active = False

    def activate(self):
        """Every member moves again (a new training run)."""
        self.active = np.ones(self.members, dtype=bool)
        self._all_active = True

    def member(self, j):
        """Member ``j``'s optimizer, as the optimizer of a network of its own
        (copies of its rows of the state, its values of the hyper-parameters).
        The member of a stack of one is the optimizer itself."""
        if self.members == 1:
            return self
        single = copy.copy(self)
        single.members, single.active, single._all_active = 1, np.ones(1, bool), True
        for name in self.FLOAT_HYPERPARAMETERS + ("learning_rate_init",):
            setattr(single, name, self._hyper(name, j))
        single._scratch = np.empty(self._rows(self._scratch).shape[1], self._scratch.dtype)
        for name in self.STATE:
            setattr(single, name, self._rows(getattr(self, name))[j].copy())
        return single

    def subset(self, members):
        """The optimizer of the members at positions ``members``, as a stack
        of their own (copies of their state)."""
        return type(self).stack([self.member(j) for j in members])

    @staticmethod
    def stack(optimizers):
        """One optimizer whose member ``j`` continues from ``optimizers[j]``:
        optimizers of one stack member each, of one class, size and dtype,
        which may differ in their ``FLOAT_HYPERPARAMETERS`` (each member keeps
        its own) but not in the others (``nesterov``)."""
        _check_stackable(optimizers)
        first = optimizers[0]
        if single(optimizers) is not None:
            return first
        stacked = copy.copy(first)
        stacked.members = len(optimizers)
        stacked.active = np.ones(stacked.members, dtype=bool)
        stacked._all_active = True
        size = first._scratch.size
        stacked._scratch = np.empty(len(optimizers) * size, first._scratch.dtype)
        for name in first.STATE:
            setattr(stacked, name, np.concatenate([getattr(o, name) for o in optimizers]))
        for name in first.FLOAT_HYPERPARAMETERS + ("learning_rate_init",):
            setattr(stacked, name, [o._hyper(name) for o in optimizers])
        return stacked

    def _rows(self, vector):
        """``vector`` as one row per member."""
        return vector.reshape(self.members, -1)

    def step(self, theta, grad, prox=None):
        """Update ``theta`` in place from ``grad`` (consumed), then apply
        ``prox`` with the step size of this update. Every active member takes
        its own step: all of them at once while all are active, one member's
        rows at a time otherwise (``prox`` is then called as
        ``prox(step_size, j)`` after member ``j``'s update)."""
        coef = self._coef
        if coef is None:
            coef = self._cache_coefficients()
        if not self._all_active:
            self._step_active(theta, grad, prox)
            return
        if self._per_member:  # columns against the member-major rows
            vectors = [self._rows(v) for v in (theta, grad, self._scratch)]
            states = [self._rows(v) for v in self._state_vectors()]
            self._apply(*vectors, states, None, coef)
        else:
            self._apply(theta, grad, self._scratch, self._state_vectors(), None, coef)
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
        """The weights part of ``theta``: each member's (``member`` None) or
        one member's row (``theta`` is then that row)."""
        if member is not None:
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

    def reset(self, positions=None):
        """Forget the state built up so far (velocity, moments) of the members
        at ``positions`` (all by default), as a new optimizer with the current
        learning rate: after a divergence the state holds the diverging steps'
        huge or non-finite values."""
        rows = slice(None) if positions is None else positions
        for vector in self._state_vectors():
            self._rows(vector)[rows] = 0

    def state_finite(self):
        """Whether each member's state is finite, ``(k,)``. Adam's second
        moment can overflow while the weights stay finite; every later step of
        those coordinates is then 0."""
        finite = np.ones(self.members, dtype=bool)
        for vector in self._state_vectors():
            finite &= np.isfinite(self._rows(vector)).all(axis=1)
        return finite

    def _step_size(self, n, member=None):
        """The step size of the last update: the learning rate (``member``
        None: a float, or a ``(k,)`` float64 array of the members' rates;
        member ``member``'s otherwise)."""
        return self._hyper("learning_rate", member)

    def _head(self, n, member):
        """The scratch's first ``n`` entries of each member's row (``(k, n)``,
        ``member`` None) or of ``member``'s (``(n,)``)."""
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
        if state.get("members") is None:  # saved before stacks of one
            state["members"], state["active"] = 1, np.ones(1, dtype=bool)
        for name in self.FLOAT_HYPERPARAMETERS:  # saved as plain attributes
            if name in state:
                state["_" + name] = state.pop(name)
        # saved before the optimizer kept its initial rate: the rate it had
        state.setdefault("_learning_rate_init", state["_learning_rate"])
        self.__dict__.update(state)
        self._all_active = bool(np.all(self.active))
        for name in self.FLOAT_HYPERPARAMETERS + ("learning_rate_init",):
            setattr(self, name, getattr(self, "_" + name))  # validated, read-only
        like = self._state_vectors()[0]
        if self.n_weights is None:
            self.n_weights = like.size // self.members
        self._scratch = np.empty(like.size, like.dtype)


def _check_stackable(optimizers):
    """``ValueError`` unless ``optimizers`` are one member's each, of one class,
    size and dtype that agree in every hyper-parameter members cannot differ in."""
    if not optimizers:
        raise ValueError("Stacking needs at least one optimizer.")
    first = optimizers[0]
    if any(type(o) is not type(first) or o.members != 1 for o in optimizers):
        raise ValueError("Only optimizers of one member and one class can be stacked.")
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
        n_members=1,
    ):
        super().__init__(
            n_params,
            dtype,
            learning_rate=learning_rate,
            n_weights=n_weights,
            n_members=n_members,
        )
        self.momentum = momentum
        self.nesterov = bool(nesterov)
        self.velocity = np.zeros(self.members * n_params, dtype)

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
    ``lr_t = lr sqrt(1 - b2^t) / (1 - b1^t)``. Each member counts its own
    steps (``t``, ``(k,)``): members that stopped at different epochs
    continue, in a later call, each with its own bias correction.
    """

    HYPERPARAMETERS = ("learning_rate", "beta_1", "beta_2", "epsilon")
    FLOAT_HYPERPARAMETERS = HYPERPARAMETERS
    STATE = ("m", "v")

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
        n_members=1,
    ):
        super().__init__(
            n_params,
            dtype,
            learning_rate=learning_rate,
            n_weights=n_weights,
            n_members=n_members,
        )
        self.beta_1, self.beta_2 = beta_1, beta_2
        self.epsilon = epsilon
        self.t = 0
        self.m = np.zeros(self.members * n_params, dtype)
        self.v = np.zeros(self.members * n_params, dtype)

    def _set_steps(self, steps):
        """Each member's step count: a Python int while the members share it
        (every member takes every step), else a ``(k,)`` array."""
        steps = np.asarray(steps, dtype=np.int64).ravel()
        self.t = int(steps[0]) if np.all(steps == steps[0]) else steps.copy()

    def member(self, j):
        single = super().member(j)
        if single is not self:
            single.t = self.t if type(self.t) is int else int(self.t[j])
        return single

    @staticmethod
    def stack(optimizers):
        stacked = Optimizer.stack(optimizers)
        if len(optimizers) > 1:
            stacked._set_steps([o.t for o in optimizers])
        return stacked

    def reset(self, positions=None):
        super().reset(positions)
        steps = np.broadcast_to(self.t, (self.members,)).copy()
        steps[slice(None) if positions is None else positions] = 0
        self._set_steps(steps)

    def _coefficients(self, member):
        b1, b2 = self._hyper("beta_1", member), self._hyper("beta_2", member)
        eps = self._hyper("epsilon", member)
        return tuple(self._column(c) for c in (b1, 1 - b1, b2, 1 - b2, eps))

    def _learning_rate_t(self, member):
        """``lr sqrt(1 - b2^t) / (1 - b1^t)`` after counting this step, of
        every member (``member`` None) or of member ``member``: a Python float
        where the members share it (so that float32 vectors are updated in
        float32: a NumPy float64 scalar would push every element through a
        float64 cast, 4x slower for that pass), else a ``(k, 1)`` column of
        the parameters' dtype, computed in float64 as a member's own rate."""
        if member is None:
            self.t += 1
            t = self.t
            lr, b1, b2 = self._learning_rate, self._beta_1, self._beta_2
        else:
            if type(self.t) is int:  # the members' counts part
                self.t = np.full(self.members, self.t, dtype=np.int64)
            self.t[member] += 1
            t = int(self.t[member])
            lr, b1, b2 = (
                self._hyper(n, member) for n in ("learning_rate", "beta_1", "beta_2")
            )
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
        if type(lr_t) is float:
            np.multiply(m, -lr_t, out=step)
        else:  # one rate per member: a column against the member-major rows
            np.multiply(self._rows(m), -lr_t, out=self._rows(step))
        step /= tmp
        theta += step

    def _step_size(self, n, member=None):
        """Per-coordinate ``lr_t / (sqrt(v) + eps)`` of the last update for the
        first ``n`` parameters of each member (the scratch still holds
        ``sqrt(v) + eps``): ``(k, n)``, or member ``member``'s ``(n,)``."""
        head = self._head(n, member)
        return np.divide(self._lr_t, head, out=head)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019).

    Before each Adam update the weights (the first ``n_weights`` parameters
    of each member, not the biases) shrink by ``learning_rate * weight_decay``.
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
        n_members=1,
    ):
        super().__init__(
            n_params,
            dtype,
            learning_rate=learning_rate,
            n_weights=n_weights,
            n_members=n_members,
        )
        self.rho, self.epsilon = rho, epsilon
        self.v = np.zeros(self.members * n_params, dtype)

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
        parameters of each member: ``(k, n)``, or member ``member``'s ``(n,)``."""
        head = self._head(n, member)
        return np.divide(self._column(self._hyper("learning_rate", member)), head, out=head)


def clip_global_norm(grad, max_norm, members=1):
    """Scale each member's gradient (``grad``, member-major) in place so that
    its L2 norm is at most ``max_norm``; returns each member's norm before
    clipping (a float for a stack of one)."""
    rows = grad.reshape(members, -1)
    norms = row_squared_norms(rows) ** 0.5
    if max_norm is not None:
        rows *= np.reshape(np.minimum(1.0, max_norm / np.maximum(norms, _TINY)), (-1, 1))
    return norms


_TINY = np.finfo(float).tiny

OPTIMIZERS = {"sgd": SGD, "adam": Adam, "adamw": AdamW, "rmsprop": RMSProp}


def make_optimizer(name, n_params, dtype, n_weights, hyperparameters, n_members=1):
    """The optimizer registered under ``name`` for ``n_members`` networks of
    ``n_params`` parameters each, the first ``n_weights`` of which are
    weights. It takes the entries it names in ``HYPERPARAMETERS`` from
    ``hyperparameters``: one mapping for every member, or a sequence of one
    mapping per member, whose float hyper-parameters may differ (each member
    then steps as the optimizer of a network of its own would)."""
    try:
        cls = OPTIMIZERS[name]
    except KeyError:
        raise ValueError(
            f"Unknown optimizer {name!r}; expected one of {sorted(OPTIMIZERS)}."
        ) from None
    settings = hyperparameters
    if not isinstance(settings, (list, tuple)):
        settings = [settings] * n_members
    if len(settings) != n_members:
        raise ValueError(
            f"{n_members} member(s) need as many settings; got {len(settings)}."
        )
    chosen = {}
    for key in cls.HYPERPARAMETERS:
        values = [setting[key] for setting in settings]
        if key not in cls.FLOAT_HYPERPARAMETERS and any(v != values[0] for v in values):
            raise ValueError(
                f"Members that differ in {key} ({values}) cannot share an optimizer."
            )
        chosen[key] = values if key in cls.FLOAT_HYPERPARAMETERS else values[0]
    return cls(n_params, dtype, n_weights=n_weights, n_members=n_members, **chosen)
