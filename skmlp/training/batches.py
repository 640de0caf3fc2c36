"""Each member's training rows, and its minibatches gathered into reusable buffers."""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ..nn.fast import single


@dataclass(frozen=True)
class MemberRows:
    """One member's training rows.

    ``X``, ``Y`` and ``sample_weight`` may be shared with other members;
    ``rows`` picks this member's rows of all three (``None``: all of them),
    so the folds of one table, or members with their own validation splits,
    index one set of arrays instead of copying it.
    """

    X: object
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

    def materialized(self):
        """``(X, Y, sample_weight)`` of this member's rows, as arrays of their own."""
        if self.rows is None:
            return self.X, self.Y, self.sample_weight
        return self.X[self.rows], self.Y[self.rows], self.weights()


class _Order:
    """One member's order of its rows and its batch bounds over an epoch.

    The shuffle reproduces scikit-learn's MLP exactly: each epoch permutes
    the running index array with ``rng.shuffle`` of a fresh ``arange``.
    """

    def __init__(self, n_rows, batch_size, shuffle, rng):
        self.n_rows, self.batch_size = int(n_rows), int(batch_size)
        self.shuffle, self.rng = shuffle, rng
        self.order = np.arange(self.n_rows)

    def new_epoch(self):
        if self.shuffle:
            perm = np.arange(self.n_rows)
            self.rng.shuffle(perm)
            self.order = self.order[perm]

    def bounds(self, merge_single_row):
        """``(start, stop)`` of each batch in the epoch's order; with
        ``merge_single_row`` a last batch of one row joins the batch before it."""
        n, size = self.n_rows, self.batch_size
        starts = list(range(0, n, size))
        if merge_single_row and len(starts) > 1 and n - starts[-1] == 1:
            starts.pop()
        return list(zip(starts, [*starts[1:], n]))


