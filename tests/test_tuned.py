"""MLPClassifierCV, MLPRegressorCV, MultiLabelMLPCV: the inner search, its
folds and groups, the final model, and the parameters passed to the networks."""

import re

import numpy as np
import pandas as pd
import pytest
import sklearn
import sklearn.exceptions
from sklearn.datasets import (
    make_classification,
    make_multilabel_classification,
    make_regression,
)
from sklearn.metrics import f1_score
from sklearn.model_selection import GroupKFold, cross_validate
from sklearn.preprocessing import StandardScaler

from skmlp import (
    MLPClassifier,
    MLPClassifierCV,
    MLPRegressor,
    MLPRegressorCV,
    MultiLabelMLPCV,
)
from skmlp._estimators.ensemble import member_seeds
from skmlp._tuned.base import BaseMLPCV
from skmlp._tuned.threshold import THRESHOLDS, micro_f1, scores_labels
from skmlp.exceptions import AlphaEdgeWarning
from skmlp.preprocessing import SmoothClipScaler

#: the search of alphas alone (one configuration, the best alpha kept): the
#: mechanics this module tests; tests/test_portfolio.py tests the portfolio
FAST = dict(
    alphas=[1e-3, 1.0], cv=3, max_iter=40, random_state=0, portfolio=None, selection="best"
)
# two alphas: alpha_ is always at an edge of them, which the tests of that
# warning check; elsewhere it is no news
pytestmark = pytest.mark.filterwarnings("ignore::skmlp.exceptions.AlphaEdgeWarning")


@pytest.fixture
def classification():
    return make_classification(n_samples=120, n_features=6, random_state=0)


@pytest.fixture
def regression():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(150, 4))
    return X, 3 * np.sin(X[:, 0]) + X[:, 1] + 0.1 * rng.normal(size=150)


class SpyFolds(GroupKFold):
    """GroupKFold that remembers the folds it gave."""

    def split(self, X, y=None, groups=None):
        self.folds = list(super().split(X, y, groups))
        self.groups = groups
        return iter(self.folds)


# -- groups ----------------------------------------------------------------------
@pytest.mark.parametrize("Estimator", [MLPClassifierCV, MLPRegressorCV])
def test_integer_cv_with_groups_never_puts_a_group_on_both_sides(Estimator, classification):
    X, y = classification
    groups = np.repeat(np.arange(12), 10)
    model = Estimator(**FAST).fit(X, y, groups=groups)
    splits = model._inner_splits(X, y, groups)
    assert len(splits) == model.n_splits_ == 3
    for train, test in splits:
        assert not set(groups[train]) & set(groups[test])
    seen = np.sort(np.concatenate([test for _, test in splits]))
    np.testing.assert_array_equal(seen, np.arange(len(y)))


def test_a_splitter_given_as_cv_gets_the_groups(classification):
    X, y = classification
    groups = np.repeat(np.arange(12), 10)
    spy = SpyFolds(4)
    model = MLPClassifierCV(**{**FAST, "cv": spy}).fit(X, y, groups=groups)
    np.testing.assert_array_equal(spy.groups, groups)
    assert model.n_splits_ == 4
    for train, test in spy.folds:
        assert not set(groups[train]) & set(groups[test])


def _leaky(n_groups=30, per_group=6, seed=0):
    """Rows of a group are near-copies with a target of the group's own: a
    model that has seen a group's rows predicts its other rows; a new group
    is unpredictable (targets independent of every feature's structure)."""
    rng = np.random.RandomState(seed)
    centers = rng.normal(size=(n_groups, 8))
    X = np.repeat(centers, per_group, axis=0) + 0.01 * rng.normal(
        size=(n_groups * per_group, 8)
    )
    y = np.repeat(rng.normal(size=n_groups), per_group)
    return X, y, np.repeat(np.arange(n_groups), per_group)


def test_group_folds_score_the_leak_honestly():
    X, y, groups = _leaky()
    params = dict(alphas=[1e-4], cv=3, max_iter=150, random_state=0, scoring="r2")
    by_row = MLPRegressorCV(**params).fit(X, y)
    by_group = MLPRegressorCV(**params).fit(X, y, groups=groups)
    assert by_row.best_score_ > 0.5  # held-out rows of groups seen in training
    assert by_group.best_score_ < 0.2  # held-out groups: nothing to learn


def test_groups_reach_the_inner_folds_through_metadata_routing():
    X, y, groups = _leaky()
    params = dict(alphas=[1e-4], cv=3, max_iter=150, random_state=0, scoring="r2")
    with sklearn.config_context(enable_metadata_routing=True):
        model = MLPRegressorCV(**params).set_fit_request(groups=True)
        result = cross_validate(
            model,
            X,
            y,
            cv=GroupKFold(3),
            params={"groups": groups},
            return_estimator=True,
        )
    for fitted in result["estimator"]:
        assert fitted.best_score_ < 0.2


def test_groups_of_the_wrong_length_are_refused(classification):
    X, y = classification
    with pytest.raises(ValueError, match="groups has 5 entries for 120 rows"):
        MLPClassifierCV(**FAST).fit(X, y, groups=np.arange(5))


def _few_groups_warnings(caught):
    return [w for w in caught if "one inner fold per group" in str(w.message)]


@pytest.mark.parametrize("Estimator", [MLPClassifierCV, MLPRegressorCV])
@pytest.mark.parametrize("cv", [None, 5, 4])
def test_fewer_groups_than_cv_give_one_fold_per_group(Estimator, cv, classification):
    """Three hospitals and the default cv=5: one inner fold per hospital
    (leave-one-group-out), said once, instead of scikit-learn's error."""
    X, y = classification
    groups = np.array(["north", "south", "west"])[np.arange(len(y)) % 3]
    with pytest.warns(UserWarning, match="one inner fold per group") as caught:
        model = Estimator(**{**FAST, "cv": cv}).fit(X, y, groups=groups)
    [warning] = _few_groups_warnings(caught)
    asked = 5 if cv is None else cv
    assert f"cv={cv!r} asks for {asked} inner folds" in str(warning.message)
    assert "groups has 3 groups" in str(warning.message)
    assert model.n_splits_ == 3
    with pytest.warns(UserWarning, match="one inner fold per group"):
        splits = model._inner_splits(X, y, groups)
    held_out = [set(groups[test]) for _, test in splits]
    assert sorted(map(sorted, held_out)) == [["north"], ["south"], ["west"]]


def test_as_many_groups_as_folds_is_no_news(classification):
    import warnings

    X, y = classification
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = MLPRegressorCV(**FAST).fit(X, y, groups=np.arange(len(y)) % 3)
    assert not _few_groups_warnings(caught) and model.n_splits_ == 3


def test_a_single_group_is_refused_with_what_to_do(classification):
    X, y = classification
    with pytest.raises(ValueError, match="groups has a single group .* cv=3") as error:
        MLPClassifierCV(**FAST).fit(X, y, groups=np.zeros(len(y)))
    assert "fit without groups" in str(error.value)


