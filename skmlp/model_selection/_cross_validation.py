"""Cross-validation in one pass: every fold's network on one model axis.

``cross_validate``, ``cross_val_score`` and ``cross_val_predict`` take
scikit-learn's arguments and return what scikit-learn's return. When the
estimator is a skmlp estimator, or a :class:`~sklearn.pipeline.Pipeline`
ending in one (decided by type, before anything runs), each fold is cloned
and its preprocessing steps fitted as scikit-learn would, and the folds'
networks are planned and trained in one call of the scheduler
(:func:`skmlp.model_axis.train`), which puts on one model axis those that
can share one. A fold whose fit fails is recorded as scikit-learn records
it. Any other estimator, and every call with metadata routing enabled, goes
to scikit-learn's function.
"""

from numbers import Integral

import numpy as np
from sklearn import model_selection as sklearn_model_selection
from sklearn.base import clone, is_classifier
from sklearn.metrics import check_scoring
from sklearn.model_selection import check_cv
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import indexable

from .._sklearn_compat import (
    _aggregate_score_dicts,
    _check_method_params,
    _enforce_prediction_order,
    _insert_error_scores,
    _normalize_score_results,
    _safe_split,
    _warn_or_raise_about_fit_failures,
)
from ._one_pass import (
    OnePassFit,
    failed_result,
    final_step,
    fit_preprocessing,
    plan_and_train,
    preprocess,
    routing_enabled,
    scored_result,
    validate_params,
)


def _fold_args(fit, X, y, train, params):
    """The skmlp step's fit arguments of ``fit``'s clone (its parameters
    checked), its preprocessing fitted on the training rows."""
    validate_params(fit)
    fold = fit.estimator
    X_train, y_train = _safe_split(fold, X, y, train)
    fit_params = _check_method_params(X, params=params, indices=train)
    return fit_preprocessing(fold, X_train, y_train, fit_params)


def _fit_folds(estimator, X, y, splits, params, error_score):
    """Every fold's :class:`~skmlp.model_selection._one_pass.OnePassFit`:
    a clone, its preprocessing fitted, its plans made and trained with every
    other fold's in one pass; a fold that fails records its error (or raises
    it, with ``error_score='raise'``)."""
    fits = []
    for train, test in splits:
        fold = clone(estimator)
        fit = OnePassFit(fold, final_step(fold), train, test)
        fit.args = preprocess(fit, _fold_args, fit, X, y, train, params)
        if fit.error is not None and error_score == "raise":
            raise fit.error
        fits.append(fit)
    plan_and_train(fits, error_score)
    return fits


def _splits(estimator, X, y, groups, cv):
    X, y, groups = indexable(X, y, groups)
    cv = check_cv(cv, y, classifier=is_classifier(estimator))
    return X, y, list(cv.split(X, y, groups))


def _assemble(results, splits, scoring, kwargs):
    """The return value of scikit-learn's ``cross_validate``."""
    if callable(scoring):
        _insert_error_scores(results, kwargs["error_score"])
    results = _aggregate_score_dicts(results)
    ret = {"fit_time": results["fit_time"], "score_time": results["score_time"]}
    if kwargs["return_estimator"]:
        ret["estimator"] = results["estimator"]
    if kwargs["return_indices"]:
        ret["indices"] = {}
        ret["indices"]["train"], ret["indices"]["test"] = zip(*splits)
    test = _normalize_score_results(results["test_scores"])
    train = (
        _normalize_score_results(results["train_scores"])
        if kwargs["return_train_score"]
        else {}
    )
    for name in test:
        ret[f"test_{name}"] = test[name]
        if name in train:
            ret[f"train_{name}"] = train[name]
    return ret


