"""MultiLabelMLP: independent sigmoid outputs, per-label weights and thresholds."""

from numbers import Real

import numpy as np

from .._sklearn_compat import Interval, StrOptions
from .attributes import documented
from .base import store_parameters
from .classifier import BaseClassifierMLP
from .docstrings import document


@document
class MultiLabelMLP(BaseClassifierMLP):
    """Multi-layer perceptron for multi-label classification.

    Given a 0/1 indicator matrix ``y`` of shape (n_samples, n_labels), the
    network has one logit per label, each with its own sigmoid, trained with
    the binary cross-entropy summed over labels (on the logits), optionally
    weighted per label (``class_weight``) or focal. ``predict_proba`` returns
    an (n_samples, n_labels) array and ``predict`` compares it with
    ``threshold`` (one value, or one per label).

    Given a 1-D ``y`` it is an ordinary single-label classifier: a binary
    target gets one sigmoid output and ``predict`` returns ``classes_[1]``
    where its probability reaches ``threshold``; a multiclass target gets a
    softmax and ``predict`` returns the most probable class (``threshold`` has
    no meaning there and is not used).

    Parameters
    ----------
    <<PARAMETERS>>

    Attributes
    ----------
    <<ATTRIBUTES>>

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

    _attributes = documented(cv=False, classifier=True)
    _parameter_constraints: dict = {
        **BaseClassifierMLP._parameter_constraints,
        "loss": [StrOptions({"log_loss", "focal"})],
        "class_weight": [StrOptions({"balanced"}), dict, "array-like", None],
        "threshold": [Interval(Real, 0, 1, closed="both"), "array-like"],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        threshold=0.5,
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
        loss="log_loss",
        class_weight=None,
        focal_gamma=2.0,
        focal_alpha=None,
        label_smoothing=0.0,
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

    # -- class weights: arrays are per-label positive weights ----------------
    def _class_sample_weight(self, Y, sample_weight):
        if self.class_weight is not None and not isinstance(self.class_weight, (str, dict)):
            raise ValueError(
                "class_weight as an array of per-label weights needs an indicator "
                "target; for a 1-D target use a dict or 'balanced'."
            )
        return super()._class_sample_weight(Y, sample_weight)

    # -- thresholds ---------------------------------------------------------
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
        if self._target_type() == "multiclass":
            return self.classes_[np.argmax(output, axis=1)]
        present = output >= self._thresholds()
        if self._is_multilabel():
            return present.astype(int)
        return self.classes_[present.ravel().astype(int)]
