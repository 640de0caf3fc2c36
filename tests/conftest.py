import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture
def shared_data():
    """Path of ../shared/data; tests that need it skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data sets not found at {SHARED_DATA} (installed without them)")
    return SHARED_DATA


@pytest.fixture(autouse=True)
def _quiet_convergence():
    # Short fits are deliberate in tests; ConvergenceWarning is asserted
    # explicitly where it matters.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


@pytest.fixture
def blobs():
    rng = np.random.RandomState(0)
    centers = rng.normal(scale=3, size=(3, 6))
    y = rng.randint(0, 3, 150)
    X = centers[y] + rng.normal(size=(150, 6))
    return X, y
