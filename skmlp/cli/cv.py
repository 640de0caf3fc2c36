"""``skmlp cv``: the folds, the per-fold loop, the report and its files."""

import json
import sys
import time
import warnings
from contextlib import contextmanager

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import check_scoring
from sklearn.model_selection import (
    GroupKFold,
    KFold,
    LeaveOneGroupOut,
    StratifiedGroupKFold,
    StratifiedKFold,
)

from .._tuned.base import BaseMLPCV
from ..inspection import diagnose_training
from ..inspection._diagnosis import ADVICE, GUIDE
from .model import _fit_params, _table_task, fitted_mlp
from .tables import _rows

DEFAULT_SCORING = {
    "classification": ["accuracy", "balanced_accuracy"],
    "regression": ["r2", "neg_mean_absolute_error"],
    "multilabel": ["accuracy", "f1_micro"],
}


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
    from ..inspection import TrainingCurveDisplay

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
    from .default import run_default

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
