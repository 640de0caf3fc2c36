"""``cv_results_``: one builder for the one-pass searches and the CV estimators.

The layout is scikit-learn's (``BaseSearchCV.cv_results_``): a ``param_<name>``
masked array and ``params``, and for each score and time its ``split<i>_``,
``mean_`` and ``std_`` arrays and, for test scores, ``rank_``.
"""

import warnings
from collections import defaultdict

import numpy as np
from numpy.ma import MaskedArray
from scipy.stats import rankdata


def search_results(
    candidate_params, n_splits, out, more_results=None, return_train_score=False
):
    """scikit-learn's ``cv_results_`` for ``candidate_params`` x ``n_splits``
    from ``out``: one result dict per fit, candidate by candidate and split by
    split within a candidate (``test_scores`` -- a number or a dict of
    metrics -- ``fit_time``, ``score_time``, and ``train_scores`` with
    ``return_train_score``). ``more_results`` holds extra keys, one list
    entry per candidate."""
    n_candidates = len(candidate_params)
    results = {key: np.asarray(value) for key, value in (more_results or {}).items()}

    def store(name, values, splits=False, rank=False):
        array = np.array(values, dtype=np.float64).reshape(n_candidates, n_splits)
        results.update(_summaries(name, array, splits, rank))

    store("fit_time", [o["fit_time"] for o in out])
    store("score_time", [o["score_time"] for o in out])
    results.update(_masked_params(candidate_params))
    results["params"] = candidate_params
    test = _by_metric([o["test_scores"] for o in out])
    train = _by_metric([o["train_scores"] for o in out]) if return_train_score else {}
    for metric, scores in test.items():
        store(f"test_{metric}", scores, splits=True, rank=True)
        if metric in train:
            store(f"train_{metric}", train[metric], splits=True)
    return results


def _by_metric(scores):
    """Scores of one metric (named ``score``) or of several (dicts), by metric."""
    if isinstance(scores[0], dict):
        return {name: [s[name] for s in scores] for name in scores[0]}
    return {"score": list(scores)}


def _summaries(name, array, splits, rank):
    """The ``split<i>_``, ``mean_``, ``std_`` and ``rank_`` entries of one
    ``(n_candidates, n_splits)`` array of scores or times."""
    entries = {}
    if splits:
        for split in range(array.shape[1]):
            entries[f"split{split}_{name}"] = array[:, split]
    means = np.average(array, axis=1)
    entries[f"mean_{name}"] = means
    if name.startswith(("train_", "test_")) and np.any(~np.isfinite(means)):
        warnings.warn(
            f"One or more of the {name.split('_')[0]} scores are non-finite: {means}",
            category=UserWarning,
        )
    entries[f"std_{name}"] = np.sqrt(np.average((array - means[:, None]) ** 2, axis=1))
    if rank:
        entries[f"rank_{name}"] = _ranks(means)
    return entries


def _ranks(means):
    """1 for the best mean score; ties share the smallest rank; a NaN (a fit
    or score that failed) ties with the worst."""
    if np.isnan(means).all():
        return np.ones_like(means, dtype=np.int32)
    filled = np.nan_to_num(means, nan=np.nanmin(means) - 1)
    return rankdata(-filled, method="min").astype(np.int32, copy=False)


def _masked_params(candidate_params):
    """``param_<name>``: one masked array per parameter, masked for the
    candidates that do not set it."""
    n_candidates = len(candidate_params)
    by_name = defaultdict(dict)
    for index, params in enumerate(candidate_params):
        for name, value in params.items():
            by_name[f"param_{name}"][index] = value
    for key, values in by_name.items():
        try:
            array = np.array(list(values.values()))
        except ValueError:  # sequences of different lengths
            dtype = np.dtype(object)
        else:  # strings and sequences of one length are kept as objects
            dtype = array.dtype if array.dtype.kind != "U" and array.ndim == 1 else object
        masked = MaskedArray(np.empty(n_candidates, dtype=dtype), mask=True)
        for index, value in values.items():
            masked[index] = value
        yield key, masked
