"""Many models in one pass: one-pass cross-validation, searches and ensembles, timed.

Usage::

    python benchmarks/bench_batched.py                  # every workload, ~10 minutes
    python benchmarks/bench_batched.py --rounds 3 --workloads cv5 ens8-small
    python benchmarks/bench_batched.py --quick          # smoke run (seconds)

Each workload times variants of the same work, interleaved (A, B, C, A, B,
C, ...) for ``--rounds`` rounds in one process, and reports the median time of
each and the ratio of the medians against the first variant. float64
throughout (the data are float64).

Workloads (the targets of issue 13):

* ``cv5``: 5-fold ``cross_validate`` of ``make_pipeline(StandardScaler(),
  MLPClassifier(random_state=0))`` on breast cancer (569 x 30): skmlp's one
  pass, scikit-learn's ``cross_validate`` over the same skmlp pipeline, and
  over scikit-learn's MLP in the same pipeline.
* ``cv5-ens8``: the same 5-fold cross-validation of an ``ensemble_size=8``
  model with early stopping: 40 networks in one pass, against scikit-learn's
  loop (in which each fold's 8 members already train together).
* ``loo``: leave-one-out on leukemia (72 x 5147, ``../shared/data``), hidden
  (16,), max_iter=100: skmlp's one pass against scikit-learn's loop over skmlp.
* ``ens8-small``: ``ensemble_size=8`` against one model, n=5000 d=50, hidden
  (64,), batch 32, the same 5 epochs (``tol=0``).
* ``ens8-wide``: ``ensemble_size=8`` against 8 separate fits, n=20000 d=500,
  hidden (256, 128), batch 200, 2 epochs.

Workloads of issue 14 (hyper-parameter search in one pass):

* ``grid10``: ``GridSearchCV`` over alpha {1e-4, 1e-3, 1e-2, 1e-1, 1} x
  learning_rate_init {1e-3, 1e-2} of ``make_pipeline(StandardScaler(),
  MLPClassifier())`` (default max_iter=200, random_state=0), breast cancer,
  5-fold: skmlp's search, scikit-learn's over the same skmlp pipeline, and
  over scikit-learn's MLP.
* ``random20``: ``RandomizedSearchCV``, 20 candidates (alpha log-uniform
  1e-5..1, learning_rate_init log-uniform 1e-4..1e-1), leukemia
  (72 x 5147), hidden (16,), StratifiedKFold(5): skmlp's search against
  scikit-learn's over skmlp.
"""

import argparse
import gc
import statistics
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn import model_selection as sklearn_ms
from sklearn.datasets import load_breast_cancer, make_classification
from sklearn.model_selection import LeaveOneOut
from sklearn.neural_network import MLPClassifier as SklearnMLP
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skmlp
from skmlp import MLPClassifier

try:
    from skmlp._estimators.ensemble import member_seeds
except ImportError:  # a checkout from before the ensemble rules moved up
    try:
        from skmlp.model_axis.ensemble import member_seeds
    except ImportError:  # from before the model_axis package
        from skmlp._ensemble import member_seeds
from skmlp import model_selection as skmlp_ms

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def _leukemia(quick):
    import pandas as pd

    frame = pd.read_csv(DATA / "gene_expression" / "leukemia.csv")
    y = frame.pop("class").to_numpy()
    X = frame.to_numpy(float)
    X = (X - X.mean(0)) / (X.std(0) + 1e-12)
    return (X[::4, :500], y[::4]) if quick else (X, y)


def cv5(quick):
    X, y = load_breast_cancer(return_X_y=True)
    max_iter = 20 if quick else 200
    ours = make_pipeline(StandardScaler(), MLPClassifier(random_state=0, max_iter=max_iter))
    theirs = make_pipeline(StandardScaler(), SklearnMLP(random_state=0, max_iter=max_iter))
    return {
        "skmlp one pass": lambda: skmlp_ms.cross_validate(ours, X, y, cv=5),
        "sklearn cross_validate, skmlp": lambda: sklearn_ms.cross_validate(
            ours, X, y, cv=5
        ),
        "sklearn cross_validate, sklearn MLP": lambda: sklearn_ms.cross_validate(
            theirs, X, y, cv=5
        ),
    }


def cv5_ensemble(quick):
    X, y = load_breast_cancer(return_X_y=True)
    model = make_pipeline(
        StandardScaler(),
        MLPClassifier(
            ensemble_size=8,
            early_stopping=True,
            max_iter=20 if quick else 200,
            random_state=0,
        ),
    )
    return {
        "skmlp one pass": lambda: skmlp_ms.cross_validate(model, X, y, cv=5),
        "sklearn cross_validate, skmlp": lambda: sklearn_ms.cross_validate(
            model, X, y, cv=5
        ),
    }


