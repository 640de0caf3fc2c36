"""The training objective: weighted data loss plus L2 penalty."""

import numpy as np

from .penalties import add_l2_grad, l2_value


def normalised_weights(sample_weight, n_samples):
    """Per-sample weights summing to one, and the total weight.

    Without sample weights the weight is the scalar ``1 / n_samples``.
    """
    if sample_weight is None:
        return 1.0 / n_samples, float(n_samples)
    total = float(sample_weight.sum())
    if total <= 0:
        return 0.0, 0.0
    return (sample_weight / total).reshape(-1, 1), total


class Objective:
    """``loss(network(X), Y; w) + alpha / (2 sum(w)) * ||W||^2``.

    The penalty is scaled by the total sample weight of the batch, as in
    scikit-learn, so ``alpha`` means the same thing for any batch size.
    Calling the objective runs a forward and a backward pass and leaves the
    gradient in ``network.grad``.
    """

    def __init__(self, network, loss, alpha=0.0):
        self.network = network
        self.loss = loss
        self.alpha = float(alpha)
        self._scratch = np.empty(network.n_coefs, network.dtype)

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("_scratch")
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._scratch = np.empty(self.network.n_coefs, self.network.dtype)

    def __call__(self, X, Y, sample_weight=None):
        net = self.network
        weight, total = normalised_weights(sample_weight, X.shape[0])
        if total == 0:
            net.grad.fill(0)
            return 0.0
        raw = net.forward(X)
        value = self.loss.value_and_grad(raw, Y, weight, net.output_grad(X.shape[0]))
        net.backward()
        return value + self._penalty(total, net.grad)

    def _penalty(self, total, grad):
        if self.alpha == 0:
            return 0.0
        weights = self.network.theta[: self.network.n_coefs]
        strength = self.alpha / total
        add_l2_grad(grad[: self.network.n_coefs], weights, strength, self._scratch)
        return l2_value(weights, strength)

    def value(self, X, Y, sample_weight=None):
        """The objective without its gradient; touches no training buffer."""
        weight, total = normalised_weights(sample_weight, X.shape[0])
        if total == 0:
            return 0.0
        raw = self.network.predict_raw(X)
        value = self.loss.value_and_grad(raw, Y, weight)
        if self.alpha:
            value += l2_value(self.network.theta[: self.network.n_coefs], self.alpha / total)
        return value
