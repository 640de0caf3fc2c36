"""A CV estimator's portfolio: the configurations of networks it searches.

Each configuration is a dict of the networks' parameters that differ from
the CV estimator's own (``{}``: the estimator's own parameters), and may
name its own ``alphas``. The search's candidates are every configuration
with each of its alphas, in that order: ``portfolio=None`` (or ``[{}]``)
is one configuration and the candidates are the alphas, as before there
were portfolios; a name of :data:`PRESETS` is that preset's list.
"""

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .._sklearn_compat import validate_parameter_constraints

#: Parameters of the networks that change their validation loss: with
#: ``scoring=None`` candidates are compared by it, so a portfolio's
#: configurations must agree on them (or a common ``scoring`` be given).
LOSS_PARAMETERS = (
    "loss",
    "class_weight",
    "label_smoothing",
    "focal_alpha",
    "focal_gamma",
    "huber_delta",
)
#: Parameters a configuration cannot set, and why.
NOT_PER_CONFIGURATION = {
    "ensemble_size": "every candidate trains as many networks per fold",
    "ensemble_kind": "every candidate trains as many networks per fold",
    "threshold": "the final model has one threshold",
    "scoring": "one scoring compares every candidate",
    "random_state": "the candidates of a fold share their seeds",
}


#: The alphas of a linear configuration: ridge's and logistic regression's
#: usual range on standardised inputs (``C = 1 / alpha`` from 1e-4 to 1e3).
LINEAR_ALPHAS = (1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0, 1e3, 1e4)
#: The named portfolios (see the user guide's "Portfolios and ensemble
#: selection" for how they were chosen on the benchmark suite): :func:`preset`.
PRESETS = ("fast", "best")
#: ``"best"`` tries feature embeddings on tables of at most this many
#: columns (as the networks see them: categories one-hot, missing values
#: flagged); on wider ones an embedding multiplies the first layer's inputs.
EMBEDDING_MAX_FEATURES = 32
#: Scorings that weigh the classes alike whatever their frequencies: with one
#: of them, and ``class_weight=None``, a preset tries each of its
#: configurations with balanced class weights too.
BALANCED_SCORINGS = frozenset(
    {
        "balanced_accuracy",
        "roc_auc",
        "roc_auc_ovr",
        "roc_auc_ovo",
        "f1_macro",
        "recall_macro",
        "jaccard_macro",
    }
)


def preset(name, estimator, n_features):
    """The configurations of the preset ``name`` for ``estimator`` on a
    table of ``n_features`` columns (as the networks see them).

    ``"fast"``: the networks at the estimator's own parameters and a linear
    model, solved at each of :data:`LINEAR_ALPHAS`. ``"best"``: those, and
    on tables of at most :data:`EMBEDDING_MAX_FEATURES` columns the networks
    with periodic and with piecewise-linear embeddings of each feature. With
    a ``scoring`` of :data:`BALANCED_SCORINGS` and no ``class_weight`` of
    the user's, each configuration also with ``class_weight="balanced"``.
    """
    configurations = [{}, {"hidden_layer_sizes": (), "alphas": LINEAR_ALPHAS}]
    if name == "best" and n_features <= EMBEDDING_MAX_FEATURES:
        configurations[1:1] = [
            {"feature_embedding": "periodic"},
            {"feature_embedding": "piecewise", "embedding_size": 16},
        ]
    if _rewards_balance(estimator):
        configurations += [{**c, "class_weight": "balanced"} for c in configurations]
    return configurations


def _rewards_balance(estimator):
    params = estimator.get_params(deep=False)
    return (
        "class_weight" in params
        and params["class_weight"] is None
        and isinstance(params["scoring"], str)
        and params["scoring"] in BALANCED_SCORINGS
    )


@dataclass(frozen=True)
class Configuration:
    """One configuration of a portfolio: the networks' parameters it sets
    (``params``), the alphas it searches, and the parameter they come from,
    for messages (``searched``: ``"alphas"``, or a configuration's own
    ``"portfolio[i]['alphas']"``)."""

    params: dict
    alphas: np.ndarray
    searched: str = "alphas"


