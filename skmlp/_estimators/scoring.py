"""How a fit scores its networks on validation rows, every epoch."""

import copy
from dataclasses import dataclass
from functools import partial

import numpy as np
from sklearn.base import is_classifier
from sklearn.metrics import check_scoring

from ..nn.layers import per_head
from .common_scores import common_scoring


def fitted_snapshot(estimator):
    """A fitted estimator that predicts with ``estimator``'s network as it is now.

    A shallow copy: it shares the network, so it costs nothing to make and
    sees the weights of the epoch being scored. Any scikit-learn scorer can
    score it through its public prediction methods. The copy forgets the
    feature names: it is given the validation rows as the validated array
    they already are, which then skip the input checks; and the members of
    an earlier fit, if any: it predicts with the one network it is given.
    """
    snapshot = copy.copy(estimator)
    snapshot.__dict__.pop("feature_names_in_", None)
    snapshot.__dict__.pop("estimators_", None)
    return snapshot


@dataclass(frozen=True)
class OutputScore:
    """The score of a network's logits by the estimator's own metric
    (``score``'s accuracy, R^2), as plain data and callables.

    ``link`` maps logits to outputs (the loss's link, in place); a
    shared-weight ensemble's ``heads`` are averaged; ``predict`` maps
    outputs to predictions and ``metric(y, predictions, sample_weight)``
    scores them against the targets ``y`` (in the user's encoding).
    """

    link: object
    heads: int
    predict: object
    metric: object
    y: object
    sample_weight: object = None

    def __call__(self, raw, member=None):
        output = self.link(raw)
        if self.heads > 1:
            output = per_head(output, self.heads).mean(axis=0)
        if not np.isfinite(output).all():
            return np.nan
        return self.metric(self.y, self.predict(output), self.sample_weight)


def validation_scorer(estimator, loss):
    """``scorer(X, Y, sample_weight)``: how a fit of ``estimator`` with
    ``loss`` scores its validation rows ``X, Y`` (for
    :class:`~skmlp.training.validation.ValidationSet`). ``scoring='loss'``:
    ``None`` (the negated validation loss); ``scoring=None``: an
    :class:`OutputScore` of the estimator's ``score`` metric; anything else:
    the scikit-learn scorer it names, called on a :func:`fitted_snapshot`
    of ``estimator`` that predicts with the network being trained -- or,
    for a common scoring, its value computed from the network's outputs
    (:func:`_common_score`)."""
    scoring = estimator.scoring
    if scoring == "loss":
        return _negated_loss
    if scoring is None:
        return partial(_output_score, estimator, loss)
    scorer = check_scoring(estimator, scoring)
    return partial(_common_score, estimator, loss, scorer)


def _negated_loss(X, Y, sample_weight):
    return None


def _output_score(estimator, loss, X, Y, sample_weight):
    return OutputScore(
        loss.link,
        estimator._heads(),
        estimator._predict_from_output,
        estimator._score_function,
        estimator._decode(Y),
        sample_weight,
    )


def _common_score(estimator, loss, scorer, X, Y, sample_weight):
    """The scorer's value computed from the outputs
    (:mod:`.common_scores`), as an :class:`OutputScore`, where ``scoring``
    is a common one for these targets and the network has probabilities;
    else :func:`_scorer_score`."""
    y = estimator._decode(Y)
    classes = getattr(estimator, "classes_", None) if is_classifier(estimator) else None
    common = common_scoring(estimator.scoring, classes, y)
    if common is None or (common.classification and loss.name == "hinge"):
        return _scorer_score(estimator, scorer, X, Y, sample_weight)
    if common.needs == "proba":  # predict_proba's, of each head, averaged
        link, predict = (lambda raw: raw), partial(_mean_proba, estimator)
    else:  # predict's: the outputs averaged over the heads, then decoded
        link, predict = loss.link, estimator._predict_from_output
    heads = 1 if common.needs == "proba" else estimator._heads()

    def metric(y, values, sample_weight):
        return float(common.score(values[None], y, sample_weight, classes)[0])

    return OutputScore(link, heads, predict, metric, y, sample_weight)


def _mean_proba(estimator, raw):
    heads = estimator._heads()
    raws = per_head(raw, heads) if heads > 1 else raw[None]
    return np.mean([estimator._proba_from_raw(r) for r in raws], axis=0)


def _scorer_score(estimator, scorer, X, Y, sample_weight):
    y = estimator._decode(Y)
    kwargs = {} if sample_weight is None else {"sample_weight": sample_weight}

    def scored(raw, member):
        snapshot = fitted_snapshot(estimator)
        snapshot._network = member()
        return scorer(snapshot, X, y, **kwargs)

    return scored
