"""Held-out loss and score of the network during training."""

import copy

import numpy as np
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


class MemberValidation:
    """Loss and score of each member of a model axis on its own validation
    set: what :class:`ValidationSet` computes for each member's estimator, as
    two ``(k,)`` arrays.

    The members' sets are stacked, ``(k, m, d)``, a shorter one padded with
    rows of weight 0; one forward pass of the stacked network gives every
    member's outputs. A scorer other than the estimator's own metric is called
    on a snapshot of each member (a copy of its network).
    """

    def __init__(self, estimators, objective, sets):
        self.estimators, self.objective = estimators, objective
        self.sizes = [Y.shape[0] for _, Y, _ in sets]
        k, m = len(sets), max(self.sizes)
        X0, Y0, _ = sets[0]
        self.X = np.zeros((k, m, X0.shape[1]), X0.dtype)
        self.Y = np.zeros((k, m, Y0.shape[1]), Y0.dtype)
        weights = np.zeros((k, m), X0.dtype)
        for j, (X, Y, sw) in enumerate(sets):
            n = Y.shape[0]
            self.X[j, :n], self.Y[j, :n] = X, Y
            weights[j, :n] = 1.0 if sw is None else sw
        padded = len(set(self.sizes)) > 1
        weighted = any(sw is not None for _, _, sw in sets)
        self.weights = weights if padded or weighted else None
        self.sets = [(X, e._decode(Y), sw) for e, (X, Y, sw) in zip(estimators, sets)]
        scoring = estimators[0].scoring
        self.scoring = scoring
        self.scorer = (
            None if scoring in (None, "loss") else check_scoring(estimators[0], scoring)
        )

    def subset(self, objective, members):
        """The validation of the members at positions ``members``, with
        ``objective`` (theirs, on their own model axis)."""
        subset = copy.copy(self)
        subset.objective = objective
        subset.estimators = [self.estimators[j] for j in members]
        subset.sizes = [self.sizes[j] for j in members]
        subset.sets = [self.sets[j] for j in members]
        subset.X, subset.Y = self.X[members], self.Y[members]
        subset.weights = None if self.weights is None else self.weights[members]
        return subset

    def __call__(self):
        loss = self.objective.value(self.X, self.Y, self.weights, penalty=False)
        if self.scoring == "loss":
            return loss, -loss
        network = self.objective.network
        if self.scorer is None:
            raw = network.predict_raw(self.X)
            scores = [
                e._score_output(e._loss.link(raw[j, :n]), y, sw)
                for j, (e, n, (_, y, sw)) in enumerate(
                    zip(self.estimators, self.sizes, self.sets)
                )
            ]
            return loss, np.array(scores)
        scores = []
        for j, (estimator, (X, y, sw)) in enumerate(zip(self.estimators, self.sets)):
            snapshot = fitted_snapshot(estimator)
            snapshot._network = network.member(j)
            kwargs = {} if sw is None else {"sample_weight": sw}
            scores.append(self.scorer(snapshot, X, y, **kwargs))
        return loss, np.array(scores)
