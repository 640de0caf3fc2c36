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

The arithmetic follows scikit-learn's ``SGDOptimizer`` and
``AdamOptimizer`` operation for operation, so in float64 the same gradients
give the same updates (in float32 scikit-learn's Adam computes the step in
float64; here it stays in float32). ``learning_rate`` is a public attribute:
learning-rate schedules live in :mod:`skmlp.training.schedules` and set it
between epochs.
"""

import copy
import math
from abc import ABC, abstractmethod

import numpy as np

from .fast import squared_norm


class Optimizer(ABC):
    """What every optimizer shares: the interface and the scratch workspace.

    Scratch vectors are workspace, not state: not pickled, rebuilt on load.
    """

    #: Constructor arguments besides the sizes, by name.
    HYPERPARAMETERS = ("learning_rate",)
    #: The state vectors (shaped like the parameters), by attribute name.
    STATE = ()

    def __init__(self, n_params, dtype, *, learning_rate, n_weights=None):
        self.learning_rate = float(learning_rate)
        self.n_weights = n_params if n_weights is None else int(n_weights)
        self._scratch = np.empty(n_params, dtype)
        self.members = self.active = None

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
        network of its own (copies of its rows of the state)."""
        single = copy.copy(self)
        single.members = single.active = None
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
        ``optimizers[j]`` (single optimizers of one kind and settings)."""
        first = optimizers[0]
        stacked = copy.copy(first)
        size = first._scratch.size
        stacked._scratch = np.empty(len(optimizers) * size, first._scratch.dtype)
        for name in first.STATE:
            setattr(stacked, name, np.concatenate([getattr(o, name) for o in optimizers]))
        stacked.set_members(len(optimizers))
        return stacked

    def _rows(self, vector):
        """``vector`` as one row per member on a model axis; itself otherwise."""
        return vector if self.members is None else vector.reshape(self.members, -1)

    def step(self, theta, grad, prox=None):
        """Update ``theta`` in place from ``grad`` (consumed), then apply
        ``prox`` with the step size of this update. On a model axis every
        active member takes its own step: all of them at once while all are
        active, one member's rows at a time otherwise."""
        if self.members is None or self.active.all():
            self._apply(theta, grad, self._scratch, self._state_vectors(), None)
        else:
            for j in np.flatnonzero(self.active):
                rows = [self._rows(v)[j] for v in (theta, grad, self._scratch)]
                states = [self._rows(v)[j] for v in self._state_vectors()]
                self._apply(*rows, states, j)
        if prox is not None:
            prox(self._step_size(prox.size))

    def _weights_of(self, theta, member):
        """The weights part of ``theta``: each member's (``member`` None on a
        model axis) or one member's row (``theta`` is then that row)."""
        if self.members is None or member is not None:
            return theta[: self.n_weights]
        return self._rows(theta)[:, : self.n_weights]

    @abstractmethod
    def _apply(self, theta, grad, tmp, states, member):
        """The update of ``theta`` from ``grad`` (usable as workspace) with the
        scratch ``tmp`` and the state vectors ``states``: the whole vectors
        (``member`` None) or member ``member``'s rows of each."""

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

    def _step_size(self, n):
        """The step size of the last update: the learning rate."""
        return self.learning_rate

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("_scratch")
        return state

    def __setstate__(self, state):
        # saved before the one optimizer interface: AdamW's n_decay, no n_weights
        state.setdefault("n_weights", state.pop("n_decay", None))
        state.setdefault("members", None)
        state.setdefault("active", None)
        self.__dict__.update(state)
        like = self._state_vectors()[0]
        if self.n_weights is None:
            self.n_weights = like.size
        self._scratch = np.empty(like.size, like.dtype)


