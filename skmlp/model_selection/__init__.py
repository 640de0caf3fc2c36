"""Model selection in one pass: cross-validation whose folds train together."""

from ._cross_validation import cross_val_predict, cross_val_score, cross_validate

__all__ = ["cross_val_predict", "cross_val_score", "cross_validate"]
