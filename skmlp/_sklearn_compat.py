"""Every private scikit-learn name skmlp uses, in one place.

scikit-learn's public API does not cover what a drop-in estimator and a
search that must give scikit-learn's results need: the parameter
constraints and the fit context every scikit-learn estimator uses, and the
bookkeeping of ``cross_validate`` and the searches (how a fit's failure and
its scores are recorded, how a search routes its metadata and picks its best
candidate), which skmlp reuses so that its results are scikit-learn's.
Nothing else in skmlp imports a private scikit-learn name
(``tests/test_code_shape.py`` checks it).

Each name below is used the way scikit-learn's own code uses it, and was
checked against scikit-learn 1.6.1 (the oldest supported, ``setup.cfg``) and
1.9.1. ``tests/test_sklearn_compat.py`` calls each of them as skmlp does, and
``.ci/run`` runs the one-pass cross-validation and search tests under the
oldest supported scikit-learn as well as the newest.
"""

from sklearn.base import _fit_context  # noqa: F401 - 1.3+: the fit context of every estimator
from sklearn.metrics._scorer import _MultimetricScorer
from sklearn.model_selection._validation import (  # noqa: F401 - cross_validate's bookkeeping
    _aggregate_score_dicts,
    _enforce_prediction_order,
    _fit_and_score,
    _insert_error_scores,
    _normalize_score_results,
    _score,
    _warn_or_raise_about_fit_failures,
)
from sklearn.utils._param_validation import (  # noqa: F401 - 1.2+: parameter constraints
    Interval,
    Options,
    StrOptions,
    validate_parameter_constraints,
)
from sklearn.utils.metaestimators import _safe_split  # noqa: F401 - rows of X, y (and kernels)
from sklearn.utils.multiclass import _check_partial_fit_first_call  # noqa: F401
from sklearn.utils.validation import (  # noqa: F401
    _check_method_params,  # 1.4+: fit parameters indexed like X
    _check_sample_weight,
    _num_samples,
)

#: The scikit-learn versions the names of this module were checked against.
CHECKED_VERSIONS = ("1.6.1", "1.9.1")


def scorer_names(scorer):
    """The metric names of a multimetric scorer (``_MultimetricScorer``), or
    ``None`` for a scorer of one metric."""
    if isinstance(scorer, _MultimetricScorer):
        return list(scorer._scorers)
    return None


def scorer_dict(scorer):
    """What a search publishes as ``scorer_``: the dict of a multimetric
    scorer, the scorer itself otherwise."""
    return scorer._scorers if isinstance(scorer, _MultimetricScorer) else scorer


def pipeline_fit_params(pipeline, params):
    """``Pipeline.fit``'s routing of ``params`` to its steps (1.4+)."""
    return pipeline._check_method_params(method="fit", props=params)


def search_scorers(search):
    """``(scorers, refit_metric)`` of a ``BaseSearchCV`` (1.5+)."""
    return search._get_scorers()


def search_routed_params(search, params):
    """A ``BaseSearchCV``'s routing of its fit ``params`` (1.4+)."""
    return search._get_routed_params_for_fit(params)


def select_best_index(search, refit, refit_metric, results):
    """``BaseSearchCV._select_best_index``."""
    return search._select_best_index(refit, refit_metric, results)


def check_refit_for_multimetric(search, scores):
    """``BaseSearchCV._check_refit_for_multimetric``."""
    search._check_refit_for_multimetric(scores)
