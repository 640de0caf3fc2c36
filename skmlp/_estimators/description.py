"""What a fitted estimator is, as a function of its inputs: the one
description of a fitted model that code outside the estimators reads
(:func:`skmlp.inspection.feature_attributions`), instead of the estimators'
private attributes.
"""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class FittedModel:
    """A fitted skmlp estimator as a differentiable function.

    Attributes
    ----------
    networks : tuple of skmlp.nn.network.Network
        The fitted networks; the prediction averages their members' and
        heads' outputs (an ensemble's members, a shared-weight ensemble's
        heads).
    out_activation : str
        The output link of the logits: ``"identity"``, ``"exp"``,
        ``"logistic"`` or ``"softmax"``.
    task : str
        ``"regression"``; ``"binary"`` (one logit, for ``classes[1]``),
        ``"multiclass"`` (one logit per class) or ``"multilabel"`` (one
        per label).
    classes : ndarray or None
        The classes (labels) of a classifier.
    input_median : ndarray of shape (n_features,) or None
        The training rows' median of each input column (the default
        baseline of attributions); ``None`` when unknown (sparse inputs).
    encoder, scaler : transformer or None
        A CV estimator's :class:`~skmlp.preprocessing.TableEncoder` and the
        scaler behind it, which the networks see the inputs through.
    y_center, y_scale : float or ndarray
        A CV regressor's target map, ``y = output * y_scale + y_center``.
    y_constant : ndarray or None
        A CV regressor's constant outputs (NaN where an output is learned).
    weights : ndarray of shape (len(networks),) or None
        Each network's weight in the average (a CV estimator's ensemble
        selection); ``None``: equal weights.
    """

    networks: tuple
    out_activation: str
    task: str
    classes: object = None
    input_median: object = None
    encoder: object = None
    scaler: object = None
    y_center: object = 0.0
    y_scale: object = 1.0
    y_constant: object = None
    weights: object = None


def describe(estimator):
    """The :class:`FittedModel` of a fitted skmlp estimator: an
    ``MLPClassifier``, ``MLPRegressor``, ``MultiLabelMLP``, an ensemble of
    them, or a CV estimator (its final networks behind its encoder and
    scaler)."""
    if "estimator_" in vars(estimator) and "scaler_" in vars(estimator):
        return _describe_cv(estimator)
    return FittedModel(
        networks=tuple(estimator._networks()),
        out_activation=estimator._loss.out_activation,
        task=_task(estimator),
        classes=getattr(estimator, "classes_", None),
        input_median=estimator.__dict__.get("_input_median"),
        weights=estimator.__dict__.get("_member_weights"),
    )


def _describe_cv(cv):
    inner = describe(cv.estimator_)
    return FittedModel(
        networks=inner.networks,
        out_activation=inner.out_activation,
        task=inner.task,
        classes=inner.classes,
        input_median=cv.__dict__.get("_input_median"),
        encoder=getattr(cv, "encoder_", None),
        scaler=cv.scaler_,
        y_center=cv.__dict__.get("_y_center", 0.0),
        y_scale=cv.__dict__.get("_y_scale", 1.0),
        y_constant=cv.__dict__.get("_y_constant"),
        weights=inner.weights,
    )


def _task(estimator):
    if not hasattr(estimator, "classes_"):
        return "regression"
    if estimator._is_multilabel():
        return "multilabel"
    return "binary" if estimator._single_logit() else "multiclass"


def output_width(model):
    """The number of logits of ``model`` (a :class:`FittedModel`)."""
    return int(np.shape(model.networks[0].output.W)[-1])
