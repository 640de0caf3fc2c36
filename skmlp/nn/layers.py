"""Layers whose parameters are views into the network's flat buffers.

Each layer's backward pass sits right below its forward pass. Every layer is
written once, for a stack of ``k`` networks along a leading model axis: its
weights are ``(k, fan_in, fan_out)`` and its rows ``(k, m, width)``, or, for
a stack of one, ``(fan_in, fan_out)`` and ``(m, width)`` (see
:func:`skmlp.nn.fast.member_view`); inputs may also be ``(m, width)`` rows
shared by every member. The helpers of :mod:`skmlp.nn.fast` take either.
Training-mode methods write into caller-provided buffers (allocated once per
batch size); ``predict`` methods allocate, so that concurrent predictions
never share memory.
"""

import numpy as np
import scipy.sparse as sp

from .activations import get_activation
from .fast import (
    as_stack,
    column_dots_into,
    column_sums_into,
    is_shared,
    matmul_into,
    matmul_transposed_into,
    stacked_matmul,
    transposed_matmul_into,
    weighted_column_sum,
)


class Linear:
    """``Z = X @ W + b``; ``W``, ``b``, ``dW``, ``db`` are views.

    The bias gradient is ``ones @ dZ`` (see :func:`skmlp.nn.fast.column_sums_into`).
    """

    def __init__(self, W, b, dW, db):
        self.W, self.b, self.dW, self.db = W, b, dW, db

    def forward(self, X, Z):
        matmul_into(X, self.W, Z)
        Z += self.b

    def backward(self, X, dZ, dX=None):
        """``dW = X^T dZ``, ``db`` the column sums of ``dZ`` and, when asked
        for, ``dX = dZ W^T`` (each member's own)."""
        transposed_matmul_into(X, dZ, self.dW)
        column_sums_into(dZ, self.db)
        if dX is not None:
            matmul_transposed_into(dZ, self.W, dX)

    def predict(self, X):
        Z = stacked_matmul(X, self.W)
        Z += self.b
        return Z

    def input_grad(self, dZ):
        """``dZ W^T``: the gradient of an inference-mode ``predict`` with
        respect to its input (``(k, m, fan_in)`` on an axis, allocated)."""
        dX = np.empty((*dZ.shape[:-1], self.W.shape[-2]), dtype=np.result_type(dZ, self.W))
        matmul_transposed_into(dZ, self.W, dX)
        return dX


class BatchNorm:
    """Batch normalisation of pre-activations (Ioffe & Szegedy, 2015).

    Training: ``Y = gamma * (Z - mean) / sqrt(var + eps) + beta`` with the
    batch's mean and (biased) variance, which also update the running
    statistics ``running = (1 - momentum) * running + momentum * batch``.
    Prediction uses the running statistics. The batch statistics are weighted
    by the sample weights (``weight``: a scalar ``1 / m`` or a column summing
    to one over each member's rows), so that a sample of weight 2 counts as
    that sample twice, as everywhere else. On a model axis each member has its
    own statistics, scales and shifts.
    """

    eps = 1e-5
    #: Weight of a batch's statistics in the running ones.
    MOMENTUM = 0.1

    def __init__(self, gamma, beta, dgamma, dbeta, running_mean, running_var):
        self.gamma, self.beta, self.dgamma, self.dbeta = gamma, beta, dgamma, dbeta
        self.running_mean, self.running_var = running_mean, running_var
        self.momentum = self.MOMENTUM

    def forward(self, Z, xhat, weight):
        """Normalise ``Z`` in place; keep the normalised values in ``xhat``."""
        mean = weighted_column_sum(Z, weight)
        np.subtract(Z, mean, out=xhat)
        var = weighted_column_sum(xhat * xhat, weight)
        self._inv_std = 1.0 / np.sqrt(var + self.eps)
        xhat *= self._inv_std
        np.multiply(xhat, self.gamma, out=Z)
        Z += self.beta
        # No Bessel correction: with sample weights the row count is not the
        # sample size, and a weight-2 row must count exactly as two rows.
        self._update_running(mean, var)

    def _update_running(self, mean, var):
        self.running_mean *= 1 - self.momentum
        self.running_mean += self.momentum * mean
        self.running_var *= 1 - self.momentum
        self.running_var += self.momentum * var

    def backward(self, dY, xhat, weight):
        """Turn ``dY`` (gradient of the output) into ``dZ`` in place."""
        column_dots_into(dY, xhat, self.dgamma)
        column_sums_into(dY, self.dbeta)
        # dZ_i = gamma * inv_std * (dY_i - w_i sum_j dY_j - w_i xhat_i sum_j dY_j xhat_j)
        dY -= weight * self.dbeta
        dY -= weight * xhat * self.dgamma
        dY *= self.gamma * self._inv_std

    def predict(self, Z):
        Z -= self.running_mean
        Z *= self.inference_scale()
        Z += self.beta
        return Z

    def inference_scale(self):
        """``gamma / sqrt(running_var + eps)``: in inference mode batch
        normalisation is this affine map's slope."""
        return self.gamma / np.sqrt(self.running_var + self.eps)


