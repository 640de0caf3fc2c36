"""The CV estimators (:mod:`.estimators`): MLPClassifierCV, MLPRegressorCV and
MultiLabelMLPCV choose their alpha by inner cross-validation (:mod:`.base`),
pruning alphas by successive halving (:mod:`.halving`).

The package re-exports the three estimators under the path of the module that
defined them before it became this package (``skmlp._tuned``), which models
saved by earlier versions name.
"""

from .estimators import MLPClassifierCV, MLPRegressorCV, MultiLabelMLPCV

__all__ = ["MLPClassifierCV", "MLPRegressorCV", "MultiLabelMLPCV"]
