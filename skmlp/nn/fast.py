"""Measured fast paths for the small arrays of minibatch training.

On minibatches of tens of rows a NumPy call costs more in dispatch than in
arithmetic, and some of NumPy's generic routes are several times slower than
an equivalent one. Each helper below replaces such a route; its docstring
gives the measurement that justifies it (2-core AMD EPYC, numpy 2.4, OpenBLAS
0.3.30). The mathematics modules call these helpers and otherwise read as
mathematics. Every helper computes the same values as the plain expression
it stands for (up to the summation order of a dot product).
"""

import functools
import math

import numpy as np

#: Up to this length a sum is a BLAS dot with a cached vector of ones (a third
#: of the cost of ``.sum()``); longer ones keep NumPy's pairwise summation,
#: which is more accurate and whose call cost no longer matters.
SHORT_SUM = 4096

#: OpenBLAS runs a dot product on one thread up to this many elements.
SINGLE_THREAD_DOT = 10_000

#: Length of the scratch vectors that penalties work in, block by block.
SCRATCH_BLOCK = 1 << 15


@functools.lru_cache(maxsize=64)
def ones(n, dtype):
    """A read-only vector of ``n`` ones, cached: the one vector of ones that
    row sums and bias gradients multiply by (``ones @ dZ`` is one BLAS call,
    several times faster than ``dZ.sum(axis=0)`` on 32-row batches)."""
    vector = np.ones(n, dtype)
    vector.flags.writeable = False
    return vector


@functools.lru_cache(maxsize=64)
def zero_row(n, dtype):
    """A read-only row of ``n`` zeros, cached. ``np.maximum(Z, zero_row)``
    takes a loop 2-4x faster than ``np.maximum(Z, 0)`` (200x256 float32: 9 us
    against 36 us), and a full array of zeros would cost a page fault per
    4 KiB read."""
    row = np.zeros(n, dtype)
    row.flags.writeable = False
    return row


def matmul_into(X, W, out):
    """``out[...] = X @ W`` without a temporary when ``X`` is a NumPy array.

    ``np.dot`` writes straight into the C-contiguous buffer ``out`` and costs
    about 0.7 us less per call than ``np.matmul``: on minibatches of 32 rows a
    sixth of each product. Anything else (sparse input, another dtype)
    computes ``X @ W`` and copies it in.
    """
    if W.ndim == 3:  # a model axis: one product per member, stacked
        stacked_matmul_into(X, W, out)
    elif type(X) is np.ndarray and X.dtype == out.dtype:
        np.dot(X, W, out=out)
    else:
        np.copyto(out, X @ W)


def stacked_matmul_into(X, W, out):
    """``out[j] = X[j] @ W[j]`` (``X`` of shape ``(k, m, d)``) or ``X @ W[j]``
    (``X`` of shape ``(m, d)``, shared by the members), for ``W`` of shape
    ``(k, d, h)``. ``np.matmul`` over the leading axis is as fast as a loop of
    2-D BLAS calls or faster (k=8, 32x50 @ 50x64: 0.034 against 0.045 ms;
    ``einsum`` is slower); sparse ``X`` goes member by member."""
    if isinstance(X, np.ndarray) and X.shape[-1] > 1:
        # a single row or a single output is a matrix-vector product, which
        # NumPy's stacked matmul does faster than a loop (k=50, 200x100 @
        # 100x1: 194 us against 294 us; bias sums 1x200 @ 200x1: 5 us
        # against 82 us)
        np.matmul(X, W, out=out)
        return
    if isinstance(X, np.ndarray):
        # an outer product (one inner dimension) takes no BLAS in NumPy's
        # stacked matmul: a loop of np.dot is 3x faster (k=5, 200x1 @ 1x100:
        # 76 us against 260 us)
        shared = X.ndim == 2
        for j in range(W.shape[0]):
            np.dot(X if shared else X[j], W[j], out=out[j])
        return
    for j in range(W.shape[0]):
        np.copyto(out[j], X @ W[j])


def stacked_matmul(X, W):
    """``X @ W`` for prediction, stacked over ``W``'s model axis when it has one."""
    if W.ndim == 2 or isinstance(X, np.ndarray):
        return X @ W
    return np.stack([X @ W[j] for j in range(W.shape[0])])


def row_max(A):
    """Maximum of each row, as a column.

    NumPy reduces along a short axis slowly (~45 ns a row), so a tall array
    with few columns (predictions, large batches) takes ``np.maximum`` over
    its columns instead: 15x faster for 5000 x 3 (13 us against 200 us).
    Small batches keep the reduction, which needs one call instead of one per
    column.
    """
    if A.ndim == 3:  # a model axis
        return A.max(axis=-1, keepdims=True)
    n_rows, n_cols = A.shape
    if n_rows <= 32 * n_cols:
        return A.max(axis=1, keepdims=True)
    out = A[:, :1].copy()
    for k in range(1, n_cols):
        np.maximum(out, A[:, k : k + 1], out=out)
    return out


