"""Wide tables (p >> n): the CV estimators against a linear model.

Usage::

    python benchmarks/bench_wide.py                 # 3 seeds
    python benchmarks/bench_wide.py --seeds 1

Synthetic tables of the shape of gene-expression studies -- tens of rows,
thousands of features co-varying in modules, the class the sign of a
sparse linear score (10 features of one module) plus noise (see
``_table``) --
scored by balanced accuracy on stratified 5-fold outer splits, with
``MLPClassifierCV`` (defaults, raw table: it scales itself; and with a
shared-weight ensemble of 4 per fold),
``LogisticRegressionCV`` (scaled, its defaults) and a random forest (500
trees). Mean +- sd over the models' seeds (the tables and folds are fixed);
time: all five folds, mean over the seeds.
"""

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.base import clone
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegressionCV
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import MLPClassifierCV

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from suite.wide import module_table  # noqa: E402

#: (rows, features) of each table.
SHAPES = [(50, 2000), (80, 5000), (100, 10000)]


def _models(seed):
    return {
        "MLPClassifierCV": MLPClassifierCV(random_state=seed),
        "  shared x4": MLPClassifierCV(
            ensemble_size=4, ensemble_kind="shared", random_state=seed
        ),
        "LogisticRegressionCV": make_pipeline(
            StandardScaler(), LogisticRegressionCV(max_iter=2000)
        ),
        "random forest": RandomForestClassifier(500, random_state=seed, n_jobs=-1),
    }


def _evaluate(model, X, y):
    start, scores = time.perf_counter(), []
    for train, test in StratifiedKFold(5, shuffle=True, random_state=0).split(X, y):
        fitted = clone(model).fit(X[train], y[train])
        scores.append(balanced_accuracy_score(y[test], fitted.predict(X[test])))
    return float(np.mean(scores)), time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    for n, p in SHAPES:
        X, y = module_table(n, p)
        results = {}
        for seed in range(args.seeds):
            for label, model in _models(seed).items():
                score, seconds = _evaluate(model, X, y)
                entry = results.setdefault(label, ([], []))
                entry[0].append(score)
                entry[1].append(seconds)
        print(f"\n{n} rows x {p} features: balanced accuracy")
        for label, (scores, times) in results.items():
            sd = statistics.stdev(scores) if len(scores) > 1 else 0.0
            print(f"  {label:24s}{np.mean(scores):.3f} +- {sd:.3f}{np.mean(times):9.1f}s")


if __name__ == "__main__":
    main()
