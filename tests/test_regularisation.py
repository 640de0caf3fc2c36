"""Elastic net with exact zeros, dropout, batch norm, skip connections,
initialisation, optimisers and robust regression losses, at estimator level."""

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_selection import SelectFromModel
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import MLPClassifier, MLPRegressor
from skmlp.nn.network import Network


def _leukemia(shared_data):
    table = pd.read_csv(shared_data / "gene_expression" / "leukemia.csv")
    return table.drop(columns="class").to_numpy(), table["class"].to_numpy()


def test_strong_l1_switches_most_genes_off_on_leukemia(shared_data):
    X, y = _leukemia(shared_data)
    X = StandardScaler().fit_transform(X)
    clf = MLPClassifier(
        hidden_layer_sizes=(16,),
        alpha=1.0,
        l1_ratio=1.0,
        max_iter=300,
        learning_rate_init=0.01,
        random_state=0,
    ).fit(X, y)
    zero_rows = np.all(clf.coefs_[0] == 0, axis=1)
    assert zero_rows.mean() > 0.95  # exact zeros: whole genes switched off
    assert 5 <= (~zero_rows).sum() <= 200
    np.testing.assert_array_equal(clf.feature_importances_ == 0, zero_rows)
    assert clf.score(X, y) == 1.0


def test_select_from_model_in_a_pipeline_on_leukemia(shared_data):
    X, y = _leukemia(shared_data)
    selector = SelectFromModel(
        MLPClassifier(
            hidden_layer_sizes=(16,),
            alpha=1.0,
            l1_ratio=1.0,
            max_iter=300,
            learning_rate_init=0.01,
            random_state=0,
        )
    )
    model = make_pipeline(StandardScaler(), selector, LogisticRegression())
    scores = cross_val_score(
        model, X, y, cv=StratifiedKFold(4, shuffle=True, random_state=0)
    )
    assert scores.mean() > 0.9
    kept = model.fit(X, y)[1].get_support().sum()
    assert 5 <= kept <= 200


def test_l1_ratio_zero_is_the_l2_penalty_of_sklearn():
    X, y = np.random.RandomState(0).normal(size=(60, 5)), np.arange(60) % 2
    params = dict(hidden_layer_sizes=(6,), alpha=0.5, max_iter=20, random_state=0)
    a = MLPClassifier(**params).fit(X, y)
    b = MLPClassifier(l1_ratio=0.0, **params).fit(X, y)
    np.testing.assert_array_equal(a._network.theta, b._network.theta)


@pytest.mark.parametrize(
    "solver, alpha, learning_rate_init",
    [("sgd", 20.0, 0.1), ("adam", 2.0, 0.01), ("rmsprop", 2.0, 0.01), ("adamw", 2.0, 0.01)],
)
def test_l1_gives_exact_zeros_with_every_stochastic_solver(
    solver, alpha, learning_rate_init
):
    # The proximal step uses each solver's own step size (per coordinate for
    # the adaptive ones), so the strength that prunes well differs by solver.
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 30))
    y = (X[:, 0] - X[:, 1] > 0).astype(int)  # two informative features
    clf = MLPClassifier(
        hidden_layer_sizes=(8,),
        alpha=alpha,
        l1_ratio=1.0,
        solver=solver,
        learning_rate_init=learning_rate_init,
        batch_size=50,
        max_iter=200,
        random_state=0,
    ).fit(X, y)
    importances = clf.feature_importances_
    assert (importances == 0).sum() >= 15
    assert importances[0] > 0.5 and importances[1] > 0.5
    assert clf.score(X, y) > 0.95


def test_lbfgs_refuses_l1_and_dropout_with_a_reason():
    X, y = np.random.RandomState(0).normal(size=(30, 3)), np.arange(30) % 2
    with pytest.raises(ValueError, match="l1_ratio > 0 needs a stochastic solver"):
        MLPClassifier(solver="lbfgs", l1_ratio=0.5).fit(X, y)
    with pytest.raises(ValueError, match="dropout needs a stochastic solver"):
        MLPClassifier(solver="lbfgs", dropout=0.1).fit(X, y)


def _moons():
    from sklearn.datasets import make_moons

    X, y = make_moons(400, noise=0.2, random_state=0)
    return X, y


