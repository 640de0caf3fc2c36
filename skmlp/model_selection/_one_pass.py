"""What cross-validation and the searches share: which fits train in one
pass, their preprocessing, their plans, their training and their results.

A fit "in one pass" is a clone of the user's estimator -- a skmlp estimator,
or a :class:`~sklearn.pipeline.Pipeline` ending in one, decided by type
before anything runs -- whose preprocessing steps are fitted as the
pipeline's ``fit`` would fit them, and whose skmlp step's plans then train
with the plans of every other fit in one call of the scheduler
(:func:`skmlp.model_axis.train`). A fit whose preparation fails (a
preprocessing step, or the skmlp step's own checks of its data and
parameters) fails alone, recorded as scikit-learn's ``_fit_and_score``
records it.
"""

import time
import traceback
from dataclasses import dataclass

from sklearn import get_config
from sklearn.pipeline import Pipeline

from .._estimators.base import BaseMLP, PreparedOnce
from .._estimators.planner import train_and_publish
from .._sklearn_compat import (
    _check_method_params,
    _safe_split,
    _score,
    pipeline_fit_params,
    scorer_names,
)


def final_step(estimator):
    """The skmlp estimator whose network ``estimator``'s fit trains, or
    ``None`` when its fit is not one skmlp replicates (another estimator, a
    pipeline that transforms its fit parameters): then scikit-learn's loop
    fits it."""
    final = estimator.steps[-1][1] if isinstance(estimator, Pipeline) else estimator
    if not isinstance(final, BaseMLP):
        return None
    if getattr(estimator, "transform_input", None) is not None:
        return None
    return final


def routing_enabled():
    return bool(get_config().get("enable_metadata_routing"))


def _fit_transform(step, X, y, params):
    """What ``Pipeline.fit`` does with one preprocessing step."""
    if hasattr(step, "fit_transform"):
        return step.fit_transform(X, y, **params.get("fit_transform", {}))
    return step.fit(X, y, **params.get("fit", {})).transform(
        X, **params.get("transform", {})
    )


def validate_params(fit):
    """Check the parameters of ``fit``'s clone and of its skmlp step, as their
    ``fit`` would, before anything of that fit runs."""
    fit.estimator._validate_params()
    if fit.final is not None and fit.final is not fit.estimator:
        fit.final._validate_params()


def fit_preprocessing(estimator, X_train, y_train, fit_params):
    """Fit ``estimator``'s preprocessing steps on the training rows as its
    ``fit`` would (metadata routed as ``Pipeline.fit`` routes it); returns
    the skmlp step's ``fit`` arguments (a dict of ``X``, ``y`` and keywords)."""
    if not isinstance(estimator, Pipeline):
        return dict(X=X_train, y=y_train, **fit_params)
    routed = pipeline_fit_params(estimator, fit_params)
    Xt = X_train
    for name, step in estimator.steps[:-1]:
        if step is not None and step != "passthrough":
            Xt = _fit_transform(step, Xt, y_train, routed[name])
    return dict(X=Xt, y=y_train, **routed[estimator.steps[-1][0]]["fit"])


@dataclass
class OnePassFit:
    """One fit of a cross-validation or a search: the clone being fitted, its
    skmlp step, its training and test rows, and, once prepared, its pending
    fit (or the error that failed it) and the seconds spent on it (its own
    preprocessing and an equal share of the one pass)."""

    estimator: object
    final: object
    train: object
    test: object
    args: dict = None
    pending: object = None
    error: BaseException = None
    seconds: float = 0.0


def attempt(fit, function, *args):
    """Run ``function(*args)`` as part of preparing ``fit``; returns its value,
    or ``None`` after recording its error on ``fit`` -- the error of that
    fit alone, as scikit-learn's ``_fit_and_score`` records it. Nothing runs
    when ``fit`` failed already."""
    if fit.error is not None:
        return None
    try:
        return function(*args)
    except Exception as error:  # noqa: BLE001 - one fit's failure, recorded as scikit-learn does
        fit.error = error
        return None


def preprocess(fit, function, *args):
    """:func:`attempt` of ``function(*args)``, its seconds counted as ``fit``'s own."""
    start = time.perf_counter()
    value = attempt(fit, function, *args)
    fit.seconds += time.perf_counter() - start
    return value


def plan_and_train(fits, error_score, on_epoch=None):
    """Plan every prepared fit (fits of the very same arrays with the same
    parameters but alpha and random_state prepared once, see
    :class:`~skmlp._estimators.base.PreparedOnce`; a fit that fails records
    its error, or raises it with ``error_score='raise'``), train the plans of
    all in one call of the scheduler and publish them. Each fit's seconds
    grow by an equal share of the planning and training."""
    start, prepared = time.perf_counter(), PreparedOnce()
    for fit in fits:
        fit.pending = attempt(fit, prepared.plan, fit.final, fit.args)
        if fit.error is not None and error_score == "raise":
            raise fit.error
    pending = [fit for fit in fits if fit.error is None]
    train_and_publish([fit.pending for fit in pending], on_epoch)
    share = (time.perf_counter() - start) / max(1, len(pending))
    for fit in pending:
        fit.seconds += share


def failed_result(fit, scorer, error_score, return_train_score):
    """What scikit-learn's ``_fit_and_score`` returns for a fit that failed."""
    names = scorer_names(scorer)
    scores = error_score if names is None else dict.fromkeys(names, error_score)
    result = {"fit_error": "".join(traceback.format_exception(fit.error))}
    result.update(test_scores=scores, score_time=0.0, fit_time=fit.seconds)
    if return_train_score:
        result["train_scores"] = dict(scores) if names is not None else scores
    return result


def scored_result(fit, X, y, scorer, score_params, options):
    """What scikit-learn's ``_fit_and_score`` returns for a fit that succeeded
    (``options``: ``error_score`` and ``return_train_score``)."""
    error_score = options["error_score"]
    start = time.perf_counter()
    X_test, y_test = _safe_split(fit.estimator, X, y, fit.test, fit.train)
    test_params = _check_method_params(X, params=score_params, indices=fit.test)
    result = {"fit_error": None, "fit_time": fit.seconds}
    result["test_scores"] = _score(
        fit.estimator, X_test, y_test, scorer, test_params, error_score
    )
    result["score_time"] = time.perf_counter() - start
    if options["return_train_score"]:
        X_train, y_train = _safe_split(fit.estimator, X, y, fit.train)
        train_params = _check_method_params(X, params=score_params, indices=fit.train)
        result["train_scores"] = _score(
            fit.estimator, X_train, y_train, scorer, train_params, error_score
        )
    return result
