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
from .fast import weighted_column_sum
from .layers import BatchNorm, HiddenLayer, Linear
from .objective import normalised_weights


def _dropout_rates(dropout, n_hidden, n_members=None):
    """One rate per hidden layer; with a model axis, a layer whose members'
    rates differ has a tuple of one rate per member (``dropout`` may then be
    ``(k, n_hidden)``)."""
    rates = np.asarray(dropout, dtype=float)
    if n_members is None or rates.ndim < 2:
        return [float(r) for r in np.broadcast_to(rates, (n_hidden,))]
    rates = np.broadcast_to(rates, (n_members, n_hidden))
    return [
        float(column[0]) if np.all(column == column[0]) else tuple(map(float, column))
        for column in rates.T
    ]


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
    n_members : int or None
        ``None``: one network (2-D weights). ``k``: ``k`` networks of this
        shape stacked along a leading model axis, trained as one program:
        weights ``(k, fan_in, fan_out)``, biases and batch-norm vectors
        ``(k, 1, width)``, all views into the one flat ``theta``. The layout
        is member-major: ``theta.reshape(k, -1)[j]`` is member ``j``'s
        parameter vector, in a single network's layout (its weights first,
        ``[:, :n_coefs]``: ``n_coefs`` counts one member's weights), so that
        per-member numbers (learning rates, penalties, masks of members that
        stopped) are ``(k, 1)`` columns that broadcast over the rows. Inputs
        are ``(k, m, n_features)`` (each member its own rows) or
        ``(m, n_features)`` (rows shared by every member), outputs
        ``(k, m, n_outputs)``. :meth:`member` gives member
        ``j`` as a network of its own.
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
        n_members=None,
    ):
        self.layer_units = [int(u) for u in layer_units]
        self.activation = activation
        self.dtype = np.dtype(dtype)
        self.batch_norm = bool(batch_norm)
        self.n_members = None if n_members is None else int(n_members)
        self.dropout = _dropout_rates(dropout, len(self.layer_units) - 2, self.n_members)
        self.residual = bool(residual)
        k = self.n_members or 1
        shapes = list(pairwise(self.layer_units))
        # with a model axis: each member's weights, the first n_coefs of its row
        self.n_coefs = sum(a * b for a, b in shapes)
        n_biases = sum(self.layer_units[1:])
        n_norm = 2 * sum(self.layer_units[1:-1]) if self.batch_norm else 0
        self.theta = np.zeros(k * (self.n_coefs + n_biases + n_norm), dtype=self.dtype)
        self.grad = np.zeros_like(self.theta)
        self.state = np.zeros(k * n_norm, dtype=self.dtype)
        self._bind()

    # -- views ---------------------------------------------------------------
    def _bind(self):
        if self.n_members is None:
            take = _Slicer(self.theta, self.grad)
        else:
            take = _Slicer(self.members_view(self.theta), self.members_view(self.grad))
        shapes = list(pairwise(self.layer_units))
        # the model axis leads; vectors get a row axis to broadcast over batches
        lead, row = (
            ((), ()) if self.n_members is None else ((self.n_members,), (self.n_members, 1))
        )
        weights = [take((*lead, *shape)) for shape in shapes]
        biases = [take((*row, shape[1])) for shape in shapes]
        widths = self.layer_units[1:-1]
        norms = [None] * len(widths)
        if self.batch_norm:
            scales = [take((*row, w)) for w in widths]
            shifts = [take((*row, w)) for w in widths]
            state = self.state if self.n_members is None else self.members_view(self.state)
            stats = _Slicer(state, None)
            means = [stats((*row, w))[0] for w in widths]
            variances = [stats((*row, w))[0] for w in widths]
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
        self._workspace = None

    def __getstate__(self):
        state = self.__dict__.copy()
        # layer objects are views, rebuilt by _bind; the workspace is transient
        for key in ("hidden", "output", "_workspace"):
            state.pop(key, None)
        state["dtype"] = self.dtype.name  # plain data for safe formats (skops)
        return state

    def __setstate__(self, state):
        state.setdefault("n_members", None)  # saved before the model axis existed
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
        return any(np.any(np.asarray(rate) > 0) for rate in self.dropout)

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
        start at 1, shifts and running means at 0, running variances at 1.

        With a model axis, ``rng`` is a sequence of one generator per member,
        and member ``j`` draws from ``rng[j]`` exactly what a network of its
        own would draw from it."""
        members = [None] if self.n_members is None else range(self.n_members)
        rngs = [rng] if self.n_members is None else list(rng)
        if len(rngs) != len(members):
            raise ValueError(f"{self.n_members} members need as many generators.")
        for member, member_rng in zip(members, rngs):
            for linear in self.linears:
                fan_in, fan_out = linear.W.shape[-2:]
                W, b = initializers.draw(
                    scheme, self.activation, member_rng, fan_in, fan_out
                )
                index = ... if member is None else member
                linear.W[index] = W
                linear.b[index] = b
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

    def members_view(self, vector):
        """``vector`` (``theta``, ``grad``, ``state`` or a vector like them) as
        ``(k, per_member)``: row ``j`` is member ``j``'s."""
        return vector.reshape(self.n_members, -1)

    def _member_dropout(self):
        """Each member's dropout rates, ``(k, n_hidden)``."""
        k, n_hidden = self.n_members, len(self.layer_units) - 2
        rates = np.empty((k, n_hidden))
        for layer, rate in enumerate(self.dropout):
            rates[:, layer] = rate
        return rates

    def _like(self, n_members=None, dropout=None):
        """A zero network of this architecture (with ``n_members`` members and
        ``dropout``, by default this network's rates)."""
        return Network(
            self.layer_units,
            self.activation,
            self.dtype,
            batch_norm=self.batch_norm,
            dropout=self.dropout if dropout is None else dropout,
            residual=self.residual,
            n_members=n_members,
        )

    def member(self, j):
        """Member ``j`` of a network with a model axis, as a network of its own
        (a copy of its parameters and running statistics)."""
        single = self._like(dropout=self._member_dropout()[j])
        # member-major: row j is laid out as a single network's vectors
        single.theta[...] = self.members_view(self.theta)[j]
        if self.state.size:
            single.state[...] = self.members_view(self.state)[j]
        return single

    def subset(self, members):
        """A network with a model axis of the members at positions
        ``members`` (copies of their rows)."""
        subset = self._like(len(members), self._member_dropout()[members])
        subset.members_view(subset.theta)[...] = self.members_view(self.theta)[members]
        if self.state.size:
            subset.members_view(subset.state)[...] = self.members_view(self.state)[members]
        return subset

    @staticmethod
    def stack(networks):
        """One network with a model axis whose member ``j`` is (a copy of)
        ``networks[j]``; they must share architecture and dtype."""
        first = networks[0]
        keys = {
            (
                tuple(n.layer_units),
                n.activation,
                n.dtype,
                n.batch_norm,
                n.residual,
            )
            for n in networks
        }
        if len(keys) != 1 or any(n.n_members is not None for n in networks):
            raise ValueError("Only single networks of one architecture can be stacked.")
        stacked = first._like(len(networks), [n.dropout for n in networks])
        stacked.members_view(stacked.theta)[...] = [n.theta for n in networks]
        if stacked.state.size:
            stacked.members_view(stacked.state)[...] = [n.state for n in networks]
        return stacked

    def set_dropout(self, dropout):
        """Change the dropout rates (a training-time setting, not a parameter)."""
        self.dropout = _dropout_rates(dropout, len(self.layer_units) - 2, self.n_members)
        self._bind()

    #: Rows per chunk when the running statistics are recomputed on a data set.
    REFRESH_CHUNK = 4096

    def refresh_batch_norm(self, X, sample_weight=None):
        """Set the running statistics to the (weighted) statistics of the
        pre-activations on all of ``X`` under the current weights.

        Layer by layer, the layers below already refreshed, so each layer sees
        the inputs a full-batch training pass would give it (dropout off, as
        in prediction). Rows go through in chunks of :data:`REFRESH_CHUNK`, so
        the memory does not grow with ``len(X)``.
        """
        weight = normalised_weights(sample_weight, X.shape[0])[0]
        for depth, layer in enumerate(self.hidden):
            if not layer.batch_norm:
                continue
            chunks = list(self._pre_activations(X, weight, depth))
            mean = sum(weighted_column_sum(Z, w) for Z, w in chunks)
            var = sum(weighted_column_sum((Z - mean) ** 2, w) for Z, w in chunks)
            layer.batch_norm.running_mean[...] = mean
            layer.batch_norm.running_var[...] = var

    def _pre_activations(self, X, weight, depth):
        """``(Z, weight)`` of hidden layer ``depth``, chunk by chunk of ``X``."""
        for start in range(0, X.shape[0], self.REFRESH_CHUNK):
            rows = slice(start, start + self.REFRESH_CHUNK)
            A = X[rows]
            for layer in self.hidden[:depth]:
                A = layer.predict(A)
            chunk_weight = weight if np.ndim(weight) == 0 else weight[rows]
            yield self.hidden[depth].linear.predict(A), chunk_weight

    # -- training-mode passes (preallocated buffers) -------------------------
    def allocate(self, batch_size):
        """Size the training buffers for batches of up to ``batch_size`` rows."""
        if self._workspace is None or batch_size > self._workspace.capacity:
            self._workspace = Workspace(self, batch_size)
        if self.n_members is not None:
            self._workspace.rows(batch_size)  # contiguous buffers of exactly m rows

    def forward(self, X, rng=None, weight=None):
        """Forward pass in training mode; returns the logits (a buffer view).

        ``rng`` (a :class:`numpy.random.Generator`) draws the dropout masks;
        ``weight`` (normalised sample weights, a scalar ``1 / m`` by default)
        weights the batch-norm statistics.
        """
        m = X.shape[-2]
        self.allocate(m)
        rows = self._workspace.rows(m)
        weight = 1.0 / m if weight is None else weight
        inputs = X
        for layer, buffers in zip(self.hidden, rows.hidden):
            inputs = layer.forward(inputs, buffers, rng, weight)
        self.output.forward(inputs, rows.logits)
        self._workspace.remember(X, weight)
        return rows.logits

    def output_grad(self, m):
        """The buffer that must receive dLoss/dlogits before :meth:`backward`."""
        return self._workspace.rows(m).d_logits

    def backward(self):
        """Backpropagate the output gradient of the last :meth:`forward`;
        fills ``self.grad``."""
        X, weight = self._workspace.inputs, self._workspace.weight
        rows = self._workspace.rows(X.shape[-2])
        hidden = rows.hidden
        if not hidden:
            self.output.backward(X, rows.d_logits)
            return
        self.output.backward(hidden[-1].A, rows.d_logits, hidden[-1].dA)
        for i in range(len(hidden) - 1, 0, -1):
            self.hidden[i].backward(hidden[i - 1].A, hidden[i], hidden[i - 1].dA, weight)
        self.hidden[0].backward(X, hidden[0], None, weight)

    def release(self):
        """Drop the training buffers and the reference to the last batch."""
        self._workspace = None

    # -- prediction (allocates; safe to call from several threads) -----------
    def predict_raw(self, X):
        """Logits for ``X`` (inference mode) without touching shared buffers."""
        A = X
        for layer in self.hidden:
            A = layer.predict(A)
        return self.output.predict(A)


