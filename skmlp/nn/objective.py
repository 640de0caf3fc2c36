"""The training objective: weighted data loss plus elastic-net penalty."""

from .fast import scratch_for
from .penalties import ProximalL1, add_l2_grad, l1_value, l2_value


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
    """``sum_i w_i l_i / T + alpha / T * P(W)`` on a batch, with the elastic net
    ``P(W) = l1_ratio ||W||_1 + (1 - l1_ratio) / 2 ||W||_2^2`` on the weights.

    ``T`` is the batch's weight: its number of rows ``m`` without sample
    weights (scikit-learn's MLP), and with sample weights ``m`` times the
    mean weight of the training rows (:meth:`set_training_weights`), so that
    every minibatch's loss estimates the weighted mean loss of the whole
    training set and a weight acts as repeating its row, in expectation, at
    every batch size (normalising by the batch's own weight sum, as
    scikit-learn does, shrinks the effect of weights with the batch size: at
    ``batch_size=1`` it vanishes). A full batch, and a batch for which no
    training weights were set, is divided by its own weight sum, which is the
    same number. The penalty is scaled alike: as in scikit-learn's MLP, a
    step on ``m`` rows adds ``alpha / (2 m) ||W||^2``, so relative to the data
    loss (a mean) the penalty of a minibatch step is ``n / m`` times that of a
    full-batch step on ``n`` rows. ``l1_ratio = 0`` is scikit-learn's L2 penalty.

    Calling the objective runs a forward and a backward pass and leaves the
    gradient of the smooth part in ``network.grad``; the L1 part is the
    proximal step :attr:`prox` (``None`` without L1), which the optimizer
    applies after its update with the step size it took.
    """

    def __init__(self, network, loss, alpha=0.0, l1_ratio=0.0):
        self.network = network
        self.loss = loss
        self.alpha = float(alpha)
        self.l1_ratio = float(l1_ratio)
        self.n_train = self.mean_weight = None
        #: The penalty term of the last call (0 without ``alpha``).
        self.last_penalty = 0.0
        self._bind()

    def set_training_weights(self, sample_weight, n_rows):
        """The training set's size and mean sample weight, which minibatches
        of it are normalised by (see the class docstring)."""
        self.n_train = int(n_rows)
        self.mean_weight = None if sample_weight is None else float(sample_weight.mean())

    def _bind(self):
        self._scratch = scratch_for(self.network.n_coefs, self.network.dtype)
        l1 = self.alpha and self.l1_ratio
        self.prox = ProximalL1(self._weights, self._scratch) if l1 else None

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("_scratch")
        state.pop("prox")
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._bind()

    @property
    def _weights(self):
        return self.network.theta[: self.network.n_coefs]

    def __call__(self, X, Y, sample_weight=None, rng=None):
        net, m = self.network, X.shape[0]
        norm_weight, total = normalised_weights(sample_weight, m)
        if total == 0:
            net.grad.fill(0)
            if self.prox is not None:
                self.prox.strength = 0.0
            return 0.0
        weight = norm_weight
        if sample_weight is not None and self.mean_weight and m != self.n_train:
            total = m * self.mean_weight
            weight = (sample_weight / total).reshape(-1, 1)
        # batch norm's statistics are the batch's own: weights summing to one
        raw = net.forward(X, rng, norm_weight)
        value = self.loss.value_and_grad(raw, Y, weight, net.output_grad(m))
        net.backward()
        if self.alpha:
            l2 = self.alpha * (1 - self.l1_ratio) / total
            add_l2_grad(net.grad[: net.n_coefs], self._weights, l2, self._scratch)
            self.last_penalty = self._penalty(total)
            value += self.last_penalty
            if self.prox is not None:
                self.prox.strength = self.alpha * self.l1_ratio / total
        return value

    def _penalty(self, total):
        strength = self.alpha / total
        value = l2_value(self._weights, strength * (1 - self.l1_ratio))
        if self.l1_ratio:
            value += l1_value(self._weights, strength * self.l1_ratio, self._scratch)
        return value

    def value(self, X, Y, sample_weight=None, penalty=True):
        """The objective without its gradient (``penalty=False``: the data
        loss alone); touches no training buffer."""
        weight, total = normalised_weights(sample_weight, X.shape[0])
        if total == 0:
            return 0.0
        value = self.loss.value_and_grad(self.network.predict_raw(X), Y, weight)
        return value + (self._penalty(total) if self.alpha and penalty else 0.0)
