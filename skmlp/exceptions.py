"""Warnings of skmlp's own, each a class so that it can be filtered.

Examples
--------
>>> import warnings
>>> from skmlp.exceptions import AlphaEdgeWarning
>>> warnings.filterwarnings("ignore", category=AlphaEdgeWarning)
"""

__all__ = ["AlphaEdgeWarning"]


class AlphaEdgeWarning(UserWarning):
    """A CV estimator chose the smallest (above 0) or the largest of its
    ``alphas``, and it scored better than every other: the best penalty may
    lie beyond the grid. The message suggests a wider one.
    """
