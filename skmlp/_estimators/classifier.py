"""MLPClassifier: labels <-> targets, class weights, probabilities."""

from numbers import Real

import numpy as np
from scipy.special import logsumexp
from sklearn.base import ClassifierMixin
from sklearn.metrics import accuracy_score
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import (
    type_of_target,
    unique_labels,
)
from sklearn.utils.validation import check_array, column_or_1d, validate_data

from .._sklearn_compat import (
    Interval,
    StrOptions,
    _check_partial_fit_first_call,
    _fit_context,
)
from ..nn.losses import Hinge, SigmoidCrossEntropy, SoftmaxCrossEntropy
from .attributes import documented
from .base import BaseMLP, stochastic_only, store_parameters
from .docstrings import document


def binarized(binarizer, y):
    """``binarizer.transform(y)`` (a fitted ``LabelBinarizer``), computed
    directly where ``y`` is 1-D and holds only its classes (two or more):
    the binarizer checks the target's type on every call, which costs more
    than a small table's epoch (a CV estimator encodes every inner fold)."""
    classes = binarizer.classes_
    direct = (
        binarizer.y_type_ in ("binary", "multiclass")
        and not binarizer.sparse_output
        and (binarizer.neg_label, binarizer.pos_label) == (0, 1)
        and isinstance(y, np.ndarray)
        and y.ndim == 1
        and len(classes) >= 2
    )
    if direct:
        try:
            index = np.searchsorted(classes, y).clip(0, len(classes) - 1)
            known = bool(np.all(classes[index] == y))
        except TypeError:  # labels that do not order with the classes
            known = False
        if known:
            if len(classes) == 2:
                return (index == 1).astype(int).reshape(-1, 1)
            return (index[:, None] == np.arange(len(classes))).astype(int)
    return binarizer.transform(y)


def _uses_hinge(estimator):
    """Whether the model's loss is the margin loss: the fitted loss once fitted
    (``set_params`` does not change what a fitted model can do), else the
    parameter."""
    fitted = estimator.__dict__.get("_loss")
    return fitted.name == "hinge" if fitted is not None else estimator.loss == "hinge"


def _has_probabilities(estimator):
    if _uses_hinge(estimator):
        raise AttributeError(
            "predict_proba is not available when loss='hinge': the margin loss "
            "gives scores, not probabilities (use decision_function)."
        )
    return True


def _has_scores_only(estimator):
    if not _uses_hinge(estimator):
        raise AttributeError(
            "decision_function is only available with loss='hinge', which gives "
            "scores instead of probabilities; like scikit-learn's MLPClassifier, a "
            "probabilistic model has predict_proba and predict_log_proba instead."
        )
    return True


def _balanced(counts, total, n_classes):
    """scikit-learn's 'balanced' weights ``total / (n_classes * count)`` from
    (sample-weighted) counts; a class of total weight 0 gets weight 0."""
    counts = np.asarray(counts, dtype=float)
    safe = np.where(counts > 0, counts, 1.0)
    return np.where(counts > 0, total / (n_classes * safe), 0.0)


