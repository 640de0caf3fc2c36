"""The training objective: weighted data loss plus elastic-net penalty, for
each member of a stack of networks."""

import math

import numpy as np

from .fast import is_shared, member_zeros, per_member
from .layers import MemberRandom
from .penalties import ProximalL1, add_l2_grad, l1_values, l2_values, scratch_for


def member_numbers(value, k, dtype=float):
    """A number of the members of a stack: one Python number when they all
    share it, else a read-only ``(k,)`` array (each member's own)."""
    values = np.broadcast_to(np.asarray(value, dtype=dtype), (k,))
    if np.all(values == values[0]):
        return values[0].item()
    values = values.copy()
    values.flags.writeable = False
    return values


def _positive(totals):
    """``totals`` (a float, or one per member), with inf where it is not > 0:
    the penalty of a member whose rows weigh nothing is 0."""
    if type(totals) is float:
        return totals if totals > 0 else math.inf
    return np.where(totals > 0, totals, np.inf)


def batch_weights(sample_weight, m):
    """Per-sample weights summing to one over each member's rows, and each
    member's total weight.

    ``sample_weight`` ``None``: the scalar ``1 / m`` and ``m``; ``(m,)``: an
    ``(m, 1)`` column and its sum; ``(k, m)`` (each member's own weights):
    ``(k, m, 1)`` and ``(k,)`` sums. Rows of a member whose rows weigh 0
    get weights 0.
    """
    if sample_weight is None:
        return 1.0 / m, float(m)
    totals = sample_weight.sum(axis=-1)
    if is_shared(totals):  # rows of one member, or shared by all
        total = float(totals)
        return (sample_weight / total if total > 0 else 0 * sample_weight)[:, None], total
    safe = np.where(totals > 0, totals, 1.0)
    weight = np.where(totals[:, None] > 0, sample_weight / safe[:, None], 0.0)
    return weight[:, :, None], totals.astype(float)


def head_rows(heads, Y, weight):
    """A shared-weight ensemble's targets and loss weights: ``Y`` and
    ``weight`` once per head, head-major like its logits, each head's rows
    weighing ``1 / heads`` (the loss is the mean of the heads' losses)."""
    if heads == 1:
        return Y, weight
    Y = np.concatenate([Y] * heads, axis=-2)
    if is_shared(weight):
        return Y, weight / heads
    return Y, np.concatenate([weight] * heads, axis=-2) / heads


