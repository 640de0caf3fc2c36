"""The report: the cached results as text on stdout and, for a full run, the
docs page ``docs/benchmarks.rst`` with its two figures."""

from pathlib import Path

import numpy as np

from . import aggregate
from . import tables as suite_tables

REFERENCE = "skmlp CV"
IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


def _frame(cache, tables, models):
    import pandas as pd

    records = [r for r in cache.records() if r["table"] in tables and r["model"] in models]
    records = [r for r in records if "error" not in r]
    return pd.DataFrame(records) if records else None


def collect(cache, tables, models, times=None):
    """The cached records of ``tables`` x ``models`` as a DataFrame with a
    headline ``score`` column; None when there are none. ``times``: another
    cache whose fit and predict seconds replace these (a timing run on a quiet
    machine), per (table, model, fold), averaged over its seeds."""
    frame = _frame(cache, tables, models)
    if frame is None:
        return None
    if times is not None:
        frame = _with_times(frame, _frame(times, tables, models))
    metric_of = {t: suite_tables.BY_NAME[t].metrics[0] for t in frame["table"].unique()}
    return aggregate.headline(frame, metric_of)


def _with_times(frame, timed):
    """``frame`` with the seconds of ``timed`` (NaN where it has none)."""
    keys = ["table", "model", "fold"]
    seconds = ["fit_seconds", "predict_seconds"]
    mean = timed.groupby(keys)[seconds].mean().reset_index()
    return frame.drop(columns=seconds).merge(mean, on=keys, how="left")


def failures(cache, tables, models):
    """``{(table, model): error}`` of the fits that failed (one per pair)."""
    out = {}
    for r in cache.records():
        if "error" in r and r["table"] in tables and r["model"] in models:
            out.setdefault((r["table"], r["model"]), r["error"])
    return out


def _family(name):
    return suite_tables.BY_NAME[name].family


def text_tables(frame):
    """``{title: DataFrame}``: per-table scores, the summary, win rates, families."""
    table = aggregate.per_table(frame)
    cells = table.assign(
        cell=[f"{s:.3f} ± {d:.3f}" for s, d in zip(_unsign(table), table["sd"].fillna(0))]
    )
    scores = cells.pivot(index="table", columns="model", values="cell")
    scores.insert(0, "metric", [suite_tables.BY_NAME[t].metrics[0] for t in scores.index])
    scores.insert(0, "family", [_family(t) for t in scores.index])
    seconds = table.pivot(index="table", columns="model", values="seconds").round(1)
    out = {
        "Score per table (headline metric, mean ± sd over folds)": scores.sort_values(
            ["family", "table"]
        ),
        "Seconds per table (fit + predict, all 5 folds)": seconds,
        "Over all tables": aggregate.summary(table, frame, REFERENCE).round(3),
    }
    if REFERENCE in set(table["model"]):
        out[f"{REFERENCE} against each model"] = aggregate.win_rates(frame, REFERENCE)
    out["Mean normalised score per family"] = aggregate.by_family(table, _family).round(3)
    if REFERENCE in set(table["model"]):
        out[f"Where {REFERENCE} is behind the best model"] = _behind(table)
    balanced = _binary_by_balanced_accuracy(frame)
    if balanced is not None:
        title = "Binary tables by balanced accuracy (the second metric)"
        out[title] = balanced
    return out, table


def _behind(table):
    """Per table where the reference is not the best: the best model, the
    gap in the headline metric, and whether it exceeds the fold sd."""
    import pandas as pd

    rows = []
    for name, group in table.groupby("table"):
        group = group.set_index("model")
        best = group["score"].idxmax()
        if best == REFERENCE or REFERENCE not in group.index:
            continue
        gap = group.loc[best, "score"] - group.loc[REFERENCE, "score"]
        if gap <= 1e-12:  # tied with the best
            continue
        rows.append(
            {
                "table": name,
                "family": _family(name),
                "best": best,
                "gap": round(gap, 4),
                "beyond one sd": gap > group.loc[REFERENCE, "sd"],
            }
        )
    columns = ["table", "family", "best", "gap", "beyond one sd"]
    behind = pd.DataFrame(rows, columns=columns)  # none: skmlp CV leads, or ran alone
    return behind.sort_values("gap", ascending=False).set_index("table")


