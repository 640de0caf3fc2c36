"""The fit shared by the CV estimators (MLPClassifierCV, MLPRegressorCV,
MultiLabelMLPCV): scaling, inner folds, one pass, selection.

A CV estimator trains one network per (candidate, inner fold, seed) -- a
candidate is a configuration of the portfolio and one of its alphas -- on
the rows of the fold's training part, with early stopping (and
restore-best) on the fold's held-out rows, or through its whole schedule
(``n_iter_no_change=None``, its held-out rows only scoring it). One
estimator of the networks' class per configuration prepares each fold's
rows once and hands the planner the alphas and seeds as vectors
(``BaseMLP._plan_networks``); all the plans train together on model axes
(:func:`skmlp.model_axis.train`), pruned by successive halving, or one
after the other when they cannot. Each candidate's score is the mean of
its networks' held-out scores of the weights they kept (their best
epoch's, or their last with ``n_iter_no_change=None``); the best
candidate's networks, or an ensemble selection of several candidates',
weighted, make the final model (or, with ``refit=True``, networks of those
candidates trained on every row).
"""

import dataclasses
import math
import time
import warnings
from abc import ABCMeta, abstractmethod
from dataclasses import dataclass
from functools import partial
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import check_scoring
from sklearn.model_selection import check_cv
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import (
    check_is_fitted,
    column_or_1d,
    validate_data,
)
from threadpoolctl import threadpool_limits

from .._estimators.attributes import CV_PRIVATE
from .._estimators.base import BaseMLP, _training_median
from .._estimators.ensemble import bind_members, ensemble_shape, member_seeds, publish
from .._estimators.planner import PendingFit, train_and_publish
from .._sklearn_compat import Interval, StrOptions, _check_sample_weight
from ..exceptions import AlphaEdgeWarning
from ..model_selection._results import search_results
from ..model_selection._splitters import default_splitter
from ..preprocessing import SmoothClipScaler, TableEncoder, raw_table_checks
from ..training.newton import newton_applies
from ..training.trainer import Status
from .budget import TimeBudget
from .halving import CandidateHalving, kept_score
from .portfolio import PRESETS, _checked_alphas, candidate_params, checked_portfolio
from .selection import batched_score, greedy_selection

#: The default grid of ``alphas`` (see the user guide's table).
ALPHAS = (1e-3, 1e-2, 1e-1, 1.0, 10.0)
#: What a CV estimator passes to its networks, whatever its parameters.
FIXED = dict(early_stopping=True, restore_best_weights=True, solver="adam")


def _through_schedule(params):
    """The networks' ``params`` with ``n_iter_no_change=None`` (train
    through the schedule) as the networks take it: never stopped
    (``np.inf``) and keeping their last weights, which their held-out rows
    only score; any other value as it is."""
    if "n_iter_no_change" in params and params["n_iter_no_change"] is None:
        return {**params, "n_iter_no_change": np.inf, "restore_best_weights": False}
    return params


#: How the networks of a linear configuration (no hidden layer) train: to the
#: penalised optimum -- the solution of ridge or L2 logistic regression at each
#: alpha -- by L-BFGS, or by Newton's method where it costs less
#: (:func:`_solve_by_newton`), not stopped early on the way (Adam with early
#: stopping leaves a linear model far from it: R^2 0.30 against ridge's 0.95
#: on a NIR spectra table). Scored once, at the solution, on the held-out rows.
LINEAR = dict(
    dropout=0.0,  # no hidden layer to drop (and L-BFGS takes no random masks)
    solver="lbfgs",
    early_stopping=False,
    restore_best_weights=False,
    max_iter=1000,
    tol=1e-7,
)
#: The dtype the networks train in when the inputs are scaled inside.
TRAIN_DTYPE = "float32"
#: Parameters of a CV estimator that are not parameters of its networks.
OWN = (
    "alphas",
    "portfolio",
    "selection",
    "cv",
    "refit",
    "scaling",
    "ensemble_size",
    "ensemble_kind",
    "halving",
    "time_budget",
    "random_state",
    "verbose",
)


def network_constraints(cls):
    """The parameter constraints of the CV estimator ``cls``: its networks'
    (``cls._network_class``) for each parameter the two share -- read from
    them, not copied -- then ``cls._own_constraints``."""
    network = cls._network_class._parameter_constraints
    shared = {name: network[name] for name in cls._get_param_names() if name in network}
    return {**shared, **cls._own_constraints}


