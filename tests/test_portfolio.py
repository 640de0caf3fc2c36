"""The CV estimators' portfolio and ensemble selection (skmlp/_tuned/portfolio.py,
skmlp/_tuned/base.py): candidates of several configurations in one pass, each
equal to its separate search; the final model of a selection."""

import pickle

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression

from skmlp import MLPClassifier, MLPClassifierCV, MLPRegressorCV
from skmlp._estimators.base import BaseMLP
from skmlp._estimators.ensemble import member_seeds

#: the defaults before portfolios, which the tests change one at a time
FAST = dict(
    alphas=[1e-3, 1.0],
    cv=3,
    max_iter=30,
    random_state=0,
    halving=False,
    portfolio=None,
    selection="best",
)


def _cv(Estimator, **params):
    """``Estimator`` at :data:`FAST` with ``params`` changed."""
    return Estimator(**{**FAST, **params})


#: two architectures and a dropout sharing the first's architecture (one axis)
PORTFOLIO = [
    {},
    {"hidden_layer_sizes": (8,), "alphas": [0.1]},
    {"dropout": 0.2, "learning_rate_init": 0.01},
]


@pytest.fixture
def classification():
    return make_classification(
        n_samples=90, n_features=6, n_informative=4, weights=[0.7], random_state=0
    )


@pytest.fixture
def regression():
    return make_regression(n_samples=80, n_features=5, noise=5.0, random_state=0)


def _split_scores(model):
    return np.column_stack(
        [model.cv_results_[f"split{i}_test_score"] for i in range(model.n_splits_)]
    )


# -- no portfolio is today's search ---------------------------------------------------
@pytest.mark.parametrize("Estimator", [MLPClassifierCV, MLPRegressorCV])
def test_one_empty_configuration_is_no_portfolio(Estimator, classification):
    X, y = classification
    plain = _cv(Estimator, halving=True).fit(X, y)
    one = _cv(Estimator, halving=True, portfolio=[{}]).fit(X, y)
    np.testing.assert_array_equal(_split_scores(plain), _split_scores(one))
    np.testing.assert_array_equal(plain.predict(X), one.predict(X))
    assert plain.best_params_ == one.best_params_ == {"alpha": plain.alpha_}
    np.testing.assert_array_equal(
        plain.ensemble_weights_, [1.0 * (i == plain.best_index_) for i in range(2)]
    )
    assert "_member_weights" not in vars(plain.estimator_)


# -- the central test: each candidate is its separate search -------------------------
@pytest.mark.parametrize("portfolio", ["listed", "best"])
@pytest.mark.parametrize("Estimator", [MLPClassifierCV, MLPRegressorCV])
def test_each_configuration_equals_its_separate_search(
    Estimator, portfolio, classification, regression
):
    """Every configuration's candidates, scored fold by fold, are those of
    the search it would run alone: :data:`PORTFOLIO`'s (two architectures,
    a dropout sharing the first's axis), and the ``"best"`` preset's (the
    network, periodic and piecewise embeddings, the solved linear model)."""
    from skmlp._tuned.portfolio import preset

    X, y = classification if Estimator is MLPClassifierCV else regression
    listed = PORTFOLIO
    if portfolio == "best":
        listed = preset("best", Estimator(), X.shape[1])
    model = _cv(Estimator, portfolio=listed, ensemble_size=2).fit(X, y)
    if portfolio == "best":  # the name is its list
        named = _cv(Estimator, portfolio="best", ensemble_size=2).fit(X, y)
        np.testing.assert_array_equal(_split_scores(named), _split_scores(model))
    scores = _split_scores(model)
    row = 0
    for configuration in listed:
        params = dict(configuration)
        alone = _cv(Estimator, **params, ensemble_size=2).fit(X, y)
        n = len(alone.alphas_)
        np.testing.assert_allclose(scores[row : row + n], _split_scores(alone), rtol=1e-6)
        for i, params_i in enumerate(model.cv_results_["params"][row : row + n]):
            expected = {k: v for k, v in configuration.items() if k != "alphas"}
            assert params_i == {**expected, "alpha": alone.alphas_[i]}
        row += n
    assert row == len(model.cv_results_["params"])


