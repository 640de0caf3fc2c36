"""The ``cv``, ``fit`` and ``predict`` commands of the command line."""

import ast
import json
import sys
import time
import warnings
import zipfile
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import numpy as np
from sklearn.base import clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import check_scoring
from sklearn.model_selection import (
    GroupKFold,
    KFold,
    LeaveOneGroupOut,
    StratifiedGroupKFold,
    StratifiedKFold,
)
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
from ._tuned.base import BaseMLPCV
from .inspection import diagnose_training
from .inspection._diagnosis import ADVICE, GUIDE

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
    """The ``cv``, ``fit`` and ``predict`` subcommands."""
    cv = commands.add_parser("cv", help="cross-validate an MLP on a table")
    _table_arguments(cv, data_required=False)
    cv.add_argument(
        "--cv",
        type=int,
        default=5,
        help="number of folds (default 5; with --groups, at most one per group)",
    )
    cv.add_argument("--scoring", help="comma-separated scikit-learn scorer names")
    cv.add_argument("--out", type=Path, help="folder for curves.png and report.json")
    cv.set_defaults(run=run_cv)
    fit = commands.add_parser("fit", help="fit an MLP on a table and save it")
    _table_arguments(fit, data_required=True)
    fit.add_argument("--model", type=Path, required=True, help="file to save (skops)")
    fit.set_defaults(run=run_fit)
    predict = commands.add_parser("predict", help="predict a table with a saved model")
    predict.add_argument("model", type=Path, help="a model saved by 'skmlp fit'")
    predict.add_argument(
        "data", type=Path, help="table: .csv, .tsv or .parquet (.parquet needs pyarrow)"
    )
    predict.add_argument("--output", type=Path, help="CSV to write (default: stdout)")
    predict.add_argument("--proba", action="store_true", help="add class probabilities")
    predict.add_argument(
        "--keep",
        action="append",
        metavar="COL[,COL]",
        help="columns of the table to write in front of the predictions (repeatable); "
        "default: every column the model does not use (identifiers, groups, and the "
        "target when the table has it); --keep '' writes the predictions alone",
    )
    predict.set_defaults(run=run_predict)


