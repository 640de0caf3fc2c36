"""Layers whose parameters are views into the network's flat buffers."""

import numpy as np
import scipy.sparse as sp

from .activations import get_activation


def _matmul_into(X, W, out):
    """``out[...] = X @ W`` without a temporary when ``X`` is dense."""
    if sp.issparse(X):
        np.copyto(out, X @ W)
    else:
        np.matmul(X, W, out=out)


class Dense:
    """Affine map followed by an activation: ``A = phi(X @ W + b)``.

    ``W``, ``b`` (parameters) and ``dW``, ``db`` (their gradients) are views
    into the flat parameter and gradient vectors of a :class:`Network`.
    The training-mode methods write into caller-provided buffers; ``predict``
    allocates its own, so that concurrent predictions never share memory.
    """

    def __init__(self, W, b, dW, db, activation):
        self.W, self.b, self.dW, self.db = W, b, dW, db
        self.activation = get_activation(activation)

    @property
    def n_out(self):
        return self.W.shape[1]

    def forward(self, X, Z, A, tmp):
        """Fill ``Z`` (pre-activation) and ``A`` (output); ``A`` may be ``Z``."""
        _matmul_into(X, self.W, Z)
        Z += self.b
        self.activation.forward(Z, A, tmp)

    def backward(self, X, Z, A, dA, tmp, dX=None):
        """Turn ``dA`` into ``dZ`` in place, fill ``dW``, ``db`` and ``dX``."""
        self.activation.backward(Z, A, dA, tmp)
        _matmul_into(X.T, dA, self.dW)
        np.sum(dA, axis=0, out=self.db)
        if dX is not None:
            np.matmul(dA, self.W.T, out=dX)

    def predict(self, X):
        Z = X @ self.W
        Z += self.b
        A = np.empty_like(Z) if self.activation.needs_input else Z
        self.activation.forward(Z, A)
        return A
