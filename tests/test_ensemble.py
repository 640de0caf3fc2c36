"""ensemble_size: member j of an ensemble IS a separate fit with seed j.

The central test of the batched estimators: every member of an ensemble
trained on one model axis equals the estimator fitted alone with
``ensemble_size=1`` and ``random_state=member_seeds(random_state, k)[j]``
(same epochs, best epoch, curves and weights, float64 rtol 1e-9), through
early stopping, restore-best, partial_fit and warm_start; the ensemble
predicts the members' average.
"""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression

import skmlp.model_axis.scheduler as scheduler_module
from skmlp import MLPClassifier, MLPRegressor, MultiLabelMLP
from skmlp._estimators.ensemble import member_seeds
from skmlp.inspection import TrainingCurveDisplay, diagnose_training

K = 3


def _data(kind):
    if kind == "regressor":
        X, y = make_regression(n_samples=160, n_features=6, noise=5.0, random_state=0)
        return X / 3, y / 50
    X, y = make_classification(
        n_samples=160, n_features=6, n_informative=4, n_classes=3, random_state=0
    )
    if kind == "multilabel":
        y = np.column_stack([y == 0, y == 1, X[:, 0] > 0]).astype(int)
    return X, y


ESTIMATORS = {
    "classifier": MLPClassifier,
    "regressor": MLPRegressor,
    "multilabel": MultiLabelMLP,
}
PARAMS = dict(hidden_layer_sizes=(10,), max_iter=40, batch_size=32, random_state=7)


