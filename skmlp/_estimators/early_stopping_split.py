"""The internal validation split of early stopping.

Validate honestly: when ``groups`` (patients, batches, experiments) are given,
whole groups are held out -- stratified by class where possible, as
:class:`~sklearn.model_selection.StratifiedGroupKFold` does -- so that no group
is split across training and validation. Single-label classifiers get a
stratified split, multilabel targets an iterative stratification on label
combinations (Sechidis et al., 2011), regressors a random one.

A split that would leave fewer than ``MIN_VALIDATION_SAMPLES`` rows (or fewer
than two groups) for validation is refused with a reason: an early-stopping
decision on a handful of rows is noise, and the estimator then trains on all
rows and says so.
"""

import warnings

import numpy as np
from sklearn.model_selection import (
    GroupShuffleSplit,
    StratifiedGroupKFold,
    train_test_split,
)

MIN_VALIDATION_SAMPLES = 10


class SplitRefused(Exception):
    """No honest validation split exists for this data; the message says why."""


def validation_split(Y, *, fraction, rng, kind, groups=None):
    """``(train_indices, validation_indices)`` for encoded targets ``Y``.

    ``kind`` is ``"single_label"``, ``"multilabel"`` or ``"regression"``.
    """
    n = Y.shape[0]
    if not 0 < fraction < 1:
        raise ValueError(
            f"validation_fraction={fraction} leaves no rows for early stopping to "
            "validate on: with early_stopping=True it must lie in (0, 1), or pass "
            "X_val and y_val."
        )
    if groups is not None:
        train, val = _group_split(Y, groups, fraction, rng, kind)
    elif kind == "multilabel":
        train, val = _iterative_stratification(Y, fraction, rng)
    else:
        train, val = _row_split(Y, fraction, rng, stratify=kind == "single_label")
    if len(val) < MIN_VALIDATION_SAMPLES or len(train) == 0:
        raise SplitRefused(
            f"validation_fraction={fraction} of {n} samples leaves {len(val)} for "
            f"validation (fewer than {MIN_VALIDATION_SAMPLES})"
        )
    return train, val


def _labels(Y):
    return Y.argmax(axis=1) if Y.shape[1] > 1 else Y[:, 0]


def _row_split(Y, fraction, rng, stratify):
    indices = np.arange(Y.shape[0])
    if stratify:
        # scikit-learn's MLP draws exactly this split for binary targets (it
        # does not stratify multiclass ones; see docs/differences.rst)
        try:
            return train_test_split(
                indices, test_size=fraction, random_state=rng, stratify=_labels(Y)
            )
        except ValueError as reason:  # a class too small for both sides
            warnings.warn(
                f"The early-stopping validation split is not stratified: {reason}",
                UserWarning,
            )
    return train_test_split(indices, test_size=fraction, random_state=rng)


def _group_split(Y, groups, fraction, rng, kind):
    n_groups = len(np.unique(groups))
    if n_groups < 2:
        raise SplitRefused(
            f"groups has {n_groups} distinct value; a validation split "
            "by group needs at least 2"
        )
    X_dummy = np.zeros((len(groups), 1))
    if kind == "single_label":
        n_splits = int(np.clip(round(1 / fraction), 2, n_groups))
        splitter = StratifiedGroupKFold(
            n_splits, shuffle=True, random_state=rng.randint(np.iinfo(np.int32).max)
        )
        train, val = next(splitter.split(X_dummy, _labels(Y), groups))
        if len(val):
            return train, val
    splitter = GroupShuffleSplit(
        1, test_size=fraction, random_state=rng.randint(np.iinfo(np.int32).max)
    )
    return next(splitter.split(X_dummy, groups=groups))


def _iterative_stratification(Y, fraction, rng):
    """Split rows so that each label's positives are divided in proportion.

    Rows are assigned label by label, rarest label first, each row to the
    side that still lacks the most of that label (ties: the side that lacks
    the most rows, then at random); rows without labels fill what remains.
    """
    Y = np.asarray(Y) > 0.5
    n = Y.shape[0]
    shares = np.array([1 - fraction, fraction])
    rows_wanted = shares * n
    label_wanted = np.outer(shares, Y.sum(axis=0))
    side = np.full(n, -1)
    while True:
        open_rows = side < 0
        counts = Y[open_rows].sum(axis=0)
        if not counts.any():
            break
        label = np.flatnonzero(counts == counts[counts > 0].min())[0]
        rows = np.flatnonzero(open_rows & Y[:, label])
        rng.shuffle(rows)
        for row in rows:
            s = _neediest(label_wanted[:, label], rows_wanted, rng)
            side[row] = s
            label_wanted[s] -= Y[row]
            rows_wanted[s] -= 1
    for row in np.flatnonzero(side < 0):
        s = _neediest(rows_wanted, rows_wanted, rng)
        side[row] = s
        rows_wanted[s] -= 1
    return np.flatnonzero(side == 0), np.flatnonzero(side == 1)


def _neediest(wanted, tie_break, rng):
    best = np.flatnonzero(wanted == wanted.max())
    if len(best) > 1:
        best = best[tie_break[best] == tie_break[best].max()]
    return best[0] if len(best) == 1 else rng.choice(best)
