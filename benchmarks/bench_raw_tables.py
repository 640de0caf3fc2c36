"""A raw clinical-style table: the CV estimator on the table as it is, against
the same estimator behind a hand-built impute + one-hot pipeline, and
HistGradientBoosting on the raw table.

Usage::

    python benchmarks/bench_raw_tables.py [--seeds 3] [--missing 0.15]

The table is the shared Parkinson's telemonitoring data (5875 recordings of
42 patients, total_UPDRS) made clinical: ``sex`` as a category ("female" /
"male"), a categorical ``clinic`` (four clinics, by patient), and
``--missing`` of the values of age and the 16 voice measures removed at random
(seed 0). Outer folds: GroupKFold(5) by patient, with the patients as
``groups`` for the CV estimators' inner folds. Printed: R^2 mean +- sd over
the seeds and the median seconds for all folds. Needs ``../shared/data``
beside the repository, and pandas.
"""

import argparse
import statistics
import time
import warnings

import numpy as np
import sklearn
from bench_ensemble_quality import DATA
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.impute import SimpleImputer
from sklearn.metrics import r2_score
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from skmlp import MLPRegressorCV

CATEGORIES = ["sex", "clinic"]


def clinical_table(missing, seed=0):
    """``(frame, y, patients)``: the telemonitoring table made clinical."""
    import pandas as pd

    frame = pd.read_csv(DATA / "parkinsons" / "parkinsons_updrs.data", sep="\t")
    patients = frame.pop("subject#").to_numpy()
    y = frame.pop("total_UPDRS").to_numpy()
    frame = frame.drop(columns=["motor_UPDRS"])
    # categories (pandas 'category', which HistGradientBoosting's
    # categorical_features="from_dtype" takes; skmlp takes text columns too)
    frame["sex"] = pd.Categorical(np.where(frame.sex == 1, "female", "male"))
    frame["clinic"] = pd.Categorical(
        np.array(["Oslo", "Lyon", "Graz", "Porto"])[patients % 4]
    )
    rng = np.random.RandomState(seed)
    numeric = [c for c in frame.columns if c not in CATEGORIES + ["test_time"]]
    for column in numeric:
        frame.loc[rng.rand(len(frame)) < missing, column] = np.nan
    return frame, y, patients


def _models(seed, numeric):
    by_hand = ColumnTransformer(
        [
            ("numbers", SimpleImputer(strategy="median", add_indicator=True), numeric),
            ("categories", OneHotEncoder(handle_unknown="ignore"), CATEGORIES),
        ],
        sparse_threshold=0,
    )
    return {
        "MLPRegressorCV, raw table": MLPRegressorCV(random_state=seed),
        "impute + one-hot, MLPRegressorCV": make_pipeline(
            by_hand, MLPRegressorCV(random_state=seed).set_fit_request(groups=True)
        ),
        "HistGradientBoosting, raw": HistGradientBoostingRegressor(
            categorical_features="from_dtype", random_state=seed
        ),
    }


def _evaluate(model, frame, y, patients):
    """Mean R^2 over the outer folds and the seconds for all of them; the
    patients reach the CV estimators' inner folds (metadata routing)."""
    grouped = not isinstance(model, HistGradientBoostingRegressor)
    start, scores = time.perf_counter(), []
    for train, test in GroupKFold(5).split(frame, y, patients):
        params = {"groups": patients[train]} if grouped else {}
        fitted = clone(model).fit(frame.iloc[train], y[train], **params)
        scores.append(r2_score(y[test], fitted.predict(frame.iloc[test])))
    return float(np.mean(scores)), time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--missing", type=float, default=0.15)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    sklearn.set_config(enable_metadata_routing=True)
    frame, y, patients = clinical_table(args.missing)
    numeric = [c for c in frame.columns if c not in CATEGORIES]
    print(
        f"{frame.shape[0]} rows x {frame.shape[1]} columns; "
        f"{frame.isna().mean().mean():.1%} of the cells missing; "
        f"GroupKFold(5) by patient, {args.seeds} seed(s)"
    )
    results = {}
    for seed in range(args.seeds):
        for label, model in _models(seed, numeric).items():
            score, seconds = _evaluate(model, frame, y, patients)
            entry = results.setdefault(label, ([], []))
            entry[0].append(score)
            entry[1].append(seconds)
    for label, (scores, seconds) in results.items():
        sd = statistics.stdev(scores) if len(scores) > 1 else 0.0
        print(
            f"  {label:36s} R2 {np.mean(scores):7.3f} +- {sd:.3f}"
            f"  {statistics.median(seconds):6.1f} s"
        )


if __name__ == "__main__":
    main()
