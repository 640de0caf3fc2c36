"""Held-out loss and score of the network during training."""

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


class ValidationSet:
    """Loss and score of the current network on a validation set.

    The loss is the training loss function (with its class weights, label
    smoothing, focal or robust form) on the validation rows, without the
    penalty. ``scoring=None`` scores with the estimator's ``score`` metric
    (accuracy, R^2), ``'loss'`` with the negated validation loss, anything else
    with the scikit-learn scorer it names, called on :func:`fitted_snapshot`.
    """

    def __init__(self, estimator, objective, X, Y, sample_weight):
        self.objective, self.X, self.Y, self.sample_weight = objective, X, Y, sample_weight
        self.estimator = estimator
        self.y = estimator._decode(Y)
        scoring = estimator.scoring
        self.scorer = (
            None if scoring in (None, "loss") else check_scoring(estimator, scoring)
        )

    def __call__(self):
        # the data loss: what a user compares with a metric on the same rows
        loss = self.objective.value(self.X, self.Y, self.sample_weight, penalty=False)
        if self.estimator.scoring == "loss":
            return loss, -loss
        if self.scorer is None:
            score = self.estimator._score_validated(self.X, self.y, self.sample_weight)
            return loss, score
        kwargs = {} if self.sample_weight is None else {"sample_weight": self.sample_weight}
        snapshot = fitted_snapshot(self.estimator)
        return loss, self.scorer(snapshot, self.X, self.y, **kwargs)