class BaseMLPCV(BaseEstimator, metaclass=ABCMeta):
    """Parameters and fit of the CV estimators.

    Warning: this class should not be used directly; use the estimators.
    """

    #: The constraints of the parameters this estimator does not pass on to
    #: its networks as they are: its own, and those it narrows (``learning_rate``:
    #: the CV estimators train with Adam, which has no ``"invscaling"`` or
    #: ``"adaptive"``). Every other parameter is checked as the networks check
    #: it (:func:`network_constraints`).
    _own_constraints: dict = {
        "alphas": ["array-like"],
        "portfolio": [StrOptions(set(PRESETS)), list, tuple, None],
        "selection": [StrOptions({"best", "ensemble"})],
        "cv": ["cv_object"],
        "refit": ["boolean"],
        "halving": ["boolean"],
        "time_budget": [Interval(Real, 0, None, closed="neither"), None],
        "learning_rate": [StrOptions({"constant", "cosine"})],
        "scaling": [StrOptions({"robust", "standard"}), None],
        # widened: None trains every network through its schedule
        "n_iter_no_change": [*BaseMLP._parameter_constraints["n_iter_no_change"], None],
    }

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if isinstance(cls.__dict__.get("_network_class"), type):
            cls._parameter_constraints = network_constraints(cls)

    @property
    @abstractmethod
    def _network_class(self):
        """The skmlp estimator of the networks."""

    def _targets(self, y, sample_weight):
        """Hook: the networks' training targets; the default keeps ``y``."""
        return y

    def _check_targets(self, y):
        """Hook: the targets, or an error for targets the estimator cannot learn."""
        return y

    def _check_folds(self, y, splits):
        """Hook: refuse inner folds the networks cannot train on."""

    def _check_configuration(self, i, params):
        """Hook: refuse configuration ``i`` of the portfolio, ``params``,
        which the estimator cannot search."""

    # -- fit -----------------------------------------------------------------
    def _fit(self, X, y, sample_weight, groups):
        start = time.perf_counter()
        self._forget_fit()
        raw = X
        X, y = validate_data(
            self, X, y, **self._validation_options(), **raw_table_checks(X)
        )
        y = self._check_targets(y)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=np.float64, ensure_non_negative=True
            )
        splits = self._inner_splits(X, y, groups)
        _check_fold_weights(sample_weight, splits)
        X = self._fit_encoder(raw, X, sample_weight)
        configurations = checked_portfolio(self, FIXED, self._checked_alphas(), X.shape[1])
        Xs = self._fit_scaler(X, sample_weight)
        targets = self._targets(y, sample_weight)
        by_candidate = self._search(
            Xs, targets, sample_weight, splits, configurations, start
        )
        weights, fitted, fold_outputs = self._ensemble_weights(
            by_candidate, Xs, y, targets, sample_weight, splits
        )
        _warn_about_solves(by_candidate, weights, self.cv_results_["params"])
        self.estimator_ = _in_dtype(
            self._final(by_candidate, weights, fitted, Xs, targets, sample_weight),
            self._input_dtype,
        )
        out_of_fold = partial(
            self._out_of_fold_mixture, weights, fitted, fold_outputs, Xs, splits
        )
        self._fit_decision(out_of_fold, y, sample_weight, splits)
        self.n_iter_ = np.array([n.n_iter_ for n in _members(self.estimator_)])
        self.fit_time_ = time.perf_counter() - start
        if self.verbose:
            print(self._summary())
        return self

    def _search(self, X, y, sample_weight, splits, configurations, fit_start):
        """Train every candidate's networks in one pass, halving them if asked
        and stopping them when ``time_budget`` is spent (counted from
        ``fit_start``, a :func:`time.perf_counter`); ``cv_results_`` and
        the best candidate (:meth:`_select`). Returns each candidate's trained
        networks. Linear configurations are solved to their optimum, beside
        the pass (:data:`LINEAR`): never pruned."""
        candidates = candidate_params(configurations)
        sizes = [len(c.alphas) for c in configurations]
        in_pass = np.repeat([not _is_linear(c.params, self) for c in configurations], sizes)
        of_configuration = np.repeat(np.arange(len(configurations)), sizes)
        keeps_last = np.repeat([_keeps_last(self, c) for c in configurations], sizes)
        halving = self._halving(
            [c for c, kept in zip(candidates, in_pass) if kept],
            of_configuration[in_pass],
            keeps_last[in_pass],
        )
        budget = None
        if self.time_budget is not None:
            budget = TimeBudget(fit_start + self.time_budget, halving)
        start = time.perf_counter()
        rungs = None
        if halving is not None or budget is not None:
            epochs = max(c.params.get("max_iter", self.max_iter) for c in configurations)
            rungs = (budget or halving).rungs(epochs, self._steps(splits, configurations))
        networks = self._train_networks(X, y, sample_weight, splits, configurations, rungs)
        seconds = (time.perf_counter() - start) / (len(candidates) * len(splits))
        searched = np.repeat([c.searched for c in configurations], sizes)
        by_candidate = self._select(networks, candidates, len(splits), seconds, searched)
        pruned = np.zeros(len(candidates), dtype=int)
        if halving is not None:
            pruned[in_pass] = halving.pruned_at
        if budget is not None and budget.stopped_at:
            self._report_budget(budget.stopped_at)
            stopped = [_pruned(trained) for trained in by_candidate]
            pruned[(pruned == 0) & np.array(stopped)] = budget.stopped_at
        self.cv_results_["pruned_at_epoch"] = pruned
        return by_candidate

    def _forget_fit(self):
        """Drop what a previous fit learned, so that a fit that fails leaves
        no mix of the old model and the new data behind."""
        for name in list(vars(self)):
            if name.endswith("_") and not name.startswith("__") or name in CV_PRIVATE:
                delattr(self, name)

    def _validation_options(self):
        return {}

    def _fit_encoder(self, raw, X, sample_weight):
        """The table as numbers (:class:`~skmlp.preprocessing.TableEncoder`:
        NaN imputed and flagged, categories one-hot), in the input's float
        dtype (float32 stays float32, anything else is float64)."""
        self._input_dtype = "float32" if X.dtype == np.float32 else "float64"
        self.encoder_ = TableEncoder().fit(raw, sample_weight=sample_weight)
        X = self.encoder_.transform(raw).astype(self._input_dtype, copy=False)
        plain = not (self.encoder_.categorical_.any() or self.encoder_.missing_.any())
        # the default baseline of feature_attributions, in the table's own columns
        self._input_median = _training_median(X, sample_weight) if plain else None
        return X

    def _checked_alphas(self):
        """``alphas`` as a 1-D float array: any collection of numbers (a set
        in ascending order, having none of its own)."""
        return _checked_alphas(self.alphas, "alphas")

    def _fit_scaler(self, X, sample_weight):
        """The scaled inputs, in the networks' dtype; the scaler weighs the
        rows as training does (a weight of 2 counts as two copies of the row)."""
        scalers = {"robust": SmoothClipScaler, "standard": StandardScaler}
        self.scaler_ = None if self.scaling is None else scalers[self.scaling]()
        if self.scaler_ is None:
            return X
        Xs = self.scaler_.fit(X, sample_weight=sample_weight).transform(X)
        return Xs.astype(self._train_dtype, copy=False)

    @property
    def _train_dtype(self):
        """The networks' dtype: :data:`TRAIN_DTYPE` on scaled inputs (scaled,
        they lose nothing in float32, and float32 trains about twice as fast),
        else the input's."""
        return self._input_dtype if self.scaling is None else TRAIN_DTYPE

    def _scaled(self, X):
        check_is_fitted(self, "estimator_")
        validate_data(self, X, reset=False, **raw_table_checks(X))
        X = self.encoder_.transform(X).astype(self._input_dtype, copy=False)
        if self.scaler_ is None:
            return X
        return self.scaler_.transform(X)  # the final networks are in X's dtype

    # -- the inner folds -----------------------------------------------------
    def _inner_cv(self, groups):
        """``cv`` as a splitter: an int (``None``: 5) gives the folds of
        :func:`~skmlp.model_selection._splitters.default_splitter` -- shuffled
        (stratified for a classifier), with ``groups`` keeping each group
        whole -- seeded by ``random_state``, drawn only if shuffled."""
        if self.cv is not None and not isinstance(self.cv, Integral):
            return check_cv(self.cv, classifier=False)
        return default_splitter(
            self.cv,
            classify=is_classifier(self) and self._stratifiable(),
            groups=groups,
            random_state=lambda: int(member_seeds(self.random_state, 1)[0]),
        )

    def _stratifiable(self):
        return True

    def _inner_splits(self, X, y, groups):
        if groups is not None:
            groups = column_or_1d(groups)
            if groups.shape[0] != X.shape[0]:
                raise ValueError(
                    f"groups has {groups.shape[0]} entries for {X.shape[0]} rows of X."
                )
        splits = list(self._inner_cv(groups).split(X, y, groups))
        if len(splits) < 2:
            raise ValueError(f"cv must give at least 2 inner folds; got {len(splits)}.")
        self._check_folds(y, splits)
        self.n_splits_ = len(splits)
        return splits

    # -- the networks ----------------------------------------------------------
    def _network_params(self, configuration=None):
        """The parameters of the networks of ``configuration`` (a dict of
        the networks' parameters; ``None``: the estimator's own), as they
        take them: those they share with this estimator, then the
        configuration's (:func:`_through_schedule`)."""
        own = self.get_params(deep=False)
        names = set(self._network_class().get_params()) - set(OWN)
        params = {name: value for name, value in own.items() if name in names}
        params["scoring"] = "loss" if self.scoring is None else self.scoring
        return _through_schedule({**params, **FIXED, **(configuration or {})})

    def _train_networks(self, X, y, sample_weight, splits, configurations, rungs):
        """One network per (candidate, fold, seed), in that order -- the
        candidates configuration by configuration, alpha by alpha -- trained
        in one pass (stopped at ``rungs``, if any: halving): a
        :class:`_Trained` each. One estimator of the networks' class per
        configuration prepares each fold's rows once and plans its alphas
        and seeds as vectors; a fold's networks share their seeds
        across candidates (common random numbers: the candidates are
        compared on equal draws)."""
        seeds = member_seeds(self.random_state, len(splits) * self.ensemble_size)
        seeds = seeds.reshape(len(splits), self.ensemble_size)[:, : self._per_fold()]
        trained = [[] for _ in configurations]
        pending = {True: [], False: []}  # solved (linear) or in the pass
        for configuration, own in zip(configurations, trained):
            solved = _is_linear(configuration.params, self)
            # a linear model's optimum is one whatever the seed: solved once
            own_seeds = seeds[:, :1] if solved else seeds
            planner, plans, taught = self._plan_configuration(
                configuration, X, y, sample_weight, splits, own_seeds
            )
            per_fold = own_seeds.shape[1]  # each fold's plans are alpha-major
            planned, order = [], []
            for a, alpha in enumerate(configuration.alphas):
                for fold, split_plans in enumerate(plans):
                    for j in range(per_fold):
                        planned.append(split_plans[a * per_fold + j])
                        order.append((taught[fold], alpha, own_seeds[fold, j]))
            copies = seeds.shape[1] // per_fold
            # a linear solve that stops short is reported once, if it counts
            # (_warn_about_solves), not once a fold and alpha
            publish = partial(_publish, planner, order, own, copies, warn=not solved)
            pending[solved].append(PendingFit(planned, publish))
        train_and_publish(pending[False], rungs=rungs)
        if pending[True]:
            # a linear model's products are small: BLAS threads only wait for
            # each other, at every one of L-BFGS's many small steps
            with threadpool_limits(limits=1, user_api="blas"):
                train_and_publish(pending[True])
        return [t for own in trained for t in own]

    def _plan_configuration(self, configuration, X, y, sample_weight, splits, seeds):
        """One configuration's networks: the estimator of the networks' class
        that plans them, their plans (a list per fold, alpha-major) and what
        preparing each fold's rows taught it (the fold's class weights,
        classes, input median: see :meth:`BaseMLP._plan_networks`)."""
        params = self._network_params(configuration.params)
        if _is_linear(configuration.params, self):
            # in float64: L-BFGS's line search stalls on float32 rounding
            # before it reaches the optimum (and a linear model costs little)
            params.update(LINEAR)
            X = X.astype(np.float64, copy=False)
            y = y.astype(np.float64, copy=False) if y.dtype.kind == "f" else y
            params.update(ensemble_size=1, ensemble_kind="independent")  # no heads
        else:
            params.update(self._fold_ensemble())
        planner = self._network_class(**params)
        plans, taught = zip(
            *(
                planner._plan_networks(
                    _fold_args(X, y, sample_weight, split), configuration.alphas, fold_seeds
                )
                for split, fold_seeds in zip(splits, seeds)
            )
        )
        if _is_linear(configuration.params, self):
            for plan in (plan for split_plans in plans for plan in split_plans):
                _solve_by_newton(plan)
        return planner, plans, taught

    @staticmethod
    def _fitted_networks(chosen):
        """The chosen networks as estimators of their own."""
        return [
            t.planner._fitted_copy(
                t.result, t.taught, alpha=float(t.alpha), random_state=int(t.seed)
            )
            for t in chosen
        ]

    def _per_fold(self):
        """Networks per (alpha, fold): ``ensemble_size`` independent ones, or
        one shared-weight ensemble of that many members."""
        return ensemble_shape(self.ensemble_size, self.ensemble_kind)[0]

    def _fold_ensemble(self):
        """Each (alpha, fold) network's ensemble parameters: its heads."""
        _, heads = ensemble_shape(self.ensemble_size, self.ensemble_kind)
        return dict(ensemble_size=heads, ensemble_kind=self.ensemble_kind)

    def _steps(self, splits, configurations):
        """The fewest optimizer steps an epoch of the smallest inner training
        set takes among the configurations."""
        rows = min(len(train) for train, _ in splits)
        sizes = [c.params.get("batch_size", self.batch_size) for c in configurations]
        batch = max(200 if size == "auto" else size for size in sizes)
        return math.ceil(rows / min(batch, rows))

    def _halving(self, candidates, configurations, keeps_last):
        """The successive halving of the candidates (``halving=True`` and
        more than one candidate), or ``None``; ``configurations``: each
        candidate's configuration; ``keeps_last``: whether its networks keep
        their last weights (``n_iter_no_change=None``)."""
        if not self.halving or len(candidates) < 2:
            return None
        report = partial(self._report_rung, candidates) if self.verbose else None
        return CandidateHalving(len(candidates), report, configurations, keeps_last)

    def _report_budget(self, epoch):
        if self.verbose:
            print(
                f"{type(self).__name__}: time_budget={self.time_budget:g} s spent: "
                f"every network still training stopped at epoch {epoch}",
                flush=True,
            )

    def _report_rung(self, candidates, epoch, alive, scores):
        best = max(alive, key=lambda a: np.nan_to_num(scores[a], nan=-np.inf))
        left = ", ".join(_label(candidates[a]) for a in alive)
        print(
            f"{type(self).__name__}: epoch {epoch}: {len(alive)} of {len(candidates)} "
            f"candidates left ({left}); best mean inner score {scores[best]:.4f} "
            f"({_label(candidates[best])})",
            flush=True,
        )

    # -- selection -------------------------------------------------------------
    def _select(self, networks, candidates, n_splits, fit_time=0.0, searched=None):
        """``cv_results_``, ``best_index_``, ``best_params_``, ``alpha_``,
        ``best_score_``, ``alphas_``; returns each candidate's networks.
        Each (candidate, fold) is a fit of ``fit_time`` seconds (an equal
        share of the one pass); ``searched``: the parameter each candidate's
        alpha comes from (``"alphas"`` for all by default), for messages."""
        k = self._per_fold()
        n = len(candidates)
        scores = np.array([t.held_out_score_ for t in networks], dtype=float)
        # a network never scored finite (an undefined metric on its fold) has
        # no score: NaN, as in scikit-learn's searches, not its starting -inf
        scores[~np.isfinite(scores)] = np.nan
        scores = scores.reshape(n, n_splits, k).mean(axis=2)
        epochs = np.array([t.n_iter_ for t in networks], dtype=float)
        out = [
            {"test_scores": score, "fit_time": fit_time, "score_time": 0.0}
            for score in scores.ravel()
        ]
        self.cv_results_ = search_results(
            candidates, n_splits, out, {"mean_n_iter": epochs.reshape(n, -1).mean(axis=1)}
        )
        mean = self.cv_results_["mean_test_score"]
        self.best_index_ = int(np.argmax(np.where(np.isfinite(mean), mean, -np.inf)))
        self.best_params_ = dict(candidates[self.best_index_])
        same = [c == {**self.best_params_, "alpha": c["alpha"]} for c in candidates]
        alphas = np.array([c["alpha"] for c in candidates])[same]
        where = "alphas" if searched is None else searched[self.best_index_]
        # a preset's own alphas are in the list its name stands for
        preset = where != "alphas" and isinstance(self.portfolio, str)
        note = (
            f" in the list that portfolio={self.portfolio!r} stands for" if preset else ""
        )
        _warn_about_choice(
            alphas,
            mean[same],
            int(np.flatnonzero(same).searchsorted(self.best_index_)),
            where,
            note,
        )
        self.alpha_ = self.best_params_["alpha"]
        self.best_score_ = float(mean[self.best_index_])
        self.alphas_ = alphas
        per = n_splits * k
        return [networks[c * per : (c + 1) * per] for c in range(n)]

    # -- ensemble selection ----------------------------------------------------
    def _ensemble_weights(self, by_candidate, X, y, targets, sample_weight, splits):
        """``ensemble_weights_``: each candidate's weight in the final model --
        the best candidate's 1 (``selection="best"``), or the shares of
        greedy ensemble selection on the out-of-fold predictions
        (``"ensemble"``, :func:`~.selection.greedy_selection`). Returns the
        weights, the fitted networks of the candidates it weighed (every
        candidate, or the best) and their out-of-fold outputs (one stack per
        fold; None for ``"best"``)."""
        weights = np.zeros(len(by_candidate))
        if self.selection == "best":
            best = self.best_index_
            weights[best] = 1.0
            self.ensemble_weights_ = weights
            return weights, {best: self._fitted_networks(by_candidate[best])}, None
        fitted = {
            c: self._fitted_networks(trained) for c, trained in enumerate(by_candidate)
        }
        fold_outputs = [
            np.stack([self._out_of_fold(nets, fold, X[test]) for nets in fitted.values()])
            for fold, (_, test) in enumerate(splits)
        ]
        score = self._fold_score(fitted[0][0], y, targets, sample_weight, splits)
        counts = greedy_selection(fold_outputs, score)
        self.ensemble_weights_ = counts / counts.sum()
        return self.ensemble_weights_, fitted, fold_outputs

    def _out_of_fold(self, networks, fold, X_held_out):
        """A candidate's mean outputs on fold ``fold``'s held-out rows, by its
        networks of that fold (``networks``: fold by fold, seed by seed), none
        of which trained on them."""
        k = self._per_fold()
        own = networks[fold * k : (fold + 1) * k]
        return np.mean([self._mixable(net, X_held_out) for net in own], axis=0)

    def _fold_score(self, template, y, targets, sample_weight, splits):
        """``score(fold, trials)``: the score of each of ``trials``, mixed
        outputs on a fold's held-out rows (for
        :func:`~.selection.greedy_selection`). With ``scoring=None``, the
        negated loss of :meth:`_mixture_loss`, every trial in one call; with
        a common scoring, the same (:func:`~.selection.batched_score`); with
        any other, its scorer, given each trial as an estimator that
        predicts it (:meth:`_mixture`). A trial with an output not finite
        scores NaN."""
        scorer = None if self.scoring is None else check_scoring(self, self.scoring)
        mixture = self._mixture(template)
        weights = [None if sample_weight is None else sample_weight[t] for _, t in splits]
        if scorer is None:  # each fold's targets encoded once, not once a call
            losses = [
                self._mixture_loss(template, targets[test], weight)
                for (_, test), weight in zip(splits, weights)
            ]
        else:  # the common scorings score every trial in one call
            batched = [
                batched_score(self.scoring, mixture, y[test], weight)
                for (_, test), weight in zip(splits, weights)
            ]

        def score(fold, trials):
            finite = np.isfinite(trials).all(axis=(1, 2))
            scores = np.full(len(trials), np.nan)
            if scorer is None:
                scores[finite] = -losses[fold](trials[finite])
            elif batched[fold] is not None:
                scores[finite] = batched[fold](trials[finite])
            else:
                kwargs = {} if weights[fold] is None else {"sample_weight": weights[fold]}
                truth = y[splits[fold][1]]
                for t in np.flatnonzero(finite):
                    scores[t] = scorer(mixture, trials[t], truth, **kwargs)
            return scores

        return score

    @abstractmethod
    def _mixable(self, network, X):
        """The outputs of ``network`` for ``X`` that ensemble selection mixes:
        probabilities, or predictions in the networks' target units."""

    @abstractmethod
    def _mixture(self, template):
        """Mixed outputs as an estimator scikit-learn's scorers can score
        (:mod:`.selection`); ``template``: a network of the search."""

    @abstractmethod
    def _mixture_loss(self, template, targets, sample_weight):
        """``loss(trials)``: the loss of each of a stack of mixed outputs,
        ``(n_trials, n_rows, n_outputs)``, against the networks' ``targets``
        (``scoring=None``)."""

    # -- the final model -------------------------------------------------------
    def _final(self, by_candidate, weights, fitted, X, y, sample_weight):
        """The fitted model predictions come from: the fold networks of the
        candidates of weight above 0, as one ensemble weighing each
        candidate's networks by its weight, or (``refit``) networks of those
        candidates trained on all rows."""
        chosen = np.flatnonzero(weights)
        if self.refit:
            models = [self._refitted(by_candidate[c], X, y, sample_weight) for c in chosen]
            if len(chosen) == 1:
                return models[0]
            parts = [_members(model) for model in models]
        else:
            parts = [fitted[c] for c in chosen]
        members = [m for part in parts for m in part]
        params = self._network_params(self.best_params_)
        ensemble = self._network_class(**params, ensemble_size=len(members))
        publish(ensemble, members)
        if len(chosen) > 1:
            ensemble._member_weights = np.concatenate(
                [
                    np.full(len(part), weights[c] / len(part))
                    for c, part in zip(chosen, parts)
                ]
            )
        return ensemble

    def _out_of_fold_mixture(self, weights, fitted, fold_outputs, X, splits):
        """The final model's out-of-fold outputs: on each inner fold's
        held-out rows, the chosen candidates' outputs by their networks of
        that fold (``fitted``; none trained on them), mixed with their
        ``weights``; the candidates' outputs are ensemble selection's
        (``fold_outputs``) where it made them."""
        if fold_outputs is not None:
            return [np.tensordot(weights, outputs, axes=1) for outputs in fold_outputs]
        chosen = np.flatnonzero(weights)
        return [
            sum(weights[c] * self._out_of_fold(fitted[c], fold, X[test]) for c in chosen)
            for fold, (_, test) in enumerate(splits)
        ]

    def _fit_decision(self, out_of_fold, y, sample_weight, splits):
        """Hook: what the final model decides from its outputs, chosen on
        ``out_of_fold()`` (:meth:`_out_of_fold_mixture`, computed when
        called) against ``y``; the default chooses nothing."""

    def _refitted(self, trained, X, y, sample_weight):
        """Networks of the candidate of ``trained`` (its fold networks)
        trained on every row for the median of the epochs whose weights they
        kept (:attr:`_Trained.kept_epoch_`; a linear candidate: solved to its
        optimum again)."""
        params = trained[0].planner.get_params()
        size = 1  # L-BFGS solves to the one optimum again
        if params["solver"] != "lbfgs":
            params.update(self._fold_ensemble())
            epochs = int(np.ceil(np.median([t.kept_epoch_ for t in trained])))
            epochs = min(max(epochs, 1), params["max_iter"])
            params.update(early_stopping=False, max_iter=epochs, n_iter_no_change=np.inf)
            size = len(trained) * ensemble_shape(self.ensemble_size, self.ensemble_kind)[1]
        params.update(alpha=float(trained[0].alpha))
        seed = int(member_seeds(self.random_state, 2)[1])
        refitted = self._network_class(
            **{**params, "ensemble_size": size, "random_state": seed}
        )
        with warnings.catch_warnings():  # the epoch count is the plan, not a cap
            warnings.simplefilter("ignore", ConvergenceWarning)
            return refitted.fit(X, y, sample_weight=sample_weight)

    def _summary(self):
        results = self.cv_results_
        lines = [
            f"{type(self).__name__}: {self.n_splits_} inner folds, {self.fit_time_:.1f} s"
        ]
        for i, (params, score) in enumerate(
            zip(results["params"], results["mean_test_score"])
        ):
            mark = " <- best" if i == self.best_index_ else ""
            weight = self.ensemble_weights_[i]
            share = (
                f" weight {weight:.2f}" if self.selection == "ensemble" and weight else ""
            )
            lines.append(f"  {_label(params):<24} mean score {score: .4f}{share}{mark}")
        return "\n".join(lines)

    # -- prediction --------------------------------------------------------------
    def _network_output(self, method, X):
        """``method`` of the final networks on ``X``; numbers in the input's
        dtype (the networks may compute in float32)."""
        X = self._scaled(X)  # checks that the model is fitted
        output = getattr(self.estimator_, method)(X)
        if output.dtype.kind == "f":
            return output.astype(self._input_dtype, copy=False)
        return output

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True  # text columns are categories
        return tags


