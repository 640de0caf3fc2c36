"""The common scorings, computed from a model's outputs, many at once.

A scikit-learn scorer costs about a millisecond a call, mostly in its input
checks: more than an epoch of a small table's network, and ensemble selection
scores thousands of trials. For the scorings of :data:`SCORINGS`, skmlp
computes the scorer's value itself from the outputs -- probabilities, labels
or predictions, as the scorer would get them -- for a stack of ``k`` of them
in one call (equal to the scorer's, tested against scikit-learn's). Any other
scoring, and any target these do not cover (multilabel, several outputs,
ROC AUC of more than two classes), is scored by its scorer.
"""

import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.exceptions import UndefinedMetricWarning


@dataclass(frozen=True)
class Scoring:
    """How to compute a scoring from outputs.

    ``needs`` is what it scores: ``"proba"`` (``predict_proba``'s
    probabilities, ``(k, n, n_classes)``), ``"labels"`` (``predict``'s labels,
    ``(k, n)``) or ``"predictions"`` (a regressor's, ``(k, n)``).
    ``score(values, y, sample_weight, classes)`` gives the ``k`` scores.
    ``binary``: defined for two classes only.
    """

    needs: str
    score: object
    binary: bool = False

    @property
    def classification(self):
        return self.needs != "predictions"


def common_scoring(scoring, classes, y):
    """The :class:`Scoring` of ``scoring`` for targets ``y`` (in the user's
    encoding) of a classifier with ``classes`` (``None``: a regressor), or
    ``None`` when its scorer must score it."""
    entry = SCORINGS.get(scoring) if isinstance(scoring, str) else None
    if entry is None or np.ndim(y) != 1:
        return None
    if entry.classification != (classes is not None):
        return None
    if entry.binary and len(classes) != 2:
        return None
    return entry


#: float64's machine epsilon: where log losses clip probabilities by default.
EPS = np.finfo(np.float64).eps


def _weights(sample_weight, n):
    return np.ones(n) if sample_weight is None else np.asarray(sample_weight, float)


def _accuracy(labels, y, sample_weight, classes):
    return np.average(labels == y, axis=1, weights=_weights(sample_weight, len(y)))


def _balanced_accuracy(labels, y, sample_weight, classes):
    """The mean over the classes of ``y`` of each class's weighted recall
    (scikit-learn's, which leaves out the classes only predicted)."""
    right = labels == y
    w = _weights(sample_weight, len(y))
    if np.isin(labels, y, invert=True).any():
        warnings.warn("y_pred contains classes not in y_true", UserWarning)
    recalls = [
        (right[:, y == c] * w[y == c]).sum(axis=1) / w[y == c].sum() for c in np.unique(y)
    ]
    return np.mean(recalls, axis=0)


def _roc_auc(proba, y, sample_weight, classes):
    positive = y == classes[1]
    w = _weights(sample_weight, len(y))
    return np.array([_auc(p[:, 1], positive, w) for p in proba])


def _auc(scores, positive, w):
    """The weighted probability that a positive row outscores a negative
    one, a tie counting half: the area under the weighted ROC curve."""
    order = np.argsort(scores, kind="mergesort")
    s, pos, w = scores[order], positive[order], w[order]
    starts = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])  # runs of equal scores
    w_pos = np.add.reduceat(np.where(pos, w, 0.0), starts)
    w_neg = np.add.reduceat(np.where(pos, 0.0, w), starts)
    below = np.cumsum(w_neg) - w_neg  # the negatives' weight strictly below
    total = w_pos.sum() * w_neg.sum()
    if total == 0:  # one class only: undefined, as scikit-learn says
        warnings.warn(
            "Only one class is present in y_true. ROC AUC score is not defined "
            "in that case.",
            UndefinedMetricWarning,
        )
        return np.nan
    return float((w_pos * (below + 0.5 * w_neg)).sum() / total)


def _neg_log_loss(proba, y, sample_weight, classes):
    Y = (y[:, None] == classes).astype(float)
    return -log_loss(proba, Y, sample_weight, binary=False, eps=np.finfo(proba.dtype).eps)


def log_loss(P, Y, sample_weight, binary, eps=EPS):
    """The mean log loss of probabilities ``P``, ``(..., n, d)``, clipped to
    ``[eps, 1 - eps]``, for the indicator targets ``Y``, ``(n, d)``:
    cross-entropy over the columns, or (``binary``) each column a binary
    problem of its own, averaged over them. One loss per leading index of
    ``P`` (a float for ``(n, d)``)."""
    P = np.clip(P, eps, 1 - eps)
    if binary:
        per_row = -(Y * np.log(P) + (1 - Y) * np.log1p(-P)).mean(axis=-1)
    else:
        per_row = -(Y * np.log(P)).sum(axis=-1)
    return row_mean(per_row, sample_weight)


def row_mean(per_row, sample_weight):
    """The (weighted) mean over the last axis: a float, or one per leading
    index."""
    mean = np.average(per_row, axis=-1, weights=sample_weight)
    return float(mean) if np.ndim(mean) == 0 else mean


def _r2(predictions, y, sample_weight, classes):
    w = _weights(sample_weight, len(y))
    residual = (w * (predictions - y) ** 2).sum(axis=1)
    total = (w * (y - np.average(y, weights=w)) ** 2).sum()
    if total == 0:  # constant targets: scikit-learn's convention
        return np.where(residual == 0, 1.0, 0.0)
    return 1 - residual / total


def _neg_mse(predictions, y, sample_weight, classes):
    return -np.average((predictions - y) ** 2, axis=1, weights=sample_weight)


def _neg_rmse(predictions, y, sample_weight, classes):
    return -np.sqrt(-_neg_mse(predictions, y, sample_weight, classes))


def _neg_mae(predictions, y, sample_weight, classes):
    return -np.average(np.abs(predictions - y), axis=1, weights=sample_weight)


#: The scorings computed from outputs, by their scikit-learn names.
SCORINGS = {
    "accuracy": Scoring("labels", _accuracy),
    "balanced_accuracy": Scoring("labels", _balanced_accuracy),
    "roc_auc": Scoring("proba", _roc_auc, binary=True),
    "neg_log_loss": Scoring("proba", _neg_log_loss),
    "r2": Scoring("predictions", _r2),
    "neg_mean_squared_error": Scoring("predictions", _neg_mse),
    "neg_root_mean_squared_error": Scoring("predictions", _neg_rmse),
    "neg_mean_absolute_error": Scoring("predictions", _neg_mae),
}