def test_the_best_candidates_networks_are_separate_fits(classification):
    """The chosen candidate (of a configuration sharing an axis with another)
    is trained network by network as a plain MLPClassifier would be."""
    X, y = classification
    portfolio = [{"dropout": 0.3}, {"learning_rate_init": 0.05}]
    model = _cv(MLPClassifierCV, portfolio=portfolio).fit(X, y)
    Xs = model.scaler_.transform(X).astype(np.float32)
    seeds = member_seeds(0, 3).reshape(3, 1)
    params = {**model._network_params(), **model.best_params_}
    for fold, (train, test) in enumerate(model._inner_splits(X, y, None)):
        alone = MLPClassifier(**params, random_state=int(seeds[fold, 0])).fit(
            Xs[train], y[train], X_val=Xs[test], y_val=y[test]
        )
        member = model.estimator_.estimators_[fold]
        assert member.n_iter_ == alone.n_iter_
        for a, b in zip(member.coefs_, alone.coefs_):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_halving_prunes_across_the_portfolio(classification):
    X, y = classification
    model = _cv(MLPClassifierCV, halving=True, portfolio=PORTFOLIO).fit(X, y)
    pruned = model.cv_results_["pruned_at_epoch"]
    assert len(pruned) == 5
    configurations = [
        p.get("hidden_layer_sizes", p.get("dropout", "default"))
        for p in model.cv_results_["params"]
    ]
    # candidates left the search early, and every configuration's best went
    # on to the end (tests/test_tuned.py: the rule itself)
    assert {c for c, epoch in zip(configurations, pruned) if epoch > 0}
    assert {c for c, epoch in zip(configurations, pruned) if epoch == 0} == {
        "default",
        (8,),
        0.2,
    }


# -- checks ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "portfolio, message",
    [
        ({"dropout": 0.1}, "The 'portfolio' parameter of MLPClassifierCV must be"),
        ([], "at least one configuration"),
        ([{}, 3], r"portfolio\[1\] must be a dict"),
        (
            [{"solver": "sgd"}],
            r"portfolio\[0\] sets 'solver'.*CV estimators set it to 'adam'",
        ),
        ([{"ensemble_size": 3}], "networks per fold"),
        ([{"random_state": 3}], "share their seeds"),
        ([{"colour": 3}], "not a parameter of the networks"),
        ([{}, {"dropout": 2.0}], r"portfolio\[1\]: The 'dropout' parameter"),
        # as the CV estimator checks its own: narrowed, and widened (None)
        (
            [{}, {"learning_rate": "adaptive"}],
            r"portfolio\[1\]: The 'learning_rate' parameter of MLPClassifierCV",
        ),
        ([{"n_iter_no_change": 0}], r"'n_iter_no_change' parameter of \w+CV.*or None"),
        ([{"alphas": [-1]}], r"portfolio\[0\]\['alphas'\] must be"),
        ([{}, {"class_weight": "balanced"}], "differ in class_weight.*give a scoring"),
    ],
)
def test_a_bad_portfolio_is_named(portfolio, message, classification):
    X, y = classification
    with pytest.raises(ValueError, match=message):
        _cv(MLPClassifierCV, portfolio=portfolio).fit(X, y)


def test_configurations_that_change_the_loss_are_compared_by_a_common_scoring(
    classification,
):
    X, y = classification
    model = _cv(
        MLPClassifierCV,
        portfolio=[{}, {"class_weight": "balanced"}],
        scoring="balanced_accuracy",
    ).fit(X, y)
    assert [p.get("class_weight") for p in model.cv_results_["params"]] == [
        None,
        None,
        "balanced",
        "balanced",
    ]


def test_a_regressor_keeps_one_target_scaling(regression):
    X, y = regression
    y = np.abs(y)
    with pytest.raises(ValueError, match="to or from 'poisson'"):
        _cv(MLPRegressorCV, portfolio=[{}, {"loss": "poisson"}], scoring="r2").fit(X, y)


