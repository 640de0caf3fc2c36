"""Pickle, joblib and skops round trips; skops refuses unknown types."""

import pickle

import joblib
import numpy as np
import pytest
import skops.io as sio
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import MLPClassifier, MLPRegressor, MultiLabelMLP, persistence

rng = np.random.RandomState(0)
X = rng.normal(size=(80, 4))
CASES = [
    (MLPClassifier(max_iter=20, random_state=0), np.arange(80) % 3),
    (
        MLPClassifier(loss="hinge", batch_norm=True, max_iter=20, random_state=0),
        np.arange(80) % 2,
    ),
    (MLPRegressor(solver="lbfgs", max_iter=20, random_state=0), X[:, 0]),
    (
        MLPRegressor(
            loss="huber",
            early_stopping=True,
            validation_fraction=0.2,
            max_iter=20,
            random_state=0,
        ),
        X[:, 1],
    ),
    (
        MultiLabelMLP(dropout=0.2, class_weight="balanced", max_iter=20, random_state=0),
        (X[:, :2] > 0).astype(int),
    ),
    (
        MLPClassifier(
            solver="rmsprop", l1_ratio=0.5, max_iter=20, random_state=0
        ).set_params(hidden_layer_sizes=(6, 6), residual=True),
        np.arange(80) % 2,
    ),
    (MLPRegressor(feature_embedding="periodic", max_iter=20, random_state=0), X[:, 2]),
    (
        MLPClassifier(feature_embedding="piecewise", max_iter=20, random_state=0),
        np.arange(80) % 3,
    ),
]
IDS = [
    "multiclass",
    "hinge+bn",
    "lbfgs",
    "huber+es",
    "multilabel",
    "rmsprop+l1+residual",
    "periodic",
    "piecewise",
]


def _outputs(model):
    final = model[-1] if hasattr(model, "steps") else model
    return model.predict_proba(X) if hasattr(final, "predict_proba") else model.predict(X)


@pytest.mark.parametrize("estimator, y", CASES, ids=IDS)
def test_skops_round_trip_trusting_only_skmlp_types(estimator, y, tmp_path):
    model = make_pipeline(StandardScaler(), estimator).fit(X, y)
    path = tmp_path / "model.skops"
    persistence.dump(model, path)
    untrusted = sio.get_untrusted_types(file=path)
    assert untrusted and all(t.startswith("skmlp.") for t in untrusted)
    assert set(untrusted) <= set(persistence.TRUSTED_TYPES)
    loaded = persistence.load(path)
    np.testing.assert_array_equal(_outputs(loaded), _outputs(model))
    for key, values in model[-1].history_.items():  # NaN-aware comparison
        np.testing.assert_array_equal(loaded[-1].history_[key], values)


@pytest.mark.parametrize("estimator, y", CASES, ids=IDS)
@pytest.mark.parametrize("module", [pickle, joblib], ids=["pickle", "joblib"])
def test_pickle_and_joblib_round_trip_exactly(estimator, y, module, tmp_path):
    est = estimator.fit(X, y)
    path = tmp_path / "model.bin"
    if module is pickle:
        path.write_bytes(pickle.dumps(est))
        loaded = pickle.loads(path.read_bytes())
    else:
        joblib.dump(est, path)
        loaded = joblib.load(path)
    np.testing.assert_array_equal(_outputs(loaded), _outputs(est))


class Smuggled:
    """A type that is neither skops' nor skmlp's."""


def test_a_file_with_an_unknown_type_is_refused(tmp_path):
    est = MLPClassifier(max_iter=5, random_state=0).fit(X, np.arange(80) % 2)
    est.smuggled_ = Smuggled()
    path = tmp_path / "model.skops"
    sio.dump(est, path)
    assert persistence.untrusted_types(path) == [f"{__name__}.Smuggled"]
    with pytest.raises(ValueError, match="Refusing to load.*Smuggled"):
        persistence.load(path)


