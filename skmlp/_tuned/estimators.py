"""MLPClassifierCV, MLPRegressorCV, MultiLabelMLPCV: MLPs that choose their own
regularisation by inner cross-validation, trained in one pass."""

from functools import partial

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.metrics import check_scoring
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import column_or_1d

from .._estimators.attributes import documented
from .._estimators.base import store_parameters
from .._estimators.classifier import MLPClassifier, binarized
from .._estimators.common_scores import log_loss
from .._estimators.docstrings import document
from .._estimators.multilabel import MultiLabelMLP
from .._estimators.regressor import MLPRegressor
from .._sklearn_compat import StrOptions, _fit_context
from .base import ALPHAS, BaseMLPCV
from .selection import MixedPredictions, MixedProbabilities, squared_error
from .threshold import best_threshold, micro_f1, scorer_scores, scores_labels

_FIT_DOC = """Choose ``alpha_`` by inner cross-validation and fit the final model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The training data (dense).
        y : array-like
            The targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows, in training and in the inner folds' scores.
        groups : array-like of shape (n_samples,), default=None
            Group of each row (patient, batch): with an integer ``cv``, the
            inner folds keep each group whole (``StratifiedGroupKFold`` for a
            classifier, ``GroupKFold`` otherwise; one fold per group, with a
            warning, when there are fewer groups than ``cv``), so that no
            group is on both sides of a split; at least 2 groups. A splitter
            given as ``cv`` receives them.

        Returns
        -------
        self : object
            The fitted estimator.
        """


