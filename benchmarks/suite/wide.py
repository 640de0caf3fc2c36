"""Synthetic wide tables of the shape of gene-expression studies (labelled as
synthetic wherever they are reported)."""

import numpy as np


def module_table(n, p, seed=0):
    """``n`` rows of ``p`` features that co-vary in 10 modules, as genes of a
    pathway do: each feature belongs, with probability 0.1, to one module
    (a shared latent factor plus its own noise; the others are noise alone).
    The class is the sign of the sum of 10 features of module 0 plus noise
    of half its spread: a sparse linear signal, echoed by the module's other
    features."""
    rng = np.random.default_rng(seed)
    factors = rng.normal(size=(n, 10))
    loadings = np.zeros((10, p))
    members = np.flatnonzero(rng.random(p) < 0.1)
    loadings[rng.integers(10, size=members.size), members] = 1.0
    loadings[:, :10] = 0.0
    loadings[0, :10] = 1.0
    X = factors @ loadings + rng.normal(size=(n, p))
    score = X[:, :10].sum(axis=1)
    y = (score + 0.5 * score.std() * rng.normal(size=n) > 0).astype(int)
    return X, y
