"""scikit-learn's common estimator checks, with no expected failures."""

import pytest
from sklearn.utils.estimator_checks import check_param_validation, parametrize_with_checks

from skmlp import MLPClassifier, MLPRegressor, MultiLabelMLP

# max_iter=100 is what scikit-learn's own test-suite uses for its MLPs; it
# only keeps the checks fast (ConvergenceWarnings are expected and harmless).
# Besides the defaults, each solver and several activations are checked.
#
# loss="poisson" is not in this list: check_regressor_multioutput fits random
# targets with negative values without asking the estimator's positive_only
# tag, and a Poisson model must refuse negative targets. It is covered by
# tests/test_regressor.py and the gradient checks instead.
ESTIMATORS = [
    MLPClassifier(max_iter=100),
    MLPRegressor(max_iter=100),
    MultiLabelMLP(max_iter=100),
    MLPClassifier(solver="lbfgs", max_iter=100),
    MLPRegressor(solver="sgd", learning_rate="adaptive", max_iter=100),
    MLPClassifier(activation="elu", solver="sgd", learning_rate_init=0.05, max_iter=100),
    MLPRegressor(activation="softplus", solver="lbfgs", max_iter=100),
    MultiLabelMLP(activation="gelu", solver="lbfgs", max_iter=100),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize(
    "estimator", [MLPClassifier(), MLPRegressor(), MultiLabelMLP()], ids=type
)
def test_param_validation(estimator):
    check_param_validation(type(estimator).__name__, estimator)
