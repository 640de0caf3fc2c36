"""A stack of hidden layers and a linear output layer over one flat vector.

All trainable parameters are views into ``theta`` and their gradients views
into ``grad``. The layout is every weight matrix first (layer by layer,
row-major), then every bias vector -- the order scikit-learn uses when it
packs parameters for L-BFGS -- then the batch-norm scales and shifts. The
weights alone are therefore the prefix ``theta[:n_coefs]``, which is where
penalties act. Batch-norm running statistics are not trained; they live in a
second flat vector, ``state``, checkpointed together with ``theta``.
"""

from itertools import pairwise

import numpy as np

from . import initializers
from .layers import BatchNorm, HiddenLayer, Linear


def _dropout_rates(dropout, n_hidden):
    rates = np.broadcast_to(np.asarray(dropout, dtype=float), (n_hidden,))
    return [float(r) for r in rates]


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
    batch_norm : bool
        Normalise each hidden layer's pre-activations.
    dropout : float or sequence of float
        Dropout rate after each hidden layer (one rate, or one per layer).
    residual : bool
        Add each hidden layer's input to its output where the widths agree
        (hidden to hidden; the first hidden layer has no skip).
    """

    def __init__(
        self,
        layer_units,
        activation,
        dtype=np.float64,
        *,
        batch_norm=False,
        dropout=0.0,
        residual=False,
    ):
        self.layer_units = [int(u) for u in layer_units]
        self.activation = activation
        self.dtype = np.dtype(dtype)
        self.batch_norm = bool(batch_norm)
        self.dropout = _dropout_rates(dropout, len(self.layer_units) - 2)
        self.residual = bool(residual)
        shapes = list(pairwise(self.layer_units))
        self.n_coefs = sum(a * b for a, b in shapes)
        n_biases = sum(self.layer_units[1:])
        n_norm = 2 * sum(self.layer_units[1:-1]) if self.batch_norm else 0
        self.theta = np.zeros(self.n_coefs + n_biases + n_norm, dtype=self.dtype)
        self.grad = np.zeros_like(self.theta)
        self.state = np.zeros(n_norm, dtype=self.dtype)
        self._bind()

    # -- views ---------------------------------------------------------------
    def _bind(self):
        take = _Slicer(self.theta, self.grad)
        shapes = list(pairwise(self.layer_units))
        weights = [take(shape) for shape in shapes]
        biases = [take((shape[1],)) for shape in shapes]
        widths = self.layer_units[1:-1]
        norms = [None] * len(widths)
        if self.batch_norm:
            scales = [take((w,)) for w in widths]
            shifts = [take((w,)) for w in widths]
            stats = _Slicer(self.state, None)
            means = [stats((w,))[0] for w in widths]
            variances = [stats((w,))[0] for w in widths]
            norms = [
                BatchNorm(g[0], b[0], g[1], b[1], m, v)
                for g, b, m, v in zip(scales, shifts, means, variances)
            ]
        linears = [Linear(w[0], b[0], w[1], b[1]) for w, b in zip(weights, biases)]
        self.hidden = [
            HiddenLayer(
                linear,
                self.activation,
                norm,
                rate,
                residual=self.residual and i > 0 and fan_in == fan_out,
            )
            for i, (linear, norm, rate, (fan_in, fan_out)) in enumerate(
                zip(linears[:-1], norms, self.dropout, shapes)
            )
        ]
        self.output = linears[-1]
        self._capacity = 0

    def __getstate__(self):
        state = self.__dict__.copy()
        for key in (
            "hidden",
            "output",
            "_buffers",
            "_output_buffers",
            "_views",
            "_capacity",
            "_inputs",
            "_weight",
        ):
            state.pop(key, None)
        state["dtype"] = self.dtype.name  # plain data for safe formats (skops)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.dtype = np.dtype(self.dtype)
        self._bind()

    @property
    def linears(self):
        return [layer.linear for layer in self.hidden] + [self.output]

    @property
    def coefs(self):
        return [linear.W for linear in self.linears]

    @property
    def intercepts(self):
        return [linear.b for linear in self.linears]

    @property
    def uses_dropout(self):
        return any(rate > 0 for rate in self.dropout)

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

    # -- initialisation and checkpoints -------------------------------------
    def initialize(self, rng, scheme="sklearn"):
        """Draw the weights and biases (see :mod:`.initializers`); layer by
        layer, weights then bias, in float64 and then cast. Batch-norm scales
        start at 1, shifts and running means at 0, running variances at 1."""
        for linear in self.linears:
            fan_in, fan_out = linear.W.shape
            W, b = initializers.draw(scheme, self.activation, rng, fan_in, fan_out)
            linear.W[...] = W
            linear.b[...] = b
        for layer in self.hidden:
            if layer.batch_norm:
                layer.batch_norm.gamma[...] = 1
                layer.batch_norm.beta[...] = 0
                layer.batch_norm.running_mean[...] = 0
                layer.batch_norm.running_var[...] = 1

    def checkpoint(self, out=None):
        """A copy of everything needed to restore the current model (written
        into ``out`` when given, so that repeated checkpoints allocate nothing)."""
        if out is None:
            return np.concatenate([self.theta, self.state])
        out[: self.theta.size] = self.theta
        out[self.theta.size :] = self.state
        return out

    def restore(self, checkpoint):
        np.copyto(self.theta, checkpoint[: self.theta.size])
        np.copyto(self.state, checkpoint[self.theta.size :])

    def set_dropout(self, dropout):
        """Change the dropout rates (a training-time setting, not a parameter)."""
        self.dropout = _dropout_rates(dropout, len(self.layer_units) - 2)
        self._bind()

    def set_batch_norm_momentum(self, momentum):
        for layer in self.hidden:
            if layer.batch_norm:
                layer.batch_norm.momentum = momentum

    # -- training-mode passes (preallocated buffers) -------------------------
    def allocate(self, batch_size):
        """Size the activation, delta and scratch buffers for ``batch_size`` rows."""
        if batch_size <= self._capacity:
            return
        out_shape = (batch_size, self.output.W.shape[1])
        self._buffers = [layer.allocate(batch_size, self.dtype) for layer in self.hidden]
        self._output_buffers = (
            np.empty(out_shape, self.dtype),
            np.empty(out_shape, self.dtype),
            np.ones(batch_size, self.dtype),
        )
        self._capacity = batch_size
        self._views = {}

    def _rows(self, m):
        """Views of the first ``m`` buffer rows, cached per ``m`` (minibatch
        training sees two sizes: the batch and the last one): the hidden
        layers' :class:`Buffers`, their outputs, and the output layer's
        ``(logits, d_logits, ones)``."""
        views = self._views.get(m)
        if views is None:
            hidden = [buffers.rows(m) for buffers in self._buffers]
            outputs = [views.A for views in hidden]
            output = tuple(array[:m] for array in self._output_buffers)
            views = self._views[m] = (hidden, outputs, output)
        return views

    def forward(self, X, rng=None, weight=None):
        """Forward pass in training mode; returns the logits (a buffer view).

        ``rng`` (a :class:`numpy.random.Generator`) draws the dropout masks;
        ``weight`` (normalised sample weights, a scalar ``1 / m`` by default)
        weights the batch-norm statistics.
        """
        m = X.shape[0]
        self.allocate(m)
        self._weight = 1.0 / m if weight is None else weight
        hidden, _, (logits, _, _) = self._rows(m)
        inputs = X
        for layer, views in zip(self.hidden, hidden):
            inputs = layer.forward(inputs, views, rng, self._weight)
        self.output.forward(inputs, logits)
        self._inputs = X
        return logits

    def output_grad(self, m):
        """The buffer that must receive dLoss/dlogits before :meth:`backward`."""
        return self._rows(m)[2][1]

    def backward(self):
        """Backpropagate the output gradient; fills ``self.grad``."""
        X = self._inputs
        hidden, outputs, (_, d_logits, ones) = self._rows(X.shape[0])
        if not hidden:
            self.output.backward(X, d_logits, None, ones)
            return
        self.output.backward(outputs[-1], d_logits, hidden[-1].dA, ones)
        for i in range(len(hidden) - 1, 0, -1):
            self.hidden[i].backward(
                outputs[i - 1], hidden[i], hidden[i - 1].dA, self._weight
            )
        self.hidden[0].backward(X, hidden[0], None, self._weight)

    def release(self):
        """Drop the training buffers and the reference to the last batch."""
        for key in ("_buffers", "_output_buffers", "_views", "_inputs", "_weight"):
            self.__dict__.pop(key, None)
        self._capacity = 0

    # -- prediction (allocates; safe to call from several threads) -----------
    def predict_raw(self, X):
        """Logits for ``X`` (inference mode) without touching shared buffers."""
        A = X
        for layer in self.hidden:
            A = layer.predict(A)
        return self.output.predict(A)


class _Slicer:
    """Hands out consecutive views of a parameter vector and its gradient."""

    def __init__(self, values, grads):
        self.values, self.grads, self.start = values, grads, 0

    def __call__(self, shape):
        size = int(np.prod(shape))
        part = slice(self.start, self.start + size)
        self.start += size
        grad = None if self.grads is None else self.grads[part].reshape(shape)
        return self.values[part].reshape(shape), grad
