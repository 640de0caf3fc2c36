"""MLPRegressor."""

import numpy as np
from sklearn.base import RegressorMixin, _fit_context
from sklearn.metrics import r2_score
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import column_or_1d, validate_data

from ._base import BaseMLP, stochastic_only


class MLPRegressor(RegressorMixin, BaseMLP):
    """Multi-layer perceptron regressor, a drop-in for scikit-learn's.

    Same parameters, defaults, fitted attributes and methods as
    :class:`sklearn.neural_network.MLPRegressor`. Multi-output targets are
    supported. float32 input gives float32 weights and predictions.

    Parameters
    ----------
    loss : {'squared_error', 'poisson'}, default='squared_error'
        'squared_error' is half the squared error with an identity output;
        'poisson' is half the Poisson deviance with an exponential output
        (targets must be non-negative).
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
        The ith element is the number of neurons in the ith hidden layer.
    activation : {'identity', 'logistic', 'sigmoid', 'tanh', 'relu', \
'leaky_relu', 'elu', 'softplus', 'gelu'}, default='relu'
        Hidden-layer activation.
    solver : {'lbfgs', 'sgd', 'adam'}, default='adam'
        The weight optimiser.
    alpha : float, default=0.0001
        Strength of the L2 penalty, divided by the (weighted) batch size.
    batch_size : int or 'auto', default='auto'
        Minibatch size; 'auto' is ``min(200, n_samples)``.
    learning_rate : {'constant', 'invscaling', 'adaptive'}, default='constant'
        Learning-rate schedule of ``solver='sgd'``.
    learning_rate_init : float, default=0.001
        Initial learning rate of 'sgd' and 'adam'.
    power_t : float, default=0.5
        Exponent of the 'invscaling' schedule.
    max_iter : int, default=200
        Maximum number of epochs (iterations for 'lbfgs').
    shuffle : bool, default=True
        Whether to shuffle samples every epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, the validation split and the shuffling.
    tol : float, default=1e-4
        Improvement below which an epoch counts as no improvement.
    verbose : bool, default=False
        Print progress messages.
    warm_start : bool, default=False
        Reuse the previous solution as the starting point of ``fit``.
    momentum : float, default=0.9
        Momentum of 'sgd'.
    nesterovs_momentum : bool, default=True
        Whether 'sgd' uses Nesterov's momentum.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data, stop when its R^2
        stalls and restore the best weights.
    validation_fraction : float, default=0.1
        Fraction of the training data held out for early stopping.
    beta_1, beta_2 : float, default=0.9, 0.999
        Decay rates of Adam's moment estimates.
    epsilon : float, default=1e-8
        Adam's numerical-stability term.
    n_iter_no_change : int, default=10
        Epochs without improvement tolerated before stopping.
    max_fun : int, default=15000
        Maximum number of loss evaluations of 'lbfgs'.

    Attributes
    ----------
    loss_, best_loss_, loss_curve_, validation_scores_, best_validation_score_, \
t_, coefs_, intercepts_, n_features_in_, feature_names_in_, n_iter_, n_layers_, \
n_outputs_, out_activation_
        As for :class:`MLPClassifier`; ``out_activation_`` is 'identity' or
        'exp'. For multi-output targets the loss is summed over outputs.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.model_selection import cross_val_score
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skmlp import MLPRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> y = (y - y.mean()) / y.std()  # networks train best on scaled targets
    >>> model = make_pipeline(StandardScaler(), MLPRegressor(
    ...     hidden_layer_sizes=(16,), solver="lbfgs", alpha=10, max_iter=300,
    ...     random_state=0))
    >>> bool(cross_val_score(model, X, y, cv=5).mean() > 0.4)
    True
    """

    _parameter_constraints: dict = {
        **BaseMLP._parameter_constraints,
        "loss": [StrOptions({"squared_error", "poisson"})],
    }

    def __init__(self, loss="squared_error", hidden_layer_sizes=(100,), activation="relu",
                 *, solver="adam", alpha=0.0001, batch_size="auto",
                 learning_rate="constant", learning_rate_init=0.001, power_t=0.5,
                 max_iter=200, shuffle=True, random_state=None, tol=1e-4, verbose=False,
                 warm_start=False, momentum=0.9, nesterovs_momentum=True,
                 early_stopping=False, validation_fraction=0.1, beta_1=0.9,
                 beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, max_fun=15000):
        super().__init__(
            hidden_layer_sizes=hidden_layer_sizes, activation=activation, solver=solver,
            alpha=alpha, batch_size=batch_size, learning_rate=learning_rate,
            learning_rate_init=learning_rate_init, power_t=power_t, max_iter=max_iter,
            shuffle=shuffle, random_state=random_state, tol=tol, verbose=verbose,
            warm_start=warm_start, momentum=momentum,
            nesterovs_momentum=nesterovs_momentum, early_stopping=early_stopping,
            validation_fraction=validation_fraction, beta_1=beta_1, beta_2=beta_2,
            epsilon=epsilon, n_iter_no_change=n_iter_no_change, max_fun=max_fun,
        )
        self.loss = loss

    def _validate_input(self, X, y, incremental, reset):
        X, y = validate_data(self, X, y, accept_sparse=["csr", "csc"], multi_output=True,
                             y_numeric=True, dtype=(np.float64, np.float32), reset=reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if self.loss == "poisson" and np.any(y < 0):
            raise ValueError(
                "Some value(s) of y are negative which is not allowed for Poisson "
                "regression."
            )
        Y = y.reshape(-1, 1) if y.ndim == 1 else y
        return X, np.ascontiguousarray(Y, dtype=X.dtype)

    def _loss_name(self):
        return self.loss

    def _decode(self, Y):
        return Y.ravel() if Y.shape[1] == 1 else Y

    def _score_function(self, y_true, y_pred, sample_weight=None):
        return r2_score(y_true, y_pred, sample_weight=sample_weight)

    def _predict_from_output(self, output):
        return output.ravel() if output.shape[1] == 1 else output

    def predict(self, X):
        """Predict using the multi-layer perceptron model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The predicted values.
        """
        return self._predict_from_output(self._validated_output(X))

    @stochastic_only
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Update the model with one epoch over the given data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        self : object
            The updated estimator.
        """
        return self._fit(X, y, sample_weight, incremental=True)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.positive_only = self.loss == "poisson"
        return tags