class Objective:
    """``sum_i w_i l_i / T + alpha / T * P(W)`` on a batch, for each member of
    the stack ``network``, with the elastic net ``P(W) = l1_ratio ||W||_1 +
    (1 - l1_ratio) / 2 ||W||_2^2`` on the member's weights.

    ``alpha`` and ``l1_ratio`` are one number or one per member. ``T`` is the
    batch's weight: its number of rows ``m`` without sample weights
    (scikit-learn's MLP), and with sample weights ``m`` times the mean weight
    of the member's training rows (:meth:`set_training_weights`), so that
    every minibatch's loss estimates the weighted mean loss of the whole
    training set and a weight acts as repeating its row, in expectation, at
    every batch size (normalising by the batch's own weight sum, as
    scikit-learn does, shrinks the effect of weights with the batch size: at
    ``batch_size=1`` it vanishes). A full batch, and a batch for which no
    training weights were set, is divided by its own weight sum, which is the
    same number. The penalty is scaled alike: as in scikit-learn's MLP, a step
    on ``m`` rows adds ``alpha / (2 m) ||W||^2``, so relative to the data loss
    (a mean) the penalty of a minibatch step is ``n / m`` times that of a
    full-batch step on ``n`` rows. ``l1_ratio = 0`` is scikit-learn's L2
    penalty.

    ``X`` is ``(k, m, d)``, or ``(m, d)`` rows shared by the members (a stack
    of one has its own); ``Y`` likewise; ``sample_weight`` ``(k, m)``, ``(m,)``
    (shared) or ``None`` (a weight of 0 takes a row out of a member, so that
    members can share one block of rows). Calling the objective runs a forward and a
    backward pass, leaves the gradient of the smooth part in
    ``network.grad`` and returns each member's value (a float for a stack of
    one, else ``(k,)``). The L1 part is the proximal step :attr:`prox`
    (``None`` without L1), which the optimizer applies after its update with
    the step size it took.
    """

    def __init__(self, network, loss, alpha=0.0, l1_ratio=0.0):
        self.network, self.loss = network, loss
        k = network.n_members
        self.alpha = member_numbers(alpha, k)
        self.l1_ratio = member_numbers(l1_ratio, k)
        self.n_train = self.mean_weight = None
        self._bind()
        #: The penalty term of each member in the last call.
        self.last_penalty = self._no_penalty

    def _bind(self):
        """The penalty's scratch and the proximal step."""
        k, n = self.network.n_members, self.network.n_coefs
        self._penalised = bool(np.any(self.alpha))
        self._no_penalty = member_zeros(k)
        self._scratch = scratch_for(k, n, self.network.dtype)
        has_l1 = bool(np.any(np.multiply(self.alpha, self.l1_ratio)))
        # each member's weights and their gradient, (k, n_coefs) views
        self._W = self._weights(self.network.theta)
        self._G = self._weights(self.network.grad)
        self.prox = ProximalL1(self._W, self._scratch) if has_l1 else None

    def __getstate__(self):
        state = self.__dict__.copy()
        for key in ("_scratch", "prox", "_W", "_G"):
            state.pop(key, None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._bind()

    def _weights(self, vector):
        """Each member's weights in ``vector`` (``theta`` or ``grad``), ``(k, n_coefs)``."""
        net = self.network
        return net.members_view(vector)[:, : net.n_coefs]

    def subset(self, network, members):
        """The objective of the members at positions ``members``, on
        ``network`` (their own stack, see ``Network.subset``)."""
        k = self.network.n_members

        def pick(value, dtype=float):
            if value is None:
                return None
            return member_numbers(
                np.broadcast_to(value, (k,))[members], len(members), dtype
            )

        subset = Objective(
            network, self.loss.subset(members), pick(self.alpha), pick(self.l1_ratio)
        )
        subset.n_train = pick(self.n_train, np.int64)
        subset.mean_weight = pick(self.mean_weight)
        return subset

    def set_training_weights(self, sample_weights, n_rows):
        """Each member's training-set size and mean sample weight, which its
        minibatches are normalised by: ``sample_weights`` holds each member's
        training weights -- a list of one array (or ``None``: weights of 1)
        per member, a ``(k, n)`` array, an ``(n,)`` array (every member's),
        or ``None`` -- and ``n_rows`` each member's number of training rows
        (one number, or one per member)."""
        k = self.network.n_members
        self.n_train = member_numbers(n_rows, k, np.int64)
        if isinstance(sample_weights, np.ndarray):
            sample_weights = np.broadcast_to(sample_weights, (k, sample_weights.shape[-1]))
        if sample_weights is None or all(w is None for w in sample_weights):
            self.mean_weight = None
            return
        means = [1.0 if w is None else float(np.mean(w)) for w in sample_weights]
        self.mean_weight = member_numbers(means, k)

    def _batch_weights(self, sample_weight, m, rows):
        """(loss weights, batch-norm weights, totals) of a batch of ``m`` rows,
        ``rows`` of which are each member's own (``None``: all ``m``; the rest
        are padding of weight 0). A member's minibatch is divided by its rows
        times its mean training weight, its full batch by its weight sum."""
        norm_weight, totals = batch_weights(sample_weight, m)
        if sample_weight is None or self.mean_weight is None:
            return norm_weight, norm_weight, totals
        rows = m if rows is None else rows
        full = np.equal(rows, self.n_train)
        if full.all():
            return norm_weight, norm_weight, totals
        totals = np.where(full, totals, np.multiply(rows, self.mean_weight))
        safe = np.where(totals > 0, totals, 1.0)
        weight = sample_weight / (safe if is_shared(safe) else safe[:, None])
        return (
            weight[..., None],
            norm_weight,
            float(totals) if is_shared(totals) else totals,
        )

    def __call__(self, X, Y, sample_weight=None, rng=None, rows=None):
        """Each member's value on one (possibly padded) batch; ``rng``: each
        member's dropout generator; ``rows``: each member's number of real
        rows (see :class:`~skmlp.training.batches.Minibatches`)."""
        net, m, k = self.network, X.shape[-2], self.network.n_members
        Y, sample_weight = per_member(Y, k, 2), per_member(sample_weight, k, 1)
        weight, norm_weight, totals = self._batch_weights(sample_weight, m, rows)
        if sample_weight is not None and not np.any(totals):
            net.grad.fill(0)
            self.last_penalty = self._no_penalty
            if self.prox is not None:
                self.prox.strength = 0.0
            return self._no_penalty
        if rng is not None:  # each member's generator (a stack of one: its own)
            rng = MemberRandom(rng if isinstance(rng, list) else [rng], rows)
        # batch norm's statistics are the batch's own: weights summing to one
        raw = net.forward(X, rng, norm_weight)
        Y, weight = head_rows(net.heads, Y, weight)
        values = self.loss.value_and_grad(raw, Y, weight, net.output_grad())
        net.backward()
        self.last_penalty = self._no_penalty
        if self._penalised:
            self.last_penalty = self._add_penalty(totals)
            values = values + self.last_penalty
        return values

    def _add_penalty(self, totals):
        """Each member's L2 term into the gradient and its L1 strength into
        :attr:`prox`; returns each member's penalty value."""
        safe = _positive(totals)
        l2 = self.alpha * (1 - self.l1_ratio) / safe
        add_l2_grad(self._G, self._W, l2, self._scratch)
        if self.prox is not None:
            self.prox.strength = self.alpha * self.l1_ratio / safe
        return self._penalty(self._W, safe)

    def _penalty(self, W, totals):
        """Each member's ``alpha_j / T_j * P_j(W_j)`` (``totals`` > 0, or inf
        for a member whose rows weigh nothing)."""
        strength = self.alpha / totals
        value = l2_values(W, strength * (1 - self.l1_ratio))
        if self.prox is not None:
            value = value + l1_values(W, strength * self.l1_ratio, self._scratch)
        return value

    def value(self, X, Y, sample_weight=None, penalty=True, raw=None):
        """Each member's objective (``penalty=False``: the data loss) without
        the gradient; touches no training buffer. ``raw``: the logits of
        ``X``, when already computed."""
        net, m = self.network, X.shape[-2]
        raw = net.predict_raw(X) if raw is None else raw
        k = net.n_members
        Y, sample_weight = per_member(Y, k, 2), per_member(sample_weight, k, 1)
        weight, totals = batch_weights(sample_weight, m)
        values = self.loss.value_and_grad(raw, *head_rows(net.heads, Y, weight))
        if penalty and self._penalised:
            values = values + self._penalty(self._W, _positive(totals))
        return values