class BaseClassifierMLP(ClassifierMixin, BaseMLP):
    """Label handling shared by :class:`MLPClassifier` and ``MultiLabelMLP``."""

    _parameter_constraints: dict = {
        **BaseMLP._parameter_constraints,
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "focal_gamma": [Interval(Real, 0, None, closed="left")],
        "focal_alpha": [Interval(Real, 0, 1, closed="neither"), None],
        "label_smoothing": [Interval(Real, 0, 1, closed="left")],
    }

    # -- targets ------------------------------------------------------------
    def _validate_input(self, X, y, reset, incremental, classes=None):
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=self._accept_sparse(),
            multi_output=True,
            dtype=self._input_dtype(reset),
            reset=reset,
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if reset:
            self._label_binarizer = LabelBinarizer().fit(y if classes is None else classes)
            self.classes_ = self._label_binarizer.classes_
        if not reset or classes is not None:
            self._check_known_classes(y, incremental)
        self._check_two_classes()
        return X, binarized(self._label_binarizer, y).astype(X.dtype)

    def _check_two_classes(self):
        if not self._is_multilabel() and len(self.classes_) < 2:
            raise ValueError(
                f"y has 1 class ({self.classes_.tolist()[0]!r}); a classifier needs "
                "samples "
                "of at least two classes."
            )

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

    def _target_type(self):
        return self._label_binarizer.y_type_

    def _is_multilabel(self):
        return self._target_type() == "multilabel-indicator"

    def _single_logit(self):
        """Binary single-label target: one logit for the positive class."""
        return self.n_outputs_ == 1 and not self._is_multilabel()

    # -- loss, class weights, label smoothing --------------------------------
    def _make_loss(self, Y, sample_weight):
        target = self._target_type()
        if self.loss == "hinge":
            if target != "binary" or self.label_smoothing:
                raise ValueError(
                    "loss='hinge' is for binary targets without label smoothing; got "
                    f"a {target} target and label_smoothing={self.label_smoothing}."
                )
            return Hinge()
        gamma = self.focal_gamma if self.loss == "focal" else 0.0
        if target == "multiclass":
            if self.loss == "focal" and self.focal_alpha is not None:
                raise ValueError(
                    "focal_alpha weighs the positive class of sigmoid outputs; for a "
                    "multiclass target use class_weight instead."
                )
            return SoftmaxCrossEntropy(gamma)
        pos, neg = self._label_weights(Y, sample_weight)
        if self.loss == "focal" and self.focal_alpha is not None:
            pos, neg = pos * self.focal_alpha, neg * (1 - self.focal_alpha)
        return SigmoidCrossEntropy(pos, neg, gamma)

    def _label_weights(self, Y, sample_weight):
        """Per-output (w+, w-) of the sigmoid cross-entropy: class weights of
        an indicator target act per label, inside the loss."""
        weights = self.class_weight
        if not self._is_multilabel() or weights is None:
            return 1.0, 1.0
        if isinstance(weights, dict):
            raise ValueError(
                "For an indicator target, class_weight is 'balanced' or one positive "
                "weight per label (an array, MultiLabelMLP); a dict names classes of "
                "a 1-D target."
            )
        if isinstance(weights, str):
            sw = np.ones(len(Y)) if sample_weight is None else sample_weight
            n_pos = sw @ Y
            n_neg = sw.sum() - n_pos
            return _balanced(n_pos, n_pos + n_neg, 2), _balanced(n_neg, n_pos + n_neg, 2)
        pos = np.asarray(weights, dtype=float)
        if pos.shape != (Y.shape[1],) or np.any(pos <= 0):
            raise ValueError(
                f"class_weight as an array holds one positive weight per label "
                f"({Y.shape[1]}); got {weights!r}."
            )
        return pos, 1.0

    def _prepare_targets(self, Y, sample_weight):
        if not self._is_multilabel():
            sample_weight = self._class_sample_weight(Y, sample_weight)
        if self.label_smoothing:
            k = Y.shape[1] if self._target_type() == "multiclass" else 2
            Y = (1 - self.label_smoothing) * Y + self.label_smoothing / k
        return Y, sample_weight

    def _class_sample_weight(self, Y, sample_weight):
        """``sample_weight`` times the weight of each sample's class."""
        if self.class_weight is None:
            return sample_weight
        labels = self._label_binarizer.inverse_transform(Y)
        present = np.unique(labels)
        if isinstance(self.class_weight, dict):
            unknown = [c for c in self.class_weight if c not in set(self.classes_)]
            if unknown:
                raise ValueError(
                    f"class_weight names {unknown}, which are not classes of y "
                    f"(classes: {list(self.classes_)})."
                )
            per_class = np.array([self.class_weight.get(c, 1.0) for c in present])
        else:
            sw = np.ones(len(labels)) if sample_weight is None else sample_weight
            counts = np.bincount(np.searchsorted(present, labels), weights=sw)
            per_class = _balanced(counts, counts.sum(), np.count_nonzero(counts))
        weights = per_class[np.searchsorted(present, labels)].astype(Y.dtype)
        return weights if sample_weight is None else weights * sample_weight

    def _split_kind(self):
        return "multilabel" if self._is_multilabel() else "single_label"

    def _encode_validation_targets(self, y_val):
        y_val = check_array(y_val, ensure_2d=False, dtype=None)
        if y_val.ndim == 2 and y_val.shape[1] == 1:
            y_val = column_or_1d(y_val, warn=True)
        unknown = np.setdiff1d(unique_labels(y_val), self.classes_)
        if len(unknown) and not self._is_multilabel():
            raise ValueError(
                f"y_val has classes {unknown.tolist()} that y does not have "
                f"(classes: {self.classes_.tolist()})."
            )
        return binarized(self._label_binarizer, y_val)

    def _decode(self, Y):
        return self._label_binarizer.inverse_transform(Y)

    def _score_function(self, y_true, y_pred, sample_weight=None):
        """Accuracy (subset accuracy for an indicator target), as
        :func:`~sklearn.metrics.accuracy_score` computes it. Early stopping
        scores labels decoded by the model's own binarizer, so both arrays
        have one shape and dtype: then the same arithmetic runs without the
        metric's input checks (0.3 ms a call, each epoch of each model)."""
        same = (
            isinstance(y_true, np.ndarray)
            and isinstance(y_pred, np.ndarray)
            and y_true.shape == y_pred.shape
            and y_true.dtype == y_pred.dtype
        )
        if not same:
            return accuracy_score(y_true, y_pred, sample_weight=sample_weight)
        hits = y_true == y_pred
        if hits.ndim == 2:
            hits = hits.all(axis=1)
        return float(np.average(hits, weights=sample_weight))

    # -- prediction ---------------------------------------------------------
    def _predict_from_output(self, output):
        if self._loss.name == "hinge":
            return self.classes_[(output.ravel() > 0).astype(int)]
        binarizer = self._label_binarizer
        if isinstance(output, np.ndarray) and not binarizer.sparse_input_:
            # what LabelBinarizer.inverse_transform computes, without its
            # checks (0.3 ms a call: each epoch of early stopping calls it)
            classes = binarizer.classes_
            if binarizer.y_type_ == "multiclass":
                return classes[output.argmax(axis=1)]
            if binarizer.y_type_ == "binary" and len(classes) > 1:
                return classes[(output.ravel() > 0.5).astype(np.intp)]
        if self.n_outputs_ == 1:
            output = output.ravel()
        return binarizer.inverse_transform(output)

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

    @available_if(_has_scores_only)
    def decision_function(self, X):
        """The margin scores of ``loss='hinge'`` (the network's output).

        Only the hinge loss has it: it gives no probabilities. scikit-learn's
        MLPClassifier has no ``decision_function``, and code that checks for
        one (calibration, scorers, plotting) would otherwise treat a
        probabilistic skmlp model differently from scikit-learn's.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            One score per sample (positive means ``classes_[1]``).
        """
        return self._averaged(X, lambda raw: raw).ravel()

    @available_if(_has_probabilities)
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
        return self._averaged(X, self._proba_from_raw)

    def _proba_from_raw(self, raw):
        if self._single_logit():
            # sigmoid(-z), not 1 - sigmoid(z): no cancellation to 0 near p = 1
            z = raw.ravel()
            proba = self._loss.link(np.column_stack([-z, z]))
        else:
            proba = self._loss.link(raw)
        return np.maximum(proba, np.finfo(proba.dtype).tiny, out=proba)

    @available_if(_has_probabilities)
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
        raws = self._validated_raws(X)
        if len(raws) == 1:
            return self._log_proba(raws[0])
        # the log of the members' mean probability, without leaving log space
        log_probas = [self._log_proba(raw) for raw in raws]
        weights = self._block_weights(len(raws))
        if weights is None:
            return logsumexp(log_probas, axis=0) - np.log(len(raws))
        return logsumexp(log_probas, axis=0, b=weights[:, None, None])

    def _log_proba(self, raw):
        if self._single_logit():
            return np.column_stack(
                [self._loss.log_link(-raw).ravel(), self._loss.log_link(raw).ravel()]
            )
        return self._loss.log_link(raw)

    def _check_solver(self):
        super()._check_solver()
        if isinstance(self.class_weight, str):  # 'balanced'
            raise AttributeError(
                "partial_fit is not available with class_weight='balanced': each "
                "chunk would be balanced by its own class counts. Compute the weights "
                "once from the targets of all the training data (or a large sample), "
                "e.g. with sklearn.utils.class_weight.compute_class_weight('balanced', "
                "classes=classes, y=y), and pass them as class_weight (a dict; for an "
                "indicator target, MultiLabelMLP takes one weight per label)."
            )
        return True

    def _partial_fit(self, X, y, sample_weight, classes):
        # An indicator matrix names all its labels already, so ``classes`` is
        # only required (and used) on the first call for 1-D targets.
        if type_of_target(y).startswith("multilabel"):
            classes = None
        elif not _check_partial_fit_first_call(self, classes):
            classes = None  # checked against classes_; the labels are known
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    @stochastic_only
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Update the model with one epoch over the given data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a label indicator matrix.
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

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


