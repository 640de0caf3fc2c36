"""A stack of ``k`` networks of one shape over one flat parameter vector.

A network is always a stack of ``k >= 1`` members along a leading model axis
(the members of an ensemble, the folds of a cross-validation, the candidates
of a search); a single model is a stack of one. All trainable parameters are
views into ``theta`` and their gradients views into ``grad``, laid out member
by member: ``members_view(theta)[j]`` is member ``j``'s vector, in which every
weight matrix comes first (layer by layer, row-major) -- the order
scikit-learn uses when it packs parameters for L-BFGS -- then every bias
vector, then the batch-norm scales and shifts. Each member's weights are
therefore the prefix ``[:, :n_coefs]`` of its row, which is where penalties
act, and per-member numbers (learning rates, penalties) are ``(k, 1)``
columns against those rows. Batch-norm running statistics are not trained;
they live in a second flat vector, ``state``, laid out alike.

Layers see weights ``(k, fan_in, fan_out)``, biases ``(k, 1, width)`` and
rows ``(k, m, width)``; a stack of one sees ``(fan_in, fan_out)``,
``(width,)`` and ``(m, width)`` (:func:`skmlp.nn.fast.member_view`), the
arrays of a network of its own. Inputs are ``(k, m, n_features)`` (each
member its own rows) or ``(m, n_features)`` (rows shared by every member).
"""

from itertools import pairwise
from types import MappingProxyType

import numpy as np
import scipy.sparse as sp

from . import initializers
from .embeddings import get_embedding
from .fast import (
    is_shared,
    is_stack_of_one,
    member_view,
    reshaped_view,
    single,
    stack_shape,
    weighted_column_sum,
)
from .layers import BatchNorm, HeadLinear, HiddenLayer, InputAdapter, Linear, MemberRandom
from .objective import batch_weights


def _dropout_rates(dropout, n_hidden, n_members):
    """One rate per hidden layer; a layer whose members' rates differ has a
    tuple of one rate per member (``dropout`` may be ``(k, n_hidden)``)."""
    rates = np.broadcast_to(np.asarray(dropout, dtype=float), (n_members, n_hidden))
    return [
        float(column[0]) if np.all(column == column[0]) else tuple(map(float, column))
        for column in rates.T
    ]


#: The options of a network's architecture and their defaults (see
#: :class:`Network`).
ARCHITECTURE = MappingProxyType(
    dict(batch_norm=False, dropout=0.0, residual=False, embedding=None, heads=1)
)


#: The most bytes of one layer's activations of all members for which
#: :meth:`Network.predict_members` predicts them in one pass: an ensemble of 8
#: members predicting 5000 rows through 100 units in one pass works on 32 MB
#: arrays, out of cache and 1.4-2x as slow as one member after the other;
#: for few rows one pass is up to 2x faster than the members one by one.
PREDICT_BLOCK_BYTES = 4 * 2**20


