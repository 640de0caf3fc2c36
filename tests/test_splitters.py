"""The one function that chooses folds from a number of them: the CV
estimators' inner folds and ``skmlp cv``'s folds."""

import warnings
from types import SimpleNamespace

import numpy as np
import pytest
from sklearn.model_selection import (
    GroupKFold,
    KFold,
    LeaveOneGroupOut,
    StratifiedGroupKFold,
    StratifiedKFold,
)

from skmlp import MLPClassifierCV, MLPRegressorCV
from skmlp._estimators.ensemble import member_seeds
from skmlp.cli.cv import outer_splitter
from skmlp.model_selection._splitters import (
    ESTIMATOR,
    command_line,
    default_splitter,
)


def _data(n_groups=6, per_group=10, seed=0):
    rng = np.random.RandomState(seed)
    n = n_groups * per_group
    X = rng.normal(size=(n, 3))
    y = (X[:, 0] + 0.5 * rng.normal(size=n) > 0).astype(int)
    groups = np.repeat([f"h{i}" for i in range(n_groups)], per_group)
    return X, y, groups


def _tests(splitter, X, y, groups=None):
    return [test.tolist() for _, test in splitter.split(X, y, groups)]


@pytest.mark.parametrize(
    "classify, grouped, kind",
    [
        (True, False, StratifiedKFold),
        (False, False, KFold),
        (True, True, StratifiedGroupKFold),
        (False, True, GroupKFold),
    ],
)
def test_the_kind_of_folds(classify, grouped, kind):
    X, y, groups = _data()
    splitter = default_splitter(
        4, classify=classify, groups=groups if grouped else None, random_state=3
    )
    assert type(splitter) is kind and splitter.get_n_splits() == 4
    if kind is not GroupKFold:  # shuffled, by the seed given
        assert splitter.shuffle and splitter.random_state == 3


def test_none_asks_for_five_folds():
    assert default_splitter(None, classify=True).get_n_splits() == 5


def test_folds_keep_groups_whole():
    X, y, groups = _data()
    for classify in (True, False):
        splitter = default_splitter(3, classify=classify, groups=groups, random_state=0)
        for train, test in splitter.split(X, y, groups):
            assert not set(groups[train]) & set(groups[test])


@pytest.mark.parametrize(
    "n_splits, what, expected",
    [
        (None, ESTIMATOR, ["cv=None asks for 5 inner folds", "Pass cv=3 "]),
        (4, ESTIMATOR, ["cv=4 asks for 4 inner folds", "groups has 3 groups"]),
        (
            5,
            command_line("hospital"),
            ["--cv 5 asks for 5 folds, but --groups hospital has 3 groups", "Pass --cv 3 "],
        ),
    ],
)
def test_fewer_groups_than_folds_give_one_fold_per_group(n_splits, what, expected):
    X, y, groups = _data(n_groups=3)
    with pytest.warns(UserWarning, match="one (inner )?fold per group") as caught:
        splitter = default_splitter(n_splits, classify=True, groups=groups, what=what)
    assert isinstance(splitter, LeaveOneGroupOut)
    [message] = [str(w.message) for w in caught]
    assert all(part in message for part in expected), message
    held_out = [sorted(set(groups[test])) for _, test in splitter.split(X, y, groups)]
    assert held_out == [["h0"], ["h1"], ["h2"]]


@pytest.mark.parametrize("classify", [True, False])
def test_as_many_groups_as_folds_is_no_news(classify):
    X, y, groups = _data(n_groups=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        splitter = default_splitter(3, classify=classify, groups=groups, random_state=0)
    held_out = [sorted(set(groups[test])) for _, test in splitter.split(X, y, groups)]
    assert sorted(held_out) == [["h0"], ["h1"], ["h2"]]


@pytest.mark.parametrize(
    "what, names",
    [
        (ESTIMATOR, ["groups has a single group ('x')", "cv=3", "fit without groups"]),
        (
            command_line("site"),
            ["--groups site has a single group ('x')", "--cv 3", "--groups column"],
        ),
    ],
)
def test_a_single_group_is_refused_naming_the_callers_settings(what, names):
    with pytest.raises(ValueError) as error:
        default_splitter(3, classify=True, groups=np.array(["x"] * 10), what=what)
    assert all(name in str(error.value) for name in names), str(error.value)


def test_fewer_than_two_folds_are_refused_by_the_callers_name():
    with pytest.raises(ValueError, match="--cv must be at least 2; got 1"):
        default_splitter(1, classify=True, what=command_line("site"))


def test_a_seed_function_is_called_only_for_shuffled_folds():
    """A caller drawing its seed from a generator draws only when it is used."""
    _, _, groups = _data()
    calls = []

    def seed():
        calls.append(1)
        return 7

    assert default_splitter(3, classify=True, random_state=seed).random_state == 7
    default_splitter(3, classify=True, groups=groups, random_state=seed)
    assert len(calls) == 2
    default_splitter(3, classify=False, groups=groups, random_state=seed)  # GroupKFold
    with pytest.warns(UserWarning):
        default_splitter(
            9, classify=True, groups=groups, random_state=seed
        )  # one per group
    assert len(calls) == 2


def test_an_estimator_with_a_generator_draws_no_seed_for_unshuffled_folds():
    _, _, groups = _data()
    rng = np.random.RandomState(0)
    state = rng.get_state()[1].copy()
    MLPRegressorCV(cv=3, random_state=rng)._inner_cv(groups)
    np.testing.assert_array_equal(rng.get_state()[1], state)


# -- the two callers: the same function, the same folds -------------------------


def _args(n_splits, random_state, groups_column="hospital"):
    return SimpleNamespace(cv=n_splits, random_state=random_state, groups=groups_column)


def _table(X, y, groups, task="classification"):
    return SimpleNamespace(X=X, y=y, groups=groups, task=task)


@pytest.mark.parametrize("grouped", [False, True])
@pytest.mark.parametrize(
    "Estimator, task", [(MLPClassifierCV, "classification"), (MLPRegressorCV, "regression")]
)
def test_the_command_line_and_the_estimators_get_the_same_folds(Estimator, task, grouped):
    """With the seed each caller derives (the estimator: its first member seed
    of ``random_state``; the command line: ``--random-state`` itself), the
    same inputs give the same folds."""
    X, y, groups = _data()
    groups = groups if grouped else None
    estimator = Estimator(cv=3, random_state=11)
    inner = _tests(estimator._inner_cv(groups), X, y, groups)
    seed = int(member_seeds(11, 1)[0])
    outer = _tests(outer_splitter(_table(X, y, groups, task), _args(3, seed)), X, y, groups)
    assert inner == outer
    classify = task == "classification"
    direct = default_splitter(3, classify=classify, groups=groups, random_state=seed)
    assert _tests(direct, X, y, groups) == inner


def test_both_callers_call_the_one_function(monkeypatch):
    import skmlp._tuned.base
    import skmlp.cli.cv

    calls = []

    def spy(n_splits, **kwargs):
        calls.append(kwargs.get("what", ESTIMATOR))
        return default_splitter(n_splits, **kwargs)

    monkeypatch.setattr(skmlp._tuned.base, "default_splitter", spy)
    monkeypatch.setattr(skmlp.cli.cv, "default_splitter", spy)
    X, y, groups = _data(n_groups=3)
    with pytest.warns(UserWarning, match="one inner fold per group"):
        MLPClassifierCV(random_state=0)._inner_cv(groups)
    with pytest.warns(UserWarning, match="one fold per group"):
        outer_splitter(_table(X, y, groups), _args(5, 0))
    assert calls == [ESTIMATOR, command_line("hospital")]
