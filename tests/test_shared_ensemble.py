"""Shared-weight ensembles (``ensemble_kind='shared'``, TabM-mini).

The formula against a loop over the heads on a tiny case; gradients against
central differences (through the model axis in tests/test_model_axis.py,
its "heads" architectures); folds of a one-pass cross-validation, each a
shared ensemble on one axis, equal to their separate fits; the estimators'
behaviour and errors.
"""

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.model_selection import KFold
from test_network import assert_gradient_checks

from skmlp import MLPClassifier, MLPRegressor, MultiLabelMLP
from skmlp import model_selection as ms
from skmlp.inspection import feature_attributions
from skmlp.nn.losses import get_loss
from skmlp.nn.network import Network
from skmlp.nn.objective import Objective

H, D = 3, 4


def _network(rng, units=(D, 5, 4, 2), **kwargs):
    network = Network(list(units), "tanh", heads=H, **kwargs)
    network.initialize(rng)
    return network


def _head_logits(network, X, h):
    """Head ``h`` as a network of its own: ``x * r_h`` through the shared
    hidden layers, then its own output layer (a loop over the formula)."""
    A = X * network.adapter.R[h, 0]
    for layer in network.hidden:
        A = np.tanh(A @ layer.linear.W + layer.linear.b)
    return A @ network.output.W[h] + network.output.b[h, 0]


def test_heads_compute_tabm_minis_formula_and_the_loss_is_their_mean():
    rng = np.random.RandomState(0)
    network = _network(rng)
    X, Y = rng.normal(size=(7, D)), rng.normal(size=(7, 2))
    weight = rng.uniform(0.5, 2.0, size=7)
    raw = network.predict_raw(X)
    assert raw.shape == (H * 7, 2)
    assert set(np.unique(network.adapter.R)) <= {-1.0, 1.0}  # random signs at the start
    heads = [_head_logits(network, X, h) for h in range(H)]
    np.testing.assert_allclose(raw, np.concatenate(heads), rtol=1e-12)
    loss = get_loss("squared_error")
    per_head = [loss.value_and_grad(Z, Y, (weight / weight.sum())[:, None]) for Z in heads]
    value = Objective(network, loss).value(X, Y, weight)
    assert value == pytest.approx(np.mean(per_head), rel=1e-12)
    # the hidden weights are one network's; each head has its own output layer
    assert network.coefs[0].shape == (D, 5)
    assert network.coefs[-1].shape == (H, 4, 2)


@pytest.mark.parametrize("loss_name", ["squared_error", "softmax_cross_entropy"])
@pytest.mark.parametrize("embedding", [None, ("periodic", 2)])
def test_gradient_of_a_shared_ensemble_matches_central_differences(loss_name, embedding):
    rng = np.random.RandomState(1)
    network = _network(rng, embedding=embedding)
    X = rng.normal(size=(9, D))
    Y = (
        np.eye(2)[rng.randint(2, size=9)]
        if "entropy" in loss_name
        else rng.normal(size=(9, 2))
    )
    objective = Objective(network, get_loss(loss_name), 0.1)
    assert_gradient_checks(objective, X, Y, rng.uniform(0.2, 3.0, size=9))


def test_the_estimator_predicts_the_heads_mean_probability():
    X, y = make_classification(
        n_samples=150, n_features=5, n_classes=3, n_informative=3, random_state=0
    )
    model = MLPClassifier(
        hidden_layer_sizes=(8,),
        ensemble_size=H,
        ensemble_kind="shared",
        max_iter=30,
        random_state=0,
    ).fit(X, y)
    raw = model._network.predict_raw(X).reshape(H, len(X), 3)
    expected = np.mean([model._loss.link(r.copy()) for r in raw], axis=0)
    np.testing.assert_allclose(model.predict_proba(X), expected, rtol=1e-12)
    assert not hasattr(model, "estimators_")
    assert model.coefs_[-1].shape == (H, 8, 3)
    assert model.feature_importances_.shape == (5,)


def _shared_regressor(**params):
    X, y = make_regression(n_samples=80, n_features=4, random_state=0)
    model = MLPRegressor(
        hidden_layer_sizes=(6,),
        ensemble_size=2,
        ensemble_kind="shared",
        max_iter=5,
        random_state=0,
        **params,
    )
    return model.fit(X / 3, y / 50), X / 3


