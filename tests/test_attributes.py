"""The registry of fitted attributes is the truth: what each fitted estimator
holds is exactly what the registry says it publishes, no more, no less."""

import re
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification, make_regression

from skmlp import (
    MLPClassifier,
    MLPClassifierCV,
    MLPRegressor,
    MLPRegressorCV,
    MultiLabelMLP,
    MultiLabelMLPCV,
)
from skmlp._estimators.attributes import REGISTRY, documented

FAST = dict(max_iter=3, hidden_layer_sizes=(4,))


def _data(kind):
    X, y = make_classification(80, 4, n_informative=3, n_redundant=0, random_state=0)
    X = pd.DataFrame(X, columns=[f"x{i}" for i in range(4)])  # feature_names_in_
    if kind == "regressor":
        return X, make_regression(80, 4, random_state=0)[1]
    if kind == "multilabel":
        return X, np.column_stack([y, 1 - y, y])
    return X, y


def _fitted(estimator, kind):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return estimator.fit(*_data(kind))


def _held(estimator):
    """The fitted attributes ``estimator`` holds: public (properties too) and private."""
    public = {
        a.name
        for a in REGISTRY
        if not a.name.startswith("_") and hasattr(estimator, a.name)
    }
    public |= {n for n in vars(estimator) if n.endswith("_") and not n.startswith("_")}
    private = {n for n in vars(estimator) if n.startswith("_") and not n.startswith("__")}
    return public, private


NETWORKS = [
    (MLPClassifier, "classifier", True),
    (MLPRegressor, "regressor", False),
    (MultiLabelMLP, "multilabel", True),
]


@pytest.mark.parametrize("Estimator, kind, classifier", NETWORKS)
@pytest.mark.parametrize(
    "ensemble",
    [{}, dict(ensemble_size=2), dict(ensemble_size=2, ensemble_kind="shared")],
    ids=["single", "independent", "shared"],
)
def test_a_network_holds_the_registrys_attributes(Estimator, kind, classifier, ensemble):
    estimator = _fitted(Estimator(**FAST, **ensemble, random_state=0), kind)
    public, private = _held(estimator)
    expected = set(documented(cv=False, classifier=classifier))
    if ensemble.get("ensemble_kind", "independent") != "independent" or not ensemble:
        expected.discard("estimators_")  # one network (with heads, if shared)
    assert public == expected
    registered = {a.name for a in REGISTRY if a.networks is not None}
    assert private <= registered, private - registered
    single = {a.name for a in REGISTRY if a.ensemble == "single"}
    if "estimators_" in public:  # an ensemble of networks holds none of a single one's
        assert not private & single
        for member in estimator.estimators_:
            assert _held(member)[0] == expected - {"estimators_"}
    else:
        assert single <= private


@pytest.mark.parametrize(
    "Estimator, kind, classifier",
    [
        (MLPClassifierCV, "classifier", True),
        (MLPRegressorCV, "regressor", False),
        (MultiLabelMLPCV, "multilabel", True),
    ],
)
def test_a_cv_estimator_holds_the_registrys_attributes(Estimator, kind, classifier):
    estimator = _fitted(Estimator(**FAST, alphas=[0.1, 1.0], cv=2, random_state=0), kind)
    public, private = _held(estimator)
    multilabel = kind == "multilabel"
    expected = documented(cv=True, classifier=classifier, multilabel=multilabel)
    assert public == set(expected)
    registered = {a.name for a in REGISTRY if a.cv is not None}
    assert private <= registered, private - registered


@pytest.mark.parametrize(
    "Estimator",
    [
        MLPClassifier,
        MLPRegressor,
        MultiLabelMLP,
        MLPClassifierCV,
        MLPRegressorCV,
        MultiLabelMLPCV,
    ],
)
def test_the_docstring_lists_the_registrys_attributes_in_its_order(Estimator):
    text = Estimator.__doc__.split("Attributes\n    ----------\n")[1]
    text = re.split(r"\n    [A-Z][\w ]*\n    ---", text)[0]  # up to the next section
    listed = [
        line.split(" : ")[0].strip()
        for line in text.splitlines()
        if line.startswith("    ") and not line.startswith("     ") and " : " in line
    ]
    assert listed == Estimator._attributes
