"""Held-out loss and score during training, and batch-norm statistics of a
full batch."""

from sklearn.metrics import check_scoring

from .nn.objective import normalised_weights


class FittedView:
    """The estimator seen by a scorer during training: its prediction methods
    skip input validation (the validation set is validated once, up front)."""

    def __init__(self, estimator):
        self._estimator = estimator
        for name, response in estimator._responses().items():
            setattr(self, name, self._method(name, response, estimator._network))

    @staticmethod
    def _method(name, response, network):
        def method(X):
            return response(network.predict_raw(X))

        method.__name__ = name  # scikit-learn's scorers dispatch on it
        return method

    def __getattr__(self, name):
        return getattr(self._estimator, name)


class ValidationSet:
    """Loss and score of the current network on a validation set."""

    def __init__(self, estimator, objective, X, Y, sample_weight):
        self.objective, self.X, self.Y, self.sample_weight = objective, X, Y, sample_weight
        self.estimator = estimator
        self.y = estimator._decode(Y)
        scoring = estimator.scoring
        self.scorer = (
            None if scoring in (None, "loss") else check_scoring(estimator, scoring)
        )

    def __call__(self):
        loss = self.objective.value(self.X, self.Y, self.sample_weight)
        if self.estimator.scoring == "loss":
            return loss, -loss
        if self.scorer is None:
            score = self.estimator._score_validated(self.X, self.y, self.sample_weight)
            return loss, score
        kwargs = {} if self.sample_weight is None else {"sample_weight": self.sample_weight}
        return loss, self.scorer(FittedView(self.estimator), self.X, self.y, **kwargs)


def refresh_batch_norm(network, X, sample_weight):
    """Full batch: set the running statistics to those of ``X`` under the
    network's current weights."""
    network.set_batch_norm_momentum(1.0)
    network.forward(X, weight=normalised_weights(sample_weight, X.shape[0])[0])
    network.set_batch_norm_momentum(0.1)
