"""Model selection in one pass: cross-validation whose folds, and searches
whose candidates x folds, train together."""

from ._cross_validation import cross_val_predict, cross_val_score, cross_validate
from ._search import GridSearchCV, RandomizedSearchCV

__all__ = [
    "GridSearchCV",
    "RandomizedSearchCV",
    "cross_val_predict",
    "cross_val_score",
    "cross_validate",
]
