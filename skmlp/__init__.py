"""skmlp: scikit-learn-compatible multilayer perceptrons on a NumPy core."""

from ._classifier import MLPClassifier
from ._cv_estimators import MLPClassifierCV, MLPRegressorCV, MultiLabelMLPCV
from ._multilabel import MultiLabelMLP
from ._regressor import MLPRegressor

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
