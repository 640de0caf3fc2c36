"""First-order optimizers that update the flat parameter vector in place.

Each optimizer keeps its state (velocity, moments) as flat vectors shaped
like the parameters and one scratch vector, so a step allocates nothing
proportional to the number of parameters. ``step(theta, grad)`` consumes
``grad``: once the moments have been updated the gradient is no longer
needed, and its vector serves as the second workspace (it holds the applied
update afterwards), which spares one vector the size of the model.

The arithmetic follows scikit-learn's ``SGDOptimizer`` and
``AdamOptimizer`` operation for operation, so in float64 the same gradients
give the same updates (in float32 scikit-learn's Adam computes the step in
float64; here it stays in float32). ``learning_rate`` is a public attribute:
learning-rate schedules live in :mod:`skmlp.training.schedules` and set it
between epochs.
"""

import math

import numpy as np

from .penalties import squared_norm


class _ScratchMixin:
    """Scratch vectors are workspace, not state: not pickled, rebuilt on load."""

    _scratch_names = ("_scratch",)

    def _make_scratch(self, n_params, dtype):
        for name in self._scratch_names:
            setattr(self, name, np.empty(n_params, dtype))

    def __getstate__(self):
        state = self.__dict__.copy()
        for name in self._scratch_names:
            state.pop(name)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        like = self._state_vector()
        self._make_scratch(like.size, like.dtype)


class SGD(_ScratchMixin):
    """Stochastic gradient descent with (Nesterov) momentum.

    ``v <- momentum * v - lr * g``; the update is ``v`` or, with Nesterov,
    ``momentum * v - lr * g``.
    """

    def __init__(self, n_params, dtype, learning_rate=0.1, momentum=0.9, nesterov=True):
        self.learning_rate = float(learning_rate)
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)
        self.velocity = np.zeros(n_params, dtype)
        self._make_scratch(n_params, dtype)

    def _state_vector(self):
        return self.velocity

    def step(self, theta, grad):
        lr_grad = np.multiply(grad, self.learning_rate, out=self._scratch)
        v = self.velocity
        v *= self.momentum
        v -= lr_grad
        if self.nesterov:
            update = np.multiply(v, self.momentum, out=grad)
            update -= lr_grad
            theta += update
        else:
            theta += v

    def effective_step(self, n):
        """Step size of the last update, for proximal (L1) steps."""
        return self.learning_rate


class Adam(_ScratchMixin):
    """Adam (Kingma & Ba), with the bias correction folded into the step size.

    ``m <- b1 m + (1 - b1) g``, ``v <- b2 v + (1 - b2) g^2``,
    ``theta <- theta - lr_t m / (sqrt(v) + eps)`` with
    ``lr_t = lr sqrt(1 - b2^t) / (1 - b1^t)``.
    """

    def __init__(
        self, n_params, dtype, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-8
    ):
        self.learning_rate = float(learning_rate)
        self.beta_1, self.beta_2, self.epsilon = (
            float(beta_1),
            float(beta_2),
            float(epsilon),
        )
        self.t = 0
        self.m = np.zeros(n_params, dtype)
        self.v = np.zeros(n_params, dtype)
        self._make_scratch(n_params, dtype)

    def _state_vector(self):
        return self.m

    def step(self, theta, grad):
        self.t += 1
        b1, b2 = self.beta_1, self.beta_2
        # a Python float, so that float32 vectors are updated in float32: a
        # NumPy float64 scalar would push every element through a float64
        # cast (4x slower for that pass)
        lr_t = self.learning_rate * math.sqrt(1 - b2**self.t) / (1 - b1**self.t)
        tmp, step = self._scratch, grad
        self.m *= b1
        self.m += np.multiply(grad, 1 - b1, out=tmp)
        self.v *= b2
        np.multiply(grad, grad, out=tmp)
        tmp *= 1 - b2
        self.v += tmp
        np.sqrt(self.v, out=tmp)
        tmp += self.epsilon
        np.multiply(self.m, -lr_t, out=step)
        step /= tmp
        theta += step
        self._lr_t = lr_t

    def effective_step(self, out):
        """Per-coordinate step ``lr_t / (sqrt(v) + eps)`` of the last update for
        the first ``len(out)`` parameters, written into ``out``."""
        return np.divide(self._lr_t, self._scratch[: out.size], out=out)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019).

    Before each Adam update the first ``n_decay`` parameters (the weights,
    not the biases) shrink by ``learning_rate * weight_decay``.
    """

    def __init__(
        self,
        n_params,
        dtype,
        learning_rate=0.001,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        weight_decay=0.01,
        n_decay=None,
    ):
        super().__init__(n_params, dtype, learning_rate, beta_1, beta_2, epsilon)
        self.weight_decay = float(weight_decay)
        self.n_decay = n_params if n_decay is None else int(n_decay)

    def step(self, theta, grad):
        theta[: self.n_decay] *= 1 - self.learning_rate * self.weight_decay
        super().step(theta, grad)


class RMSProp(_ScratchMixin):
    """RMSProp (Hinton): ``v <- rho v + (1 - rho) g^2``,
    ``theta <- theta - lr g / (sqrt(v) + eps)``."""

    def __init__(self, n_params, dtype, learning_rate=0.001, rho=0.9, epsilon=1e-8):
        self.learning_rate = float(learning_rate)
        self.rho, self.epsilon = float(rho), float(epsilon)
        self.v = np.zeros(n_params, dtype)
        self._make_scratch(n_params, dtype)

    def _state_vector(self):
        return self.v

    def step(self, theta, grad):
        tmp, step = self._scratch, grad
        self.v *= self.rho
        np.multiply(grad, grad, out=tmp)
        tmp *= 1 - self.rho
        self.v += tmp
        np.sqrt(self.v, out=tmp)
        tmp += self.epsilon
        np.multiply(grad, -self.learning_rate, out=step)
        step /= tmp
        theta += step

    def effective_step(self, out):
        return np.divide(self.learning_rate, self._scratch[: out.size], out=out)


def clip_global_norm(grad, max_norm):
    """Scale ``grad`` in place so that its L2 norm is at most ``max_norm``;
    returns the norm before clipping."""
    norm = squared_norm(grad) ** 0.5
    if max_norm is not None and norm > max_norm:
        grad *= max_norm / norm
    return norm


OPTIMIZERS = {"sgd": SGD, "adam": Adam, "adamw": AdamW, "rmsprop": RMSProp}
