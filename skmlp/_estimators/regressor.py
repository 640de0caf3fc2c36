"""MLPRegressor."""

from numbers import Real

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils.validation import check_array, column_or_1d, validate_data

from .._sklearn_compat import Interval, StrOptions, _fit_context
from ..nn.losses import get_loss
from .attributes import documented
from .base import BaseMLP, stochastic_only, store_parameters
from .docstrings import document


@document
class MLPRegressor(RegressorMixin, BaseMLP):
    """Multi-layer perceptron regressor, a drop-in for scikit-learn's.

    The parameters, defaults, fitted attributes and methods of
    :class:`sklearn.neural_network.MLPRegressor`, with the same results for
    the same ``random_state``, plus robust losses (absolute error, Huber,
    log-cosh), elastic-net penalties with exact zeros, dropout, batch
    normalisation, skip connections and more optimisers. Multi-output targets
    are supported. float32 input gives float32 weights and predictions.

    Parameters
    ----------
    <<PARAMETERS>>

    Attributes
    ----------
    <<ATTRIBUTES>>

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
    >>> robust = make_pipeline(StandardScaler(), MLPRegressor(
    ...     loss="huber", hidden_layer_sizes=(16,), alpha=10, random_state=0))
    >>> bool(cross_val_score(robust, X, y, cv=5).mean() > 0.4)
    True
    """

    _attributes = documented(cv=False, classifier=False)
    _parameter_constraints: dict = {
        **BaseMLP._parameter_constraints,
        "loss": [
            StrOptions({"squared_error", "absolute_error", "huber", "log_cosh", "poisson"})
        ],
        "huber_delta": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(
        self,
        loss="squared_error",
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        huber_delta=1.0,
        l1_ratio=0.0,
        dropout=0.0,
        batch_norm=False,
        residual=False,
        feature_embedding=None,
        embedding_size=8,
        init="sklearn",
        clip_norm=None,
        weight_decay=0.01,
        scoring=None,
        restore_best_weights=True,
        ensemble_size=1,
        ensemble_kind="independent",
    ):
        store_parameters(self, locals())

    def _validate_input(self, X, y, reset, incremental, classes=None):
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=self._accept_sparse(),
            multi_output=True,
            y_numeric=True,
            dtype=self._input_dtype(reset),
            reset=reset,
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        return X, self._encode_targets(y, X.dtype)

    def _encode_targets(self, y, dtype):
        if self.loss == "poisson" and np.any(y < 0):
            raise ValueError(
                "Some value(s) of y are negative which is not allowed for Poisson "
                "regression."
            )
        Y = y.reshape(-1, 1) if y.ndim == 1 else y
        return np.ascontiguousarray(Y, dtype=dtype)

    def _encode_validation_targets(self, y_val):
        y_val = check_array(y_val, ensure_2d=False, dtype="numeric")
        if y_val.ndim == 2 and y_val.shape[1] == 1:
            y_val = column_or_1d(y_val, warn=True)
        return self._encode_targets(y_val, np.float64)

    def _make_loss(self, Y, sample_weight):
        params = {"delta": self.huber_delta} if self.loss == "huber" else {}
        return get_loss(self.loss, **params)

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
