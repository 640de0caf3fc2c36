"""Prediction time of an ensemble of 8 members, against two checkouts.

Usage::

    git worktree add /tmp/before HEAD~1
    python benchmarks/bench_ensemble_predict.py /tmp/before . --rounds 5

Each round fits and times, in a fresh process per tree (alternating A, B,
A, B, ...), ``predict_proba`` of ``MLPClassifier(ensemble_size=8)`` on a few
shapes (rows x features, hidden layers) and of a single network of the same
shape; the report gives the median milliseconds of each tree and the ratio
B / A (< 1: B is faster).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import warnings

CONFIGS = [  # rows to predict, features, hidden layers
    (1, 20, (64, 64)),
    (200, 20, (64, 64)),
    (5000, 20, (100,)),
    (5000, 100, (256, 256)),
]


def measure(repeats=15):
    """{config: median ms} for this process's skmlp."""
    import numpy as np
    from sklearn.datasets import make_classification

    from skmlp import MLPClassifier

    out = {}
    for rows, features, hidden in CONFIGS:
        X, y = make_classification(max(rows, 400), features, random_state=0)
        for size in (1, 8):
            model = MLPClassifier(hidden, max_iter=2, ensemble_size=size, random_state=0)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model.fit(X, y)
            rows_X = X[:rows]
            model.predict_proba(rows_X)  # warm up
            times = []
            for _ in range(repeats):
                start = time.perf_counter()
                model.predict_proba(rows_X)
                times.append(time.perf_counter() - start)
            out[f"{rows}x{features} {hidden} k={size}"] = 1e3 * float(np.median(times))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", nargs="*")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure()))
        return
    tree_a, tree_b = args.trees
    runs = {"A": [], "B": []}
    for _ in range(args.rounds):
        for name, tree in (("A", tree_a), ("B", tree_b)):
            env = dict(os.environ, PYTHONPATH=os.path.abspath(tree))
            command = [sys.executable, os.path.abspath(__file__), "--child"]
            result = subprocess.run(command, env=env, check=True, capture_output=True)
            runs[name].append(json.loads(result.stdout))
    print(f"{'config':<34}{'A ms':>9}{'B ms':>9}{'B/A':>7}")
    for label in runs["A"][0]:
        a = statistics.median(run[label] for run in runs["A"])
        b = statistics.median(run[label] for run in runs["B"])
        print(f"{label:<34}{a:>9.3f}{b:>9.3f}{b / a:>7.2f}")


if __name__ == "__main__":
    main()
