"""Learning-curve diagnostics: read training histories the way the lecture
notes teach, and draw them."""

from ._diagnosis import PATTERNS, TrainingDiagnosis, diagnose_training
from ._display import TrainingCurveDisplay

__all__ = ["PATTERNS", "TrainingCurveDisplay", "TrainingDiagnosis", "diagnose_training"]
