"""
=====================================================================
A raw clinical table: missing values and categories, no preprocessing
=====================================================================

Clinical tables are not clean arrays: measurements are missing, and columns
such as sex or clinic are categories. The CV estimators take such a table as
it is: :class:`~skmlp.preprocessing.TableEncoder` imputes each numeric
column's NaN with its training median and adds a missing-value indicator,
and one-hot encodes the categorical columns (an unseen category encodes as
all zeros) -- inside ``fit``, fitted on the training rows only.

The table is the Parkinson's telemonitoring data (Tsanas et al., 2010) made
clinical: ``sex`` and a four-clinic column as categories and 15 % of the
age and voice measures removed at random. If it is not available, the
example builds the same kind of table from scikit-learn's diabetes data.
"""

# %%
# The table
# ---------
import os
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.datasets import load_diabetes


def shared_data(relative):
    """Path of ``relative`` in the shared data folder, or None if absent."""
    try:
        here = Path(__file__).resolve().parent
    except NameError:  # sphinx-gallery runs examples from their own folder
        here = Path.cwd()
    roots = [Path(os.environ["SKMLP_DATA"])] if "SKMLP_DATA" in os.environ else []
    roots += [parent / "shared" / "data" for parent in here.parents]
    return next((r / relative for r in roots if (r / relative).is_file()), None)


path = shared_data("parkinsons/parkinsons_updrs.data")
if path is not None:
    frame = pd.read_csv(path, sep="\t")
    patients = frame.pop("subject#").to_numpy()
    y = frame.pop("total_UPDRS").to_numpy()
    frame = frame.drop(columns=["motor_UPDRS", "test_time"])
    sex = np.where(frame.pop("sex") == 1, "female", "male")
else:
    data = load_diabetes(as_frame=True)
    frame, y = data.data.drop(columns="sex"), data.target.to_numpy()
    patients = np.arange(len(y)) // 10
    sex = np.where(data.data.sex > 0, "female", "male")
rng = np.random.RandomState(0)
for column in frame.columns:
    frame.loc[rng.rand(len(frame)) < 0.15, column] = np.nan
frame["sex"] = pd.Categorical(sex)
frame["clinic"] = pd.Categorical(np.array(["Oslo", "Lyon", "Graz", "Porto"])[patients % 4])
n_patients = len(np.unique(patients))
print(f"{frame.shape[0]} rows x {frame.shape[1]} columns, {n_patients} patients")
print(f"missing cells: {frame.isna().mean().mean():.1%}")
print(frame[[*frame.columns[:3], "sex", "clinic"]].head(3).to_string())

# %%
# Fitting it as it is
# -------------------
# No imputer, no encoder, no scaler: ``fit`` takes the DataFrame. The inner
# folds hold out whole patients (``groups``).
import warnings

from skmlp import MLPRegressorCV

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    model = MLPRegressorCV(random_state=0).fit(frame, y, groups=patients)
print("encoded columns:", list(model.encoder_.get_feature_names_out()))
new = frame.iloc[:2].copy()
new["clinic"] = pd.Categorical(["Wien", "Lyon"])  # Wien: a clinic never seen
print("predictions for two rows, one from an unseen clinic:", model.predict(new).round(1))

# %%
# Against the same model behind a hand-built pipeline
# ---------------------------------------------------
# The same encoding by hand -- median imputation with indicators and a
# one-hot encoder -- in front of the same estimator, scored on new patients
# (GroupKFold by patient, the patients also the inner folds' groups).
import matplotlib.pyplot as plt
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.model_selection import GroupKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

numeric = [c for c in frame.columns if c not in ("sex", "clinic")]
by_hand = ColumnTransformer(
    [
        ("numbers", SimpleImputer(strategy="median", add_indicator=True), numeric),
        ("categories", OneHotEncoder(handle_unknown="ignore"), ["sex", "clinic"]),
    ],
    sparse_threshold=0,
)
scores = {}
with sklearn.config_context(enable_metadata_routing=True), warnings.catch_warnings():
    warnings.simplefilter("ignore")
    models = {
        "raw table": MLPRegressorCV(random_state=0).set_fit_request(groups=True),
        "impute + one-hot by hand": make_pipeline(
            by_hand, MLPRegressorCV(random_state=0).set_fit_request(groups=True)
        ),
    }
    for name, estimator in models.items():
        scores[name] = cross_val_score(
            estimator, frame, y, cv=GroupKFold(5), params={"groups": patients}
        )
        print(f"{name:26s} R2 per fold {np.round(scores[name], 3)}")

fig, ax = plt.subplots(figsize=(6, 3))
for offset, (name, values) in zip((-0.2, 0.2), scores.items()):
    ax.bar(np.arange(5) + offset, values, width=0.4, label=name)
ax.axhline(0, color="grey", linewidth=0.8)
ax.set_xlabel("outer fold (new patients)")
ax.set_ylabel("R²")
ax.legend()
fig.tight_layout()
plt.show()

# %%
# The two are the same model, fold by fold: the encoder does what the
# hand-built pipeline does, with the training rows' weights, and keeps
# missing-value indicators only for columns that had missing values in
# training. On telemonitoring no model predicts new patients well (see the
# "group leakage" example): what matters here is that the raw table needs
# no code.
