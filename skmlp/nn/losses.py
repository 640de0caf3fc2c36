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
* along a model axis (``raw`` of shape ``(k, m, n_outputs)``, ``weight`` a
  scalar or ``(k, m, 1)``, each member's weights summing to one), the value
  is one number per member, an array of shape ``(k,)``;
* ``grad``, when given, is an array shaped like ``raw`` that receives
  ``dvalue / draw``; when ``None`` only the value is computed.
"""

import numpy as np
from scipy.special import expit, xlogy

from .fast import row_max, row_sum, rowwise_dot, weighted_dot, weighted_sum


class SoftmaxCrossEntropy:
    """Softmax link with categorical cross-entropy (rows of ``Y`` sum to 1).

    With ``gamma > 0`` it is the focal loss ``-sum_k y_k (1 - p_k)^gamma
    log p_k`` (Lin et al., 2017), which down-weights confidently correct
    samples; ``gamma = 0`` runs the plain cross-entropy code.
    """

    name = "softmax_cross_entropy"
    out_activation = "softmax"

    def __init__(self, gamma=0.0):
        self.gamma = float(gamma)

    def link(self, raw):
        raw -= row_max(raw)
        np.exp(raw, out=raw)
        raw /= row_sum(raw)
        return raw

    def log_link(self, raw):
        """Log-probabilities ``raw - logsumexp(raw)``, free of underflow."""
        shift = row_max(raw)
        return raw - (shift + np.log(row_sum(np.exp(raw - shift))))

    def value_and_grad(self, raw, Y, weight, grad=None):
        if self.gamma:
            return self._focal(raw, Y, weight, grad)
        # With s_i = max_k z_ik and the rows of Y summing to one, the loss is
        #   sum_i w_i [log sum_k exp(z_ik - s_i) - sum_k y_ik (z_ik - s_i)].
        P = np.empty_like(raw) if grad is None else grad
        np.subtract(raw, row_max(raw), out=P)
        value = -weighted_dot(Y, P, weight)
        np.exp(P, out=P)
        total = row_sum(P)
        value += weighted_sum(np.log(total)[..., 0], weight)
        if grad is not None:
            P /= total
            P -= Y
            P *= weight
        return value

    def _focal(self, raw, Y, weight, grad):
        # With q = 1 - p (from expm1, accurate near p = 1) and u_k the
        # derivative of sample loss with respect to log p_k times p_k:
        #   u = y q^g (g p log(p) / q - 1),  dL/dz = u - p sum_k u_k.
        gamma = self.gamma
        log_p = self.log_link(raw)
        p = np.exp(log_p)
        q = -np.expm1(log_p)
        q_gamma = q**gamma
        value = weighted_sum(-rowwise_dot(Y * q_gamma, log_p), weight)
        if grad is not None:
            tiny = np.finfo(raw.dtype).tiny
            ratio = np.divide(log_p, q, out=np.full_like(q, -1.0), where=q > tiny)
            u = Y * q_gamma * (gamma * p * ratio - 1)
            np.multiply(p, u.sum(axis=-1, keepdims=True), out=grad)
            np.subtract(u, grad, out=grad)
            grad *= weight
        return value


class SigmoidCrossEntropy:
    """Independent sigmoid links with binary cross-entropy on the logits.

    Per output ``l(z, y) = w+ y h(z) + w- (1 - y) h(-z)`` with
    ``h(z) = sigmoid(-z)^gamma * log(1 + exp(-z))``: the binary
    cross-entropy for ``gamma = 0`` and unit weights, the weighted BCE of the
    lecture notes with per-output weights ``pos_weight`` (w+) and
    ``neg_weight`` (w-), the focal loss for ``gamma > 0``. Used for binary
    and multilabel targets; ``y`` may be soft (label smoothing).
    """

    name = "sigmoid_cross_entropy"
    out_activation = "logistic"

    def __init__(self, pos_weight=1.0, neg_weight=1.0, gamma=0.0):
        self.pos_weight = pos_weight
        self.neg_weight = neg_weight
        self.gamma = float(gamma)

    def _unit_weights(self):
        return np.all(np.equal(self.pos_weight, 1)) and np.all(np.equal(self.neg_weight, 1))

    def link(self, raw):
        return expit(raw, out=raw)

    def log_link(self, raw):
        """``log(sigmoid(raw)) = -log(1 + exp(-raw))``, free of underflow."""
        return -np.logaddexp(0, -raw)

    def value_and_grad(self, raw, Y, weight, grad=None):
        if self.gamma == 0 and self._unit_weights():
            return self._plain(raw, Y, weight, grad)
        h_pos, dh_pos = self._h(raw)
        h_neg, dh_neg = self._h(-raw)
        pos = self.pos_weight * Y
        neg = self.neg_weight * (1 - Y)
        value = weighted_sum((pos * h_pos + neg * h_neg).sum(axis=-1), weight)
        if grad is not None:
            np.multiply(pos, dh_pos, out=grad)
            grad -= neg * dh_neg
            grad *= weight
        return value

    def _h(self, z):
        """``h(z)`` and ``h'(z)`` for ``h(z) = sigmoid(-z)^gamma softplus(-z)``."""
        softplus_neg = np.logaddexp(0, -z)
        sigma_neg = expit(-z)
        if self.gamma == 0:
            return softplus_neg, -sigma_neg
        focus = np.exp(-self.gamma * np.logaddexp(0, z))  # sigmoid(-z)^gamma
        h = focus * softplus_neg
        dh = -focus * (sigma_neg + self.gamma * expit(z) * softplus_neg)
        return h, dh

    def _plain(self, raw, Y, weight, grad):
        # l = max(z, 0) - y z + log(1 + exp(-|z|)): the first two terms cancel
        # exactly where a prediction is confidently right, so the small loss
        # of a well-fitted model keeps its digits (softplus(z) - y z loses
        # them to cancellation, in float32 enough to stall L-BFGS)
        G = np.empty_like(raw) if grad is None else grad
        np.multiply(Y, raw, out=G)
        np.subtract(np.maximum(raw, 0.0), G, out=G)
        tail = np.abs(raw)
        np.negative(tail, out=tail)
        np.exp(tail, out=tail)
        G += np.log1p(tail, out=tail)
        value = weighted_sum(row_sum(G)[..., 0], weight)
        if grad is not None:
            expit(raw, out=G)
            G -= Y
            G *= weight
        return value


class Hinge:
    """Margin loss for binary targets: ``max(0, 1 - s z)`` with ``s = 2y - 1``.

    The output is a score, not a probability; its (sub)gradient is ``-s``
    inside the margin and 0 outside (0 also exactly on the margin).
    """

    name = "hinge"
    out_activation = "identity"

    def link(self, raw):
        return raw

    def value_and_grad(self, raw, Y, weight, grad=None):
        sign = 2 * Y - 1
        margin = 1 - sign * raw
        value = weighted_sum(np.maximum(margin, 0).sum(axis=-1), weight)
        if grad is not None:
            np.multiply(-sign, margin > 0, out=grad)
            grad *= weight
        return value


class _ResidualLoss:
    """Identity link; a function of the residual ``r = z - y`` per output.

    Subclasses give the per-sample loss (summed over outputs) and turn the
    residual into the loss's derivative in place.
    """

    out_activation = "identity"

    def link(self, raw):
        return raw

    def value_and_grad(self, raw, Y, weight, grad=None):
        R = np.empty_like(raw) if grad is None else grad
        np.subtract(raw, Y, out=R)
        value = weighted_sum(self._per_sample(R), weight)
        if grad is not None:
            self._derivative(R)
            R *= weight
        return value


class SquaredError(_ResidualLoss):
    """Half squared error, ``r^2 / 2``; the derivative is ``r``."""

    name = "squared_error"

    def _per_sample(self, R):
        return 0.5 * rowwise_dot(R, R)

    def _derivative(self, R):
        pass


class AbsoluteError(_ResidualLoss):
    """Absolute error ``|r|``; subgradient ``sign(r)``."""

    name = "absolute_error"

    def _per_sample(self, R):
        return np.abs(R).sum(axis=-1)

    def _derivative(self, R):
        np.sign(R, out=R)


class Huber(_ResidualLoss):
    """Huber loss: ``r^2 / 2`` for ``|r| <= delta``, ``delta (|r| - delta / 2)``
    beyond; the derivative is ``r`` clipped to ``[-delta, delta]``."""

    name = "huber"

    def __init__(self, delta=1.0):
        self.delta = float(delta)

    def _per_sample(self, R):
        abs_r = np.abs(R)
        quadratic = np.minimum(abs_r, self.delta)
        # = r^2 / 2 inside, delta |r| - delta^2 / 2 outside
        return (quadratic * (abs_r - 0.5 * quadratic)).sum(axis=-1)

    def _derivative(self, R):
        np.clip(R, -self.delta, self.delta, out=R)


class LogCosh(_ResidualLoss):
    """``log(cosh(r))``, computed as ``logaddexp(r, -r) - log 2``; the
    derivative is ``tanh(r)``."""

    name = "log_cosh"

    def _per_sample(self, R):
        return (np.logaddexp(R, -R) - np.log(2.0)).sum(axis=-1)

    def _derivative(self, R):
        np.tanh(R, out=R)


class Poisson:
    """Log link (``mu = exp(z)``) with half the Poisson deviance.

    ``l(z, y) = exp(z) - y z + y log y - y``; the last two terms do not depend
    on ``z`` and make a perfect prediction cost zero, as in scikit-learn.
    """

    name = "poisson"
    out_activation = "exp"

    def link(self, raw):
        # a logit beyond log(max float) means a mean too large to represent:
        # report the largest finite one rather than inf with an overflow warning
        np.minimum(raw, np.log(np.finfo(raw.dtype).max), out=raw)
        return np.exp(raw, out=raw)

    def value_and_grad(self, raw, Y, weight, grad=None):
        G = np.empty_like(raw) if grad is None else grad
        np.exp(raw, out=G)
        constant = xlogy(Y, Y) - Y
        per_sample = G.sum(axis=-1) - rowwise_dot(Y, raw) + constant.sum(axis=-1)
        value = weighted_sum(per_sample, weight)
        if grad is not None:
            G -= Y
            G *= weight
        return value


LOSSES = {
    cls.name: cls
    for cls in [
        SoftmaxCrossEntropy,
        SigmoidCrossEntropy,
        Hinge,
        SquaredError,
        AbsoluteError,
        Huber,
        LogCosh,
        Poisson,
    ]
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
