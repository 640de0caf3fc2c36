"""Minibatches gathered into reusable buffers."""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


class Minibatches:
    """Iterate over ``(X, Y, sample_weight)`` minibatches, optionally shuffled.

    The shuffle reproduces scikit-learn's MLP exactly: each epoch permutes
    the running index array with ``rng.shuffle`` of a fresh ``arange``.
    Shuffled dense rows are gathered with ``np.take`` into buffers allocated
    once (``mode="clip"`` because the default mode buffers through a
    temporary; the indices are valid by construction); unshuffled batches are
    views.
    """

    def __init__(self, X, Y, sample_weight, batch_size, shuffle, rng):
        self.X, self.Y, self.sample_weight = X, Y, sample_weight
        self.n_samples = X.shape[0]
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.rng = rng
        self.order = np.arange(self.n_samples)
        self._dense = not sp.issparse(X)
        #: When set, a last batch of one row joins the batch before it.
        self.merge_single_row = False
        if shuffle and self._dense:
            rows = self.batch_size + 1  # room for a merged last row
            self._X_buffer = np.empty((rows, X.shape[1]), X.dtype)
            self._Y_buffer = np.empty((rows, Y.shape[1]), Y.dtype)

    def new_epoch(self):
        if self.shuffle:
            perm = np.arange(self.n_samples)
            self.rng.shuffle(perm)
            self.order = self.order[perm]

    def __iter__(self):
        for start, stop in self.bounds():
            yield self._gather(start, stop)

    def bounds(self):
        """``(start, stop)`` of each batch in the epoch's order."""
        n, size = self.n_samples, self.batch_size
        starts = list(range(0, n, size))
        if self.merge_single_row and len(starts) > 1 and n - starts[-1] == 1:
            starts.pop()
        return zip(starts, [*starts[1:], n])

    def _gather(self, start, stop):
        sw = self.sample_weight
        if not self.shuffle:
            return (
                self.X[start:stop],
                self.Y[start:stop],
                None if sw is None else sw[start:stop],
            )
        idx = self.order[start:stop]
        m = stop - start
        if self._dense:
            Xb = self.X.take(idx, axis=0, out=self._X_buffer[:m], mode="clip")
            Yb = self.Y.take(idx, axis=0, out=self._Y_buffer[:m], mode="clip")
        else:
            Xb, Yb = self.X[idx], self.Y[idx]
        return Xb, Yb, None if sw is None else sw[idx]


@dataclass(frozen=True)
class MemberRows:
    """One member's training rows on a model axis.

    ``X``, ``Y`` and ``sample_weight`` may be shared with other members;
    ``rows`` picks this member's rows of all three (``None``: all of them),
    so the folds of one table, or members with their own validation splits,
    index one set of arrays instead of copying it.
    """

    X: np.ndarray
    Y: np.ndarray
    sample_weight: np.ndarray = None
    rows: np.ndarray = None

    @property
    def n_rows(self):
        return self.Y.shape[0] if self.rows is None else len(self.rows)

    def source_rows(self, positions):
        """Row indices into the arrays of this member's rows at ``positions``."""
        return positions if self.rows is None else self.rows[positions]

    def weights(self):
        """The member's own sample weights (``None`` without)."""
        sw = self.sample_weight
        return sw if sw is None or self.rows is None else sw[self.rows]