def _assert_member_equals(member, single):
    assert member.n_iter_ == single.n_iter_
    assert member.best_epoch_ == single.best_epoch_
    np.testing.assert_allclose(member.loss_curve_, single.loss_curve_, rtol=1e-9)
    for a, b in zip(member.coefs_ + member.intercepts_, single.coefs_ + single.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def _separate_fits(cls, params, X, y, fit=lambda e, X, y: e.fit(X, y)):
    seeds = member_seeds(params["random_state"], K)
    return [fit(cls(**{**params, "random_state": int(s)}), X, y) for s in seeds]


@pytest.mark.parametrize("kind", sorted(ESTIMATORS))
@pytest.mark.parametrize("early_stopping", [False, True])
def test_member_j_equals_a_separate_fit_with_seed_j(kind, early_stopping):
    X, y = _data(kind)
    params = dict(PARAMS, early_stopping=early_stopping, n_iter_no_change=5)
    params.update(validation_fraction=0.2, max_iter=100 if early_stopping else 40)
    ensemble = ESTIMATORS[kind](ensemble_size=K, **params).fit(X, y)
    singles = _separate_fits(ESTIMATORS[kind], params, X, y)
    assert len(ensemble.estimators_) == K
    for member, single in zip(ensemble.estimators_, singles):
        assert member.ensemble_size == 1
        _assert_member_equals(member, single)
    assert ensemble.n_iter_ == max(s.n_iter_ for s in singles)
    assert ensemble.best_epoch_ == [s.best_epoch_ for s in singles]
    for curve, single in zip(ensemble.loss_curve_, singles):
        np.testing.assert_allclose(curve, single.loss_curve_, rtol=1e-9)
    if early_stopping and kind == "classifier":
        assert len({s.n_iter_ for s in singles}) > 1  # members stop on their own


def test_one_axis_several_axes_and_one_by_one_fit_the_same_members(monkeypatch, axis_sizes):
    """Too many parameters for one axis: members train on several (here one
    member each); networks too large to gain from an axis train one member
    after the other. The members are the same."""
    X, y = _data("classifier")
    params = dict(PARAMS, early_stopping=True, n_iter_no_change=3)
    together = MLPClassifier(ensemble_size=K, **params).fit(X, y)
    assert axis_sizes == [K]
    monkeypatch.setattr(scheduler_module, "MAX_AXIS_PARAMETERS", 1)
    chunked = MLPClassifier(ensemble_size=K, **params).fit(X, y)
    monkeypatch.setattr(scheduler_module, "MAX_MEMBER_PARAMETERS", 0)
    apart = MLPClassifier(ensemble_size=K, **params).fit(X, y)
    assert axis_sizes == [K] + [1] * K + [1] * K
    for a, b, c in zip(together.estimators_, chunked.estimators_, apart.estimators_):
        _assert_member_equals(a, b)
        _assert_member_equals(a, c)


def test_an_ensemble_predicts_the_members_average():
    X, y = _data("classifier")
    ensemble = MLPClassifier(ensemble_size=K, **PARAMS).fit(X, y)
    probas = np.array([m.predict_proba(X) for m in ensemble.estimators_])
    np.testing.assert_allclose(ensemble.predict_proba(X), probas.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(
        ensemble.predict_log_proba(X), np.log(probas.mean(axis=0)), rtol=1e-9
    )
    np.testing.assert_array_equal(
        ensemble.predict(X), ensemble.classes_[probas.mean(axis=0).argmax(axis=1)]
    )
    X, y = _data("regressor")
    regressor = MLPRegressor(ensemble_size=K, **PARAMS).fit(X, y)
    outputs = np.mean([m.predict(X) for m in regressor.estimators_], axis=0)
    np.testing.assert_allclose(regressor.predict(X), outputs, rtol=1e-12)
    X, y = _data("multilabel")
    multilabel = MultiLabelMLP(ensemble_size=K, **PARAMS).fit(X, y)
    probas = np.mean([m.predict_proba(X) for m in multilabel.estimators_], axis=0)
    np.testing.assert_allclose(multilabel.predict_proba(X), probas, rtol=1e-12)
    np.testing.assert_array_equal(multilabel.predict(X), (probas >= 0.5).astype(int))


def test_the_average_of_members_beats_a_typical_member():
    """Averaging members lowers the held-out log-loss below the members'
    mean (Jensen: it cannot be higher for the log-loss of averaged probabilities)."""
    from sklearn.metrics import log_loss

    X, y = _data("classifier")
    ensemble = MLPClassifier(ensemble_size=4, **dict(PARAMS, max_iter=80)).fit(
        X[:100], y[:100]
    )
    members = [log_loss(y[100:], m.predict_proba(X[100:])) for m in ensemble.estimators_]
    assert log_loss(y[100:], ensemble.predict_proba(X[100:])) < np.mean(members)


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_partial_fit_continues_each_member(solver):
    X, y = _data("classifier")
    params = dict(PARAMS, solver=solver)
    ensemble = MLPClassifier(ensemble_size=K, **params)
    classes = np.unique(y)
    for _ in range(3):
        ensemble.partial_fit(X, y, classes=classes)

    def three_epochs(estimator, X, y):
        for _ in range(3):
            estimator.partial_fit(X, y, classes=classes)
        return estimator

    for member, single in zip(
        ensemble.estimators_, _separate_fits(MLPClassifier, params, X, y, three_epochs)
    ):
        _assert_member_equals(member, single)
    assert ensemble.n_iter_ == 1 and ensemble.t_ == 3 * len(y)


def test_warm_start_continues_each_member():
    X, y = _data("regressor")
    params = dict(PARAMS, warm_start=True, max_iter=10)
    ensemble = MLPRegressor(ensemble_size=K, **params).fit(X, y)
    first = [m.coefs_[0].copy() for m in ensemble.estimators_]
    ensemble.fit(X, y)

    def twice(estimator, X, y):
        return estimator.fit(X, y).fit(X, y)

    for j, (member, single) in enumerate(
        zip(ensemble.estimators_, _separate_fits(MLPRegressor, params, X, y, twice))
    ):
        _assert_member_equals(member, single)
        assert not np.allclose(member.coefs_[0], first[j])


def test_reruns_are_bit_identical_and_seeds_differ():
    X, y = _data("classifier")
    a = MLPClassifier(ensemble_size=K, **PARAMS).fit(X, y)
    b = MLPClassifier(ensemble_size=K, **PARAMS).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    first_layers = a.coefs_[0]
    assert first_layers.shape == (K, X.shape[1], 10)
    assert not np.allclose(first_layers[0], first_layers[1])


def test_stacked_weights_are_read_only_and_importances_the_mean():
    X, y = _data("classifier")
    ensemble = MLPClassifier(ensemble_size=K, **PARAMS).fit(X, y)
    with pytest.raises(ValueError, match="read-only"):
        ensemble.coefs_[0][0, 0, 0] = 1.0
    with pytest.raises(AttributeError, match="estimators_"):
        ensemble.coefs_ = ensemble.estimators_[0].coefs_
    np.testing.assert_allclose(
        ensemble.feature_importances_,
        np.mean([m.feature_importances_ for m in ensemble.estimators_], axis=0),
    )


def test_an_ensemble_refitted_as_one_model_forgets_its_members():
    X, y = _data("classifier")
    estimator = MLPClassifier(ensemble_size=K, **PARAMS).fit(X, y)
    estimator.set_params(ensemble_size=1).fit(X, y)
    assert not hasattr(estimator, "estimators_")
    np.testing.assert_allclose(
        estimator.predict_proba(X), clone(estimator).fit(X, y).predict_proba(X)
    )


def test_lbfgs_members_are_fitted_one_after_the_other():
    X, y = _data("regressor")
    params = dict(PARAMS, solver="lbfgs")
    ensemble = MLPRegressor(ensemble_size=K, **params).fit(X, y)
    for member, single in zip(
        ensemble.estimators_, _separate_fits(MLPRegressor, params, X, y)
    ):
        _assert_member_equals(member, single)


def test_pickle_and_skops_round_trips(tmp_path):
    from skmlp import persistence

    X, y = _data("multilabel")
    ensemble = MultiLabelMLP(ensemble_size=K, **PARAMS).fit(X, y)
    again = pickle.loads(pickle.dumps(ensemble))
    np.testing.assert_array_equal(again.predict_proba(X), ensemble.predict_proba(X))
    path = tmp_path / "ensemble.skops"
    persistence.dump(ensemble, path)
    loaded = persistence.load(path)  # trusts skmlp's own types only
    np.testing.assert_array_equal(loaded.predict_proba(X), ensemble.predict_proba(X))


def test_inspection_reads_the_members_and_their_band():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    X, y = _data("classifier")
    params = dict(PARAMS, early_stopping=True, n_iter_no_change=3)
    ensemble = MLPClassifier(ensemble_size=K, **params).fit(X, y)
    shortest = min(len(m.history_["train_loss"]) for m in ensemble.estimators_)
    diagnosis = diagnose_training(ensemble)
    assert (
        diagnosis.evidence["n_epochs"] == shortest or "n_epochs" not in diagnosis.evidence
    )
    diagnose_training(ensemble.estimators_[0])  # each member on its own
    display = TrainingCurveDisplay.from_estimator(ensemble)
    assert display.train_std is not None and len(display.train_loss) == shortest


def test_members_that_stopped_leave_the_axis(monkeypatch):
    """Once members stop, the rest train on an axis of their own: a stopped
    member costs nothing more, and every member still equals its separate fit."""
    from skmlp.training.trainer import Trainer

    sizes = []
    original = Trainer._compact

    def spy(self):
        before = self.network.n_members
        original(self)
        sizes.append((before, self.network.n_members))

    monkeypatch.setattr(Trainer, "_compact", spy)
    X, y = _data("classifier")
    params = dict(PARAMS, early_stopping=True, n_iter_no_change=5)
    params.update(validation_fraction=0.2, max_iter=100)
    ensemble = MLPClassifier(ensemble_size=K, **params).fit(X, y)
    assert sizes and all(after < before for before, after in sizes)
    for member, single in zip(
        ensemble.estimators_, _separate_fits(MLPClassifier, params, X, y)
    ):
        _assert_member_equals(member, single)
        np.testing.assert_array_equal(member._optimizer.t, single._optimizer.t)


@pytest.mark.parametrize("batch_norm", [False, True])  # one axis / one by one
def test_regressor_partial_fit_continues_each_member(batch_norm):
    X, y = _data("regressor")
    params = dict(PARAMS, batch_norm=batch_norm)
    ensemble = MLPRegressor(ensemble_size=K, **params)
    for _ in range(2):
        ensemble.partial_fit(X, y)

    def two_epochs(estimator, X, y):
        return estimator.partial_fit(X, y).partial_fit(X, y)

    for member, single in zip(
        ensemble.estimators_, _separate_fits(MLPRegressor, params, X, y, two_epochs)
    ):
        _assert_member_equals(member, single)


def test_verbose_lines_name_the_member(capsys):
    X, y = _data("classifier")
    MLPClassifier(ensemble_size=2, verbose=True, **dict(PARAMS, max_iter=2)).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[:4] for line in lines] == [
        ["member", str(j), "epoch", str(e)] for e in (1, 2) for j in (0, 1)
    ]


def test_members_trained_alone_continue_as_separate_fits(monkeypatch):
    """Members that each train on an axis of their own, with warm_start on,
    equal separate fits (each starts from its own initial network)."""
    monkeypatch.setattr(scheduler_module, "MAX_MEMBER_PARAMETERS", 0)
    X, y = _data("classifier")
    params = dict(PARAMS, early_stopping=True, n_iter_no_change=3, warm_start=True)
    ensemble = MLPClassifier(ensemble_size=K, **params).fit(X, y)
    for member, single in zip(
        ensemble.estimators_, _separate_fits(MLPClassifier, params, X, y)
    ):
        _assert_member_equals(member, single)


@pytest.mark.parametrize("kind", sorted(ESTIMATORS))
def test_unpenalised_members_equal_separate_fits(kind):
    """alpha=0: no member has a penalty (each member's penalty is then 0, one
    per member, not one number for the axis)."""
    X, y = _data(kind)
    params = dict(PARAMS, alpha=0.0, max_iter=10)
    ensemble = ESTIMATORS[kind](ensemble_size=K, **params).fit(X, y)
    singles = _separate_fits(ESTIMATORS[kind], params, X, y)
    for member, single in zip(ensemble.estimators_, singles):
        _assert_member_equals(member, single)
        assert member.history_["penalty"] == [0.0] * 10


# -- continued training with new parameters: each member as if continued alone -------
def _continued(cls, params, X, y, change, how="fit"):
    """Separate fits that train, take ``change`` and continue (``how``)."""

    def train(estimator, X, y):
        estimator.fit(X, y).set_params(**change)
        if how == "fit":
            return estimator.fit(X, y)
        return estimator.partial_fit(X, y)

    return _separate_fits(cls, params, X, y, train)


@pytest.mark.parametrize(
    "change", [dict(max_iter=10), dict(alpha=0.5), dict(learning_rate_init=0.02, tol=0.0)]
)
def test_warm_start_continues_each_member_with_the_new_parameters(change):
    X, y = _data("regressor")
    params = dict(PARAMS, warm_start=True, max_iter=3)
    ensemble = MLPRegressor(ensemble_size=K, **params).fit(X, y)
    ensemble.set_params(**change).fit(X, y)
    singles = _continued(MLPRegressor, params, X, y, change)
    for member, single in zip(ensemble.estimators_, singles):
        _assert_member_equals(member, single)
        assert {name: getattr(member, name) for name in change} == change
    assert ensemble.n_iter_ == max(s.n_iter_ for s in singles)


def test_partial_fit_continues_each_member_with_the_new_parameters():
    """As a single model (and scikit-learn's) does, partial_fit keeps the
    optimizer, and with it its learning rate; a new alpha counts at once."""
    X, y = _data("classifier")
    change = dict(learning_rate_init=0.05, alpha=0.5)
    ensemble = MLPClassifier(ensemble_size=K, **dict(PARAMS, max_iter=3)).fit(X, y)
    ensemble.set_params(**change).partial_fit(X, y)
    singles = _continued(MLPClassifier, dict(PARAMS, max_iter=3), X, y, change, "partial")
    for member, single in zip(ensemble.estimators_, singles):
        _assert_member_equals(member, single)
        assert member.alpha == 0.5
        assert member._optimizer.learning_rate == single._optimizer.learning_rate


def test_continued_members_refuse_what_a_single_model_refuses():
    X, y = _data("classifier")
    params = dict(PARAMS, warm_start=True, max_iter=3)
    ensemble = MLPClassifier(ensemble_size=K, **params).fit(X, y)
    single = MLPClassifier(**params).fit(X, y)
    for model in (single, ensemble):
        model.set_params(hidden_layer_sizes=(4,))
        with pytest.raises(ValueError, match="Cannot continue training a network"):
            model.fit(X, y)


def test_a_warm_started_ensemble_can_grow_but_not_shrink():
    X, y = _data("classifier")
    params = dict(PARAMS, warm_start=True, max_iter=3)
    ensemble = MLPClassifier(ensemble_size=K, **params).fit(X, y)
    ensemble.set_params(ensemble_size=K + 1).fit(X, y)
    seeds = member_seeds(params["random_state"], K + 1)
    for j, member in enumerate(ensemble.estimators_):
        single = MLPClassifier(**{**params, "random_state": int(seeds[j])}).fit(X, y)
        if j < K:  # the fitted members continue; the new one starts afresh
            single.fit(X, y)
        _assert_member_equals(member, single)
    with pytest.raises(ValueError, match="can only add to"):
        ensemble.set_params(ensemble_size=2).fit(X, y)


def test_partial_fit_refuses_a_new_number_of_members():
    X, y = _data("classifier")
    ensemble = MLPClassifier(ensemble_size=2, **PARAMS).fit(X, y)
    before = [m.coefs_[0].copy() for m in ensemble.estimators_]
    with pytest.raises(ValueError, match="ensemble_size=3, but this MLPClassifier has 2"):
        ensemble.set_params(ensemble_size=3).partial_fit(X, y)
    for member, weights in zip(ensemble.estimators_, before):
        np.testing.assert_array_equal(member.coefs_[0], weights)


@pytest.mark.parametrize(
    "first, then, message",
    [
        (
            dict(ensemble_kind="independent"),
            dict(ensemble_kind="shared"),
            "fitted as an ensemble of 3 independent members and with warm_start=True, "
            "fit continues it, but ensemble_kind is now 'shared' (was 'independent'); "
            "set it back to continue training, or call fit with warm_start=False to "
            "start anew.",
        ),
        (
            dict(ensemble_kind="shared"),
            dict(ensemble_kind="independent"),
            "fitted as a shared-weight ensemble of 3 members and with warm_start=True, "
            "fit continues it, but ensemble_kind is now 'independent' (was 'shared'); ",
        ),
        (
            dict(ensemble_kind="shared"),
            dict(ensemble_kind="independent", ensemble_size=2),
            "but ensemble_size is now 2 (was 3) and ensemble_kind is now "
            "'independent' (was 'shared'); set them back to continue training",
        ),
        (
            dict(ensemble_size=1),
            dict(ensemble_size=K),
            "fitted as one network and with warm_start=True, fit continues it, but "
            "ensemble_size is now 3 (was 1); set it back",
        ),
    ],
)
def test_a_changed_ensemble_kind_is_named_when_training_continues(first, then, message):
    """Only ``ensemble_kind`` changed: the error names it, not the size that
    stayed 3, and says what to do."""
    X, y = _data("regressor")
    params = dict(PARAMS, warm_start=True, max_iter=3, ensemble_size=K)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = MLPRegressor(**{**params, **first}).fit(X, y)
    with pytest.raises(ValueError) as error:
        model.set_params(**then).fit(X, y)
    assert message in str(error.value)


@pytest.mark.parametrize("first, then", [(1, K), (K, 1)])
def test_one_network_and_an_ensemble_do_not_continue_as_each_other(first, then):
    X, y = _data("classifier")
    model = MLPClassifier(ensemble_size=first, **dict(PARAMS, warm_start=True)).fit(X, y)
    with pytest.raises(ValueError, match="warm_start=False to start anew"):
        model.set_params(ensemble_size=then).fit(X, y)
    with pytest.raises(ValueError, match="partial_fit continues"):
        model.partial_fit(X, y)
    model.set_params(warm_start=False).fit(X, y)  # a fresh start is always allowed
    assert model.ensemble_size == then


def test_invscaling_with_one_learning_rate_per_member_equals_separate_fits():
    """invscaling decays each member's own initial rate by its own samples
    seen: members of one axis with different learning rates (and rows) end
    as their separate fits."""
    from skmlp._estimators.base import fit_estimators

    X, y = _data("regressor")
    params = dict(PARAMS, solver="sgd", learning_rate="invscaling", power_t=0.3)
    rates, rows = [0.05, 0.1, 0.2], [160, 150, 160]
    members = [MLPRegressor(**{**params, "learning_rate_init": r}) for r in rates]
    fit_estimators(members, [dict(X=X[:n], y=y[:n]) for n in rows])
    for member, rate, n in zip(members, rates, rows):
        single = MLPRegressor(**{**params, "learning_rate_init": rate}).fit(X[:n], y[:n])
        _assert_member_equals(member, single)
        assert member._optimizer.learning_rate == single._optimizer.learning_rate
        assert member._optimizer.learning_rate < rate


def test_a_diverging_member_stops_alone_and_its_neighbours_equal_separate_fits():
    """Member 1 diverges (its learning rate is absurd): it goes back to its last
    safe point and stops, as its separate fit does; members 0 and 2 go on and
    end exactly as their separate fits."""
    from skmlp._estimators.base import fit_estimators

    X, y = _data("regressor")
    params = dict(PARAMS, solver="sgd", max_iter=25)
    rates = [0.01, 1e6, 0.02]
    members = [MLPRegressor(**{**params, "learning_rate_init": r}) for r in rates]
    with pytest.warns(Warning, match="diverged"):
        fit_estimators(members, [dict(X=X, y=y)] * 3)
    singles = []
    for rate in rates:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            singles.append(MLPRegressor(**{**params, "learning_rate_init": rate}).fit(X, y))
    for member, single in zip(members, singles):
        _assert_member_equals(member, single)
    assert members[1].n_iter_ < 25 <= members[0].n_iter_
    assert np.isfinite(members[1].coefs_[0]).all()


# -- one stacked network per ensemble -----------------------------------------
def test_an_ensemble_predicts_in_one_pass_of_its_stacked_network(monkeypatch):
    from skmlp.nn.network import Network

    X, y = _data("classifier")
    ensemble = MLPClassifier(ensemble_size=8, **PARAMS).fit(X, y)
    probas = np.array([m.predict_proba(X) for m in ensemble.estimators_])
    calls, original = [], Network.predict_raw

    def spy(network, X):
        calls.append(network.n_members)
        return original(network, X)

    monkeypatch.setattr(Network, "predict_raw", spy)
    np.testing.assert_allclose(ensemble.predict_proba(X), probas.mean(axis=0), rtol=1e-12)
    assert calls == [8]  # one forward pass of the 8 members' stack


def _member_average(ensemble, X):
    return np.mean([m.predict(X) for m in ensemble.estimators_], axis=0)


def test_members_weights_are_the_ensembles():
    """A member's network is a view of its row of the ensemble's stack:
    changing a member's weights changes the ensemble's predictions, and a
    member refitted on its own is what the ensemble then averages."""
    X, y = _data("regressor")
    ensemble = MLPRegressor(ensemble_size=K, **PARAMS).fit(X, y)
    before = ensemble.predict(X)
    member = ensemble.estimators_[1]
    member.coefs_[-1] = 3.0 * member.coefs_[-1]
    assert np.shares_memory(member._network.theta, ensemble._network.theta)
    after = ensemble.predict(X)
    assert not np.allclose(after, before)
    np.testing.assert_allclose(after, _member_average(ensemble, X), rtol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ensemble.estimators_[0].fit(X[:80], y[:80])
    np.testing.assert_allclose(
        ensemble.predict(X), _member_average(ensemble, X), rtol=1e-12
    )


@pytest.mark.parametrize("how", ["pickle", "skops", "deepcopy"])
def test_a_saved_ensemble_keeps_its_members_as_views(how, tmp_path):
    """Saving writes the stack once (the members are saved without their
    networks), and loading binds the members to the loaded stack again."""
    import copy

    from skmlp import persistence

    X, y = _data("classifier")
    ensemble = MLPClassifier(ensemble_size=K, **PARAMS).fit(X, y)
    saved = ensemble.__getstate__()["estimators_"]
    assert not any("_network" in vars(member) for member in saved)
    assert all("_network" in vars(member) for member in ensemble.estimators_)
    if how == "pickle":
        loaded = pickle.loads(pickle.dumps(ensemble))
    elif how == "skops":
        persistence.dump(ensemble, tmp_path / "model.skops")
        loaded = persistence.load(tmp_path / "model.skops")
    else:
        loaded = copy.deepcopy(ensemble)
    np.testing.assert_array_equal(loaded.predict_proba(X), ensemble.predict_proba(X))
    for j, member in enumerate(loaded.estimators_):
        assert member._network._view_of == (loaded._network, j)
        assert np.shares_memory(member._network.theta, loaded._network.theta)


def test_an_ensemble_saved_before_stacking_is_stacked_when_loaded():
    from pathlib import Path

    [old] = Path(__file__).parent.glob("data/persisted/*/ensemble.pkl")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = pickle.loads(old.read_bytes())
    assert model._network.n_members == len(model.estimators_) == 2
    for j, member in enumerate(model.estimators_):
        assert member._network._view_of == (model._network, j)


@pytest.mark.parametrize("kind", ["independent", "shared"])
def test_many_rows_go_member_by_member_with_the_same_predictions(kind, monkeypatch):
    """Rows whose activations of all members would not stay in cache go one
    member after the other: the same numbers as the one pass."""
    import skmlp.nn.network as network_module

    X, y = _data("classifier")
    model = MLPClassifier(ensemble_size=K, ensemble_kind=kind, **PARAMS).fit(X, y)
    one_pass = model.predict_proba(X)
    monkeypatch.setattr(network_module, "PREDICT_BLOCK_BYTES", 1024)
    assert model._network.rows_per_block() < len(X)
    np.testing.assert_allclose(model.predict_proba(X), one_pass, rtol=1e-12)
    views = model._network.__dict__.get("_views")
    assert (views is not None) == (kind == "independent")  # shared: one network
    assert "_views" not in model._network.__getstate__()


def test_a_member_saved_alone_saves_its_own_weights_only():
    """A member's network is a view of the ensemble's stack; saved on its
    own it is a network of its own, not the whole stack."""
    X, y = _data("classifier")
    ensemble = MLPClassifier(ensemble_size=8, **PARAMS).fit(X, y)
    member = ensemble.estimators_[3]
    alone = pickle.loads(pickle.dumps(member))
    assert alone._network.n_members == 1 and "_view_of" not in vars(alone._network)
    np.testing.assert_array_equal(alone.predict_proba(X), member.predict_proba(X))
    whole = len(pickle.dumps(ensemble))
    assert len(pickle.dumps(member)) < whole / 4


def test_members_removed_or_refitted_differently_are_what_the_ensemble_averages():
    """Predictions come from estimators_: after members are removed, or one is
    refitted with another architecture or dtype, the ensemble averages the
    members it has, each with its own network."""
    X, y = _data("classifier")
    ensemble = MLPClassifier(ensemble_size=K, **PARAMS).fit(X, y)

    def average():
        return np.mean([m.predict_proba(X) for m in ensemble.estimators_], axis=0)

    ensemble.estimators_ = ensemble.estimators_[:2]
    np.testing.assert_allclose(ensemble.predict_proba(X), average(), rtol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ensemble.estimators_[0].set_params(hidden_layer_sizes=(5,)).fit(X, y)
        ensemble.estimators_[1].fit(X.astype(np.float32), y)
    np.testing.assert_allclose(ensemble.predict_proba(X), average(), rtol=1e-6)
    again = pickle.loads(pickle.dumps(ensemble))  # saved and loaded as it is
    np.testing.assert_allclose(again.predict_proba(X), average(), rtol=1e-6)