def _four_hospitals(n_per=20, seed=0):
    """Four hospitals: fewer than the default 5 inner folds, and an outer
    split by hospital leaves 2 or 3 of them."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(4 * n_per, 3))
    y = X[:, 0] + 0.1 * rng.normal(size=4 * n_per)
    return X, y, np.repeat(["a", "b", "c", "d"], n_per)


def test_few_groups_through_metadata_routing_in_searches_and_cross_validate():
    import warnings

    from sklearn.model_selection import GridSearchCV

    X, y, groups = _four_hospitals()
    params = dict(alphas=[1e-3], max_iter=5, random_state=0)  # the default cv=5
    with sklearn.config_context(enable_metadata_routing=True):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model = MLPRegressorCV(**params).set_fit_request(groups=True)
            result = cross_validate(
                model,
                X,
                y,
                cv=GroupKFold(2),
                params={"groups": groups},
                return_estimator=True,
                error_score="raise",
            )
            search = GridSearchCV(
                MLPRegressorCV(**params).set_fit_request(groups=True),
                {"hidden_layer_sizes": [(4,)]},
                cv=GroupKFold(4),
                error_score="raise",
            ).fit(X, y, groups=groups)
    assert [fitted.n_splits_ for fitted in result["estimator"]] == [2, 2]
    assert search.best_estimator_.n_splits_ == 4
    # the 2 outer folds of 2 groups, the 4 of 3 groups and the refit on all 4
    # groups: each fit says it once
    assert len(_few_groups_warnings(caught)) == 2 + 4 + 1


# -- the selected alpha -------------------------------------------------------------
def test_alpha_grows_with_the_need_for_regularisation():
    rng = np.random.RandomState(0)
    alphas = [1e-4, 1e-2, 1.0, 30.0]
    # plenty of rows, a smooth signal, little noise: little regularisation
    X = rng.normal(size=(600, 3))
    y = np.sin(2 * X[:, 0]) + X[:, 1] * X[:, 2] + 0.05 * rng.normal(size=600)
    clean = MLPRegressorCV(alphas=alphas, max_iter=200, random_state=0).fit(X, y)
    # few rows, many irrelevant features, a weak noisy signal: much more
    X = rng.normal(size=(60, 40))
    y = 0.3 * X[:, 0] + rng.normal(size=60)
    noisy = MLPRegressorCV(alphas=alphas, max_iter=200, random_state=0).fit(X, y)
    assert clean.alpha_ <= 1e-2
    assert noisy.alpha_ >= 1.0
    scores = noisy.cv_results_["mean_test_score"]
    assert scores[noisy.best_index_] == noisy.best_score_ == scores.max()


# -- the one pass: each network is the separate fit -------------------------------------
@pytest.mark.parametrize("patience", [10, None])
def test_each_fold_network_equals_its_separate_fit(patience, classification):
    """Stopped early (restore-best) or trained through its schedule
    (``n_iter_no_change=None``: every epoch, its last weights kept, scored
    at its end), each network is the plain estimator's fit on its fold."""
    X, y = classification
    model = MLPClassifierCV(**FAST, ensemble_size=2, n_iter_no_change=patience).fit(X, y)
    Xs = model.scaler_.transform(X).astype(np.float32)  # the networks train in float32
    seeds = member_seeds(0, 3 * 2).reshape(3, 2)
    splits = model._inner_splits(X, y, None)
    params = model._network_params()
    networks = model.estimator_.estimators_
    assert len(networks) == 6
    for fold, (train, test) in enumerate(splits):
        for j in range(2):
            alone = MLPClassifier(
                **params, alpha=model.alpha_, random_state=int(seeds[fold, j])
            ).fit(Xs[train], y[train], X_val=Xs[test], y_val=y[test])
            member = networks[2 * fold + j]
            assert member.n_iter_ == alone.n_iter_
            for a, b in zip(member.coefs_, alone.coefs_):
                np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
            kept = [networks[2 * fold + i] for i in (0, 1)]
            if patience is None:  # the last epoch's weights and score
                assert member.n_iter_ == FAST["max_iter"]
                assert not member.restore_best_weights
                kept = [n.validation_scores_[-1] for n in kept]
            else:
                kept = [n.best_validation_score_ for n in kept]
            score = model.cv_results_[f"split{fold}_test_score"][model.best_index_]
            assert score == pytest.approx(np.mean(kept))


def test_a_configurations_patience_overrides_the_estimators(classification, monkeypatch):
    """``n_iter_no_change=None`` (train through the schedule) applies where
    it is set: the estimator's, unless a configuration sets its own."""
    model = MLPClassifierCV(**{**FAST, "n_iter_no_change": None})
    through = dict(n_iter_no_change=np.inf, restore_best_weights=False)
    assert through.items() <= model._network_params().items()
    stopped = model._network_params({"n_iter_no_change": 5})
    assert stopped["n_iter_no_change"] == 5 and stopped["restore_best_weights"]
    default = MLPClassifierCV(**FAST)
    assert through.items() <= default._network_params({"n_iter_no_change": None}).items()
    searched = []  # the search's networks: candidate-major, then fold
    original = BaseMLPCV._select

    def spy(self, networks, *args, **kwargs):
        searched.extend(networks)
        return original(self, networks, *args, **kwargs)

    monkeypatch.setattr(BaseMLPCV, "_select", spy)
    X, y = classification
    portfolio = [{"alphas": [1e-3]}, {"n_iter_no_change": None, "alphas": [1e-3]}]
    model = MLPClassifierCV(**{**FAST, "portfolio": portfolio, "halving": False}).fit(X, y)
    stopped, through = searched[:3], searched[3:]
    assert all(n.planner.restore_best_weights for n in stopped)
    assert not any(n.planner.restore_best_weights for n in through)
    assert all(n.n_iter_ == FAST["max_iter"] for n in through)
    assert any(n.n_iter_ < FAST["max_iter"] for n in stopped)
    for candidate, networks in enumerate((stopped, through)):
        states = [n.result.state for n in networks]
        scores = (
            [s.best_validation_score for s in states]
            if candidate == 0
            else [s.validation_scores[-1] for s in states]
        )
        folds = [model.cv_results_[f"split{f}_test_score"][candidate] for f in range(3)]
        np.testing.assert_allclose(folds, scores)


def test_refit_after_training_through_the_schedule_takes_every_epoch(regression):
    X, y = regression
    model = MLPRegressorCV(**FAST, n_iter_no_change=None, refit=True).fit(X, y)
    assert model.n_iter_.tolist() == [FAST["max_iter"]] * 3


