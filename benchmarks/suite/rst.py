"""The docs page ``docs/benchmarks.rst``: generated tables around the
hand-written reading in ``findings.rst`` (kept beside this file)."""

from pathlib import Path

import numpy as np

FINDINGS = Path(__file__).with_name("findings.rst")

HEADER = """\
.. This page is written by ``python -m benchmarks.suite --report-only``; edit
   benchmarks/suite/findings.rst or benchmarks/suite/rst.py, not this file.

How skmlp compares
==================

The benchmark suite (``benchmarks/suite``) scores skmlp's self-tuning estimators
at their defaults against the models a biomedical analyst would pick instead, on
real tables as they come (categories as text, missing values), all on the same
folds: 5-fold, stratified for classification, whole groups (patients) held out
where a table has them. The MLPs ran with {seeds}; the tree and linear models with
one (their randomness is small next to the folds'). Headline metrics: ROC AUC for
binary tables, balanced accuracy for multiclass, R² for regression, micro-F1 for the
multilabel table. Times are fit + predict over all folds on a 2-core machine, every
model on 2 threads, taken in a run of their own (seed 0 of every model) with nothing
else on the machine: gradient boosting's threads slow down tenfold and more beside
any other work, so times taken beside the scoring run's neighbours mislead.

Run it yourself: ``pip install ".[bench]"`` then ``python -m benchmarks.suite``
(``--quick`` for a few minutes; ``--list`` names the tables; results are cached in
``benchmarks/suite_cache`` so an interrupted run resumes).
"""


def _cell(value):
    if isinstance(value, (float, np.floating)):
        return "" if np.isnan(value) else f"{value:.3g}"
    return str(value)


def rst_table(frame, index_name):
    """A DataFrame as an rst ``list-table``."""
    frame = frame.reset_index()
    frame = frame.rename(columns={frame.columns[0]: index_name})
    lines = [".. list-table::", "   :header-rows: 1", ""]
    for k, row in enumerate([list(frame.columns), *frame.itertuples(index=False)]):
        cells = [str(c) if k == 0 else _cell(c) for c in row]
        lines.append("   * - " + cells[0])
        lines.extend(f"     - {c}" for c in cells[1:])
    return "\n".join(lines)


def registry():
    """The tables of the suite: where each comes from, its target, what is
    left out of it and why."""
    import pandas as pd

    from . import tables as suite_tables

    rows = []
    for t in suite_tables.TABLES:
        where = (
            t.source[1] if isinstance(t.source[1], str) else "x".join(map(str, t.source[1]))
        )
        dropped = "; ".join(f"{c} ({why})" for c, why in t.drop.items())
        rows.append(
            {
                "table": t.name,
                "family": t.family,
                "task": t.task,
                "source": f"{t.source[0]}: {where}",
                "target": t.target,
                "groups": t.groups or "",
                "left out": dropped,
                "note": t.note,
            }
        )
    return pd.DataFrame(rows).set_index("table")


def page(parts, frame, first, second):
    seeds = frame.loc[frame["model"] == "skmlp CV", "seed"].nunique() or 1
    text = [HEADER.format(seeds=f"{seeds} seed(s)")]
    if FINDINGS.is_file():
        text.append(FINDINGS.read_text())
    text.append(f".. image:: images/{first.name}\n   :width: 80%\n")
    text.append(f".. image:: images/{second.name}\n   :width: 95%\n")
    for title, part in {**parts, "The tables": registry()}.items():
        text.append(f"{title}\n{'-' * len(title)}\n\n{rst_table(part, 'table')}\n")
    return "\n".join(text)
