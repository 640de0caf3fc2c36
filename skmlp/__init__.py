"""skmlp: scikit-learn-compatible multilayer perceptrons on a NumPy core."""

from . import _legacy_paths  # noqa: F401 - models saved by earlier versions name old paths
from ._estimators.classifier import MLPClassifier
from ._estimators.multilabel import MultiLabelMLP
from ._estimators.regressor import MLPRegressor
from ._tuned import MLPClassifierCV, MLPRegressorCV, MultiLabelMLPCV

__version__ = "0.1.0"

__all__ = [
    "MLPClassifier",
    "MLPClassifierCV",
    "MLPRegressor",
    "MLPRegressorCV",
    "MultiLabelMLP",
    "MultiLabelMLPCV",
    "__version__",
]
