"""Models saved by earlier versions of skmlp still load and predict the same:
pickles and skops files written by ``tests/data/persisted/make.py`` (one folder
per commit that wrote them)."""

import pickle
import warnings
from pathlib import Path

import numpy as np
import pytest

PERSISTED = Path(__file__).parent / "data" / "persisted"
FOLDERS = sorted(p for p in PERSISTED.iterdir() if p.is_dir() and p.name != "__pycache__")
NAMES = sorted({p.stem for folder in FOLDERS for p in folder.glob("*.npy")})


def _rows(name):
    """The rows make.py predicted (its tiny_table, and the raw version)."""
    import pandas as pd

    X = np.random.RandomState(0).normal(size=(40, 3))
    if name != "classifier_cv_raw":
        return X
    raw = pd.DataFrame(X, columns=["a", "b", "c"])
    raw.loc[::7, "b"] = np.nan
    raw["site"] = np.where(np.arange(40) % 3 == 0, "north", "south")
    return raw


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
@pytest.mark.parametrize("name", NAMES)
def test_an_earlier_pickle_loads_and_predicts_the_same(folder, name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-learn's version warning, if any
        model = pickle.loads((folder / f"{name}.pkl").read_bytes())
    expected = np.load(folder / f"{name}.npy", allow_pickle=False)
    np.testing.assert_array_equal(np.asarray(model.predict(_rows(name))), expected)


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
@pytest.mark.parametrize("name", NAMES)
def test_an_earlier_skops_file_loads_and_predicts_the_same(folder, name):
    pytest.importorskip("skops")
    from skmlp import persistence

    model = persistence.load(folder / f"{name}.skops")
    expected = np.load(folder / f"{name}.npy", allow_pickle=False)
    np.testing.assert_array_equal(np.asarray(model.predict(_rows(name))), expected)