def test_a_folds_networks_validate_its_rows_once(classification, monkeypatch):
    """The networks of one inner fold (one per alpha) share the validated,
    encoded rows: 3 folds are prepared 3 times, not once per network."""
    from skmlp._estimators.base import BaseMLP

    prepared = []
    original = BaseMLP._prepare

    def spy(self, *args, **kwargs):
        prepared.append(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(BaseMLP, "_prepare", spy)
    X, y = classification
    MLPClassifierCV(**{**FAST, "alphas": [1e-3, 0.1, 1.0]}).fit(X, y)
    assert len(prepared) == 3


def test_cv_results_layout(classification):
    X, y = classification
    model = MLPClassifierCV(**FAST).fit(X, y)
    results = model.cv_results_
    assert [p["alpha"] for p in results["params"]] == [1e-3, 1.0]
    np.testing.assert_array_equal(results["param_alpha"], [1e-3, 1.0])
    folds = np.column_stack([results[f"split{i}_test_score"] for i in range(3)])
    np.testing.assert_allclose(results["mean_test_score"], folds.mean(axis=1))
    np.testing.assert_allclose(results["std_test_score"], folds.std(axis=1))
    assert sorted(results["rank_test_score"]) == [1, 2]
    assert results["rank_test_score"][model.best_index_] == 1
    assert np.all(results["mean_n_iter"] >= 1)
    assert model.alphas_.tolist() == [1e-3, 1.0]
    assert model.fit_time_ > 0


# -- the final model ---------------------------------------------------------------------
def test_the_final_model_averages_the_chosen_fold_networks(classification):
    X, y = classification
    model = MLPClassifierCV(**FAST).fit(X, y)
    Xs = model.scaler_.transform(X)  # the final networks predict in X's dtype
    networks = model.estimator_.estimators_
    assert all(n.alpha == model.alpha_ for n in networks)
    mean = np.mean([n.predict_proba(Xs) for n in networks], axis=0)
    np.testing.assert_allclose(model.predict_proba(X), mean)
    np.testing.assert_array_equal(model.predict(X), model.classes_[mean.argmax(axis=1)])
    # the log of the mean from the members' log-probabilities
    np.testing.assert_allclose(model.predict_log_proba(X), np.log(mean), rtol=1e-10)


def test_refit_trains_on_every_row_for_the_median_best_epoch(regression):
    X, y = regression
    params = {**FAST, "max_iter": 300}
    folds = MLPRegressorCV(**params).fit(X, y)
    refitted = MLPRegressorCV(**params, refit=True).fit(X, y)
    assert refitted.alpha_ == folds.alpha_
    best = [n.best_epoch_ for n in folds.estimator_.estimators_]
    assert max(best) < 300  # the fold networks stopped early
    epochs = int(np.ceil(np.median(best)))
    assert refitted.n_iter_.tolist() == [epochs] * 3
    for network in refitted.estimator_.estimators_:
        assert network.early_stopping is False and network.alpha == folds.alpha_
        assert len(network.loss_curve_) == epochs
    assert refitted.score(X, y) > 0.8


# -- scaling ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "scaling, kind", [("robust", SmoothClipScaler), ("standard", StandardScaler)]
)
def test_scaling_is_fitted_inside(scaling, kind, classification):
    X, y = classification
    model = MLPClassifierCV(**FAST, scaling=scaling).fit(X, y)
    assert isinstance(model.scaler_, kind)
    Xs = model.scaler_.transform(X)
    np.testing.assert_allclose(model.predict_proba(X), model.estimator_.predict_proba(Xs))


def test_no_scaling_uses_the_inputs_as_they_are(classification):
    X, y = classification
    model = MLPClassifierCV(**FAST, scaling=None).fit(X, y)
    assert model.scaler_ is None
    np.testing.assert_allclose(model.predict_proba(X), model.estimator_.predict_proba(X))


def test_robust_scaling_resists_an_outlier_feature(classification):
    X, y = classification
    X = X.copy()
    X[0, 0] = 1e6  # one wild value: standard scaling squashes the column
    robust = MLPClassifierCV(**FAST).fit(X, y)
    assert np.abs(robust.scaler_.transform(X)).max() < 3
    assert robust.score(X[1:], y[1:]) >= 0.9


def test_regression_targets_are_standardised_and_predictions_in_their_units(regression):
    X, y = regression
    base = MLPRegressorCV(**FAST).fit(X, y)
    shifted = MLPRegressorCV(**FAST).fit(X, 1000 * y + 5000)
    np.testing.assert_allclose(shifted.predict(X), 1000 * base.predict(X) + 5000, rtol=1e-6)
    assert shifted.alpha_ == base.alpha_
    assert shifted.score(X, 1000 * y + 5000) == pytest.approx(base.score(X, y))


def test_multi_output_regression(regression):
    X, y = regression
    Y = np.column_stack([y, -2 * y + 10])
    model = MLPRegressorCV(**FAST).fit(X, Y)
    assert model.predict(X).shape == (150, 2)
    assert model.score(X, Y) > 0.8


def test_poisson_targets_stay_non_negative():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 3))
    y = rng.poisson(np.exp(0.5 * X[:, 0] + 1.0))
    model = MLPRegressorCV(**FAST, loss="poisson").fit(X, y)
    assert model._y_center == 0.0 and model._y_scale == pytest.approx(y.mean())
    assert np.all(model.predict(X) > 0)


# -- what reaches the networks -------------------------------------------------------------
@pytest.mark.parametrize("Estimator", [MLPClassifierCV, MultiLabelMLPCV, MLPRegressorCV])
def test_parameters_passed_on_are_checked_by_the_networks_constraints(Estimator):
    """One owner for each constraint: a parameter the CV estimator shares with
    its networks is checked by the networks' own constraint (the same object,
    not a copy); the few it narrows accept a subset of what the networks do."""
    network = Estimator._network_class._parameter_constraints
    own = Estimator._own_constraints
    assert set(Estimator._parameter_constraints) == set(Estimator._get_param_names())
    shared = [n for n in Estimator._get_param_names() if n in network and n not in own]
    assert len(shared) >= 15
    for name in shared:
        assert Estimator._parameter_constraints[name] is network[name], name
    for name in set(own) & set(network):
        if name == "threshold":  # widened: "auto", then the networks' own
            [auto, *rest] = own[name]
            assert auto.options == {"auto"} and rest == network[name]
            continue
        if name == "n_iter_no_change":  # widened: the networks' own, then None
            assert own[name] == [*network[name], None]
            continue
        [narrowed], [wider] = own[name], network[name]
        assert narrowed.options < wider.options, name


@pytest.mark.parametrize(
    "Estimator, bad",
    [
        (MLPClassifierCV, dict(loss="hinge")),
        (MLPRegressorCV, dict(learning_rate="adaptive")),
        (MultiLabelMLPCV, dict(threshold=1.5)),
        (MLPRegressorCV, dict(feature_embedding="fourier")),
    ],
)
def test_a_bad_parameter_is_named_with_the_cv_estimator(Estimator, bad, classification):
    X, y = classification
    with pytest.raises(
        ValueError, match=f"'{next(iter(bad))}' parameter of {Estimator.__name__}"
    ):
        Estimator(**bad).fit(X, y)