class MemberRandom:
    """The dropout generators of a batch: member ``j`` draws its masks from
    ``generators[j]`` for its ``rows[j]`` real rows, as a network of its own
    draws them for its batch (``rows`` ``None``: every member has all the
    batch's rows; a member without dropout has no generator)."""

    def __init__(self, generators, rows=None):
        self.generators, self.rows = generators, rows


def _draw_mask(mask, rate, rng):
    """``mask`` (one network's rows) <- kept units scaled by ``1 / (1 - rate)``."""
    rng.random(out=mask, dtype=mask.dtype.type)
    np.greater_equal(mask, rate, out=mask)
    mask *= 1.0 / (1.0 - rate)


class Dropout:
    """Inverted dropout: keep each unit with probability ``1 - rate`` and scale
    the kept ones by ``1 / (1 - rate)``, so prediction needs no rescaling.

    ``rate`` is one number or one per member (``0``: the member has no dropout
    in this layer), and ``rng`` a :class:`MemberRandom`: each member's mask is
    drawn from its own generator for its own rows, exactly as its own network
    draws it; padding rows get a mask of 0.
    """

    def __init__(self, rate):
        self.rate = float(rate) if is_shared(rate) else np.asarray(rate, dtype=float)

    def forward(self, A, mask, rng):
        masks = as_stack(mask)
        rates = np.broadcast_to(self.rate, masks.shape[:1])
        m = masks.shape[1]
        for j, rate in enumerate(rates):
            n = m if rng.rows is None else int(rng.rows[j])
            if rate > 0:
                _draw_mask(masks[j, :n], rate, rng.generators[j])
            else:
                masks[j, :n] = 1.0
            masks[j, n:] = 0.0
        A *= mask

    @staticmethod
    def backward(dA, mask):
        dA *= mask


class Buffers:
    """A hidden layer's training buffers for a batch of rows.

    ``Z`` pre-activation; ``H`` activation output; ``A`` layer output; ``dA``
    its gradient; ``tmp`` the activation's scratch; ``mask`` the dropout mask;
    ``xhat`` the batch-norm normalised values; ``skip`` a copy of the
    gradient for the skip connection. Where the layer needs no separate
    array, a name refers to another one: ``H`` is ``Z`` unless the
    activation needs its input, ``A`` is ``H`` unless dropout or a skip
    connection follow; ``mask``, ``xhat`` and ``skip`` are ``None`` when
    unused (see :meth:`HiddenLayer.allocate`).
    """

    __slots__ = ("Z", "H", "A", "dA", "tmp", "mask", "xhat", "skip")

    def __init__(self, **arrays):
        for name in self.__slots__:
            setattr(self, name, arrays[name])


