"""MultiLabelMLP: independent sigmoid outputs with per-label thresholds."""

from numbers import Real

import numpy as np
from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval

from ._base import BaseMLP, stochastic_only
from ._classifier import BaseClassifierMLP


class MultiLabelMLP(BaseClassifierMLP):
    """Multi-layer perceptron for multi-label classification.

    Given a 0/1 indicator matrix ``y`` of shape (n_samples, n_labels), the
    network has one logit per label, each with its own sigmoid, trained with
    the binary cross-entropy summed over labels (on the logits).
    ``predict_proba`` returns an (n_samples, n_labels) array and ``predict``
    compares it with ``threshold`` (one value, or one per label).

    Given a 1-D ``y`` it is an ordinary single-label classifier: a binary
    target gets one sigmoid output and ``predict`` returns ``classes_[1]``
    where its probability reaches ``threshold``; a multiclass target gets a
    softmax and ``predict`` returns the most probable class (``threshold`` has
    no meaning there and is not used).

    Parameters
    ----------
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
        The ith element is the number of neurons in the ith hidden layer.
    activation : str, default='relu'
        Hidden-layer activation, as in :class:`MLPClassifier`.
    threshold : float or array-like of shape (n_labels,), default=0.5
        Probability at or above which a label is predicted present.
    **params
        Every other parameter has the meaning it has in
        :class:`MLPClassifier`: solver, alpha, batch_size, learning_rate,
        learning_rate_init, power_t, max_iter, shuffle, random_state, tol,
        verbose, warm_start, momentum, nesterovs_momentum, early_stopping,
        validation_fraction, beta_1, beta_2, epsilon, n_iter_no_change,
        max_fun.

    Attributes
    ----------
    classes_ : ndarray
        ``arange(n_labels)`` for an indicator target, else the class labels.
    coefs_, intercepts_, loss_, loss_curve_, n_iter_, n_outputs_, ...
        As for :class:`MLPClassifier`.

    Examples
    --------
    >>> import numpy as np
    >>> from skmlp import MultiLabelMLP
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(200, 5))
    >>> Y = np.column_stack([X[:, 0] > 0, X[:, 1] + X[:, 2] > 0]).astype(int)
    >>> clf = MultiLabelMLP(hidden_layer_sizes=(20,), max_iter=500,
    ...                     random_state=0).fit(X, Y)
    >>> clf.predict_proba(X[:3]).shape
    (3, 2)
    >>> bool(clf.score(X, Y) > 0.9)
    True
    """

    _parameter_constraints: dict = {
        **BaseMLP._parameter_constraints,
        "threshold": [Interval(Real, 0, 1, closed="both"), "array-like"],
    }

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, threshold=0.5,
                 solver="adam", alpha=0.0001, batch_size="auto",
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
        self.threshold = threshold

    def _thresholds(self):
        threshold = np.asarray(self.threshold, dtype=float)
        n_labels = self.n_outputs_ if self._is_multilabel() else 1
        if threshold.ndim > 1 or (threshold.ndim == 1 and threshold.shape[0] != n_labels):
            raise ValueError(
                f"threshold must be a number or hold one value per label ({n_labels}); "
                f"got shape {threshold.shape}."
            )
        if np.any((threshold < 0) | (threshold > 1)):
            raise ValueError(f"threshold values must lie in [0, 1]; got {self.threshold}.")
        return threshold

    def _predict_from_output(self, output):
        if self._label_binarizer.y_type_ == "multiclass":
            return self.classes_[np.argmax(output, axis=1)]
        present = output >= self._thresholds()
        if self._is_multilabel():
            return present.astype(int)
        return self.classes_[present.ravel().astype(int)]

    @stochastic_only
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Update the model with one epoch over the given data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels or a label indicator matrix.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.
        classes : array-like of shape (n_classes,), default=None
            All classes across calls; required on the first call for a 1-D
            ``y``, not needed for an indicator matrix.

        Returns
        -------
        self : object
            The updated estimator.
        """
        return self._partial_fit(X, y, sample_weight, classes)
