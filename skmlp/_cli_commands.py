"""The ``cv``, ``fit`` and ``predict`` commands of the command line."""

import ast
import json
import sys
import time
import warnings
import zipfile
from pathlib import Path

import numpy as np
from sklearn.base import clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import check_scoring
from sklearn.model_selection import GroupKFold, KFold, StratifiedGroupKFold, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from . import (
    MLPClassifier,
    MLPClassifierCV,
    MLPRegressor,
    MLPRegressorCV,
    MultiLabelMLP,
    MultiLabelMLPCV,
)
from ._tuned_base import BaseMLPCV
from .inspection import diagnose_training

ESTIMATORS = {
    "classification": MLPClassifier,
    "regression": MLPRegressor,
    "multilabel": MultiLabelMLP,
}
#: ``--tuned``: the estimators that choose their own alpha (and scale their inputs).
TUNED_ESTIMATORS = {
    "classification": MLPClassifierCV,
    "regression": MLPRegressorCV,
    "multilabel": MultiLabelMLPCV,
}
DEFAULT_SCORING = {
    "classification": ["accuracy", "balanced_accuracy"],
    "regression": ["r2", "neg_mean_absolute_error"],
    "multilabel": ["accuracy", "f1_micro"],
}
DEFAULT_PARAMS = dict(
    hidden_layer_sizes=(64,), early_stopping=True, validation_fraction=0.2, max_iter=300
)


def add_table_commands(commands):
    from ._cli_explain import add_explain_command

    cv = commands.add_parser("cv", help="cross-validate an MLP on a table")
    _table_arguments(cv, data_required=False)
    cv.add_argument("--cv", type=int, default=5, help="number of folds (default 5)")
    cv.add_argument("--scoring", help="comma-separated scikit-learn scorer names")
    cv.add_argument("--out", type=Path, help="folder for curves.png and report.json")
    cv.set_defaults(run=run_cv)
    fit = commands.add_parser("fit", help="fit an MLP on a table and save it")
    _table_arguments(fit, data_required=True)
    fit.add_argument("--model", type=Path, required=True, help="file to save (skops)")
    fit.set_defaults(run=run_fit)
    predict = commands.add_parser("predict", help="predict a table with a saved model")
    predict.add_argument("model", type=Path, help="a model saved by 'skmlp fit'")
    predict.add_argument("data", type=Path, help="table: .csv, .tsv or .parquet")
    predict.add_argument("--output", type=Path, help="CSV to write (default: stdout)")
    predict.add_argument("--proba", action="store_true", help="add class probabilities")
    predict.set_defaults(run=run_predict)
    add_explain_command(commands)


def _table_arguments(parser, data_required):
    parser.add_argument(
        "data",
        type=Path,
        nargs=None if data_required else "?",
        help="table: .csv, .tsv or .parquet"
        + ("" if data_required else " (default: breast-cancer data)"),
    )
    parser.add_argument("--target", help="target column (comma-separated: multilabel)")
    parser.add_argument("--groups", help="column of groups (patients, batches)")
    parser.add_argument("--drop", help="comma-separated columns to leave out (ids, notes)")
    parser.add_argument(
        "--task",
        default="auto",
        choices=["auto", "classification", "regression", "multilabel"],
    )
    parser.add_argument(
        "--estimator-param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="estimator parameter (repeatable)",
    )
    parser.add_argument(
        "--tuned",
        action="store_true",
        help="use MLPClassifierCV / MLPRegressorCV / MultiLabelMLPCV: alpha chosen by "
        "inner cross-validation (by group with --groups), robust scaling built in",
    )
    parser.add_argument("--random-state", type=int, default=0)


# -- reading the table ---------------------------------------------------------------


def _pandas():
    try:
        import pandas
    except ImportError as error:
        raise ImportError(
            "Reading tables needs pandas: pip install 'skmlp[cli]'."
        ) from error
    return pandas


def read_table(path):
    pd = _pandas()
    if not path.is_file():
        raise FileNotFoundError(f"no such data file: {path}")
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return pd.read_parquet(path)
    if suffix in (".tsv", ".tab"):
        return pd.read_csv(path, sep="\t")
    if suffix == ".csv":
        return pd.read_csv(path)
    return pd.read_csv(path, sep=None, engine="python")  # sniff the delimiter


def _columns(frame, spec, what):
    names = [c.strip() for c in spec.split(",") if c.strip()]
    missing = [c for c in names if c not in frame.columns]
    if missing:
        raise KeyError(
            f"unknown {what} column(s) {missing}; the table has "
            f"{list(frame.columns)[:12]}{' ...' if frame.shape[1] > 12 else ''}"
        )
    return names


