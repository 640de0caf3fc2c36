"""Write the persisted models that tests/test_persisted_files.py loads: each
estimator fitted on a tiny table, saved with pickle and with skops, beside the
predictions it made. Run once per format change, from the repository root:
``python tests/data/persisted/make.py``; the folder name records the commit.

The files must keep loading after any refactoring (modules moved or renamed):
an analyst's saved model outlives the layout of the package that wrote it.
"""

import pickle
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def tiny_table():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 3))
    y_class = np.where(X[:, 0] + 0.3 * rng.normal(size=40) > 0, "sick", "well")
    y_value = X[:, 0] - X[:, 1] + 0.1 * rng.normal(size=40)
    y_labels = (X[:, :2] > 0).astype(int)
    return X, y_class, y_value, y_labels


def models():
    import pandas as pd

    from skmlp import (
        MLPClassifier,
        MLPClassifierCV,
        MLPRegressor,
        MLPRegressorCV,
        MultiLabelMLP,
        MultiLabelMLPCV,
    )

    X, y_class, y_value, y_labels = tiny_table()
    raw = pd.DataFrame(X, columns=["a", "b", "c"])
    raw.loc[::7, "b"] = np.nan
    raw["site"] = np.where(np.arange(40) % 3 == 0, "north", "south")
    small = dict(hidden_layer_sizes=(4,), max_iter=5, random_state=0)
    tuned = dict(
        hidden_layer_sizes=(4,), alphas=[0.01, 1.0], cv=2, max_iter=5, random_state=0
    )
    return {
        "classifier": (MLPClassifier(**small).fit(X, y_class), X),
        "regressor": (MLPRegressor(**small).fit(X, y_value), X),
        "multilabel": (MultiLabelMLP(**small).fit(X, y_labels), X),
        "ensemble": (MLPClassifier(ensemble_size=2, **small).fit(X, y_class), X),
        "shared": (
            MLPRegressor(ensemble_size=2, ensemble_kind="shared", **small).fit(X, y_value),
            X,
        ),
        "classifier_cv_raw": (MLPClassifierCV(**tuned).fit(raw, y_class), raw),
        "regressor_cv": (MLPRegressorCV(**tuned).fit(X, y_value), X),
        "multilabel_cv": (MultiLabelMLPCV(**tuned).fit(X, y_labels), X),
    }


def main():
    sys.path.insert(0, str(HERE.parents[2]))
    from skmlp import persistence

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    folder = HERE / commit
    folder.mkdir(exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = models()
    for name, (model, X) in fitted.items():
        (folder / f"{name}.pkl").write_bytes(pickle.dumps(model))
        persistence.dump(model, folder / f"{name}.skops")
        np.save(folder / f"{name}.npy", np.asarray(model.predict(X)), allow_pickle=False)
    print(f"wrote {len(fitted)} models to {folder}")


if __name__ == "__main__":
    main()