def test_dropout_trains_and_predicts_deterministically():
    X, y = _moons()
    clf = MLPClassifier(
        hidden_layer_sizes=(64, 64),
        dropout=[0.3, 0.1],
        max_iter=200,
        learning_rate_init=0.01,
        random_state=0,
    ).fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), clf.predict_proba(X))
    assert clf.score(X, y) > 0.9
    plain = MLPClassifier(
        hidden_layer_sizes=(64, 64), max_iter=200, learning_rate_init=0.01, random_state=0
    ).fit(X, y)
    assert not np.array_equal(plain._network.theta, clf._network.theta)
    zero = MLPClassifier(
        hidden_layer_sizes=(64, 64),
        dropout=0.0,
        max_iter=200,
        learning_rate_init=0.01,
        random_state=0,
    ).fit(X, y)
    np.testing.assert_array_equal(plain._network.theta, zero._network.theta)


def test_dropout_rates_must_match_the_hidden_layers():
    X, y = _moons()
    with pytest.raises(ValueError, match="one per hidden layer"):
        MLPClassifier(hidden_layer_sizes=(8, 8), dropout=[0.1, 0.2, 0.3]).fit(X, y)


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_batch_norm_trains_and_predicts_rows_independently(solver):
    X, y = _moons()
    clf = MLPClassifier(
        hidden_layer_sizes=(32, 32),
        batch_norm=True,
        solver=solver,
        max_iter=200,
        random_state=0,
    ).fit(X * 100 + 50, y)
    assert clf.score(X * 100 + 50, y) > 0.9  # scale-free thanks to normalisation
    one_by_one = np.vstack([clf.predict_proba(X[i : i + 1] * 100 + 50) for i in range(5)])
    np.testing.assert_allclose(one_by_one, clf.predict_proba(X[:5] * 100 + 50), rtol=1e-12)


def _batch_norm_statistics(clf, X, sample_weight=None):
    """Weighted mean and variance of each batch-norm layer's pre-activations on
    X, computed layer by layer with the statistics found below it."""
    w = np.full(len(X), 1 / len(X)) if sample_weight is None else sample_weight
    w = w / w.sum()
    stats, A = [], X
    for layer in clf._network.hidden:
        Z = A @ layer.linear.W + layer.linear.b
        mean = w @ Z
        var = w @ (Z - mean) ** 2
        stats.append((mean, var))
        H = (
            layer.batch_norm.gamma * (Z - mean) / np.sqrt(var + 1e-5)
            + layer.batch_norm.beta
        )
        A = np.maximum(H, 0)
    return stats