# -- ensemble selection ---------------------------------------------------------------
def test_a_selection_holds_shares_of_its_rounds(classification):
    X, y = classification
    model = _cv(MLPClassifierCV, portfolio=PORTFOLIO, selection="ensemble").fit(X, y)
    weights = model.ensemble_weights_
    assert weights.sum() == pytest.approx(1.0) and (weights >= 0).all()
    assert np.allclose(weights * 25, np.round(weights * 25))  # shares of 25 rounds
    assert weights[model.best_index_] > 0  # the first round takes the best candidate


def test_the_selection_predicts_the_weighted_mean_of_its_candidates(
    monkeypatch, classification
):
    X, y = classification
    _forced_selection(monkeypatch, [5, 0, 12, 0, 8])
    model = _cv(MLPClassifierCV, portfolio=PORTFOLIO, selection="ensemble").fit(X, y)
    weights = model.ensemble_weights_
    np.testing.assert_allclose(weights, [0.2, 0, 0.48, 0, 0.32])
    Xs = model.scaler_.transform(X)
    members = model.estimator_.estimators_
    chosen = np.flatnonzero(weights)
    assert len(members) == 3 * len(chosen)  # each chosen candidate's fold networks
    expected = sum(
        weights[c]
        * np.mean([m.predict_proba(Xs) for m in members[3 * i : 3 * i + 3]], axis=0)
        for i, c in enumerate(chosen)
    )
    np.testing.assert_allclose(model.predict_proba(X), expected, rtol=1e-10)
    np.testing.assert_allclose(
        np.exp(model.predict_log_proba(X)), model.predict_proba(X), rtol=1e-8
    )
    np.testing.assert_array_equal(
        model.predict(X), model.classes_[model.predict_proba(X).argmax(axis=1)]
    )


def test_selection_reads_only_out_of_fold_predictions(monkeypatch):
    """Every row is its own feature (a one-hot of the row), so a network can
    only memorise the rows it trained on; ensemble selection must predict
    each fold's held-out rows with networks that never saw them. A leak
    would be a row predicted by a network of its own training rows."""
    n = 36
    X = np.eye(n)
    y = np.random.default_rng(0).integers(0, 2, n)
    trained_on = {}
    original_plan, original_copy = BaseMLP._plan_networks, BaseMLP._fitted_copy

    def plan_spy(self, args, alphas, seeds):
        plans, taught = original_plan(self, args, alphas, seeds)
        trained_on[id(taught)] = {int(np.argmax(row)) for row in np.asarray(args["X"])}
        return plans, taught

    def copy_spy(self, result, taught, **params):
        copy_ = original_copy(self, result, taught, **params)
        copy_._planned_by = id(taught)  # one preparation per fold's rows
        return copy_

    predicted = []

    def mixable_spy(self, network, X_rows):
        rows = {int(np.argmax(row)) for row in np.asarray(X_rows)}
        predicted.append((network._planned_by, rows))
        return network.predict_proba(X_rows)

    monkeypatch.setattr(BaseMLP, "_plan_networks", plan_spy)
    monkeypatch.setattr(BaseMLP, "_fitted_copy", copy_spy)
    monkeypatch.setattr(MLPClassifierCV, "_mixable", mixable_spy)
    _cv(
        MLPClassifierCV,
        alphas=[0.0, 1e-3],
        portfolio=[{}, {"hidden_layer_sizes": (64,), "learning_rate_init": 0.05}],
        selection="ensemble",
        scaling=None,
    ).fit(X, y)
    assert len(predicted) == 4 * 3  # every candidate's network of every fold
    for planner, rows in predicted:
        assert rows and not rows & trained_on[planner]
    # and every row is predicted by each candidate once
    covered = [r for _, rows in predicted for r in rows]
    assert sorted(covered) == sorted(list(range(n)) * 4)


