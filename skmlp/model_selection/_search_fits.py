"""The candidates x folds of a search, grouped into one-pass trainings.

:class:`SearchFits` gives what scikit-learn's search gets from calling
``_fit_and_score`` on every candidate x fold: one result dict each, in the
same order. Fits whose networks can share a model axis train together
(:func:`_fit_group`); the rest, and a group that fails, go through
scikit-learn's ``_fit_and_score`` (:func:`_fit_alone`), which also reports
their errors as scikit-learn's search reports them.
"""

import time
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from joblib import effective_n_jobs
from sklearn.base import clone
from sklearn.pipeline import Pipeline
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import _num_samples

from .._members import axis_chunks, n_parameters
from ._one_pass import (
    _check_method_params,
    _safe_split,
    _score,
    final_step,
    fit_preprocessing,
    timed,
    train_together,
)

try:
    from sklearn.model_selection._validation import _fit_and_score
except ImportError:  # pragma: no cover - the search then runs scikit-learn's fit
    _fit_and_score = None

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
class _Fit:
    """One candidate x fold, prepared for a one-pass training."""

    index: int  # its position among the search's fits
    parameters: dict
    progress: tuple  # (split, n_splits, candidate, n_candidates)
    estimator: object  # the candidate's clone, preprocessing fitted
    final: object  # its skmlp estimator
    args: dict  # the skmlp estimator's fit arguments
    train: np.ndarray
    test: np.ndarray
    seconds: float  # the preprocessing it ran


def content_key(value):
    """A hashable key equal for two values exactly when their contents are
    equal: arrays and pandas objects by their values (``repr`` abbreviates
    NumPy arrays over 1000 elements and pandas indexes over 100 items, so two
    gene panels could look alike), estimators by their type and parameters,
    containers item by item. Any other object is its own key: two objects that
    cannot be compared reliably are never taken for equal."""
    if value is None or isinstance(value, (bool, int, float, complex, str, bytes)):
        return (type(value).__name__, value)
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(content_key(item) for item in value))
    if isinstance(value, dict):
        items = sorted((repr(k), content_key(v)) for k, v in value.items())
        return ("dict", tuple(items))
    if isinstance(value, slice):
        return ("slice", content_key((value.start, value.stop, value.step)))
    if hasattr(value, "get_params") and not isinstance(value, type):
        return (_qualified(type(value)), content_key(value.get_params(deep=False)))
    array = _as_array(value)
    if array is not None:
        labels = [getattr(value, name, None) for name in ("index", "columns")]
        return (_qualified(type(value)), *_array_key(array), content_key(labels))
    return ("object", id(value))


def _qualified(cls):
    return f"{cls.__module__}.{cls.__qualname__}"


def _as_array(value):
    """``value``'s values as a NumPy array (NumPy arrays and scalars, pandas
    objects), or ``None`` for anything else."""
    if isinstance(value, (np.ndarray, np.generic)):
        return np.asarray(value)
    if type(value).__module__.startswith("pandas") and hasattr(value, "to_numpy"):
        return value.to_numpy()
    return None


def _array_key(array):
    if array.dtype.kind == "O":
        return array.shape, "O", content_key(array.ravel().tolist())
    return array.shape, array.dtype.str, array.tobytes()


def _final_key(final):
    """What a skmlp estimator shares with those it can train with."""
    params = final.get_params(deep=False)
    fixed = [(name, content_key(value)) for name, value in sorted(params.items())]
    return (type(final), tuple(item for item in fixed if item[0] not in PER_MEMBER))


def _preprocessing_key(pipeline):
    """The parameters of a pipeline's preprocessing steps, by content."""
    names = [name for name, _ in pipeline.steps[:-1]]
    params = pipeline.get_params(deep=True)
    return tuple(
        (key, content_key(value))
        for key, value in sorted(params.items())
        if key.partition("__")[0] in names
    )


def _check_data(final, args):
    """Raise the error ``final``'s fit would raise on its data and parameters
    (a ``class_weight`` naming no class, say) before it joins a group: a fit
    that cannot train then runs alone instead of failing its whole group."""
    args = dict(args)
    X, y, sample_weight = args.pop("X"), args.pop("y"), args.pop("sample_weight", None)
    clone(final)._prepare(X, y, sample_weight, True, False, None, **args)


def _too_large(final, width):
    """Whether ``final``'s networks on ``width`` features are too large to
    gain from one pass (:func:`skmlp._members.axis_chunks`): they run alone."""
    return axis_chunks(1, n_parameters(final, width, 1)) is None