def _warn_about_choice(alphas, mean, best, where="alphas", note=""):
    """Warn when the choice of ``alphas[best]`` by the mean inner scores
    ``mean`` says little: no alpha scored, or the best is at the grid's edge
    (of ``where``: the parameter the alphas come from; ``note``: where that
    is, ending the advice)."""
    if not np.isfinite(mean).any():
        warnings.warn(
            "No alpha has a finite mean inner-fold score (the networks diverged "
            f"or could not be scored); alpha_ is the first of alphas, {alphas[0]:g}. "
            "Lower learning_rate_init, or look for extreme values in the data.",
            UserWarning,
        )
        return
    message = _edge_message(alphas, mean, best, where, note)
    if message is not None:
        warnings.warn(message, AlphaEdgeWarning)


def _warn_about_solves(by_candidate, weights, params):
    """One warning for the linear candidates of the final model (weight above
    0) whose solves stopped short of the optimum: at a small penalty on
    nearly separable classes the optimum lies far out, and LINEAR's
    ``max_iter`` iterations (L-BFGS's; Newton's steps rarely run out) end on
    the way; the candidate was scored, and is used, as it stopped."""
    short = []
    for c in np.flatnonzero(weights):
        trained = by_candidate[c]
        failed = {id(t) for t in trained if t.result.outcome.status is Status.FAILED}
        if failed:  # a full-batch solver's status: a linear candidate's
            folds = len({id(t.result) for t in trained})
            short.append(f"{_label(params[c])} on {len(failed)} of {folds} inner folds")
    if short:
        warnings.warn(
            f"The linear model's solves stopped after {LINEAR['max_iter']} "
            f"iterations, short of the optimum, for {'; '.join(short)} (nearly "
            "separable classes at a small penalty); it is scored and used as it "
            "stopped. A larger alpha in its alphas avoids it.",
            ConvergenceWarning,
        )


