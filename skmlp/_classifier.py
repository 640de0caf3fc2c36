"""MLPClassifier: labels <-> targets, predict_proba."""

import numpy as np
from scipy.special import expit
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.metrics import accuracy_score
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.multiclass import _check_partial_fit_first_call, type_of_target, unique_labels
from sklearn.utils.validation import column_or_1d, validate_data

from ._base import BaseMLP, stochastic_only


class BaseClassifierMLP(ClassifierMixin, BaseMLP):
    """Label handling shared by :class:`MLPClassifier` and ``MultiLabelMLP``."""

    def _validate_input(self, X, y, incremental, reset):
        X, y = validate_data(self, X, y, accept_sparse=["csr", "csc"], multi_output=True,
                             dtype=(np.float64, np.float32), reset=reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if not hasattr(self, "classes_") or (not self.warm_start and not incremental):
            self._label_binarizer = LabelBinarizer().fit(y)
            self.classes_ = self._label_binarizer.classes_
        else:
            self._check_known_classes(y, incremental)
        return X, self._label_binarizer.transform(y).astype(X.dtype)

    def _check_known_classes(self, y, incremental):
        classes = unique_labels(y)
        if self.warm_start and not incremental:
            if set(classes) != set(self.classes_):
                raise ValueError(
                    "warm_start can only be used where `y` has the same classes as in "
                    f"the previous call to fit. Previously got {self.classes_}, "
                    f"`y` has {classes}"
                )
        elif len(np.setdiff1d(classes, self.classes_, assume_unique=True)):
            raise ValueError(
                f"`y` has classes not in `self.classes_`. `self.classes_` has "
                f"{self.classes_}. 'y' has {classes}."
            )

    def _is_multilabel(self):
        return self._label_binarizer.y_type_ == "multilabel-indicator"

    def _loss_name(self):
        if self._label_binarizer.y_type_ == "multiclass":
            return "softmax_cross_entropy"
        return "sigmoid_cross_entropy"

    def _stratify_validation(self):
        return not self._is_multilabel()

    def _decode(self, Y):
        return self._label_binarizer.inverse_transform(Y)

    def _score_function(self, y_true, y_pred, sample_weight=None):
        return accuracy_score(y_true, y_pred, sample_weight=sample_weight)

    def _predict_from_output(self, output):
        if self.n_outputs_ == 1:
            output = output.ravel()
        return self._label_binarizer.inverse_transform(output)

    def _single_logit(self):
        """Binary single-label target: one logit for the positive class."""
        return self.n_outputs_ == 1 and not self._is_multilabel()

    def predict(self, X):
        """Predict class labels (or a label indicator matrix) for ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
            The predicted classes.
        """
        return self._predict_from_output(self._validated_output(X))

    def predict_proba(self, X):
        """Probability estimates.

        Probabilities are computed stably from the logits and floored at the
        smallest positive normal number of their dtype, so that a finite logit
        never yields a probability of exactly 0 and ``log(predict_proba(X))``
        stays finite (use ``predict_log_proba`` for exact log-probabilities).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probability of each class, in the order of ``classes_`` (for a
            multilabel target, of each label).
        """
        raw = self._validated_raw(X)
        if self._single_logit():
            # expit(-z), not 1 - expit(z): no cancellation to 0 near p = 1
            z = raw.ravel()
            proba = np.empty((z.shape[0], 2), dtype=z.dtype)
            expit(-z, out=proba[:, 0])
            expit(z, out=proba[:, 1])
        else:
            proba = self._loss.link(raw)
        return np.maximum(proba, np.finfo(proba.dtype).tiny, out=proba)

    def predict_log_proba(self, X):
        """Logarithm of the probability estimates, computed from the logits.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities (log-sum-exp / log-sigmoid of the logits), finite
            even where ``predict_proba`` reaches its floor.
        """
        return self._log_proba(self._validated_raw(X))

    def _log_proba(self, raw):
        if self._single_logit():
            return np.column_stack([self._loss.log_link(-raw).ravel(),
                                    self._loss.log_link(raw).ravel()])
        return self._loss.log_link(raw)

    def _partial_fit(self, X, y, sample_weight, classes):
        # An indicator matrix names all its labels already, so ``classes`` is
        # only required on the first call for 1-D targets.
        indicator = type_of_target(y).startswith("multilabel")
        if indicator and not hasattr(self, "classes_"):
            self._label_binarizer = LabelBinarizer().fit(y)
            self.classes_ = self._label_binarizer.classes_
        elif _check_partial_fit_first_call(self, classes):
            self._label_binarizer = LabelBinarizer().fit(classes)
        return self._fit(X, y, sample_weight, incremental=True)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class MLPClassifier(BaseClassifierMLP):
    """Multi-layer perceptron classifier, a drop-in for scikit-learn's.

    Same parameters, defaults, fitted attributes and methods as
    :class:`sklearn.neural_network.MLPClassifier`, on a NumPy core that keeps
    every weight in one flat vector. Binary and multilabel targets use
    sigmoid outputs with binary cross-entropy on the logits; multiclass
    targets a softmax with cross-entropy (log-sum-exp). float32 input gives
    float32 weights and predictions.

    Parameters
    ----------
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
        The ith element is the number of neurons in the ith hidden layer.
    activation : {'identity', 'logistic', 'sigmoid', 'tanh', 'relu', \
'leaky_relu', 'elu', 'softplus', 'gelu'}, default='relu'
        Hidden-layer activation. 'sigmoid' is another name for 'logistic';
        'leaky_relu' has slope 0.01 below zero, 'elu' has alpha=1, 'gelu' is
        the tanh approximation.
    solver : {'lbfgs', 'sgd', 'adam'}, default='adam'
        The weight optimiser. 'lbfgs' is scipy's L-BFGS-B on the full batch.
    alpha : float, default=0.0001
        Strength of the L2 penalty, divided by the (weighted) batch size when
        added to the loss, as in scikit-learn.
    batch_size : int or 'auto', default='auto'
        Minibatch size for the stochastic solvers; 'auto' is
        ``min(200, n_samples)``.
    learning_rate : {'constant', 'invscaling', 'adaptive'}, default='constant'
        Learning-rate schedule, used by ``solver='sgd'`` only.
    learning_rate_init : float, default=0.001
        Initial learning rate of 'sgd' and 'adam'.
    power_t : float, default=0.5
        Exponent of the 'invscaling' schedule.
    max_iter : int, default=200
        Maximum number of epochs (stochastic solvers) or iterations (lbfgs).
    shuffle : bool, default=True
        Whether to shuffle samples every epoch (stochastic solvers).
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
        Hold out ``validation_fraction`` of the data (stratified), stop when
        its accuracy stalls for ``n_iter_no_change`` epochs and restore the
        best weights.
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
    loss : {'log_loss'}, default='log_loss'
        The training loss.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    loss_ : float
        The training loss at the end of fitting (penalty included).
    best_loss_ : float or None
        The lowest training loss reached (None with early stopping).
    loss_curve_ : list of float
        Training loss after each epoch (each iteration for 'lbfgs').
    validation_scores_ : list of float or None
        Validation accuracy after each epoch, with early stopping.
    best_validation_score_ : float or None
        The best validation accuracy, with early stopping.
    t_ : int
        Number of training samples seen by the stochastic solver.
    coefs_ : list of ndarray
        Weight matrix of each layer; views into one flat parameter vector
        (assigning to them, or to ``coefs_[i]``, changes the model).
    intercepts_ : list of ndarray
        Bias vector of each layer, likewise views.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names seen during fit, when ``X`` has string column names.
    n_iter_ : int
        Number of epochs (iterations for 'lbfgs') run by the last fit.
    n_layers_ : int
        Number of layers, input and output included.
    n_outputs_ : int
        Number of outputs.
    out_activation_ : str
        Output link: 'logistic' or 'softmax'.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.model_selection import cross_val_score
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skmlp import MLPClassifier
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> model = make_pipeline(StandardScaler(), MLPClassifier(random_state=0))
    >>> scores = cross_val_score(model, X, y, cv=5)
    >>> bool(scores.mean() > 0.95)
    True
    >>> clf = MLPClassifier(random_state=0).fit(X[:, :5] / 100, y)
    >>> clf.predict_proba(X[:2, :5] / 100).shape
    (2, 2)
    """

    _parameter_constraints: dict = {
        **BaseMLP._parameter_constraints,
        "loss": [StrOptions({"log_loss"})],
    }

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam",
                 alpha=0.0001, batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.001, power_t=0.5, max_iter=200, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False,
                 momentum=0.9, nesterovs_momentum=True, early_stopping=False,
                 validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 n_iter_no_change=10, max_fun=15000, loss="log_loss"):
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

    @stochastic_only
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Update the model with one epoch over the given data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            The target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.
        classes : array-like of shape (n_classes,), default=None
            All classes across calls; required on the first call (unless
            ``y`` is a multilabel indicator matrix).

        Returns
        -------
        self : object
            The updated estimator.
        """
        return self._partial_fit(X, y, sample_weight, classes)