def split_table(frame, target, groups, drop=None, raw=False):
    """``(X, y, groups, feature names, target names)`` from a table; rows
    whose target is missing are left out, with a note naming them. ``X`` is
    a float array, or (``raw``, for the CV estimators, which encode text
    columns and missing values themselves) the feature columns as they are."""
    if not target:
        raise ValueError("--target is required with a data file")
    if frame.shape[0] == 0:
        raise ValueError(
            f"the table has no rows, only a header of {frame.shape[1]} columns"
        )
    targets = _columns(frame, target, "target")
    frame = _without_missing_targets(frame, targets)
    group_cols = _columns(frame, groups, "groups") if groups else []
    dropped = _columns(frame, drop, "--drop") if drop else []
    features = frame.drop(columns=list(dict.fromkeys(targets + group_cols + dropped)))
    numeric = _pandas().api.types.is_numeric_dtype
    text = [c for c in features.columns if not numeric(features[c])]
    if text and not raw:
        raise ValueError(
            f"non-numeric feature column(s) {text[:8]}: encode or drop them, or use "
            "--tuned (the CV estimators encode categories and missing values)"
        )
    y = frame[targets[0]].to_numpy() if len(targets) == 1 else frame[targets].to_numpy()
    g = frame[group_cols[0]].to_numpy() if group_cols else None
    X = features.reset_index(drop=True) if raw else features.to_numpy(dtype=float)
    return X, y, g, list(features.columns), targets


def _rows(X, rows):
    """Rows ``rows`` of an array or a DataFrame."""
    return X.iloc[rows] if hasattr(X, "iloc") else X[rows]


def _without_missing_targets(frame, targets):
    """``frame`` without the rows whose target (any target column) is
    missing; a note on stderr says which (1-based rows below the header)."""
    missing = frame[targets].isna().any(axis=1).to_numpy()
    if not missing.any():
        return frame
    if missing.all():
        raise ValueError(f"every row's target ({', '.join(targets)}) is missing")
    rows = (np.flatnonzero(missing) + 1).tolist()
    shown = ", ".join(map(str, rows[:10])) + (" ..." if len(rows) > 10 else "")
    print(
        f"skmlp: note: left out {len(rows)} row(s) with a missing target: row(s) "
        f"{shown} (counting from 1 below the header)",
        file=sys.stderr,
    )
    return frame.loc[~missing]


def detect_task(y, task):
    if task != "auto":
        return task
    if y.ndim == 2:
        return "multilabel"
    if not np.issubdtype(y.dtype, np.number):
        return "classification"
    integral = np.all(np.mod(y, 1) == 0)
    return "classification" if integral and len(np.unique(y)) <= 10 else "regression"


def check_target(y, task):
    if task == "classification" and len(np.unique(y)) < 2:
        raise ValueError(
            f"the target has a single class ({np.unique(y)[0]!r}); "
            "classification needs at least two"
        )
    if task == "multilabel" and not np.isin(y, (0, 1)).all():
        raise ValueError("multilabel targets must be 0/1 columns")


# -- the model -----------------------------------------------------------------------


def _parse_value(text):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _overrides(params):
    overrides = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"--estimator-param needs KEY=VALUE; got {item!r}")
        overrides[key.strip()] = _parse_value(value.strip())
    return overrides


def make_model(task, params, random_state, tuned=False):
    """The model of ``skmlp cv`` / ``skmlp fit``: a scaled pipeline around the
    plain estimator, or (``tuned``) the CV estimator, which scales itself."""
    overrides = _overrides(params)
    if tuned:
        return TUNED_ESTIMATORS[task](random_state=random_state).set_params(**overrides)
    estimator = ESTIMATORS[task](random_state=random_state)
    estimator.set_params(**{**DEFAULT_PARAMS, **overrides})
    if task == "regression":  # networks train best on a standardised target
        estimator = TransformedTargetRegressor(estimator, transformer=StandardScaler())
    return Pipeline([("scale", StandardScaler()), ("model", estimator)])


def fitted_mlp(model):
    """The fitted skmlp network estimator inside ``model``."""
    if isinstance(model, BaseMLPCV):
        return model.estimator_
    final = model[-1]
    return getattr(final, "regressor_", final)


def _fit_params(model, groups):
    if groups is None:
        return {}
    if isinstance(model, BaseMLPCV):  # its inner folds keep the groups apart
        return {"groups": groups}
    # TransformedTargetRegressor passes fit parameters on to the MLP as they are
    return {"model__groups": groups}


