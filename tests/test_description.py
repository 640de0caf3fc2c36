"""The one description of a fitted model that code outside the estimators
reads (skmlp/_estimators/description.py)."""

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression

from skmlp import (
    MLPClassifier,
    MLPClassifierCV,
    MLPRegressor,
    MLPRegressorCV,
    MultiLabelMLP,
)
from skmlp._estimators.description import describe, output_width

FAST = dict(hidden_layer_sizes=(4,), max_iter=3, random_state=0)


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(60, 5, n_informative=3, n_classes=3, random_state=0)
    return X, y


def test_classifiers_are_described_by_task(data):
    X, y = data
    with pytest.warns(Warning):
        binary = describe(MLPClassifier(**FAST).fit(X, y > 0))
        multiclass = describe(MLPClassifier(**FAST).fit(X, y))
        labels = describe(MultiLabelMLP(**FAST).fit(X, np.c_[y == 0, y == 1]))
    assert (binary.task, binary.out_activation, output_width(binary)) == (
        "binary",
        "logistic",
        1,
    )
    assert binary.classes.tolist() == [False, True]
    assert (multiclass.task, multiclass.out_activation) == ("multiclass", "softmax")
    assert output_width(multiclass) == 3
    assert (labels.task, output_width(labels)) == ("multilabel", 2)
    np.testing.assert_allclose(multiclass.input_median, np.median(X, axis=0))


def test_an_ensemble_is_described_by_its_members_networks(data):
    X, y = data
    with pytest.warns(Warning):
        ensemble = MLPClassifier(**FAST, ensemble_size=3).fit(X, y)
    fitted = describe(ensemble)
    assert len(fitted.networks) == 3
    assert all(a is m._network for a, m in zip(fitted.networks, ensemble.estimators_))


def test_a_regressor_is_described_with_its_link():
    X, y = make_regression(50, 4, random_state=0)
    with pytest.warns(Warning):
        fitted = describe(MLPRegressor(**FAST).fit(X, y))
    assert (fitted.task, fitted.out_activation, fitted.classes) == (
        "regression",
        "identity",
        None,
    )
    assert fitted.encoder is None and fitted.y_scale == 1.0


def test_a_cv_estimator_is_described_through_its_encoding(data):
    X, y = data
    cv = MLPRegressorCV(alphas=[0.1], cv=2, max_iter=3, random_state=0)
    fitted = describe(cv.fit(X, y.astype(float)))
    assert fitted.encoder is cv.encoder_ and fitted.scaler is cv.scaler_
    assert fitted.y_scale == cv._y_scale and fitted.y_center == cv._y_center
    assert len(fitted.networks) == cv.estimator_.ensemble_size
    classifier = MLPClassifierCV(alphas=[0.1], cv=2, max_iter=3, random_state=0)
    fitted = describe(classifier.fit(X, y))
    assert fitted.task == "multiclass" and list(fitted.classes) == [0, 1, 2]
