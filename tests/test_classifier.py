"""MLPClassifier: labels, probabilities, partial_fit, and use in scikit-learn tools."""

import warnings

import numpy as np
import pytest
from sklearn.calibration import CalibratedClassifierCV
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import (
    GridSearchCV,
    StratifiedKFold,
    TunedThresholdClassifierCV,
    cross_val_score,
    learning_curve,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import MLPClassifier, MultiLabelMLP


def _cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def test_string_labels_round_trip(blobs):
    X, y = blobs
    names = np.array(["ALL", "AML", "CLL"])[y]
    clf = MLPClassifier(max_iter=100, random_state=0).fit(X, names)
    np.testing.assert_array_equal(clf.classes_, ["ALL", "AML", "CLL"])
    assert set(clf.predict(X)) <= set(names)
    assert clf.score(X, names) > 0.9


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_probabilities_are_consistent(blobs, solver):
    X, y = blobs
    for target in (y, (y == 1).astype(int)):
        clf = MLPClassifier(solver=solver, max_iter=100, random_state=0).fit(X, target)
        proba = clf.predict_proba(X)
        assert proba.shape == (len(X), len(clf.classes_))
        np.testing.assert_allclose(proba.sum(axis=1), 1)
        np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])
        np.testing.assert_allclose(
            clf.predict_log_proba(X), np.log(proba), rtol=1e-8, atol=1e-12
        )


def test_log_proba_stays_finite_for_extreme_logits(blobs):
    X, y = blobs
    clf = MLPClassifier(hidden_layer_sizes=(5,), max_iter=20, random_state=0).fit(X, y)
    clf.coefs_[-1] *= 1e4  # logits of order 1e4
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        log_proba = clf.predict_log_proba(X)
        proba = clf.predict_proba(X)
    assert np.isfinite(log_proba).all()
    assert log_proba.min() < -1000  # not clipped: exact log-sum-exp
    assert proba.min() > 0  # floored at the smallest normal number
    np.testing.assert_allclose(proba.sum(axis=1), 1)


def test_partial_fit_needs_classes_first_and_refuses_new_ones(blobs):
    X, y = blobs
    clf = MLPClassifier(random_state=0)
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X, y)
    clf.partial_fit(X[y < 2], y[y < 2], classes=[0, 1, 2])
    assert clf.predict_proba(X).shape == (len(X), 3)
    with pytest.raises(ValueError, match="classes not in"):
        clf.partial_fit(X, y + 1)


def test_partial_fit_learns_over_epochs(blobs):
    X, y = blobs
    clf = MLPClassifier(random_state=0, learning_rate_init=0.01)
    scores = []
    for _ in range(30):
        clf.partial_fit(X, y, classes=[0, 1, 2])
        scores.append(clf.score(X, y))
    assert clf.n_iter_ == 1 and clf.t_ == 30 * len(X)
    assert scores[-1] > scores[0] and scores[-1] > 0.9


def test_warm_start_needs_the_same_classes(blobs):
    X, y = blobs
    clf = MLPClassifier(warm_start=True, max_iter=5, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="same classes"):
        clf.fit(X[y < 2], y[y < 2])


def test_multilabel_indicator_target(blobs):
    X, y = blobs
    Y = np.column_stack([y == 0, y == 2, X[:, 0] > 0]).astype(int)
    clf = MLPClassifier(max_iter=200, random_state=0).fit(X, Y)
    assert clf.out_activation_ == "logistic"
    assert clf.predict_proba(X).shape == Y.shape
    assert clf.predict(X).shape == Y.shape
    assert clf.score(X, Y) > 0.8


def test_works_in_pipeline_grid_search_calibration_and_threshold_tuning():
    X, y = _cancer()
    model = make_pipeline(StandardScaler(), MLPClassifier(max_iter=60, random_state=0))
    search = GridSearchCV(
        model,
        {
            "mlpclassifier__alpha": [1e-4, 1.0],
            "mlpclassifier__activation": ["relu", "gelu"],
        },
        cv=3,
    )
    search.fit(X, y)
    assert search.best_score_ > 0.95
    calibrated = CalibratedClassifierCV(MLPClassifier(max_iter=60, random_state=0), cv=3)
    assert calibrated.fit(X, y).score(X, y) > 0.95
    tuned = TunedThresholdClassifierCV(
        MLPClassifier(max_iter=60, random_state=0), scoring="balanced_accuracy", cv=3
    ).fit(X, y)
    assert 0 < tuned.best_threshold_ < 1


