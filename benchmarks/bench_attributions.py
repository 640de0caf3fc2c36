"""Gene rankings on the leukemia table: integrated-gradient attributions
against permutation importance, their agreement and their time.

Usage::

    python benchmarks/bench_attributions.py [--repeats 5] [--steps 64]

MLPClassifierCV (defaults, seed 0) is fitted on 58 of the 72 patients
(stratified, seed 0); both methods then rank the 5147 genes on the 14
held-out patients: skmlp's ``feature_attributions`` (mean absolute
attribution to the probability of AML, integrated gradients from the training
median) and scikit-learn's ``permutation_importance`` (the drop in negative
log-loss when a gene's values are shuffled, ``--repeats`` times; log-loss,
since accuracy on 14 rows barely moves when one of 5147 genes is shuffled).
Both get NumPy arrays (scikit-learn validates a 5147-column DataFrame in
about 50 ms a call, which would dominate permutation importance's time).
Printed: each method's seconds, the Spearman correlation of the two rankings
over all genes, that of permutation importance with itself (even against odd
repeats: its own noise), and the overlap of the top 10 / 20 / 50 / 100
against what chance would give. Needs ``../shared/data`` beside the repository, and pandas.
"""

import argparse
import time
import warnings

import numpy as np
from bench_ensemble_quality import DATA
from scipy.stats import spearmanr
from sklearn.inspection import permutation_importance
from sklearn.model_selection import train_test_split

from skmlp import MLPClassifierCV
from skmlp.inspection import feature_attributions, summarize_attributions


def _leukemia():
    import pandas as pd

    frame = pd.read_csv(DATA / "gene_expression" / "leukemia.csv")
    y = (frame.pop("class") == "AML").astype(int).to_numpy()
    return frame, y


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--steps", type=int, default=64)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    X, y = _leukemia()
    # arrays, not the DataFrame: scikit-learn's validation of 5147 DataFrame
    # columns (~50 ms a call) would be most of permutation importance's time
    X_train, X_test, y_train, y_test = train_test_split(
        X.to_numpy(), y, test_size=14, stratify=y, random_state=0
    )
    start = time.perf_counter()
    model = MLPClassifierCV(random_state=0).fit(X_train, y_train)
    print(
        f"MLPClassifierCV: fitted in {time.perf_counter() - start:.1f} s, "
        f"held-out accuracy {model.score(X_test, y_test):.3f}"
    )

    start = time.perf_counter()
    attributions = feature_attributions(model, X_test, target=1, n_steps=args.steps)
    attribution_seconds = time.perf_counter() - start
    ours = summarize_attributions(attributions, X.columns)
    importance_ours = np.abs(attributions).mean(axis=0)

    start = time.perf_counter()
    permuted = permutation_importance(
        model,
        X_test,
        y_test,
        scoring="neg_log_loss",
        n_repeats=args.repeats,
        random_state=0,
    )
    permutation_seconds = time.perf_counter() - start
    _report(
        X.columns,
        importance_ours,
        permuted.importances,
        attribution_seconds,
        permutation_seconds,
        args,
    )
    print("\nTop 10 genes by attribution (mean |IG|, mean IG):")
    for name, mean_abs, mean in list(zip(ours.feature_names, ours.mean_abs, ours.mean))[
        :10
    ]:
        print(f"  {name:28s} {mean_abs:.4f} {mean:+.4f}")


def _report(genes, ours, theirs_repeats, seconds_ours, seconds_theirs, args):
    n, theirs = len(genes), theirs_repeats.mean(axis=1)
    print(f"\n{n} genes, 14 held-out patients")
    print(f"  integrated gradients ({args.steps} steps): {seconds_ours:6.1f} s")
    print(
        f"  permutation importance ({args.repeats} repeats): {seconds_theirs:6.1f} s "
        f"({seconds_theirs / seconds_ours:.0f}x)"
    )
    rho_all = spearmanr(ours, theirs).statistic
    print(f"  Spearman correlation of the two rankings, all genes: {rho_all:.3f}")
    halves = spearmanr(
        theirs_repeats[:, ::2].mean(axis=1), theirs_repeats[:, 1::2].mean(axis=1)
    ).statistic
    print(f"  permutation importance against itself (even vs odd repeats): {halves:.3f}")
    top_ours, top_theirs = np.argsort(-ours), np.argsort(-theirs)
    for k in (10, 20, 50, 100):
        shared = len(np.intersect1d(top_ours[:k], top_theirs[:k]))
        print(f"  top {k}: {shared} genes in common (chance: {k * k / n:.1f})")


if __name__ == "__main__":
    main()
