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

Members of a model axis may differ in a loss's numeric parameters
(:func:`stack_losses`): a parameter then holds one value per member, an
array of shape ``(k, 1, 1)`` or ``(k, 1, n_outputs)``, and every branch on a
parameter is taken by all members of one stacked loss alike.
"""

import copy

import numpy as np
from scipy.special import expit, xlogy

from .fast import (
    is_shared,
    row_max,
    row_sum,
    rowwise_dot,
    single,
    weighted_dot,
    weighted_sum,
)


def _is_zero(param):
    """Whether a parameter is 0: a number, or one value per member, which
    :func:`stack_losses` gives only to members that agree on it being 0."""
    return not param.any() if isinstance(param, np.ndarray) else param == 0


class _Loss:
    """What every loss shares: how it splits along a model axis, and whether
    Newton's method can use its second derivatives."""

    def curvature_kind(self):
        """How :meth:`curvature` gives the second derivatives of the loss in
        the logits of a stack of one: ``"diagonal"`` (each output on its own,
        an array shaped like ``raw``), ``"softmax"`` (the probabilities ``P``
        of each row, whose Hessian is ``diag(p) - p p^T``), or ``None``: not
        given (Newton's method does not apply)."""
        return None

    def _path(self):
        """Which branch of the code the parameters take (members of one
        stacked loss must agree on it)."""
        return None

    def subset(self, members):
        """The loss of the members at positions ``members`` of a model axis:
        the loss itself, whose parameters every member shares."""
        return self


class SoftmaxCrossEntropy(_Loss):
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

    def _path(self):
        return _is_zero(self.gamma)

    def curvature_kind(self):
        return "softmax" if _is_zero(self.gamma) else None

    def curvature(self, raw, Y):
        """The probabilities: each row's Hessian is ``diag(p) - p p^T`` (the
        rows of ``Y`` sum to one)."""
        return self.link(raw.copy())

    def value_and_grad(self, raw, Y, weight, grad=None):
        if not _is_zero(self.gamma):
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


class SigmoidCrossEntropy(_Loss):
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

    def _path(self):
        return _is_zero(self.gamma), bool(self._unit_weights())

    def _unit_weights(self):
        return np.all(np.equal(self.pos_weight, 1)) and np.all(np.equal(self.neg_weight, 1))

    def curvature_kind(self):
        return "diagonal" if _is_zero(self.gamma) else None

    def curvature(self, raw, Y):
        """``(w+ y + w- (1 - y)) sigmoid(z) sigmoid(-z)`` per output."""
        return (self.pos_weight * Y + self.neg_weight * (1 - Y)) * (
            expit(raw) * expit(-raw)
        )

    def link(self, raw):
        return expit(raw, out=raw)

    def log_link(self, raw):
        """``log(sigmoid(raw)) = -log(1 + exp(-raw))``, free of underflow."""
        return -np.logaddexp(0, -raw)

    def value_and_grad(self, raw, Y, weight, grad=None):
        if _is_zero(self.gamma) and self._unit_weights():
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
        if _is_zero(self.gamma):
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


class Hinge(_Loss):
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


class _ResidualLoss(_Loss):
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

    def curvature_kind(self):
        return "diagonal"

    def curvature(self, raw, Y):
        """1 per output."""
        return np.ones_like(raw)


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

    def curvature_kind(self):
        return "diagonal"

    def curvature(self, raw, Y):
        """1 inside ``[-delta, delta]``, 0 beyond (the one-sided second
        derivatives agree but at ``|r| = delta``; Newton's steps converge on
        such piecewise quadratics once the rows inside stop changing)."""
        return (np.abs(raw - Y) <= self.delta).astype(raw.dtype)


class LogCosh(_ResidualLoss):
    """``log(cosh(r))``, computed as ``logaddexp(r, -r) - log 2``; the
    derivative is ``tanh(r)``."""

    name = "log_cosh"

    def _per_sample(self, R):
        return (np.logaddexp(R, -R) - np.log(2.0)).sum(axis=-1)

    def _derivative(self, R):
        np.tanh(R, out=R)

    def curvature_kind(self):
        return "diagonal"

    def curvature(self, raw, Y):
        """``1 - tanh(r)^2`` per output."""
        return 1 - np.tanh(raw - Y) ** 2


class Poisson(_Loss):
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

    def curvature_kind(self):
        return "diagonal"

    def curvature(self, raw, Y):
        """``exp(z)`` per output."""
        return np.exp(raw)

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