def _binary_by_balanced_accuracy(frame):
    """The summary of the binary tables scored by balanced accuracy: what a
    model's predicted classes are worth, beside how its probabilities order
    the rows (ROC AUC)."""
    binary = frame["table"].map(lambda t: suite_tables.BY_NAME[t].task == "binary")
    if not binary.any():
        return None
    second = frame[binary].assign(score=frame.loc[binary, "balanced_accuracy"])
    table = aggregate.per_table(second)
    summary = aggregate.summary(table, second, REFERENCE)
    return summary[["normalised", "mean_rank", "tables"]].round(3)


def _unsign(table):
    """Scores back in their metric's sign (log-loss and hamming are stored negated)."""
    lower = table["table"].map(lambda t: suite_tables.BY_NAME[t].metrics[0])
    return np.where(lower.isin(aggregate.LOWER_IS_BETTER), -1, 1) * table["score"]


def figures(table, frame, stem="benchmarks"):
    """The two figures: mean normalised score against geometric-mean time (one
    point a model), and each table's normalised scores. Returns their paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    summary = aggregate.summary(table, frame, REFERENCE)
    IMAGES.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    time_column = f"time_x_{REFERENCE}"
    for model, row in summary.iterrows():
        ax.scatter(
            row[time_column],
            row["normalised"],
            s=60,
            color="C3" if model == REFERENCE else "C0",
        )
        ax.annotate(
            model,
            (row[time_column], row["normalised"]),
            fontsize=9,
            xytext=(5, 4),
            textcoords="offset points",
        )
    ax.set_xscale("log")
    ticks = [
        t
        for t in (0.125, 0.25, 0.5, 1, 2, 4, 8, 16)
        if summary[time_column].min() / 1.5 <= t <= summary[time_column].max() * 1.5
    ]
    ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
    ax.minorticks_off()
    ax.set_xlabel(f"time (fit + predict), geometric mean over tables, x {REFERENCE}")
    ax.set_ylabel("mean normalised score (1 = best on a table)")
    ax.set_title(f"{table['table'].nunique()} tables: quality against time")
    ax.grid(alpha=0.3)
    first = IMAGES / f"{stem}_score_time.png"
    fig.savefig(first, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return first, _per_table_figure(table, IMAGES / f"{stem}_per_table.png")


def _per_table_figure(table, path):
    import matplotlib.pyplot as plt

    norm = aggregate.normalised(table)
    order = sorted(norm.index, key=lambda t: (_family(t), t))
    norm = norm.loc[order]
    fig, ax = plt.subplots(figsize=(7.5, 0.28 * len(norm) + 1.5))
    markers = "osD^v<>phX"
    for j, model in enumerate(norm.columns):
        ax.scatter(
            norm[model],
            np.arange(len(norm)),
            label=model,
            marker=markers[j % 10],
            s=70 if model == REFERENCE else 30,
            zorder=3 if model == REFERENCE else 2,
            color="C3" if model == REFERENCE else f"C{(j % 9) + (j >= 3)}",
        )
    ax.set_yticks(np.arange(len(norm)))
    ax.set_yticklabels([f"{t} ({_family(t)})" for t in norm.index], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("normalised score on the table (0 = worst model, 1 = best)")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


def write_report(cache, tables, models, rst_path=None, times=None):
    """Print the report; with ``rst_path``, write it as a docs page too;
    ``times``: a cache to take the seconds from (see :func:`collect`)."""
    frame = collect(cache, tables, models, times)
    if frame is None:
        print("no cached results for these tables and models")
        return
    parts, table = text_tables(frame)
    failed = failures(cache, tables, models)
    if failed:
        import pandas as pd

        parts["Fits that failed (left out of every aggregate)"] = pd.DataFrame(
            [{"table": t, "model": m, "error": e[:160]} for (t, m), e in failed.items()]
        ).set_index("table")
    for title, part in parts.items():
        print(f"\n== {title}\n{part.to_string()}")
    if rst_path is not None and REFERENCE not in set(table["model"]):
        note = f"its figures compare with {REFERENCE!r}, which did not run"
        print(f"\nno page written to {rst_path}: {note}")
    elif rst_path is not None:
        from .rst import page

        first, second = figures(table, frame)
        rst_path.write_text(page(parts, frame, first, second))
        print(f"\nwrote {rst_path}, {first.name} and {second.name}")
