"""Reading fitted models: learning-curve diagnostics (training histories read
the way the lecture notes teach, and drawn) and feature attributions (which
features drive each prediction)."""

from ._attribution_display import FeatureAttributionDisplay, summarize_attributions
from ._attributions import feature_attributions
from ._diagnosis import PATTERNS, TrainingDiagnosis, diagnose_training
from ._display import TrainingCurveDisplay

__all__ = [
    "PATTERNS",
    "FeatureAttributionDisplay",
    "TrainingCurveDisplay",
    "TrainingDiagnosis",
    "diagnose_training",
    "feature_attributions",
    "summarize_attributions",
]