def test_learning_curve_with_incremental_learning():
    X, y = _cancer()
    # each increment is one partial_fit call, i.e. one epoch on the new rows
    sizes, train, test = learning_curve(
        MLPClassifier(random_state=0, learning_rate_init=0.05),
        X,
        y,
        train_sizes=[0.3, 0.6, 1.0],
        cv=StratifiedKFold(3),
        exploit_incremental_learning=True,
    )
    assert train.shape == test.shape == (3, 3)
    assert test.mean(axis=1)[-1] > 0.9


def test_cross_validation_accuracy_on_breast_cancer():
    X, y = _cancer()
    scores = cross_val_score(MLPClassifier(random_state=0), X, y, cv=5)
    assert scores.mean() > 0.96


def test_methods_follow_the_fitted_loss_not_a_later_set_params(blobs):
    """set_params(loss=...) on a fitted model changes the next fit, not which
    prediction methods the fitted model has."""
    X, y = blobs
    binary = y == y[0]
    probabilistic = MLPClassifier(max_iter=20, random_state=0).fit(X, binary)
    probabilistic.set_params(loss="hinge")
    assert hasattr(probabilistic, "predict_proba")
    assert not hasattr(probabilistic, "decision_function")
    margin = MLPClassifier(loss="hinge", max_iter=20, random_state=0).fit(X, binary)
    margin.set_params(loss="log_loss")
    assert not hasattr(margin, "predict_proba")
    assert margin.decision_function(X).shape == (len(X),)


def test_decision_function_only_where_scikit_learn_would_have_none_either(blobs):
    """Like scikit-learn's MLPClassifier, a probabilistic model has no
    decision_function (code that duck-types on it, such as
    CalibratedClassifierCV, then takes scikit-learn's path); the hinge loss,
    which has no probabilities, has one."""
    from sklearn.neural_network import MLPClassifier as SklearnMLP

    X, y = blobs
    for est in (MLPClassifier(max_iter=20), MultiLabelMLP(max_iter=20)):
        assert hasattr(est.fit(X, y), "decision_function") == hasattr(
            SklearnMLP(max_iter=20).fit(X, y), "decision_function"
        )
        with pytest.raises(AttributeError) as error:
            est.decision_function(X)
        assert "only available with loss='hinge'" in str(error.value.__cause__)
    calibrated = CalibratedClassifierCV(MLPClassifier(max_iter=50, random_state=0), cv=3)
    proba = calibrated.fit(X, y).predict_proba(X)
    assert proba.shape == (len(X), len(np.unique(y)))


@pytest.mark.parametrize("multilabel", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_early_stopping_accuracy_is_scikit_learns_accuracy_score(multilabel, weighted):
    """The validation score's fast accuracy is accuracy_score, to the bit."""
    from sklearn.metrics import accuracy_score

    rng = np.random.RandomState(0)
    shape = (50, 3) if multilabel else (50,)
    y_true, y_pred = rng.randint(2, size=shape), rng.randint(2, size=shape)
    y_pred[:20] = y_true[:20]
    sw = rng.uniform(0.1, 3.0, size=50) if weighted else None
    model = (MultiLabelMLP if multilabel else MLPClassifier)()
    assert model._score_function(y_true, y_pred, sw) == accuracy_score(
        y_true, y_pred, sample_weight=sw
    )
    labels = np.array(["a", "b"])[rng.randint(2, size=50)]
    assert model._score_function(labels, labels[::-1], sw) == accuracy_score(
        labels, labels[::-1], sample_weight=sw
    )


@pytest.mark.parametrize(
    "fit_on, y",
    [
        ([0, 1, 1, 0], [1, 0, 0, 1, 1]),
        (["b", "a", "b"], ["a", "a", "b"]),
        ([3, 1, 2, 2], [2, 3, 1, 1, 3]),
        (["x", "y", "z"], ["z", "y", "x", "x"]),
        ([1.0, 2.0, 3.0], [3.0, 1.0]),
        ([1, 2, 3], [1, 4, 2]),  # an unknown label: the binarizer's own answer
        ([[1, 0], [0, 1], [1, 1]], [[0, 1], [1, 1]]),  # indicator: the binarizer's
    ],
)
def test_binarized_is_the_label_binarizers_transform(fit_on, y):
    from sklearn.preprocessing import LabelBinarizer

    from skmlp._estimators.classifier import binarized

    binarizer = LabelBinarizer().fit(np.array(fit_on))
    expected = binarizer.transform(np.array(y))
    got = binarized(binarizer, np.array(y))
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)