class SGD(Optimizer):
    """Stochastic gradient descent with (Nesterov) momentum.

    ``v <- momentum * v - lr * g``; the update is ``v`` or, with Nesterov,
    ``momentum * v - lr * g``.
    """

    HYPERPARAMETERS = ("learning_rate", "momentum", "nesterov")
    STATE = ("velocity",)

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
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)
        self.velocity = np.zeros(n_params, dtype)

    def _apply(self, theta, grad, tmp, states, member):
        (v,) = states
        lr_grad = np.multiply(grad, self.learning_rate, out=tmp)
        v *= self.momentum
        v -= lr_grad
        if self.nesterov:
            update = np.multiply(v, self.momentum, out=grad)
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
    STATE = ("m", "v")
    #: On a model axis: whether every member has taken the same number of steps.
    _uniform_t = False

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
        self.beta_1, self.beta_2 = float(beta_1), float(beta_2)
        self.epsilon = float(epsilon)
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

    def _learning_rate_t(self, member):
        """``lr sqrt(1 - b2^t) / (1 - b1^t)`` after counting this step: a
        Python float for one model or member (so that float32 vectors are
        updated in float32: a NumPy float64 scalar would push every element
        through a float64 cast, 4x slower for that pass), a ``(k, 1)``
        column of the model axis's members' otherwise."""
        b1, b2 = self.beta_1, self.beta_2
        if member is not None or self.members is None:
            if member is None:
                self.t += 1
                t = self.t
            else:
                self.t[member] += 1
                self._uniform_t = False
                t = int(self.t[member])
            return self.learning_rate * math.sqrt(1 - b2**t) / (1 - b1**t)
        self.t += 1
        if self._uniform_t:  # every member has taken every step: one rate
            t = int(self.t[0])
            return self.learning_rate * math.sqrt(1 - b2**t) / (1 - b1**t)
        rate = self.learning_rate * np.sqrt(1 - b2**self.t) / (1 - b1**self.t)
        return rate.astype(self._scratch.dtype)[:, None]

    def _apply(self, theta, grad, tmp, states, member):
        m, v = states
        b1, b2 = self.beta_1, self.beta_2
        self._lr_t = lr_t = self._learning_rate_t(member)
        step = grad
        m *= b1
        m += np.multiply(grad, 1 - b1, out=tmp)
        v *= b2
        np.multiply(grad, grad, out=tmp)
        tmp *= 1 - b2
        v += tmp
        np.sqrt(v, out=tmp)
        tmp += self.epsilon
        rows = self._rows if member is None else (lambda vector: vector)
        np.multiply(rows(m), -lr_t, out=rows(step))
        step /= tmp
        theta += step

    def _step_size(self, n):
        """Per-coordinate ``lr_t / (sqrt(v) + eps)`` of the last update for the
        first ``n`` parameters (the scratch still holds ``sqrt(v) + eps``)."""
        head = self._scratch[:n]
        return np.divide(self._lr_t, head, out=head)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019).

    Before each Adam update the weights (the first ``n_weights`` parameters,
    not the biases) shrink by ``learning_rate * weight_decay``.
    """

    HYPERPARAMETERS = (*Adam.HYPERPARAMETERS, "weight_decay")

    def __init__(self, n_params, dtype, *, weight_decay=0.01, **adam):
        super().__init__(n_params, dtype, **adam)
        self.weight_decay = float(weight_decay)

    def _apply(self, theta, grad, tmp, states, member):
        self._weights_of(theta, member)[...] *= 1 - self.learning_rate * self.weight_decay
        super()._apply(theta, grad, tmp, states, member)


class RMSProp(Optimizer):
    """RMSProp (Hinton): ``v <- rho v + (1 - rho) g^2``,
    ``theta <- theta - lr g / (sqrt(v) + eps)``."""

    HYPERPARAMETERS = ("learning_rate", "rho", "epsilon")
    STATE = ("v",)

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
        self.rho, self.epsilon = float(rho), float(epsilon)
        self.v = np.zeros(n_params, dtype)

    def _apply(self, theta, grad, tmp, states, member):
        (v,) = states
        step = grad
        v *= self.rho
        np.multiply(grad, grad, out=tmp)
        tmp *= 1 - self.rho
        v += tmp
        np.sqrt(v, out=tmp)
        tmp += self.epsilon
        np.multiply(grad, -self.learning_rate, out=step)
        step /= tmp
        theta += step

    def _step_size(self, n):
        """Per-coordinate ``lr / (sqrt(v) + eps)`` for the first ``n`` parameters."""
        head = self._scratch[:n]
        return np.divide(self.learning_rate, head, out=head)


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