class HiddenLayer:
    """Linear -> [BatchNorm] -> activation -> [Dropout] -> [+ input].

    The residual connection ``A = phi(X W + b) + X`` needs equal input and
    output widths.
    """

    def __init__(self, linear, activation, batch_norm=None, dropout=0.0, residual=False):
        self.linear = linear
        self.activation = get_activation(activation)
        self.batch_norm = batch_norm
        self.dropout = Dropout(dropout) if np.any(np.asarray(dropout) > 0) else None
        self.residual = residual
        # the output is a copy of the activation that dropout and the skip
        # connection modify; without either it is the activation itself
        self.separate_output = self.dropout is not None or residual

    @property
    def n_out(self):
        return self.linear.W.shape[-1]

    def allocate(self, shape, dtype):
        """Buffers (see :class:`Buffers`) of ``shape``: ``(m, width)``, or
        ``(k, m, width)`` on a model axis."""
        Z = np.empty(shape, dtype)
        H = np.empty(shape, dtype) if self.activation.needs_input else Z
        return Buffers(
            Z=Z,
            H=H,
            A=np.empty(shape, dtype) if self.separate_output else H,
            dA=np.empty(shape, dtype),
            tmp=np.empty(shape, self.activation.scratch_dtype or dtype),
            mask=np.empty(shape, dtype) if self.dropout else None,
            xhat=np.empty(shape, dtype) if self.batch_norm else None,
            skip=np.empty(shape, dtype) if self.residual else None,
        )

    def forward(self, X, v, rng, weight):
        """Training-mode forward pass into the buffers ``v`` (a :class:`Buffers`)."""
        self.linear.forward(X, v.Z)
        if self.batch_norm:
            self.batch_norm.forward(v.Z, v.xhat, weight)
        self.activation.forward(v.Z, v.H, v.tmp)
        if self.separate_output:
            np.copyto(v.A, v.H)
            if self.dropout:
                self.dropout.forward(v.A, v.mask, rng)
            if self.residual:
                v.A += X
        return v.A

    def backward(self, X, v, dX, weight):
        """Turn ``v.dA`` into the parameter gradients and ``dX``."""
        dA = v.dA
        if self.residual:
            np.copyto(v.skip, dA)
        if self.dropout:
            self.dropout.backward(dA, v.mask)
        self.activation.backward(v.Z, v.H, dA, v.tmp)
        if self.batch_norm:
            self.batch_norm.backward(dA, v.xhat, weight)
        self.linear.backward(X, dA, dX)
        if self.batch_norm:
            # the batch mean removes this bias: its gradient is exactly 0, and
            # adaptive optimizers would turn the rounding noise into full steps
            self.linear.db.fill(0)
        if self.residual and dX is not None:
            dX += v.skip

    def predict(self, X):
        return self.predict_keeping(X)[0]

    def predict_keeping(self, X):
        """Inference-mode output and what :meth:`input_grad` needs: ``(A,
        (Z, H))``. Dropout is off at inference; batch normalisation uses its
        running statistics."""
        Z = self.linear.predict(X)
        if self.batch_norm:
            self.batch_norm.predict(Z)
        H = np.empty_like(Z) if self.activation.needs_input else Z
        self.activation.forward(Z, H)
        return (H + X if self.residual else H), (Z, H)

    def input_grad(self, kept, dA):
        """The gradient of :meth:`predict` with respect to its input, from
        the gradient ``dA`` with respect to its output (consumed)."""
        Z, H = kept
        skip = dA.copy() if self.residual else None
        self.activation.backward(Z, H, dA, None)
        if self.batch_norm:
            dA *= self.batch_norm.inference_scale()
        dX = self.linear.input_grad(dA)
        return dX + skip if self.residual else dX


# -- shared-weight ensembles (TabM-mini) ---------------------------------------
# A network with ``H`` heads is ``H`` networks that share every hidden weight
# (Gorishniy et al., "TabM", ICLR 2025, its "mini" form): head ``h`` scales
# the inputs by its own adapter ``r_h`` and has its own output layer. Its rows
# are the batch repeated once per head, head-major: ``(H * m, width)``, or
# ``(k, H * m, width)`` on a model axis, so the shared layers see ``H * m``
# rows and need nothing new.