class _ClassifierCV(BaseMLPCV):
    """What the two classifiers share: classes, probabilities."""

    def fit(self, X, y, sample_weight=None, groups=None):
        self._fit(X, y, sample_weight, groups)
        self.classes_ = self.estimator_.classes_
        return self

    def predict(self, X):
        """Predicted labels: those of the averaged probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray
            The predicted labels.
        """
        return self._network_output("predict", X)

    def predict_proba(self, X):
        """Probabilities averaged over the final networks.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            The probability of each class.
        """
        return self._network_output("predict_proba", X)

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            The log-probability of each class.
        """
        return self._network_output("predict_log_proba", X)

    # -- ensemble selection ----------------------------------------------------
    def _mixable(self, network, X):
        return network._averaged(X, network._proba_from_raw, checked=True)

    def _mixture(self, template):
        return MixedProbabilities(template.classes_, partial(_labels_of, template))

    def _mixture_loss(self, template, y, sample_weight):
        """The log loss of probabilities against ``y``, each row weighted by
        its class's ``class_weight`` as in training (of an indicator target:
        unweighted)."""
        Y = binarized(template._label_binarizer, y)
        single = template._single_logit()
        if not template._is_multilabel():
            sample_weight = template._class_sample_weight(Y, sample_weight)
        binary = single or template._is_multilabel()

        def loss(P):
            return log_loss(P[..., 1:] if single else P, Y, sample_weight, binary)

        return loss


def _labels_of(network, P):
    """The labels ``network`` predicts from the probabilities ``P``."""
    return network._predict_from_output(P[:, 1:] if network._single_logit() else P)


@document
class MLPClassifierCV(ClassifierMixin, _ClassifierCV):
    """MLP classifier that chooses its own regularisation, with good defaults.

    A scikit-learn classifier for small, wide, imbalanced tables: inputs
    scaled robustly (:class:`~skmlp.preprocessing.SmoothClipScaler`), ``alpha``
    chosen from ``alphas`` by inner cross-validation (by group when ``groups``
    are given) for the network and for a linear model solved at each of its
    alphas (``portfolio``), every network of the search trained in one pass,
    and the fold networks of the candidates that ensemble selection on the
    out-of-fold predictions chose averaged with their weights
    (``selection``). Its defaults were chosen by
    measurement on real biomedical tables (see the user guide's page
    :ref:`cv-estimators`); they are not scikit-learn's MLP defaults.

    Parameters
    ----------
    <<PARAMETERS>>

    Attributes
    ----------
    <<ATTRIBUTES>>

    See Also
    --------
    MLPClassifier : the network with fixed parameters.
    sklearn.linear_model.LogisticRegressionCV : the same idea for a linear model.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.model_selection import cross_val_score
    >>> from skmlp import MLPClassifierCV
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> model = MLPClassifierCV(alphas=[1e-3, 1e-1, 10.0], random_state=0)
    >>> bool(cross_val_score(model, X, y, cv=3).mean() > 0.95)
    True
    >>> model.fit(X, y)  # doctest: +ELLIPSIS
    MLPClassifierCV(...)
    >>> len(model.cv_results_["params"])  # 3 alphas of the network, 8 of the linear model
    11
    >>> float(model.ensemble_weights_.sum())
    1.0
    """

    _network_class = MLPClassifier
    _attributes = documented(cv=True, classifier=True)
    # probabilities choose alpha: no hinge loss
    _own_constraints = {
        **BaseMLPCV._own_constraints,
        "loss": [StrOptions({"log_loss", "focal"})],
    }

    def __init__(
        self,
        alphas=ALPHAS,
        portfolio="fast",
        selection="ensemble",
        *,
        hidden_layer_sizes=(48, 48),
        activation="relu",
        cv=5,
        scoring=None,
        refit=False,
        scaling="robust",
        ensemble_size=1,
        ensemble_kind="independent",
        halving=True,
        time_budget=None,
        loss="log_loss",
        class_weight=None,
        focal_gamma=2.0,
        focal_alpha=None,
        label_smoothing=0.0,
        dropout=0.0,
        feature_embedding=None,
        embedding_size=8,
        batch_size="auto",
        learning_rate="cosine",
        learning_rate_init=0.005,
        max_iter=80,
        n_iter_no_change=10,
        random_state=None,
        verbose=False,
    ):
        store_parameters(self, locals())

    def _validation_options(self):
        return dict(multi_output=True)

    def _check_targets(self, y):
        check_classification_targets(y)
        kind = type_of_target(y)
        if kind not in ("binary", "multiclass"):
            raise ValueError(
                f"MLPClassifierCV needs binary or multiclass targets; got {kind!r} "
                "(use MultiLabelMLPCV for an indicator matrix)."
            )
        return column_or_1d(y, warn=True)

    def _check_folds(self, y, splits):
        _check_classes_in_folds(y, splits)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, groups=None):
        return super().fit(X, y, sample_weight, groups)

    fit.__doc__ = _FIT_DOC


@document
class MultiLabelMLPCV(_ClassifierCV):
    """Multi-label MLP that chooses its own regularisation, with good defaults.

    :class:`MultiLabelMLP` (one sigmoid output per label, a 0/1 indicator
    matrix as ``y``) with what :class:`MLPClassifierCV` adds: robust input
    scaling, ``alpha`` chosen by inner cross-validation in one pass for the
    network and a linear model (``portfolio``), and the fold networks of
    the candidates ensemble selection chose averaged with their weights;
    its labels are predicted at the threshold that scores best on their
    out-of-fold probabilities (``threshold="auto"``).

    Parameters
    ----------
    <<PARAMETERS>>

    Attributes
    ----------
    <<ATTRIBUTES>>

    See Also
    --------
    MultiLabelMLP : the network with fixed parameters.

    Examples
    --------
    >>> from sklearn.datasets import make_multilabel_classification
    >>> from skmlp import MultiLabelMLPCV
    >>> X, Y = make_multilabel_classification(n_samples=300, random_state=0)
    >>> model = MultiLabelMLPCV(alphas=[1e-2, 1.0], random_state=0).fit(X, Y)
    >>> model.predict(X[:2]).shape
    (2, 5)
    >>> bool(0 < model.threshold_ < 1)  # chosen on the out-of-fold probabilities
    True
    """

    _network_class = MultiLabelMLP
    _attributes = documented(cv=True, classifier=True, multilabel=True)
    # "auto" besides the thresholds the networks take
    _own_constraints = {
        **BaseMLPCV._own_constraints,
        "threshold": [
            StrOptions({"auto"}),
            *MultiLabelMLP._parameter_constraints["threshold"],
        ],
    }

    def __init__(
        self,
        alphas=ALPHAS,
        portfolio="fast",
        selection="ensemble",
        *,
        hidden_layer_sizes=(48, 48),
        activation="relu",
        threshold="auto",
        cv=5,
        scoring=None,
        refit=False,
        scaling="robust",
        ensemble_size=1,
        ensemble_kind="independent",
        halving=True,
        time_budget=None,
        loss="log_loss",
        class_weight=None,
        focal_gamma=2.0,
        focal_alpha=None,
        label_smoothing=0.0,
        dropout=0.0,
        feature_embedding=None,
        embedding_size=8,
        batch_size="auto",
        learning_rate="cosine",
        learning_rate_init=0.005,
        max_iter=80,
        n_iter_no_change=10,
        random_state=None,
        verbose=False,
    ):
        store_parameters(self, locals())

    def _validation_options(self):
        return dict(multi_output=True)

    def _network_params(self, configuration=None):
        params = super()._network_params(configuration)
        if isinstance(self.threshold, str):  # "auto": chosen after the search
            params["threshold"] = 0.5
        return params

    def _fit_decision(self, out_of_fold, y, sample_weight, splits):
        """``threshold_``: the threshold given, or with ``"auto"`` and an
        indicator target the one of the best mean score over the inner folds
        of the final model's out-of-fold probabilities -- by ``scoring`` where
        it scores the predicted labels, else by micro F1. ``"auto"`` keeps 0.5
        for a binary 1-D target (``predict`` is then ``predict_proba``'s most
        probable class, as scikit-learn's classifiers' is); a multiclass
        target has no threshold (None)."""
        final = self.estimator_
        if final._target_type() == "multiclass":
            self.threshold_ = None
        elif not isinstance(self.threshold, str):
            self.threshold_ = final._thresholds()
        elif not final._is_multilabel():
            self.threshold_ = 0.5
        else:
            folds = [
                (P, y[test], None if sample_weight is None else sample_weight[test])
                for P, (_, test) in zip(out_of_fold(), splits)
            ]
            chosen = self._threshold_by_scoring(folds)
            if chosen is None:  # no scoring, or a scoring of probabilities
                chosen = self._threshold_by_f1(folds)
            self.threshold_ = 0.5 if chosen is None else chosen
            final.set_params(threshold=self.threshold_)

    @property
    def _auto_threshold(self):
        """The threshold ``threshold="auto"`` chose (for an indicator
        target), or None: no threshold, a given one, or 0.5 kept."""
        if isinstance(self.threshold, str) and self.estimator_._is_multilabel():
            return self.threshold_
        return None

    def _summary(self):
        summary = super()._summary()
        if self._auto_threshold is not None:
            summary += f"\n  threshold {self._auto_threshold:g} (threshold='auto')"
        return summary

    def _threshold_by_scoring(self, folds):
        if self.scoring is None:
            return None
        scorer = check_scoring(self, self.scoring)
        if not scores_labels(scorer):  # the same score at every threshold
            return None
        return best_threshold(
            [scorer_scores(scorer, self.estimator_, *fold, self._mixture) for fold in folds]
        )

    def _threshold_by_f1(self, folds):
        return best_threshold([micro_f1(P, Y, weight) for P, Y, weight in folds])

    def _stratifiable(self):
        return self._binary_target

    def _check_targets(self, y):
        """A 1-D target (one sigmoid output) is split and checked as a
        classifier's; an indicator matrix is not stratified."""
        self._binary_target = y.ndim == 1 or y.shape[1] == 1
        if self._binary_target:
            check_classification_targets(y)
        return y

    def _check_folds(self, y, splits):
        if self._binary_target:
            _check_classes_in_folds(y, splits)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, groups=None):
        return super().fit(X, y, sample_weight, groups)

    fit.__doc__ = _FIT_DOC

    def score(self, X, y, sample_weight=None):
        """Subset accuracy, as scikit-learn's multi-label classifiers score.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples, n_labels)
            The true indicator matrix.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows.

        Returns
        -------
        score : float
            The fraction of rows whose every label is predicted right.
        """
        from sklearn.metrics import accuracy_score

        return accuracy_score(y, self.predict(X), sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.estimator_type = "classifier"
        tags.classifier_tags = MultiLabelMLP().__sklearn_tags__().classifier_tags
        tags.target_tags = MultiLabelMLP().__sklearn_tags__().target_tags
        return tags


@document
class MLPRegressorCV(RegressorMixin, BaseMLPCV):
    """MLP regressor that chooses its own regularisation, with good defaults.

    A scikit-learn regressor for small tables: inputs scaled robustly
    (:class:`~skmlp.preprocessing.SmoothClipScaler`) and the targets
    standardised (predictions are in the original units), ``alpha`` chosen
    from ``alphas`` by inner cross-validation (by group when ``groups`` are
    given) for the network and for a linear model solved at each of its
    alphas (``portfolio``), every network of the search trained in one pass,
    and the fold networks of the candidates that ensemble selection on the
    out-of-fold predictions chose averaged with their weights
    (``selection``). Its defaults were chosen by measurement
    on real biomedical tables (see the user guide's page
    :ref:`cv-estimators`).

    Parameters
    ----------
    <<PARAMETERS>>

    Attributes
    ----------
    <<ATTRIBUTES>>

    See Also
    --------
    MLPRegressor : the network with fixed parameters.
    sklearn.linear_model.RidgeCV : the same idea for a linear model.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.model_selection import cross_val_score
    >>> from skmlp import MLPRegressorCV
    >>> X, y = load_diabetes(return_X_y=True)
    >>> model = MLPRegressorCV(alphas=[1e-2, 1.0, 10.0], random_state=0)
    >>> bool(cross_val_score(model, X, y, cv=3).mean() > 0.4)
    True
    """

    _network_class = MLPRegressor
    _attributes = documented(cv=True, classifier=False)

    def __init__(
        self,
        alphas=ALPHAS,
        portfolio="fast",
        selection="ensemble",
        *,
        loss="squared_error",
        hidden_layer_sizes=(48, 48),
        activation="relu",
        cv=5,
        scoring=None,
        refit=False,
        scaling="robust",
        ensemble_size=1,
        ensemble_kind="independent",
        halving=True,
        time_budget=None,
        huber_delta=1.0,
        dropout=0.0,
        feature_embedding=None,
        embedding_size=8,
        batch_size="auto",
        learning_rate="cosine",
        learning_rate_init=0.005,
        max_iter=80,
        n_iter_no_change=10,
        random_state=None,
        verbose=False,
    ):
        store_parameters(self, locals())

    def _validation_options(self):
        return dict(multi_output=True, y_numeric=True)

    def _check_targets(self, y):
        if y.ndim == 2 and y.shape[1] == 1:  # warn once, not once per network
            return column_or_1d(y, warn=True)
        return y

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _targets(self, y, sample_weight):
        """The targets standardised (``scaling`` not None), or divided by
        their mean for the Poisson loss, which needs them non-negative; means
        and deviations weighted as training weighs the rows. An output that is
        constant over the rows that count is remembered: it is predicted as
        that constant."""
        y = y.astype(self._train_dtype, copy=False)
        counted = y if sample_weight is None else y[sample_weight > 0]
        # an output that never varies is predicted as itself, exactly
        constant = np.all(counted == counted[:1], axis=0)
        self._y_constant = np.where(constant, counted[0], np.nan)
        mean = np.average(y, axis=0, weights=sample_weight)
        if self.scaling is None:
            self._y_center, self._y_scale = 0.0, 1.0
        elif self.loss == "poisson":
            self._y_center, self._y_scale = 0.0, np.where(mean > 0, mean, 1.0)
        else:
            std = np.sqrt(np.average((y - mean) ** 2, axis=0, weights=sample_weight))
            self._y_center, self._y_scale = mean, np.where(std > 0, std, 1.0)
        return (y - self._y_center) / self._y_scale

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, groups=None):
        return self._fit(X, y, sample_weight, groups)

    fit.__doc__ = _FIT_DOC

    def predict(self, X):
        """Predictions averaged over the final networks, in the targets' units.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The predicted values.
        """
        return self._in_target_units(self._network_output("predict", X))

    def _check_configuration(self, i, params):
        poisson = {params.get("loss", self.loss) == "poisson", self.loss == "poisson"}
        if len(poisson) > 1:
            raise ValueError(
                f"portfolio[{i}] sets loss={params['loss']!r} where the estimator's is "
                f"{self.loss!r}: the targets are scaled for one loss (divided by their "
                "mean for 'poisson', standardised otherwise), so the portfolio's "
                "configurations cannot change to or from 'poisson'."
            )

    def _in_target_units(self, output):
        """The networks' ``output`` in the targets' units (and shape)."""
        y = output * self._y_scale + self._y_center
        y = np.where(np.isnan(self._y_constant), y, self._y_constant)
        if np.ndim(self._y_constant) == 0:
            y = y.reshape(len(y))
        return y.astype(self._input_dtype, copy=False)

    # -- ensemble selection ----------------------------------------------------
    def _mixable(self, network, X):
        output = network._validated_output(X, checked=True)
        return network._predict_from_output(output).reshape(len(X), -1)

    def _mixture(self, template):
        return MixedPredictions(self._in_target_units)

    def _mixture_loss(self, template, targets, sample_weight):
        return partial(squared_error, Y=targets, sample_weight=sample_weight)


def _check_classes_in_folds(y, splits):
    """Every class must be in the training part of every inner fold: a
    network cannot predict, or be scored on, a class it never saw."""
    classes = np.unique(y)
    for fold, (train, _) in enumerate(splits):
        missing = np.setdiff1d(classes, np.unique(y[train]))
        if missing.size:
            raise ValueError(
                f"Class {missing[0].tolist()!r} has no row in the training part of "
                f"inner fold {fold}: every class needs rows in every fold's training "
                "part (use fewer folds, or groups that do not hold all of a class)."
            )
