"""What cross-validation and the searches share: which estimators can train
in one pass, their preprocessing, and the one pass itself.

A fit "in one pass" is a clone of the user's estimator (a skmlp estimator,
or a :class:`~sklearn.pipeline.Pipeline` ending in one) whose preprocessing
steps are fitted as the pipeline's ``fit`` would fit them, and whose skmlp
step's network then trains on one model axis with the networks of the other
fits (:func:`skmlp._members.fit_together`).
"""

import time

import numpy as np
from sklearn import get_config
from sklearn.pipeline import Pipeline

from .._base import BaseMLP
from .._ensemble import ensemble_members, publish
from .._members import (
    Unbatchable,
    axis_chunks,
    batching_refusal,
    fit_together,
    n_parameters,
)

try:  # scikit-learn's own bookkeeping, so that results match it exactly
    from sklearn.model_selection._validation import (
        _aggregate_score_dicts,
        _insert_error_scores,
        _normalize_score_results,
        _score,
    )
    from sklearn.utils.metaestimators import _safe_split
    from sklearn.utils.validation import _check_method_params
except ImportError:  # pragma: no cover - another scikit-learn: always fall back
    _score = _aggregate_score_dicts = _insert_error_scores = None
    _normalize_score_results = _safe_split = _check_method_params = None

__all__ = [
    "FallBack",
    "_aggregate_score_dicts",
    "_check_method_params",
    "_insert_error_scores",
    "_normalize_score_results",
    "_safe_split",
    "_score",
    "final_step",
    "fit_preprocessing",
    "train_together",
]


class FallBack(Exception):
    """This call runs scikit-learn's function instead; the message says why."""


def final_step(estimator, routing=False):
    """The skmlp estimator whose network ``estimator``'s fit trains, or
    :class:`FallBack` saying why it cannot train in one pass. ``routing``:
    the caller routes metadata itself when routing is enabled."""
    if _score is None:
        raise FallBack("this scikit-learn lacks the helpers one pass uses")
    if not routing and get_config().get("enable_metadata_routing"):
        raise FallBack("metadata routing is enabled")
    final = estimator.steps[-1][1] if isinstance(estimator, Pipeline) else estimator
    if not isinstance(final, BaseMLP):
        raise FallBack("the (last step of the) estimator is not a skmlp estimator")
    if isinstance(estimator, Pipeline):
        if estimator.memory is not None:
            raise FallBack("a pipeline with memory clones its steps")
        if getattr(estimator, "transform_input", None) is not None:
            raise FallBack("a pipeline with transform_input transforms fit parameters")
    reason = batching_refusal(final)
    if reason is not None:
        raise FallBack(reason)
    return final


def _fit_transform(step, X, y, params):
    """What ``Pipeline.fit`` does with one preprocessing step."""
    if hasattr(step, "fit_transform"):
        return step.fit_transform(X, y, **params.get("fit_transform", {}))
    return step.fit(X, y, **params.get("fit", {})).transform(
        X, **params.get("transform", {})
    )


def fit_preprocessing(estimator, X_train, y_train, fit_params):
    """Fit ``estimator``'s preprocessing steps on the training rows as its
    ``fit`` would (metadata routed as ``Pipeline.fit`` routes it); returns
    the skmlp step's ``fit`` arguments (a dict of ``X``, ``y`` and keywords)."""
    if not isinstance(estimator, Pipeline):
        return dict(X=X_train, y=y_train, **fit_params)
    routed = estimator._check_method_params(method="fit", props=fit_params)
    Xt = X_train
    for name, step in estimator.steps[:-1]:
        if step is not None and step != "passthrough":
            Xt = _fit_transform(step, Xt, y_train, routed[name])
    return dict(X=Xt, y=y_train, **routed[estimator.steps[-1][0]]["fit"])


def train_together(finals, fit_args, on_epoch=None):
    """Fit the skmlp estimators ``finals`` on their ``fit_args`` in one pass:
    every member of an ensemble is a member of the axis, cut into axes of at
    most :data:`skmlp._members.MAX_AXIS_PARAMETERS` parameters. Raises
    :class:`Unbatchable` when they cannot train together (then the
    estimators are as they were, but the axes that ran are fitted).
    ``on_epoch`` follows each axis (see :func:`~skmlp._members.fit_together`)."""
    members = [ensemble_members(final, incremental=False) for final in finals]
    networks = [m for final_members in members for m in final_members]
    args = [a for a, final_members in zip(fit_args, members) for _ in final_members]
    width = np.shape(args[0]["X"])[1]
    chunks = axis_chunks(len(networks), n_parameters(networks[0], width, 1))
    if chunks is None:
        raise Unbatchable("the networks are too large to gain from one pass")
    for chunk in chunks:
        fit_together(networks[chunk], args[chunk], on_epoch=on_epoch)
    for final, final_members in zip(finals, members):
        if final.ensemble_size > 1:
            publish(final, final_members)
    return finals


def timed(function, *args):
    """``(function(*args), seconds)``."""
    start = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - start