def _edge_message(alphas, mean, best, where="alphas", note=""):
    """What to say when ``alphas[best]`` is the smallest (above 0) or the
    largest of at least two alphas and scores better than every other (the
    best penalty may lie beyond): a wider grid, two more steps of the grid's
    own (at most 10) at that end; else None."""
    alpha, grid = alphas[best], np.unique(alphas)
    if grid.size < 2 or alpha == 0 or grid[0] < alpha < grid[-1]:
        return None
    others = mean[(alphas != alpha) & np.isfinite(mean)]
    if others.size and not mean[best] > others.max():  # an alpha inside does as well
        return None
    # a log-spaced grid goes on with its own step; a coarse one by decades
    if alpha == grid[-1]:
        step = min(grid[-1] / grid[-2], 10.0) if grid[-2] > 0 else 10.0
        wider = [*grid, alpha * step, alpha * step**2]
    else:
        step = min(grid[1] / grid[0], 10.0)
        wider = [alpha / step**2, alpha / step, *grid]
    return (
        f"alpha_={alpha:g} is at the edge of {where} ({grid[0]:g} to {grid[-1]:g}); "
        f"extend them (e.g. {where}=[{', '.join(f'{a:g}' for a in wider)}]{note})."
    )


def _publish(planner, order, trained, copies, results, warn=True):
    """Each result of a configuration's plans (made by ``planner``) as a
    :class:`_Trained`, appended to ``trained`` ``copies`` times (a linear
    model solved once stands for each seed); ``order``: each plan's (what its
    fold taught, alpha, seed); ``warn``: whether each says how its training
    ended."""
    for (taught, alpha, seed), result in zip(order, results):
        if warn:
            planner._warn_status(result.outcome)
        trained.extend([_Trained(planner, taught, result, alpha, seed)] * copies)


