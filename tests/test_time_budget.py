"""The CV estimators' time_budget (skmlp/_tuned/budget.py): the pass stops
every network still training once the budget is spent."""

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression

from skmlp import MLPClassifierCV, MLPRegressorCV

SMALL = dict(alphas=[1e-3, 1e-1, 1.0], cv=3, max_iter=30, random_state=0)


@pytest.fixture
def data():
    return make_classification(n_samples=90, n_features=6, random_state=0)


@pytest.mark.parametrize("halving", [True, False])
def test_an_unspent_budget_changes_nothing(halving, data):
    """Checking the clock after every epoch (the pass in lockstep) trains
    the same networks as no budget: bit for bit."""
    X, y = data
    free = MLPClassifierCV(**SMALL, halving=halving).fit(X, y)
    budgeted = MLPClassifierCV(**SMALL, halving=halving, time_budget=1e6).fit(X, y)
    np.testing.assert_array_equal(free.predict_proba(X), budgeted.predict_proba(X))
    for key in ("mean_test_score", "pruned_at_epoch", "mean_n_iter"):
        np.testing.assert_array_equal(free.cv_results_[key], budgeted.cv_results_[key])


def test_a_spent_budget_stops_every_network_after_its_first_epoch(data):
    """A budget spent before the pass begins: every network of the pass stops
    after one epoch with its weights of that epoch; the linear model (solved
    after the pass) is untouched; the fit still predicts."""
    X, y = data
    model = MLPClassifierCV(**SMALL, time_budget=1e-9).fit(X, y)
    linear = np.array(["hidden_layer_sizes" in p for p in model.cv_results_["params"]])
    pruned = model.cv_results_["pruned_at_epoch"]
    np.testing.assert_array_equal(pruned[~linear], 1)
    np.testing.assert_array_equal(pruned[linear], 0)
    np.testing.assert_array_equal(model.cv_results_["mean_n_iter"][~linear], 1)
    assert model.predict_proba(X).shape == (len(y), 2)
    free = MLPClassifierCV(**SMALL).fit(X, y)
    linear_scores = model.cv_results_["mean_test_score"][linear]
    np.testing.assert_array_equal(
        linear_scores, free.cv_results_["mean_test_score"][linear]
    )


def test_the_budget_keeps_halvings_earlier_cuts(monkeypatch):
    """Candidates halving pruned before the budget ran out keep their own
    epoch; the budget's epoch goes to the ones it stopped."""
    X, y = make_regression(n_samples=120, n_features=5, noise=5.0, random_state=0)

    import skmlp._tuned.budget as budget

    checks = []

    def clock():  # the budget runs out at the 20th epoch's check
        checks.append(1)
        return 1e12 if len(checks) >= 20 else 0.0

    params = dict(SMALL, alphas=[1e-3, 1e-2, 1e-1, 1.0, 10.0], portfolio=None)
    model = MLPRegressorCV(**params, n_iter_no_change=100, time_budget=1e3)
    monkeypatch.setattr(budget, "perf_counter", clock)
    model.fit(X, y)
    pruned = model.cv_results_["pruned_at_epoch"]
    # one step an epoch: halving's first rung at epoch 16, the budget's at 20
    assert set(pruned) == {16, 20}
    assert (pruned == 20).sum() == 2  # the best third of five alphas went on
    assert model.n_iter_.max() == 20


def test_a_bad_budget_is_named(data):
    X, y = data
    with pytest.raises(ValueError, match="time_budget"):
        MLPClassifierCV(time_budget=0).fit(X, y)
