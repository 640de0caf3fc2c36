"""The candidates x folds of a search, trained in one pass.

:class:`SearchFits` gives what scikit-learn's search gets from calling
``_fit_and_score`` on every candidate x fold: one result dict each, in the
same order. Every fit whose estimator is a skmlp estimator (or a pipeline
ending in one, decided by type) is prepared as ``_fit_and_score`` would
prepare it -- a clone with the candidate's parameters, its preprocessing
fitted on the fold's training rows (once per fold for the candidates whose
preprocessing parameters are equal), then its plans -- and all of them are
trained in one call of the scheduler, which puts on one model axis the
networks that can share one. A fit that fails is recorded as scikit-learn
records it. Only fits whose estimator is not skmlp's go through
scikit-learn's ``_fit_and_score``. With ``n_jobs`` the one-pass fits are
spread over the workers in groups that can share an axis.
"""

import time
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from joblib import effective_n_jobs
from sklearn.base import clone
from sklearn.pipeline import Pipeline
from sklearn.utils import get_tags
from sklearn.utils.parallel import Parallel, delayed

from .._sklearn_compat import (
    _check_method_params,
    _fit_and_score,
    _num_samples,
    _safe_split,
)
from ._keys import final_key, preprocessing_key
from ._one_pass import (
    OnePassFit,
    attempt,
    failed_result,
    final_step,
    fit_preprocessing,
    plan_and_train,
    preprocess,
    scored_result,
    validate_params,
)

#: Parameters of a skmlp estimator that each member of a model axis has its
#: own value of: candidates that differ only in these train together.
PER_MEMBER = frozenset(
    {
        "alpha",
        "l1_ratio",
        "learning_rate_init",
        "beta_1",
        "beta_2",
        "epsilon",
        "momentum",
        "weight_decay",
        "class_weight",
        "dropout",
        "focal_gamma",
        "focal_alpha",
        "label_smoothing",
        "huber_delta",
        "max_iter",
        "tol",
        "n_iter_no_change",
        "validation_fraction",
        "random_state",
        "ensemble_size",
    }
)


@dataclass
class _Fit(OnePassFit):
    """One candidate x fold of a search."""

    index: int = 0  # its position among the search's fits
    parameters: dict = None
    progress: tuple = ()  # (split, n_splits, candidate, n_candidates)