def _pruned(trained):
    """Whether any of a candidate's networks (:class:`_Trained`) was stopped
    by the caller (halving, the time budget)."""
    return any(t.result.outcome.status is Status.PRUNED for t in trained)


def _solve_by_newton(plan):
    """A linear candidate's network solved by Newton's method where it applies
    and costs less than L-BFGS (:func:`~skmlp.training.newton.newton_applies`):
    the same optimum in ~10 steps instead of hundreds of iterations. Its
    estimator still says ``solver="lbfgs"``, which refits it to that optimum."""
    if newton_applies(plan.network, plan.loss, plan.rows.X, plan.l1_ratio):
        plan.config = dataclasses.replace(plan.config, solver="newton")


def _is_linear(params, estimator):
    """Whether a configuration (its ``params`` over ``estimator``'s own) has
    no hidden layer: a linear model, solved to its optimum (:data:`LINEAR`)."""
    sizes = params.get("hidden_layer_sizes", estimator.hidden_layer_sizes)
    return len(np.atleast_1d(sizes)) == 0


def _label(params):
    """A candidate's parameters, for messages: ``alpha=0.01``."""
    return ", ".join(f"{name}={_shown(value)}" for name, value in params.items())


def _shown(value):
    if isinstance(value, float):
        return f"{value:g}"
    return repr(value)


