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
        n, size = self.n_samples, self.batch_size
        starts = list(range(0, n, size))
        if self.merge_single_row and len(starts) > 1 and n - starts[-1] == 1:
            starts.pop()
        for start, stop in zip(starts, [*starts[1:], n]):
            yield self._gather(start, stop)

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
