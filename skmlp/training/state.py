"""What training remembers between epochs and between calls to fit."""

from dataclasses import dataclass, field

import numpy as np


@dataclass
class TrainingState:
    """Progress of training, with scikit-learn's stopping rule.

    The monitored value is the training loss (``best_loss``) unless
    ``monitor_validation`` is set; then it is the validation score
    (``best_validation_score``). Whenever a validation set exists its loss
    and score are recorded, and the network at the best score is kept in
    ``best_theta`` (a :meth:`Network.checkpoint`: parameters and running
    statistics, one member's row) together with its 1-based epoch, ``best_epoch``.
    """

    monitor_validation: bool = False
    t: int = 0
    n_iter: int = 0
    loss: float = np.nan
    loss_curve: list = field(default_factory=list)
    best_loss: float = np.inf
    validation_scores: list = field(default_factory=list)
    validation_loss_curve: list = field(default_factory=list)
    best_validation_score: float = -np.inf
    best_epoch: int = None
    no_improvement_count: int = 0
    best_theta: np.ndarray = None
    history: dict = field(default_factory=dict)
    diverged_at: int = None

    def log(self, **values):
        """Append one epoch's values to ``history`` (a dict of equal-length
        lists; a key seen for the first time is back-filled with NaN)."""
        n = len(next(iter(self.history.values()), []))
        for key, value in values.items():
            self.history.setdefault(key, [np.nan] * n).append(value)
        for column in self.history.values():
            if len(column) == n:
                column.append(np.nan)

    def record_loss(self, loss, n_samples, tol):
        """Record an epoch's training loss; monitor it unless validation is."""
        self.n_iter += 1
        self.t += n_samples
        self.loss = loss
        self.loss_curve.append(loss)
        if self.monitor_validation:
            return
        self._count(loss > self.best_loss - tol)
        self.best_loss = min(self.best_loss, loss)

    def record_validation(self, loss, score, tol, checkpoint):
        """Record an epoch's validation loss and score; keep the network's
        ``checkpoint()`` at the best."""
        self.validation_loss_curve.append(loss)
        self.validation_scores.append(score)
        if self.monitor_validation:
            # an undefined (NaN) score is no improvement
            self._count(not score >= self.best_validation_score + tol)
        if score > self.best_validation_score:
            self.best_validation_score = score
            self.best_epoch = len(self.loss_curve)
            self.best_theta = checkpoint()

    def _count(self, stalled):
        self.no_improvement_count = self.no_improvement_count + 1 if stalled else 0
