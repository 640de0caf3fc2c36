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

from .._estimators.common_scores import common_scoring, row_mean

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
        ``score(fold, trials)``: the scores (higher is better) of each of
        ``trials``, ``(n_trials, n_rows, n_outputs)``, on the held-out rows
        of fold ``fold``, as an array of ``n_trials``; NaN for a trial that
        has none (:func:`per_trial` makes one of a score of one trial).
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
        # each candidate added to the mixture so far; a fold scoring NaN makes
        # the candidate's mean NaN
        trials = np.mean(
            [
                score(fold, (sums[fold] + outputs) / r)
                for fold, outputs in enumerate(fold_outputs)
            ],
            axis=0,
        )
        best = int(np.argmax(np.nan_to_num(trials, nan=-np.inf)))
        counts[best] += 1
        for fold, outputs in enumerate(fold_outputs):
            sums[fold] += outputs[best]
    return counts


def per_trial(score):
    """A ``score`` of trials, for :func:`greedy_selection`, of ``score(fold,
    outputs)``: the score of one trial's outputs (called once a trial)."""

    def scores(fold, trials):
        return np.array([score(fold, outputs) for outputs in trials], dtype=float)

    return scores


def batched_score(scoring, mixture, y, sample_weight):
    """``scores(trials)``: the scores by ``scoring`` of a stack of trials of
    mixed outputs (``mixture``: :class:`MixedProbabilities` or
    :class:`MixedPredictions`) against ``y``, every trial in one call; or
    ``None`` for a scoring its scorer must score, trial by trial (see
    :mod:`skmlp._estimators.common_scores`)."""
    classes = getattr(mixture, "classes_", None)
    common = common_scoring(scoring, classes, y)
    if common is None:
        return None

    def scores(trials):
        if common.needs == "proba":
            values = trials
        else:
            values = np.stack([mixture.predict(outputs) for outputs in trials])
        return common.score(values, y, sample_weight, classes)

    return scores


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


def squared_error(outputs, Y, sample_weight):
    """The mean squared error of ``outputs``, ``(..., n, d)``, against ``Y``,
    over rows and outputs; one per leading index (a float for ``(n, d)``)."""
    per_row = ((outputs - Y.reshape(outputs.shape[-2:])) ** 2).mean(axis=-1)
    return row_mean(per_row, sample_weight)
