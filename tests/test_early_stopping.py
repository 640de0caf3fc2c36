"""Early stopping built for cross-validation: group-aware splits, any scorer,
validation sets of the user's choosing, best-weight restore, routing."""

import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.metrics import make_scorer, matthews_corrcoef
from sklearn.model_selection import GridSearchCV, GroupKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skmlp._estimators.planner
from skmlp import MLPClassifier, MLPRegressor, MultiLabelMLP
from skmlp._estimators.early_stopping_split import MIN_VALIDATION_SAMPLES, validation_split


def _parkinsons(shared_data):
    table = pd.read_csv(shared_data / "parkinsons" / "parkinsons_updrs.data", sep="\t")
    X = table.drop(columns=["subject#", "motor_UPDRS", "total_UPDRS"]).to_numpy()
    return X, table["motor_UPDRS"].to_numpy(), table["subject#"].to_numpy()


def test_group_aware_validation_closes_the_leak_on_parkinsons(shared_data):
    """42 patients, many recordings each. A row-wise validation split puts each
    patient on both sides and reports a score the model does not have on new
    patients; holding out whole patients reports an honest one."""
    X, y, groups = _parkinsons(shared_data)
    gaps = {"rows": [], "groups": []}
    for fold, (train, test) in enumerate(GroupKFold(3).split(X, y, groups)):
        scaler = StandardScaler().fit(X[train])
        mu, sd = y[train].mean(), y[train].std()
        X_train, X_test = scaler.transform(X[train]), scaler.transform(X[test])
        y_train, y_test = (y[train] - mu) / sd, (y[test] - mu) / sd
        for kind, g in [("rows", None), ("groups", groups[train])]:
            model = MLPRegressor(
                hidden_layer_sizes=(32,),
                early_stopping=True,
                validation_fraction=0.2,
                max_iter=100,
                random_state=fold,
            )
            model.fit(X_train, y_train, groups=g)
            gaps[kind].append(model.best_validation_score_ - model.score(X_test, y_test))
    assert np.mean(gaps["rows"]) > 1.0  # validation R2 far above new-patient R2
    assert np.mean(gaps["groups"]) < np.mean(gaps["rows"]) / 2


@pytest.mark.parametrize("kind", ["single_label", "regression"])
def test_validation_and_training_groups_are_disjoint_for_every_seed(kind):
    rng = np.random.RandomState(0)
    groups = rng.randint(0, 30, size=600)
    labels = rng.randint(0, 3, size=600)
    Y = np.eye(3)[labels] if kind == "single_label" else rng.normal(size=(600, 1))
    for seed in range(50):
        train, val = validation_split(
            Y, fraction=0.2, rng=np.random.RandomState(seed), kind=kind, groups=groups
        )
        assert not set(groups[train]) & set(groups[val])
        assert len(train) + len(val) == 600 and len(val) >= MIN_VALIDATION_SAMPLES
        if kind == "single_label":  # stratified as far as whole groups allow
            assert set(labels[val]) == {0, 1, 2}


def test_multilabel_split_is_stratified_on_every_label():
    rng = np.random.RandomState(0)
    Y = (rng.rand(500, 6) < [0.02, 0.05, 0.1, 0.3, 0.5, 0.7]).astype(float)
    train, val = validation_split(Y, fraction=0.2, rng=rng, kind="multilabel")
    assert len(val) == pytest.approx(100, abs=2)
    share = Y[val].sum(axis=0) / Y.sum(axis=0)
    np.testing.assert_allclose(share, 0.2, atol=0.04)  # even the 2 % label


def _classification(n=300, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 8))
    return X, (X[:, 0] + 0.5 * rng.normal(size=n) > 0).astype(int)


SCORINGS = [None, "loss", "average_precision", make_scorer(matthews_corrcoef)]


