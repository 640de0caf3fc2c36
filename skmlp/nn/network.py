"""A stack of dense layers over one flat parameter vector.

All weights and biases are views into ``theta``; all their gradients are
views into ``grad``. The layout is every weight matrix first (layer by layer,
row-major), then every bias vector -- the order scikit-learn uses when it
packs parameters for L-BFGS -- so the weights alone are the prefix
``theta[:n_coefs]``. Optimizers, penalties and checkpoints therefore act on
one array with a handful of vectorised calls.
"""

from itertools import pairwise

import numpy as np

from .layers import Dense


class Network:
    """Fully connected network; the output layer is linear (the loss links).

    Parameters
    ----------
    layer_units : sequence of int
        ``[n_features, hidden_1, ..., hidden_k, n_outputs]``.
    activation : str
        Name of the hidden-layer activation (see :mod:`.activations`).
    dtype : numpy dtype
        ``float32`` or ``float64``; parameters, gradients and buffers use it.
    """

    def __init__(self, layer_units, activation, dtype=np.float64):
        self.layer_units = [int(u) for u in layer_units]
        self.activation = activation
        self.dtype = np.dtype(dtype)
        shapes = list(pairwise(self.layer_units))
        self.n_coefs = sum(a * b for a, b in shapes)
        n_params = self.n_coefs + sum(self.layer_units[1:])
        self.theta = np.zeros(n_params, dtype=self.dtype)
        self.grad = np.zeros(n_params, dtype=self.dtype)
        self._bind()

    # -- views -------------------------------------------------------------
    def _slices(self):
        shapes = list(pairwise(self.layer_units))
        start, coef_slices = 0, []
        for fan_in, fan_out in shapes:
            coef_slices.append((slice(start, start + fan_in * fan_out), (fan_in, fan_out)))
            start += fan_in * fan_out
        bias_slices = []
        for _, fan_out in shapes:
            bias_slices.append(slice(start, start + fan_out))
            start += fan_out
        return coef_slices, bias_slices

    def _bind(self):
        coef_slices, bias_slices = self._slices()
        n_layers = len(coef_slices)
        self.layers = []
        for i, ((cs, shape), bs) in enumerate(zip(coef_slices, bias_slices)):
            activation = self.activation if i < n_layers - 1 else "identity"
            self.layers.append(
                Dense(
                    self.theta[cs].reshape(shape),
                    self.theta[bs],
                    self.grad[cs].reshape(shape),
                    self.grad[bs],
                    activation,
                )
            )
        self._capacity = 0

    def __getstate__(self):
        state = self.__dict__.copy()
        for key in ("layers", "_buffers", "_capacity", "_inputs"):
            state.pop(key, None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._bind()

    @property
    def coefs(self):
        return [layer.W for layer in self.layers]

    @property
    def intercepts(self):
        return [layer.b for layer in self.layers]

    def set_coefs(self, arrays):
        self._assign(arrays, self.coefs, "coefs_")

    def set_intercepts(self, arrays):
        self._assign(arrays, self.intercepts, "intercepts_")

    @staticmethod
    def _assign(arrays, views, name):
        arrays = list(arrays)
        if len(arrays) != len(views):
            raise ValueError(
                f"{name} needs {len(views)} arrays, one per layer; got {len(arrays)}."
            )
        for i, (view, value) in enumerate(zip(views, arrays)):
            value = np.asarray(value)
            if value.shape != view.shape:
                raise ValueError(
                    f"{name}[{i}] must have shape {view.shape}; got {value.shape}."
                )
            np.copyto(view, value, casting="same_kind")

    # -- initialisation ----------------------------------------------------
    def initialize(self, rng, gain=6.0):
        """Glorot-uniform weights and biases, drawn as scikit-learn draws them.

        For each layer the weights then the bias are drawn from
        ``U(-b, b)`` with ``b = sqrt(gain / (fan_in + fan_out))`` (scikit-learn
        uses ``gain=2`` for the logistic activation and 6 otherwise), in
        float64 and then cast, so a given ``rng`` state gives the same
        starting point as scikit-learn's MLP.
        """
        for layer in self.layers:
            fan_in, fan_out = layer.W.shape
            bound = np.sqrt(gain / (fan_in + fan_out))
            layer.W[...] = rng.uniform(-bound, bound, (fan_in, fan_out))
            layer.b[...] = rng.uniform(-bound, bound, fan_out)

    # -- training-mode passes (preallocated buffers) ------------------------
    def allocate(self, batch_size):
        """Size the activation, delta and scratch buffers for ``batch_size`` rows."""
        if batch_size <= self._capacity:
            return
        buffers = []
        for layer in self.layers:
            shape = (batch_size, layer.n_out)
            A = np.empty(shape, self.dtype)
            Z = np.empty(shape, self.dtype) if layer.activation.needs_input else A
            buffers.append((Z, A, np.empty(shape, self.dtype), np.empty(shape, self.dtype)))
        self._buffers = buffers
        self._capacity = batch_size

    def forward(self, X):
        """Forward pass in training mode; returns the logits (a buffer view)."""
        m = X.shape[0]
        self.allocate(m)
        inputs = X
        for layer, (Z, A, _, tmp) in zip(self.layers, self._buffers):
            layer.forward(inputs, Z[:m], A[:m], tmp[:m])
            inputs = A[:m]
        self._inputs = X
        return inputs

    def output_grad(self, m):
        """The buffer that must receive dLoss/dlogits before :meth:`backward`."""
        return self._buffers[-1][2][:m]

    def release(self):
        """Drop the training buffers and the reference to the last batch."""
        for key in ("_buffers", "_inputs"):
            self.__dict__.pop(key, None)
        self._capacity = 0

    def backward(self):
        """Backpropagate the output gradient; fills ``self.grad``."""
        X = self._inputs
        m = X.shape[0]
        for i in range(len(self.layers) - 1, -1, -1):
            Z, A, dA, tmp = self._buffers[i]
            inputs = X if i == 0 else self._buffers[i - 1][1][:m]
            dX = None if i == 0 else self._buffers[i - 1][2][:m]
            self.layers[i].backward(inputs, Z[:m], A[:m], dA[:m], tmp[:m], dX)

    # -- prediction (allocates; safe to call from several threads) ----------
    def predict_raw(self, X):
        """Logits for ``X`` without touching any shared buffer."""
        A = X
        for layer in self.layers:
            A = layer.predict(A)
        return A
