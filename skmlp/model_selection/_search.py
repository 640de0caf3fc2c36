"""Hyper-parameter search in one pass: candidates x folds on model axes.

:class:`GridSearchCV` and :class:`RandomizedSearchCV` are scikit-learn's
classes with another ``fit``. Each candidate x fold is first prepared as
scikit-learn's ``_fit_and_score`` would prepare it: a clone of the
estimator with the candidate's parameters, and, for a pipeline, its
preprocessing fitted on the fold's training rows (once per fold for the
candidates whose preprocessing parameters are the same), then the skmlp
step's plans. All the plans train in one call of the scheduler
(:func:`skmlp.model_axis.train`), which puts on one model axis the networks
that differ only in numbers each member has its own of. A fit that fails is
recorded as scikit-learn records it; only a candidate whose estimator is not
skmlp's runs through scikit-learn's ``_fit_and_score``. ``cv_results_`` is
built as scikit-learn builds it (:mod:`skmlp.model_selection._results`),
and ``best_*_`` and the refit are scikit-learn's (float64: each score to
rounding).
"""

import time
from collections import defaultdict
from inspect import signature
from itertools import product

from sklearn import model_selection as sklearn_model_selection
from sklearn.base import clone, is_classifier
from sklearn.model_selection import check_cv
from sklearn.utils import indexable

from .._sklearn_compat import (
    _check_method_params,
    _fit_context,
    _insert_error_scores,
    _warn_or_raise_about_fit_failures,
    check_refit_for_multimetric,
    scorer_dict,
    search_routed_params,
    search_scorers,
    select_best_index,
)
from ._one_pass import final_step
from ._results import search_results
from ._search_fits import SearchFits


def _search_refusal(search):
    """Why ``search`` runs scikit-learn's ``fit`` as it is, or ``None``:
    decided by the estimator's type, before anything runs (a grid over a
    pipeline step may still make some candidates another estimator: those
    fits run scikit-learn's ``_fit_and_score``)."""
    if getattr(search, "_skl_callbacks", None):
        return "callbacks follow one fit at a time"
    if final_step(search.estimator) is None:
        return "the (last step of the) estimator is not a skmlp estimator"
    return None


class _Evaluation:
    """The ``evaluate_candidates`` of one call of a search's ``fit``:
    scikit-learn's, except that the candidates x folds are
    :class:`~skmlp.model_selection._search_fits.SearchFits`."""

    def __init__(self, search, X, y, routed, scorers):
        self.search, self.X, self.y, self.routed = search, X, y, routed
        self.base = clone(search.estimator)
        self.kwargs = dict(
            scorer=scorers,
            fit_params=routed.estimator.fit,
            score_params=routed.scorer.score,
            return_train_score=search.return_train_score,
            return_n_test_samples=True,
            return_times=True,
            return_parameters=False,
            error_score=search.error_score,
            verbose=search.verbose,
        )
        self.candidates, self.out, self.more = [], [], defaultdict(list)
        self.results = {}

    def __call__(self, candidate_params, cv=None, more_results=None, callback_ctx=None):
        search = self.search
        cv = cv or search._checked_cv_orig
        candidate_params = list(candidate_params)
        splits = list(cv.split(self.X, self.y, **self.routed.splitter.split))
        if len(splits) != search.n_splits_:
            raise ValueError(
                "cv.split and cv.get_n_splits return inconsistent results. "
                f"Expected {search.n_splits_} splits, got {len(splits)}"
            )
        if search.verbose > 0:
            print(
                f"Fitting {len(splits)} folds for each of {len(candidate_params)} "
                f"candidates, totalling {len(splits) * len(candidate_params)} fits"
            )
        pairs = list(product(enumerate(candidate_params), enumerate(splits)))
        out = SearchFits(self, pairs).run()
        return self._record(candidate_params, out, more_results)

    def _record(self, candidate_params, out, more_results):
        search = self.search
        if len(out) < 1:
            raise ValueError(
                "No fits were performed. Was the CV iterator empty? "
                "Were there no candidates?"
            )
        _warn_or_raise_about_fit_failures(out, search.error_score)
        if callable(search.scoring):
            _insert_error_scores(out, search.error_score)
        self.candidates.extend(candidate_params)
        self.out.extend(out)
        for key, value in (more_results or {}).items():
            self.more[key].extend(value)
        self.results = search_results(
            self.candidates,
            search.n_splits_,
            self.out,
            self.more,
            search.return_train_score,
        )
        return self.results


