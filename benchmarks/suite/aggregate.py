"""From cached results to what the field reports (TabArena, Grinsztajn et al.).

The input is a DataFrame of records, one per (table, model, seed, fold), with
a column per metric and ``fit_seconds``, ``predict_seconds``. Everything is
computed on each table's headline metric (:data:`tables.METRICS`, first):

* ``per_table``: each model's score (mean over seeds of the mean over folds),
  its sd over folds (of the seed-averaged fold scores: every model's sd is a
  fold-to-fold spread, whether it ran one seed or three), and its time (fit +
  predict, all folds; mean over seeds);
* ``normalised``: per table 0 for the worst model, 1 for the best;
* ``ranks``: per table 1 for the best (ties share the mean rank);
* ``win_rates``: a reference model against each other, on the tables both ran:
  a tie when the mean paired fold difference is within one standard error of
  the paired fold differences (sd / sqrt(folds)), else a win or a loss;
* ``time_ratios``: geometric mean over tables of each model's time over a
  reference model's.
"""

import numpy as np

#: Metrics where lower is better.
LOWER_IS_BETTER = {"log_loss", "hamming"}


def headline(frame, metric_of):
    """``frame`` with a ``score`` column: each record's headline metric,
    signed so that higher is better (``metric_of``: table -> metric)."""
    frame = frame.copy()
    metric = frame["table"].map(metric_of)
    values = [row[m] for m, (_, row) in zip(metric, frame.iterrows())]
    sign = np.where(metric.isin(LOWER_IS_BETTER), -1.0, 1.0)
    frame["score"] = np.asarray(values, dtype=float) * sign
    frame["seconds"] = frame["fit_seconds"] + frame["predict_seconds"]
    return frame


def per_table(frame):
    """One row per (table, model): ``score``, ``sd``, ``seconds``, ``seeds``."""
    folds = frame.groupby(["table", "model", "fold"]).agg(
        score=("score", "mean"), seconds=("seconds", "mean")
    )
    out = folds.groupby(["table", "model"]).agg(
        score=("score", "mean"),
        sd=("score", "std"),
        seconds=("seconds", _all_or_nothing),
        folds=("score", "size"),
    )
    out["seeds"] = frame.groupby(["table", "model"])["seed"].nunique()
    return out.reset_index()


def _all_or_nothing(seconds):
    """A table's seconds over its folds; NaN unless every fold has its time
    (a timing run that skipped or lost a fold is no time of the table's)."""
    return seconds.sum(min_count=len(seconds))


def _pivot(table, value):
    return table.pivot(index="table", columns="model", values=value)


def normalised(table):
    """Per table, (score - worst) / (best - worst): tables x models."""
    scores = _pivot(table, "score")
    low, high = scores.min(axis=1), scores.max(axis=1)
    span = (high - low).replace(0, np.nan)
    return scores.sub(low, axis=0).div(span, axis=0).fillna(1.0).where(scores.notna())


def ranks(table):
    """Per table, 1 for the best model (ties, equal to 12 digits, share their
    mean rank: averages of the same numbers in another order differ in the last bit)."""
    scores = _pivot(table, "score").round(12)
    return scores.rank(axis=1, ascending=False, method="average")


def _fold_scores(frame):
    return frame.groupby(["table", "model", "fold"])["score"].mean()


def win_rates(frame, reference):
    """``reference`` against each other model: wins, ties, losses and the win
    rate (wins over all compared tables) on the tables both ran."""
    import pandas as pd

    folds = _fold_scores(frame).unstack("model")
    rows = []
    for model in [m for m in folds.columns if m != reference]:
        pair = folds[[reference, model]].dropna()
        counts = {"win": 0, "tie": 0, "loss": 0}
        for _, table in pair.groupby(level="table"):
            counts[_outcome(table[reference] - table[model])] += 1
        n = sum(counts.values())
        rows.append(
            {
                "model": model,
                **counts,
                "tables": n,
                "win_rate": counts["win"] / n if n else np.nan,
            }
        )
    return pd.DataFrame(rows)


def _outcome(differences):
    mean = differences.mean()
    error = differences.std(ddof=1) / np.sqrt(len(differences))
    if abs(mean) <= error:
        return "tie"
    return "win" if mean > 0 else "loss"


def time_ratios(table, reference):
    """Geometric mean over tables of each model's time over ``reference``'s."""
    seconds = _pivot(table, "seconds")
    ratios = np.log(seconds.div(seconds[reference], axis=0))
    return np.exp(ratios.mean(axis=0))


def summary(table, frame, reference="skmlp CV", baseline="HistGradientBoosting"):
    """One row per model: mean normalised score, mean rank, tables run,
    geometric-mean time over ``reference``'s and over ``baseline``'s."""
    import pandas as pd

    norm, rank = normalised(table), ranks(table)
    out = pd.DataFrame(
        {
            "normalised": norm.mean(axis=0),
            "mean_rank": rank.mean(axis=0),
            "tables": norm.notna().sum(axis=0),
        }
    )
    for other in (reference, baseline):  # the times over each of them that ran
        if other in set(table["model"]):
            out[f"time_x_{other}"] = time_ratios(table, other)
    return out.sort_values("normalised", ascending=False)


def by_family(table, family_of):
    """Mean normalised score per table family: families x models."""
    norm = normalised(table)
    return norm.groupby(norm.index.map(family_of)).mean()