@pytest.mark.parametrize("scoring", SCORINGS, ids=["score", "loss", "ap", "mcc"])
def test_restored_weights_are_those_of_the_best_epoch(scoring):
    X, y = _classification()
    X_val, y_val = _classification(200, seed=1)
    clf = MLPClassifier(
        hidden_layer_sizes=(64,),
        early_stopping=True,
        scoring=scoring,
        learning_rate_init=0.01,
        n_iter_no_change=5,
        max_iter=200,
        random_state=0,
    ).fit(X, y, X_val=X_val, y_val=y_val)
    assert clf.best_epoch_ < clf.n_iter_  # stopped after the best epoch ...
    best = clf.validation_scores_[clf.best_epoch_ - 1]
    assert best == clf.best_validation_score_ == max(clf.validation_scores_)
    # ... and the score recomputed from the restored weights is the best one
    if scoring == "loss":
        recomputed = -clf.validation_loss_curve_[clf.best_epoch_ - 1]
        from sklearn.metrics import log_loss

        # the data loss, without the penalty: what log_loss computes
        assert -log_loss(y_val, clf.predict_proba(X_val)) == pytest.approx(
            recomputed, rel=1e-9
        )
    elif scoring is None:
        recomputed = clf.score(X_val, y_val)
    else:
        from sklearn.metrics import check_scoring

        recomputed = check_scoring(clf, scoring)(clf, X_val, y_val)
    assert recomputed == pytest.approx(best, rel=1e-12)


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_validation_loss_is_the_data_loss_a_user_computes(kind):
    """min(validation_loss_curve_) is log_loss (classifier) or half the mean
    squared error (regressor) of the restored model on the validation set,
    sample-weighted; the alpha penalty is not in it."""
    from sklearn.metrics import log_loss, mean_squared_error

    X, y = _classification()
    X_val, y_val = _classification(200, seed=1)
    sw_val = np.linspace(0.5, 2, len(y_val))
    cls = MLPClassifier if kind == "classifier" else MLPRegressor
    est = cls(
        hidden_layer_sizes=(32,),
        alpha=1.0,
        early_stopping=True,
        scoring="loss",
        n_iter_no_change=5,
        max_iter=100,
        random_state=0,
    ).fit(X, y, X_val=X_val, y_val=y_val, sample_weight_val=sw_val)
    if kind == "classifier":
        expected = log_loss(y_val, est.predict_proba(X_val), sample_weight=sw_val)
    else:
        expected = 0.5 * mean_squared_error(y_val, est.predict(X_val), sample_weight=sw_val)
    assert min(est.validation_loss_curve_) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("kind", ["classifier", "regressor", "multilabel"])
@pytest.mark.parametrize("groups", [False, True])
def test_validation_fraction_zero_with_early_stopping_is_one_clear_error(kind, groups):
    """One value, one behaviour: a ValueError naming it (it used to be a
    ZeroDivisionError with groups, scikit-learn's error without, a warning for
    multilabel targets)."""
    X, y = _classification()
    if kind == "multilabel":
        y = np.column_stack([y, X[:, 1] > 0]).astype(int)
    cls = {"classifier": MLPClassifier, "regressor": MLPRegressor}.get(kind, MultiLabelMLP)
    est = cls(early_stopping=True, validation_fraction=0.0, max_iter=5)
    fit_params = {"groups": np.arange(len(X)) % 10} if groups else {}
    with pytest.raises(ValueError, match=r"validation_fraction=0.0 leaves no rows"):
        est.fit(X, y, **fit_params)
    # without early stopping, or with a validation set of the user's, it is unused
    cls(validation_fraction=0.0, max_iter=5).fit(X, y, **fit_params)
    est.fit(X, y, X_val=X[:20], y_val=y[:20])


def test_a_stratified_split_that_cannot_stratify_says_so():
    X, y = _classification()
    y[0] = 2  # a class of one sample
    with pytest.warns(UserWarning, match="validation split is not stratified"):
        MLPClassifier(early_stopping=True, max_iter=5).fit(X, y)


def test_without_restore_the_last_epoch_is_kept():
    X, y = _classification()
    X_val, y_val = _classification(200, seed=1)
    clf = MLPClassifier(
        hidden_layer_sizes=(64,),
        early_stopping=True,
        restore_best_weights=False,
        learning_rate_init=0.01,
        n_iter_no_change=5,
        random_state=0,
    ).fit(X, y, X_val=X_val, y_val=y_val)
    assert clf.score(X_val, y_val) == pytest.approx(clf.validation_scores_[-1], rel=1e-12)


def test_validation_set_of_the_users_choosing_takes_no_rows_from_X():
    X, y = _classification()
    X_val, y_val = _classification(100, seed=2)
    clf = MLPClassifier(
        early_stopping=True, max_iter=5, n_iter_no_change=50, random_state=0
    ).fit(X, y, X_val=X_val, y_val=y_val)
    assert clf.t_ == 5 * len(X)
    assert len(clf.validation_loss_curve_) == len(clf.validation_scores_) == 5