def _table_arguments(parser, data_required):
    parser.add_argument(
        "data",
        type=Path,
        nargs=None if data_required else "?",
        help="table: .csv, .tsv or .parquet (.parquet needs pyarrow)"
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
    parser.add_argument(
        "--inner-cv",
        type=int,
        metavar="N",
        help="with --tuned: the inner folds that choose alpha (the CV estimator's cv; "
        "default 5, one per group when --groups has fewer)",
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
    """The table in ``path`` as a DataFrame, or an error naming the file and
    what is wrong with it (not text, no parquet engine, ...)."""
    pd = _pandas()
    if not path.is_file():
        raise FileNotFoundError(f"no such data file: {path}")
    try:
        return _read(pd, path)
    except UnicodeDecodeError as error:
        raise ValueError(_not_text(path, error)) from None
    except pd.errors.EmptyDataError:
        raise ValueError(f"{path} is empty: a table needs at least a header row") from None
    except pd.errors.ParserError as error:
        reason = str(error).strip().splitlines()[0]
        raise ValueError(
            f"{path} is not a CSV/TSV table pandas can read: {reason}"
        ) from None


def _read(pd, path):
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        try:
            return pd.read_parquet(path)
        except ImportError:  # the cli extra installs no parquet engine
            raise ImportError(
                f"{path.name}: install pyarrow to read .parquet files (pip install pyarrow)"
            ) from None
    if suffix in (".tsv", ".tab"):
        return pd.read_csv(path, sep="\t")
    if suffix == ".csv":
        return pd.read_csv(path)
    return pd.read_csv(path, sep=None, engine="python")  # sniff the delimiter


def _not_text(path, error):
    """Why ``path`` could not be decoded: binary data (an image, a
    spreadsheet), or text in another encoding than UTF-8."""
    with path.open("rb") as file:
        head = file.read(8192)
    if b"\x00" in head:  # text tables hold no NUL bytes
        return (
            f"{path} is not a CSV/TSV table: it holds binary data (it begins {head[:8]!r})"
        )
    bad = error.object[error.start : error.start + 1]
    return (
        f"{path} is not a CSV/TSV table in UTF-8 (it has the byte {bad!r}): save it "
        "as UTF-8 (a spreadsheet's 'CSV UTF-8')"
    )


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
    whose target or group is missing are left out, with a note naming them.
    ``X`` is a float array, or (``raw``, for the CV estimators, which encode
    text columns and missing values themselves) the feature columns as they are."""
    if not target:
        raise ValueError("--target is required with a data file")
    if frame.shape[0] == 0:
        raise ValueError(
            f"the table has no rows, only a header of {frame.shape[1]} columns"
        )
    targets = _columns(frame, target, "target")
    frame = _without_missing(frame, targets, "target")
    group_cols = _columns(frame, groups, "groups") if groups else []
    frame = _without_missing(frame, group_cols, f"group ({groups})")
    dropped = _columns(frame, drop, "--drop") if drop else []
    features = frame.drop(columns=list(dict.fromkeys(targets + group_cols + dropped)))
    if not raw:
        _refuse_raw_columns(features)
    y = frame[targets[0]].to_numpy() if len(targets) == 1 else frame[targets].to_numpy()
    g = frame[group_cols[0]].to_numpy() if group_cols else None
    X = features.reset_index(drop=True) if raw else features.to_numpy(dtype=float)
    return X, y, g, list(features.columns), targets


def _rows(X, rows):
    """Rows ``rows`` of an array or a DataFrame."""
    return X.iloc[rows] if hasattr(X, "iloc") else X[rows]


def _without_missing(frame, columns, what):
    """``frame`` without the rows where any of ``columns`` (the target, the
    groups) is missing; a note on stderr says which, as rows of the file
    (1-based below the header: ``frame`` keeps the index it was read with)."""
    if not columns:
        return frame
    missing = frame[columns].isna().any(axis=1).to_numpy()
    if not missing.any():
        return frame
    if missing.all():
        raise ValueError(f"every row's {what} is missing ({', '.join(columns)})")
    rows = (frame.index[missing] + 1).tolist()
    shown = ", ".join(map(str, rows[:10])) + (" ..." if len(rows) > 10 else "")
    print(
        f"skmlp: note: left out {len(rows)} row(s) with a missing {what}: row(s) "
        f"{shown} (counting from 1 below the header)",
        file=sys.stderr,
    )
    return frame.loc[~missing]


def _refuse_raw_columns(features):
    """The plain models take numbers without gaps: name the text columns, or
    the columns with missing values, and the ways out."""
    numeric = _pandas().api.types.is_numeric_dtype
    text = [c for c in features.columns if not numeric(features[c])]
    if text:
        raise ValueError(
            f"non-numeric feature column(s) {text[:8]}: encode or drop them, or use "
            "--tuned (the CV estimators encode categories and missing values)"
        )
    gaps = _missing_cells(features)
    if gaps:
        raise ValueError(
            f"missing values in feature column(s) {gaps}: fill them or --drop those "
            "columns, or use --tuned (the CV estimators impute missing values)"
        )


def _missing_cells(features):
    """The columns with missing values and how many, e.g. ``"age (3 cells)"``;
    empty when there are none."""
    counts = features.isna().sum()
    counts = counts[counts > 0]
    shown = [f"{name} ({n} cell{'s' * (n > 1)})" for name, n in counts.iloc[:8].items()]
    return ", ".join(shown) + (" ..." if len(counts) > 8 else "")


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


def make_model(task, params, random_state, tuned=False, inner_cv=None):
    """The model of ``skmlp cv`` / ``skmlp fit``: a scaled pipeline around the
    plain estimator, or (``tuned``) the CV estimator, which scales itself;
    ``inner_cv`` is the CV estimator's ``cv``."""
    overrides = _overrides(params)
    _check_inner_cv(inner_cv, tuned)
    if tuned:
        if inner_cv is not None:
            overrides["cv"] = _inner_folds(inner_cv, overrides.get("cv"))
        return TUNED_ESTIMATORS[task](random_state=random_state).set_params(**overrides)
    estimator = ESTIMATORS[task](random_state=random_state)
    estimator.set_params(**{**DEFAULT_PARAMS, **overrides})
    if task == "regression":  # networks train best on a standardised target
        estimator = TransformedTargetRegressor(estimator, transformer=StandardScaler())
    return Pipeline([("scale", StandardScaler()), ("model", estimator)])


def _check_inner_cv(inner_cv, tuned):
    if inner_cv is not None and not tuned:
        raise ValueError(
            "--inner-cv needs --tuned: it sets the inner folds in which the CV "
            "estimators choose alpha; the plain model has none"
        )


def _inner_folds(inner_cv, cv_param):
    """``--inner-cv`` checked: at least 2, and not set twice."""
    if inner_cv < 2:
        raise ValueError(f"--inner-cv must be at least 2; got {inner_cv}")
    if cv_param is not None and cv_param != inner_cv:
        raise ValueError(
            f"--inner-cv {inner_cv} and --estimator-param cv={cv_param!r} both set "
            "the inner folds: give one of them"
        )
    return inner_cv


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


def _note_imbalance(y, task, model):
    """One line on stderr when the smallest class has under a third of the
    largest's rows and no class weight was chosen: the counts and the option."""
    if task != "classification":
        return
    weights = [v for k, v in model.get_params().items() if k.endswith("class_weight")]
    if any(w is not None for w in weights):
        return
    classes, counts = np.unique(y, return_counts=True)
    if 3 * counts.min() >= counts.max():
        return
    shown = ", ".join(f"{c}: {n}" for c, n in list(zip(classes, counts))[:12])
    print(
        f"skmlp: note: the classes are imbalanced ({shown} rows); to weight them "
        "equally, add --estimator-param class_weight=balanced",
        file=sys.stderr,
    )


class TableTask(NamedTuple):
    """The table of ``skmlp cv`` / ``skmlp fit`` split into its parts, the
    task it poses and the (unfitted) model for it."""

    X: object
    y: np.ndarray
    groups: object
    features: list
    targets: list
    task: str
    model: object


def _table_task(args):
    _check_inner_cv(args.inner_cv, args.tuned)  # before the table is read
    X, y, groups, features, targets = split_table(
        read_table(args.data), args.target, args.groups, args.drop, raw=args.tuned
    )
    task = detect_task(y, args.task)
    check_target(y, task)
    model = make_model(
        task, args.estimator_param, args.random_state, args.tuned, args.inner_cv
    )
    _note_imbalance(y, task, model)
    return TableTask(X, y, groups, features, targets, task, model)


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


def outer_folds(table, args):
    """The ``(train, test)`` rows of ``skmlp cv``'s folds: ``--cv`` folds, by
    group with ``--groups``; one fold per group when there are no more groups
    than ``--cv`` (said on stderr when fewer)."""
    n_splits, groups = args.cv, table.groups
    if n_splits < 2:
        raise ValueError(f"--cv must be at least 2; got {n_splits}")
    n_groups = None if groups is None else len(np.unique(groups))
    if n_groups == 1:
        raise ValueError(
            f"--groups {args.groups} has a single group ({groups[0]!r}): folds by "
            f"group need at least 2 (--cv {n_splits}); choose another --groups "
            "column, or leave it out to split by rows"
        )
    if n_groups is not None and n_groups <= n_splits:
        if n_groups < n_splits:
            print(
                f"skmlp: note: --groups {args.groups} has {n_groups} groups, fewer than "
                f"--cv {n_splits}: one fold per group ({n_groups} folds, "
                "leave-one-group-out)",
                file=sys.stderr,
            )
        splitter = LeaveOneGroupOut()
    else:
        splitter = _splitter(table.task, n_splits, groups, args.random_state)
    return list(splitter.split(table.X, table.y, groups))


def cross_validate_table(table, folds, scoring):
    """Fit and score each fold, with a progress line on stderr; the groups
    each fold held out under ``"held_out"`` (with groups)."""
    model, X, y, groups = table.model, table.X, table.y, table.groups
    scorers = {name: check_scoring(model, name) for name in scoring}
    results = {"estimator": [], **{name: [] for name in scoring}, "fit_time": []}
    if groups is not None:
        results["held_out"] = [np.unique(groups[test]).tolist() for _, test in folds]
    with _each_warning_once():
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
                    score = scorer(fold_model, _rows(X, test), y[test])
                    results[name].append(float(score))
        finally:  # an error is reported on a line of its own
            print(file=sys.stderr)
    return results


@contextmanager
def _each_warning_once():
    """The warnings of the folds, each distinct one shown once when they are
    done: every fold giving the same warning is one fact, and a warning in the
    middle of the progress line would break it. Convergence is not warned
    about: early stopping ends most fits before max_iter is the reason."""
    caught = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("ignore", ConvergenceWarning)
            yield
    finally:  # shown outside the recording, by whoever shows warnings here
        shown = set()
        for warning in caught:
            key = (warning.category, str(warning.message))
            if key not in shown:
                shown.add(key)
                warnings.showwarning(
                    warning.message, warning.category, warning.filename, warning.lineno
                )


def _progress(i, n):
    print(f"\r  fold {i}/{n} {'#' * i}{'.' * (n - i)}", end="", file=sys.stderr, flush=True)


def _held_out_cells(held_out, width=24):
    """Each fold's held-out groups as a table cell of at most ``width``
    characters ("p1, p2 +6 more" when they do not fit)."""
    cells = []
    for groups in held_out:
        names = [str(g) for g in groups]
        cell = ", ".join(names)
        shown = len(names)
        while len(cell) > width and shown > 1:
            shown -= 1
            cell = ", ".join(names[:shown]) + f" +{len(names) - shown} more"
        cells.append(cell)
    return cells


def print_report(results, scoring, group_column=None, out=None):
    """The per-fold table: scores, held-out groups, diagnosis (and alpha_ of
    a CV estimator), the mean ± sd, then each diagnosis' advice."""
    out = sys.stdout if out is None else out  # the stream at call time
    patterns = [diagnose_training(fitted_mlp(m)).pattern for m in results["estimator"]]
    held = _held_out_cells(results["held_out"]) if "held_out" in results else None
    width = max([len(f"held out ({group_column})"), *map(len, held)]) if held else 0
    header = "fold  " + "  ".join(f"{name:>22s}" for name in scoring)
    header += f"  {f'held out ({group_column})':{width}s}" if held else ""
    print(header + "  diagnosis", file=out)
    for i, (pattern, model) in enumerate(zip(patterns, results["estimator"])):
        cells = "  ".join(f"{results[name][i]:22.4f}" for name in scoring)
        cells += f"  {held[i]:{width}s}" if held else ""
        chosen = f"  (alpha_={model.alpha_:g})" if isinstance(model, BaseMLPCV) else ""
        print(f"{i + 1:4d}  {cells}  {pattern}{chosen}", file=out)
    summary = "  ".join(
        f"{np.mean(results[n]):13.4f} ± {np.std(results[n]):6.4f}" for n in scoring
    )
    print(f"mean  {summary}", file=out)
    _print_advice(patterns, out)
    return patterns


def _print_advice(patterns, out):
    print(f"diagnosis of each fold's final network; see {GUIDE}:", file=out)
    for pattern in dict.fromkeys(patterns):
        print(f"  {pattern}: {ADVICE[pattern]}", file=out)


def write_outputs(out_dir, results, scoring, patterns, info):
    out_dir.mkdir(parents=True, exist_ok=True)
    report = {
        **info,
        "diagnosis": patterns,
        "advice": {p: ADVICE[p] for p in dict.fromkeys(patterns)},
        "guide": GUIDE,
        "metrics": {
            n: {
                "folds": results[n],
                "mean": float(np.mean(results[n])),
                "sd": float(np.std(results[n])),
            }
            for n in scoring
        },
    }
    if "held_out" in results:
        report["held_out_groups"] = results["held_out"]
    (out_dir / "report.json").write_text(json.dumps(report, indent=2, default=str))
    try:
        _plot_curves(out_dir / "curves.png", results)
    except ImportError:
        print("skmlp: note: matplotlib is not installed; no curves.png", file=sys.stderr)


def _plot_curves(path, results):
    """Each fold's final network's curves (mean ± sd), titled with the folds'
    own diagnoses, as in the table, and their advice below."""
    import matplotlib

    matplotlib.use("Agg")
    from .inspection import TrainingCurveDisplay

    mlps = {"estimator": [fitted_mlp(m) for m in results["estimator"]]}
    display = TrainingCurveDisplay.from_cv_results(
        mlps, name="each fold's final network", advice=True
    )
    display.figure_.savefig(path, dpi=100, bbox_inches="tight")


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
    "inner_cv": None,
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
    table = _table_task(args)
    scoring = args.scoring.split(",") if args.scoring else DEFAULT_SCORING[table.task]
    print(
        f"skmlp cv: {args.data.name}: {table.X.shape[0]} rows x {table.X.shape[1]} "
        f"features, {table.task} of {', '.join(table.targets)}"
        + (
            f", grouped by {args.groups} ({len(np.unique(table.groups))} groups)"
            if table.groups is not None
            else ""
        ),
        flush=True,
    )
    folds = outer_folds(table, args)
    results = cross_validate_table(table, folds, scoring)
    patterns = print_report(results, scoring, args.groups)
    if args.out:
        info = _report_info(table, args, results["estimator"])
        write_outputs(args.out, results, scoring, patterns, info)
        print(f"wrote {args.out / 'report.json'} and {args.out / 'curves.png'}")
    return 0


def _report_info(table, args, fold_models):
    """What report.json says about the data and the model."""
    first = fold_models[0]
    info = {
        "data": str(args.data),
        "task": table.task,
        "targets": table.targets,
        "n_samples": int(table.X.shape[0]),
        "features": table.features,
        "groups": args.groups,
        "cv": args.cv,
        "estimator": repr(first if args.tuned else fitted_mlp(first)),
    }
    if args.tuned:
        info["alpha_"] = [m.alpha_ for m in fold_models]
        info["inner_folds"] = [m.n_splits_ for m in fold_models]
    return info


# -- fit and predict ---------------------------------------------------------------


def run_fit(args):
    from . import persistence

    table = _table_task(args)
    model = table.model
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(table.X, table.y, **_fit_params(model, table.groups))
    saved = {
        "model": model,
        "features": table.features,
        "targets": table.targets,
        "task": table.task,
    }
    persistence.dump(saved, args.model)
    print(
        f"saved {table.task} model of {', '.join(table.targets)} on "
        f"{len(table.features)} features to {args.model}"
    )
    if isinstance(model, BaseMLPCV):
        print(_chosen_alpha(model))
    return 0


def _chosen_alpha(model):
    """The alpha a CV estimator chose and the inner-fold score that chose it."""
    scoring = model.scoring or "loss"
    scoring = "negative validation loss" if scoring == "loss" else scoring
    alphas = ", ".join(f"{a:g}" for a in model.alphas_)
    return (
        f"alpha_={model.alpha_:g}, chosen from alphas [{alphas}]: mean score "
        f"{model.best_score_:.4f} over {model.n_splits_} inner folds ({scoring})"
    )


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
    frame = read_table(args.data)
    X = _saved_features(saved, frame)
    predictions = _predictions(saved, X, args.proba)
    kept = _kept_columns(frame, saved["features"], args.keep, list(predictions.columns))
    table = _pandas().concat([frame[kept].reset_index(drop=True), predictions], axis=1)
    table.to_csv(args.output if args.output else sys.stdout, index=False)
    where = args.output if args.output else "stdout"
    print(
        f"wrote {len(table)} rows to {where}: {len(kept)} column(s) of the table, "
        f"then {predictions.shape[1]} of predictions",
        file=sys.stdout if args.output else sys.stderr,  # stdout holds the table
    )
    return 0


def _predictions(saved, X, proba):
    """The model's predictions on ``X`` as a DataFrame: ``predicted_<target>``
    per target column, then (``proba``) ``proba_<class>`` or ``proba_<label>``."""
    model = saved["model"]
    prediction = model.predict(X)
    names = [f"predicted_{target}" for target in saved["targets"]]
    table = _pandas().DataFrame(prediction.reshape(len(X), -1), columns=names)
    if proba and hasattr(model, "predict_proba"):
        probabilities = model.predict_proba(X)
        # a multilabel model gives one probability per label column
        multilabel = saved["task"] == "multilabel"
        labels = saved["targets"] if multilabel else fitted_mlp(model).classes_
        for j in range(probabilities.shape[1]):
            table[f"proba_{labels[j]}"] = probabilities[:, j]
    return table


def _kept_columns(frame, features, keep, predicted):
    """The columns of ``frame`` written in front of the predictions: those
    of ``--keep``, or every column the model does not use (identifiers,
    groups, the target), except those named like a prediction column."""
    if keep is not None:
        kept = _columns(frame, ",".join(keep), "--keep") if "".join(keep).strip() else []
        clash = [c for c in kept if c in predicted]
        if clash:
            raise ValueError(
                f"--keep {clash}: the predictions have column(s) of that name; keep "
                "the others"
            )
        return list(dict.fromkeys(kept))
    kept = [c for c in frame.columns if c not in set(features)]
    clash = [c for c in kept if c in predicted]
    if clash:
        print(
            f"skmlp: note: left out the table's column(s) {clash}: the new "
            "predictions have the same name(s)",
            file=sys.stderr,
        )
    return [c for c in kept if c not in clash]


def _saved_features(saved, frame):
    """The model's feature columns of ``frame``: as they are for a CV
    estimator (which encodes them itself), else as floats. A column the
    model took as numbers that holds text is named, with a cell."""
    missing = [c for c in saved["features"] if c not in frame.columns]
    if missing:
        raise KeyError(f"the table lacks the model's feature column(s) {missing[:8]}")
    features = frame[saved["features"]]
    encoder = getattr(saved["model"], "encoder_", None)
    numeric = (
        saved["features"]
        if encoder is None
        else [c for c, text in zip(saved["features"], encoder.categorical_) if not text]
    )
    _refuse_text_cells(features, numeric)
    if isinstance(saved["model"], BaseMLPCV):
        return features
    gaps = _missing_cells(features)
    if gaps:
        raise ValueError(
            f"missing values in column(s) {gaps}: this model (fitted without --tuned) "
            "needs every value; fill them, or fit with --tuned (which imputes them)"
        )
    return features.to_numpy(dtype=float)


def _refuse_text_cells(features, numeric):
    """An error naming the first of the ``numeric`` columns that holds text,
    with the text and its row."""
    pd = _pandas()
    for name in numeric:
        column = features[name]
        if pd.api.types.is_numeric_dtype(column):
            continue
        text = column[pd.to_numeric(column, errors="coerce").isna() & column.notna()]
        if len(text):
            raise ValueError(
                f"column {name!r} holds text ({text.iloc[0]!r} in row {text.index[0] + 1}) "
                "where the model was fitted on numbers: correct those cells or empty them"
            )
