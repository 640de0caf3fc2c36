"""What ``ensemble_size`` buys on real biomedical tables, and how members should stop.

Usage::

    python benchmarks/bench_ensemble_quality.py                 # all data sets, ~15 min
    python benchmarks/bench_ensemble_quality.py --data yeast esol --seeds 3

Needs ``../shared/data`` beside the repository, and pandas.

For each data set, scikit-learn's MLP and skmlp with ``ensemble_size`` in
{1, 4, 8} are scored with the same preprocessing (``StandardScaler``), the
same architecture, early stopping and evaluation, for ``--seeds``
``random_state`` values; the table gives mean +- sd over the seeds. Two
variants answer issue 13's design questions, with 8 members each:

* ``shared split``: every member validates on the SAME held-out rows (a
  ``validation_fraction`` split drawn once and passed as ``X_val, y_val``),
  against the default, where each member draws its own split from its seed
  and stops on its own validation score.
* ``bagged``: each member trains on its own bootstrap sample of the rows (8
  single models, their probabilities averaged), against the default, where
  members differ only in initial weights, shuffles and split.

Evaluations: yeast (MULAN train/test split, multilabel: hamming loss and
micro-F1), leukemia (stratified 5-fold, ROC AUC; too few rows for early
stopping), Parkinson's telemonitoring (GroupKFold(5) by patient, total_UPDRS,
R^2; early stopping holds out whole patients), ESOL (5-fold, measured log
solubility from the 6 descriptors, RMSE).
"""

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.metrics import (
    f1_score,
    hamming_loss,
    mean_squared_error,
    r2_score,
    roc_auc_score,
)
from sklearn.model_selection import GroupKFold, KFold, StratifiedKFold, train_test_split
from sklearn.neural_network import MLPClassifier as SklearnClassifier
from sklearn.neural_network import MLPRegressor as SklearnRegressor
from sklearn.preprocessing import StandardScaler

from skmlp import MLPClassifier, MLPRegressor, MultiLabelMLP

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def _yeast():
    import pandas as pd
    from scipy.io import arff

    def load(split):
        frame = pd.DataFrame(arff.loadarff(DATA / "yeast" / f"yeast-{split}.arff")[0])
        labels = [c for c in frame if c.startswith("Class")]
        Y = frame[labels].apply(lambda c: c.str.decode("ascii").astype(int)).to_numpy()
        return frame[[c for c in frame if c.startswith("Att")]].to_numpy(), Y

    (X, Y), (X_test, Y_test) = load("train"), load("test")
    return [(X, Y, X_test, Y_test, None)]


def _leukemia():
    import pandas as pd

    frame = pd.read_csv(DATA / "gene_expression" / "leukemia.csv")
    y = (frame.pop("class").to_numpy() == "AML").astype(int)
    X = frame.to_numpy(float)
    folds = StratifiedKFold(5, shuffle=True, random_state=0).split(X, y)
    return [(X[tr], y[tr], X[te], y[te], None) for tr, te in folds]


def _parkinsons():
    import pandas as pd

    frame = pd.read_csv(DATA / "parkinsons" / "parkinsons_updrs.data", sep="\t")
    groups = frame.pop("subject#").to_numpy()
    y = frame.pop("total_UPDRS").to_numpy()
    X = frame.drop(columns=["motor_UPDRS"]).to_numpy(float)
    folds = GroupKFold(5).split(X, y, groups)
    return [(X[tr], y[tr], X[te], y[te], groups[tr]) for tr, te in folds]


def _esol():
    import pandas as pd

    frame = pd.read_csv(DATA / "esol" / "delaney-processed.csv")
    y = frame["measured log solubility in mols per litre"].to_numpy()
    columns = [
        "Minimum Degree",
        "Molecular Weight",
        "Number of H-Bond Donors",
        "Number of Rings",
        "Number of Rotatable Bonds",
        "Polar Surface Area",
    ]
    X = frame[columns].to_numpy(float)
    folds = KFold(5, shuffle=True, random_state=0).split(X)
    return [(X[tr], y[tr], X[te], y[te], None) for tr, te in folds]


def _rmse(y, p):
    return mean_squared_error(y, p) ** 0.5


