"""Time skmlp against scikit-learn's MLP on the same data and the same training run.

Usage::

    python benchmarks/bench_vs_sklearn.py                # all configs, a few minutes
    python benchmarks/bench_vs_sklearn.py --quick        # smoke run (tiny sizes)
    python benchmarks/bench_vs_sklearn.py --scaling      # wide config at n = 1k, 10k, 100k
    python benchmarks/bench_vs_sklearn.py --help

Methodology
-----------
* Same work on both sides. For every config one synthetic data set is drawn with
  ``sklearn.datasets.make_classification`` (fixed seed), split into a training part
  of exactly ``n`` rows and a held-out part, standardised with the training
  statistics and cast to ``--dtype`` (float32 by default). ``skmlp.MLPClassifier``
  and ``sklearn.neural_network.MLPClassifier`` get identical parameters: the
  architecture, the solver, the batch size, ``random_state``, ``max_iter=E`` and
  ``tol=0`` with ``n_iter_no_change=E + 1``, so neither stops early and both run
  exactly ``E`` epochs (L-BFGS iterations for the ``lbfgs`` config). Every fit's
  ``n_iter_`` is checked against ``E`` and the result is printed below the table;
  times are divided by the ``n_iter_`` actually run.
* Interleaved A/B. Fits alternate skmlp, sklearn, skmlp, sklearn, ... for
  ``--repeats`` rounds in one process, each from scratch with the same
  ``random_state``, so slow drifts of a shared machine (other jobs, CPU clock)
  hit both libraries alike. Each fit is followed by a timed ``predict_proba`` on
  the training data. ``gc.collect()`` runs before every timed call (after
  ``gc.freeze()`` of the imported modules, so it is cheap).
* Medians. The table reports the median over the rounds of the ms per epoch and of
  the ``predict_proba`` time; the speed-ups are sklearn / skmlp (> 1 means skmlp
  is faster). The raw per-round numbers are kept for ``--json``.
* Accuracy. Both models are scored on the held-out split after the same number
  of epochs, to show that the faster run learns the same thing (equal within
  seed noise; with the same seed skmlp follows scikit-learn's trajectory).
  Training-set accuracy is in the ``--json`` dump.
* Memory in separate processes. Peak RSS of a process only ever grows, so each
  library is measured in its own fresh child process (this script with a hidden
  ``--child`` option): the child loads the data from ``.npy`` files (no
  generation temporaries), imports everything, takes its peak RSS as the
  baseline, fits once, and reports the peak RSS after the fit minus the baseline,
  i.e. the extra peak memory of the fit itself. Peak RSS is ``VmHWM`` from
  ``/proc/self/status`` on Linux, because there ``ru_maxrss`` of a fork+exec'd child
  starts at the parent's peak; ``ru_maxrss`` elsewhere. Children run after all
  timings, so they never compete with a timed fit.
"""

import argparse
import dataclasses
import gc
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy
import sklearn
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SklearnMLPClassifier
from sklearn.preprocessing import StandardScaler

import skmlp

DATA_SEED = 0
MODEL_SEED = 0
LIBRARIES = ("skmlp", "sklearn")
ESTIMATORS = {"skmlp": skmlp.MLPClassifier, "sklearn": SklearnMLPClassifier}
MAX_TEST_SAMPLES = 5000


@dataclasses.dataclass(frozen=True)
class Config:
    """One benchmark case. ``batch_size=None`` means full batch (L-BFGS)."""

    name: str
    n_samples: int
    n_features: int
    hidden: tuple
    n_classes: int
    batch_size: int | None
    epochs: int
    solver: str = "adam"


CONFIGS = {
    "tiny-batches": Config("tiny-batches", 5000, 50, (64,), 3, 32, 5),
    "small": Config("small", 400, 2000, (100,), 2, 200, 20),
    "wide": Config("wide", 20000, 500, (256, 128), 10, 200, 2),
    "lbfgs": Config("lbfgs", 2000, 100, (50,), 2, None, 50, solver="lbfgs"),
}
QUICK_CONFIGS = {
    "tiny-batches": Config("tiny-batches", 500, 20, (16,), 3, 32, 5),
    "small": Config("small", 100, 200, (20,), 2, 50, 10),
    "wide": Config("wide", 500, 50, (32, 16), 10, 50, 5),
    "lbfgs": Config("lbfgs", 200, 20, (10,), 2, None, 20, solver="lbfgs"),
}
SCALING_N = (1_000, 10_000, 100_000)
QUICK_SCALING_N = (200, 500, 1_000)


