"""The frozen description of one training run, built once from an estimator."""

import warnings
from dataclasses import dataclass, field
from types import MappingProxyType

STOCHASTIC_SOLVERS = ("sgd", "adam", "adamw", "rmsprop")


@dataclass(frozen=True)
class TrainingConfig:
    """Everything the :class:`~skmlp.training.trainer.Trainer` needs to know
    about how to train, as plain values (the estimator's parameters, checked).

    ``solver`` is ``'lbfgs'``, ``'newton'`` (a linear network's full-batch
    Newton method, :mod:`skmlp.training.newton`: the CV estimators' solve of
    their linear candidates, not an estimator's parameter) or a name in
    :data:`skmlp.nn.optimizers.OPTIMIZERS`, whose constructor takes its
    entries of ``optimizer_params`` (``learning_rate`` among them: the
    initial rate, which the optimizer keeps). ``schedule`` is the
    learning-rate schedule (``'constant'``, ``'invscaling'``, ``'adaptive'``;
    see :class:`~skmlp.training.schedules.LearningRateSchedule`).
    ``early_stopping`` monitors the validation score, when there is a
    validation set, instead of the training loss; ``restore_best_weights``
    then ends training at the best epoch's weights.
    """

    solver: str = "adam"
    max_iter: int = 200
    tol: float = 1e-4
    n_iter_no_change: float = 10
    batch_size: object = "auto"
    shuffle: bool = True
    schedule: str = "constant"
    power_t: float = 0.5
    optimizer_params: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    clip_norm: float = None
    early_stopping: bool = False
    restore_best_weights: bool = True
    max_fun: int = 15000
    verbose: bool = False

    @property
    def stochastic(self):
        return self.solver in STOCHASTIC_SOLVERS

    def batch_size_for(self, n_samples):
        """The minibatch size for ``n_samples`` rows: ``'auto'`` is
        ``min(200, n_samples)``; larger sizes are clipped, with scikit-learn's
        warning."""
        if self.batch_size == "auto":
            return min(200, n_samples)
        if self.batch_size > n_samples:
            warnings.warn(
                "Got `batch_size` less than 1 or larger than sample size. "
                "It is going to be clipped"
            )
        return max(1, min(int(self.batch_size), n_samples))
