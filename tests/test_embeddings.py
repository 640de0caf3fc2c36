"""Numerical feature embeddings: the formulas, their gradients, the bins, the
estimators' parameters.

The gradient checks through the model axis (each member its own embedding)
are in tests/test_model_axis.py (its "periodic" and "piecewise"
architectures); here: a stack of one against central differences with
sample weights, each embedding against a loop over its paper's formula, the
bins from the training rows only, and the estimators' behaviour.
"""

import math
import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_regression
from test_ensemble import K, _assert_member_equals, _separate_fits
from test_network import assert_gradient_checks

from skmlp import MLPClassifier, MLPRegressor, MLPRegressorCV, MultiLabelMLP
from skmlp.nn.losses import get_loss
from skmlp.nn.network import Network
from skmlp.nn.objective import Objective
from skmlp.nn.quantiles import weighted_quantiles

EMBEDDINGS = [("periodic", 3), ("piecewise", 4)]
D = 3


def _network(embedding, rng, units=(D, 5, 2), **kwargs):
    network = Network(list(units), "tanh", embedding=embedding, **kwargs)
    network.initialize(rng)
    return network


@pytest.mark.parametrize("embedding", EMBEDDINGS, ids=lambda e: e[0])
@pytest.mark.parametrize("loss_name", ["squared_error", "softmax_cross_entropy"])
def test_gradient_through_each_embedding_matches_central_differences(embedding, loss_name):
    rng = np.random.RandomState(0)
    network = _network(embedding, rng)
    X = rng.normal(size=(12, D))
    network.fit_embedding(X[:8])  # rows beyond the bins' range use the open end bins
    Y = (
        np.eye(2)[rng.randint(2, size=12)]
        if "entropy" in loss_name
        else rng.normal(size=(12, 2))
    )
    sample_weight = rng.uniform(0.2, 3.0, size=12)
    objective = Objective(network, get_loss(loss_name), 0.1)
    assert_gradient_checks(objective, X, Y, sample_weight)


def test_a_network_without_hidden_layers_trains_its_embedding():
    rng = np.random.RandomState(1)
    network = _network(("periodic", 2), rng, units=(D, 1))
    X, Y = rng.normal(size=(7, D)), rng.normal(size=(7, 1))
    assert_gradient_checks(Objective(network, get_loss("squared_error"), 0.0), X, Y, None)


def _periodic_reference(network, X):
    """The PLR formula, feature by feature and row by row."""
    embedder = network.embedder
    C, W, b = embedder.C[0], embedder.W[0], embedder.b[0, :, 0]
    rows = []
    for x in X:
        parts = []
        for i, value in enumerate(x):
            v = 2 * math.pi * C[i] * value
            parts.append(
                np.maximum(np.concatenate([np.sin(v), np.cos(v)]) @ W[i] + b[i], 0)
            )
        rows.append(np.concatenate(parts))
    return np.array(rows)


def _piecewise_reference(edges, X):
    """The PLE formula (Gorishniy et al. 2022, eq. 3) with its open end bins."""
    rows = []
    for x in X:
        parts = []
        for i, value in enumerate(x):
            e, n_bins = edges[i], len(edges[i]) - 1
            for t in range(n_bins):
                lo, hi = e[t], e[t + 1]
                if hi == lo:
                    parts.append(0.0)
                elif value < lo and t > 0:
                    parts.append(0.0)
                elif value >= hi and t < n_bins - 1:
                    parts.append(1.0)
                else:
                    parts.append((value - lo) / (hi - lo))
        rows.append(parts)
    return np.array(rows)


def test_each_embedding_computes_its_papers_formula():
    rng = np.random.RandomState(2)
    X = rng.normal(size=(6, D)) * 2
    periodic = _network(("periodic", 3), rng)
    np.testing.assert_allclose(
        periodic.embedder.predict(X), _periodic_reference(periodic, X)
    )
    piecewise = _network(("piecewise", 4), rng)
    train = np.round(rng.normal(size=(20, D)), 0)  # repeated values: bins of zero width
    piecewise.fit_embedding(train)
    edges = piecewise.embedder.edges[0]
    assert np.any(np.diff(edges, axis=1) == 0)
    np.testing.assert_allclose(
        piecewise.embedder.predict(X), _piecewise_reference(edges, X)
    )
    # the first hidden layer sees the embedded rows: feature-major blocks
    assert periodic.coefs[0].shape == (D * 3, 5)


def test_bins_are_weighted_quantiles_of_the_training_rows():
    rng = np.random.RandomState(3)
    X = rng.normal(size=(31, 2))
    levels = np.linspace(0, 1, 6)
    np.testing.assert_array_equal(
        weighted_quantiles(X, 6),
        np.quantile(X, levels, axis=0, method="averaged_inverted_cdf"),
    )
    weight = rng.randint(0, 3, size=31)
    repeated = np.repeat(X, weight, axis=0)
    np.testing.assert_array_equal(
        weighted_quantiles(X, 6, weight), weighted_quantiles(repeated, 6)
    )


