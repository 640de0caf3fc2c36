"""Model quality on real biomedical tables: MLPs against classical models.

Usage::

    python benchmarks/bench_quality.py                      # all data sets, 3 seeds
    python benchmarks/bench_quality.py --data leukemia esol --seeds 1

Needs ``../shared/data`` beside the repository, and pandas.

The table of issue 15 ("Good models without tuning"): every model is scored
on the same folds, with ``StandardScaler`` in front of the MLPs and the
linear models, for ``--seeds`` ``random_state`` values (of the model; the
folds are fixed), as mean +- sd over the seeds, with the wall time per
evaluation (all folds: fit and predict), mean over the seeds.

* yeast: MULAN train/test split, multilabel, hamming loss (lower is better)
  and micro-F1;
* leukemia (72 x 5147): stratified 5-fold, accuracy;
* Parkinson's telemonitoring: GroupKFold(5) by patient, total_UPDRS, R^2;
* ESOL: 5-fold, measured log solubility from 6 descriptors, R^2.

The skmlp CV estimators (``MLPClassifierCV``, ``MLPRegressorCV``,
``MultiLabelMLPCV``) run with their defaults, on the raw table (they scale
their inputs themselves) and, for Parkinson's data, with the patients as
``groups`` (their inner folds hold out whole patients). The other MLPs run
with their defaults and ``max_iter=300``: skmlp's estimators (which follow
scikit-learn's MLP exactly) and scikit-learn's MLP. The classical models
are ``LogisticRegressionCV`` / ``RidgeCV``, a random forest (500 trees) and
``HistGradientBoosting``; multilabel ones fit one model per label
(``MultiOutputClassifier``) where they have no native multilabel mode.
``x linear`` is each model's time over the linear model's, ``x HGB`` over
HistGradientBoosting's. ``--ablation`` adds the CV estimators with one
option changed (:data:`ABLATION`: feature embeddings, shared-weight and
independent ensembles); tables wider than :data:`ABLATION_MAX_FEATURES`
skip the embeddings.
"""

import argparse
import inspect
import statistics
import time
import warnings
from functools import partial

import numpy as np
import sklearn
from bench_ensemble_quality import _esol, _leukemia, _parkinsons, _yeast
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import LogisticRegressionCV, RidgeCV
from sklearn.metrics import accuracy_score, f1_score, hamming_loss, r2_score
from sklearn.multioutput import MultiOutputClassifier
from sklearn.neural_network import MLPClassifier as SklearnClassifier
from sklearn.neural_network import MLPRegressor as SklearnRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import (
    MLPClassifier,
    MLPClassifierCV,
    MLPRegressor,
    MLPRegressorCV,
    MultiLabelMLP,
    MultiLabelMLPCV,
)

MLP = dict(max_iter=300)


def _scaled(model):
    return make_pipeline(StandardScaler(), model)


#: The ablation's variants of the CV estimators (``--ablation``): label -> parameters.
ABLATION = {
    "  embedding None": dict(feature_embedding=None),
    "  periodic": dict(feature_embedding="periodic"),
    "  piecewise": dict(feature_embedding="piecewise"),
    "  periodic, shared x4": dict(
        feature_embedding="periodic", ensemble_size=4, ensemble_kind="shared"
    ),
    "  None, shared x4": dict(
        feature_embedding=None, ensemble_size=4, ensemble_kind="shared"
    ),
    "  periodic, independent x2": dict(feature_embedding="periodic", ensemble_size=2),
}
#: Tables wider than this skip the ablation's forced embeddings (their first
#: layer would take n_features * embedding_size inputs).
ABLATION_MAX_FEATURES = 200


def _ablation(tuned, seed, n_features):
    """The CV estimator's variants of :data:`ABLATION` that the table allows."""
    return {
        label: tuned(random_state=seed, **params)
        for label, params in ABLATION.items()
        if n_features <= ABLATION_MAX_FEATURES or not params.get("feature_embedding")
    }


def _classifiers(seed, n_features=0, ablation=False, *, multilabel):
    per_label = MultiOutputClassifier if multilabel else (lambda model: model)
    ours = MultiLabelMLP if multilabel else MLPClassifier
    tuned = MultiLabelMLPCV if multilabel else MLPClassifierCV
    variants = _ablation(tuned, seed, n_features) if ablation else {}
    return {
        tuned.__name__: tuned(random_state=seed),
        **variants,
        f"{tuned.__name__}(refit=True)": tuned(refit=True, random_state=seed),
        "skmlp defaults": _scaled(ours(random_state=seed, **MLP)),
        "scikit-learn MLP": _scaled(SklearnClassifier(random_state=seed, **MLP)),
        "LogisticRegressionCV": _scaled(per_label(LogisticRegressionCV(max_iter=1000))),
        "random forest": RandomForestClassifier(500, random_state=seed, n_jobs=-1),
        "HistGradientBoosting": per_label(
            HistGradientBoostingClassifier(random_state=seed)
        ),
    }