class Minibatches:
    """Minibatches of the ``k`` members of a stack, each member with its own
    rows (:class:`MemberRows`), batch size and shuffle (``rngs[j]``).

    Member ``j``'s batches are exactly those a network of its own gets for its
    rows (same permutations, same batch bounds). A batch is ``(X, Y,
    sample_weight, rows)``. Members that draw the same rows in the same order
    (a stack of one; members of one table without shuffling) share them:
    ``(m, d)``, ``(m, o)`` and ``(m,)`` -- views of the data when
    unshuffled. Otherwise each member's rows are gathered into buffers of
    ``m`` rows, the largest of the members' batches, ``(k, m, d)``, with ``np.take``
    (``mode="clip"``: the default mode buffers through a temporary; the
    indices are valid by construction); a member whose batch is smaller is
    padded with rows of weight 0, and ``rows`` is each member's number of real
    rows, ``(k,)`` (``None`` when no member is padded). Every member must have
    the same number of batches per epoch (:func:`batch_counts`).
    """

    def __init__(self, members, batch_sizes, shuffle, rngs):
        self.members = list(members)
        self.orders = [
            _Order(m.n_rows, size, shuffle, rng)
            for m, size, rng in zip(self.members, batch_sizes, rngs)
        ]
        #: When set, a last batch of one row joins the batch before it.
        self.merge_single_row = False
        self._setup()

    def _setup(self):
        self.n_samples = np.array([m.n_rows for m in self.members])
        first, orders = self.members[0], self.orders
        same = all(
            m.X is first.X
            and m.Y is first.Y
            and m.sample_weight is first.sample_weight
            and (m.rows is first.rows or np.array_equal(m.rows, first.rows))
            for m in self.members
        )
        shuffled = any(order.shuffle for order in orders)
        self._shared = same and (single(orders) is not None or not shuffled)
        #: Whether the members draw from one set of arrays (one gather for all).
        self._one_source = all(
            m.X is first.X and m.Y is first.Y and m.sample_weight is first.sample_weight
            for m in self.members
        )
        self._weighted = any(m.sample_weight is not None for m in self.members)
        self._buffers = {}
        if not self._shared:
            self.check_counts()

    def subset(self, members):
        """The batches of the members at positions ``members``: their own
        orders and generators continue where they are."""
        subset = Minibatches.__new__(Minibatches)
        subset.members = [self.members[j] for j in members]
        subset.orders = [self.orders[j] for j in members]
        subset.merge_single_row = self.merge_single_row
        subset._setup()
        return subset

    def check_counts(self):
        counts = {len(order.bounds(self.merge_single_row)) for order in self.orders}
        if len(counts) > 1:
            raise ValueError(
                "The members' epochs have different numbers of minibatches "
                f"({sorted(counts)}); they cannot take their steps together."
            )

    def new_epoch(self):
        for order in self.orders:
            order.new_epoch()

    def __iter__(self):
        bounds = [order.bounds(self.merge_single_row) for order in self.orders]
        for batch in zip(*bounds):
            if self._shared:
                yield self._shared_batch(*batch[0])
            else:
                yield self._member_batch(batch)

    def _shared_batch(self, start, stop):
        """The batch of members that share their rows (a stack of one's)."""
        member = self.members[0]
        positions = self.orders[0].order[start:stop]
        if not self.orders[0].shuffle and member.rows is None:
            Xb, Yb, swb = (
                None if a is None else a[start:stop]
                for a in (member.X, member.Y, member.sample_weight)
            )
        else:
            Xb, Yb, swb = self._take_shared(member, member.source_rows(positions))
        return Xb, Yb, swb, None

    def _take_shared(self, member, index):
        Xb, Yb, _ = self._buffer(index.size, shared=True)
        if Xb is None:  # sparse rows
            Xb = member.X[index]
        else:
            member.X.take(index, axis=0, out=Xb, mode="clip")
        member.Y.take(index, axis=0, out=Yb, mode="clip")
        sw = member.sample_weight
        return Xb, Yb, None if sw is None else sw[index]

    def _member_batch(self, bounds):
        """Each member's own rows, stacked and padded."""
        counts = np.array([stop - start for start, stop in bounds])
        m = int(counts.max())
        padded = bool((counts < m).any())
        Xb, Yb, swb = self._buffer(m)
        weighted = self._weighted or padded
        if self._one_source and not padded:  # one gather for every member
            first = self.members[0]
            index = np.stack(
                [
                    mb.source_rows(o.order[a:b])
                    for mb, o, (a, b) in zip(self.members, self.orders, bounds)
                ]
            )
            first.X.take(index, axis=0, out=Xb, mode="clip")
            first.Y.take(index, axis=0, out=Yb, mode="clip")
            if first.sample_weight is not None:
                first.sample_weight.take(index, out=swb, mode="clip")
            return Xb, Yb, swb if self._weighted else None, None
        for j, (member, order, (start, stop)) in enumerate(
            zip(self.members, self.orders, bounds)
        ):
            rows, n = member.source_rows(order.order[start:stop]), stop - start
            member.X.take(rows, axis=0, out=Xb[j, :n], mode="clip")
            member.Y.take(rows, axis=0, out=Yb[j, :n], mode="clip")
            if weighted:
                weight = member.sample_weight
                swb[j, :n] = 1.0 if weight is None else weight[rows]
                swb[j, n:] = 0.0
        return Xb, Yb, swb if weighted else None, counts if padded else None

    def _buffer(self, m, shared=False):
        """Buffers of ``m`` rows, zero-filled when made: a padding row is a
        finite row of weight 0 (a NaN there would still reach the gradient)."""
        key = (m, shared)
        if key not in self._buffers:
            k, first = len(self.members), self.members[0]
            lead = () if shared else (k,)
            dense = not sp.issparse(first.X)
            self._buffers[key] = (
                np.zeros((*lead, m, first.X.shape[1]), first.X.dtype) if dense else None,
                np.zeros((*lead, m, first.Y.shape[1]), first.Y.dtype),
                np.zeros((*lead, m), first.X.dtype),
            )
        return self._buffers[key]


def batch_counts(n_rows, batch_sizes):
    """Each member's number of minibatches per epoch."""
    return [-(-int(n) // int(size)) for n, size in zip(n_rows, batch_sizes)]