def test_network_parameters_pass_through(classification):
    X, y = classification
    model = MLPClassifierCV(
        **FAST,
        hidden_layer_sizes=(7,),
        activation="tanh",
        loss="focal",
        focal_gamma=1.0,
        class_weight="balanced",
        label_smoothing=0.05,
        dropout=0.1,
        batch_size=32,
        learning_rate_init=0.002,
        n_iter_no_change=5,
    ).fit(X, y)
    network = model.estimator_.estimators_[0]
    assert network.coefs_[0].shape == (6, 7)
    for name, value in dict(
        activation="tanh",
        loss="focal",
        focal_gamma=1.0,
        class_weight="balanced",
        label_smoothing=0.05,
        dropout=0.1,
        batch_size=32,
        learning_rate_init=0.002,
        n_iter_no_change=5,
        scoring="loss",
        early_stopping=True,
    ).items():
        assert network.get_params()[name] == value, name


def test_class_weight_raises_minority_recall():
    X, y = make_classification(
        n_samples=400, weights=[0.9], flip_y=0.05, class_sep=0.5, random_state=0
    )
    plain = MLPClassifierCV(**FAST).fit(X, y)
    balanced = MLPClassifierCV(**FAST, class_weight="balanced").fit(X, y)
    recall = [(m.predict(X)[y == 1] == 1).mean() for m in (plain, balanced)]
    assert recall[1] > recall[0]


def test_sample_weight_reaches_training_and_the_fold_scores(classification):
    X, y = classification
    weights = np.where(np.arange(len(y)) % 2, 1.0, 0.0)
    weighted = MLPClassifierCV(**FAST).fit(X, y, sample_weight=weights)
    dropped = MLPClassifierCV(**FAST).fit(X, y, sample_weight=np.ones(len(y)))
    assert not np.allclose(weighted.predict_proba(X), dropped.predict_proba(X))
    assert not np.allclose(
        weighted.cv_results_["mean_test_score"], dropped.cv_results_["mean_test_score"]
    )


def test_a_scorer_chooses_the_alpha_and_stops_the_networks(classification):
    X, y = classification
    model = MLPClassifierCV(**FAST, scoring="roc_auc").fit(X, y)
    assert model.estimator_.estimators_[0].scoring == "roc_auc"
    assert 0.5 < model.best_score_ <= 1.0


def test_multilabel_thresholds_and_shapes():
    X, Y = make_multilabel_classification(n_samples=150, n_classes=4, random_state=0)
    model = MultiLabelMLPCV(**FAST, threshold=0.3).fit(X, Y)
    proba = model.predict_proba(X)
    assert proba.shape == (150, 4)
    assert model.threshold_ == 0.3
    np.testing.assert_array_equal(model.predict(X), (proba >= 0.3).astype(int))
    assert model.score(X, Y) == pytest.approx((model.predict(X) == Y).all(axis=1).mean())


def _out_of_fold_reference(model, X, y):
    """The final model's out-of-fold probabilities, fold by fold, rebuilt from
    its members: each chosen candidate's networks are one per inner fold, in
    fold order, weighted by the candidate's share."""
    final, Xs = model.estimator_, model._scaled(X)
    splits = list(model._inner_splits(X, y, None))
    members = final.estimators_
    weights = getattr(final, "_member_weights", np.full(len(members), 1 / len(members)))
    k = len(splits)
    out = []
    for fold, (_, test) in enumerate(splits):
        parts = range(fold, len(members), k)  # this fold's network of each candidate
        P = sum(k * weights[m] * members[m].predict_proba(Xs[test]) for m in parts)
        out.append((P, y[test]))
    return out


@pytest.mark.parametrize(
    "params",
    [FAST, dict(alphas=[1e-3, 1.0], cv=3, max_iter=40, random_state=0)],
    ids=["one candidate", "ensemble selection"],
)
@pytest.mark.parametrize("scoring", [None, "roc_auc", "f1_macro", "f1_samples"])
def test_auto_threshold_is_the_best_out_of_fold(params, scoring):
    """``threshold="auto"`` is the grid's threshold of the best mean score over
    the inner folds of the final model's out-of-fold probabilities (no
    network predicting a row it trained on), by a scoring of labels, else
    (None; ROC AUC scores probabilities) by micro F1; the nearest to 0.5 of
    equal best ones. Rare labels: micro F1's lies below 0.5."""
    X, Y = make_multilabel_classification(
        n_samples=240, n_classes=5, n_labels=1, random_state=0
    )
    model = MultiLabelMLPCV(**params, scoring=scoring).fit(X, Y)
    by_labels = scoring is not None and scoring.startswith("f1")
    average = scoring[3:] if by_labels else "micro"
    expected = _best_of_grid(
        _out_of_fold_reference(model, X, Y),
        lambda y, P, t: f1_score(y, P >= t, average=average, zero_division=0),
    )
    assert model.threshold_ == expected
    assert scoring is not None or model.threshold_ < 0.5
    proba = model.predict_proba(X)
    np.testing.assert_array_equal(model.predict(X), (proba >= model.threshold_).astype(int))


@pytest.mark.parametrize("weighted", [False, True])
def test_micro_f1_of_every_threshold_is_sklearns(weighted):
    rng = np.random.RandomState(0)
    P, Y = rng.uniform(size=(60, 4)), rng.uniform(size=(60, 4)) < 0.3
    weight = rng.uniform(size=60) * (rng.uniform(size=60) < 0.8) if weighted else None
    expected = [
        f1_score(Y, P >= t, average="micro", sample_weight=weight, zero_division=0)
        for t in THRESHOLDS
    ]
    np.testing.assert_allclose(micro_f1(P, Y, weight), expected, rtol=1e-12)


def test_only_a_scoring_of_labels_chooses_the_threshold():
    """A scorer of probabilities gives one score at every threshold: it is
    not asked 99 times a fold (micro F1 chooses); a callable that does not
    name its method is."""
    from sklearn.metrics import get_scorer

    labels = ["f1_macro", "accuracy", "jaccard_samples"]
    probabilities = ["roc_auc", "neg_log_loss", "average_precision"]
    assert all(scores_labels(get_scorer(name)) for name in labels)
    assert not any(scores_labels(get_scorer(name)) for name in probabilities)
    assert scores_labels(lambda estimator, X, y: 0.0)


def _best_of_grid(folds, score):
    grid = np.round(np.arange(0.01, 1.0, 0.01), 2)
    mean = [np.mean([score(y, P, t) for P, y in folds]) for t in grid]
    best = grid[np.isclose(mean, np.max(mean), rtol=0, atol=1e-12)]
    return best[np.argmin(np.abs(best - 0.5))]