class SearchFits:
    """The candidates x folds ``pairs`` of one ``evaluate_candidates`` call of
    the search :class:`~skmlp.model_selection._search._Evaluation` runs."""

    def __init__(self, evaluation, pairs):
        self.evaluation, self.pairs = evaluation, pairs
        self.search = evaluation.search
        self.n_candidates = len({c for (c, _), _ in pairs})
        self._preprocessed, self._rows = {}, {}

    def run(self):
        """One result dict per pair, as ``_fit_and_score`` returns them."""
        fits, alone = [], []
        for index in range(len(self.pairs)):
            fit = self._prepare(index)
            if fit is None:
                alone.append(index)
            else:
                fits.append(fit)
        out = [None] * len(self.pairs)
        self.progress = _Progress(self, out) if self.search.verbose > 0 else None
        follow = None
        if self.progress is not None and effective_n_jobs(self.search.n_jobs) == 1:
            follow = self.progress.epoch  # in this process: epoch by epoch
        jobs = [
            (_train_and_score, (part, *self._data(), follow)) for part in self._slices(fits)
        ]
        jobs += [(_fit_alone, self._alone(i)) for i in alone]
        for results in self._completed(jobs):
            for index, result in results:
                out[index] = result
            if self.progress is not None:
                self.progress.show(group=len(results) > 1)
        return out

    def _data(self):
        evaluation = self.evaluation
        return evaluation.X, evaluation.y, evaluation.kwargs

    def _alone(self, index):
        """The arguments of :func:`_fit_alone` for pair ``index``."""
        (candidate, parameters), (split, (train, test)) = self.pairs[index]
        where = (split, self.search.n_splits_, candidate, self.n_candidates, train, test)
        return (index, self.evaluation.base, parameters, where, *self._data())

    def _prepare(self, index):
        """Pair ``index`` as a :class:`_Fit` with its preprocessing fitted (or
        its error recorded), or ``None`` when its estimator is not skmlp's."""
        X, y, kwargs = self._data()
        (candidate, parameters), (split, (train, test)) = self.pairs[index]
        estimator = clone(self.evaluation.base).set_params(**clone(parameters, safe=False))
        final = final_step(estimator)
        if final is None:
            return None
        progress = (split, self.search.n_splits_, candidate, self.n_candidates)
        fit = _Fit(estimator, final, train, test, index=index, parameters=parameters)
        fit.progress = progress
        fit.args = attempt(fit, self._fit_args, fit, split, X, y, kwargs["fit_params"])
        if fit.error is not None and kwargs["error_score"] == "raise":
            raise fit.error
        return fit

    def _fit_args(self, fit, split, X, y, fit_params):
        """The skmlp step's fit arguments, as ``_fit_and_score`` prepares a fit.
        The candidates of a fold take its rows as the same arrays, so that
        those whose parameters differ only in alpha and random_state are
        prepared once (:class:`~skmlp._estimators.base.PreparedOnce`)."""
        validate_params(fit)
        key = (split, get_tags(fit.estimator).input_tags.pairwise)
        if key not in self._rows:
            fit_params = _check_method_params(X, params=fit_params, indices=fit.train)
            X_train, y_train = _safe_split(fit.estimator, X, y, fit.train)
            self._rows[key] = (X_train, y_train, fit_params)
        return self._preprocess(fit, split, *self._rows[key])

    def _preprocess(self, fit, split, X_train, y_train, fit_params):
        """The skmlp step's fit arguments: a pipeline's preprocessing is fitted
        once per fold for the candidates whose preprocessing parameters are
        equal, and shared by them (its seconds are the fit's that fitted it,
        its error each sharing fit's)."""
        estimator = fit.estimator
        if not isinstance(estimator, Pipeline):
            return fit_preprocessing(estimator, X_train, y_train, fit_params)
        key = (split, preprocessing_key(estimator))
        if key not in self._preprocessed:
            shared = OnePassFit(estimator, None, None, None)
            args = preprocess(
                shared, fit_preprocessing, estimator, X_train, y_train, fit_params
            )
            fit.seconds += shared.seconds
            self._preprocessed[key] = (estimator.steps[:-1], args, shared.error)
        steps, args, error = self._preprocessed[key]
        if error is not None:
            raise error
        estimator.steps = [*steps, estimator.steps[-1]]
        return args

    @staticmethod
    def _group_key(fit):
        width = np.shape(fit.args["X"])[1] if fit.args is not None else None
        args = () if fit.args is None else tuple(sorted(fit.args))
        return (final_key(fit.final, PER_MEMBER), width, args)

    def _slices(self, fits):
        """The fits cut into as many slices as there are workers, each slice
        of fits that can share an axis (one slice with one worker)."""
        workers = max(1, effective_n_jobs(self.search.n_jobs))
        if workers == 1:
            return [fits] if fits else []
        groups = defaultdict(list)
        for fit in fits:
            groups[self._group_key(fit)].append(fit)
        slices = []
        for group in groups.values():
            n = min(workers, len(group))
            slices += [
                [group[i] for i in part]
                for part in np.array_split(np.arange(len(group)), n)
            ]
        return slices

    def _completed(self, jobs):
        """The results of ``jobs`` (``(function, args)`` pairs) as they
        complete, on joblib's workers (scikit-learn's configuration with them)."""
        search = self.search
        if effective_n_jobs(search.n_jobs) == 1:
            return (function(*args) for function, args in jobs)
        jobs = [delayed(function)(*args) for function, args in jobs]
        try:
            parallel = Parallel(
                n_jobs=search.n_jobs,
                pre_dispatch=search.pre_dispatch,
                return_as="generator_unordered",
            )
            return parallel(jobs)
        except ValueError:  # a backend that returns every result at once
            return Parallel(n_jobs=search.n_jobs, pre_dispatch=search.pre_dispatch)(jobs)


def _fit_alone(index, base, parameters, where, X, y, kwargs):
    """Pair ``index`` (``where``: its split, candidate and rows), whose
    estimator is not skmlp's, through scikit-learn's ``_fit_and_score``."""
    split, n_splits, candidate, n_candidates, train, test = where
    result = _fit_and_score(
        clone(base),
        X,
        y,
        train=train,
        test=test,
        parameters=parameters,
        split_progress=(split, n_splits),
        candidate_progress=(candidate, n_candidates),
        **kwargs,
    )
    return [(index, result)]


def _train_and_score(fits, X, y, kwargs, on_epoch=None):
    """Plan and train ``fits`` in one call of the scheduler, then score each:
    ``(index, result)`` pairs, as ``_fit_and_score`` returns them.
    ``on_epoch`` follows the training (see :func:`~skmlp.model_axis.train`)."""
    plan_and_train(fits, kwargs["error_score"], on_epoch)
    return [(fit.index, _result(fit, X, y, kwargs)) for fit in fits]