@pytest.mark.parametrize("embedding", [None, "periodic"])
def test_importances_read_each_heads_adapter(embedding):
    """Head h sees x * r_h: a feature its adapters shrink weighs less. The
    importance is the norm of each feature's rows of r_h * W1, averaged over
    the heads, and SelectFromModel reads it."""
    from sklearn.feature_selection import SelectFromModel

    model, X = _shared_regressor(feature_embedding=embedding, embedding_size=2)
    adapters = model._network.adapter.R  # (heads, 1, first layer's inputs)
    per_input = np.array([[1.0, 0.05, 1.0, 2.0], [-1.0, 0.05, 0.5, 2.0]])
    adapters[:] = np.repeat(per_input, adapters.shape[-1] // 4, axis=1)[:, None, :]
    W = model.coefs_[0].reshape(4, -1, model.coefs_[0].shape[1])  # a feature's rows
    expected = np.mean(
        [
            [np.linalg.norm(r[j] * W[j]) for j in range(4)]  # r[j]: feature j's scale
            for r in per_input
        ],
        axis=0,
    )
    np.testing.assert_allclose(model.feature_importances_, expected, rtol=1e-12)
    plain = np.linalg.norm(W.reshape(4, -1), axis=1)
    assert model.feature_importances_[1] < 0.1 * plain[1]  # shrunk 20 times
    selector = SelectFromModel(model, prefit=True, threshold=0.2 * expected.max())
    np.testing.assert_array_equal(selector.get_support(), expected > 0.2 * expected.max())
    assert not selector.get_support()[1]


def test_validation_scores_are_the_heads_mean_predictions():
    X, y = make_regression(n_samples=200, n_features=5, noise=10.0, random_state=0)
    X, y = X / 3, y / 50
    model = MLPRegressor(
        hidden_layer_sizes=(8,),
        ensemble_size=H,
        ensemble_kind="shared",
        early_stopping=True,
        restore_best_weights=False,
        n_iter_no_change=100,
        max_iter=15,
        random_state=0,
    ).fit(X[:150], y[:150], X_val=X[150:], y_val=y[150:])
    assert len(model.validation_scores_) == 15
    assert model.validation_scores_[-1] == pytest.approx(model.score(X[150:], y[150:]))


def test_one_pass_folds_of_shared_ensembles_equal_separate_fits():
    """The folds share one model axis, each fold one network of H heads; each
    equals the same estimator fitted on its fold alone."""
    X, y = make_regression(n_samples=120, n_features=5, noise=5.0, random_state=1)
    X, y = X / 3, y / 50
    estimator = MLPRegressor(
        hidden_layer_sizes=(6,),
        ensemble_size=H,
        ensemble_kind="shared",
        feature_embedding="periodic",
        embedding_size=3,
        early_stopping=True,
        validation_fraction=0.2,
        n_iter_no_change=3,
        max_iter=40,
        random_state=4,
    )
    folds = list(KFold(3, shuffle=True, random_state=0).split(X))
    ours = ms.cross_validate(estimator, X, y, cv=folds, return_estimator=True)
    for fitted, (train, _) in zip(ours["estimator"], folds):
        alone = MLPRegressor(**estimator.get_params()).fit(X[train], y[train])
        assert fitted.n_iter_ == alone.n_iter_
        np.testing.assert_allclose(fitted._network.theta, alone._network.theta, rtol=1e-9)


def test_partial_fit_and_warm_start_continue_the_heads():
    X, y = make_regression(n_samples=100, n_features=5, random_state=2)
    model = MLPRegressor(
        hidden_layer_sizes=(6,), ensemble_size=2, ensemble_kind="shared", random_state=0
    )
    model.partial_fit(X / 3, y / 50)
    first, steps = model._network.theta.copy(), model.t_
    model.partial_fit(X / 3, y / 50)
    assert model.t_ == 2 * steps and not np.array_equal(first, model._network.theta)
    model.set_params(warm_start=True, ensemble_kind="independent")
    with pytest.raises(ValueError, match="ensemble_kind is now 'independent'"):
        model.fit(X / 3, y / 50)


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(dropout=0.1), "no dropout or batch normalisation"),
        (dict(batch_norm=True), "no dropout or batch normalisation"),
        (dict(hidden_layer_sizes=()), "shares the hidden layers"),
    ],
)
def test_what_a_shared_ensemble_refuses(params, match):
    X, y = make_regression(n_samples=40, n_features=3, random_state=0)
    model = MLPRegressor(ensemble_size=2, ensemble_kind="shared", **params)
    with pytest.raises(ValueError, match=match):
        model.fit(X, y)


def test_multilabel_and_attributions_of_a_shared_ensemble():
    X, y = make_classification(n_samples=120, n_features=4, random_state=3)
    Y = np.column_stack([y, X[:, 0] > 0]).astype(int)
    model = MultiLabelMLP(
        hidden_layer_sizes=(8,),
        ensemble_size=3,
        ensemble_kind="shared",
        max_iter=50,
        random_state=0,
    ).fit(X, Y)
    assert model.predict(X).shape == Y.shape
    regressor = MLPRegressor(
        hidden_layer_sizes=(8,),
        ensemble_size=3,
        ensemble_kind="shared",
        max_iter=50,
        random_state=0,
    ).fit(X, X[:, 1] - X[:, 2])
    baseline = np.median(X, axis=0)
    phi = feature_attributions(regressor, X[:5], baseline=baseline, n_steps=256)
    # completeness: the attributions add up to the change of the heads' mean
    change = regressor.predict(X[:5]) - regressor.predict(baseline[None])
    np.testing.assert_allclose(phi.sum(axis=1), change, rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("refit", [False, True])
def test_cv_estimators_train_shared_ensembles_per_fold(refit):
    from skmlp import MLPRegressorCV

    X, y = make_regression(n_samples=120, n_features=4, noise=5.0, random_state=0)
    model = MLPRegressorCV(
        alphas=[1e-4, 1e-2],
        ensemble_size=2,
        ensemble_kind="shared",
        refit=refit,
        cv=3,
        max_iter=5,
        random_state=0,
        portfolio=None,  # the shared-weight networks alone
        selection="best",
    ).fit(X, y)
    if refit:
        assert model.estimator_._network.heads == 3 * 2
        assert len(model.n_iter_) == 1
    else:
        assert [m._network.heads for m in model.estimator_.estimators_] == [2, 2, 2]
        assert model.estimator_.ensemble_kind == "independent"  # of the folds' ensembles
    assert model.predict(X).shape == (120,)