class _OnePassSearch:
    """``fit`` of scikit-learn's searches, training candidates x folds in one pass."""

    def fit(self, X, y=None, **params):
        """Run fit with all sets of parameters, training in one pass the
        candidates x folds whose networks can share a model axis.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training vectors.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs), default=None
            Targets.
        **params : dict of str -> object
            Parameters passed to the ``fit`` method of the estimator, the
            scorer and the CV splitter, as scikit-learn's search passes them
            (``groups`` goes to the splitter; with metadata routing enabled,
            wherever it is requested, the early-stopping split included).

        Returns
        -------
        self : object
            The fitted search.
        """
        if _search_refusal(self) is not None:
            return super().fit(X, y, **params)
        return self._fit_one_pass(X, y, params)

    @_fit_context(prefer_skip_nested_validation=False)
    def _fit_one_pass(self, X, y, params):
        scorers, refit_metric = search_scorers(self)
        X, y = indexable(X, y)
        params = _check_method_params(X, params=params)
        routed = search_routed_params(self, params)
        self._checked_cv_orig = check_cv(
            self.cv, y, classifier=is_classifier(self.estimator)
        )
        self.n_splits_ = self._checked_cv_orig.get_n_splits(X, y, **routed.splitter.split)
        evaluation = _Evaluation(self, X, y, routed, scorers)
        self._search(evaluation, X, y)
        self._choose(evaluation, refit_metric)
        if self.refit:
            self._refit_best(evaluation, X, y)
        self.scorer_ = scorer_dict(scorers)
        self.cv_results_ = evaluation.results
        return self

    def _search(self, evaluation, X, y):
        """``_run_search`` with its callback context, as scikit-learn's fit gives it."""
        if "callback_ctx" not in signature(self._run_search).parameters:
            return self._run_search(evaluation)
        context = self._init_callback_context(max_subtasks=1 + (self.refit is not False))
        context = context.call_on_fit_task_begin(estimator=self, X=X, y=y, metadata=None)
        self._run_search(evaluation, callback_ctx=context)
        context.call_on_fit_task_end(estimator=self, X=X, y=y, metadata=None)
        return None

    def _choose(self, evaluation, refit_metric):
        """``multimetric_``, ``best_index_``, ``best_score_`` and
        ``best_params_``, as scikit-learn's ``fit`` sets them."""
        first_test_score = evaluation.out[0]["test_scores"]
        self.multimetric_ = isinstance(first_test_score, dict)
        if callable(self.scoring) and self.multimetric_:
            check_refit_for_multimetric(self, first_test_score)
            refit_metric = self.refit
        if not (self.refit or not self.multimetric_):
            return
        results = evaluation.results
        self.best_index_ = select_best_index(self, self.refit, refit_metric, results)
        if not callable(self.refit):
            self.best_score_ = results[f"mean_test_{refit_metric}"][self.best_index_]
        self.best_params_ = results["params"][self.best_index_]

    def _refit_best(self, evaluation, X, y):
        """``best_estimator_`` fitted on all of ``X``, and ``refit_time_``."""
        best = clone(evaluation.base).set_params(**clone(self.best_params_, safe=False))
        fit_params = evaluation.routed.estimator.fit
        start = time.time()
        if y is not None:
            best.fit(X, y, **fit_params)
        else:
            best.fit(X, **fit_params)
        self.refit_time_ = time.time() - start
        self.best_estimator_ = best
        if hasattr(best, "feature_names_in_"):
            self.feature_names_in_ = best.feature_names_in_


class GridSearchCV(_OnePassSearch, sklearn_model_selection.GridSearchCV):
    """Exhaustive search over a parameter grid, training candidates x folds
    in one pass.

    :class:`sklearn.model_selection.GridSearchCV` with the same parameters,
    attributes and results; only ``fit`` differs, in how the fits run: every
    candidate x fold of a skmlp estimator (or a pipeline ending in one) is
    planned and all are trained in one call of the scheduler, which puts on
    one model axis the networks that differ only in numbers each member has
    its own of (``alpha``, ``l1_ratio``, ``learning_rate_init``, ``beta_1``,
    ``beta_2``, ``epsilon``, ``momentum``, ``weight_decay``, ``dropout``,
    ``class_weight``, ``focal_gamma``, ``focal_alpha``, ``label_smoothing``,
    ``huber_delta``, ``max_iter``, ``tol``, ``n_iter_no_change``,
    ``validation_fraction``, ``random_state``, ``ensemble_size``) and trains
    the others one after the other. See :ref:`search-in-one-pass`.

    Parameters
    ----------
    estimator, param_grid, scoring, n_jobs, refit, cv, verbose, \
pre_dispatch, error_score, return_train_score
        As in :class:`sklearn.model_selection.GridSearchCV`. ``n_jobs``
        spreads the one-pass groups (and the fits that run one by one) over
        joblib's workers; ``verbose`` > 0 also prints the search's progress.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skmlp import MLPClassifier
    >>> from skmlp.model_selection import GridSearchCV
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> model = make_pipeline(StandardScaler(), MLPClassifier(random_state=0))
    >>> grid = {"mlpclassifier__alpha": [1e-4, 1e-2, 1.0]}
    >>> search = GridSearchCV(model, grid, cv=5).fit(X, y)
    >>> search.best_params_
    {'mlpclassifier__alpha': 0.0001}
    """


class RandomizedSearchCV(_OnePassSearch, sklearn_model_selection.RandomizedSearchCV):
    """Randomized search over parameters, training candidates x folds in one pass.

    :class:`sklearn.model_selection.RandomizedSearchCV` with the same
    parameters, attributes and results; only ``fit`` differs, in how the fits
    run: as in :class:`GridSearchCV`. See :ref:`search-in-one-pass`.

    Parameters
    ----------
    estimator, param_distributions, n_iter, scoring, n_jobs, refit, cv, \
verbose, pre_dispatch, random_state, error_score, return_train_score
        As in :class:`sklearn.model_selection.RandomizedSearchCV`.

    Examples
    --------
    >>> from scipy.stats import loguniform
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skmlp import MLPClassifier
    >>> from skmlp.model_selection import RandomizedSearchCV
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> model = make_pipeline(StandardScaler(), MLPClassifier(random_state=0))
    >>> space = {"mlpclassifier__alpha": loguniform(1e-4, 1.0)}
    >>> search = RandomizedSearchCV(model, space, n_iter=4, random_state=0).fit(X, y)
    >>> len(search.cv_results_["params"])
    4
    """
