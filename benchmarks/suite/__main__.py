"""``python -m benchmarks.suite``: run the suite (resuming from its cache) and
write the report.

Examples::

    python -m benchmarks.suite --quick                  # a handful of tables, 1 seed
    python -m benchmarks.suite                          # every table, 3 seeds
    python -m benchmarks.suite --tables esol pima --models "skmlp CV" CatBoost
    python -m benchmarks.suite --report-only            # docs/benchmarks.rst from the cache
"""

import argparse
import sys
import time
from pathlib import Path

from . import models as suite_models
from . import tables as suite_tables
from .run import Cache, run_table

ROOT = Path(__file__).resolve().parents[2]
QUICK_TABLES = ["birthwt", "pima", "diabetes_groups", "esol", "breast_cancer"]


def parse(argv):
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.suite",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--quick", action="store_true", help=f"tables {', '.join(QUICK_TABLES)}, one seed"
    )
    parser.add_argument(
        "--tables",
        nargs="+",
        choices=list(suite_tables.BY_NAME),
        metavar="TABLE",
        help="tables to run (default: all)",
    )
    parser.add_argument(
        "--models",
        nargs="+",
        choices=list(suite_models.MODELS),
        metavar="MODEL",
        help="models to run (default: all but pytabkit's)",
    )
    parser.add_argument(
        "--seeds",
        type=int,
        default=None,
        help="seeds of the MLPs (default 3; 1 with --quick)",
    )
    parser.add_argument(
        "--cache",
        type=Path,
        default=ROOT / "benchmarks" / "suite_cache",
        help="folder of cached results (default benchmarks/suite_cache)",
    )
    parser.add_argument(
        "--report",
        type=Path,
        default=None,
        help="write the report (rst) here; default: docs/benchmarks.rst "
        "for a full run, none for --quick",
    )
    parser.add_argument(
        "--report-only", action="store_true", help="no fitting: the report from the cache"
    )
    parser.add_argument(
        "--times-from",
        type=Path,
        default=None,
        help="report the seconds of this cache instead (a timing run with nothing "
        "else on the machine, e.g. --seeds 1 --cache benchmarks/suite_times)",
    )
    parser.add_argument("--list", action="store_true", help="list the tables and exit")
    return parser.parse_args(argv)


def _list_tables():
    for t in suite_tables.TABLES:
        where = (
            t.source[1] if isinstance(t.source[1], str) else "x".join(map(str, t.source[1]))
        )
        print(f"{t.name:22s} {t.family:15s} {t.task:11s} {t.source[0]}:{where}")


def main(argv=None):
    args = parse(sys.argv[1:] if argv is None else argv)
    if args.list:
        _list_tables()
        return 0
    tables = args.tables or (QUICK_TABLES if args.quick else list(suite_tables.BY_NAME))
    models = args.models or suite_models.DEFAULT_MODELS
    seeds = range(args.seeds if args.seeds else (1 if args.quick else 3))
    cache = Cache(args.cache)
    start = time.perf_counter()
    if not args.report_only:
        for i, name in enumerate(tables, 1):
            print(f"[{i}/{len(tables)}] {name}", file=sys.stderr, flush=True)
            run_table(name, models, seeds, cache)
        print(f"fitting took {time.perf_counter() - start:.0f} s", file=sys.stderr)
    from .report import write_report

    report = args.report or (None if args.quick else ROOT / "docs" / "benchmarks.rst")
    times = Cache(args.times_from) if args.times_from else None
    write_report(cache, tables, models, report, times)
    return 0


if __name__ == "__main__":
    sys.exit(main())
