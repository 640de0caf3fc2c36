"""Every fitted attribute of skmlp's estimators, in one registry.

One row per attribute: which estimators publish it, how an ensemble of
networks gets it from its members, and whether validating the data teaches it.
Every list the code reads is read from here: an estimator's documented
attributes (:func:`documented`), what an ensemble copies from its first
member (:data:`SHARED`) or collects from each (:data:`PER_MEMBER`), what only a
single network holds (:data:`SINGLE`), what the members of an ensemble take
from the data the ensemble validated (:data:`DATA_ATTRIBUTES`), and what a CV
estimator's fit learns besides its public attributes (:data:`CV_PRIVATE`).
The rows are in the order the docstrings list them; their texts are in
:mod:`skmlp._estimators.docstrings`.
"""

from typing import NamedTuple

#: Who publishes an attribute: the networks (``MLPClassifier``,
#: ``MLPRegressor``, ``MultiLabelMLP``) or the CV estimators, all of them,
#: only the classifiers or only the multi-label ones.
ALL, CLASSIFIERS, MULTILABEL = "all", "classifiers", "multilabel"


class Attribute(NamedTuple):
    """One fitted attribute.

    ``networks`` and ``cv``: which networks and which CV estimators publish it
    (:data:`ALL`, :data:`CLASSIFIERS` or None). ``ensemble``: how an ensemble of
    networks gets it -- ``"shared"`` (its first member's), ``"per_member"`` (a
    list, one entry per member), ``"single"`` (held only by a single network,
    dropped from an ensemble), ``"stacked"`` (the ensemble's is its members'
    stacked into one, whose rows the members' are), or None (the ensemble
    computes its own).
    ``data``: learned from validating the data, which the members of an
    ensemble take from the ensemble."""

    name: str
    networks: str = None
    cv: str = None
    ensemble: str = None
    data: bool = False


REGISTRY = (
    Attribute("alpha_", cv=ALL),
    Attribute("alphas_", cv=ALL),
    Attribute("best_score_", cv=ALL),
    Attribute("best_index_", cv=ALL),
    Attribute("best_params_", cv=ALL),
    Attribute("ensemble_weights_", cv=ALL),
    Attribute("cv_results_", cv=ALL),
    Attribute("estimator_", cv=ALL),
    Attribute("encoder_", cv=ALL),
    Attribute("scaler_", cv=ALL),
    Attribute("classes_", CLASSIFIERS, CLASSIFIERS, "shared", data=True),
    Attribute("threshold_", cv=MULTILABEL),
    Attribute("n_splits_", cv=ALL),
    Attribute("loss_", ALL, ensemble="per_member"),
    Attribute("best_loss_", ALL, ensemble="per_member"),
    Attribute("loss_curve_", ALL, ensemble="per_member"),
    Attribute("validation_scores_", ALL, ensemble="per_member"),
    Attribute("validation_loss_curve_", ALL, ensemble="per_member"),
    Attribute("best_validation_score_", ALL, ensemble="per_member"),
    Attribute("best_epoch_", ALL, ensemble="per_member"),
    Attribute("history_", ALL, ensemble="per_member"),
    Attribute("t_", ALL),
    Attribute("coefs_", ALL),
    Attribute("intercepts_", ALL),
    Attribute("feature_importances_", ALL),
    Attribute("fit_time_", cv=ALL),
    Attribute("n_features_in_", ALL, ALL, "shared", data=True),
    Attribute("feature_names_in_", ALL, ALL, "shared", data=True),
    Attribute("n_iter_", ALL, ALL),
    Attribute("n_layers_", ALL, ensemble="shared"),
    Attribute("n_outputs_", ALL, ensemble="shared"),
    Attribute("out_activation_", ALL, ensemble="shared"),
    Attribute("estimators_", ALL),
    # private: learned by a fit, not documented
    Attribute("_label_binarizer", CLASSIFIERS, ensemble="shared", data=True),
    Attribute("_loss", ALL, ensemble="shared"),
    Attribute("_input_median", ALL, ALL, data=True),
    Attribute("_network", ALL, ensemble="stacked"),
    Attribute("_state", ALL, ensemble="single"),
    Attribute("_optimizer", ALL, ensemble="single"),
    Attribute("_input_dtype", cv=ALL),
    Attribute("_y_center", cv=ALL),
    Attribute("_y_scale", cv=ALL),
    Attribute("_y_constant", cv=ALL),
    Attribute("_binary_target", cv=ALL),
)


def _names(**match):
    """The names of the rows whose fields equal ``match``."""
    rows = [a for a in REGISTRY if all(getattr(a, k) == v for k, v in match.items())]
    return tuple(a.name for a in rows)


def _published(who, classifier, multilabel):
    return (
        who == ALL
        or (who == CLASSIFIERS and classifier)
        or (who == MULTILABEL and multilabel)
    )


def documented(*, cv, classifier, multilabel=False):
    """The public attributes of a network class (``cv=False``) or a CV
    estimator, in the docstrings' order."""
    return [
        a.name
        for a in REGISTRY
        if not a.name.startswith("_")
        and _published(a.cv if cv else a.networks, classifier, multilabel)
    ]


#: An ensemble's attributes copied from its first member.
SHARED = _names(ensemble="shared")
#: An ensemble's attributes listing each member's.
PER_MEMBER = _names(ensemble="per_member")
#: What only a single network holds (an ensemble's are its members').
SINGLE = _names(ensemble="single")
#: What validating and encoding the data teaches an estimator, which the
#: members of an ensemble take from it.
DATA_ATTRIBUTES = _names(data=True)
#: What a CV estimator's fit learns besides its public attributes.
CV_PRIVATE = tuple(a.name for a in REGISTRY if a.name.startswith("_") and a.cv is not None)