def test_auto_threshold_of_a_binary_or_multiclass_target():
    """A 1-D target keeps scikit-learn's classifiers' ``predict``: the most
    probable class (a binary target's threshold stays 0.5; a multiclass one
    has none)."""
    X, y = make_classification(n_samples=200, weights=[0.85], random_state=0)
    model = MultiLabelMLPCV(**FAST).fit(X, y)
    assert model.threshold_ == 0.5
    np.testing.assert_array_equal(model.predict(X), model.predict_proba(X).argmax(axis=1))
    X, y = make_classification(n_samples=150, n_classes=3, n_informative=4, random_state=0)
    model = MultiLabelMLPCV(**FAST).fit(X, y)
    assert model.threshold_ is None
    np.testing.assert_array_equal(model.predict(X), model.predict_proba(X).argmax(axis=1))


def test_float32_stays_float32(classification):
    X, y = classification
    model = MLPClassifierCV(**FAST).fit(X.astype(np.float32), y)
    assert model.predict_proba(X.astype(np.float32)).dtype == np.float32
    reg = MLPRegressorCV(**FAST).fit(X.astype(np.float32), y.astype(float))
    assert reg.predict(X.astype(np.float32)).dtype == np.float32


# -- errors ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "alphas",
    [[], [-1.0, 1.0], [[1.0]], [1.0, np.inf], ["a", 1.0], {"a": 1.0}, "0.1", iter([1.0])],
)
def test_bad_alphas_are_named(alphas, classification):
    X, y = classification
    with pytest.raises(ValueError, match="'?alphas'? (must be|parameter)"):
        MLPClassifierCV(**{**FAST, "alphas": alphas}).fit(X, y)


def test_a_class_missing_from_a_training_fold_is_named(classification):
    X, y = classification
    y = y.copy()
    y[:4] = 2
    groups = np.where(y == 2, 0, np.arange(len(y)) % 5 + 1)
    with pytest.raises(ValueError, match="Class 2 has no row in the training part"):
        MLPClassifierCV(**FAST).fit(X, y, groups=groups)


def test_multilabel_targets_point_to_the_multilabel_estimator():
    X, Y = make_multilabel_classification(n_samples=60, random_state=0)
    with pytest.raises(ValueError, match="use MultiLabelMLPCV"):
        MLPClassifierCV(**FAST).fit(X, Y)


def test_regressor_networks_are_regressors(regression):
    X, y = regression
    model = MLPRegressorCV(**FAST).fit(X, y)
    assert all(isinstance(n, MLPRegressor) for n in model.estimator_.estimators_)


def test_a_failed_refit_leaves_no_half_fitted_model(classification):
    X, y = classification
    model = MLPClassifierCV(**FAST).fit(X, y)
    y = y.copy()
    y[:4] = 2
    groups = np.where(y == 2, 0, np.arange(len(y)) % 5 + 1)
    with pytest.raises(ValueError, match="Class 2"):
        model.fit(X[:, :3], y, groups=groups)
    assert not hasattr(model, "estimator_") and not hasattr(model, "scaler_")
    with pytest.raises(sklearn.exceptions.NotFittedError):
        model.predict(X[:, :3])


def test_ties_share_the_smallest_rank():
    X, y = make_classification(n_samples=90, n_features=4, random_state=1)
    model = MLPClassifierCV(**{**FAST, "alphas": [1e-3, 1e-3, 1.0]}).fit(X, y)
    ranks = model.cv_results_["rank_test_score"]
    assert ranks[0] == ranks[1]
    assert sorted(ranks.tolist()) in ([1, 1, 3], [1, 2, 2])


def test_cv_none_is_the_default_five_folds(classification):
    X, y = classification
    assert MLPClassifierCV(**{**FAST, "cv": None}).fit(X, y).n_splits_ == 5


def test_a_column_vector_target_warns_once(regression):
    X, y = regression
    with pytest.warns(sklearn.exceptions.DataConversionWarning) as caught:
        model = MLPRegressorCV(**FAST).fit(X, y[:, None])
    conversions = [
        w for w in caught if w.category is sklearn.exceptions.DataConversionWarning
    ]
    assert len(conversions) == 1
    assert model.predict(X).shape == (150,)


def test_a_binary_target_of_the_multilabel_estimator_is_stratified():
    X, y = make_classification(n_samples=100, weights=[0.9], random_state=0)
    model = MultiLabelMLPCV(**FAST).fit(X, y)
    for train, _ in model._inner_splits(X, y, None):
        assert 0 < y[train].mean() < 0.2


def test_unequal_folds_still_train_in_one_pass(axis_sizes):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(1001, 3))  # inner training parts of 800 and 801 rows
    MLPRegressorCV(**{**FAST, "cv": 5}).fit(X, X[:, 0])
    assert sum(axis_sizes) == 2 * 5 and all(size > 1 for size in axis_sizes)


def test_a_classifiers_group_folds_spread_a_rare_class():
    rng = np.random.RandomState(0)
    groups = np.repeat(np.arange(40), 5)
    y = np.repeat((np.arange(40) % 8 == 0).astype(int), 5)  # 5 patients of 40
    X = rng.normal(size=(200, 4)) + y[:, None]
    model = MLPClassifierCV(**FAST).fit(X, y, groups=groups)
    splits = model._inner_splits(X, y, groups)
    for train, test in splits:
        assert not set(groups[train]) & set(groups[test])
        assert y[test].sum() > 0 and y[train].sum() > 0  # the rare class on both sides
    regressor = MLPRegressorCV(**FAST)
    assert isinstance(regressor._inner_cv(groups), GroupKFold)


def test_no_finite_inner_score_is_said_not_hidden():
    from types import SimpleNamespace

    networks = [SimpleNamespace(held_out_score_=np.nan, n_iter_=3)] * 4
    model = MLPRegressorCV(alphas=[0.1, 1.0], ensemble_size=1)
    with pytest.warns(
        UserWarning, match="No alpha has a finite mean inner-fold score"
    ) as caught:
        model._select(networks, [{"alpha": 0.1}, {"alpha": 1.0}], n_splits=2)
    assert model.alpha_ == 0.1
    assert not [w for w in caught if w.category is AlphaEdgeWarning]  # nothing was chosen


