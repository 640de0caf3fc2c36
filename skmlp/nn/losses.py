"""Losses that own their output link.

A loss receives the raw network outputs (logits), the targets ``Y`` as a 2-D
float array and per-sample weights, and returns the weighted loss together
with its gradient with respect to the logits. It never receives the linked
predictions, so every value is computed stably from the logits
(log-sum-exp, BCE with logits).

Conventions shared by every loss:

* the value is ``sum_i weight_i * sum_k l(raw_ik, Y_ik)``: summed over
  outputs, weighted over samples. Callers pass weights that already sum to
  one over the batch (``1 / n`` as a scalar when there are no sample weights),
  so the value is a weighted mean over samples;
* ``weight`` is a scalar or an ``(n_samples, 1)`` column;
* ``grad``, when given, is an array shaped like ``raw`` that receives
  ``dvalue / draw``; when ``None`` only the value is computed.
"""

import numpy as np
from scipy.special import expit, xlogy


def weighted_sum(per_sample, weight):
    """``sum_i weight_i * per_sample_i`` for a scalar or column ``weight``."""
    if np.ndim(weight) == 0:
        return float(weight * per_sample.sum())
    return float(per_sample @ weight.ravel())


def _rowwise_dot(A, B):
    return np.einsum("ij,ij->i", A, B)


class SoftmaxCrossEntropy:
    """Softmax link with categorical cross-entropy (rows of ``Y`` sum to 1)."""

    name = "softmax_cross_entropy"
    out_activation = "softmax"

    def link(self, raw):
        raw -= raw.max(axis=1, keepdims=True)
        np.exp(raw, out=raw)
        raw /= raw.sum(axis=1, keepdims=True)
        return raw

    def log_link(self, raw):
        """Log-probabilities ``raw - logsumexp(raw)``, free of underflow."""
        shift = raw.max(axis=1, keepdims=True)
        return raw - (shift + np.log(np.exp(raw - shift).sum(axis=1, keepdims=True)))

    def value_and_grad(self, raw, Y, weight, grad=None):
        P = np.empty_like(raw) if grad is None else grad
        shift = raw.max(axis=1, keepdims=True)
        np.subtract(raw, shift, out=P)
        np.exp(P, out=P)
        total = P.sum(axis=1, keepdims=True)
        log_sum_exp = (shift + np.log(total)).ravel()
        value = weighted_sum(log_sum_exp - _rowwise_dot(Y, raw), weight)
        if grad is not None:
            P /= total
            P -= Y
            P *= weight
        return value


class SigmoidCrossEntropy:
    """Independent sigmoid links with binary cross-entropy on the logits.

    ``l(z, y) = log(1 + exp(z)) - y z`` per output; used for binary and
    multilabel targets.
    """

    name = "sigmoid_cross_entropy"
    out_activation = "logistic"

    def link(self, raw):
        return expit(raw, out=raw)

    def log_link(self, raw):
        """``log(sigmoid(raw)) = -log(1 + exp(-raw))``, free of underflow."""
        return -np.logaddexp(0, -raw)

    def value_and_grad(self, raw, Y, weight, grad=None):
        G = np.empty_like(raw) if grad is None else grad
        np.logaddexp(raw, 0, out=G)
        per_sample = G.sum(axis=1) - _rowwise_dot(Y, raw)
        value = weighted_sum(per_sample, weight)
        if grad is not None:
            expit(raw, out=G)
            G -= Y
            G *= weight
        return value


class SquaredError:
    """Identity link with half squared error, ``(z - y)^2 / 2`` per output."""

    name = "squared_error"
    out_activation = "identity"

    def link(self, raw):
        return raw

    def value_and_grad(self, raw, Y, weight, grad=None):
        G = np.empty_like(raw) if grad is None else grad
        np.subtract(raw, Y, out=G)
        value = 0.5 * weighted_sum(_rowwise_dot(G, G), weight)
        if grad is not None:
            G *= weight
        return value


class Poisson:
    """Log link (``mu = exp(z)``) with half the Poisson deviance.

    ``l(z, y) = exp(z) - y z + y log y - y``; the last two terms do not depend
    on ``z`` and make a perfect prediction cost zero, as in scikit-learn.
    """

    name = "poisson"
    out_activation = "exp"

    def link(self, raw):
        return np.exp(raw, out=raw)

    def value_and_grad(self, raw, Y, weight, grad=None):
        G = np.empty_like(raw) if grad is None else grad
        np.exp(raw, out=G)
        constant = xlogy(Y, Y) - Y
        per_sample = G.sum(axis=1) - _rowwise_dot(Y, raw) + constant.sum(axis=1)
        value = weighted_sum(per_sample, weight)
        if grad is not None:
            G -= Y
            G *= weight
        return value


LOSSES = {
    cls.name: cls
    for cls in [SoftmaxCrossEntropy, SigmoidCrossEntropy, SquaredError, Poisson]
}


def get_loss(name, **params):
    """Instantiate the loss registered under ``name``."""
    try:
        cls = LOSSES[name]
    except KeyError:
        raise ValueError(
            f"Unknown loss {name!r}; expected one of {sorted(LOSSES)}."
        ) from None
    return cls(**params)
