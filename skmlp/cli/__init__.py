"""The command-line main job: ``python -m skmlp`` / ``skmlp``.

``skmlp cv [DATA] --target COL ...`` cross-validates an MLP on a table;
without a data file (and ``python -m skmlp`` with no arguments) it
cross-validates each estimator on scikit-learn's bundled breast-cancer data.
``skmlp fit`` saves a model (skops format), ``skmlp predict`` applies it,
``skmlp explain`` lists the features that drive its predictions.
No command ends with a traceback: bad input ends with a one-line error and
exit status 2, any other error with a one-line error and exit status 1
(``--debug``, or SKMLP_DEBUG=1, shows the traceback instead).
"""

import argparse
import os
import sys
import warnings
from pathlib import Path

from .. import __version__
from .cv import run_cv
from .explain import add_explain_command
from .predict import run_fit, run_predict

#: Errors of the user's input: a file, a column, an option, a parameter.
INPUT_ERRORS = (ValueError, TypeError, KeyError, OSError, ImportError)

EPILOG = (
    "Errors end with one line on stderr: exit status 2 for bad input (a file, a "
    "column, an option, a parameter), 1 for anything else. --debug (or the "
    "environment variable SKMLP_DEBUG=1) shows the traceback instead."
)


def build_parser():
    parser = argparse.ArgumentParser(
        prog="skmlp",
        description="Cross-validated multilayer perceptrons on tabular data.",
        epilog=EPILOG,
    )
    parser.add_argument("--version", action="version", version=f"skmlp {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="show the traceback of an error"
    )
    commands = parser.add_subparsers(dest="command", metavar="{cv,fit,predict,explain}")
    add_table_commands(commands)
    add_explain_command(commands)  # its own module, which reads tables as these do
    return parser


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
        help="use MLPClassifierCV / MLPRegressorCV / MultiLabelMLPCV: a network and a "
        "solved linear model at every alpha, searched by inner cross-validation (by "
        "group with --groups) and ensembled by selection, robust scaling built in; "
        "more candidates with --estimator-param portfolio=best (feature embeddings) "
        "or a list of your own, the best one alone with --estimator-param selection=best",
    )
    parser.add_argument(
        "--inner-cv",
        type=int,
        metavar="N",
        help="with --tuned: the inner folds that choose alpha (the CV estimator's cv; "
        "default 5, one per group when --groups has fewer)",
    )
    parser.add_argument("--random-state", type=int, default=0)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    args = parser.parse_args(argv or ["cv"])
    if args.command is None:
        parser.error("choose a command: cv, fit, predict or explain")
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            return args.run(args)
    except Exception as error:  # noqa: BLE001 - the command line's one-line promise
        if args.debug or os.environ.get("SKMLP_DEBUG"):
            raise
        return _report(error)


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """A warning as the command line's notes are written: no file and line of
    the library's source, which tell a user of the command nothing."""
    kind = "" if category is UserWarning else f"{category.__name__}: "
    print(f"skmlp: warning: {kind}{message}", file=sys.stderr if file is None else file)


def _report(error):
    """One line on stderr; the exit status: 2 for bad input, 1 otherwise."""
    # str() of a KeyError is the repr of its message, quotes and all
    plain_key_error = isinstance(error, KeyError) and len(error.args) == 1
    text = str(error.args[0] if plain_key_error else error).strip()
    message = text.splitlines()[0] if text else type(error).__name__
    if isinstance(error, INPUT_ERRORS):
        print(f"skmlp: error: {message}", file=sys.stderr)
        return 2
    print(
        f"skmlp: error: {type(error).__name__}: {message} "
        "(run with --debug for the traceback)",
        file=sys.stderr,
    )
    return 1
