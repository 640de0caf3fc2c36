"""The ``explain`` command of the command line: which features drive a saved
model's predictions on a table."""

import argparse
from pathlib import Path

from .model import fitted_mlp
from .predict import _load_saved, _saved_features
from .tables import _pandas, read_table

METHODS = ["integrated_gradients", "gradient_x_input", "gradient"]


def positive_int(text):
    """argparse type: a whole number of at least 1 (argparse names the
    option in front of the message)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(
            f"must be a whole number of at least 1; got {text!r}"
        )
    return value


def add_explain_command(commands):
    explain = commands.add_parser(
        "explain", help="which features drive a saved model's predictions on a table"
    )
    explain.add_argument("model", type=Path, help="a model saved by 'skmlp fit'")
    explain.add_argument(
        "data", type=Path, help="table: .csv, .tsv or .parquet (.parquet needs pyarrow)"
    )
    explain.add_argument(
        "--top", type=positive_int, default=20, help="features to list (default 20)"
    )
    explain.add_argument("--out", type=Path, help="CSV of every row's attributions")
    explain.add_argument("--plot", type=Path, help="image of the top features (.png, .pdf)")
    explain.add_argument("--method", choices=METHODS, default=METHODS[0])
    explain.add_argument(
        "--by",
        choices=["column", "encoded"],
        default="column",
        help="a --tuned model of a table with text columns or empty cells: one "
        "attribution per column of the table (default), or per encoded column "
        "(one per category, missing-value indicators apart)",
    )
    explain.add_argument(
        "--target", help="class (a classifier) or target column (several targets)"
    )
    explain.add_argument(
        "--steps", type=positive_int, default=64, help="integration steps (default 64)"
    )
    explain.set_defaults(run=run_explain)


def _explained_target(saved, target):
    """``--target`` as feature_attributions' ``target``: a class of the
    model, or the position of a target column."""
    if saved["task"] != "classification":
        if target is None:
            if len(saved["targets"]) > 1:
                raise ValueError(
                    f"choose one of the targets with --target: {saved['targets']}"
                )
            return None
        if target not in saved["targets"]:
            raise ValueError(f"--target must be one of {saved['targets']}; got {target!r}")
        return saved["targets"].index(target)
    if target is None:
        return None
    classes = fitted_mlp(saved["model"]).classes_
    matches = [c for c in classes if str(c) == target]
    if not matches:
        raise ValueError(f"--target must be one of the classes {list(map(str, classes))}")
    return matches[0]


def run_explain(args):
    from ..inspection import summarize_attributions
    from ..inspection._attributions import feature_attributions

    saved = _load_saved(args.model)
    X = _saved_features(saved, read_table(args.data))
    target = _explained_target(saved, args.target)
    _check_method(saved["model"], args)
    attributions = feature_attributions(
        saved["model"],
        X,
        method=args.method,
        target=target,
        n_steps=args.steps,
        by=args.by,
    )
    names, values = _explained_columns(saved, X, args.by)
    summary = summarize_attributions(attributions, names)
    print(f"{'feature':30s} {'mean |attribution|':>18s} {'mean':>10s}")
    rows = zip(summary.feature_names, summary.mean_abs, summary.mean)
    for name, mean_abs, mean in list(rows)[: args.top]:
        print(f"{name!s:30.30s} {mean_abs:18.4g} {mean:10.4g}")
    if args.out:
        pd = _pandas()
        pd.DataFrame(attributions, columns=names).to_csv(args.out, index=False)
        print(f"wrote {len(X)} rows' attributions to {args.out}")
    if args.plot:
        _plot_attributions(attributions, names, values, args)
    return 0


def _check_method(model, args):
    """A gradient needs inputs to differentiate: a raw table's categories
    are not, their encoded columns are."""
    from ..inspection._attributions import DifferentiableModel

    if args.method == "integrated_gradients" or args.by == "encoded":
        return
    if DifferentiableModel(model).encodes_table:
        raise ValueError(
            f"--method {args.method} of a model of a raw table (text columns, empty "
            "cells) is a gradient with respect to its encoded columns; a gradient "
            "with respect to a category is not defined: add --by encoded, or use "
            "--method integrated_gradients (one attribution per column of the table)"
        )


def _explained_columns(saved, X, by):
    """The names of the attributions' columns and the values that colour
    the plot: the table's feature columns, or (``by='encoded'``) the
    columns the model's encoder makes of them."""
    from ..inspection._attributions import encoded_inputs

    if by == "encoded":
        values, names = encoded_inputs(saved["model"], X)
        if names is not None:
            return list(names), values
    return saved["features"], X


def _plot_attributions(attributions, features, X, args):
    from ..inspection import FeatureAttributionDisplay

    display = FeatureAttributionDisplay(
        attributions,
        feature_names=features,
        feature_values=X,
        max_features=args.top,
        method=args.method,
    ).plot()
    display.figure_.tight_layout()
    display.figure_.savefig(args.plot, dpi=120)
    print(f"wrote {args.plot}")
