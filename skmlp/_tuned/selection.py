"""Ensemble selection on out-of-fold predictions (Caruana et al., 2004).

Every candidate of a CV estimator's search has, on each inner fold's
held-out rows, the predictions of its networks trained on the other rows:
its out-of-fold predictions, which no network made for a row it trained on.
Greedy forward selection with replacement adds, round after round, the
candidate whose predictions, averaged with those already selected, score
best; a candidate may be added many times, and its weight is the share of
rounds that added it. A score is the mean over the folds of the score of
each fold's held-out rows, as a candidate's mean inner score is, so that
the first round selects the best candidate.
"""

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin

#: Rounds of greedy selection: the weights are multiples of 1 / ROUNDS.
ROUNDS = 25


def greedy_selection(fold_outputs, score, rounds=ROUNDS):
    """The number of times each candidate is selected.

    Parameters
    ----------
    fold_outputs : list of ndarray of shape (n_candidates, n_rows, n_outputs)
        Each fold's out-of-fold outputs of every candidate (``n_rows``: the
        fold's held-out rows).
    score : callable
        ``score(fold, outputs)``: the score (higher is better) of
        ``outputs``, ``(n_rows, n_outputs)``, on the held-out rows of fold
        ``fold``; NaN when it has none.
    rounds : int
        Rounds of selection.

    Returns
    -------
    counts : ndarray of shape (n_candidates,)
        Integers summing to ``rounds``. A tie goes to the candidate listed
        first; a candidate whose mixtures never score is never selected
        unless none does.
    """
    n_candidates = fold_outputs[0].shape[0]
    counts = np.zeros(n_candidates, dtype=int)
    sums = [np.zeros(outputs.shape[1:]) for outputs in fold_outputs]
    for r in range(1, rounds + 1):
        trials = np.array(
            [_mean_score(fold_outputs, sums, c, r, score) for c in range(n_candidates)]
        )
        best = int(np.argmax(np.nan_to_num(trials, nan=-np.inf)))
        counts[best] += 1
        for fold, outputs in enumerate(fold_outputs):
            sums[fold] += outputs[best]
    return counts


def _mean_score(fold_outputs, sums, candidate, r, score):
    """The mean over the folds of the score of the mixture of round ``r``
    with ``candidate`` added (NaN when a fold scores NaN)."""
    scores = [
        score(fold, (sums[fold] + outputs[candidate]) / r)
        for fold, outputs in enumerate(fold_outputs)
    ]
    return float(np.mean(scores))


class MixedProbabilities(ClassifierMixin, BaseEstimator):
    """Mixed probabilities as a classifier scikit-learn's scorers can score:
    ``predict_proba(P)`` is ``P`` itself, ``predict(P)`` the labels
    ``decode(P)`` (those of a network of the search)."""

    def __init__(self, classes, decode):
        self.classes, self.decode = classes, decode
        self.classes_ = classes

    def predict_proba(self, P):
        return P

    def predict_log_proba(self, P):
        with np.errstate(divide="ignore"):
            return np.log(P)

    def predict(self, P):
        return self.decode(P)


class MixedPredictions(RegressorMixin, BaseEstimator):
    """Mixed predictions as a regressor scikit-learn's scorers can score:
    ``predict(outputs)`` is ``to_targets(outputs)``, the networks' outputs in the
    targets' units."""

    def __init__(self, to_targets):
        self.to_targets = to_targets

    def predict(self, outputs):
        return self.to_targets(outputs)


def log_loss(P, Y, sample_weight, binary):
    """The mean log loss of probabilities ``P`` for the indicator targets
    ``Y`` (``(n, d)``): cross-entropy over the columns, or (``binary``) each
    column a binary problem of its own, averaged over them."""
    tiny = np.finfo(np.float64).eps
    P = np.clip(P, tiny, 1 - tiny)
    if binary:
        per_row = -(Y * np.log(P) + (1 - Y) * np.log1p(-P)).mean(axis=1)
    else:
        per_row = -(Y * np.log(P)).sum(axis=1)
    return float(np.average(per_row, weights=sample_weight))


def squared_error(outputs, Y, sample_weight):
    """The mean squared error of ``outputs`` against ``Y``, over rows and outputs."""
    per_row = ((outputs - Y.reshape(outputs.shape)) ** 2).mean(axis=1)
    return float(np.average(per_row, weights=sample_weight))