@pytest.mark.parametrize("portfolio", ["listed", "best"])
@pytest.mark.parametrize("refit", [False, True])
def test_a_selection_of_two_architectures_saves_and_loads(
    refit, portfolio, regression, tmp_path
):
    """Pickle and skops (trusting skmlp's types only) round trips of a
    selection among a listed portfolio and among the "best" preset's
    networks (with their feature embeddings) and linear models."""
    from skmlp import persistence

    X, y = regression
    listed = PORTFOLIO if portfolio == "listed" else "best"
    if portfolio == "best":  # a curved target: the embedded networks are selected
        y = np.sin(2 * X[:, 0]) + X[:, 1] ** 2
    model = _cv(
        MLPRegressorCV, portfolio=listed, selection="ensemble", refit=refit, scoring="r2"
    ).fit(X, y)
    if portfolio == "best":
        embedded = ~np.ma.getmaskarray(model.cv_results_["param_feature_embedding"])
        assert model.ensemble_weights_[embedded].sum() > 0.5
    loaded = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert loaded.predict(X).dtype == np.float64
    pytest.importorskip("skops")
    persistence.dump(model, tmp_path / "model.skops")
    loaded = persistence.load(tmp_path / "model.skops")
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def _forced_selection(monkeypatch, counts):
    """Make ensemble selection choose ``counts`` (of 25 rounds)."""
    import skmlp._tuned.base as tuned_base

    monkeypatch.setattr(tuned_base, "greedy_selection", lambda *args: np.array(counts))


def test_a_selection_is_attributed_with_its_weights(monkeypatch, regression):
    """Integrated gradients of a weighted selection add up to its own
    prediction's change: the weights reach the attributions."""
    from skmlp.inspection import feature_attributions

    X, y = regression
    _forced_selection(monkeypatch, [15, 0, 0, 0, 10])
    model = _cv(
        MLPRegressorCV, portfolio=PORTFOLIO, selection="ensemble", activation="tanh"
    ).fit(X, y)
    np.testing.assert_allclose(model.ensemble_weights_, [0.6, 0, 0, 0, 0.4])
    baseline = np.median(X, axis=0)
    A = feature_attributions(model, X[:5], baseline=baseline, n_steps=32)
    change = model.predict(X[:5]) - model.predict(baseline[None])[0]
    np.testing.assert_allclose(A.sum(axis=1), change, rtol=1e-5, atol=1e-6)


# -- a linear configuration is solved to its optimum ------------------------------------
def test_a_linear_regression_candidate_is_ridge(regression):
    """No hidden layer: each fold's network is ridge regression at its alpha
    (the penalty alpha / (2 n) ||W||^2 on the mean squared error / 2 is
    ridge's alpha ||W||^2 on the sum), and it is scored once, there."""
    from sklearn.linear_model import Ridge

    X, y = regression
    model = _cv(MLPRegressorCV, hidden_layer_sizes=()).fit(X, y)
    Xs = model.scaler_.transform(X)
    t = (y - model._y_center) / model._y_scale
    for fold, (train, test) in enumerate(model._inner_splits(X, y, None)):
        ridge = Ridge(alpha=model.alpha_).fit(Xs[train], t[train])
        member = model.estimator_.estimators_[fold]
        np.testing.assert_allclose(
            member.coefs_[0].ravel(), ridge.coef_, rtol=1e-4, atol=1e-6
        )
        held_out = ((ridge.predict(Xs[test]) - t[test]) ** 2).mean() / 2
        score = model.cv_results_[f"split{fold}_test_score"][model.best_index_]
        assert score == pytest.approx(-held_out, rel=1e-4)


def test_every_alpha_of_a_linear_configuration_is_its_own_optimum(regression):
    """Each alpha of a linear configuration ends at ridge's solution for it,
    fold by fold (its held-out score is ridge's)."""
    from sklearn.linear_model import Ridge

    X, y = regression
    alphas = [1e-3, 1.0, 30.0, 1e3]
    model = _cv(MLPRegressorCV, portfolio=[{"hidden_layer_sizes": (), "alphas": alphas}])
    model.fit(X, y)
    Xs = model.scaler_.transform(X)
    t = (y - model._y_center) / model._y_scale
    for fold, (train, test) in enumerate(model._inner_splits(X, y, None)):
        for i, alpha in enumerate(alphas):
            ridge = Ridge(alpha=alpha).fit(Xs[train], t[train])
            held_out = ((ridge.predict(Xs[test]) - t[test]) ** 2).mean() / 2
            score = model.cv_results_[f"split{fold}_test_score"][i]
            assert score == pytest.approx(-held_out, rel=1e-4)


