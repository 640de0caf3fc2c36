"""Compare two checkouts of skmlp (before / after a change), interleaved.

Usage::

    git worktree add /tmp/before HEAD~3
    python benchmarks/compare_trees.py /tmp/before . --rounds 5
    python benchmarks/compare_trees.py /tmp/before . --configs small -- --dtype float64

Each round runs ``bench_vs_sklearn.py --repeats 1 --no-memory`` once with each
tree first on ``PYTHONPATH``, alternating A, B, A, B, ... (a fresh process per
run, so the two versions never share a process and slow drifts of the machine
hit both alike). Arguments after ``--`` go to ``bench_vs_sklearn.py``. The
report gives, per config, the median skmlp ms/epoch and predict time of each
tree, the ratio B / A (< 1: B is faster), and the median speed-up over
scikit-learn that each tree measured in its own runs (scikit-learn is the
common yardstick of every run).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().with_name("bench_vs_sklearn.py")


def run_once(tree, extra, directory, tag):
    out = Path(directory) / f"{tag}.json"
    env = dict(os.environ, PYTHONPATH=str(Path(tree).resolve()))
    command = [sys.executable, str(BENCH), "--repeats", "1", "--no-memory", "--json"]
    subprocess.run([*command, str(out), *extra], env=env, check=True, capture_output=True)
    results = json.loads(out.read_text())["results"]
    return {r["label"]: r["summary"] for r in results}


def compare(tree_a, tree_b, rounds, extra):
    runs = {"A": [], "B": []}
    with tempfile.TemporaryDirectory(prefix="skmlp-compare-") as directory:
        for i in range(rounds):
            for name, tree in (("A", tree_a), ("B", tree_b)):
                runs[name].append(run_once(tree, extra, directory, f"{name}{i}"))
                print(f"round {i + 1}/{rounds}: {name} done", file=sys.stderr, flush=True)
    return runs


def median(runs, label, key, library="skmlp"):
    if key == "speedup":
        return statistics.median(run[label]["speedup"] for run in runs)
    return statistics.median(run[label][library][key] for run in runs)


def report(runs):
    header = (
        f"{'config':<14}{'A ms/ep':>9}{'B ms/ep':>9}{'B/A':>7}"
        f"{'A pred ms':>11}{'B pred ms':>11}{'B/A':>7}{'A vs skl':>10}{'B vs skl':>10}"
    )
    lines = [header, "-" * len(header)]
    for label in runs["A"][0]:
        a, b = (median(runs[x], label, "ms_per_epoch") for x in "AB")
        pa, pb = (median(runs[x], label, "predict_ms") for x in "AB")
        sa, sb = (median(runs[x], label, "speedup") for x in "AB")
        lines.append(
            f"{label:<14}{a:9.2f}{b:9.2f}{b / a:7.2f}{pa:11.3f}{pb:11.3f}{pb / pa:7.2f}"
            f"{sa:9.2f}x{sb:9.2f}x"
        )
    return "\n".join(lines)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    extra = argv[argv.index("--") + 1 :] if "--" in argv else []
    argv = argv[: argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tree_a", help="checkout A (before)")
    parser.add_argument("tree_b", help="checkout B (after)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--configs", nargs="+", help="passed on to bench_vs_sklearn.py")
    args = parser.parse_args(argv)
    if args.configs:
        extra = ["--configs", *args.configs, *extra]
    runs = compare(args.tree_a, args.tree_b, args.rounds, extra)
    print(f"A = {args.tree_a}   B = {args.tree_b}   {args.rounds} interleaved rounds")
    print("medians; ms/ep and pred ms are skmlp's; 'vs skl' = scikit-learn / skmlp")
    print(report(runs))


if __name__ == "__main__":
    main()