def _members(model):
    """The fitted estimators of the final model: an ensemble's members, or
    the model itself (one shared-weight network)."""
    return model.__dict__.get("estimators_") or [model]


def _in_dtype(ensemble, dtype):
    """``ensemble`` with its networks' weights in ``dtype``: networks trained
    in float32 predict in the input's float64, so that a row's prediction
    does not depend on the rows beside it (float32 products do, by rounding).
    Members of different architectures have no stack: each is converted."""
    if "_network" not in vars(ensemble):
        for member in ensemble.estimators_:
            member._network = member._network.astype(dtype)
        return ensemble
    ensemble._network = ensemble._network.astype(dtype)
    bind_members(ensemble)
    return ensemble


def _check_fold_weights(sample_weight, splits):
    """Every inner fold's training part and held-out part must weigh more than
    0: a network cannot learn from, or be scored on, rows that do not count."""
    if sample_weight is None:
        return
    for fold, split in enumerate(splits):
        for part, rows in zip(("training part", "held-out part"), split):
            if not sample_weight[rows].sum() > 0:
                raise ValueError(
                    f"The {part} of inner fold {fold} has a total sample_weight of 0 "
                    f"({len(rows)} rows, every weight 0): its networks cannot "
                    f"{'learn' if part == 'training part' else 'be scored'}. Give the "
                    "rows of weight 0 to no fold alone (drop them before fit), or "
                    "use fewer inner folds (cv) or other groups."
                )