def checked_portfolio(estimator, fixed, alphas, n_features):
    """``estimator.portfolio`` as a list of :class:`Configuration`;
    ``fixed``: the networks' parameters the CV estimator sets itself (a
    configuration cannot); ``alphas``: the estimator's checked ``alphas``,
    searched by a configuration that names none; ``n_features``: the
    columns the networks see (a preset's choices depend on it)."""
    portfolio = estimator.portfolio
    if portfolio is None:
        return [Configuration({}, alphas)]
    if isinstance(portfolio, str):  # a preset (the constraints checked the name)
        portfolio = preset(portfolio, estimator, n_features)
    if not portfolio:
        raise ValueError("portfolio must hold at least one configuration; got [].")
    names = set(estimator._network_class().get_params())
    configurations = []
    for i, entry in enumerate(portfolio):
        if not isinstance(entry, Mapping):
            raise ValueError(f"portfolio[{i}] must be a dict; got {entry!r}.")
        params = dict(entry)
        _check_names(i, params, names, fixed)
        own = params.pop("alphas", None)
        _check_values(estimator, i, params)
        if own is None:
            configurations.append(Configuration(params, alphas))
        else:
            searched = f"portfolio[{i}]['alphas']"
            checked = _checked_alphas(own, searched)
            configurations.append(Configuration(params, checked, searched))
    if estimator.scoring is None:
        _check_comparable(estimator, configurations)
    return configurations


def _check_names(i, params, names, fixed):
    for name in params:
        if name == "alphas":
            continue
        reason = NOT_PER_CONFIGURATION.get(name)
        if reason is None and name in fixed:
            reason = f"the CV estimators set it to {fixed[name]!r}"
        elif reason is None and name not in names:
            reason = "it is not a parameter of the networks"
        if reason is not None:
            raise ValueError(f"portfolio[{i}] sets {name!r}, which it cannot: {reason}.")


def _check_values(estimator, i, params):
    """The values of configuration ``i``, checked as the CV estimator checks
    its own (it narrows ``learning_rate`` and widens ``n_iter_no_change``),
    then as its networks check them."""
    constraints = estimator._parameter_constraints
    network = estimator._network_class(**estimator._network_params(params))
    try:
        validate_parameter_constraints(
            {name: constraints[name] for name in params if name in constraints},
            params,
            caller_name=type(estimator).__name__,
        )
        network._validate_params()
    except ValueError as error:  # InvalidParameterError too
        raise type(error)(f"portfolio[{i}]: {error}") from None
    estimator._check_configuration(i, params)


def _check_comparable(estimator, configurations):
    """With ``scoring=None`` candidates are compared by their validation
    loss, which the :data:`LOSS_PARAMETERS` change."""
    for name in LOSS_PARAMETERS:
        values = {
            repr(c.params.get(name, getattr(estimator, name, None))) for c in configurations
        }
        if len(values) > 1:
            raise ValueError(
                f"The portfolio's configurations differ in {name} "
                f"({', '.join(sorted(values))}), which changes the validation "
                "loss that scoring=None compares the candidates by; give a "
                "scoring that measures them alike (e.g. scoring='neg_log_loss', "
                "'roc_auc' or 'balanced_accuracy')."
            )


def _checked_alphas(alphas, name):
    """``alphas`` as a 1-D float array: any collection of numbers (a set
    in ascending order, having none of its own)."""
    given = alphas
    if isinstance(alphas, (set, frozenset)):
        alphas = sorted(alphas)
    try:
        alphas = np.asarray(alphas, dtype=float)
    except (TypeError, ValueError):
        alphas = np.array([])  # reported below, with the value given
    valid = alphas.ndim == 1 and alphas.size > 0
    if not (valid and np.all(np.isfinite(alphas)) and np.all(alphas >= 0)):
        raise ValueError(
            f"{name} must be a non-empty 1-D array of finite, non-negative numbers; "
            f"got {given!r}."
        )
    return alphas


def candidate_params(configurations):
    """The parameters of each candidate, configuration by configuration and
    alpha by alpha: a configuration's own parameters and its ``alpha``."""
    return [
        {**config.params, "alpha": float(alpha)}
        for config in configurations
        for alpha in config.alphas
    ]