@document
class MLPClassifier(BaseClassifierMLP):
    """Multi-layer perceptron classifier, a drop-in for scikit-learn's.

    The parameters, defaults, fitted attributes and methods of
    :class:`sklearn.neural_network.MLPClassifier`, with the same results for
    the same ``random_state``, plus what imbalanced, wide biomedical tables
    need: class weights, focal and hinge losses, label smoothing, elastic-net
    penalties with exact zeros, dropout, batch normalisation, skip
    connections and more optimisers. Binary and multilabel targets use sigmoid
    outputs with binary cross-entropy on the logits; multiclass targets a
    softmax with cross-entropy (log-sum-exp). float32 input gives float32
    weights and predictions.

    Parameters
    ----------
    <<PARAMETERS>>

    Attributes
    ----------
    <<ATTRIBUTES>>

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
    >>> weighted = make_pipeline(StandardScaler(), MLPClassifier(
    ...     class_weight="balanced", loss="focal", dropout=0.2, random_state=0))
    >>> scores = cross_val_score(weighted, X, y, cv=5, scoring="balanced_accuracy")
    >>> bool(scores.mean() > 0.95)
    True
    """

    _attributes = documented(cv=False, classifier=True)
    _parameter_constraints: dict = {
        **BaseClassifierMLP._parameter_constraints,
        "loss": [StrOptions({"log_loss", "focal", "hinge"})],
    }

    def __init__(
        self,
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
