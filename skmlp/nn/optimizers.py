"""First-order optimizers that update the flat parameter vector in place.

Each optimizer keeps its state (velocity, moments) as flat vectors shaped
like the parameters and one scratch vector, so a step allocates nothing
proportional to the number of parameters. The arithmetic follows
scikit-learn's ``SGDOptimizer`` and ``AdamOptimizer`` operation for
operation, so the same gradients give the same updates. ``learning_rate``
is a public attribute: learning-rate schedules live in
:mod:`skmlp.training.schedules` and set it between epochs.
"""

import numpy as np


class _ScratchMixin:
    """Scratch vectors are workspace, not state: not pickled, rebuilt on load."""

    _scratch_names = ("_scratch", "_step")

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
            update = np.multiply(v, self.momentum, out=self._step)
            update -= lr_grad
            theta += update
        else:
            theta += v


class Adam(_ScratchMixin):
    """Adam (Kingma & Ba), with the bias correction folded into the step size.

    ``m <- b1 m + (1 - b1) g``, ``v <- b2 v + (1 - b2) g^2``,
    ``theta <- theta - lr_t m / (sqrt(v) + eps)`` with
    ``lr_t = lr sqrt(1 - b2^t) / (1 - b1^t)``.
    """

    def __init__(self, n_params, dtype, learning_rate=0.001, beta_1=0.9,
                 beta_2=0.999, epsilon=1e-8):
        self.learning_rate = float(learning_rate)
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), float(epsilon)
        self.t = 0
        self.m = np.zeros(n_params, dtype)
        self.v = np.zeros(n_params, dtype)
        self._make_scratch(n_params, dtype)

    def _state_vector(self):
        return self.m

    def step(self, theta, grad):
        self.t += 1
        b1, b2 = self.beta_1, self.beta_2
        lr_t = self.learning_rate * np.sqrt(1 - b2**self.t) / (1 - b1**self.t)
        tmp, step = self._scratch, self._step
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


OPTIMIZERS = {"sgd": SGD, "adam": Adam}
