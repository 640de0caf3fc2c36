"""skmlp: scikit-learn-compatible multilayer perceptrons on a NumPy core."""

from ._classifier import MLPClassifier
from ._multilabel import MultiLabelMLP
from ._regressor import MLPRegressor
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
