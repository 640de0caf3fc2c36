"""Cross-validation in one pass: every fold's network on one model axis.

``cross_validate``, ``cross_val_score`` and ``cross_val_predict`` take
scikit-learn's arguments and return what scikit-learn's return. When the
estimator is a skmlp estimator with a stochastic solver, or a
:class:`~sklearn.pipeline.Pipeline` ending in one, each fold is cloned and
its preprocessing steps fitted as scikit-learn would, and the folds' networks
are trained together (:func:`skmlp._members.fit_together`). Anything else
falls back to scikit-learn's function, with the same results.
"""

import time
import warnings
from numbers import Integral

import numpy as np
from sklearn import model_selection as sklearn_model_selection
from sklearn.base import clone, is_classifier
from sklearn.metrics import check_scoring
from sklearn.model_selection import check_cv
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import indexable

from .._members import replay
from ._one_pass import (
    FallBack,
    _aggregate_score_dicts,
    _check_method_params,
    _insert_error_scores,
    _normalize_score_results,
    _safe_split,
    _score,
    final_step,
    fit_preprocessing,
    train_together,
)


def _fold_fit(estimator, X, y, train, params):
    """A clone of ``estimator`` for one fold, its preprocessing fitted, and the
    keyword arguments of its skmlp step's fit: ``(clone, final, fit_args, seconds)``."""
    start = time.perf_counter()
    fold = clone(estimator)
    X_train, y_train = _safe_split(fold, X, y, train)
    fit_params = _check_method_params(X, params=params, indices=train)
    args = fit_preprocessing(fold, X_train, y_train, fit_params)
    return fold, final_step(fold), args, time.perf_counter() - start


def _fit_folds(estimator, X, y, splits, params):
    """Every fold's clone, fitted in one pass, and each fold's fit time (its
    own preprocessing plus an equal share of the joint training). Any error
    while fitting is :class:`FallBack`: scikit-learn's loop then reports
    fit errors fold by fold, as it does."""
    start = time.perf_counter()
    try:
        folds = [_fold_fit(estimator, X, y, train, params) for train, _ in splits]
        start = time.perf_counter()
        train_together([f[1] for f in folds], [f[2] for f in folds])
    except Exception as reason:  # noqa: BLE001 - Unbatchable, or a fit's error
        raise FallBack(str(reason)) from None
    shared = (time.perf_counter() - start) / len(folds)
    return [f[0] for f in folds], [f[3] + shared for f in folds]


def _splits(estimator, X, y, groups, cv):
    X, y, groups = indexable(X, y, groups)
    cv = check_cv(cv, y, classifier=is_classifier(estimator))
    return X, y, list(cv.split(X, y, groups))


def _score_folds(fitted, X, y, splits, scorer, kwargs):
    """scikit-learn's per-fold result dicts for the fitted folds."""
    results = []
    for estimator, fit_time, (train, test) in zip(*fitted, splits):
        start = time.perf_counter()
        X_test, y_test = _safe_split(estimator, X, y, test, train)
        result = {"fit_error": None, "fit_time": fit_time}
        error = kwargs["error_score"]
        result["test_scores"] = _score(estimator, X_test, y_test, scorer, {}, error)
        result["score_time"] = time.perf_counter() - start
        if kwargs["return_train_score"]:
            X_train, y_train = _safe_split(estimator, X, y, train)
            train_scores = _score(estimator, X_train, y_train, scorer, {}, error)
            result["train_scores"] = train_scores
        result["estimator"] = estimator
        results.append(result)
    return results


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
    final_step(estimator)
    if y is None:
        raise FallBack("no targets")
    X, y, splits = _splits(estimator, X, y, groups, cv)
    raise_exc = kwargs["error_score"] == "raise"
    scorer = check_scoring(estimator, scoring=scoring, raise_exc=raise_exc)
    fitted = _fit_folds(estimator, X, y, splits, params or {})
    results = _score_folds(fitted, X, y, splits, scorer, kwargs)
    return _assemble(results, splits, scoring, kwargs)


def _run(one_pass, fallback, estimator, X, y, arguments):
    """``one_pass``, or scikit-learn's ``fallback``, when the call cannot run
    in one pass (or its one pass fails: scikit-learn then reports fit errors
    fold by fold, as it does). The warnings of a one pass that fell back are
    dropped: scikit-learn's run gives its own. Splits given as an iterator
    are read once, so that a fallback sees them too."""
    cv = arguments["cv"]
    if cv is not None and not isinstance(cv, Integral) and not hasattr(cv, "split"):
        arguments = dict(arguments, cv=list(cv))
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = one_pass(estimator, X, y, **arguments)
    except FallBack:
        return fallback(estimator, X, y, **arguments)
    replay(caught)
    return result


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
    rounding). When ``estimator`` is a skmlp estimator with a stochastic
    solver, or a :class:`~sklearn.pipeline.Pipeline` whose last step is one,
    each fold is a clone whose preprocessing steps are fitted on the fold's
    training rows, and the folds' networks (every member of an ensemble's)
    train together as one model axis.
    Otherwise (L-BFGS, batch norm, the adaptive learning rate,
    sparse input, another estimator, metadata routing enabled, folds whose
    widths, classes or numbers of minibatches differ) it calls scikit-learn's
    function. ``n_jobs``, ``pre_dispatch`` and ``verbose`` are passed to
    scikit-learn's function when it runs; one pass runs in this process and
    prints nothing. A fold's ``fit_time`` is its own preprocessing plus an
    equal share of the joint training.

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


def _one_pass_predict(estimator, X, y, *, groups, cv, params, method, **unused):
    """``cross_val_predict`` in one pass."""
    final_step(estimator)
    if y is None:
        raise FallBack("no targets")
    X, y, splits = _splits(estimator, X, y, groups, cv)
    test_indices = np.concatenate([test for _, test in splits])
    if not np.array_equal(np.sort(test_indices), np.arange(len(y))):
        raise FallBack("the folds are not a partition")  # scikit-learn raises
    columns = method in ("decision_function", "predict_proba", "predict_log_proba")
    if columns:
        y = _encoded(y)
    fitted, _ = _fit_folds(estimator, X, y, splits, params or {})
    if columns and is_classifier(estimator) and np.ndim(y) == 1:
        for fold in fitted:
            if len(fold.classes_) != len(np.unique(y)):
                raise FallBack("a fold misses a class")  # scikit-learn reorders
    predictions = [
        getattr(fold, method)(_safe_split(fold, X, y, test, train)[0])
        for fold, (train, test) in zip(fitted, splits)
    ]
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