class SearchFits:
    """The candidates x folds ``pairs`` of one ``evaluate_candidates`` call of
    the search :class:`~skmlp.model_selection._search._Evaluation` runs."""

    def __init__(self, evaluation, pairs):
        self.evaluation, self.pairs = evaluation, pairs
        self.search = evaluation.search
        self.n_candidates = len({c for (c, _), _ in pairs})
        self._preprocessed = {}

    def run(self):
        """One result dict per pair, as ``_fit_and_score`` returns them."""
        groups, alone = defaultdict(list), []
        for index in range(len(self.pairs)):
            fit = self._prepare(index)
            if fit is None:
                alone.append(index)
            else:
                groups[self._group_key(fit)].append(fit)
        out = [None] * len(self.pairs)
        self.progress = _Progress(self, out) if self.search.verbose > 0 else None
        follow = None
        if self.progress is not None and effective_n_jobs(self.search.n_jobs) == 1:
            follow = self.progress.epoch  # in this process: epoch by epoch
        slices = self._slices(groups)
        jobs = [(_fit_group, (fits, *self._data(), follow)) for fits in slices]
        jobs += [(_fit_alone, self._alone(i)) for i in alone]
        failed = self._collect(jobs, out)
        if failed:
            self._collect([(_fit_alone, self._alone(i)) for i in failed], out)
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
        """Pair ``index`` as a :class:`_Fit`, or ``None`` when it runs alone."""
        if _fit_and_score is None:
            return None
        X, y, kwargs = self._data()
        (candidate, parameters), (split, (train, test)) = self.pairs[index]
        estimator = clone(self.evaluation.base).set_params(**clone(parameters, safe=False))
        try:
            final = final_step(estimator, routing=True)
            if final is estimator and _too_large(final, np.shape(X)[1]):
                return None  # known before any preprocessing
            estimator._validate_params()
            final._validate_params()
            fit_params = _check_method_params(X, params=kwargs["fit_params"], indices=train)
            X_train, y_train = _safe_split(estimator, X, y, train)
            args, seconds = self._preprocess(estimator, split, X_train, y_train, fit_params)
            _check_data(final, args)
        except Exception:  # noqa: BLE001 - FallBack, or an error the fit reports
            return None
        if _too_large(final, np.shape(args["X"])[1]):
            return None
        progress = (split, self.search.n_splits_, candidate, self.n_candidates)
        return _Fit(
            index, parameters, progress, estimator, final, args, train, test, seconds
        )

    def _preprocess(self, estimator, split, X_train, y_train, fit_params):
        """The skmlp step's fit arguments and the seconds spent preprocessing:
        a pipeline's preprocessing is fitted once per fold for the candidates
        whose preprocessing parameters are the same, and shared by them."""
        if not isinstance(estimator, Pipeline):
            return fit_preprocessing(estimator, X_train, y_train, fit_params), 0.0
        key = (split, _preprocessing_key(estimator))
        seconds = 0.0
        if key not in self._preprocessed:
            args, seconds = timed(
                fit_preprocessing, estimator, X_train, y_train, fit_params
            )
            self._preprocessed[key] = (estimator.steps[:-1], args)
        steps, args = self._preprocessed[key]
        estimator.steps = [*steps, estimator.steps[-1]]
        return args, seconds

    @staticmethod
    def _group_key(fit):
        width = np.shape(fit.args["X"])[1]
        return (_final_key(fit.final), width, tuple(sorted(fit.args)))

    def _slices(self, groups):
        """Each group's fits, cut into as many slices as there are workers."""
        workers = max(1, effective_n_jobs(self.search.n_jobs))
        for fits in groups.values():
            n = min(workers, len(fits))
            for part in np.array_split(np.arange(len(fits)), n):
                yield [fits[i] for i in part]

    def _collect(self, jobs, out):
        """Run ``jobs``, filling ``out``; returns the pairs whose group failed."""
        failed = []
        for results in self._completed(jobs):
            for index, result in results:
                if result is None:
                    failed.append(index)
                else:
                    out[index] = result
            if self.progress is not None:
                self.progress.show(group=len(results) > 1)
        return failed

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
    """Pair ``index`` (``where``: its split, candidate and rows) through
    scikit-learn's ``_fit_and_score``."""
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


def _fit_group(fits, X, y, kwargs, on_epoch=None):
    """Train ``fits`` in one pass and score each; ``None`` results when they
    cannot train together (they then run alone). ``on_epoch`` follows the
    training (see :func:`~skmlp._members.fit_together`)."""
    start = time.perf_counter()
    try:
        finals, args = [fit.final for fit in fits], [fit.args for fit in fits]
        train_together(finals, args, on_epoch)
    except Exception:  # noqa: BLE001 - Unbatchable, or an error a fit alone reports
        return [(fit.index, None) for fit in fits]
    share = (time.perf_counter() - start) / len(fits)
    return [(fit.index, _scored(fit, share + fit.seconds, X, y, kwargs)) for fit in fits]


def _scored(fit, fit_time, X, y, kwargs):
    """What ``_fit_and_score`` returns for a fit that succeeded."""
    estimator, error_score = fit.estimator, kwargs["error_score"]
    start = time.perf_counter()
    X_test, y_test = _safe_split(estimator, X, y, fit.test, fit.train)
    score_params = kwargs["score_params"] or {}
    test_params = _check_method_params(X, params=score_params, indices=fit.test)
    result = {"fit_error": None}
    scorer = kwargs["scorer"]
    result["test_scores"] = _score(
        estimator, X_test, y_test, scorer, test_params, error_score
    )
    result["score_time"] = time.perf_counter() - start
    if kwargs["return_train_score"]:
        X_train, y_train = _safe_split(estimator, X, y, fit.train)
        train_params = _check_method_params(X, params=score_params, indices=fit.train)
        result["train_scores"] = _score(
            estimator, X_train, y_train, scorer, train_params, error_score
        )
    result["n_test_samples"] = _num_samples(X_test)
    result["fit_time"] = fit_time
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