def _select_with_scores(alphas, scores):
    """``_select`` of an alpha grid whose networks (2 folds each) scored
    ``scores`` (one per alpha); returns the warnings it gave."""
    import warnings
    from types import SimpleNamespace

    networks = [
        SimpleNamespace(held_out_score_=score, n_iter_=3)
        for score in scores
        for _ in range(2)
    ]
    model = MLPRegressorCV(alphas=alphas, ensemble_size=1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model._select(networks, [{"alpha": float(a)} for a in alphas], n_splits=2)
    return [w for w in caught if w.category is AlphaEdgeWarning]


@pytest.mark.parametrize(
    "alphas, scores, message",
    [
        (
            [0.01, 0.1, 1.0],
            [-3.0, -2.0, -1.0],
            r"alpha_=1 is at the edge of alphas \(0.01 to 1\); extend them "
            r"\(e.g. alphas=\[0.01, 0.1, 1, 10, 100\]\)",
        ),
        (
            [1e-3, 1e-2, 1.0, 0.1],  # any order; the steps are the grid's own
            [-1.0, -2.0, -4.0, -3.0],
            r"alpha_=0.001 is at the edge of alphas \(0.001 to 1\); extend them "
            r"\(e.g. alphas=\[1e-05, 0.0001, 0.001, 0.01, 0.1, 1\]\)",
        ),
        (
            [1e-3, 1.0],  # a coarse grid goes on by decades
            [-2.0, -1.0],
            r"alpha_=1 is at the edge of alphas \(0.001 to 1\); extend them "
            r"\(e.g. alphas=\[0.001, 1, 10, 100\]\)",
        ),
        (
            [0.0, 1.0],
            [-2.0, -1.0],
            r"alpha_=1 is at the edge of alphas \(0 to 1\); extend them "
            r"\(e.g. alphas=\[0, 1, 10, 100\]\)",
        ),
    ],
)
def test_an_alpha_at_the_edge_of_the_grid_is_said(alphas, scores, message):
    [warning] = _select_with_scores(alphas, scores)
    assert issubclass(warning.category, UserWarning)
    assert not issubclass(warning.category, sklearn.exceptions.ConvergenceWarning)
    assert re.search(message, str(warning.message)), str(warning.message)


@pytest.mark.parametrize(
    "alphas, scores",
    [
        ([0.01, 0.1, 1.0], [-2.0, -1.0, -3.0]),  # inside the grid
        ([0.0, 0.1, 1.0], [-1.0, -2.0, -3.0]),  # no penalty: nothing below it
        ([0.01, 0.1, 1.0], [-1.0, -1.0, -3.0]),  # the edge ties an alpha inside
        ([0.1], [-1.0]),  # one alpha: no grid to extend
        ([0.1, 0.1], [-1.0, -2.0]),  # one value twice, likewise
    ],
)
def test_an_alpha_inside_the_grid_is_no_news(alphas, scores):
    assert _select_with_scores(alphas, scores) == []


def test_a_fit_that_chooses_an_edge_says_so(regression):
    X, y = regression
    with pytest.warns(AlphaEdgeWarning, match="is at the edge of alphas"):
        model = MLPRegressorCV(**FAST).fit(X, y)  # two alphas: always an edge
    assert model.alpha_ in (1e-3, 1.0)


@pytest.mark.parametrize(
    "portfolio, advice",
    [
        (
            [{}, {"hidden_layer_sizes": (), "alphas": [1e-3, 1e-2]}],
            r"portfolio\[1\]\['alphas'\]=\[1e-05, 0.0001, 0.001, 0.01\]\)",
        ),
        (
            "fast",
            r"portfolio\[1\]\['alphas'\]=\[1e-05, .*, 10000\] in the list that "
            r"portfolio='fast' stands for\)",
        ),
    ],
)
def test_an_edge_of_a_configurations_own_alphas_names_them(portfolio, advice):
    """The linear model of a portfolio searches alphas of its own: extending
    the estimator's ``alphas`` would not change them, so the warning names
    the configuration's."""
    X, y = make_regression(n_samples=200, n_features=5, noise=0.1, random_state=0)
    with pytest.warns(AlphaEdgeWarning) as caught:
        model = MLPRegressorCV(portfolio=portfolio, random_state=0, max_iter=5).fit(X, y)
    assert model.best_params_ == {"hidden_layer_sizes": (), "alpha": 1e-3}
    [message] = [str(w.message) for w in caught if w.category is AlphaEdgeWarning]
    assert message.startswith("alpha_=0.001 is at the edge of portfolio[1]['alphas']")
    assert re.search(advice, message), message


@pytest.mark.parametrize("Estimator", [MLPClassifierCV, MLPRegressorCV, MultiLabelMLPCV])
def test_alpha_0_trains_in_one_pass(Estimator, axis_sizes):
    X, y = make_classification(n_samples=90, n_features=5, random_state=0)
    if Estimator is MultiLabelMLPCV:
        y = np.column_stack([y, X[:, 0] > 0]).astype(int)
    model = Estimator(**{**FAST, "alphas": [0.0]}).fit(X, y)
    assert axis_sizes == [3] and model.alpha_ == 0.0


@pytest.mark.parametrize("part, fold", [("held-out part", 0), ("training part", 1)])
def test_an_inner_fold_of_zero_weight_is_named(part, fold, regression):
    X, y = regression
    folds = [(np.arange(30, 150), np.arange(30)), (np.arange(0, 30), np.arange(30, 150))]
    if part == "training part":  # a fold whose held-out rows all count comes first
        folds = [(np.arange(60, 150), np.arange(60)), folds[1]]
    sample_weight = np.ones(len(y))
    sample_weight[:30] = 0
    model = MLPRegressorCV(**{**FAST, "cv": folds})
    with pytest.raises(ValueError, match=f"The {part} of inner fold {fold} has a total"):
        model.fit(X, y, sample_weight=sample_weight)


@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
@pytest.mark.parametrize("scaling", ["robust", None])
def test_a_constant_target_is_predicted_as_that_constant(loss, scaling, regression):
    X, y = regression
    model = MLPRegressorCV(**FAST, loss=loss, scaling=scaling)
    np.testing.assert_array_equal(model.fit(X, np.full(len(y), 7.0)).predict(X), 7.0)
    Y = np.column_stack([np.full(len(y), 2.5), np.abs(y)])  # one constant output
    prediction = model.fit(X, Y).predict(X)
    np.testing.assert_array_equal(prediction[:, 0], 2.5)
    assert np.std(prediction[:, 1]) > 0.1
    weights = np.ones(len(y))
    weights[:10] = 0  # rows of weight 0 do not count
    varying = np.where(np.arange(len(y)) < 10, 1.0, 4.0)
    np.testing.assert_array_equal(
        model.fit(X, varying, sample_weight=weights).predict(X), 4.0
    )


def test_an_undefined_inner_score_is_nan_as_in_scikit_learns_searches():
    """roc_auc is undefined on a held-out part of one class: that fold's
    score is NaN (not -inf), and so is the mean, as scikit-learn reports it."""
    import warnings

    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 3))
    y = (X[:, 0] > 0).astype(int)
    y[:10] = 1
    folds = [(np.arange(10, 60), np.arange(10)), (np.arange(50), np.arange(50, 60))]
    params = dict(alphas=[1e-3, 1.0], cv=folds, max_iter=30, random_state=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = MLPClassifierCV(**params, scoring="roc_auc").fit(X, y)
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)]
    results = model.cv_results_
    assert np.isnan(results["split0_test_score"]).all()
    assert np.isfinite(results["split1_test_score"]).all()
    assert np.isnan(results["mean_test_score"]).all()
    assert np.isnan(results["std_test_score"]).all()
    # the networks of the undefined fold stop as on a plateau, not at max_iter
    assert all(n < 30 for n in results["mean_n_iter"])


@pytest.mark.parametrize(
    "alphas", [{1.0, 0.01}, frozenset({0.01, 1.0}), (0.01, 1.0), np.array([0.01, 1.0])]
)
def test_alphas_may_be_any_iterable_of_numbers(alphas, classification):
    X, y = classification
    model = MLPClassifierCV(**{**FAST, "alphas": alphas}).fit(X, y)
    assert model.alphas_.tolist() == [0.01, 1.0]