# name: (splits, skmlp class, sklearn class, params, early stopping, metrics)
DATASETS = {
    "yeast": (
        _yeast,
        MultiLabelMLP,
        SklearnClassifier,
        dict(hidden_layer_sizes=(128,), max_iter=300),
        True,
        {
            "hamming": lambda y, p, _: hamming_loss(y, p > 0.5),
            "micro-F1": lambda y, p, _: f1_score(y, p > 0.5, average="micro"),
        },
    ),
    "leukemia": (
        _leukemia,
        MLPClassifier,
        SklearnClassifier,
        dict(hidden_layer_sizes=(16,), max_iter=200),
        False,
        {"ROC AUC": lambda y, p, _: roc_auc_score(y, p[:, 1])},
    ),
    "parkinsons": (
        _parkinsons,
        MLPRegressor,
        SklearnRegressor,
        dict(hidden_layer_sizes=(64,), max_iter=300),
        True,
        {"R2": lambda y, p, _: r2_score(y, p)},
    ),
    "esol": (
        _esol,
        MLPRegressor,
        SklearnRegressor,
        dict(hidden_layer_sizes=(64,), max_iter=500),
        True,
        {"RMSE": lambda y, p, _: _rmse(y, p)},
    ),
}


def _output(model, X):
    return model.predict_proba(X) if hasattr(model, "predict_proba") else model.predict(X)


def _fit_ours(cls, params, k, split, seed, X, y, groups):
    """An ensemble of ``k`` (own splits), or ``split='shared'``: one split
    drawn once and given to every member as X_val, y_val."""
    model = cls(ensemble_size=k, random_state=seed, **params)
    if split == "shared" and params.get("early_stopping"):
        rows = np.arange(len(y))
        strata = y if cls is MLPClassifier else None
        train, val = train_test_split(
            rows, test_size=0.1, random_state=seed, stratify=strata
        )
        if groups is not None:  # hold out whole patients, as the default does
            rng = np.random.RandomState(seed)
            held = rng.choice(np.unique(groups), size=max(2, len(np.unique(groups)) // 10))
            val, train = rows[np.isin(groups, held)], rows[~np.isin(groups, held)]
        return model.fit(X[train], y[train], X_val=X[val], y_val=y[val])
    return model.fit(X, y, groups=groups) if groups is not None else model.fit(X, y)


def _bagged(cls, params, k, seed, X, y, groups):
    rng = np.random.RandomState(seed)
    members = []
    for j in range(k):
        rows = rng.randint(len(y), size=len(y))
        model = cls(random_state=seed * 100 + j, **params)
        if groups is not None:
            members.append(model.fit(X[rows], y[rows], groups=groups[rows]))
        else:
            members.append(model.fit(X[rows], y[rows]))
    return members


def _variants(ours, theirs, params):
    """Each variant: a function (seed, X, y, groups) -> predictions function."""
    sk_params = {k: v for k, v in params.items()}

    def sklearn(seed, X, y, groups):
        model = theirs(random_state=seed, **sk_params).fit(X, y)
        return lambda X: _output(model, X)

    def ensemble(k, split="own"):
        def fit(seed, X, y, groups):
            model = _fit_ours(ours, params, k, split, seed, X, y, groups)
            return lambda X: _output(model, X)

        return fit

    def bagged(seed, X, y, groups):
        members = _bagged(ours, params, 8, seed, X, y, groups)
        return lambda X: np.mean([_output(m, X) for m in members], axis=0)

    return {
        "sklearn MLP": sklearn,
        "skmlp ensemble_size=1": ensemble(1),
        "skmlp ensemble_size=4": ensemble(4),
        "skmlp ensemble_size=8": ensemble(8),
        "skmlp 8, shared split": ensemble(8, "shared"),
        "skmlp 8, bagged": bagged,
    }


def _evaluate(fit, splits, metrics, seed):
    """Each metric, pooled over the splits (mean of the per-split values)."""
    values = {name: [] for name in metrics}
    for X, y, X_test, y_test, groups in splits:
        scaler = StandardScaler().fit(X)
        predict = fit(seed, scaler.transform(X), y, groups)
        output = predict(scaler.transform(X_test))
        for name, metric in metrics.items():
            values[name].append(metric(y_test, output, None))
    return {name: float(np.mean(v)) for name, v in values.items()}


def run(name, seeds):
    load, ours, theirs, params, early, metrics = DATASETS[name]
    params = dict(params, early_stopping=early)
    splits = load()
    print(f"\n{name}: {len(splits)} split(s), {splits[0][0].shape[1]} features")
    for label, fit in _variants(ours, theirs, params).items():
        if name == "leukemia" and "shared" in label:
            continue  # no early stopping on 57 rows: nothing to share
        start = time.perf_counter()
        results = [_evaluate(fit, splits, metrics, seed) for seed in range(seeds)]
        cells = []
        for metric in metrics:
            values = [r[metric] for r in results]
            cells.append(f"{metric} {np.mean(values):.4f} +- {np.std(values):.4f}")
        seconds = time.perf_counter() - start
        print(f"  {label:24s} " + "   ".join(cells) + f"   ({seconds:.0f} s)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", nargs="+", choices=list(DATASETS), default=None)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    for name in args.data or list(DATASETS):
        run(name, args.seeds)


if __name__ == "__main__":
    main()