@pytest.mark.parametrize("early_stopping", [False, True])
@pytest.mark.parametrize("n", [200, 201])
def test_batch_norm_statistics_are_those_of_the_training_rows_at_the_end(n, early_stopping):
    """After a stochastic fit the running statistics are the training rows'
    statistics under the final weights, so predictions do not depend on the
    running averages of earlier weights or on how n divides by batch_size
    (n = 201, batch_size=100 used to leave a last batch of one row, whose zero
    variance pulled running_var towards 0 every epoch)."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(n, 5))
    y = (X[:, 0] + X[:, 1] ** 2 > 1).astype(int)
    sample_weight = rng.uniform(0.5, 2, size=n)
    clf = MLPClassifier(
        hidden_layer_sizes=(16, 8),
        batch_norm=True,
        batch_size=100,
        dropout=0.1,
        early_stopping=early_stopping,
        max_iter=30,
        random_state=0,
    )
    if early_stopping:
        # restore-best, then statistics of the training rows under those weights
        clf.fit(X, y, X_val=X[:40], y_val=y[:40])
        sample_weight = None
    else:
        clf.fit(X, y, sample_weight=sample_weight)
    for layer, (mean, var) in zip(
        clf._network.hidden, _batch_norm_statistics(clf, X, sample_weight)
    ):
        np.testing.assert_allclose(
            layer.batch_norm.running_mean, mean, rtol=1e-9, atol=1e-12
        )
        np.testing.assert_allclose(layer.batch_norm.running_var, var, rtol=1e-9)


def test_batch_norm_never_trains_on_a_batch_of_one_row(monkeypatch):
    """With batch norm, a last minibatch of one row joins the one before it."""
    from skmlp.nn.objective import Objective

    sizes, real_call = [], Objective.__call__

    def spying(self, X, *args, **kwargs):
        sizes.append(X.shape[0])
        return real_call(self, X, *args, **kwargs)

    monkeypatch.setattr(Objective, "__call__", spying)
    X, y = _moons()
    n = len(X)
    MLPClassifier(batch_norm=True, batch_size=n - 1, max_iter=3).fit(X, y)
    assert sizes == [n] * 3
    sizes.clear()
    MLPClassifier(batch_norm=False, batch_size=n - 1, max_iter=3).fit(X, y)
    assert sizes == [n - 1, 1] * 3


def test_batch_norm_refuses_batches_of_one_row():
    X, y = _moons()
    with pytest.raises(ValueError, match="at least 2 rows: a batch of 1 sample"):
        MLPClassifier(batch_norm=True, batch_size=1, max_iter=2).fit(X, y)
    # full batch (L-BFGS) ignores batch_size
    MLPClassifier(batch_norm=True, batch_size=1, solver="lbfgs", max_iter=2).fit(X, y)


def test_residual_network_trains_a_deep_stack():
    X, y = _moons()
    params = dict(
        hidden_layer_sizes=(16,) * 8, activation="tanh", max_iter=100, random_state=0
    )
    residual = MLPClassifier(residual=True, **params).fit(X, y)
    assert residual.score(X, y) > 0.9
    assert [layer.residual for layer in residual._network.hidden] == [False] + [True] * 7


@pytest.mark.parametrize(
    "activation, scheme", [("relu", "he_uniform"), ("tanh", "glorot_uniform")]
)
def test_auto_init_is_he_for_relu_and_glorot_otherwise(activation, scheme):
    """The scheme, not just a bound: He's variance 2 / fan_in and Glorot's
    2 / (fan_in + fan_out) differ 3x here (and scikit-learn's by its gain),
    and the biases start at zero."""
    fan_in, fan_out = 100, 200
    # the network a fresh fit of MLPClassifier(activation=activation, init="auto")
    # plans (skmlp._estimators.planner), drawn from random_state=0
    initial = Network([fan_in, fan_out, 1], activation, np.float64)
    initial.initialize(np.random.RandomState(0), "auto")
    W = initial.coefs[0]
    expected = {"he_uniform": 2 / fan_in, "glorot_uniform": 2 / (fan_in + fan_out)}
    bound = np.sqrt(3 * expected[scheme])
    assert np.abs(W).max() <= bound and np.abs(W).max() > 0.99 * bound  # uniform
    assert W.var() == pytest.approx(expected[scheme], rel=0.03)  # 20000 draws
    np.testing.assert_array_equal(initial.intercepts[0], 0)


def test_clip_norm_keeps_a_huge_learning_rate_in_check():
    X, y = _moons()
    params = dict(
        hidden_layer_sizes=(32,),
        solver="sgd",
        learning_rate_init=5.0,
        max_iter=50,
        random_state=0,
    )
    clipped = MLPClassifier(clip_norm=0.5, **params).fit(X, y)
    assert clipped.score(X, y) > 0.8
    assert np.isfinite(clipped.loss_curve_).all()


@pytest.mark.parametrize("solver", ["rmsprop", "adamw"])
def test_new_solvers_train(solver):
    X, y = _moons()
    clf = MLPClassifier(
        hidden_layer_sizes=(32,),
        solver=solver,
        learning_rate_init=0.01,
        max_iter=100,
        random_state=0,
    ).fit(X, y)
    assert clf.score(X, y) > 0.9


def test_robust_losses_resist_outliers():
    rng = np.random.RandomState(0)
    X = rng.uniform(-2, 2, size=(400, 1))
    y = 3 * X[:, 0] + 0.1 * rng.normal(size=400)
    y[:20] += 60  # 5 % gross outliers
    X_test = np.linspace(-2, 2, 50)[:, None]
    errors = {}
    for loss in ["squared_error", "huber", "absolute_error", "log_cosh"]:
        reg = MLPRegressor(
            loss=loss,
            hidden_layer_sizes=(16,),
            learning_rate_init=0.01,
            max_iter=300,
            random_state=0,
        ).fit(X, y)
        errors[loss] = np.abs(reg.predict(X_test) - 3 * X_test[:, 0]).mean()
    for robust in ["huber", "absolute_error", "log_cosh"]:
        assert errors[robust] < errors["squared_error"] / 3, errors