# -- fewer and cheaper operations: halving, float32, the cosine budget ------------------
def _clear_winner(n_rows, noise, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_rows, 3))
    return X, np.sin(2 * X[:, 0]) + X[:, 1] * X[:, 2] + noise * rng.normal(size=n_rows)


def _wide_and_noisy(seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(80, 300))
    return X, X[:, 0] + rng.normal(size=80)


@pytest.mark.parametrize("table, wins", [("clean", 1e-3), ("wide", 300.0)])
def test_halving_keeps_the_alpha_that_clearly_wins(table, wins):
    """Where one alpha clearly wins (plenty of clean rows: the smallest; few
    noisy rows over many columns: the largest), halving keeps it to the end
    and chooses it, as the full search does."""
    X, y = _clear_winner(600, 0.05) if table == "clean" else _wide_and_noisy()
    params = dict(
        alphas=[1e-3, 0.1, 10.0, 300.0],
        cv=3,
        max_iter=120,
        learning_rate_init=0.01,
        random_state=0,
    )
    halved = MLPRegressorCV(**params).fit(X, y)
    full = MLPRegressorCV(**params, halving=False).fit(X, y)
    assert halved.alpha_ == full.alpha_ == wins
    assert halved.cv_results_["pruned_at_epoch"][halved.best_index_] == 0
    assert (halved.cv_results_["pruned_at_epoch"] > 0).sum() == 3


