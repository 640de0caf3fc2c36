"""Class weights, focal and hinge losses, label smoothing (issue: imbalance)."""

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.metrics import make_scorer, recall_score
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import MLPClassifier, MultiLabelMLP


def _imbalanced_cancer(n_malignant=40, seed=0):
    """Breast cancer with the malignant class (0) subsampled to ~10 %."""
    X, y = load_breast_cancer(return_X_y=True)
    rng = np.random.RandomState(seed)
    keep = np.concatenate(
        [
            np.flatnonzero(y == 1),
            rng.choice(np.flatnonzero(y == 0), n_malignant, replace=False),
        ]
    )
    return StandardScaler().fit_transform(X[keep]), y[keep]


def _theta(est):
    return est._network.theta


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_balanced_class_weight_equals_the_matching_sample_weight(solver):
    X, y = _imbalanced_cancer()
    n, counts = len(y), np.bincount(y)
    sample_weight = (n / (2 * counts))[y]
    params = dict(hidden_layer_sizes=(8,), max_iter=20, random_state=0, solver=solver)
    balanced = MLPClassifier(class_weight="balanced", **params).fit(X, y)
    explicit = MLPClassifier(**params).fit(X, y, sample_weight=sample_weight)
    np.testing.assert_allclose(_theta(balanced), _theta(explicit), rtol=1e-12)


def test_class_weight_multiplies_sample_weight():
    X, y = _imbalanced_cancer()
    sw = np.random.RandomState(1).uniform(0.5, 2, len(y))
    params = dict(hidden_layer_sizes=(8,), max_iter=10, random_state=0)
    combined = MLPClassifier(class_weight={0: 5.0}, **params).fit(X, y, sample_weight=sw)
    explicit = MLPClassifier(**params).fit(X, y, sample_weight=sw * np.where(y == 0, 5, 1))
    np.testing.assert_allclose(_theta(combined), _theta(explicit), rtol=1e-12)


def test_class_weight_naming_an_unknown_class_is_refused():
    X, y = _imbalanced_cancer()
    with pytest.raises(ValueError, match=r"class_weight names \['benign'\]"):
        MLPClassifier(class_weight={"benign": 2.0}).fit(X, y)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_focal_with_gamma_zero_is_log_loss(n_classes):
    X, y = _imbalanced_cancer()
    y = y if n_classes == 2 else np.arange(len(y)) % 3
    params = dict(hidden_layer_sizes=(8,), max_iter=10, random_state=0)
    plain = MLPClassifier(**params).fit(X, y)
    focal = MLPClassifier(loss="focal", focal_gamma=0.0, **params).fit(X, y)
    np.testing.assert_array_equal(_theta(plain), _theta(focal))


def test_focal_alpha_on_binary_and_refused_for_multiclass():
    X, y = _imbalanced_cancer()
    params = dict(hidden_layer_sizes=(8,), max_iter=30, random_state=0, loss="focal")
    low = MLPClassifier(focal_alpha=0.1, **params).fit(X, y)
    high = MLPClassifier(focal_alpha=0.9, **params).fit(X, y)
    # alpha weights the positive class (1): more weight, higher probabilities
    assert high.predict_proba(X)[:, 1].mean() > low.predict_proba(X)[:, 1].mean()
    with pytest.raises(ValueError, match="class_weight instead"):
        MLPClassifier(focal_alpha=0.5, **params).fit(X, np.arange(len(y)) % 3)


def test_hinge_loss_gives_scores_not_probabilities():
    X, y = _imbalanced_cancer()
    clf = MLPClassifier(
        loss="hinge", hidden_layer_sizes=(16,), max_iter=100, random_state=0
    ).fit(X, y)
    assert not hasattr(clf, "predict_proba") and not hasattr(clf, "predict_log_proba")
    with pytest.raises(AttributeError) as error:
        clf.predict_proba(X)
    assert "loss='hinge'" in str(error.value.__cause__)
    scores = clf.decision_function(X)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[(scores > 0).astype(int)])
    assert clf.score(X, y) > 0.95
    with pytest.raises(ValueError, match="binary targets"):
        MLPClassifier(loss="hinge").fit(X, np.arange(len(y)) % 3)


def test_label_smoothing_makes_probabilities_less_extreme():
    X, y = _imbalanced_cancer()
    params = dict(hidden_layer_sizes=(16,), max_iter=200, random_state=0)
    sharp = MLPClassifier(**params).fit(X, y).predict_proba(X)
    smooth = MLPClassifier(label_smoothing=0.2, **params).fit(X, y).predict_proba(X)
    # the optimum for a target smoothed to 0.9 / 0.1 is a probability of 0.9
    assert np.median(sharp.max(axis=1)) > 0.96
    assert 0.85 < np.median(smooth.max(axis=1)) < 0.93


def test_multilabel_positive_weights_raise_recall_of_a_rare_label():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(600, 6))
    Y = np.column_stack([X[:, 0] > 1.6, X[:, 1] + X[:, 2] > 0]).astype(int)  # label 0 ~5 %
    params = dict(hidden_layer_sizes=(8,), max_iter=60, random_state=0)
    plain = MultiLabelMLP(**params).fit(X, Y)
    weighted = MultiLabelMLP(class_weight=[10.0, 1.0], **params).fit(X, Y)
    balanced = MultiLabelMLP(class_weight="balanced", **params).fit(X, Y)
    recall = [
        recall_score(Y[:, 0], m.predict(X)[:, 0]) for m in (plain, weighted, balanced)
    ]
    assert recall[1] > recall[0] + 0.2 and recall[2] > recall[0] + 0.2
    with pytest.raises(ValueError, match="one positive weight per label"):
        MultiLabelMLP(class_weight=[1.0, 2.0, 3.0], max_iter=1).fit(X, Y)


