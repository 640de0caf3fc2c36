"""Ensemble selection on out-of-fold predictions (skmlp/_tuned/selection.py)."""

import numpy as np
import pytest
from sklearn.metrics import log_loss as sklearn_log_loss
from sklearn.metrics import mean_squared_error, roc_auc_score

from skmlp._estimators.common_scores import log_loss
from skmlp._tuned.selection import (
    MixedPredictions,
    MixedProbabilities,
    batched_score,
    greedy_selection,
    per_trial,
    squared_error,
)


def _reference(fold_outputs, score, rounds):
    """Caruana et al.'s loop as written in the paper: keep the list of the
    models selected so far; each round try every model appended to it and
    keep the one whose average scores best (the first on ties)."""
    selected = []
    n_candidates = fold_outputs[0].shape[0]
    for _ in range(rounds):
        best, best_score = None, -np.inf
        for c in range(n_candidates):
            trial = selected + [c]
            per_fold = [
                score(f, np.mean([outputs[m] for m in trial], axis=0))
                for f, outputs in enumerate(fold_outputs)
            ]
            if np.mean(per_fold) > best_score:
                best, best_score = c, np.mean(per_fold)
        selected.append(best)
    return np.bincount(selected, minlength=n_candidates)


def _binary_folds(seed, n_candidates=6, sizes=(9, 11, 10)):
    rng = np.random.default_rng(seed)
    ys = [rng.integers(0, 2, size) for size in sizes]
    # candidates of different skill: noisy views of the labels
    outputs = [
        np.stack(
            [
                np.clip(y + rng.normal(0, 0.3 + 0.2 * c, len(y)), 0.01, 0.99)[:, None]
                for c in range(n_candidates)
            ]
        )
        for y in ys
    ]
    return ys, outputs


@pytest.mark.parametrize("seed", range(5))
def test_greedy_selection_is_caruanas_loop(seed):
    ys, outputs = _binary_folds(seed)

    def score(fold, P):
        return -log_loss(P, ys[fold][:, None], None, binary=True)

    counts = greedy_selection(outputs, per_trial(score), rounds=12)
    np.testing.assert_array_equal(counts, _reference(outputs, score, 12))
    assert counts.sum() == 12


def test_the_first_round_selects_the_best_candidate_by_mean_fold_score():
    ys, outputs = _binary_folds(0)

    def score(fold, P):
        return roc_auc_score(ys[fold], P[:, 0])

    means = [np.mean([score(f, o[c]) for f, o in enumerate(outputs)]) for c in range(6)]
    counts = greedy_selection(outputs, per_trial(score), rounds=1)
    assert counts.argmax() == int(np.argmax(means)) and counts.sum() == 1


def test_a_mixture_can_beat_every_candidate_and_is_found():
    """Two candidates, each right on half of the rows and unsure on the
    others: their average beats both, so both are selected."""
    y = np.array([0, 1, 0, 1, 0, 1, 0, 1])
    a = np.where(np.arange(8) < 4, y, 0.5).astype(float)
    b = np.where(np.arange(8) >= 4, y, 0.5).astype(float)
    a = np.clip(a, 0.05, 0.95)[:, None]
    b = np.clip(b, 0.05, 0.95)[:, None]
    outputs = [np.stack([a, b, np.full_like(a, 0.5)])]

    def score(fold, P):
        return -log_loss(P, y[:, None], None, binary=True)

    counts = greedy_selection(outputs, per_trial(score), rounds=10)
    assert counts[0] > 0 and counts[1] > 0 and counts[2] == 0


def test_a_candidate_that_never_scores_is_not_selected():
    ys, outputs = _binary_folds(1, n_candidates=3)
    outputs[0][0] = np.nan  # candidate 0 diverged on the first fold

    def score(fold, P):
        return (
            np.nan
            if not np.isfinite(P).all()
            else -log_loss(P, ys[fold][:, None], None, True)
        )

    counts = greedy_selection(outputs, per_trial(score), rounds=5)
    assert counts[0] == 0


def test_losses_are_scikit_learns():
    rng = np.random.default_rng(0)
    P = rng.dirichlet(np.ones(3), 20)
    y = rng.integers(0, 3, 20)
    w = rng.uniform(0.5, 2, 20)
    Y = np.eye(3)[y]
    assert log_loss(P, Y, w, binary=False) == pytest.approx(
        sklearn_log_loss(y, P, sample_weight=w, labels=[0, 1, 2])
    )
    p = rng.uniform(0.01, 0.99, (20, 1))
    yb = rng.integers(0, 2, 20)
    assert log_loss(p, yb[:, None], w, binary=True) == pytest.approx(
        sklearn_log_loss(yb, np.column_stack([1 - p[:, 0], p[:, 0]]), sample_weight=w)
    )
    out, T = rng.normal(size=(20, 2)), rng.normal(size=(20, 2))
    assert squared_error(out, T, w) == pytest.approx(
        mean_squared_error(T, out, sample_weight=w)
    )


