"""Weighted quantiles in which a row of integer weight ``w`` counts as ``w``
copies of the row: the robust scaler's medians and quartiles, the table
encoder's medians and the piecewise embedding's bins share them."""

import numpy as np


def sorted_cumulative(X, weights):
    """Each column of ``X`` (``(n, d)``) sorted, in float64, and the running
    sums of the rows' ``weights`` in that order: what
    :func:`weighted_percentile` reads."""
    order = np.argsort(X, axis=0, kind="stable")
    ordered = np.take_along_axis(X, order, axis=0).astype(np.float64)
    return ordered, np.cumsum(weights[order], axis=0)


def weighted_percentile(ordered, cumulative, q):
    """The weighted percentile ``q`` of each column by the averaged inverted
    CDF: the mean of the first value whose cumulative weight share reaches
    ``q / 100`` and the first that passes it. ``ordered`` holds each column
    sorted, ``cumulative`` the running weight sums in that order
    (:func:`sorted_cumulative`). It does not change when all weights are
    scaled, integer weights give exactly the percentile of the repeated rows,
    and unit weights give ``np.percentile(X, q, axis=0,
    method="averaged_inverted_cdf")`` (the median is ``np.median``'s). Rows
    of weight 0 are never chosen."""
    share = cumulative / cumulative[-1]
    q = max(q / 100.0, np.finfo(np.float64).tiny)  # q = 0 skips leading zero weights
    n_rows = ordered.shape[0]
    reach = np.minimum((share < q).sum(axis=0), n_rows - 1)
    passed = (share <= q).sum(axis=0)
    passed = np.where(passed < n_rows, passed, reach)  # q = 1: the last weighted row
    columns = np.arange(ordered.shape[1])
    return 0.5 * (ordered[reach, columns] + ordered[passed, columns])


def weighted_quantiles(X, n_levels, sample_weight=None):
    """Each column's weighted percentiles (:func:`weighted_percentile`) at
    ``n_levels`` evenly spaced levels from 0 to 100, ``(n_levels, d)``."""
    weights = np.ones(X.shape[0]) if sample_weight is None else np.asarray(sample_weight)
    ordered, cumulative = sorted_cumulative(X, weights)
    levels = np.linspace(0.0, 100.0, n_levels)
    return np.stack([weighted_percentile(ordered, cumulative, q) for q in levels])