@dataclass(frozen=True)
class _Trained:
    """A trained network of the search: the estimator that planned it, what
    its fold's rows taught that estimator, its
    :class:`~skmlp.model_axis.FitResult`, its alpha and its seed."""

    planner: object
    taught: dict
    result: object
    alpha: float
    seed: int

    @property
    def keeps_last(self):
        """Whether the network kept its last weights (trained through its
        schedule), not its best epoch's."""
        return not self.planner.restore_best_weights

    @property
    def held_out_score_(self):
        """The held-out score of the weights the network kept (-inf if never
        scored: :meth:`BaseMLPCV._select` makes it NaN)."""
        return kept_score(self.result.state, self.keeps_last)

    @property
    def kept_epoch_(self):
        """The epoch of the weights the network kept."""
        state = self.result.state
        return state.n_iter if self.keeps_last else state.best_epoch

    @property
    def n_iter_(self):
        return self.result.state.n_iter


def _keeps_last(estimator, configuration):
    """Whether the networks of ``configuration`` keep their last weights
    (trained through their schedule), not their best epoch's."""
    return not estimator._network_params(configuration.params)["restore_best_weights"]


def _fold_args(X, y, sample_weight, split):
    train, test = split
    args = dict(X=X[train], y=y[train], X_val=X[test], y_val=y[test])
    if sample_weight is not None:
        args.update(
            sample_weight=sample_weight[train], sample_weight_val=sample_weight[test]
        )
    return args