# -- cv ----------------------------------------------------------------------------


def _splitter(task, n_splits, groups, random_state):
    if task == "classification":
        if groups is not None:
            return StratifiedGroupKFold(n_splits, shuffle=True, random_state=random_state)
        return StratifiedKFold(n_splits, shuffle=True, random_state=random_state)
    return (
        GroupKFold(n_splits)
        if groups is not None
        else KFold(n_splits, shuffle=True, random_state=random_state)
    )


def cross_validate_table(model, X, y, groups, task, scoring, n_splits, random_state):
    """Fit and score each fold, with a progress line on stderr."""
    if n_splits < 2:
        raise ValueError(f"--cv must be at least 2; got {n_splits}")
    scorers = {name: check_scoring(model, name) for name in scoring}
    folds = list(_splitter(task, n_splits, groups, random_state).split(X, y, groups))
    results = {"estimator": [], **{name: [] for name in scoring}, "fit_time": []}
    try:
        for i, (train, test) in enumerate(folds, 1):
            _progress(i, len(folds))
            start = time.perf_counter()
            fold_groups = None if groups is None else groups[train]
            fold_model = clone(model).fit(
                _rows(X, train), y[train], **_fit_params(model, fold_groups)
            )
            results["fit_time"].append(time.perf_counter() - start)
            results["estimator"].append(fold_model)
            for name, scorer in scorers.items():
                results[name].append(float(scorer(fold_model, _rows(X, test), y[test])))
    finally:  # an error is reported on a line of its own
        print(file=sys.stderr)
    return results


def _progress(i, n):
    print(f"\r  fold {i}/{n} {'#' * i}{'.' * (n - i)}", end="", file=sys.stderr, flush=True)


def print_report(results, scoring, out=sys.stdout):
    patterns = [diagnose_training(fitted_mlp(m)).pattern for m in results["estimator"]]
    header = "fold  " + "  ".join(f"{name:>22s}" for name in scoring) + "  diagnosis"
    print(header, file=out)
    for i, (pattern, model) in enumerate(zip(patterns, results["estimator"])):
        cells = "  ".join(f"{results[name][i]:22.4f}" for name in scoring)
        chosen = f"  (alpha_={model.alpha_:g})" if isinstance(model, BaseMLPCV) else ""
        print(f"{i + 1:4d}  {cells}  {pattern}{chosen}", file=out)
    summary = "  ".join(
        f"{np.mean(results[n]):13.4f} ± {np.std(results[n]):6.4f}" for n in scoring
    )
    print(f"mean  {summary}", file=out)
    return patterns


def write_outputs(out_dir, results, scoring, patterns, info):
    out_dir.mkdir(parents=True, exist_ok=True)
    report = {
        **info,
        "diagnosis": patterns,
        "metrics": {
            n: {
                "folds": results[n],
                "mean": float(np.mean(results[n])),
                "sd": float(np.std(results[n])),
            }
            for n in scoring
        },
    }
    (out_dir / "report.json").write_text(json.dumps(report, indent=2, default=str))
    try:
        import matplotlib

        matplotlib.use("Agg")
        from .inspection import TrainingCurveDisplay

        mlps = {"estimator": [fitted_mlp(m) for m in results["estimator"]]}
        display = TrainingCurveDisplay.from_cv_results(mlps, name="mean ± sd over folds")
        display.figure_.savefig(out_dir / "curves.png", dpi=100, bbox_inches="tight")
    except ImportError:
        print("skmlp: note: matplotlib is not installed; no curves.png", file=sys.stderr)


def _table_task(args):
    """The table of ``skmlp cv`` / ``skmlp fit`` split into its parts, the task
    it poses and the (unfitted) model for it."""
    X, y, groups, features, targets = split_table(
        read_table(args.data), args.target, args.groups, args.drop, raw=args.tuned
    )
    task = detect_task(y, args.task)
    check_target(y, task)
    model = make_model(task, args.estimator_param, args.random_state, args.tuned)
    return X, y, groups, features, targets, task, model


#: Options of ``skmlp cv`` that describe a table, with their defaults: without a
#: data file they would have nothing to act on, so they are refused.
TABLE_ONLY_OPTIONS = {
    "target": None,
    "groups": None,
    "drop": None,
    "task": "auto",
    "estimator_param": [],
    "scoring": None,
    "out": None,
    "tuned": False,
}