class MemberMinibatches:
    """Minibatches for the ``k`` members of a model axis, each member with its
    own rows (:class:`MemberRows`), batch size and shuffle.

    Member ``j``'s batches are exactly those :class:`Minibatches` gives for
    its rows with ``batch_sizes[j]`` and ``rngs[j]`` (same permutations, same
    batch bounds); they are yielded stacked, ``(k, m, d)`` and ``(k, m, o)``,
    in buffers of ``m`` rows, the largest of the members' batches. A member
    whose batch is smaller is padded with rows of weight 0: then the sample
    weights are ``(k, m)`` (with zeros) and the fourth item of a batch is each
    member's number of real rows, ``(k,)``; otherwise it is ``None``. Every
    member must have the same number of batches per epoch
    (:func:`batch_counts`).
    """

    def __init__(self, members, batch_sizes, shuffle, rngs):
        self.members = list(members)
        self.orders = [
            Minibatches(*[np.empty((m.n_rows, 0))] * 2, None, size, False, None)
            for m, size in zip(self.members, batch_sizes)
        ]
        for order, rng in zip(self.orders, rngs):
            order.shuffle, order.rng = shuffle, rng
        self.n_samples = np.array([m.n_rows for m in self.members])
        self._shared = _share_arrays(self.members)
        self._weighted = any(m.sample_weight is not None for m in self.members)
        self._buffers = {}
        self._check_counts()

    def subset(self, members):
        """The batches of the members at positions ``members``: their own
        orders and generators continue where they are."""
        subset = MemberMinibatches.__new__(MemberMinibatches)
        subset.members = [self.members[j] for j in members]
        subset.orders = [self.orders[j] for j in members]
        subset.n_samples = self.n_samples[members]
        subset._shared = _share_arrays(subset.members)
        subset._weighted = any(m.sample_weight is not None for m in subset.members)
        subset._buffers = {}
        return subset

    @property
    def merge_single_row(self):
        return self.orders[0].merge_single_row

    @merge_single_row.setter
    def merge_single_row(self, value):
        for order in self.orders:
            order.merge_single_row = value
        self._check_counts()

    def _check_counts(self):
        counts = {len(list(order.bounds())) for order in self.orders}
        if len(counts) > 1:
            raise ValueError(
                "The members' epochs have different numbers of minibatches "
                f"({sorted(counts)}); they cannot take their steps together."
            )

    def new_epoch(self):
        for order in self.orders:
            order.new_epoch()

    def __iter__(self):
        for bounds in zip(*(order.bounds() for order in self.orders)):
            counts = np.array([stop - start for start, stop in bounds])
            positions = [
                order.order[start:stop] for order, (start, stop) in zip(self.orders, bounds)
            ]
            yield self._gather(positions, counts)

    def _gather(self, positions, counts):
        m = int(counts.max())
        padded = bool((counts < m).any())
        Xb, Yb, swb = self._buffer(m)
        members, weighted = self.members, self._weighted or padded
        if self._shared and not padded:
            first = members[0]
            index = np.stack([mb.source_rows(p) for mb, p in zip(members, positions)])
            first.X.take(index, axis=0, out=Xb, mode="clip")
            first.Y.take(index, axis=0, out=Yb, mode="clip")
            if first.sample_weight is not None:
                first.sample_weight.take(index, out=swb, mode="clip")
            return Xb, Yb, swb if self._weighted else None, None
        for j, (member, p) in enumerate(zip(members, positions)):
            rows = member.source_rows(p)
            member.X.take(rows, axis=0, out=Xb[j, : p.size], mode="clip")
            member.Y.take(rows, axis=0, out=Yb[j, : p.size], mode="clip")
            if weighted:
                weight = member.sample_weight
                swb[j, : p.size] = 1.0 if weight is None else weight[rows]
                swb[j, p.size :] = 0.0
        return Xb, Yb, swb if weighted else None, counts if padded else None

    def _buffer(self, m):
        """Buffers of ``m`` rows, zero-filled when made: a padding row is a
        finite row of weight 0 (a NaN there would still reach the gradient)."""
        if m not in self._buffers:
            k, first = len(self.members), self.members[0]
            self._buffers[m] = (
                np.zeros((k, m, first.X.shape[1]), first.X.dtype),
                np.zeros((k, m, first.Y.shape[1]), first.Y.dtype),
                np.zeros((k, m), first.X.dtype),
            )
        return self._buffers[m]


def _share_arrays(members):
    """Whether every member draws from the same X, Y and sample weights."""
    first = members[0]
    return all(
        m.X is first.X and m.Y is first.Y and m.sample_weight is first.sample_weight
        for m in members
    )


def batch_counts(n_rows, batch_sizes):
    """Each member's number of minibatches per epoch."""
    return [-(-int(n) // int(size)) for n, size in zip(n_rows, batch_sizes)]