def _one_pass_cross_validate(estimator, X, y, *, groups, scoring, cv, params, **kwargs):
    """``cross_validate`` in one pass (``n_jobs``, ``verbose`` and
    ``pre_dispatch`` are for scikit-learn's loop)."""
    X, y, splits = _splits(estimator, X, y, groups, cv)
    error_score = kwargs["error_score"]
    scorer = check_scoring(estimator, scoring=scoring, raise_exc=error_score == "raise")
    fits = _fit_folds(estimator, X, y, splits, params or {}, error_score)
    results = []
    for fit in fits:
        if fit.error is not None:
            result = failed_result(fit, scorer, error_score, kwargs["return_train_score"])
        else:
            result = scored_result(fit, X, y, scorer, {}, kwargs)
        result["estimator"] = fit.estimator
        results.append(result)
    _warn_or_raise_about_fit_failures(results, error_score)
    return _assemble(results, splits, scoring, kwargs)


def _run(one_pass, fallback, estimator, X, y, arguments):
    """``one_pass``, or scikit-learn's ``fallback`` for what skmlp does not
    train in one pass, decided before anything runs: an estimator that is
    not skmlp's (nor a pipeline ending in one), no targets, or metadata
    routing enabled. Splits given as an iterator are read once."""
    if final_step(estimator) is None or y is None or routing_enabled():
        return fallback(estimator, X, y, **arguments)
    cv = arguments["cv"]
    if cv is not None and not isinstance(cv, Integral) and not hasattr(cv, "split"):
        arguments = dict(arguments, cv=list(cv))
    return one_pass(estimator, X, y, **arguments)


def cross_validate(
    estimator,
    X,
    y=None,
    *,
    groups=None,
    scoring=None,
    cv=None,
    n_jobs=None,
    verbose=0,
    params=None,
    pre_dispatch="2*n_jobs",
    return_train_score=False,
    return_estimator=False,
    return_indices=False,
    error_score=np.nan,
):
    """Evaluate metrics by cross-validation, training every fold in one pass.

    Takes the arguments of :func:`sklearn.model_selection.cross_validate` and
    returns what it returns, fold by fold the same scores (float64: to
    rounding). When ``estimator`` is a skmlp estimator, or a
    :class:`~sklearn.pipeline.Pipeline` whose last step is one,
    each fold is a clone whose preprocessing steps are fitted on the fold's
    training rows, and the folds' networks (every member of an ensemble's)
    train in one call of the scheduler, on model axes where they can share
    one (networks that cannot -- L-BFGS, sparse input, large networks --
    train one after the other in the same call). A fold whose fit fails is
    recorded as scikit-learn records it (``error_score``). Another
    estimator, and any call with metadata routing enabled, runs
    scikit-learn's function. ``n_jobs``, ``pre_dispatch`` and ``verbose`` are
    passed to scikit-learn's function when it runs; one pass runs in this
    process and prints nothing. A fold's ``fit_time`` is its own
    preprocessing and planning plus an equal share of the joint training.

    Parameters
    ----------
    estimator, X, y, groups, scoring, cv, n_jobs, verbose, params, \
pre_dispatch, return_train_score, return_estimator, return_indices, error_score
        As in :func:`sklearn.model_selection.cross_validate`. With metadata
        routing disabled, ``params`` go to ``fit`` (a pipeline's as
        ``step__name``; ``groups`` there reaches early stopping's split) and
        ``groups`` to the splitter.

    Returns
    -------
    scores : dict of ndarray
        As :func:`sklearn.model_selection.cross_validate` returns.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skmlp import MLPClassifier
    >>> from skmlp.model_selection import cross_validate
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> model = make_pipeline(
    ...     StandardScaler(), MLPClassifier(max_iter=300, random_state=0)
    ... )
    >>> result = cross_validate(model, X, y, cv=5)
    >>> result["test_score"].round(2).tolist()
    [0.97, 0.97, 0.96, 0.98, 0.98]
    """
    arguments = dict(
        groups=groups,
        scoring=scoring,
        cv=cv,
        n_jobs=n_jobs,
        verbose=verbose,
        params=params,
        pre_dispatch=pre_dispatch,
        return_train_score=return_train_score,
        return_estimator=return_estimator,
        return_indices=return_indices,
        error_score=error_score,
    )
    fallback = sklearn_model_selection.cross_validate
    return _run(_one_pass_cross_validate, fallback, estimator, X, y, arguments)