class StackedLoss:
    """The losses of the ``k`` members of a model axis, one per member, of one
    class but with their own numeric parameters; made by :func:`stack_losses`.

    Members whose parameters take the same branch of the loss's code (the
    plain or the focal cross-entropy, say) form a group and are computed in
    one vectorised call, their differing parameters as arrays of shape
    ``(g, 1, 1)`` or ``(g, 1, n_outputs)`` in the dtype of the data (as
    NumPy treats a Python number).

    Parameters
    ----------
    losses : sequence of loss objects
        Member ``j``'s loss, ``k`` of them, all of one class.

    Attributes
    ----------
    losses : tuple
        The members' losses.
    groups : list of (slice or ndarray, loss)
        The positions of a group's members on the axis (a slice when they
        are contiguous) and the loss that computes them all (on float64
        data; :meth:`groups_for` gives those of another dtype).

    Examples
    --------
    >>> loss = stack_losses([Huber(0.5), Huber(1.0), Huber(2.0)])
    >>> loss.n_members, loss.groups[0][1].delta.ravel()
    (3, array([0.5, 1. , 2. ]))
    >>> loss.subset([1]).delta
    1.0
    """

    def __init__(self, losses):
        self.losses = tuple(losses)
        _check_stackable(self.losses)
        self._groups = {}

    @property
    def groups(self):
        return self.groups_for(np.dtype(np.float64))

    def groups_for(self, dtype):
        """The groups (see ``groups``) computing data of ``dtype``, made once."""
        groups = self._groups.get(dtype)
        if groups is None:
            groups = self._groups[dtype] = _path_groups(self.losses, np.dtype(dtype))
        return groups

    @property
    def name(self):
        return self.losses[0].name

    @property
    def out_activation(self):
        return self.losses[0].out_activation

    @property
    def n_members(self):
        return len(self.losses)

    def link(self, raw):
        """The members' output link (which no loss parameter changes)."""
        return self.losses[0].link(raw)

    def log_link(self, raw):
        """The log of the members' link (the cross-entropies only)."""
        return self.losses[0].log_link(raw)

    def subset(self, members):
        """The loss of the members at positions ``members`` (indices or a
        mask): a loss of their own when they all agree."""
        positions = np.arange(self.n_members)[members]
        return stack_losses([self.losses[j] for j in positions])

    def value_and_grad(self, raw, Y, weight, grad=None):
        """Each member's value, ``(k,)``, and its gradient into ``grad``."""
        if raw.ndim != 3 or raw.shape[0] != self.n_members:
            raise ValueError(
                f"This loss has {self.n_members} members; got logits of shape "
                f"{raw.shape} (a subset of the axis needs loss.subset(members))."
            )
        groups = self.groups_for(raw.dtype)
        if single(groups) is not None:
            return groups[0][1].value_and_grad(raw, Y, weight, grad)
        parts = [
            (members, _group_value(loss, members, raw, Y, weight, grad))
            for members, loss in groups
        ]
        values = np.empty(self.n_members, np.result_type(*[v for _, v in parts]))
        for members, part in parts:
            values[members] = part
        return values


def _group_value(loss, members, raw, Y, weight, grad):
    """The values of the members at ``members`` (a slice or indices), their
    gradient written into their rows of ``grad``."""
    if not is_shared(weight):
        weight = weight[members]
    part = None if grad is None else grad[members]  # a view for a slice
    value = loss.value_and_grad(raw[members], Y[members], weight, part)
    if part is not None and not isinstance(members, slice):
        grad[members] = part
    return value


def _path_groups(losses, dtype):
    """``(members, loss)`` per branch of the code the members' parameters
    take, ``loss`` computing every member of the group at once on data of
    ``dtype``."""
    paths = {}
    for j, loss in enumerate(losses):
        paths.setdefault(loss._path(), []).append(j)
    return [
        (_positions(js), _stack_group([losses[j] for j in js], dtype))
        for js in paths.values()
    ]


def _positions(indices):
    """A slice for contiguous positions (views instead of copies), else indices."""
    if indices[-1] - indices[0] + 1 == len(indices):
        return slice(indices[0], indices[-1] + 1)
    return np.array(indices)


def _same_parameters(a, b):
    """Whether two losses are of one class with equal parameters."""
    if type(a) is not type(b) or vars(a).keys() != vars(b).keys():
        return False
    return all(np.array_equal(vars(a)[key], vars(b)[key]) for key in vars(a))