def row_sum(A):
    """Sum of each row as a column, by one BLAS product with :func:`ones`."""
    return np.dot(A, ones(A.shape[-1], A.dtype))[..., None]


def rowwise_dot(A, B):
    """``sum_k A_ik B_ik`` for each row ``i`` (one pass, no product array)."""
    if A.ndim == 3:  # a model axis: (k, m, o) -> (k, m)
        return np.einsum("kij,kij->ki", A, B)
    return np.einsum("ij,ij->i", A, B)


def weighted_sum(per_sample, weight):
    """``sum_i weight_i * per_sample_i`` for a scalar or column ``weight``; one
    sum per member for ``(k, m)`` values (weights scalar or ``(k, m, 1)``).

    For a scalar weight, sums of up to :data:`SHORT_SUM` values are a BLAS dot
    with :func:`ones` (a third of the cost of ``.sum()``).
    """
    if per_sample.ndim == 2:  # a model axis: one sum per member, shape (k,)
        if np.ndim(weight) == 0:
            return weight * per_sample.sum(axis=1)
        return np.einsum("km,km->k", per_sample, weight[..., 0])
    if isinstance(weight, np.ndarray) and weight.ndim:
        return float(per_sample @ weight.ravel())
    n = per_sample.shape[0]
    if n > SHORT_SUM:
        return float(weight * per_sample.sum())
    return float(weight * np.dot(per_sample, ones(n, per_sample.dtype)))


def weighted_dot(Y, raw, weight):
    """``sum_i weight_i sum_k Y_ik raw_ik``; one BLAS dot for a scalar weight
    (``np.vdot``: no product array)."""
    if raw.ndim == 3:  # a model axis
        return weighted_sum(rowwise_dot(Y, raw), weight)
    if isinstance(weight, np.ndarray) and weight.ndim:
        return float(rowwise_dot(Y, raw) @ weight.ravel())
    return float(weight * np.vdot(Y, raw))


def weighted_column_sum(A, weight):
    """``sum_i weight_i A_i`` for a scalar or column ``weight``: for a column,
    one BLAS product instead of a weighted copy and a reduction. With a model
    axis (``A`` of shape ``(k, m, w)``, ``weight`` scalar or ``(k, m, 1)``),
    one sum per member, of shape ``(k, 1, w)``."""
    if A.ndim == 3:
        if np.ndim(weight) == 0:
            return weight * A.sum(axis=1, keepdims=True)
        return np.matmul(np.swapaxes(weight, 1, 2), A)
    if np.ndim(weight) == 0:
        return weight * A.sum(axis=0)
    return weight.ravel() @ A


def squared_norm(x):
    """``x @ x``. Above :data:`SINGLE_THREAD_DOT` elements a BLAS dot may
    start threads, which under contention (parallel cross-validation) costs
    milliseconds per call, so long vectors use NumPy's own loop instead;
    short ones keep BLAS, ~3x faster there."""
    if x.size <= SINGLE_THREAD_DOT:
        return float(np.dot(x, x))
    return float(np.einsum("i,i->", x, x))


def scratch_for(n, dtype):
    """A scratch vector for work on ``n`` values: one block at most, so that it
    stays in cache and costs no memory of the model's size (162k float32
    weights: the L2 gradient through 5 blocks costs ~25 us a step more than
    through one weights-sized scratch, which would be a whole model copy)."""
    return np.empty(min(n, SCRATCH_BLOCK), dtype)


def blocks(n, scratch):
    """``(part, scratch_view)`` pairs covering ``range(n)`` block by block."""
    size = scratch.size
    for start in range(0, n, size):
        stop = min(start + size, n)
        yield slice(start, stop), scratch[: stop - start]


# -- a model axis: the maths is written once, for a stack of k members --------------
# Arrays with a leading model axis are (k, rows, width); a stack of one member
# drops that axis (member_view), so that a single network computes on the 2-D
# arrays, and with the BLAS calls, that it always has. The helpers below take
# either rank; they are the only places that tell the two apart.


def member_view(view, rank):
    """``view`` (leading model axis) of a stack of one member without that axis
    and any other leading unit axes: its last ``rank`` axes (weights: 2, rows
    of a buffer: 2, a bias or a batch-norm vector: 1). A stack of several
    members keeps its shape."""
    if view.shape[0] != 1:
        return view
    return reshaped_view(view, view.shape[-rank:])


