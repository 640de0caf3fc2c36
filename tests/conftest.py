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


@pytest.fixture
def interrupt_fourth_epoch(monkeypatch):
    """Training is interrupted (KeyboardInterrupt) as its fourth epoch starts."""
    import skmlp.training.stochastic as stochastic

    real_run_epoch = stochastic.run_epoch
    calls = []

    def interrupted(*args, **kwargs):
        calls.append(1)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return real_run_epoch(*args, **kwargs)

    monkeypatch.setattr(stochastic, "run_epoch", interrupted)


@pytest.fixture
def axis_sizes(monkeypatch):
    """The number of networks of each model axis the scheduler trains, in order."""
    import skmlp.model_axis.scheduler as scheduler

    sizes = []
    original = scheduler._AxisRun.__init__

    def spy(self, plans, *args):
        sizes.append(len(plans))
        original(self, plans, *args)

    monkeypatch.setattr(scheduler._AxisRun, "__init__", spy)
    return sizes
