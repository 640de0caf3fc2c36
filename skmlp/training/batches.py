"""Minibatches gathered into reusable buffers."""

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


class MemberMinibatches:
    """Minibatches for ``k`` members of a model axis over the same training rows,
    each member shuffled by its own generator.

    Member ``j``'s batches are exactly those :class:`Minibatches` gives with
    ``rngs[j]`` (same permutations, same batch bounds); they are yielded
    stacked, ``(k, m, d)``, ``(k, m, o)`` and ``(k, m)`` sample weights, in
    buffers of exactly ``m`` rows. Dense ``X`` only.
    """

    def __init__(self, X, Y, sample_weight, batch_size, shuffle, rngs):
        self.members = [Minibatches(X, Y, None, batch_size, False, None) for _ in rngs]
        for member, rng in zip(self.members, rngs):
            member.shuffle, member.rng = shuffle, rng
        self.X, self.Y, self.sample_weight = X, Y, sample_weight
        self.n_samples = X.shape[0]
        self._buffers = {}

    @property
    def merge_single_row(self):
        return self.members[0].merge_single_row

    @merge_single_row.setter
    def merge_single_row(self, value):
        for member in self.members:
            member.merge_single_row = value

    def new_epoch(self):
        for member in self.members:
            member.new_epoch()

    def __iter__(self):
        for start, stop in self.members[0].bounds():
            index = np.stack([member.order[start:stop] for member in self.members])
            Xb, Yb = self._buffer(stop - start)
            self.X.take(index, axis=0, out=Xb, mode="clip")
            self.Y.take(index, axis=0, out=Yb, mode="clip")
            sw = self.sample_weight
            yield Xb, Yb, None if sw is None else sw[index]

    def _buffer(self, m):
        if m not in self._buffers:
            k = len(self.members)
            self._buffers[m] = (
                np.empty((k, m, self.X.shape[1]), self.X.dtype),
                np.empty((k, m, self.Y.shape[1]), self.Y.dtype),
            )
        return self._buffers[m]