def test_an_estimator_bins_its_training_rows_only():
    """With early stopping, the held-out rows take no part in the bins; the
    training rows' weights do."""
    X, y = make_regression(n_samples=100, n_features=D, random_state=0)
    weight = np.random.RandomState(0).randint(1, 4, size=100)
    model = MLPRegressor(
        feature_embedding="piecewise", embedding_size=5, early_stopping=True, random_state=0
    )
    plan = model._plan_fit(X, y, sample_weight=weight).plans[0]
    train = plan.rows.rows
    assert len(train) == 90
    np.testing.assert_array_equal(
        plan.network.embedder.edges[0], weighted_quantiles(X[train], 6, weight[train]).T
    )


def test_continued_training_keeps_the_first_calls_bins():
    rng = np.random.RandomState(5)
    X, y = rng.normal(size=(120, D)), rng.normal(size=120)
    model = MLPRegressor(feature_embedding="piecewise", embedding_size=4, random_state=0)
    model.partial_fit(X[:40] / 10, y[:40])
    first = model._network.embedder.edges.copy()
    np.testing.assert_array_equal(first[0], weighted_quantiles(X[:40] / 10, 5).T)
    model.partial_fit(X[40:], y[40:])
    np.testing.assert_array_equal(model._network.embedder.edges, first)
    model.set_params(warm_start=True, max_iter=3).fit(X, y)
    np.testing.assert_array_equal(model._network.embedder.edges, first)


@pytest.mark.parametrize("kind", ["periodic", "piecewise"])
def test_ensemble_members_with_embeddings_equal_separate_fits(kind):
    X, y = make_regression(n_samples=120, n_features=4, noise=5.0, random_state=0)
    params = dict(
        hidden_layer_sizes=(8,),
        max_iter=30,
        batch_size=32,
        random_state=7,
        feature_embedding=kind,
        embedding_size=4,
        early_stopping=True,
        validation_fraction=0.2,
    )
    ensemble = MLPRegressor(ensemble_size=K, **params).fit(X / 3, y / 50)
    singles = _separate_fits(MLPRegressor, params, X / 3, y / 50)
    for member, single in zip(ensemble.estimators_, singles):
        _assert_member_equals(member, single)
        np.testing.assert_allclose(member._network.theta, single._network.theta, rtol=1e-9)
        np.testing.assert_array_equal(member._network.state, single._network.state)


@pytest.mark.parametrize("cls", [MLPClassifier, MultiLabelMLP])
def test_classifiers_learn_through_embeddings(cls):
    rng = np.random.RandomState(4)
    X = rng.uniform(-2, 2, size=(300, 2))
    # rings: a periodic target a plain small network finds hard
    y = (np.sin(3 * X[:, 0]) * np.sin(3 * X[:, 1]) > 0).astype(int)
    Y = y if cls is MLPClassifier else np.column_stack([y, 1 - y])
    scores = {
        kind: cls(
            hidden_layer_sizes=(16,),
            feature_embedding=kind,
            max_iter=300,
            random_state=0,
        )
        .fit(X[:200], Y[:200])
        .score(X[200:], Y[200:])
        for kind in [None, "periodic", "piecewise"]
    }
    assert scores["periodic"] > scores[None] + 0.1
    assert scores["piecewise"] > scores[None] + 0.1


def test_estimator_parameters_shapes_and_errors():
    X, y = make_regression(n_samples=60, n_features=D, random_state=0)
    X, y = X / 50, y / 50
    model = MLPRegressor(
        hidden_layer_sizes=(6,), feature_embedding="periodic", embedding_size=5, max_iter=5
    ).fit(X, y)
    assert model.coefs_[0].shape == (D * 5, 6)
    assert model.feature_importances_.shape == (D,)
    assert model.predict(X.astype(np.float32)).dtype == np.float64
    float32 = MLPRegressor(feature_embedding="piecewise", max_iter=3).fit(
        X.astype(np.float32), y
    )
    assert float32._network.state.dtype == np.float32
    assert float32.predict(X.astype(np.float32)).dtype == np.float32
    with pytest.raises(TypeError, match="feature_embedding='periodic' .* needs dense X"):
        MLPRegressor(feature_embedding="periodic").fit(sp.csr_matrix(X), y)
    with pytest.raises(TypeError, match="needs dense X"):
        model.predict(sp.csr_matrix(X))
    model.set_params(warm_start=True, feature_embedding="piecewise")
    with pytest.raises(ValueError, match="embedding"):
        model.fit(X, y)
    assert (
        not MLPRegressor(feature_embedding="piecewise").__sklearn_tags__().input_tags.sparse
    )
    clone_ = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(clone_.predict(X), model.predict(X))


def test_the_cv_estimators_pass_the_embedding_to_their_networks():
    X, y = make_regression(n_samples=80, n_features=D, noise=5.0, random_state=0)
    model = MLPRegressorCV(
        alphas=[1e-4, 1e-2],
        feature_embedding="piecewise",
        embedding_size=6,
        max_iter=5,
        cv=2,
        random_state=0,
    ).fit(X, y)
    for network in model.estimator_.estimators_:
        assert network._network.embedding == ("piecewise", 6)
        assert network.coefs_[0].shape[0] == D * 6