# -- data ---------------------------------------------------------------------------
def make_data(config, dtype):
    """Standardised train/held-out split of a fixed-seed ``make_classification``."""
    n_test = min(max(config.n_samples // 5, 100), MAX_TEST_SAMPLES)
    n_informative = min(
        config.n_features, max(20, math.ceil(math.log2(2 * config.n_classes)))
    )
    X, y = make_classification(
        n_samples=config.n_samples + n_test,
        n_features=config.n_features,
        n_informative=n_informative,
        n_redundant=min(2, config.n_features - n_informative),
        n_classes=config.n_classes,
        random_state=DATA_SEED,
    )
    X_train, X_test = X[: config.n_samples], X[config.n_samples :]
    scaler = StandardScaler().fit(X_train)
    return (
        scaler.transform(X_train).astype(dtype),
        y[: config.n_samples],
        scaler.transform(X_test).astype(dtype),
        y[config.n_samples :],
    )


# -- estimators ---------------------------------------------------------------------
def estimator_params(config, epochs):
    """Parameters shared by both libraries: exactly ``epochs`` epochs, no early stop."""
    return {
        "hidden_layer_sizes": tuple(config.hidden),
        "solver": config.solver,
        "batch_size": "auto" if config.batch_size is None else config.batch_size,
        "max_iter": epochs,
        "tol": 0.0,
        "n_iter_no_change": epochs + 1,
        "max_fun": 10**9,
        "random_state": MODEL_SEED,
    }


def make_estimator(library, params):
    """A fresh, unfitted estimator of ``library`` with ``params`` (JSON-safe dict)."""
    return ESTIMATORS[library](
        **dict(params, hidden_layer_sizes=tuple(params["hidden_layer_sizes"]))
    )


# -- timing -------------------------------------------------------------------------
def timed(func, *args):
    """``(seconds, result)`` of one call of ``func``, after a garbage collection."""
    gc.collect()
    start = time.perf_counter()
    result = func(*args)
    return time.perf_counter() - start, result


def accuracy(estimator, proba, y):
    """Accuracy of the class with the highest probability."""
    return float(np.mean(estimator.classes_[np.argmax(proba, axis=1)] == y))


def run_once(library, params, data):
    """Fit from scratch, then predict_proba on the training data; times and scores."""
    X_train, y_train, X_test, y_test = data
    estimator = make_estimator(library, params)
    fit_s, _ = timed(estimator.fit, X_train, y_train)
    predict_s, proba = timed(estimator.predict_proba, X_train)
    return {
        "fit_s": fit_s,
        "n_iter": int(estimator.n_iter_),
        "ms_per_epoch": 1000.0 * fit_s / max(estimator.n_iter_, 1),
        "predict_ms": 1000.0 * predict_s,
        "train_accuracy": accuracy(estimator, proba, y_train),
        "test_accuracy": accuracy(estimator, estimator.predict_proba(X_test), y_test),
    }


def interleaved_runs(params, data, repeats):
    """``{library: [run, ...]}`` from alternating fits, skmlp then sklearn each round."""
    runs = {library: [] for library in LIBRARIES}
    for _ in range(repeats):
        for library in LIBRARIES:
            runs[library].append(run_once(library, params, data))
    return runs


def summarise(runs):
    """Medians per library plus the sklearn / skmlp ratios."""
    summary = {}
    for library, library_runs in runs.items():
        summary[library] = {
            key: statistics.median(run[key] for run in library_runs)
            for key in ("ms_per_epoch", "predict_ms", "train_accuracy", "test_accuracy")
        }
        summary[library]["n_iter"] = sorted({run["n_iter"] for run in library_runs})
    for ratio, key in (("speedup", "ms_per_epoch"), ("predict_speedup", "predict_ms")):
        summary[ratio] = summary["sklearn"][key] / summary["skmlp"][key]
    return summary


# -- memory (child processes) -------------------------------------------------------
def peak_rss_mb():
    """Peak resident set size of this process so far, in MB (None if unavailable).

    On Linux this is ``VmHWM`` from ``/proc/self/status``: ``ru_maxrss`` of a freshly
    exec'd child starts at the *parent's* peak (the kernel carries the old address
    space's high-water mark over the exec), which would hide the child's own fit.
    Elsewhere it is ``ru_maxrss``.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 2**10
    except OSError:
        pass
    try:
        import resource
    except ImportError:
        return None
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return maxrss / 2**20 if sys.platform == "darwin" else maxrss / 2**10


def child_main(spec):
    """Hidden ``--child`` mode: one fit, print the peak-RSS numbers as JSON."""
    X = np.load(spec["X"])
    y = np.load(spec["y"])
    estimator = make_estimator(spec["library"], spec["params"])
    gc.collect()
    baseline = peak_rss_mb()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        estimator.fit(X, y)
    peak = peak_rss_mb()
    print(
        json.dumps(
            {
                "baseline_mb": baseline,
                "peak_mb": peak,
                "fit_peak_mb": None if peak is None else peak - baseline,
                "n_iter": int(estimator.n_iter_),
            }
        )
    )


def save_training_data(data, directory, tag):
    """Write the training arrays to ``.npy`` files for the children; their paths."""
    paths = {
        "X": os.path.join(directory, f"{tag}-X.npy"),
        "y": os.path.join(directory, f"{tag}-y.npy"),
    }
    np.save(paths["X"], data[0])
    np.save(paths["y"], data[1])
    return paths


def measure_memory(library, params, paths):
    """Run one ``--child`` process; its JSON report, or ``{"error": ...}``."""
    spec = dict(paths, library=library, params=params)
    command = [sys.executable, os.path.abspath(__file__), "--child", json.dumps(spec)]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        return {"error": completed.stderr.strip().splitlines()[-1:] or ["failed"]}
    return json.loads(completed.stdout.strip().splitlines()[-1])


def measure_all_memory(jobs):
    """Peak-RSS reports for ``[(key, library, params, paths), ...]``, one per core.

    Peak RSS is per process, so running children side by side does not change it, and
    nothing is being timed any more.
    """
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        futures = {
            (key, library): pool.submit(measure_memory, library, params, paths)
            for key, library, params, paths in jobs
        }
    return {job: future.result() for job, future in futures.items()}


# -- environment and output ---------------------------------------------------------
def environment():
    """Machine, versions and BLAS/OpenMP pools (threadpoolctl ships with sklearn)."""
    from threadpoolctl import threadpool_info

    pools = [
        {
            key: pool.get(key)
            for key in (
                "user_api",
                "internal_api",
                "version",
                "architecture",
                "num_threads",
                "threading_layer",
                "filepath",
            )
        }
        for pool in threadpool_info()
    ]
    return {
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "sklearn": sklearn.__version__,
        "skmlp": skmlp.__version__,
        "skmlp_path": os.path.dirname(skmlp.__file__),
        "threadpools": pools,
    }


def print_environment(env, args):
    """The header: cores, versions, thread pools, run settings."""
    print(f"cores: {env['cpu_count']}   {env['platform']}   python {env['python']}")
    print(
        f"numpy {env['numpy']}   scipy {env['scipy']}   scikit-learn {env['sklearn']}"
        f"   skmlp {env['skmlp']} ({env['skmlp_path']})"
    )
    for pool in env["threadpools"]:
        print(
            f"threadpool: {pool['user_api']}/{pool['internal_api']} {pool['version']}"
            f" {pool['architecture'] or ''} threads={pool['num_threads']}"
            f"  {os.path.basename(pool['filepath'] or '')}"
        )
    print(
        f"dtype {args.dtype}, {args.repeats} interleaved rounds (skmlp, sklearn), "
        "medians reported; speed-up = sklearn / skmlp (> 1: skmlp faster)"
    )
    print(flush=True)


def format_table(headers, rows):
    """Plain-text table: first column left-aligned, the rest right-aligned."""
    columns = zip(headers, *rows, strict=True)
    widths = [max(len(str(cell)) for cell in column) for column in columns]

    def line(cells):
        return "  ".join(
            str(cell).ljust(width) if i == 0 else str(cell).rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        )

    return "\n".join(
        [line(headers), "  ".join("-" * width for width in widths)]
        + [line(row) for row in rows]
    )


def pair(result, key, fmt):
    """``"skmlp/sklearn"`` for one summary field."""
    return "/".join(format(result["summary"][lib][key], fmt) for lib in LIBRARIES)


def memory_cells(result):
    """Peak-MB pair and ratio cells, or placeholders when memory was not measured."""
    memory = result.get("memory")
    if not memory:
        return ["-", "-"]
    peaks = [memory[lib].get("fit_peak_mb") for lib in LIBRARIES]
    if any(peak is None for peak in peaks):
        return ["error", "-"]
    ratio = f"{peaks[1] / peaks[0]:.2f}x" if peaks[0] > 0 else "-"
    return [f"{peaks[0]:.1f}/{peaks[1]:.1f}", ratio]


def results_table(results):
    """One row per config."""
    headers = [
        "config",
        "shape",
        "hidden",
        "batch",
        "epochs",
        "skmlp ms/ep",
        "sklearn ms/ep",
        "speed-up",
        "predict speed-up",
        "test acc skmlp/sklearn",
        "fit peak MB skmlp/sklearn",
        "mem ratio",
    ]
    rows = []
    for result in results:
        config, summary = result["config"], result["summary"]
        rows.append(
            [
                result["label"],
                f"{config['n_samples']}x{config['n_features']}",
                "-".join(map(str, config["hidden"])),
                "full" if config["batch_size"] is None else config["batch_size"],
                f"{result['epochs']}{'' if result['n_iter_ok'] else '*'}",
                f"{summary['skmlp']['ms_per_epoch']:.2f}",
                f"{summary['sklearn']['ms_per_epoch']:.2f}",
                f"{summary['speedup']:.2f}x",
                f"{summary['predict_speedup']:.2f}x",
                pair(result, "test_accuracy", ".3f"),
                *memory_cells(result),
            ]
        )
    return format_table(headers, rows)


def scaling_table(results):
    """ms/epoch against the number of training samples (``--scaling``)."""
    headers = [
        "n",
        "skmlp ms/ep",
        "sklearn ms/ep",
        "speed-up",
        "skmlp ms/ep per 1k rows",
        "sklearn ms/ep per 1k rows",
    ]
    rows = []
    for result in results:
        n, summary = result["config"]["n_samples"], result["summary"]
        per_epoch = [summary[lib]["ms_per_epoch"] for lib in LIBRARIES]
        rows.append(
            [
                n,
                *(f"{ms:.2f}" for ms in per_epoch),
                f"{summary['speedup']:.2f}x",
                *(f"{1000 * ms / n:.3f}" for ms in per_epoch),
            ]
        )
    return format_table(headers, rows)


def footnotes(results, memory_on):
    """The n_iter_ check and what the columns mean."""
    bad = [
        f"{result['label']} (skmlp {result['summary']['skmlp']['n_iter']}, "
        f"sklearn {result['summary']['sklearn']['n_iter']})"
        for result in results
        if not result["n_iter_ok"]
    ]
    lines = [
        "n_iter_ == epochs for every fit of both libraries: "
        + ("yes" if not bad else "NO (marked *): " + "; ".join(bad))
    ]
    if any(result["config"]["solver"] == "lbfgs" for result in results):
        lines.append(
            "lbfgs: epochs = L-BFGS iterations on the full batch; ms/ep = ms per iteration."
        )
    lines.append(
        "predict speed-up: median predict_proba time on the training data, sklearn / skmlp."
    )
    lines.append(
        "test acc: accuracy on a held-out split (20% of n extra rows, at most "
        f"{MAX_TEST_SAMPLES}) after the same epochs."
    )
    if memory_on:
        lines.append(
            "fit peak MB: peak RSS after fit minus peak RSS before it (data "
            "loaded), one fresh process per library; mem ratio = sklearn / skmlp."
        )
    return "\n".join(lines)


# -- driver -------------------------------------------------------------------------
def selected_configs(args):
    """``[(label, Config), ...]`` to run, after --quick/--epochs/--n-samples/--scaling."""
    table = QUICK_CONFIGS if args.quick else CONFIGS
    if args.scaling:
        wide = table["wide"]
        sizes = QUICK_SCALING_N if args.quick else SCALING_N
        chosen = [(f"wide n={n}", dataclasses.replace(wide, n_samples=n)) for n in sizes]
    else:
        chosen = [(name, table[name]) for name in args.configs]
        if args.n_samples is not None:
            chosen = [
                (
                    label,
                    dataclasses.replace(config, n_samples=args.n_samples)
                    if config.name == "wide"
                    else config,
                )
                for label, config in chosen
            ]
    if args.epochs is not None:
        chosen = [
            (label, dataclasses.replace(config, epochs=args.epochs))
            for label, config in chosen
        ]
    return chosen


def bench_config(label, config, args):
    """Data, interleaved timings and summary for one config (memory comes later)."""
    print(
        f"[{label}] {config.n_samples}x{config.n_features}, rounds={args.repeats} ...",
        file=sys.stderr,
        flush=True,
    )
    data = make_data(config, args.dtype)
    params = estimator_params(config, config.epochs)
    runs = interleaved_runs(params, data, args.repeats)
    summary = summarise(runs)
    n_iter_ok = all(
        run["n_iter"] == config.epochs
        for library_runs in runs.values()
        for run in library_runs
    )
    result = {
        "label": label,
        "config": dataclasses.asdict(config),
        "epochs": config.epochs,
        "dtype": args.dtype,
        "params": params,
        "runs": runs,
        "summary": summary,
        "n_iter_ok": n_iter_ok,
    }
    return result, data


def parse_args(argv=None):
    """Command-line options."""
    parser = argparse.ArgumentParser(
        description="Time per epoch, predict time, accuracy and peak memory of skmlp vs "
        "scikit-learn's MLPClassifier (see the module docstring)."
    )
    parser.add_argument(
        "--configs",
        nargs="+",
        choices=list(CONFIGS),
        default=list(CONFIGS),
        metavar="NAME",
        help=f"configs to run (default: all of {', '.join(CONFIGS)})",
    )
    parser.add_argument(
        "--repeats", type=int, default=5, help="interleaved rounds per config (default: 5)"
    )
    parser.add_argument(
        "--epochs",
        type=int,
        default=None,
        help="epochs (L-BFGS iterations) for every config, overriding "
        "the per-config defaults",
    )
    parser.add_argument(
        "--dtype",
        choices=("float32", "float64"),
        default="float32",
        help="dtype of the input data (default: float32)",
    )
    parser.add_argument(
        "--n-samples",
        type=int,
        default=None,
        help="number of training rows of the wide config (ignored with --scaling)",
    )
    parser.add_argument(
        "--scaling",
        action="store_true",
        help="instead of --configs, run the wide config at n = "
        f"{', '.join(map(str, SCALING_N))} and print ms/epoch vs n",
    )
    parser.add_argument(
        "--memory",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="measure peak RSS of each fit in a separate process (default: on)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="tiny sizes and epochs: a smoke run (seconds; the memory "
        "children's imports dominate, --no-memory skips them)",
    )
    parser.add_argument("--json", metavar="PATH", help="write the raw numbers to PATH")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeats < 1 or (args.epochs is not None and args.epochs < 1):
        parser.error("--repeats and --epochs must be at least 1")
    return args


def add_memory(results, datasets, directory):
    """Run the memory children for every config and attach their reports."""
    jobs = []
    for index, (result, data) in enumerate(zip(results, datasets, strict=True)):
        paths = save_training_data(data, directory, f"config{index}")
        jobs += [(index, library, result["params"], paths) for library in LIBRARIES]
    print(f"[memory] {len(jobs)} child processes ...", file=sys.stderr, flush=True)
    reports = measure_all_memory(jobs)
    for index, result in enumerate(results):
        result["memory"] = {library: reports[(index, library)] for library in LIBRARIES}


def run(args):
    """Benchmark the selected configs and print the report."""
    env = environment()
    print_environment(env, args)
    results, datasets = [], []
    gc.collect()
    gc.freeze()  # keep the per-call collections in ``timed`` from rescanning the imports
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for label, config in selected_configs(args):
            result, data = bench_config(label, config, args)
            results.append(result)
            datasets.append(data)
    if args.memory:
        with tempfile.TemporaryDirectory(prefix="skmlp-bench-") as directory:
            add_memory(results, datasets, directory)
    print(results_table(results))
    if args.scaling:
        print()
        print(scaling_table(results))
    print()
    print(footnotes(results, args.memory))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(
                {"environment": env, "args": vars(args), "results": results},
                handle,
                indent=2,
            )
        print(f"raw numbers written to {args.json}")


def main(argv=None):
    """Entry point: the benchmark, or one memory measurement with ``--child``."""
    args = parse_args(argv)
    if args.child is not None:
        child_main(json.loads(args.child))
    else:
        run(args)


if __name__ == "__main__":
    main()
