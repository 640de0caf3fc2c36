"""Noisy training/validation loss curves of each of the lecture notes' patterns.

Each generator draws its shape parameters at random (number of epochs, loss
level, time constants, gaps) and adds noise, so that the diagnosis is tested
on families of curves rather than on a few hand-picked ones.
"""

import numpy as np


def _decay(t, start, end, tau):
    return end + (start - end) * np.exp(-t / tau)


def _draw(rng):
    n = int(rng.randint(30, 200))
    t = np.arange(n, dtype=float)
    start = rng.uniform(0.5, 5.0) * 10.0 ** rng.uniform(-2, 3)  # any loss scale
    return n, t, start


def _noisy(curve, start, rng, level):
    return curve + rng.normal(scale=level * start, size=curve.shape)


def good_fit(rng):
    n, t, start = _draw(rng)
    end = start * rng.uniform(0.02, 0.3)
    tau = n * rng.uniform(0.05, 0.15)
    train = _decay(t, start, end, tau)
    valid = _decay(t, start, end + start * rng.uniform(0.0, 0.05), tau)
    return _noisy(train, start, rng, 0.003), _noisy(valid, start, rng, 0.005)


def underfit_capacity(rng):
    n, t, start = _draw(rng)
    end = start * rng.uniform(0.65, 0.95)
    tau = n * rng.uniform(0.03, 0.12)
    train = _decay(t, start, end, tau)
    valid = _decay(t, start, end + start * rng.uniform(0.0, 0.03), tau)
    return _noisy(train, start, rng, 0.003), _noisy(valid, start, rng, 0.005)


def underfit_stopped_early(rng):
    n, t, start = _draw(rng)
    end = start * rng.uniform(0.0, 0.3)
    tau = n * rng.uniform(0.6, 2.0)
    train = _decay(t, start, end, tau)
    valid = _decay(t, start, end + start * rng.uniform(0.0, 0.05), tau)
    return _noisy(train, start, rng, 0.003), _noisy(valid, start, rng, 0.005)


def overfit(rng):
    n, t, start = _draw(rng)
    end = start * rng.uniform(0.0, 0.2)
    tau = n * rng.uniform(0.05, 0.12)
    divergence = n * rng.uniform(0.2, 0.55)
    train = _decay(t, start, end, tau)
    slope = start * rng.uniform(0.3, 1.0) / n
    valid = _decay(t, start, end + 0.05 * start, tau) + slope * np.maximum(
        t - divergence, 0
    )
    return _noisy(train, start, rng, 0.003), _noisy(valid, start, rng, 0.005)


def unrepresentative_train(rng):
    n, t, start = _draw(rng)
    train = _decay(t, start, start * rng.uniform(0.0, 0.1), n * rng.uniform(0.3, 0.6))
    valid = _decay(t, start, start * rng.uniform(0.6, 0.8), n * rng.uniform(0.03, 0.08))
    return _noisy(train, start, rng, 0.003), _noisy(valid, start, rng, 0.005)


def unrepresentative_validation_noisy(rng):
    train, valid = good_fit(rng)
    start = max(train[0], valid[0])
    return train, valid + rng.normal(scale=start * rng.uniform(0.08, 0.2), size=valid.shape)


def validation_below_train(rng):
    n, t, start = _draw(rng)
    end = start * rng.uniform(0.3, 0.5)
    tau = n * rng.uniform(0.05, 0.15)
    train = _decay(t, start, end, tau)
    valid = _decay(t, start * 0.9, end - start * rng.uniform(0.12, 0.25), tau)
    return _noisy(train, start, rng, 0.003), _noisy(valid, start, rng, 0.005)


GENERATORS = {
    f.__name__: f
    for f in [
        underfit_capacity,
        underfit_stopped_early,
        overfit,
        good_fit,
        unrepresentative_train,
        unrepresentative_validation_noisy,
        validation_below_train,
    ]
}


def confusion(n_per_pattern=100, seed=0):
    """``{true: {predicted: count}}`` of diagnose_training on generated curves."""
    from skmlp.inspection import diagnose_training

    rng = np.random.RandomState(seed)
    table = {}
    for name, generate in GENERATORS.items():
        row = table.setdefault(name, {})
        for _ in range(n_per_pattern):
            train, valid = generate(rng)
            pattern = diagnose_training({"train_loss": train, "valid_loss": valid}).pattern
            row[pattern] = row.get(pattern, 0) + 1
    return table


if __name__ == "__main__":
    table = confusion()
    columns = sorted({p for row in table.values() for p in row})
    short = {p: "".join(w[0] for w in p.split("_")) for p in columns}
    print("true / predicted".ljust(34) + "".join(f"{short[c]:>6s}" for c in columns))
    for name, row in table.items():
        print(f"{name:34s}" + "".join(f"{row.get(c, 0):6d}" for c in columns))
    print("columns: " + ", ".join(f"{v}={k}" for k, v in short.items()))
