"""Many networks as one program: plans and the scheduler that trains them on
model axes (what an ensemble of estimators is lives with the estimators, in
``skmlp._estimators.ensemble``).

An estimator turns its parameters and data into one :class:`FitPlan` per
network it trains (one, ``ensemble_size`` of them, or, for the CV estimators
and the one-pass searches, one per candidate, fold and seed).
:func:`train` groups the plans that can share a model axis, trains each
group as one stack of networks with the one
:class:`~skmlp.training.trainer.Trainer`, and gives each plan its
:class:`FitResult`; plans that cannot share an axis train as stacks of one,
through the same trainer. Nothing here calls back into an estimator.
"""

from .plan import FitPlan, FitResult
from .scheduler import MAX_AXIS_PARAMETERS, MAX_MEMBER_PARAMETERS, Rungs, train

__all__ = [
    "MAX_AXIS_PARAMETERS",
    "MAX_MEMBER_PARAMETERS",
    "FitPlan",
    "FitResult",
    "Rungs",
    "train",
]