def _regressors(seed, n_features=0, ablation=False):
    variants = _ablation(MLPRegressorCV, seed, n_features) if ablation else {}
    return {
        "MLPRegressorCV": MLPRegressorCV(random_state=seed),
        **variants,
        "MLPRegressorCV(refit=True)": MLPRegressorCV(refit=True, random_state=seed),
        "skmlp defaults": _scaled(MLPRegressor(random_state=seed, **MLP)),
        "scikit-learn MLP": _scaled(SklearnRegressor(random_state=seed, **MLP)),
        "RidgeCV": _scaled(RidgeCV(alphas=np.logspace(-3, 3, 13))),
        "random forest": RandomForestRegressor(500, random_state=seed, n_jobs=-1),
        "HistGradientBoosting": HistGradientBoostingRegressor(random_state=seed),
    }


# name: (splits, models(seed), metrics of (y_true, y_pred))
DATASETS = {
    "yeast": (
        _yeast,
        partial(_classifiers, multilabel=True),
        {
            "hamming": hamming_loss,
            "micro-F1": lambda y, p: f1_score(y, p, average="micro"),
        },
    ),
    "leukemia": (
        _leukemia,
        partial(_classifiers, multilabel=False),
        {"accuracy": accuracy_score},
    ),
    "parkinsons": (
        _parkinsons,
        _regressors,
        {"R2": r2_score},
    ),
    "esol": (_esol, _regressors, {"R2": r2_score}),
}


def _evaluate(model, splits, metrics):
    """Each metric's mean over the folds, and the seconds for all folds."""
    from sklearn.base import clone

    start = time.perf_counter()
    scores = {name: [] for name in metrics}
    for X, y, X_test, y_test, groups in splits:
        grouped = "groups" in inspect.signature(model.fit).parameters
        kwargs = {"groups": groups} if grouped and groups is not None else {}
        fitted = clone(model).fit(X, y, **kwargs)
        predicted = fitted.predict(X_test)
        for name, metric in metrics.items():
            scores[name].append(metric(y_test, predicted))
    seconds = time.perf_counter() - start
    return {name: float(np.mean(values)) for name, values in scores.items()}, seconds


def run(name, seeds, ablation=False):
    load, models, metrics = DATASETS[name]
    splits = load()
    n_features = splits[0][0].shape[1]
    results = {}
    for seed in range(seeds):
        for label, model in models(seed, n_features, ablation).items():
            scores, seconds = _evaluate(model, splits, metrics)
            entry = results.setdefault(label, {"time": [], **{m: [] for m in metrics}})
            entry["time"].append(seconds)
            for metric, value in scores.items():
                entry[metric].append(value)
    _print(name, results, metrics, seeds)
    return results


def _print(name, results, metrics, seeds):
    print(f"\n{name}  (mean +- sd over {seeds} seed(s); time: all folds, mean)")
    header = "".join(f"{m:>20s}" for m in metrics)
    print(f"  {'model':28s}{header}{'time':>10s}{'x linear':>10s}{'x HGB':>8s}")
    linear = next(
        np.mean(e["time"])
        for k, e in results.items()
        if k in ("LogisticRegressionCV", "RidgeCV")
    )
    hgb = np.mean(results["HistGradientBoosting"]["time"])
    for label, entry in results.items():
        cells = ""
        for metric in metrics:
            values = entry[metric]
            sd = statistics.stdev(values) if len(values) > 1 else 0.0
            cells += f"{np.mean(values):>12.3f} +- {sd:.3f}"
        seconds = np.mean(entry["time"])
        print(
            f"  {label:28s}{cells}{seconds:>9.1f}s{seconds / linear:>10.1f}"
            f"{seconds / hgb:>8.2f}"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", nargs="+", choices=list(DATASETS), default=None)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument(
        "--ablation",
        action="store_true",
        help="also run the CV estimators' variants: embeddings, ensemble kinds",
    )
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    sklearn.set_config(enable_metadata_routing=True)  # groups reach early stopping
    for name in args.data or list(DATASETS):
        run(name, args.seeds, args.ablation)


if __name__ == "__main__":
    main()
