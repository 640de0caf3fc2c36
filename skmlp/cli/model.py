"""The model of ``skmlp cv`` / ``skmlp fit`` and its parameters: the
estimator for the task, the options that set it, and the table it is fitted on."""

import ast
import sys
from typing import NamedTuple

import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from .. import (
    MLPClassifier,
    MLPClassifierCV,
    MLPRegressor,
    MLPRegressorCV,
    MultiLabelMLP,
    MultiLabelMLPCV,
)
from .._tuned.base import BaseMLPCV
from .tables import check_target, detect_task, read_table, split_table

ESTIMATORS = {
    "classification": MLPClassifier,
    "regression": MLPRegressor,
    "multilabel": MultiLabelMLP,
}
#: ``--tuned``: the estimators that choose their own alpha (and scale their inputs).
TUNED_ESTIMATORS = {
    "classification": MLPClassifierCV,
    "regression": MLPRegressorCV,
    "multilabel": MultiLabelMLPCV,
}
DEFAULT_PARAMS = dict(
    hidden_layer_sizes=(64,), early_stopping=True, validation_fraction=0.2, max_iter=300
)


def _parse_value(text):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _overrides(params):
    overrides = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"--estimator-param needs KEY=VALUE; got {item!r}")
        overrides[key.strip()] = _parse_value(value.strip())
    return overrides


def make_model(task, params, random_state, tuned=False, inner_cv=None):
    """The model of ``skmlp cv`` / ``skmlp fit``: a scaled pipeline around the
    plain estimator, or (``tuned``) the CV estimator, which scales itself;
    ``inner_cv`` is the CV estimator's ``cv``."""
    overrides = _overrides(params)
    _check_inner_cv(inner_cv, tuned)
    if tuned:
        if inner_cv is not None:
            overrides["cv"] = _inner_folds(inner_cv, overrides.get("cv"))
        return TUNED_ESTIMATORS[task](random_state=random_state).set_params(**overrides)
    estimator = ESTIMATORS[task](random_state=random_state)
    estimator.set_params(**{**DEFAULT_PARAMS, **overrides})
    if task == "regression":  # networks train best on a standardised target
        estimator = TransformedTargetRegressor(estimator, transformer=StandardScaler())
    return Pipeline([("scale", StandardScaler()), ("model", estimator)])


def _check_inner_cv(inner_cv, tuned):
    if inner_cv is not None and not tuned:
        raise ValueError(
            "--inner-cv needs --tuned: it sets the inner folds in which the CV "
            "estimators choose alpha; the plain model has none"
        )


def _inner_folds(inner_cv, cv_param):
    """``--inner-cv`` checked: at least 2, and not set twice."""
    if inner_cv < 2:
        raise ValueError(f"--inner-cv must be at least 2; got {inner_cv}")
    if cv_param is not None and cv_param != inner_cv:
        raise ValueError(
            f"--inner-cv {inner_cv} and --estimator-param cv={cv_param!r} both set "
            "the inner folds: give one of them"
        )
    return inner_cv


def fitted_mlp(model):
    """The fitted skmlp network estimator inside ``model``."""
    if isinstance(model, BaseMLPCV):
        return model.estimator_
    final = model[-1]
    return getattr(final, "regressor_", final)


def chosen_threshold(model):
    """The threshold a multi-label CV estimator chose for an indicator target
    (``threshold="auto"``), or None (no threshold, or one given)."""
    return getattr(model, "_auto_threshold", None)


def _fit_params(model, groups):
    if groups is None:
        return {}
    if isinstance(model, BaseMLPCV):  # its inner folds keep the groups apart
        return {"groups": groups}
    # TransformedTargetRegressor passes fit parameters on to the MLP as they are
    return {"model__groups": groups}


def _note_imbalance(y, task, model):
    """One line on stderr when the smallest class has under a third of the
    largest's rows and no class weight was chosen: the counts and the option."""
    if task != "classification":
        return
    weights = [v for k, v in model.get_params().items() if k.endswith("class_weight")]
    if any(w is not None for w in weights):
        return
    classes, counts = np.unique(y, return_counts=True)
    if 3 * counts.min() >= counts.max():
        return
    shown = ", ".join(f"{c}: {n}" for c, n in list(zip(classes, counts))[:12])
    print(
        f"skmlp: note: the classes are imbalanced ({shown} rows); to weight them "
        "equally, add --estimator-param class_weight=balanced",
        file=sys.stderr,
    )


class TableTask(NamedTuple):
    """The table of ``skmlp cv`` / ``skmlp fit`` split into its parts, the
    task it poses and the (unfitted) model for it."""

    X: object
    y: np.ndarray
    groups: object
    features: list
    targets: list
    task: str
    model: object


def _table_task(args):
    _check_inner_cv(args.inner_cv, args.tuned)  # before the table is read
    X, y, groups, features, targets = split_table(
        read_table(args.data), args.target, args.groups, args.drop, raw=args.tuned
    )
    task = detect_task(y, args.task)
    check_target(y, task)
    model = make_model(
        task, args.estimator_param, args.random_state, args.tuned, args.inner_cv
    )
    _note_imbalance(y, task, model)
    return TableTask(X, y, groups, features, targets, task, model)
