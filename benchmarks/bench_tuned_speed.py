"""The CV estimators against HistGradientBoosting and the linear model: time
and score, with variants of the estimator's parameters (an ablation).

Usage::

    python benchmarks/bench_tuned_speed.py            # defaults, 5 tables, 1 seed
    python benchmarks/bench_tuned_speed.py --data esol --seeds 3 \\
        --variant cv3 '{"cv": 3}' --variant no-halving '{"halving": false}' \
        --variant float64 '{"_train_dtype": "float64"}'

Every row is evaluated on the same outer folds as ``bench_quality.py`` (all
five, or yeast's MULAN split), fitting on the raw training rows (the CV
estimators scale their inputs; the linear model gets a ``StandardScaler``),
with the patients as ``groups`` on both Parkinson's tables (telemonitoring,
and the gallery's voice recordings: ``--data voice``). The rows are
interleaved seed by seed (HistGradientBoosting, the linear model, then each
variant), so that a slow spell of the machine hits all of them; the table
gives mean +- sd of the score over the seeds, the median seconds for all
folds, and each time over HistGradientBoosting's and the linear model's.
Needs ``../shared/data`` beside the repository, and pandas.
"""

import argparse
import contextlib
import json
import statistics
import warnings

import numpy as np
import sklearn
from bench_ensemble_quality import DATA
from bench_quality import DATASETS, _evaluate
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.linear_model import LogisticRegressionCV, RidgeCV
from sklearn.metrics import accuracy_score
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.multioutput import MultiOutputClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import MLPClassifierCV, MLPRegressorCV, MultiLabelMLPCV

try:
    import skmlp._tuned.base as tuned_base
    import skmlp._tuned.halving as halving
except ImportError:  # a checkout from before the _tuned package
    import skmlp._halving as halving
    import skmlp._tuned_base as tuned_base

TUNED = {"yeast": MultiLabelMLPCV, "leukemia": MLPClassifierCV, "voice": MLPClassifierCV}


def _voice():
    """The gallery's Parkinson's voice recordings (195 x 22, 32 subjects):
    status, outer folds by subject (StratifiedGroupKFold(5), shuffled, seed 0)."""
    import pandas as pd

    frame = pd.read_csv(DATA / "parkinsons" / "parkinsons.data")
    groups = frame.pop("name").str.extract(r"_(S\d+)_", expand=False).to_numpy()
    y = frame.pop("status").to_numpy()
    X = frame.to_numpy(float)
    folds = StratifiedGroupKFold(5, shuffle=True, random_state=0).split(X, y, groups)
    return [(X[tr], y[tr], X[te], y[te], groups[tr]) for tr, te in folds]


TABLES = {**DATASETS, "voice": (_voice, None, {"accuracy": accuracy_score})}


def _references(name, seed):
    """HistGradientBoosting and the linear model of bench_quality.py."""
    if name == "yeast":
        return {
            "HistGradientBoosting": MultiOutputClassifier(
                HistGradientBoostingClassifier(random_state=seed)
            ),
            "linear": make_pipeline(
                StandardScaler(), MultiOutputClassifier(LogisticRegressionCV(max_iter=1000))
            ),
        }
    if name in ("leukemia", "voice"):
        return {
            "HistGradientBoosting": HistGradientBoostingClassifier(random_state=seed),
            "linear": make_pipeline(StandardScaler(), LogisticRegressionCV(max_iter=1000)),
        }
    return {
        "HistGradientBoosting": HistGradientBoostingRegressor(random_state=seed),
        "linear": make_pipeline(StandardScaler(), RidgeCV(alphas=np.logspace(-3, 3, 13))),
    }


def run(name, seeds, variants):
    splits, metrics = TABLES[name][0](), TABLES[name][2]
    tuned = TUNED.get(name, MLPRegressorCV)
    results = {}
    for seed in range(seeds):
        models = _references(name, seed)
        for label, params in variants.items():
            own = {k: v for k, v in params.items() if not k.startswith("_")}
            models[label] = tuned(random_state=seed, **own)
        for label, model in models.items():
            with _train_dtype(variants.get(label, {})):
                scores, seconds = _evaluate(model, splits, metrics)
            entry = results.setdefault(label, {"time": [], **{m: [] for m in metrics}})
            entry["time"].append(seconds)
            for metric, value in scores.items():
                entry[metric].append(value)
    _print(name, tuned.__name__, results, metrics, seeds)


#: Variant keys that set a module's constant for an ablation, not a parameter.
CONSTANTS = {
    "_train_dtype": (tuned_base, "TRAIN_DTYPE"),  # the dtype the networks train in
    "_first_rung_steps": (halving, "FIRST_RUNG_STEPS"),  # steps to the first rung
    "_min_first_rung": (halving, "MIN_FIRST_RUNG"),  # its least epoch
    "_keep_every": (halving, "KEEP_EVERY"),  # each rung keeps 1 / this of the alphas
}


@contextlib.contextmanager
def _train_dtype(params):
    """Set the constants a variant names (see :data:`CONSTANTS`) while it runs."""
    saved = {key: getattr(*CONSTANTS[key]) for key in params if key in CONSTANTS}
    for key in saved:
        setattr(*CONSTANTS[key], params[key])
    try:
        yield
    finally:
        for key, value in saved.items():
            setattr(*CONSTANTS[key], value)


def _print(name, tuned, results, metrics, seeds):
    print(
        f"\n{name}: {tuned}  ({seeds} seed(s); score mean +- sd; time: all folds, median)"
    )
    header = "".join(f"{m:>20s}" for m in metrics)
    print(f"  {'model':28s}{header}{'time':>9s}{'x HGB':>8s}{'x linear':>9s}")
    hgb = statistics.median(results["HistGradientBoosting"]["time"])
    linear = statistics.median(results["linear"]["time"])
    for label, entry in results.items():
        cells = ""
        for metric in metrics:
            values = entry[metric]
            sd = statistics.stdev(values) if len(values) > 1 else 0.0
            cells += f"{np.mean(values):>12.3f} +- {sd:.3f}"
        seconds = statistics.median(entry["time"])
        ratios = f"{seconds / hgb:>8.2f}{seconds / linear:>9.1f}"
        print(f"  {label:28s}{cells}{seconds:>8.1f}s{ratios}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", nargs="+", choices=list(TABLES), default=None)
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument(
        "--variant",
        nargs=2,
        action="append",
        metavar=("LABEL", "JSON"),
        help="a CV estimator with these parameters (repeatable); default: its defaults",
    )
    args = parser.parse_args()
    variants = {label: json.loads(params) for label, params in args.variant or []}
    variants = variants or {"defaults": {}}
    warnings.simplefilter("ignore")
    sklearn.set_config(enable_metadata_routing=True)  # groups reach early stopping
    for name in args.data or list(TABLES):
        run(name, args.seeds, variants)


if __name__ == "__main__":
    main()
