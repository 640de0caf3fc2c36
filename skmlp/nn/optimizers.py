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

    def __init__(self, n_params, dtype, *, learning_rate, n_weights=None):
        self.learning_rate = float(learning_rate)
        self.n_weights = n_params if n_weights is None else int(n_weights)
        self._scratch = np.empty(n_params, dtype)
        self.members = self.active = None

    def set_members(self, k):
        """Update ``k`` members of a model axis (member-major parameters, see
        :class:`~skmlp.nn.network.Network`): ``n_weights`` then counts one
        member's weights, and :attr:`active`, a ``(k, 1)`` column of 1 and 0,
        says which members move (a member that stopped training keeps its
        parameters). All members take their steps together, so they share
        the step count."""
        self.members = int(k)
        self.active = np.ones((self.members, 1), self._scratch.dtype)

    def _rows(self, vector):
        """``vector`` as one row per member on a model axis; itself otherwise."""
        return vector if self.members is None else vector.reshape(self.members, -1)

    def _scaled(self, value):
        """``value`` (a Python float), times :attr:`active` on a model axis."""
        return value if self.members is None else self.active * value

    def _weights_of(self, theta):
        """The weights part of ``theta`` (each member's, on a model axis)."""
        if self.members is None:
            return theta[: self.n_weights]
        return self._rows(theta)[:, : self.n_weights]

    def step(self, theta, grad, prox=None):
        """Update ``theta`` in place from ``grad`` (consumed), then apply
        ``prox`` with the step size of this update."""
        self._update(theta, grad)
        if prox is not None:
            prox(self._step_size(prox.size))

    @abstractmethod
    def _update(self, theta, grad):
        """The update itself (``grad`` may be used as workspace)."""

    @abstractmethod
    def _state_vectors(self):
        """The vectors shaped like the parameters that the optimizer keeps."""

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

    def _state_vectors(self):
        return [self.velocity]

    def _update(self, theta, grad):
        lr_grad = np.multiply(grad, self.learning_rate, out=self._scratch)
        v = self.velocity
        v *= self.momentum
        v -= lr_grad
        if self.nesterov:
            update = np.multiply(v, self.momentum, out=grad)
            update -= lr_grad
        else:
            update = v
        if self.members is not None:  # members that stopped do not move
            update = np.multiply(self._rows(update), self.active, out=self._rows(grad))
        self._rows(theta)[...] += update


class Adam(Optimizer):
    """Adam (Kingma & Ba), with the bias correction folded into the step size.

    ``m <- b1 m + (1 - b1) g``, ``v <- b2 v + (1 - b2) g^2``,
    ``theta <- theta - lr_t m / (sqrt(v) + eps)`` with
    ``lr_t = lr sqrt(1 - b2^t) / (1 - b1^t)``.
    """

    HYPERPARAMETERS = ("learning_rate", "beta_1", "beta_2", "epsilon")

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

    def _state_vectors(self):
        return [self.m, self.v]

    def reset(self):
        super().reset()
        self.t = 0

    def _update(self, theta, grad):
        self.t += 1
        b1, b2 = self.beta_1, self.beta_2
        # a Python float, so that float32 vectors are updated in float32: a
        # NumPy float64 scalar would push every element through a float64
        # cast (4x slower for that pass)
        self._lr_t = self.learning_rate * math.sqrt(1 - b2**self.t) / (1 - b1**self.t)
        tmp, step = self._scratch, grad
        self.m *= b1
        self.m += np.multiply(grad, 1 - b1, out=tmp)
        self.v *= b2
        np.multiply(grad, grad, out=tmp)
        tmp *= 1 - b2
        self.v += tmp
        np.sqrt(self.v, out=tmp)
        tmp += self.epsilon
        np.multiply(self._rows(self.m), self._scaled(-self._lr_t), out=self._rows(step))
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

    def _update(self, theta, grad):
        self._weights_of(theta)[...] *= 1 - self._scaled(
            self.learning_rate * self.weight_decay
        )
        super()._update(theta, grad)


class RMSProp(Optimizer):
    """RMSProp (Hinton): ``v <- rho v + (1 - rho) g^2``,
    ``theta <- theta - lr g / (sqrt(v) + eps)``."""

    HYPERPARAMETERS = ("learning_rate", "rho", "epsilon")

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

    def _state_vectors(self):
        return [self.v]

    def _update(self, theta, grad):
        tmp, step = self._scratch, grad
        self.v *= self.rho
        np.multiply(grad, grad, out=tmp)
        tmp *= 1 - self.rho
        self.v += tmp
        np.sqrt(self.v, out=tmp)
        tmp += self.epsilon
        lr = self._scaled(-self.learning_rate)
        np.multiply(self._rows(grad), lr, out=self._rows(step))
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
