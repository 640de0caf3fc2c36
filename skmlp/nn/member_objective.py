"""The training objective of networks stacked along a model axis.

``k`` members of one :class:`~skmlp.nn.network.Network` (``n_members=k``)
each have their own rows (or share them), their own sample weights and
their own penalty strength, and each member's objective is exactly the
:class:`~skmlp.nn.objective.Objective` of a network of its own on its data:
the gradient of member ``j``'s parameters is the gradient of member ``j``'s
objective, because the members share no parameter. One call returns every
member's value and fills the one flat gradient.
"""

import numpy as np

from .layers import MemberRandom
from .penalties import MemberProximalL1


def member_weights(sample_weight, k, m):
    """Per-member weights normalised to sum to one over each member's rows, as
    a scalar ``1 / m`` (no sample weights) or ``(k, m, 1)``, and each member's
    total weight, ``(k,)``. A member whose rows weigh 0 gets weights 0."""
    if sample_weight is None:
        return 1.0 / m, np.full(k, float(m))
    sample_weight = np.broadcast_to(sample_weight, (k, m))
    totals = sample_weight.sum(axis=1)
    safe = np.where(totals > 0, totals, 1.0)
    weight = np.where(totals[:, None] > 0, sample_weight / safe[:, None], 0.0)
    return weight[:, :, None], totals.astype(float)