def test_a_linear_classification_candidate_is_l2_logistic_regression(classification):
    from sklearn.linear_model import LogisticRegression

    X, y = classification
    model = _cv(
        MLPClassifierCV, portfolio=[{"hidden_layer_sizes": ()}], ensemble_size=3
    ).fit(X, y)
    Xs = model.scaler_.transform(X)
    members = model.estimator_.estimators_
    assert len(members) == 3 * 3  # one solution per fold stands for each seed
    for fold, (train, _) in enumerate(model._inner_splits(X, y, None)):
        reference = LogisticRegression(C=1 / model.alpha_, tol=1e-10, max_iter=10_000)
        reference.fit(Xs[train], y[train])
        for member in members[3 * fold : 3 * fold + 3]:
            assert member.solver == "lbfgs" and not member.early_stopping
            # to L-BFGS's stopping rule (scipy's relative loss reduction)
            np.testing.assert_allclose(
                member.coefs_[0].ravel(), reference.coef_.ravel(), rtol=2e-3, atol=2e-4
            )


def test_linear_candidates_are_never_pruned_and_ensemble_with_networks(classification):
    X, y = classification
    model = _cv(
        MLPClassifierCV,
        halving=True,
        alphas=[1e-3, 1e-2, 0.1, 1.0],
        portfolio=[{}, {"hidden_layer_sizes": ()}],
        selection="ensemble",
        refit=True,
    ).fit(X, y)
    linear = [p.get("hidden_layer_sizes") == () for p in model.cv_results_["params"]]
    pruned = model.cv_results_["pruned_at_epoch"]
    assert (pruned[np.array(linear)] == 0).all() and (pruned[~np.array(linear)] > 0).any()
    assert model.predict_proba(X).shape == (len(X), 2)


def test_a_linear_configuration_beside_shared_weight_networks(monkeypatch, classification):
    """A linear model has no hidden layer to share: beside shared-weight
    networks of 3 heads it is one network per fold, and the selection
    weighs each member by its candidate's share, whatever its heads."""
    X, y = classification
    _forced_selection(monkeypatch, [10, 0, 15, 0])
    model = _cv(
        MLPClassifierCV,
        portfolio=[{}, {"hidden_layer_sizes": ()}],
        ensemble_size=3,
        ensemble_kind="shared",
        selection="ensemble",
    ).fit(X, y)
    Xs = model.scaler_.transform(X)
    members = model.estimator_.estimators_
    chosen = np.flatnonzero(model.ensemble_weights_)
    expected = sum(
        model.ensemble_weights_[c]
        * np.mean([m.predict_proba(Xs) for m in members[3 * i : 3 * i + 3]], axis=0)
        for i, c in enumerate(chosen)
    )
    np.testing.assert_allclose(model.predict_proba(X), expected, rtol=1e-10)
    assert [m._network.heads for m in members] == [3] * 3 + [1] * 3


def test_a_preset_is_its_list(classification):
    from skmlp._tuned.portfolio import preset

    X, y = classification
    named = _cv(MLPClassifierCV, portfolio="fast", selection="ensemble").fit(X, y)
    listed = _cv(
        MLPClassifierCV,
        portfolio=preset("fast", MLPClassifierCV(), 6),
        selection="ensemble",
    ).fit(X, y)
    np.testing.assert_array_equal(named.predict_proba(X), listed.predict_proba(X))
    assert named.cv_results_["params"] == listed.cv_results_["params"]
    with pytest.raises(ValueError, match="The 'portfolio' parameter"):
        _cv(MLPClassifierCV, portfolio="fastest").fit(X, y)