class Network:
    """Fully connected networks; the output layer is linear (the loss links).

    ``batch_norm``, ``dropout``, ``residual``, ``embedding`` and ``heads``
    are keyword options (``**options``, their defaults in
    :data:`ARCHITECTURE`); :meth:`architecture` gives a network's own.

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
    dropout : float or array-like
        Dropout rate after each hidden layer: one rate, one per layer, or
        ``(n_members, n_hidden)``, one per member and layer.
    residual : bool
        Add each hidden layer's input to its output where the widths agree
        (hidden to hidden; the first hidden layer has no skip).
    n_members : int, default=1
        ``k``: the number of networks of this shape stacked along the model
        axis and trained as one program (see the module docstring).
        :meth:`member` gives member ``j`` as a network of its own,
        :meth:`stack` and :meth:`subset` make stacks.
    embedding : tuple or None, default=None
        ``(name, size)``: each input feature goes through the numerical
        embedding ``name`` of width ``size`` (:mod:`.embeddings`) before the
        first hidden layer, whose fan-in is then ``n_features * size``. Its
        parameters follow every other parameter in a member's row (no
        penalty acts on them); a piecewise encoding's bin edges follow the
        running statistics in ``state`` and are set by :meth:`fit_embedding`.
    heads : int, default=1
        ``H > 1``: a shared-weight ensemble of ``H`` heads (TabM-mini, see
        :class:`~skmlp.nn.layers.InputAdapter`): every hidden weight shared,
        each head its own input adapter (after the embedding; in a member's
        row after everything else) and output layer (``coefs[-1]`` is ``(H,
        fan_in, n_outputs)``). Logits are ``(H * m, n_outputs)``, head-major;
        each head's loss counts ``1 / H``. Needs a hidden layer; no dropout or
        batch normalisation.
    """

    def __init__(
        self, layer_units, activation, dtype=np.float64, *, n_members=1, **options
    ):
        unknown = set(options) - set(ARCHITECTURE)
        if unknown:
            raise TypeError(f"Unknown network option(s) {sorted(unknown)}.")
        options = {**ARCHITECTURE, **options}
        embedding = options["embedding"]
        self.layer_units = [int(u) for u in layer_units]
        self.embedding = (
            None if embedding is None else (str(embedding[0]), int(embedding[1]))
        )
        self.activation = activation
        self.dtype = np.dtype(dtype)
        self.batch_norm = bool(options["batch_norm"])
        self.n_members = int(n_members)
        self.dropout = _dropout_rates(
            options["dropout"], len(self.layer_units) - 2, self.n_members
        )
        self.residual = bool(options["residual"])
        self.heads = int(options["heads"])
        self._check_heads()
        shapes = self._shapes()
        H = self.heads
        #: One member's number of weights: the first n_coefs of its row.
        self.n_coefs = sum(a * b for a, b in shapes[:-1]) + H * np.prod(shapes[-1])
        n_biases = sum(self.layer_units[1:-1]) + H * self.layer_units[-1]
        n_norm = 2 * sum(self.layer_units[1:-1]) if self.batch_norm else 0
        n_embedding, n_edges = (sum(map(np.prod, s)) for s in self._embedding_shapes())
        n_adapters = H * shapes[0][0] if H > 1 else 0
        k = self.n_members
        n_params = self.n_coefs + n_biases + n_norm + int(n_embedding) + n_adapters
        self.theta = np.zeros(k * n_params, dtype=self.dtype)
        self.grad = np.zeros_like(self.theta)
        self.state = np.zeros(k * (n_norm + int(n_edges)), dtype=self.dtype)
        self._bind()

    def _check_heads(self):
        if self.heads < 1:
            raise ValueError(f"heads must be >= 1; got {self.heads}.")
        if self.heads == 1:
            return
        if len(self.layer_units) < 3:
            raise ValueError("A shared-weight ensemble (heads > 1) needs a hidden layer.")
        if self.batch_norm or self.uses_dropout:
            raise ValueError(
                "A shared-weight ensemble (heads > 1) takes no dropout or batch "
                "normalisation: its heads' rows share each minibatch."
            )

    def _embedding_shapes(self):
        """One member's embedding parameter and state shapes (two lists)."""
        if self.embedding is None:
            return [], []
        kind, size = get_embedding(self.embedding[0]), self.embedding[1]
        n_features = self.layer_units[0]
        return kind.parameter_shapes(n_features, size), kind.state_shapes(n_features, size)

    def _shapes(self):
        """Each linear layer's ``(fan_in, fan_out)``; the first takes the
        embedded features when there is an embedding."""
        units = list(self.layer_units)
        if self.embedding is not None:
            units[0] *= self.embedding[1]
        return list(pairwise(units))

    # -- views ---------------------------------------------------------------
    def _bind(self):
        k, widths = self.n_members, self.layer_units[1:-1]
        take = _Slicer(self.members_view(self.theta), self.members_view(self.grad))
        shapes, H = self._shapes(), self.heads
        linears = self._bind_linears(take, shapes)
        norms = [None] * len(widths)
        stats = _Slicer(self.members_view(self.state), None)
        if self.batch_norm:
            scales = [take((k, 1, w), 1) for w in widths]
            shifts = [take((k, 1, w), 1) for w in widths]
            means = [stats((k, 1, w), 1)[0] for w in widths]
            variances = [stats((k, 1, w), 1)[0] for w in widths]
            norms = [
                BatchNorm(g[0], b[0], g[1], b[1], m, v)
                for g, b, m, v in zip(scales, shifts, means, variances)
            ]
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
        self.embedder = self._bind_embedding(take, stats)
        self.adapter = None
        if H > 1:
            self.adapter = InputAdapter(*take((k, H, 1, shapes[0][0]), 3))
        self._workspace = None

    def _bind_linears(self, take, shapes):
        """The linear layers over the members' rows: every weight matrix,
        then every bias (the output layer's per head when there are heads)."""
        k, H = self.n_members, self.heads
        weights = [take((k, *shape), 2) for shape in shapes[:-1]]
        weights.append(take((k, H, *shapes[-1]), 3) if H > 1 else take((k, *shapes[-1]), 2))
        biases = [take((k, 1, shape[1]), 1) for shape in shapes[:-1]]
        o = shapes[-1][1]
        biases.append(take((k, H, 1, o), 3) if H > 1 else take((k, 1, o), 1))
        linears = [Linear(w[0], b[0], w[1], b[1]) for w, b in zip(weights, biases)]
        if H > 1:
            w, b = weights[-1], biases[-1]
            linears[-1] = HeadLinear(w[0], b[0], w[1], b[1])
        return linears

    def _bind_embedding(self, take, stats):
        """The embedding layer over the rows of ``theta`` and ``state`` that
        follow everything else, or ``None``; its views keep the model axis."""
        if self.embedding is None:
            return None
        k = self.n_members
        params, state = self._embedding_shapes()
        views = [take((k, *shape), len(shape) + 1) for shape in params]
        views += [stats((k, *shape), len(shape) + 1)[0] for shape in state]
        return get_embedding(self.embedding[0])(*views)

    def __getstate__(self):
        state = self.__dict__.copy()
        # layer objects are views, rebuilt by _bind; the workspace is transient
        # a member's view saves its own rows (as a network of its own): the
        # ensemble that holds its stack saves the stack once (BaseMLP)
        for key in ("hidden", "output", "embedder", "adapter", "_workspace", "_views"):
            state.pop(key, None)
        state.pop("_view_of", None)
        state["dtype"] = self.dtype.name  # plain data for safe formats (skops)
        return state

    def __setstate__(self, state):
        if state.get("n_members") is None:  # saved before stacks of one
            state["n_members"] = 1
        state.setdefault("embedding", None)  # saved before embeddings
        state.setdefault("heads", 1)
        if state["embedding"] is not None:
            state["embedding"] = tuple(state["embedding"])
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

    @property
    def spec(self):
        """What networks must share to be stacked."""
        return (
            tuple(self.layer_units),
            self.activation,
            self.dtype,
            self.batch_norm,
            self.residual,
            self.embedding,
            self.heads,
        )

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

        ``rng`` is a generator, or a sequence of one per member: member ``j``
        draws from ``rng[j]`` exactly what a network of its own would draw
        from it."""
        rngs = list(rng) if isinstance(rng, (list, tuple)) else [rng]
        if len(rngs) != self.n_members:
            raise ValueError(
                f"{self.n_members} member(s) need as many generators; got {len(rngs)}."
            )
        for j, member_rng in enumerate(rngs):
            for W, b in zip(self._stacked("W"), self._stacked("b")):
                fan_in, fan_out = W.shape[-2:]
                for h in range(W.shape[1]):  # an output layer's heads
                    W[j, h], b[j, h] = initializers.draw(
                        scheme, self.activation, member_rng, fan_in, fan_out
                    )
            # after the layers: their draws stay scikit-learn's
            if self.embedder is not None:
                self.embedder.initialize(j, member_rng)
            if self.adapter is not None:
                self.adapter.initialize(j, member_rng)
        for layer in self.hidden:
            if layer.batch_norm:
                layer.batch_norm.gamma[...] = 1
                layer.batch_norm.beta[...] = 0
                layer.batch_norm.running_mean[...] = 0
                layer.batch_norm.running_var[...] = 1

    def _stacked(self, name):
        """Each layer's weights (``"W"``) or biases (``"b"``) with the model
        axis and a head axis (of 1 but for an output layer's heads), ``(k,
        H, fan_in, fan_out)`` or ``(k, H, width)``."""
        k = self.n_members
        for linear in self.linears:
            array = getattr(linear, name)
            width = array.shape[-1]
            yield (
                array.reshape(k, -1, *array.shape[-2:])
                if name == "W"
                else array.reshape(k, -1, width)
            )

    def checkpoint(self, out=None):
        """A copy of everything needed to restore the current model, one row
        per member: ``(k, parameters + running statistics)`` (written into
        ``out`` when given, so that repeated checkpoints allocate nothing)."""
        theta, state = self.members_view(self.theta), self.members_view(self.state)
        if out is None:
            return np.concatenate([theta, state], axis=1)
        out[:, : theta.shape[1]] = theta
        out[:, theta.shape[1] :] = state
        return out

    def member_checkpoint(self, j):
        """A copy of member ``j``'s row of :meth:`checkpoint`."""
        return np.concatenate(
            [self.members_view(self.theta)[j], self.members_view(self.state)[j]]
        )

    def restore(self, checkpoint, positions=None):
        """Set the members at ``positions`` (all by default) to their rows of
        ``checkpoint``; a member's own row (1-D) restores that member."""
        theta, state = self.members_view(self.theta), self.members_view(self.state)
        checkpoint = np.reshape(checkpoint, (-1, theta.shape[1] + state.shape[1]))
        rows = slice(None) if positions is None else positions
        theta[rows] = checkpoint[:, : theta.shape[1]]
        state[rows] = checkpoint[:, theta.shape[1] :]

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

    def _like(self, n_members=1, dropout=None):
        """A zero network of this architecture (with ``n_members`` members and
        ``dropout``, by default this network's rates)."""
        return Network(
            self.layer_units,
            self.activation,
            self.dtype,
            n_members=n_members,
            **self.architecture(
                dropout=self._member_dropout() if dropout is None else dropout
            ),
        )

    def architecture(self, **changes):
        """The options this network was built with (:data:`ARCHITECTURE`),
        with ``changes``."""
        own = {name: getattr(self, name) for name in ARCHITECTURE}
        return {**own, **changes}

    def astype(self, dtype):
        """This network with its parameters and running statistics in
        ``dtype``: a copy, or the network itself when it has that dtype."""
        if np.dtype(dtype) == self.dtype:
            return self
        other = Network(
            self.layer_units,
            self.activation,
            dtype,
            n_members=self.n_members,
            **self.architecture(dropout=self._member_dropout()),
        )
        other.theta[:] = self.theta
        other.state[:] = self.state
        return other

    def member(self, j, copy=True):
        """Member ``j`` as a network of its own: a copy of its parameters and
        running statistics, or (``copy=False``) views of them, which see the
        member's training as it goes on. The member of a stack of one is the
        network itself."""
        if is_stack_of_one(self):
            return self
        single = self._like(dropout=self._member_dropout()[j])
        theta, state = self.members_view(self.theta)[j], self.members_view(self.state)[j]
        if copy:
            single.theta[...] = theta
            single.state[...] = state
            return single
        single.theta, single.state = theta, state
        single.grad = self.members_view(self.grad)[j]
        single._view_of = (self, j)
        single._bind()
        return single

    def subset(self, members):
        """A stack of the members at positions ``members`` (copies of their rows)."""
        subset = self._like(len(members), self._member_dropout()[members])
        subset.members_view(subset.theta)[...] = self.members_view(self.theta)[members]
        subset.members_view(subset.state)[...] = self.members_view(self.state)[members]
        return subset

    @staticmethod
    def stack(networks):
        """One stack whose members are (copies of) the members of ``networks``,
        in order; they must share architecture and dtype. A stack of one
        network is that network itself."""
        first = networks[0]
        if len({n.spec for n in networks}) != 1:
            raise ValueError("Only networks of one architecture and dtype can be stacked.")
        if single(networks) is not None:
            return first
        dropout = np.concatenate([n._member_dropout() for n in networks])
        stacked = first._like(len(dropout), dropout)
        stacked.theta[...] = np.concatenate([n.theta for n in networks])
        stacked.state[...] = np.concatenate([n.state for n in networks])
        return stacked

    def set_dropout(self, dropout):
        """Change the dropout rates (a training-time setting, not a parameter)."""
        self.dropout = _dropout_rates(dropout, len(self.layer_units) - 2, self.n_members)
        self._bind()

    #: Rows per chunk when the running statistics are recomputed on a data set.
    REFRESH_CHUNK = 4096

    def refresh_batch_norm(self, X, sample_weight=None):
        """Set the running statistics to the (weighted) statistics of the
        pre-activations on all of ``X`` under the current weights (of a stack
        of one, or of members that all see the rows ``X``).

        Layer by layer, the layers below already refreshed, so each layer sees
        the inputs a full-batch training pass would give it (dropout off, as
        in prediction). Rows go through in chunks of :data:`REFRESH_CHUNK`, so
        the memory does not grow with ``len(X)``.
        """
        weight = batch_weights(sample_weight, X.shape[0])[0]
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
            A = self._embedded(X[rows])
            for layer in self.hidden[:depth]:
                A = layer.predict(A)
            chunk_weight = weight if is_shared(weight) else weight[rows]
            yield self.hidden[depth].linear.predict(A), chunk_weight

    def fit_embedding(self, X, sample_weight=None):
        """Fit what the embedding learns from the training rows ``X`` and
        their weights (a piecewise encoding's bins; nothing for the others),
        for every member (rows shared by the members)."""
        if self.embedder is not None and not sp.issparse(X):
            for j in range(self.n_members):
                self.embedder.fit(np.asarray(X), j, sample_weight)

    def _embedded(self, X):
        """``X`` through the embedding (inference mode), or ``X`` itself."""
        return X if self.embedder is None else self.embedder.predict(X)

    # -- training-mode passes (preallocated buffers) -------------------------
    def forward(self, X, rng=None, weight=None):
        """Forward pass in training mode; returns the logits (a buffer).

        ``rng`` (a :class:`~skmlp.nn.layers.MemberRandom`, or a stack of one's
        ``numpy.random.Generator``) draws the dropout masks; ``weight``
        (normalised sample weights, a scalar ``1 / m`` by default) weights
        the batch-norm statistics.
        """
        m = X.shape[-2]
        if self._workspace is None:
            self._workspace = Workspace(self)
        buffers = self._workspace.rows(m * self.heads)
        weight = 1.0 / m if weight is None else weight
        if rng is not None and not isinstance(rng, MemberRandom):  # a stack of one's
            rng = MemberRandom([rng])
        if self.embedder is not None:
            X = self.embedder.forward(X)
        if self.adapter is not None:
            X = self.adapter.forward(X)
        inputs = X
        for layer, layer_buffers in zip(self.hidden, buffers.hidden):
            inputs = layer.forward(inputs, layer_buffers, rng, weight)
        self.output.forward(inputs, buffers.logits)
        self._workspace.remember(X, weight, buffers)
        return buffers.logits

    def output_grad(self):
        """The buffer that must receive dLoss/dlogits of the last
        :meth:`forward` before :meth:`backward`."""
        return self._workspace.last.d_logits

    def backward(self):
        """Backpropagate the output gradient of the last :meth:`forward`;
        fills ``self.grad``."""
        X, weight, buffers = (
            self._workspace.inputs,
            self._workspace.weight,
            self._workspace.last,
        )
        hidden = buffers.hidden
        # the first layer's input gradient, when an adapter or embedding learns
        embedding_learns = self.embedder is not None and self.embedder.trained
        dX = np.empty(X.shape, self.dtype) if embedding_learns or self.adapter else None
        if not hidden:
            self.output.backward(X, buffers.d_logits, dX)
        else:
            self.output.backward(hidden[-1].A, buffers.d_logits, hidden[-1].dA)
            for i in range(len(hidden) - 1, 0, -1):
                self.hidden[i].backward(
                    hidden[i - 1].A, hidden[i], hidden[i - 1].dA, weight
                )
            self.hidden[0].backward(X, hidden[0], dX, weight)
        if self.adapter is not None:
            dX = self.adapter.backward(dX, need_input=embedding_learns)
        if embedding_learns:
            self.embedder.backward(dX)

    def release(self):
        """Drop the training buffers and the reference to the last batch."""
        self._workspace = None

    # -- prediction (allocates; safe to call from several threads) -----------
    def predict_raw(self, X):
        """Logits for ``X`` (inference mode) without touching shared buffers;
        with heads, each head's: ``(H * m, n_outputs)``, head-major."""
        A = self._embedded(X)
        if self.adapter is not None:
            A = self.adapter.predict(A)
        for layer in self.hidden:
            A = layer.predict(A)
        return self.output.predict(A)

    def predict_members(self, X):
        """Logits for ``X`` (inference mode) of every member and head:
        ``(k * H, m, n_outputs)``, member-major, then head-major. All members
        go in one pass while their activations stay in cache
        (:meth:`rows_per_block`); for more rows, one member after the other,
        each as fast as a network of its own."""
        if X.shape[0] <= self.rows_per_block() or is_stack_of_one(self):
            raw = self.predict_raw(X)
            return raw.reshape(self.n_members * self.heads, -1, raw.shape[-1])
        views = self._member_views()
        return np.concatenate([member.predict_members(X) for member in views])

    def _member_views(self):
        """Each member as a network viewing its row (made once, not saved)."""
        views = self.__dict__.get("_views")
        if views is None:
            views = [self.member(j, copy=False) for j in range(self.n_members)]
            self._views = views
        return views

    def rows_per_block(self):
        """The most rows whose widest layer of activations (the embedded
        inputs too), for every member and head, takes :data:`PREDICT_BLOCK_BYTES`."""
        widest = max(max(fan_in, fan_out) for fan_in, fan_out in self._shapes())
        width = widest * self.n_members * self.heads
        return PREDICT_BLOCK_BYTES // (width * self.dtype.itemsize)

    def input_gradient(self, X, output_grad):
        """Inference-mode logits for ``X`` and the gradient of a function of
        them with respect to ``X``: ``output_grad(logits)`` returns that
        function's gradient with respect to the logits (same shape). Returns
        ``(logits, dX)``; on a model axis ``dX`` is ``(k, m, n_features)``,
        each member's own. With heads, the function is the heads' mean of
        ``output_grad``'s function of each head's logits (``H * m`` rows)."""
        A, kept = X, []
        if self.embedder is not None:
            A, embedded = self.embedder.predict_keeping(X)
        if self.adapter is not None:
            A = self.adapter.predict(A)
        for layer in self.hidden:
            A, layer_kept = layer.predict_keeping(A)
            kept.append(layer_kept)
        logits = self.output.predict(A)
        dA = self.output.input_grad(output_grad(logits))
        for layer, layer_kept in zip(reversed(self.hidden), reversed(kept)):
            dA = layer.input_grad(layer_kept, dA)
        if self.adapter is not None:
            dA = self.adapter.input_grad(dA)
        if self.embedder is not None:
            dA = self.embedder.input_grad(embedded, dA)
        return logits, dA