def test_mixed_outputs_are_scored_by_scikit_learns_scorers():
    from sklearn.metrics import get_scorer

    rng = np.random.default_rng(0)
    P = rng.dirichlet(np.ones(2), 30)
    y = np.array(["a", "b"])[rng.integers(0, 2, 30)]
    mixture = MixedProbabilities(
        np.array(["a", "b"]), lambda P: np.array(["a", "b"])[P.argmax(1)]
    )
    for name, expected in [
        ("roc_auc", roc_auc_score(y, P[:, 1])),
        ("neg_log_loss", -sklearn_log_loss(y, P)),
        ("balanced_accuracy", None),
    ]:
        got = get_scorer(name)(mixture, P, y)
        if expected is not None:
            assert got == pytest.approx(expected)
    regression = MixedPredictions(lambda out: out.ravel() * 2.0)
    out = rng.normal(size=(30, 1))
    t = rng.normal(size=30)
    got = get_scorer("neg_mean_squared_error")(regression, out, t)
    assert got == pytest.approx(-mean_squared_error(t, 2.0 * out.ravel()))


@pytest.mark.parametrize("binary", [True, False])
def test_losses_of_a_stack_are_the_losses_of_its_trials(binary):
    """Selection scores every trial of a round in one call: the loss of a
    stack, trial by trial, is the loss of each trial alone."""
    rng = np.random.default_rng(1)
    trials = rng.dirichlet(np.ones(3), (4, 25))
    Y = np.eye(3)[rng.integers(0, 3, 25)]
    w = rng.uniform(0.5, 2, 25)
    stacked = log_loss(trials, Y, w, binary)
    assert stacked.shape == (4,)
    np.testing.assert_allclose(stacked, [log_loss(P, Y, w, binary) for P in trials])
    outputs, T = rng.normal(size=(4, 25, 2)), rng.normal(size=(25, 2))
    np.testing.assert_allclose(
        squared_error(outputs, T, None), [squared_error(o, T, None) for o in outputs]
    )


def _stack_and_truth(kind, rng, n=40, n_trials=5):
    """Trials of mixed outputs with ties, their truth and row weights."""
    if kind == "regression":
        trials = np.round(rng.normal(size=(n_trials, n, 1)), 1)
        return trials, rng.normal(size=n), rng.uniform(0.2, 2, n)
    n_classes = 2 if kind == "binary" else 3
    trials = np.round(rng.dirichlet(np.ones(n_classes), (n_trials, n)), 1)
    trials /= trials.sum(axis=-1, keepdims=True)
    labels = np.array(["a", "b", "c"][:n_classes])
    return trials, labels[rng.integers(0, n_classes, n)], rng.uniform(0.2, 2, n)


@pytest.mark.parametrize(
    "kind, scoring",
    [
        ("binary", "roc_auc"),
        ("binary", "accuracy"),
        ("binary", "balanced_accuracy"),
        ("binary", "neg_log_loss"),
        ("multiclass", "balanced_accuracy"),
        ("multiclass", "accuracy"),
        ("multiclass", "neg_log_loss"),
        ("regression", "r2"),
        ("regression", "neg_mean_squared_error"),
        ("regression", "neg_root_mean_squared_error"),
        ("regression", "neg_mean_absolute_error"),
    ],
)
@pytest.mark.parametrize("weighted", [False, True])
def test_batched_scores_are_scikit_learns_scorers(kind, scoring, weighted):
    """The common scorings of selection, every trial at once, equal
    scikit-learn's scorers trial by trial (ties in the scores, row weights)."""
    from sklearn.metrics import get_scorer

    rng = np.random.default_rng(3)
    trials, y, w = _stack_and_truth(kind, rng)
    w = w if weighted else None
    if kind == "regression":
        mixture = MixedPredictions(lambda out: 2.0 * out.ravel() + 1.0)
    else:
        classes = np.unique(y)
        mixture = MixedProbabilities(classes, lambda P: classes[P.argmax(axis=1)])
    scores = batched_score(scoring, mixture, y, w)(trials)
    scorer, kwargs = get_scorer(scoring), ({} if w is None else {"sample_weight": w})
    expected = [scorer(mixture, t, y, **kwargs) for t in trials]
    np.testing.assert_allclose(scores, expected, rtol=1e-12, atol=1e-12)


def test_other_scorings_are_left_to_their_scorers():

    classes = np.array([0, 1, 2])
    mixture = MixedProbabilities(classes, lambda P: classes[P.argmax(axis=1)])
    y = np.array([0, 1, 2, 1])
    assert batched_score("f1_macro", mixture, y, None) is None
    assert batched_score("roc_auc", mixture, y, None) is None  # three classes
    assert batched_score(lambda est, X, y: 0.0, mixture, y, None) is None
    assert batched_score("accuracy", mixture, np.eye(3)[y], None) is None  # indicators