def test_validation_curves_are_recorded_without_early_stopping():
    X, y = _classification()
    X_val, y_val = _classification(100, seed=2)
    reg = MLPRegressor(max_iter=7, random_state=0).fit(X, y, X_val=X_val, y_val=y_val)
    assert len(reg.validation_loss_curve_) == 7 and reg.best_loss_ is not None
    assert 1 <= reg.best_epoch_ <= 7
    plain = MLPRegressor(max_iter=7, random_state=0).fit(X, y)
    assert plain.validation_scores_ is None and plain.validation_loss_curve_ is None
    np.testing.assert_array_equal(plain.coefs_[0], reg.coefs_[0])  # same training


def test_validation_inputs_are_checked():
    X, y = _classification()
    with pytest.raises(ValueError, match="together; got only X_val"):
        MLPClassifier().fit(X, y, X_val=X)
    with pytest.raises(ValueError, match=r"y_val has classes \[7\]"):
        MLPClassifier(max_iter=1).fit(X, y, X_val=X[:10], y_val=np.full(10, 7))
    with pytest.raises(ValueError, match="X has 3 features"):
        MLPClassifier(max_iter=1).fit(X, y, X_val=X[:, :3], y_val=y)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        MLPClassifier(early_stopping=True).fit(X, y, groups=np.arange(10))


def test_sample_weights_are_split_with_their_rows_and_weight_the_score():
    X, y = _classification()
    X_val, y_val = _classification(100, seed=2)
    sw_val = np.where(y_val == 1, 5.0, 1.0)
    clf = MLPClassifier(early_stopping=True, n_iter_no_change=3, random_state=0)
    clf.fit(X, y, X_val=X_val, y_val=y_val, sample_weight_val=sw_val)
    assert clf.best_validation_score_ == pytest.approx(
        clf.score(X_val, y_val, sample_weight=sw_val), rel=1e-12
    )


def test_too_small_a_validation_set_turns_early_stopping_off_with_a_warning():
    X, y = _classification(40)
    with pytest.warns(UserWarning, match="leaves 4 for validation"):
        clf = MLPClassifier(early_stopping=True, max_iter=5).fit(X, y)
    assert clf.t_ == 5 * 40 and clf.validation_scores_ is None


@pytest.mark.parametrize(
    "make_estimator, make_y",
    [
        (lambda: MLPClassifier(early_stopping=True, max_iter=20), lambda y, X: y),
        (
            lambda: MLPRegressor(early_stopping=True, max_iter=20, scoring="loss"),
            lambda y, X: X[:, 0],
        ),
        (
            lambda: MultiLabelMLP(early_stopping=True, max_iter=20),
            lambda y, X: np.column_stack([y, X[:, 1] > 0]).astype(int),
        ),
    ],
    ids=["classifier", "regressor", "multilabel"],
)
def test_grid_search_group_kfold_routes_groups_to_the_inner_split(
    make_estimator, make_y, monkeypatch
):
    X, y = _classification(400)
    y = make_y(y, X)
    groups = np.repeat(np.arange(40), 10)
    seen = []

    def spy(Y, **kwargs):
        seen.append(kwargs["groups"])
        return validation_split(Y, **kwargs)

    monkeypatch.setattr(skmlp._estimators.planner, "validation_split", spy)
    with sklearn.config_context(enable_metadata_routing=True):
        estimator = make_estimator().set_fit_request(groups=True)
        search = GridSearchCV(
            make_pipeline(StandardScaler(), estimator),
            {f"{type(estimator).__name__.lower()}__alpha": [1e-4, 1e-1]},
            cv=GroupKFold(3),
        )
        search.fit(X, y, groups=groups)
    assert len(seen) == 2 * 3 + 1  # every candidate and fold, plus the refit
    assert all(g is not None and len(g) < len(groups) for g in seen[:-1])
    assert len(seen[-1]) == len(groups)


def test_groups_pass_through_a_pipeline_without_routing():
    X, y = _classification(400)
    groups = np.repeat(np.arange(40), 10)
    pipe = make_pipeline(StandardScaler(), MLPClassifier(early_stopping=True, max_iter=5))
    pipe.fit(X, y, mlpclassifier__groups=groups)
    assert pipe[-1].validation_scores_ is not None


def test_a_network_whose_validation_score_is_undefined_stops_on_its_patience():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 3))
    y = (X[:, 0] > 0).astype(int)
    model = MLPClassifier(
        hidden_layer_sizes=(4,),
        early_stopping=True,
        scoring="roc_auc",
        max_iter=50,
        n_iter_no_change=5,
        random_state=0,
    )
    with pytest.warns(sklearn.exceptions.UndefinedMetricWarning):
        model.fit(X, y, X_val=X[y == 1], y_val=y[y == 1])
    assert model.n_iter_ == 6 and model.best_epoch_ is None