def _stack_group(losses, dtype):
    """One loss computing all of ``losses`` (members agreeing on every branch):
    a parameter they share keeps its value, any other one becomes an array
    of ``dtype`` with one row per member."""
    first = losses[0]
    if all(_same_parameters(first, loss) for loss in losses[1:]):
        return first
    stacked = copy.copy(first)
    for key, values in _differing_parameters(losses):
        setattr(stacked, key, _stack_parameter(key, values, dtype))
    return stacked


def _differing_parameters(losses):
    """``(name, member values)`` of each parameter the losses do not share."""
    for key, value in vars(losses[0]).items():
        values = [vars(loss)[key] for loss in losses]
        if not all(np.array_equal(value, other) for other in values[1:]):
            yield key, values


def _stack_parameter(key, values, dtype=np.float64):
    """Member values of parameter ``key`` (numbers or ``(n_outputs,)`` arrays)
    as one array of ``dtype``, ``(k, 1, 1)`` or ``(k, 1, n_outputs)``."""
    arrays = [np.asarray(value) for value in values]
    if any(a.dtype.kind not in "biuf" for a in arrays):
        raise ValueError(f"The members' losses differ in {key!r}, which is not numeric.")
    shapes = {a.shape for a in arrays if a.ndim}
    if len(shapes) > 1 or any(a.ndim > 1 for a in arrays):
        raise ValueError(
            f"The members' losses have {key!r} of shapes {sorted(shapes)}: each must "
            "be a number or one value per output, the same number of outputs."
        )
    width = shapes.pop()[0] if shapes else 1
    rows = [np.broadcast_to(a.astype(dtype), (width,)) for a in arrays]
    return np.stack(rows)[:, None, :]


def _check_stackable(losses):
    """Raise ``ValueError`` naming what keeps ``losses`` off one model axis."""
    if not losses:
        raise ValueError("stack_losses needs at least one loss.")
    first = losses[0]
    for j, loss in enumerate(losses[1:], start=1):
        if type(loss) is not type(first):
            raise ValueError(
                f"Members of a model axis need losses of one class; member 0 has "
                f"{type(first).__name__}, member {j} {type(loss).__name__}."
            )
        if vars(loss).keys() != vars(first).keys():
            raise ValueError(
                f"The losses of members 0 and {j} have different parameters: "
                f"{sorted(vars(first))} and {sorted(vars(loss))}."
            )
    for key, values in _differing_parameters(losses):
        _stack_parameter(key, values)


def loss_key(loss):
    """What members must share to be stacked (:func:`stack_losses`), hashable:
    the loss's class and its parameters that are not numbers (members may
    differ in the numeric ones)."""
    items = []
    for key, value in sorted(vars(loss).items()):
        numeric = np.asarray(value).dtype.kind in "biuf"
        items.append((key, "numeric" if numeric else repr(value)))
    return (type(loss).__name__, tuple(items))


def stack_losses(losses):
    """One loss for a model axis whose member ``j`` computes ``losses[j]``.

    Parameters
    ----------
    losses : sequence of loss objects
        One per member, ``k`` in all, of one class; they may differ in their
        numeric parameters (``gamma``, ``pos_weight``, ``neg_weight``,
        ``delta``).

    Returns
    -------
    loss : loss object
        ``losses[0]`` itself when all are equal (same class, equal
        parameters); otherwise a :class:`StackedLoss` whose
        ``value_and_grad`` on ``raw`` of shape ``(k, m, n_outputs)`` returns
        member ``j``'s value at position ``j`` and writes its gradient into
        ``grad[j]``, as ``losses[j]`` does on member ``j``'s rows.

    Raises
    ------
    ValueError
        When the losses are of different classes, or differ in a parameter
        that is not numeric or in the shapes of a per-output parameter.

    Examples
    --------
    >>> import numpy as np
    >>> losses = [SoftmaxCrossEntropy(gamma) for gamma in (0.0, 2.0)]
    >>> loss = stack_losses(losses)
    >>> raw, Y = np.zeros((2, 4, 3)), np.broadcast_to(np.eye(3)[[0, 1, 2, 0]], (2, 4, 3))
    >>> loss.value_and_grad(raw, Y, 0.25).round(4)
    array([1.0986, 0.4883])
    >>> huber = Huber(1.5)
    >>> stack_losses([huber, Huber(1.5)]) is huber
    True
    """
    losses = list(losses)
    if losses and all(_same_parameters(losses[0], loss) for loss in losses[1:]):
        return losses[0]
    return StackedLoss(losses)
