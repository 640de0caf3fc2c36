"""The common scorings computed from outputs (skmlp/_estimators/common_scores.py):
every epoch of early stopping scores as scikit-learn's scorer would."""

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.metrics import get_scorer

from skmlp import MLPClassifier, MLPRegressor
from skmlp._estimators import scoring as epoch_scoring

CASES = [
    (MLPClassifier, 2, "roc_auc"),
    (MLPClassifier, 2, "neg_log_loss"),
    (MLPClassifier, 3, "balanced_accuracy"),
    (MLPClassifier, 3, "accuracy"),
    (MLPClassifier, 3, "neg_log_loss"),
    (MLPRegressor, None, "r2"),
    (MLPRegressor, None, "neg_mean_absolute_error"),
]


def _data(n_classes, seed=0):
    if n_classes is None:
        return make_regression(120, 6, noise=10.0, random_state=seed)
    return make_classification(
        120, 6, n_informative=4, n_classes=n_classes, weights=None, random_state=seed
    )


def _fit(cls, X, y, scoring, **params):
    return cls(
        hidden_layer_sizes=(8,),
        scoring=scoring,
        early_stopping=True,
        n_iter_no_change=5,
        max_iter=40,
        random_state=0,
        **params,
    ).fit(X, y)


@pytest.mark.parametrize("cls, n_classes, scoring", CASES)
@pytest.mark.parametrize("weighted", [False, True])
def test_each_epoch_scores_as_the_scorer_does(
    cls, n_classes, scoring, weighted, monkeypatch
):
    """The validation scores of a fit computed from the outputs equal those
    of the same fit scored by scikit-learn's scorer (the common path turned
    off), epoch by epoch, with and without row weights."""
    X, y = _data(n_classes)
    w = np.random.default_rng(0).uniform(0.5, 2.0, len(y)) if weighted else None
    fast = _fit(cls, X, y, scoring).fit(X, y, sample_weight=w)
    monkeypatch.setattr(epoch_scoring, "common_scoring", lambda *args: None)
    slow = _fit(cls, X, y, scoring).fit(X, y, sample_weight=w)
    assert len(fast.validation_scores_) > 5
    np.testing.assert_allclose(fast.validation_scores_, slow.validation_scores_, rtol=1e-10)
    np.testing.assert_array_equal(fast.coefs_[0], slow.coefs_[0])


def test_the_last_score_is_the_scorers_on_the_validation_rows():
    X, y = _data(2)
    X_val, y_val = _data(2, seed=1)
    clf = MLPClassifier(
        hidden_layer_sizes=(8,), scoring="roc_auc", max_iter=10, random_state=0
    )
    clf.set_params(restore_best_weights=False, early_stopping=True)
    clf.fit(X, y, X_val=X_val, y_val=y_val)
    expected = get_scorer("roc_auc")(clf, X_val, y_val)
    assert clf.validation_scores_[-1] == pytest.approx(expected, rel=1e-12)


def test_a_shared_weight_ensemble_scores_its_averaged_probabilities(monkeypatch):
    X, y = _data(2)
    params = dict(ensemble_size=3, ensemble_kind="shared")
    fast = _fit(MLPClassifier, X, y, "neg_log_loss", **params)
    monkeypatch.setattr(epoch_scoring, "common_scoring", lambda *args: None)
    slow = _fit(MLPClassifier, X, y, "neg_log_loss", **params)
    np.testing.assert_allclose(fast.validation_scores_, slow.validation_scores_, rtol=1e-6)