def loo(quick):
    X, y = _leukemia(quick)
    model = MLPClassifier(hidden_layer_sizes=(16,), max_iter=100, random_state=0)
    cv = LeaveOneOut()
    return {
        "skmlp one pass": lambda: skmlp_ms.cross_validate(model, X, y, cv=cv),
        "sklearn loop, skmlp": lambda: sklearn_ms.cross_validate(model, X, y, cv=cv),
    }


def _synthetic(n, d, classes):
    X, y = make_classification(
        n_samples=n, n_features=d, n_informative=d // 2, n_classes=classes, random_state=0
    )
    return (X - X.mean(0)) / X.std(0), y


def _fixed_epochs(epochs, **params):
    return dict(max_iter=epochs, tol=0.0, n_iter_no_change=epochs + 1, **params)


def _separate(params, X, y):
    """The 8 members of ``ensemble_size=8``, fitted one by one."""
    for seed in member_seeds(params["random_state"], 8):
        MLPClassifier(**{**params, "random_state": int(seed)}).fit(X, y)


def ens8_small(quick):
    X, y = _synthetic(500 if quick else 5000, 50, 3)
    params = _fixed_epochs(
        2 if quick else 5, hidden_layer_sizes=(64,), batch_size=32, random_state=0
    )
    return {
        "ensemble_size=8": lambda: MLPClassifier(ensemble_size=8, **params).fit(X, y),
        "one model": lambda: MLPClassifier(**params).fit(X, y),
        "8 separate fits": lambda: _separate(params, X, y),
    }


def ens8_wide(quick):
    X, y = _synthetic(2000 if quick else 20000, 500, 10)
    params = _fixed_epochs(
        1 if quick else 2, hidden_layer_sizes=(256, 128), batch_size=200, random_state=0
    )

    return {
        "ensemble_size=8": lambda: MLPClassifier(ensemble_size=8, **params).fit(X, y),
        "8 separate fits": lambda: _separate(params, X, y),
    }


def grid10(quick):
    X, y = load_breast_cancer(return_X_y=True)
    max_iter = 20 if quick else 200
    ours = make_pipeline(StandardScaler(), MLPClassifier(random_state=0, max_iter=max_iter))
    theirs = make_pipeline(StandardScaler(), SklearnMLP(random_state=0, max_iter=max_iter))
    grid = {
        "__alpha": [1e-4, 1e-3, 1e-2, 1e-1, 1.0],
        "__learning_rate_init": [1e-3, 1e-2],
    }

    def search(module, model):
        step = model.steps[-1][0]
        named = {step + key: values for key, values in grid.items()}
        return lambda: module.GridSearchCV(model, named, cv=5).fit(X, y)

    return {
        "skmlp GridSearchCV": search(skmlp_ms, ours),
        "sklearn GridSearchCV, skmlp": search(sklearn_ms, ours),
        "sklearn GridSearchCV, sklearn MLP": search(sklearn_ms, theirs),
    }


def random20(quick):
    from scipy.stats import loguniform
    from sklearn.model_selection import StratifiedKFold

    X, y = _leukemia(quick)
    model = MLPClassifier(hidden_layer_sizes=(16,), random_state=0)
    space = {"alpha": loguniform(1e-5, 1.0), "learning_rate_init": loguniform(1e-4, 1e-1)}
    n_iter = 4 if quick else 20

    def search(module):
        return lambda: module.RandomizedSearchCV(
            model, space, n_iter=n_iter, cv=StratifiedKFold(5), random_state=0
        ).fit(X, y)

    return {
        "skmlp RandomizedSearchCV": search(skmlp_ms),
        "sklearn RandomizedSearchCV, skmlp": search(sklearn_ms),
    }


WORKLOADS = {
    "cv5": cv5,
    "cv5-ens8": cv5_ensemble,
    "loo": loo,
    "ens8-small": ens8_small,
    "ens8-wide": ens8_wide,
    "grid10": grid10,
    "random20": random20,
}


def _time(run):
    gc.collect()
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def bench(name, variants, rounds):
    times = {label: [] for label in variants}
    for _ in range(rounds):
        for label, run in variants.items():
            times[label].append(_time(run))
    medians = {label: statistics.median(t) for label, t in times.items()}
    first = next(iter(medians.values()))
    print(f"\n{name}  (median of {rounds} interleaved rounds)")
    for label, median in medians.items():
        spread = f"{min(times[label]):.2f}-{max(times[label]):.2f}"
        print(f"  {label:38s} {median:8.3f} s  [{spread}]  x{median / first:5.2f}")
    return medians


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workloads", nargs="+", choices=list(WORKLOADS), default=None)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one round")
    args = parser.parse_args()
    print(f"skmlp from {Path(skmlp.__file__).parent}; numpy {np.__version__}")
    warnings.simplefilter("ignore")
    rounds = 1 if args.quick else args.rounds
    for name in args.workloads or list(WORKLOADS):
        bench(name, WORKLOADS[name](args.quick), rounds)


if __name__ == "__main__":
    main()