def test_callbacks_are_left_out_of_saved_models(tmp_path):
    callback = pytest.importorskip("sklearn.callback", reason="scikit-learn >= 1.9")
    est = MLPClassifier(max_iter=3, random_state=0)
    est.set_callbacks(callback.ScoringMonitor(scoring="accuracy"))
    est.fit(X, np.arange(80) % 2)
    path = tmp_path / "model.skops"
    persistence.dump(make_pipeline(StandardScaler(), est), path)
    assert hasattr(est, "_skl_callbacks")  # the caller's object is untouched
    loaded = persistence.load(path)
    assert not hasattr(loaded[-1], "_skl_callbacks")


def test_models_pickled_before_the_model_axis_still_load_and_train():
    """A network saved without n_members and an AdamW saved with n_decay (the
    names before this version) load, predict and continue training."""
    import numpy as np

    from skmlp import MLPClassifier

    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(60, 4)), rng.randint(2, size=60)
    model = MLPClassifier(solver="adamw", hidden_layer_sizes=(5,), max_iter=3).fit(X, y)
    network_state = model._network.__getstate__()
    del network_state["n_members"], network_state["embedding"]
    optimizer_state = model._optimizer.__getstate__()
    optimizer_state["n_decay"] = optimizer_state.pop("n_weights")
    old_network = type(model._network).__new__(type(model._network))
    old_network.__setstate__(network_state)
    old_optimizer = type(model._optimizer).__new__(type(model._optimizer))
    old_optimizer.__setstate__(optimizer_state)
    assert old_optimizer.n_weights == model._optimizer.n_weights
    np.testing.assert_array_equal(old_network.predict_raw(X), model._network.predict_raw(X))


def test_an_old_module_path_is_the_module_it_moved_to():
    """Files saved before the modules moved into folders name the old paths
    (``skmlp._classifier.MLPClassifier``): each imports as the module that
    holds its contents now, with the very same classes."""
    import importlib

    import skmlp
    from skmlp._estimators.base import BaseMLP
    from skmlp._legacy_paths import MOVED

    assert importlib.import_module("skmlp._classifier").MLPClassifier is skmlp.MLPClassifier
    assert importlib.import_module("skmlp._tuned").MLPClassifierCV is skmlp.MLPClassifierCV
    assert importlib.import_module("skmlp._base").BaseMLP is BaseMLP
    assert skmlp._classifier is importlib.import_module("skmlp._estimators.classifier")
    for old, new in MOVED.items():
        assert importlib.import_module(old) is importlib.import_module(new), old


def test_a_class_is_trusted_by_its_name_and_by_its_name_before_the_move():
    from skmlp import MLPRegressorCV
    from skmlp.preprocessing import TableEncoder

    for cls, old in [
        (MLPClassifier, "skmlp._classifier.MLPClassifier"),
        (MultiLabelMLP, "skmlp._multilabel.MultiLabelMLP"),
        (MLPRegressorCV, "skmlp._tuned.MLPRegressorCV"),
        (TableEncoder, "skmlp.preprocessing.TableEncoder"),
    ]:
        new = f"{cls.__module__}.{cls.__qualname__}"
        assert {old, new} <= set(persistence.TRUSTED_TYPES)


def test_a_pickle_naming_an_old_path_loads_in_a_fresh_interpreter(tmp_path, monkeypatch):
    """The pickle's own import of the old path can be the first of skmlp."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    import skmlp

    est = MLPRegressor(hidden_layer_sizes=(3,), max_iter=5, random_state=0).fit(X, X[:, 0])
    with monkeypatch.context() as patch:  # pickled as a version before the move did
        patch.setattr(MLPRegressor, "__module__", "skmlp._regressor")
        data = pickle.dumps(est)
    assert b"skmlp._regressor" in data and b"skmlp._estimators" not in data
    path = tmp_path / "old.pkl"
    path.write_bytes(data)
    root = str(Path(skmlp.__file__).resolve().parents[1])
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])),
    }
    code = (
        "import pickle, sys; load = lambda p: pickle.loads(open(p, 'rb').read()); "
        "m = load(sys.argv[1]); print(type(m).__module__, m.predict(load(sys.argv[2])))"
    )
    rows = tmp_path / "rows.pkl"
    rows.write_bytes(pickle.dumps(X[:2]))
    done = subprocess.run(
        [sys.executable, "-c", code, str(path), str(rows)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[0] == "skmlp._estimators.regressor"