def _run_default_report(args):
    """``skmlp cv`` without a data file: the built-in report, which has no table
    for the table's options to act on."""
    from ._cli_default import run_default

    given = [k for k, default in TABLE_ONLY_OPTIONS.items() if getattr(args, k) != default]
    if given:
        options = ", ".join("--" + k.replace("_", "-") for k in given)
        verb = "needs" if len(given) == 1 else "need"
        raise ValueError(
            f"{options} {verb} a data file: without one, skmlp cv prints the "
            "built-in breast-cancer report, which takes only --cv and --random-state"
        )
    run_default(args.cv, args.random_state)
    return 0


def run_cv(args):
    if args.data is None:
        return _run_default_report(args)
    X, y, groups, features, targets, task, model = _table_task(args)
    scoring = args.scoring.split(",") if args.scoring else DEFAULT_SCORING[task]
    print(
        f"skmlp cv: {args.data.name}: {X.shape[0]} rows x {X.shape[1]} features, "
        f"{task} of {', '.join(targets)}"
        + (
            f", grouped by {args.groups} ({len(np.unique(groups))} groups)"
            if groups is not None
            else ""
        ),
        flush=True,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        results = cross_validate_table(
            model, X, y, groups, task, scoring, args.cv, args.random_state
        )
    patterns = print_report(results, scoring)
    if args.out:
        first = results["estimator"][0]
        info = {
            "data": str(args.data),
            "task": task,
            "targets": targets,
            "n_samples": int(X.shape[0]),
            "features": features,
            "groups": args.groups,
            "cv": args.cv,
            "estimator": repr(first if args.tuned else fitted_mlp(first)),
        }
        if args.tuned:
            info["alpha_"] = [m.alpha_ for m in results["estimator"]]
        write_outputs(args.out, results, scoring, patterns, info)
        print(f"wrote {args.out / 'report.json'} and {args.out / 'curves.png'}")
    return 0


# -- fit and predict ---------------------------------------------------------------


def run_fit(args):
    from . import persistence

    X, y, groups, features, targets, task, model = _table_task(args)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y, **_fit_params(model, groups))
    persistence.dump(
        {"model": model, "features": features, "targets": targets, "task": task}, args.model
    )
    print(
        f"saved {task} model of {', '.join(targets)} on {len(features)} features "
        f"to {args.model}"
    )
    return 0


#: What ``skmlp fit`` saves.
SAVED_KEYS = ("model", "features", "targets", "task")


def _load_saved(path):
    """What ``skmlp fit`` saved in ``path``, or a ``ValueError`` saying that
    the file is not such a model."""
    from . import persistence

    if not path.is_file():
        raise FileNotFoundError(f"no such model file: {path}")
    not_ours = f"{path} is not a model saved by 'skmlp fit'"
    try:
        saved = persistence.load(path)
    except zipfile.BadZipFile:
        raise ValueError(f"{not_ours} (not a skops file)") from None
    except (ValueError, KeyError) as error:  # a refused type, another zip archive
        raise ValueError(f"{not_ours}: {error}") from None
    if not (isinstance(saved, dict) and all(key in saved for key in SAVED_KEYS)):
        raise ValueError(f"{not_ours} (it holds a {type(saved).__name__})")
    return saved


def run_predict(args):
    saved = _load_saved(args.model)
    X = _saved_features(saved, read_table(args.data))
    model = saved["model"]
    prediction = model.predict(X)
    pd = _pandas()
    names = (
        saved["targets"] if prediction.ndim == 2 else [f"predicted_{saved['targets'][0]}"]
    )
    table = pd.DataFrame(prediction.reshape(len(X), -1), columns=names)
    if args.proba and hasattr(model, "predict_proba"):
        proba = model.predict_proba(X)
        # a multilabel model gives one probability per label column
        multilabel = saved["task"] == "multilabel"
        labels = saved["targets"] if multilabel else fitted_mlp(model).classes_
        for j in range(proba.shape[1]):
            table[f"proba_{labels[j]}"] = proba[:, j]
    table.to_csv(args.output if args.output else sys.stdout, index=False)
    return 0


def _saved_features(saved, frame):
    """The model's feature columns of ``frame``: as they are for a CV
    estimator (which encodes them itself), else as floats."""
    missing = [c for c in saved["features"] if c not in frame.columns]
    if missing:
        raise KeyError(f"the table lacks the model's feature column(s) {missing[:8]}")
    features = frame[saved["features"]]
    if isinstance(saved["model"], BaseMLPCV):
        return features
    return features.to_numpy(dtype=float)
