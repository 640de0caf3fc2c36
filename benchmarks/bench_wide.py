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
import time
import warnings

import numpy as np
from sklearn.base import clone
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegressionCV
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import MLPClassifierCV

#: (rows, features) of each table.
SHAPES = [(50, 2000), (80, 5000), (100, 10000)]


def _table(n, p, seed=0):
    """``n`` rows of ``p`` features that co-vary in 10 modules, as genes of a
    pathway do: each feature belongs, with probability 0.1, to one module
    (a shared latent factor plus its own noise; the others are noise alone).
    The class is the sign of the sum of 10 features of module 0 plus noise
    of half its spread: a sparse linear signal, echoed by the module's other
    features."""
    rng = np.random.default_rng(seed)
    factors = rng.normal(size=(n, 10))
    loadings = np.zeros((10, p))
    members = np.flatnonzero(rng.random(p) < 0.1)
    loadings[rng.integers(10, size=members.size), members] = 1.0
    loadings[:, :10] = 0.0
    loadings[0, :10] = 1.0
    X = factors @ loadings + rng.normal(size=(n, p))
    score = X[:, :10].sum(axis=1)
    y = (score + 0.5 * score.std() * rng.normal(size=n) > 0).astype(int)
    return X, y


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
        X, y = _table(n, p)
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
