"""``skmlp cv``: the folds, their cross-validation (the library's), the report
and its files."""

import json
import sys
import time
import warnings
from contextlib import contextmanager

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from .._tuned.base import BaseMLPCV, _label
from ..inspection import diagnose_training
from ..inspection._diagnosis import ADVICE, GUIDE
from ..model_selection import cross_validate
from ..model_selection._splitters import command_line, default_splitter
from .model import _fit_params, _table_task, chosen_threshold, fitted_mlp

DEFAULT_SCORING = {
    "classification": ["accuracy", "balanced_accuracy"],
    "regression": ["r2", "neg_mean_absolute_error"],
    "multilabel": ["accuracy", "f1_micro"],
}


def outer_splitter(table, args):
    """The splitter of ``skmlp cv``'s folds: the CV estimators' rule
    (:func:`~skmlp.model_selection._splitters.default_splitter`) for ``--cv``
    folds, by group with ``--groups``, seeded by ``--random-state``; one fold
    per group when there are fewer groups than ``--cv`` (with a warning)."""
    return default_splitter(
        args.cv,
        classify=table.task == "classification",
        groups=table.groups,
        random_state=args.random_state,
        what=command_line(args.groups),
    )


def cross_validate_table(table, splitter, scoring):
    """:func:`skmlp.model_selection.cross_validate` of the table's model over
    ``splitter``'s folds, a line on stderr while it runs (then its seconds);
    the fitted models, the scores by name, the fit times and (with groups) the
    groups each fold held out under ``"held_out"``."""
    model, X, y, groups = table.model, table.X, table.y, table.groups
    n_folds = splitter.get_n_splits(X, y, groups)
    print(f"  fitting {n_folds} folds...", end="", file=sys.stderr, flush=True)
    start, done = time.perf_counter(), ""
    with _each_warning_once():
        try:
            result = cross_validate(
                model,
                X,
                y,
                groups=groups,
                scoring=scoring,
                cv=splitter,
                params=_fit_params(model, groups),
                return_estimator=True,
                return_indices=True,
                error_score="raise",
            )
            done = f" {time.perf_counter() - start:.1f} s"
        finally:  # an error is reported on a line of its own
            print(done, file=sys.stderr)
    return _fold_results(result, scoring, groups)


def _fold_results(result, scoring, groups):
    """``cross_validate``'s result as the report reads it: lists by fold."""
    results = {
        "estimator": list(result["estimator"]),
        **{name: [float(s) for s in result[f"test_{name}"]] for name in scoring},
        "fit_time": [float(t) for t in result["fit_time"]],
    }
    if groups is not None:
        tests = result["indices"]["test"]
        results["held_out"] = [np.unique(groups[test]).tolist() for test in tests]
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


def _chosen(model):
    """A CV estimator's choice: its alpha, or its best candidate's parameters;
    and the threshold ``threshold="auto"`` chose."""
    if model.portfolio is None:
        chosen = f"alpha_={model.alpha_:g}"
    else:
        chosen = _label(model.best_params_)
    threshold = chosen_threshold(model)
    return chosen if threshold is None else f"{chosen}, threshold={threshold:g}"


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
        chosen = f"  ({_chosen(model)})" if isinstance(model, BaseMLPCV) else ""
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
    splitter = outer_splitter(table, args)
    results = cross_validate_table(table, splitter, scoring)
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
        info["best_params_"] = [m.best_params_ for m in fold_models]
        if first.selection == "ensemble":
            info["ensemble_weights_"] = [m.ensemble_weights_.tolist() for m in fold_models]
        info["inner_folds"] = [m.n_splits_ for m in fold_models]
        if hasattr(first, "threshold_"):
            info["threshold_"] = [np.asarray(m.threshold_).tolist() for m in fold_models]
    return info