class RowBuffers:
    """A network's training buffers for batches of ``m`` rows: each hidden
    layer's :class:`~skmlp.nn.layers.Buffers`, and the output layer's
    ``logits`` and ``d_logits``; ``(m, width)``, or ``(k, m, width)`` on a
    model axis."""

    def __init__(self, network, m):
        k, dtype = network.n_members, network.dtype
        self.hidden = [
            layer.allocate(stack_shape(k, m, layer.n_out), dtype)
            for layer in network.hidden
        ]
        shape = stack_shape(k, m, network.layer_units[-1])
        self.logits = np.empty(shape, dtype)
        self.d_logits = np.empty(shape, dtype)


class Workspace:
    """A network's training buffers, one :class:`RowBuffers` per batch size
    (minibatch training sees two: the batch and the last one), and the last
    forward pass's input, weight and buffers for :meth:`Network.backward`."""

    def __init__(self, network):
        self._network = network
        self._rows = {}
        self.inputs = self.weight = self.last = None

    def rows(self, m):
        buffers = self._rows.get(m)
        if buffers is None:
            buffers = self._rows[m] = RowBuffers(self._network, m)
        return buffers

    def remember(self, X, weight, buffers):
        self.inputs, self.weight, self.last = X, weight, buffers


class _Slicer:
    """Hands out consecutive views of the members' rows of a parameter vector
    and its gradient, ``(k, per_member)``: ``shape`` includes the leading
    ``k``; a stack of one gets the view without its unit axes, of ``rank``
    dimensions (:func:`~skmlp.nn.fast.member_view`)."""

    def __init__(self, values, grads):
        self.values, self.grads, self.start = values, grads, 0

    def __call__(self, shape, rank):
        size = int(np.prod(shape[1:]))
        part = (slice(None), slice(self.start, self.start + size))
        self.start += size
        grad = (
            None
            if self.grads is None
            else member_view(reshaped_view(self.grads[part], shape), rank)
        )
        return member_view(reshaped_view(self.values[part], shape), rank), grad
