"""A multi-label CV estimator's decision threshold, chosen on out-of-fold
probabilities.

The final model's probabilities on each inner fold's held-out rows come from
the networks that did not train on them (:meth:`BaseMLPCV._out_of_fold`), so
the threshold that scores best on them is chosen as ``alpha`` is: by the
mean over the folds of a fold's score. One threshold for all labels: a
threshold per label would be chosen on a rare label's few positives.
"""

import copy
import warnings

import numpy as np
from sklearn.exceptions import UndefinedMetricWarning

#: The thresholds tried: a grid of hundredths, as fine as the inner folds
#: of a small table can tell apart.
THRESHOLDS = np.round(np.arange(0.01, 1.0, 0.01), 2)


def micro_f1(P, Y, sample_weight, thresholds=THRESHOLDS):
    """The F1 score of the labels over all rows and labels (``"f1_micro"``)
    of predicting a label where its probability reaches each of
    ``thresholds``: ``2 tp / (2 tp + fp + fn)``, 0 where that is 0 / 0.

    ``P`` and ``Y``: probabilities and 0/1 truths, ``(n_rows, n_labels)``;
    ``sample_weight``: the rows' weights or None. Returns one score per
    threshold.
    """
    weight = np.ones(len(Y)) if sample_weight is None else np.asarray(sample_weight)
    Y = np.asarray(Y, dtype=bool)
    scores = np.empty(len(thresholds))
    for i, threshold in enumerate(thresholds):
        present = P >= threshold
        tp = weight @ (present & Y).sum(axis=1)
        wrong = weight @ (present != Y).sum(axis=1)  # fp + fn
        scores[i] = 2 * tp / (2 * tp + wrong) if tp + wrong > 0 else 0.0
    return scores


def scorer_scores(scorer, network, P, y, sample_weight, mixture, thresholds=THRESHOLDS):
    """``scorer``'s score of the labels a copy of ``network`` predicts from
    the probabilities ``P`` (its ``predict_proba``'s layout) at each of
    ``thresholds``; ``mixture(network)``: the probabilities as an estimator
    the scorer can score (:class:`~.selection.MixedProbabilities`)."""
    kwargs = {} if sample_weight is None else {"sample_weight": sample_weight}
    at = copy.copy(network)  # the fitted network, its threshold changed
    scores = np.empty(len(thresholds))
    with warnings.catch_warnings():
        # the high thresholds predict no label for some rows: the scorer's
        # value for 0 / 0 is their score, which is what trying them is for
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        for i, threshold in enumerate(thresholds):
            at.threshold = float(threshold)
            scores[i] = scorer(mixture(at), P, y, **kwargs)
    return scores


def scores_labels(scorer):
    """Whether ``scorer`` may depend on the threshold: it scores predicted
    labels (scikit-learn's scorers name the method they call; a scorer of
    probabilities, such as ROC AUC's, gives the same score at every
    threshold). A callable that does not say is assumed to."""
    method = getattr(scorer, "_response_method", "predict")
    methods = method if isinstance(method, (tuple, list)) else (method,)
    return "predict" in methods


def best_threshold(fold_scores, thresholds=THRESHOLDS):
    """The threshold of the best mean score over the folds (``fold_scores``:
    one row per fold, one score per threshold); of equal best ones, the
    nearest to 0.5. None when the scores do not depend on the threshold
    (a scoring of probabilities) or none is finite."""
    mean = np.mean(fold_scores, axis=0)
    finite = np.isfinite(mean)
    if not finite.any() or np.ptp(mean[finite]) == 0:
        return None
    best = np.flatnonzero(mean == np.max(mean[finite]))
    return float(thresholds[best[np.argmin(np.abs(thresholds[best] - 0.5))]])