def per_head(A, H):
    """Head-major rows ``(..., H * m, w)`` as ``(..., H, m, w)`` (a view):
    each head's rows of a shared-weight ensemble's logits or outputs."""
    return A.reshape(*A.shape[:-2], H, A.shape[-2] // H, A.shape[-1])


def _head_rows(A):
    """``(..., H, m, w)`` back as ``(..., H * m, w)``."""
    return A.reshape(*A.shape[:-3], A.shape[-3] * A.shape[-2], A.shape[-1])


class InputAdapter:
    """``A_h = X * r_h``: each head's copy of the inputs, scaled featurewise
    by its adapter; ``R`` (``(k, H, 1, d)``, or ``(H, 1, d)`` for a stack of
    one) and ``dR`` are views. Inputs ``(m, d)`` or ``(k, m, d)``."""

    def __init__(self, R, dR):
        self.R, self.dR = R, dR

    @property
    def n_heads(self):
        return self.R.shape[-3]

    def predict(self, X):
        if sp.issparse(X):  # a stack of one's sparse rows stay sparse
            R = self.R.reshape(self.n_heads, -1)
            return sp.vstack([X.multiply(r).tocsr() for r in R], format="csr")
        return _head_rows(X[..., None, :, :] * self.R)

    def forward(self, X):
        self._X = X
        return self.predict(X)

    def backward(self, dA, need_input):
        """``dR_h = sum_i dA_hi * x_i``; returns ``dX = sum_h dA_h * r_h``
        when ``need_input``."""
        dA = per_head(dA, self.n_heads)
        if sp.issparse(self._X):
            dR = self.dR.reshape(self.n_heads, -1)
            for h in range(self.n_heads):
                dR[h] = np.asarray(self._X.multiply(dA[h]).sum(axis=0)).ravel()
        else:
            np.sum(dA * self._X[..., None, :, :], axis=-2, keepdims=True, out=self.dR)
        return self._input_grad(dA) if need_input else None

    def _input_grad(self, dA_per_head):
        return np.einsum("...hmd,...hzd->...md", dA_per_head, self.R)

    def input_grad(self, dA):
        """The gradient of the heads' mean with respect to the inputs, from
        each head's gradient ``dA`` (the mean's ``1 / H`` is applied here)."""
        return self._input_grad(per_head(dA, self.n_heads)) / self.n_heads

    def initialize(self, j, rng):
        """Member ``j``'s adapters: random signs (TabM-mini's choice), so
        that the heads differ from the first step."""
        R = self.R.reshape(-1, *self.R.shape[-3:])
        R[j] = np.where(rng.uniform(size=R.shape[1:]) < 0.5, -1.0, 1.0)


class HeadLinear:
    """``Z_h = X_h @ W_h + b_h``: each head's own output layer on its rows;
    ``W`` is ``(k, H, fan_in, fan_out)`` (``(H, fan_in, fan_out)`` for a
    stack of one), ``b`` ``(k, H, 1, fan_out)``; all are views."""

    def __init__(self, W, b, dW, db):
        self.W, self.b, self.dW, self.db = W, b, dW, db

    @property
    def n_heads(self):
        return self.W.shape[-3]

    def predict(self, X):
        Z = np.matmul(per_head(X, self.n_heads), self.W)
        Z += self.b
        return _head_rows(Z)

    def forward(self, X, Z):
        Z[...] = self.predict(X)

    def backward(self, X, dZ, dX=None):
        X_h, dZ_h = per_head(X, self.n_heads), per_head(dZ, self.n_heads)
        np.matmul(np.swapaxes(X_h, -1, -2), dZ_h, out=self.dW)
        np.sum(dZ_h, axis=-2, keepdims=True, out=self.db)
        if dX is not None:
            dX[...] = self.input_grad(dZ)

    def input_grad(self, dZ):
        dX = np.matmul(per_head(dZ, self.n_heads), np.swapaxes(self.W, -1, -2))
        return _head_rows(dX)