def test_balanced_weights_and_focal_on_a_real_imbalanced_table():
    """Cross-validated on breast cancer with ~10 % malignant samples.

    The full five-seed table is in the resolution note; this is one seed.
    """
    X, y = _imbalanced_cancer()
    scoring = {
        "balanced_accuracy": "balanced_accuracy",
        "minority_recall": make_scorer(recall_score, pos_label=0),
    }
    results = {}
    for name, params in {
        "log_loss": {},
        "balanced": dict(class_weight="balanced"),
        "focal+balanced": dict(loss="focal", class_weight="balanced"),
    }.items():
        model = make_pipeline(
            StandardScaler(),
            MLPClassifier(
                hidden_layer_sizes=(16,),
                alpha=1e-3,
                learning_rate_init=0.003,
                max_iter=100,
                random_state=0,
                **params,
            ),
        )
        cv = cross_validate(
            model,
            X,
            y,
            cv=StratifiedKFold(5, shuffle=True, random_state=0),
            scoring=scoring,
        )
        results[name] = {k: cv[f"test_{k}"].mean() for k in scoring}
    assert (
        results["balanced"]["minority_recall"]
        > results["log_loss"]["minority_recall"] + 0.04
    )
    assert (
        results["balanced"]["balanced_accuracy"] > results["log_loss"]["balanced_accuracy"]
    )
    assert (
        results["focal+balanced"]["minority_recall"]
        > results["log_loss"]["minority_recall"]
    )


@pytest.mark.parametrize("cls", [MLPClassifier, MultiLabelMLP])
def test_partial_fit_refuses_balanced_class_weights(cls):
    """Balanced weights from each chunk's own counts would weight the classes
    differently in every chunk (scikit-learn's SGDClassifier refuses this too);
    weights computed once from all the targets work."""
    from sklearn.utils.class_weight import compute_class_weight

    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 4))
    y = (X[:, 0] > 0.8).astype(int)
    balanced = cls(class_weight="balanced")
    assert not hasattr(balanced, "partial_fit")
    with pytest.raises(AttributeError) as error:
        balanced.partial_fit(X, y, classes=[0, 1])
    assert "not available with class_weight='balanced'" in str(error.value.__cause__)
    weights = compute_class_weight("balanced", classes=np.array([0, 1]), y=y)
    est = cls(class_weight=dict(enumerate(weights)), max_iter=5)
    est.partial_fit(X[:30], y[:30], classes=[0, 1]).partial_fit(X[30:], y[30:])
    assert est.n_iter_ == 1


@pytest.mark.parametrize("batch_size", [1, 8, 32])
def test_minibatch_gradients_average_to_the_weighted_full_batch_gradient(batch_size):
    """Normalised by batch rows x the training set's mean weight, the minibatch
    gradients of one epoch's partition average to the full-batch gradient of
    the weighted loss, at every batch size: a weight acts as repeating its row,
    in expectation. (Normalising each batch by its own weight sum does not.)"""
    from skmlp.nn.losses import get_loss
    from skmlp.nn.network import Network
    from skmlp.nn.objective import Objective

    rng = np.random.RandomState(0)
    X = rng.normal(size=(64, 5))
    Y = np.eye(2)[(X[:, 0] > 0.5).astype(int)][:, 1:]
    sw = np.where(Y[:, 0] > 0, 7.0, 1.0) * rng.uniform(0.5, 1.5, size=64)
    network = Network([5, 6, 1], "tanh")
    network.initialize(rng)
    objective = Objective(network, get_loss("sigmoid_cross_entropy"))
    objective(X, Y, sw)
    full = network.grad.copy()
    objective.set_training_weights(sw, len(X))
    batches = [slice(s, s + batch_size) for s in range(0, len(X), batch_size)]
    mean = np.zeros_like(full)
    for rows in batches:
        objective(X[rows], Y[rows], sw[rows])
        mean += network.grad / len(batches)
    np.testing.assert_allclose(mean, full, rtol=1e-10, atol=1e-14)


def test_class_weight_acts_at_batch_size_one():
    """At batch_size=1, normalising by the batch's own weight cancelled every
    weight: class_weight='balanced' trained bit-identical weights."""
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    keep = np.r_[np.flatnonzero(y == 1), np.flatnonzero(y == 0)[:40]]  # 11 % minority
    X, y = X[keep], y[keep]
    params = dict(solver="sgd", alpha=0, batch_size=1, max_iter=3, random_state=0)
    plain = MLPClassifier(**params).fit(X, y)
    balanced = MLPClassifier(class_weight="balanced", **params).fit(X, y)
    assert not np.allclose(plain.coefs_[0], balanced.coefs_[0])
    minority = y == 0
    assert (
        balanced.predict_proba(X)[minority, 0].mean()
        > plain.predict_proba(X)[minority, 0].mean()
    )
