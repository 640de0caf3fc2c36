"""The command-line main job: ``python -m skmlp`` / ``skmlp``.

``skmlp cv [DATA] --target COL ...`` cross-validates an MLP on a table;
without a data file (and ``python -m skmlp`` with no arguments) it
cross-validates each estimator on scikit-learn's bundled breast-cancer data.
``skmlp fit`` saves a model (skops format), ``skmlp predict`` applies it.
Bad input ends with a one-line error and exit status 2, never a traceback
(set SKMLP_DEBUG=1 to see one).
"""

import argparse
import os
import sys

from . import __version__
from ._cli_commands import add_table_commands


def build_parser():
    parser = argparse.ArgumentParser(
        prog="skmlp",
        description="Cross-validated multilayer perceptrons on tabular data.",
    )
    parser.add_argument("--version", action="version", version=f"skmlp {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="{cv,fit,predict}")
    add_table_commands(commands)
    return parser


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    args = parser.parse_args(argv or ["cv"])
    if args.command is None:
        parser.error("choose a command: cv, fit or predict")
    try:
        return args.run(args)
    except (ValueError, TypeError, KeyError, OSError, ImportError) as error:
        if os.environ.get("SKMLP_DEBUG"):
            raise
        message = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        print(f"skmlp: error: {message}", file=sys.stderr)
        return 2