def stack_shape(k, *shape):
    """The shape of ``k`` members' arrays of ``shape``: ``(k, *shape)``, and
    ``shape`` itself for a stack of one (see :func:`member_view`)."""
    return shape if k == 1 else (k, *shape)


def reshaped_view(array, shape):
    """``array.reshape(shape)`` that must not copy (strided member columns)."""
    view = array.view()
    view.shape = shape  # raises instead of copying if no view exists
    return view


def as_stack(A):
    """``A`` with a leading model axis: itself when it has one, else a stack of
    one (a view)."""
    return A if A.ndim == 3 else A[None]


def per_member(array, k, rank):
    """``array`` as each of ``k`` members' own: itself when it has a model
    axis (more than ``rank`` dimensions), is ``None`` or belongs to a stack of
    one; rows shared by the members (``rank`` dimensions) as a read-only
    broadcast view ``(k, *array.shape)``."""
    if array is None or k == 1 or array.ndim > rank:
        return array
    return np.broadcast_to(array, (k, *array.shape))


def all_finite(value):
    """Whether every member's value (a float for a stack of one) is finite."""
    if type(value) is float:
        return math.isfinite(value)
    return bool(np.isfinite(value).all())


def column_sums_into(A, out):
    """``out <- sum_i A_i``: the sums over the rows, by a product with
    :func:`ones` (several times faster than ``A.sum(axis=0)`` on 32-row
    batches; on a model axis 2x faster than ``np.sum`` over the rows).
    ``A`` is ``(m, w)`` (``out`` ``(w,)``) or ``(k, m, w)`` (``out`` ``(k, 1, w)``)."""
    vector = ones(A.shape[-2], A.dtype)
    if A.ndim == 2:
        np.dot(vector, A, out=out)
    else:
        np.matmul(vector[None], A, out=out)


def column_dots_into(A, B, out):
    """``out <- sum_i A_i * B_i`` (elementwise within a row), summed over the
    rows: ``(w,)`` from ``(m, w)`` arrays, ``(k, 1, w)`` from ``(k, m, w)``."""
    if A.ndim == 2:
        np.einsum("ij,ij->j", A, B, out=out)
    else:
        np.einsum("kij,kij->kj", A, B, out=out[:, 0])


def transposed_matmul_into(X, dZ, out):
    """``out <- X^T dZ`` (a weight gradient): per member on a model axis, with
    rows ``X`` shared by the members when ``X`` is 2-D and ``dZ`` 3-D."""
    if dZ.ndim == 2:
        matmul_into(X.T, dZ, out)
    else:
        stacked_matmul_into(np.swapaxes(X, -1, -2) if X.ndim == 3 else X.T, dZ, out)


def matmul_transposed_into(dZ, W, out):
    """``out <- dZ W^T`` (the gradient of a layer's input), per member."""
    if W.ndim == 2:
        np.dot(dZ, W.T, out=out)
    else:
        stacked_matmul_into(dZ, np.swapaxes(W, 1, 2), out)


def member_zeros(k):
    """Zero for each of ``k`` members: ``(k,)``, a float for a stack of one."""
    return 0.0 if k == 1 else np.zeros(k)


def row_squared_norms(W):
    """``||W_j||^2`` of each row of ``(k, n)`` (each member's weights): ``(k,)``,
    a float for a stack of one (:func:`squared_norm`)."""
    if W.shape[0] == 1:
        return squared_norm(W[0])
    return np.einsum("ki,ki->k", W, W)


# A per-member number (a penalty's strength, a step size, a weight total, a
# dropout rate) is one number shared by every member or one value per member
# on the model axis; a list of the members' parts (optimizers, validation sets,
# loss groups) of a stack of one is that one part itself. These helpers are
# the only places that tell the cases apart.


def is_shared(value):
    """Whether ``value`` is one number for every member (a scalar), not one
    value per member (an array with a leading model axis)."""
    return np.ndim(value) == 0


def member_value(value, j):
    """Member ``j``'s value of a per-member number (see :func:`is_shared`)."""
    return value if is_shared(value) else value[j]


def is_per_coordinate(step):
    """Whether ``step`` holds a step size per coordinate, ``(k, n)`` (an
    adaptive optimizer's), rather than a number or one per member."""
    return np.ndim(step) == 2


def single(parts):
    """The one part of a stack of one (a list of the members' parts), else
    ``None``: a stack of one is its part itself, with its own arrays (which
    may be sparse) and no copy."""
    return parts[0] if len(parts) == 1 else None


def is_stack_of_one(network):
    """Whether ``network`` is a stack of one member."""
    return network.n_members == 1
