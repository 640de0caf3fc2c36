"""Time only the matrix products of one training epoch, at each config's shapes.

This is the floor for a NumPy MLP: the forward products ``A @ W``, and the
backward products ``A.T @ dZ`` (weight gradients) and ``dZ @ W.T`` (input
gradients, not needed for the first layer), for every minibatch of an epoch.
Everything else an implementation does (activations, loss, optimizer, batch
gathering, Python) is overhead above it. Run next to ``bench_vs_sklearn.py``::

    python benchmarks/matmul_floor.py                 # all configs
    python benchmarks/matmul_floor.py --configs wide  # one config

It prints, per config, the median over ``--repeats`` of the floor in ms per
epoch, and, with ``--compare``, skmlp's own median ms per epoch measured in the
same process (interleaved), and the share of its time that is the floor.
"""

import argparse
import statistics
import time
import warnings

import numpy as np
from bench_vs_sklearn import CONFIGS, estimator_params, make_data


def epoch_products(config, dtype, rng):
    """Closures that run one epoch of the products at the config's shapes."""
    units = [
        config.n_features,
        *config.hidden,
        config.n_classes if config.n_classes > 2 else 1,
    ]
    batch = config.batch_size or config.n_samples
    sizes = [batch] * (config.n_samples // batch)
    if config.n_samples % batch:
        sizes.append(config.n_samples % batch)
    weights = [rng.standard_normal((a, b)).astype(dtype) for a, b in zip(units, units[1:])]
    buffers = {}
    for m in set(sizes):
        acts = [rng.standard_normal((m, u)).astype(dtype) for u in units]
        buffers[m] = acts, [np.empty_like(a) for a in acts]
    grads = [np.empty_like(W) for W in weights]

    def run():
        for m in sizes:
            acts, deltas = buffers[m]
            for i, W in enumerate(weights):  # forward
                np.matmul(acts[i], W, out=acts[i + 1])
            for i in range(len(weights) - 1, -1, -1):  # backward
                np.matmul(acts[i].T, deltas[i + 1], out=grads[i])
                if i:
                    np.matmul(deltas[i + 1], weights[i].T, out=deltas[i])

    return run


def median_ms(func, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--configs",
        nargs="+",
        default=["tiny-batches", "small", "wide"],
        choices=[c for c in CONFIGS if c != "lbfgs"],
    )
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument(
        "--compare",
        action="store_true",
        help="also time skmlp's epochs, interleaved with the floor",
    )
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    print(
        f"{'config':14s} {'floor ms/epoch':>15s}"
        + (f" {'skmlp ms/epoch':>15s} {'floor share':>12s}" if args.compare else "")
    )
    for name in args.configs:
        config = CONFIGS[name]
        run = epoch_products(config, np.dtype(args.dtype), np.random.default_rng(0))
        run()  # warm-up
        if not args.compare:
            print(f"{name:14s} {median_ms(run, args.repeats):15.2f}")
            continue
        from skmlp import MLPClassifier

        data = make_data(config, np.dtype(args.dtype))
        params = estimator_params(config, max(config.epochs, 2))
        floor, ours = [], []
        for _ in range(args.repeats):
            floor.append(median_ms(run, 1))
            start = time.perf_counter()
            MLPClassifier(**params).fit(data[0], data[1])
            ours.append(1000 * (time.perf_counter() - start) / params["max_iter"])
        f, o = statistics.median(floor), statistics.median(ours)
        print(f"{name:14s} {f:15.2f} {o:15.2f} {f / o:11.0%}")


if __name__ == "__main__":
    main()