def test_best_adds_feature_embeddings_on_narrow_tables():
    from skmlp._tuned.portfolio import EMBEDDING_MAX_FEATURES, preset

    fast = preset("fast", MLPRegressorCV(), 6)
    best = preset("best", MLPRegressorCV(), 6)
    assert [c for c in best if c not in fast] == [
        {"feature_embedding": "periodic"},
        {"feature_embedding": "piecewise", "embedding_size": 16},
    ]
    assert best[0] == {} and best[-1] == fast[-1]  # the network, the linear model
    wide = EMBEDDING_MAX_FEATURES + 1
    assert preset("best", MLPRegressorCV(), wide) == preset("fast", MLPRegressorCV(), wide)
    balanced = preset("best", MLPClassifierCV(scoring="roc_auc"), 6)
    assert balanced == best + [{**c, "class_weight": "balanced"} for c in best]


def test_best_counts_the_columns_the_networks_see(classification):
    """Categories one-hot and missing values flagged are columns too: a table
    of 16 columns whose encoding is wider than EMBEDDING_MAX_FEATURES gets
    no embeddings."""
    pd = pytest.importorskip("pandas")
    from skmlp._tuned.portfolio import EMBEDDING_MAX_FEATURES, LINEAR_ALPHAS

    X, y = classification
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
    model = _cv(MLPClassifierCV, portfolio="best", selection="ensemble", max_iter=5)
    embedded = model.fit(frame, y).cv_results_["param_feature_embedding"]
    assert {"periodic", "piecewise"} <= set(embedded.compressed())
    for k in range(10):
        frame[f"code{k}"] = [f"c{(i * (k + 1)) % 30}" for i in range(len(frame))]
    plain = model.fit(frame, y).cv_results_
    assert model.encoder_.transform(frame).shape[1] > EMBEDDING_MAX_FEATURES
    assert "param_feature_embedding" not in plain
    assert len(plain["params"]) == len(FAST["alphas"]) + len(LINEAR_ALPHAS)


@pytest.mark.parametrize(
    "params, balanced",
    [
        (dict(scoring="balanced_accuracy"), True),
        (dict(scoring="roc_auc"), True),
        (dict(scoring=None), False),
        (dict(scoring="accuracy"), False),
        (dict(scoring="neg_log_loss"), False),
        (dict(scoring="balanced_accuracy", class_weight={0: 1, 1: 3}), False),
    ],
)
def test_a_preset_tries_balanced_class_weights_where_the_scoring_rewards_them(
    params, balanced
):
    from skmlp._tuned.portfolio import preset

    configurations = preset("fast", MLPClassifierCV(**params), 6)
    weighted = [c for c in configurations if c.get("class_weight") == "balanced"]
    assert len(weighted) == (2 if balanced else 0)
    if balanced:  # each configuration also balanced
        assert [{**c, "class_weight": "balanced"} for c in configurations[:2]] == weighted
    regressor = preset("fast", MLPRegressorCV(scoring="r2"), 6)
    assert all("class_weight" not in c for c in regressor)


def test_balanced_twins_are_searched_and_selected_by_the_scoring(classification):
    X, y = classification
    keep = np.r_[np.flatnonzero(y == 0), np.flatnonzero(y == 1)[:12]]  # imbalanced
    model = _cv(
        MLPClassifierCV, portfolio="fast", selection="ensemble", scoring="balanced_accuracy"
    ).fit(X[keep], y[keep])
    weights = model.cv_results_["param_class_weight"]
    assert "balanced" in list(weights) and np.ma.is_masked(weights[0])
    assert len(model.ensemble_weights_) == len(model.cv_results_["params"])


def test_a_linear_solve_stopped_short_is_reported_once(monkeypatch, classification):
    """Every fold's solve stops at its iteration limit (3 here; 1000
    stops nearly separable classes at a small penalty). One
    ConvergenceWarning names the candidate and the folds (not one a fold,
    nor the networks' max_iter)."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    from skmlp._tuned import base

    monkeypatch.setitem(base.LINEAR, "max_iter", 3)
    X, y = classification
    model = _cv(MLPClassifierCV, portfolio=[{"hidden_layer_sizes": (), "alphas": [1e-9]}])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, y)
    messages = [str(w.message) for w in caught if w.category is ConvergenceWarning]
    assert len(messages) == 1, messages
    assert "after 3 iterations" in messages[0]
    assert "alpha=1e-09 on 3 of 3 inner folds" in messages[0]