class MemberObjective:
    """``sum_j [loss_j + alpha_j / T_j * P_j(W_j)]`` over the members, with each
    member's elastic net ``P_j(W) = l1_ratio_j ||W||_1 + (1 - l1_ratio_j) / 2
    ||W||_2^2`` on its weights.

    ``alpha`` and ``l1_ratio`` are one number or one per member. ``T_j`` is
    member ``j``'s batch weight, normalised as
    :class:`~skmlp.nn.objective.Objective` normalises a single network's
    (rows times the member's mean training weight with sample weights, see
    :meth:`set_training_weights`). ``X`` is ``(k, m, d)`` or ``(m, d)``
    shared by the members; ``Y`` is ``(k, m, o)`` or ``(m, o)``;
    ``sample_weight`` is ``(k, m)``, ``(m,)`` or ``None`` (a weight of 0
    takes a row out of a member, so members can share one block of rows).
    A call returns each member's value, a ``(k,)`` array (their sum is the
    objective whose gradient fills ``network.grad``).

    As in :class:`~skmlp.nn.objective.Objective`, the L2 part enters the
    gradient and the L1 part is the proximal step :attr:`prox`
    (a :class:`~skmlp.nn.penalties.MemberProximalL1`, ``None`` when no member
    has an L1 part), which the optimizer applies after its update with the
    step size it took; each call sets member ``j``'s strength to
    ``alpha_j * l1_ratio_j / T_j``. Values include the L1 term.
    """

    def __init__(self, network, loss, alpha=0.0, l1_ratio=0.0):
        if network.n_members is None:
            raise ValueError("MemberObjective needs a network with a model axis.")
        self.network, self.loss = network, loss
        k = network.n_members
        self.alpha = np.broadcast_to(np.asarray(alpha, dtype=float), (k,))
        self.l1_ratio = np.broadcast_to(np.asarray(l1_ratio, dtype=float), (k,))
        self.n_train = self.mean_weight = None
        self.member_values = None
        self._bind()
        #: The penalty term of each member in the last call, ``(k,)``.
        self.last_penalty = self._no_penalty

    def _bind(self):
        """The penalty's ``(k, n_coefs)`` scratch (allocated once, so that a
        step makes no temporary of the weights' size) and the proximal step."""
        self._penalised = bool(np.any(self.alpha))
        self._no_penalty = np.zeros(self.network.n_members)
        W = self._member_weights(self.network.theta)
        self._scratch = np.empty(W.shape, W.dtype) if self._penalised else None
        self._has_l1 = bool(np.any(self.alpha * self.l1_ratio))
        self.prox = MemberProximalL1(W, self._scratch) if self._has_l1 else None

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("_scratch")
        state.pop("prox")
        return state

    def __setstate__(self, state):
        state.setdefault("l1_ratio", np.zeros_like(state["alpha"]))  # saved before L1
        self.__dict__.update(state)
        self._bind()

    def subset(self, network, members):
        """The objective of the members at positions ``members``, on
        ``network`` (their own model axis, see ``Network.subset``)."""
        alpha, l1_ratio = self.alpha[members], self.l1_ratio[members]
        subset = MemberObjective(network, self.loss.subset(members), alpha, l1_ratio)
        if self.n_train is not None:
            subset.n_train = self.n_train[members]
        if self.mean_weight is not None:
            subset.mean_weight = self.mean_weight[members]
        return subset

    def set_training_weights(self, sample_weight, n_rows):
        """Each member's training-set size and mean sample weight, which its
        minibatches are normalised by: ``sample_weight`` is ``(k, n)``,
        ``(n,)`` or a list of one array (or ``None``, weights of 1) per
        member, ``n_rows`` one number or one per member."""
        k = self.network.n_members
        self.n_train = np.broadcast_to(np.asarray(n_rows, dtype=np.int64), (k,))
        if sample_weight is None or all(w is None for w in sample_weight):
            self.mean_weight = None
            return
        if isinstance(sample_weight, np.ndarray):
            sample_weight = np.broadcast_to(sample_weight, (k, sample_weight.shape[-1]))
        self.mean_weight = np.array(
            [1.0 if w is None else float(np.mean(w)) for w in sample_weight]
        )

    def _weights(self, sample_weight, m, rows=None):
        """(loss weights, batch-norm weights, totals) of a batch of ``m`` rows,
        ``rows`` of which are each member's own (``None``: all ``m``; the
        rest are padding of weight 0). A member's minibatch is divided by its
        rows times its mean training weight, its full batch by its weight sum."""
        k = self.network.n_members
        norm_weight, totals = member_weights(sample_weight, k, m)
        if sample_weight is None or self.mean_weight is None or self.n_train is None:
            return norm_weight, norm_weight, totals
        rows = np.full(k, m) if rows is None else rows
        full = rows == self.n_train
        if full.all():
            return norm_weight, norm_weight, totals
        totals = np.where(full, totals, rows * self.mean_weight)
        safe = np.where(totals > 0, totals, 1.0)
        weight = np.broadcast_to(sample_weight, (k, m)) / safe[:, None]
        return weight[:, :, None], norm_weight, totals

    def __call__(self, X, Y, sample_weight=None, rng=None, rows=None):
        """Each member's value on one (possibly padded) batch; ``rows``: each
        member's number of real rows (see :class:`MemberMinibatches`)."""
        net, m = self.network, X.shape[-2]
        weight, norm_weight, totals = self._weights(sample_weight, m, rows)
        if isinstance(rng, list):  # each member's dropout generator
            rng = MemberRandom(rng, rows)
        raw = net.forward(X, rng, norm_weight)
        grad = net.output_grad(m)
        if Y.shape != raw.shape:  # rows shared by the members
            Y = np.broadcast_to(Y, raw.shape)
        values = self.loss.value_and_grad(raw, Y, weight, grad)  # one per member
        net.backward()
        self.last_penalty = self._no_penalty
        if self._penalised:
            self.last_penalty = self._add_penalty(totals)
            values += self.last_penalty
        self.member_values = values
        return values

    def _member_weights(self, vector):
        """Each member's weights in ``vector`` (``theta`` or ``grad``), ``(k, n_coefs)``."""
        net = self.network
        return net.members_view(vector)[:, : net.n_coefs]

    def _add_penalty(self, totals):
        """Each member's L2 term into the gradient and its L1 strength into
        :attr:`prox`; returns each member's penalty value."""
        safe = np.where(totals > 0, totals, np.inf)
        W = self._member_weights(self.network.theta)
        l2 = self.alpha * (1 - self.l1_ratio) / safe
        scaled = np.multiply(W, l2[:, None].astype(W.dtype), out=self._scratch)
        self._member_weights(self.network.grad)[...] += scaled
        if self.prox is not None:
            self.prox.strength = self.alpha * self.l1_ratio / safe
        return self._penalty(W, safe)

    def _penalty(self, W, totals):
        """Each member's ``alpha_j / T_j * P_j(W_j)`` (``totals`` > 0, or inf
        for a member whose rows weigh nothing), computed as
        :class:`~skmlp.nn.objective.Objective` computes it."""
        strength = self.alpha / totals
        values = 0.5 * (strength * (1 - self.l1_ratio)) * np.einsum("ki,ki->k", W, W)
        if self._has_l1:
            l1_norms = np.abs(W, out=self._scratch).sum(axis=1)
            values += (strength * self.l1_ratio) * l1_norms
        return values

    def value(self, X, Y, sample_weight=None, penalty=True):
        """Each member's objective (``penalty=False``: data loss) without the
        gradient, as a ``(k,)`` array; touches no training buffer."""
        net, m, k = self.network, X.shape[-2], self.network.n_members
        weight, totals = member_weights(sample_weight, k, m)
        raw = net.predict_raw(X)
        values = self.loss.value_and_grad(raw, np.broadcast_to(Y, raw.shape), weight)
        if penalty and self._penalised:
            safe = np.where(totals > 0, totals, np.inf)
            values += self._penalty(self._member_weights(net.theta), safe)
        return values
