"""What one network's training needs, prepared by its estimator."""

from dataclasses import dataclass

from ..nn.network import Network
from ..training.batches import MemberRows
from ..training.config import TrainingConfig
from ..training.state import TrainingState
from ..training.trainer import FitOutcome


@dataclass
class FitPlan:
    """One network's training, as its estimator prepared it.

    Everything that depends on the estimator -- validated and encoded data,
    class weights, the loss, the initial weights and every random draw in
    scikit-learn's order (initial weights, dropout seed, early stopping's
    split), the score of the validation rows -- is done when the plan is
    made; the scheduler (:func:`~skmlp.model_axis.train`) trains plans, never
    estimators.

    Attributes
    ----------
    network : Network
        A stack of one: freshly initialised, or the fitted one to continue.
    loss : object
        Its loss (:mod:`skmlp.nn.losses`), with its own numbers.
    config : TrainingConfig
        Its settings: those it must share with the plans of its axis, and its
        own numbers (``max_iter``, ``tol``, ``n_iter_no_change``, the
        optimizer's hyper-parameters).
    rows : MemberRows
        Its training rows.
    state : TrainingState
        Its progress, new or continued.
    rng : numpy.random.RandomState
        Its shuffles (after its earlier draws).
    validation : skmlp.training.validation.ValidationSet or None
        Its validation rows and score.
    dropout_rng : numpy.random.Generator or None
        Its dropout masks.
    optimizer : optimizer or None
        The optimizer to continue (``partial_fit``); ``None``: a new one from
        ``config``.
    alpha, l1_ratio : float
        Its penalty.
    incremental : bool
        One epoch of ``partial_fit``.
    hooks : tuple
        ``(on_begin, on_end)`` of scikit-learn's callbacks, or ``(None,
        None)``; a plan with hooks trains on an axis of its own.
    """

    network: Network
    loss: object
    config: TrainingConfig
    rows: MemberRows
    state: TrainingState
    rng: object
    validation: object = None
    dropout_rng: object = None
    optimizer: object = None
    alpha: float = 0.0
    l1_ratio: float = 0.0
    incremental: bool = False
    hooks: tuple = (None, None)


@dataclass(frozen=True)
class FitResult:
    """A trained plan: how its training ended, its trained network (a stack of
    one) and optimizer, and its state."""

    outcome: FitOutcome
    network: Network
    optimizer: object
    state: TrainingState
