"""How an estimator scores its network on validation rows, every epoch."""

import copy

from sklearn.metrics import check_scoring


def fitted_snapshot(estimator):
    """A fitted estimator that predicts with ``estimator``'s network as it is now.

    A shallow copy: it shares the network, so it costs nothing to make and
    sees the weights of the epoch being scored. Any scikit-learn scorer can
    score it through its public prediction methods. The copy forgets the
    feature names: it is given the validation rows as the validated array
    they already are, which then skip the input checks.
    """
    snapshot = copy.copy(estimator)
    snapshot.__dict__.pop("feature_names_in_", None)
    return snapshot


def validation_score(estimator, X, Y, sample_weight):
    """The score of ``estimator``'s network on validation rows ``X, Y`` (for
    :class:`~skmlp.training.validation.ValidationSet`): ``score(raw, member)``
    from the logits ``raw`` of ``X`` and ``member()``, the network being
    trained, or ``None`` for ``scoring='loss'`` (the negated validation
    loss). ``scoring=None`` scores with the estimator's ``score`` metric
    (accuracy, R^2) from the logits; anything else with the scikit-learn
    scorer it names, called on a :func:`fitted_snapshot` that predicts with
    the network."""
    scoring = estimator.scoring
    if scoring == "loss":
        return None
    y = estimator._decode(Y)
    if scoring is None:

        def score(raw, member):
            output = estimator._head_mean(estimator._loss.link(raw))
            return estimator._score_output(output, y, sample_weight)

        return score
    scorer = check_scoring(estimator, scoring)
    kwargs = {} if sample_weight is None else {"sample_weight": sample_weight}

    def scored(raw, member):
        snapshot = fitted_snapshot(estimator)
        snapshot._network = member()
        return scorer(snapshot, X, y, **kwargs)

    return scored