def _result(fit, X, y, kwargs):
    """What ``_fit_and_score`` returns for ``fit``."""
    scorer, error_score = kwargs["scorer"], kwargs["error_score"]
    if fit.error is not None:
        result = failed_result(fit, scorer, error_score, kwargs["return_train_score"])
    else:
        score_params = kwargs["score_params"] or {}
        result = scored_result(fit, X, y, scorer, score_params, kwargs)
    X_test, _ = _safe_split(fit.estimator, X, y, fit.test, fit.train)
    result["n_test_samples"] = _num_samples(X_test)
    if kwargs["verbose"] > 1:
        print(_end_line(fit, result, kwargs))
    return result


def _end_line(fit, result, kwargs):
    """The line scikit-learn's ``_fit_and_score`` prints when a fit ends."""
    verbose = kwargs["verbose"]
    split, n_splits, candidate, n_candidates = fit.progress
    progress = ""
    if verbose > 2:
        progress = f" {split + 1}/{n_splits}"
        if verbose > 9:
            progress += f"; {candidate + 1}/{n_candidates}"
    message = ", ".join(f"{k}={fit.parameters[k]}" for k in sorted(fit.parameters))
    message += ";" if message else ""
    if verbose > 2:
        message += _scores_message(result, kwargs["return_train_score"])
    total = result["fit_time"] + result["score_time"]
    message += f" total time={_short_time(total)}"
    start = f"[CV{progress}] END "
    return start + "." * (80 - len(start) - len(message)) + message


def _scores_message(result, with_train):
    test, train = result["test_scores"], result.get("train_scores")
    if isinstance(test, dict):
        text = ""
        for name in sorted(test):
            text += f" {name}: ("
            if with_train:
                text += f"train={train[name]:.3f}, "
            text += f"test={test[name]:.3f})"
        return text
    if with_train:
        return f", score=(train={train:.3f}, test={test:.3f})"
    return f", score={test:.3f}"


def _short_time(seconds):
    from joblib import logger

    return logger.short_format_time(seconds)


class _Progress:
    """The search's progress when ``verbose`` > 0: after each group, the fits
    done and the best mean test score among the candidates whose folds have
    all been scored; while a group trains in this process, every
    :data:`EVERY` seconds, its epoch and how many of its fits still train."""

    #: Seconds between two lines about a group in training.
    EVERY = 5.0

    def __init__(self, fits, out):
        self.fits, self.out = fits, out
        self.start = self.last = time.perf_counter()
        refit = fits.search.refit
        self.metric = refit if isinstance(refit, str) else "score"

    def epoch(self, epoch, n_running):
        """The line of a group in training (at most one per :data:`EVERY`)."""
        now = time.perf_counter()
        if now - self.last >= self.EVERY:
            self.last = now
            done = sum(result is not None for result in self.out)
            print(
                f"[search] {done}/{len(self.out)} fits done; epoch {epoch} of a "
                f"one-pass group, {n_running} of its fits still training "
                f"({self._elapsed()})",
                flush=True,
            )

    def _score(self, result):
        scores = result["test_scores"]
        if isinstance(scores, dict):
            return scores.get(self.metric, next(iter(scores.values())))
        return scores

    def show(self, group):
        """The line after a ``group`` ends; after a fit alone, at most one
        line per :data:`EVERY` seconds, and the last."""
        pairs, out = self.fits.pairs, self.out
        done = [i for i, result in enumerate(out) if result is not None]
        now = time.perf_counter()
        if not group and now - self.last < self.EVERY and len(done) < len(pairs):
            return
        self.last = now
        by_candidate = defaultdict(list)
        for i in done:
            by_candidate[pairs[i][0][0]].append(self._score(out[i]))
        n_splits = self.fits.search.n_splits_
        means = {c: np.mean(s) for c, s in by_candidate.items() if len(s) == n_splits}
        line = f"[search] {len(done)}/{len(pairs)} fits done in {self._elapsed()}"
        finite = {c: m for c, m in means.items() if np.isfinite(m)}
        if finite:
            best = max(finite, key=finite.get)
            parameters = pairs[best * n_splits][0][1]
            line += f"; best mean test score so far {finite[best]:.4f} ({parameters})"
        print(line, flush=True)

    def _elapsed(self):
        return _short_time(time.perf_counter() - self.start)