def test_pruned_alphas_leave_the_axis_at_their_rung(monkeypatch):
    """At the first rung two of four alphas stop (their 3 fold networks
    each), at the second one more: the trainer is told so at those epochs,
    the networks stop there with their best weights, and cv_results_ says
    where. 200 training rows in batches of 50 are 4 steps an epoch."""
    from skmlp._tuned.halving import FIRST_RUNG_STEPS, rung_epochs
    from skmlp.training.trainer import Status, Trainer

    stops = []
    original = Trainer.stop

    def spy(self, members, status):
        stops.append((self._epochs_done, sorted(members), status))
        original(self, members, status)

    monkeypatch.setattr(Trainer, "stop", spy)
    X, y = _clear_winner(300, 0.3)
    model = MLPRegressorCV(
        alphas=[1e-3, 0.1, 10.0, 300.0],
        cv=3,
        batch_size=50,
        max_iter=60,
        n_iter_no_change=60,
        random_state=0,
        portfolio=None,
    ).fit(X, y)
    first, second = rung_epochs(60, steps_per_epoch=4)[:2]
    assert first == max(2, FIRST_RUNG_STEPS // 4) and second == 2 * first
    stopped = [(epoch, len(members)) for epoch, members, _ in stops]
    assert stopped == [(first, 6), (second, 3)]
    assert all(status is Status.PRUNED for _, _, status in stops)
    pruned = model.cv_results_["pruned_at_epoch"]
    assert sorted(pruned.tolist()) == [0, first, first, second]
    assert model.cv_results_["mean_n_iter"][pruned == first].tolist() == [first, first]
    assert pruned[model.best_index_] == 0


def test_the_first_rung_waits_for_enough_optimizer_steps():
    """A table of a few dozen rows takes one step an epoch, and its first
    rung comes after FIRST_RUNG_STEPS epochs; thousands of rows take many
    steps an epoch, and the first rung comes at MIN_FIRST_RUNG epochs."""
    from skmlp._tuned.halving import FIRST_RUNG_STEPS, MIN_FIRST_RUNG, rung_epochs

    first, second = rung_epochs(1000, steps_per_epoch=1)[:2]
    assert (first, second) == (FIRST_RUNG_STEPS, 2 * FIRST_RUNG_STEPS)
    assert rung_epochs(1000, steps_per_epoch=100)[0] == MIN_FIRST_RUNG
    assert rung_epochs(FIRST_RUNG_STEPS, steps_per_epoch=1) == []


def _state(curve):
    """What halving reads of a training state: its held-out scores so far."""
    from types import SimpleNamespace

    return SimpleNamespace(best_validation_score=max(curve), validation_scores=curve)


def test_halving_reads_only_the_training_states_it_is_handed():
    """The halving holds no estimator: the scheduler hands it the plans'
    training states at each rung (3 alphas x 2 folds here, alpha-major), and
    it names the plans to stop from their best held-out scores alone."""

    from skmlp._tuned.halving import CandidateHalving

    scores = [-1.0, -1.0, -0.5, -0.4, -2.0, -np.inf]  # alpha 1 leads
    states = [_state([s]) for s in scores]
    halving = CandidateHalving(3)
    assert halving.stop(4, states) == [0, 1, 4, 5]
    assert halving.alive == [1] and halving.pruned_at.tolist() == [4, 0, 4]
    assert halving.stop(8, states) == []  # one candidate left: nothing to halve


def test_halving_keeps_each_configurations_best_candidate():
    """Across a portfolio, a rung keeps the best third of all candidates and
    the best candidate of every configuration, however it ranks: networks
    that start slowly (embeddings, a lower rate) are compared at their end.
    Candidates 0-2 are one configuration, 3-5 another (one plan each)."""

    from skmlp._tuned.halving import CandidateHalving

    scores = [-0.1, -0.2, -0.3, -0.9, -0.8, -1.0]
    states = [_state([s]) for s in scores]
    halving = CandidateHalving(6, configurations=[0, 0, 0, 1, 1, 1])
    assert halving.stop(2, states) == [2, 3, 5]
    assert halving.alive == [0, 1, 4]  # the best two, and configuration 1's best
    assert halving.pruned_at.tolist() == [0, 0, 2, 2, 0, 2]
    assert halving.stop(4, states) == [1]  # 4 stays: its configuration's last
    assert halving.alive == [0, 4] and halving.stop(8, states) == []
    # one configuration: the rule of the alphas alone
    alone = CandidateHalving(6)
    assert alone.stop(2, states) == [2, 3, 4, 5]


def test_halving_ranks_networks_that_keep_their_last_weights_by_their_last_score():
    """A candidate trained through its schedule (``n_iter_no_change=None``)
    keeps its weights at the rung, not its best epoch's: it is ranked by
    its last held-out score. Candidate 0 was best two epochs ago."""

    from skmlp._tuned.halving import CandidateHalving

    curves = [[-0.1, -0.9], [-0.5, -0.4], [-0.6, -0.7]]
    states = [_state(c) for c in curves]
    assert CandidateHalving(3).stop(2, states) == [1, 2]  # by the best: 0 stays
    assert CandidateHalving(3, keeps_last=[True] * 3).stop(2, states) == [0, 2]


def test_the_networks_train_in_float32_and_predict_in_the_inputs_dtype(
    classification, monkeypatch
):
    """The search trains float32 networks; the final ones are kept in the
    input's dtype, so that predictions are float64 computations (a row's
    prediction does not depend on the rows beside it)."""
    import skmlp._tuned.base as tuned_base

    trained = []
    original = tuned_base.train_and_publish

    def spy(pending, *args, **kwargs):
        original(pending, *args, **kwargs)
        trained.extend(plan.network.dtype for fit in pending for plan in fit.plans)

    monkeypatch.setattr(tuned_base, "train_and_publish", spy)
    X, y = classification
    model = MLPClassifierCV(**FAST).fit(X, y)
    assert set(trained) == {np.dtype(np.float32)}
    assert all(n.coefs_[0].dtype == np.float64 for n in model.estimator_.estimators_)
    assert model.predict_proba(X).dtype == np.float64
    np.testing.assert_array_equal(
        model.predict_proba(X[::-1]), model.predict_proba(X)[::-1]
    )
    regressor = MLPRegressorCV(**FAST).fit(X, y.astype(float))
    assert regressor.predict(X).dtype == np.float64
    trained.clear()
    unscaled = MLPRegressorCV(**FAST, scaling=None).fit(X, y.astype(float))
    assert set(trained) == {np.dtype(np.float64)}
    assert unscaled.estimator_.estimators_[0].coefs_[0].dtype == np.float64


def test_the_cosine_budget_sets_each_members_rate_by_its_formula():
    """Members of one axis with their own initial rates and budgets: after
    epoch e each member's rate is lr_init_j (1 + cos(pi e / T_j)) / 2."""
    from skmlp._estimators.base import fit_estimators

    X, y = _clear_winner(200, 0.1)
    settings = [(0.01, 12), (0.003, 20), (0.02, 16)]
    members = [
        MLPRegressor(
            hidden_layer_sizes=(8,),
            learning_rate="cosine",
            learning_rate_init=rate,
            max_iter=budget,
            tol=0.0,
            n_iter_no_change=100,
            random_state=j,
        )
        for j, (rate, budget) in enumerate(settings)
    ]
    fit_estimators(members, [dict(X=X, y=y)] * 3)
    for member, (rate, budget) in zip(members, settings):
        epochs = np.arange(budget)
        expected = rate * (1 + np.cos(np.pi * epochs / budget)) / 2
        np.testing.assert_allclose(member.history_["learning_rate"], expected, rtol=1e-12)
        assert member.n_iter_ == budget


@pytest.mark.parametrize("Estimator", [MLPClassifierCV, MLPRegressorCV])
def test_a_weighted_row_is_its_copies_to_float32_precision(Estimator):
    """scikit-learn's weight check at float32's tolerance: integer weights
    against repeated rows, folds keeping a row and its copies together."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(45, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(int) if Estimator is MLPClassifierCV else X[:, 0]
    weight = rng.randint(0, 3, size=45)
    fold = np.arange(45) % 3
    repeats = np.repeat(np.arange(45), weight)

    def splits(groups):
        return [
            (np.flatnonzero(groups != g), np.flatnonzero(groups == g)) for g in range(3)
        ]

    params = dict(alphas=[1e-3, 1.0], max_iter=20, random_state=0)
    weighted = Estimator(**params, cv=splits(fold)).fit(X, y, sample_weight=weight)
    repeated = Estimator(**params, cv=splits(fold[repeats])).fit(X[repeats], y[repeats])
    method = "predict_proba" if Estimator is MLPClassifierCV else "predict"
    np.testing.assert_allclose(
        getattr(weighted, method)(X), getattr(repeated, method)(X), rtol=1e-5, atol=1e-6
    )


# -- raw tables: missing values and categories -----------------------------------------
def _clinical(n=160, seed=0):
    rng = np.random.RandomState(seed)
    frame = pd.DataFrame(
        {
            "age": rng.normal(60, 10, n),
            "crp": rng.lognormal(1, 1, n),
            "site": pd.Categorical(rng.choice(["Oslo", "Lyon", "Graz"], n)),
            "sex": rng.choice(["F", "M", None], n, p=[0.45, 0.45, 0.1]),
        }
    )
    signal = (frame.age - 60) / 10 + (frame.site == "Lyon") * 1.5
    frame.loc[rng.rand(n) < 0.2, "crp"] = np.nan
    return frame, (signal + 0.3 * rng.normal(size=n) > 0.5).astype(int)


@pytest.mark.parametrize("Estimator", [MLPClassifierCV, MLPRegressorCV])
def test_a_raw_table_with_missing_values_and_categories_fits_and_predicts(Estimator):
    """NaN and category / text columns need no preprocessing code; a
    category unseen in training and NaN where training had none predict."""
    frame, y = _clinical()
    y = y if Estimator is MLPClassifierCV else y + 0.1 * np.arange(len(y)) / len(y)
    model = Estimator(alphas=[1e-3, 1.0], cv=3, random_state=0).fit(frame, y)
    assert list(model.feature_names_in_) == ["age", "crp", "site", "sex"]
    names = model.encoder_.get_feature_names_out().tolist()
    assert names == [
        "age",
        "crp",
        "crp_missing",
        "site_Graz",
        "site_Lyon",
        "site_Oslo",
        "sex_F",
        "sex_M",
        "sex_missing",
    ]
    new = pd.DataFrame(
        {
            "age": [np.nan, 70.0],
            "crp": [np.nan, 2.0],
            "site": pd.Categorical(["Wien", "Lyon"]),
            "sex": ["M", "X"],
        }
    )
    encoded = model.encoder_.transform(new)
    np.testing.assert_array_equal(encoded[0, 3:6], 0)  # an unseen site: all zeros
    np.testing.assert_array_equal(encoded[1, 6:], 0)  # an unseen sex
    assert encoded[0, 0] == pytest.approx(np.median(frame.age)) and encoded[0, 2] == 1
    predicted = model.predict(new)
    assert predicted.shape == (2,) and np.all(np.isfinite(predicted.astype(float)))
    if Estimator is MLPClassifierCV:
        assert model.score(frame, y) > 0.7


def test_a_raw_table_scores_like_the_hand_built_pipeline():
    """The same encoding by hand (median imputation with indicators, one-hot)
    in front of the estimator gives the same model."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    frame, y = _clinical()
    frame["sex"] = frame.sex.fillna("missing")  # a category in both encodings
    params = dict(alphas=[1e-3, 1.0], cv=3, random_state=0)
    raw = MLPClassifierCV(**params).fit(frame, y)
    by_hand = make_pipeline(
        ColumnTransformer(
            [
                (
                    "numbers",
                    SimpleImputer(strategy="median", add_indicator=True),
                    ["age", "crp"],
                ),
                ("categories", OneHotEncoder(handle_unknown="ignore"), ["site", "sex"]),
            ],
            sparse_threshold=0,
        ),
        MLPClassifierCV(**params),
    ).fit(frame, y)
    np.testing.assert_allclose(
        raw.predict_proba(frame), by_hand.predict_proba(frame), rtol=1e-6, atol=1e-9
    )
