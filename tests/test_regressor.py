"""MLPRegressor: targets, losses and real data."""

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import TransformedTargetRegressor
from sklearn.exceptions import DataConversionWarning
from sklearn.model_selection import GroupKFold, KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import MLPRegressor


def _linear(n=120, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 4))
    return X, X @ [1.0, -2.0, 0.5, 0.0] + 0.05 * rng.normal(size=n)


def test_fits_a_smooth_function():
    X, y = _linear()
    reg = MLPRegressor(hidden_layer_sizes=(20,), solver="lbfgs", random_state=0).fit(X, y)
    assert reg.score(X, y) > 0.99
    assert reg.predict(X).shape == (len(X),)


def test_multi_output_targets():
    X, y = _linear()
    Y = np.column_stack([y, -y, X[:, 0] ** 2])
    reg = MLPRegressor(hidden_layer_sizes=(30,), solver="lbfgs", random_state=0).fit(X, Y)
    assert reg.n_outputs_ == 3
    assert reg.predict(X).shape == Y.shape
    assert reg.score(X, Y) > 0.95


def test_column_vector_target_warns_and_predicts_1d():
    X, y = _linear()
    with pytest.warns(DataConversionWarning):
        reg = MLPRegressor(max_iter=5, random_state=0).fit(X, y[:, None])
    assert reg.predict(X).shape == (len(X),)


def test_poisson_loss_fits_counts_and_refuses_negative_targets():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(400, 3))
    rate = np.exp(0.8 * X[:, 0] - 0.5 * X[:, 1])
    counts = rng.poisson(rate)
    reg = MLPRegressor(
        loss="poisson", hidden_layer_sizes=(10,), solver="lbfgs", random_state=0
    ).fit(X, counts)
    assert reg.out_activation_ == "exp"
    assert reg.predict(X).min() > 0
    # the fitted rate follows the true one far better than the mean does
    assert np.corrcoef(np.log(reg.predict(X)), np.log(rate))[0, 1] > 0.9
    with pytest.raises(ValueError, match="negative"):
        reg.fit(X, counts - 1)


def test_parkinsons_telemonitoring_cross_validated_by_patient(shared_data):
    table = pd.read_csv(shared_data / "parkinsons" / "parkinsons_updrs.data", sep="\t")
    groups = table["subject#"].to_numpy()
    y = table["motor_UPDRS"].to_numpy()
    X = table.drop(columns=["subject#", "motor_UPDRS", "total_UPDRS"]).to_numpy()
    mlp = MLPRegressor(hidden_layer_sizes=(32,), max_iter=30, random_state=0)
    model = make_pipeline(
        StandardScaler(), TransformedTargetRegressor(mlp, transformer=StandardScaler())
    )
    rows = cross_val_score(model, X, y, cv=KFold(5, shuffle=True, random_state=0)).mean()
    patients = cross_val_score(model, X, y, cv=GroupKFold(5), groups=groups).mean()
    # Shuffled rows leak the patient (age, sex, test_time identify them);
    # held-out patients show what the model really knows.
    assert rows > 0.3
    assert patients < rows - 0.8