def cross_val_score(
    estimator,
    X,
    y=None,
    *,
    groups=None,
    scoring=None,
    cv=None,
    n_jobs=None,
    verbose=0,
    params=None,
    pre_dispatch="2*n_jobs",
    error_score=np.nan,
):
    """Evaluate a score by cross-validation, training every fold in one pass.

    :func:`sklearn.model_selection.cross_val_score` through
    :func:`cross_validate` (see there for when the folds train together).

    Returns
    -------
    scores : ndarray of shape (n_splits,)
        The test score of each fold.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skmlp import MLPClassifier
    >>> from skmlp.model_selection import cross_val_score
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> model = make_pipeline(
    ...     StandardScaler(), MLPClassifier(max_iter=300, random_state=0)
    ... )
    >>> cross_val_score(model, X, y, cv=5).mean().round(2)
    np.float64(0.97)
    """
    scorer = check_scoring(estimator, scoring=scoring)
    result = cross_validate(
        estimator,
        X,
        y,
        groups=groups,
        scoring={"score": scorer},
        cv=cv,
        n_jobs=n_jobs,
        verbose=verbose,
        params=params,
        pre_dispatch=pre_dispatch,
        error_score=error_score,
    )
    return result["test_score"]


def _encoded(y):
    """Targets as scikit-learn's cross_val_predict encodes them for methods
    giving one column per class."""
    y = np.asarray(y)
    if y.ndim == 1:
        return LabelEncoder().fit_transform(y)
    encoded = np.zeros_like(y, dtype=int)
    for i in range(y.shape[1]):
        encoded[:, i] = LabelEncoder().fit_transform(y[:, i])
    return encoded


def _fold_predictions(fit, X, y, method, encode):
    """``method``'s output for the fold's test rows, columns in the order of
    all the classes (a fold may lack one), as scikit-learn orders them."""
    X_test, _ = _safe_split(fit.estimator, X, y, fit.test, fit.train)
    predictions = getattr(fit.estimator, method)(X_test)
    if encode:
        n_classes = len(set(y)) if y.ndim == 1 else y.shape[1]
        predictions = _enforce_prediction_order(
            fit.estimator.classes_, predictions, n_classes, method
        )
    return predictions


def _one_pass_predict(estimator, X, y, *, groups, cv, params, method, **unused):
    """``cross_val_predict`` in one pass."""
    X, y, splits = _splits(estimator, X, y, groups, cv)
    test_indices = np.concatenate([test for _, test in splits])
    if not np.array_equal(np.sort(test_indices), np.arange(len(y))):
        raise ValueError("cross_val_predict only works for partitions")
    encode = method in ("decision_function", "predict_proba", "predict_log_proba")
    if encode:
        y = _encoded(y)
    fits = _fit_folds(estimator, X, y, splits, params or {}, "raise")
    predictions = [_fold_predictions(fit, X, y, method, encode) for fit in fits]
    inverse = np.empty(len(test_indices), dtype=int)
    inverse[test_indices] = np.arange(len(test_indices))
    return np.concatenate(predictions)[inverse]


def cross_val_predict(
    estimator,
    X,
    y=None,
    *,
    groups=None,
    cv=None,
    n_jobs=None,
    verbose=0,
    params=None,
    pre_dispatch="2*n_jobs",
    method="predict",
):
    """Cross-validated predictions, training every fold in one pass.

    Takes the arguments of :func:`sklearn.model_selection.cross_val_predict`
    and returns what it returns; see :func:`cross_validate` for when the
    folds train together.

    Returns
    -------
    predictions : ndarray
        Each row's prediction (``method``'s output) by the fold that held it out.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skmlp import MLPClassifier
    >>> from skmlp.model_selection import cross_val_predict
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> model = make_pipeline(
    ...     StandardScaler(), MLPClassifier(max_iter=300, random_state=0)
    ... )
    >>> cross_val_predict(model, X, y, cv=5, method="predict_proba").shape
    (569, 2)
    """

    arguments = dict(
        groups=groups,
        cv=cv,
        n_jobs=n_jobs,
        verbose=verbose,
        params=params,
        pre_dispatch=pre_dispatch,
        method=method,
    )
    fallback = sklearn_model_selection.cross_val_predict
    return _run(_one_pass_predict, fallback, estimator, X, y, arguments)
