"""What training remembers between epochs and between calls to fit."""

from dataclasses import dataclass, field

import numpy as np


@dataclass
class TrainingState:
    """Progress of training, with scikit-learn's stopping rule.

    Without a validation set the monitored value is the training loss
    (``best_loss``); with one it is the validation score
    (``best_validation_score``), and the parameters at the best score are
    kept in ``best_theta`` (a :meth:`Network.checkpoint`: parameters and
    running statistics) so that they can be restored.
    """

    validation: bool = False
    t: int = 0
    n_iter: int = 0
    loss: float = np.nan
    loss_curve: list = field(default_factory=list)
    best_loss: float = np.inf
    validation_scores: list = field(default_factory=list)
    best_validation_score: float = -np.inf
    no_improvement_count: int = 0
    best_theta: np.ndarray = None

    def record_loss(self, loss, n_samples, tol):
        """Record an epoch's training loss; monitor it when there is no validation."""
        self.n_iter += 1
        self.t += n_samples
        self.loss = loss
        self.loss_curve.append(loss)
        if self.validation:
            return
        self.no_improvement_count = (
            self.no_improvement_count + 1 if loss > self.best_loss - tol else 0
        )
        self.best_loss = min(self.best_loss, loss)

    def record_validation(self, score, tol, network):
        """Record an epoch's validation score; checkpoint the network at the best."""
        self.validation_scores.append(score)
        self.no_improvement_count = (
            self.no_improvement_count + 1 if score < self.best_validation_score + tol else 0
        )
        if score > self.best_validation_score:
            self.best_validation_score = score
            self.best_theta = network.checkpoint()