class Workspace:
    """A network's training buffers for batches of up to ``capacity`` rows.

    ``hidden`` holds each hidden layer's :class:`~skmlp.nn.layers.Buffers`;
    ``logits`` and ``d_logits`` are the output layer's. :meth:`rows` gives the
    same names as views of the first ``m`` rows, cached per ``m`` (minibatch
    training sees two sizes: the batch and the last one). The workspace also
    remembers the last forward pass's input and weight for
    :meth:`Network.backward`.
    """

    def __init__(self, network, capacity):
        self.capacity = capacity
        self.members = network.n_members
        self.hidden = [
            layer.allocate(capacity, network.dtype, self.members)
            for layer in network.hidden
        ]
        lead = () if self.members is None else (self.members,)
        shape = (*lead, capacity, network.output.W.shape[-1])
        self.logits = np.empty(shape, network.dtype)
        self.d_logits = np.empty(shape, network.dtype)
        self.inputs = self.weight = None
        self._network = network
        self._views = {}

    def rows(self, m):
        """The buffers' first ``m`` rows (a :class:`RowViews`). With a model
        axis, buffers of exactly ``m`` rows instead, allocated once per ``m``:
        ``(k, m, width)`` slices of larger buffers would not be contiguous, and
        the losses see each member's rows as one block."""
        views = self._views.get(m)
        if views is None:
            source = self if self.members is None or m == self.capacity else None
            if source is None:
                source = Workspace(self._network, m)
            views = self._views[m] = RowViews(source, m)
        return views

    def remember(self, X, weight):
        self.inputs, self.weight = X, weight


class RowViews:
    """The first ``m`` rows of a :class:`Workspace`'s buffers, by name."""

    def __init__(self, workspace, m):
        self.hidden = [buffers.rows(m) for buffers in workspace.hidden]
        self.logits = workspace.logits[..., :m, :]
        self.d_logits = workspace.d_logits[..., :m, :]


class _Slicer:
    """Hands out consecutive views of a parameter vector and its gradient.

    Given ``(k, per_member)`` arrays (a model axis, member-major), it slices
    the same columns of every row, and ``shape`` includes the leading ``k``.
    """

    def __init__(self, values, grads):
        self.values, self.grads, self.start = values, grads, 0

    def __call__(self, shape):
        members = self.values.ndim == 2
        size = int(np.prod(shape[1:] if members else shape))
        part = slice(self.start, self.start + size)
        self.start += size
        index = (slice(None), part) if members else part
        grad = None if self.grads is None else _view(self.grads[index], shape)
        return _view(self.values[index], shape), grad


def _view(array, shape):
    """``array.reshape(shape)`` that must not copy (strided member columns)."""
    view = array.view()
    view.shape = shape  # raises instead of copying if no view exists
    return view
