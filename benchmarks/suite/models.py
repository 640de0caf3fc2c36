"""The models of the suite, each at its defaults, built for one table.

Every model gets the table as it comes (text categories, NaN) and does what
a user of that model would do with it:

* skmlp's CV estimators take the raw table (they encode and scale it);
* scikit-learn's MLP, the linear model and the random forest sit behind the
  usual pipeline: median imputation with missing-value indicators and
  scaling for the numbers, most-frequent imputation and one-hot encoding for
  the categories;
* HistGradientBoosting, LightGBM and CatBoost take categories natively
  (pandas ``category`` columns; CatBoost its ``cat_features``).

Every model runs on the same number of threads (:data:`THREADS`).
``SEEDED`` models run once per seed; the others once (seed 0).
"""

import re

import numpy as np

from .candidates import CANDIDATES, builder

THREADS = 2
#: Tables wider than this skip CatBoost (minutes a fold at its defaults).
CATBOOST_MAX_FEATURES = 1000


def _categorical(X):
    return [c for c in X.columns if not _numeric(X[c])]


def _numeric(column):
    import pandas as pd

    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def _as_categories(X):
    """``X`` with its text columns as pandas categories (the trees' native input)."""
    X = X.copy()
    for c in _categorical(X):
        X[c] = X[c].astype(str).where(X[c].notna()).astype("category")
    return X


def _one_hot_pipeline(X, model):
    """Impute + one-hot + scale in front of ``model``."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    text = _categorical(X)
    numbers = [c for c in X.columns if c not in text]
    encode = ColumnTransformer(
        [
            (
                "num",
                make_pipeline(
                    SimpleImputer(
                        strategy="median", add_indicator=True, keep_empty_features=True
                    ),
                    StandardScaler(),
                ),
                numbers,
            ),
            (
                "cat",
                make_pipeline(
                    SimpleImputer(strategy="most_frequent", keep_empty_features=True),
                    OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                    StandardScaler(),
                ),
                text,
            ),
        ]
    )
    return make_pipeline(encode, model)


class Prepared:
    """A model with the table conversion it needs: ``fit(X, y, groups)`` and
    ``predict`` / ``predict_proba`` on the raw table."""

    def __init__(self, model, convert=None, groups=False, text=None):
        self.model, self.convert, self.groups = model, convert, groups
        self.text = text

    def _X(self, X):
        X = X if self.convert is None else self.convert(X)
        if self.text:
            X = X.copy()
            for c in self.text:
                X[c] = X[c].astype(str).where(X[c].notna(), "NA")
        return X

    def fit(self, X, y, groups=None):
        extra = {"groups": groups} if self.groups and groups is not None else {}
        self.model.fit(self._X(X), y, **extra)
        return self

    def predict(self, X):
        return self.model.predict(self._X(X))

    def predict_proba(self, X):
        return self.model.predict_proba(self._X(X))

    @property
    def classes_(self):
        return self.model.classes_


def _skmlp_cv(task, seed, X):
    from skmlp import MLPClassifierCV, MLPRegressorCV, MultiLabelMLPCV

    cls = {"regression": MLPRegressorCV, "multilabel": MultiLabelMLPCV}.get(
        task, MLPClassifierCV
    )
    return Prepared(cls(random_state=seed), groups=True)


def _sklearn_mlp(task, seed, X):
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.preprocessing import StandardScaler

    if task == "regression":
        model = TransformedTargetRegressor(
            MLPRegressor(random_state=seed), transformer=StandardScaler()
        )
    else:
        model = MLPClassifier(random_state=seed)
    return Prepared(_one_hot_pipeline(X, model))


def _linear(task, seed, X):
    from sklearn.linear_model import LogisticRegressionCV, RidgeCV
    from sklearn.multioutput import MultiOutputClassifier

    if task == "regression":
        model = RidgeCV(alphas=np.logspace(-3, 3, 13))
    else:
        model = LogisticRegressionCV(max_iter=2000, n_jobs=THREADS)
        if task == "multilabel":
            model = MultiOutputClassifier(model)
    return Prepared(_one_hot_pipeline(X, model))


def _random_forest(task, seed, X):
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

    cls = RandomForestRegressor if task == "regression" else RandomForestClassifier
    return Prepared(_one_hot_pipeline(X, cls(random_state=seed, n_jobs=THREADS)))


def _per_label(task, model):
    from sklearn.multioutput import MultiOutputClassifier

    return MultiOutputClassifier(model) if task == "multilabel" else model


def _hist_gradient_boosting(task, seed, X):
    from sklearn.ensemble import (
        HistGradientBoostingClassifier,
        HistGradientBoostingRegressor,
    )

    cls = (
        HistGradientBoostingRegressor
        if task == "regression"
        else HistGradientBoostingClassifier
    )
    model = cls(categorical_features="from_dtype", random_state=seed)
    return Prepared(_per_label(task, model), convert=_as_categories)


def _lightgbm(task, seed, X):
    import lightgbm

    cls = lightgbm.LGBMRegressor if task == "regression" else lightgbm.LGBMClassifier
    model = cls(random_state=seed, n_jobs=THREADS, verbose=-1)
    return Prepared(_per_label(task, model), convert=_lightgbm_table)


def _lightgbm_table(X):
    """LightGBM refuses JSON's special characters in column names
    ("MDVP:Fo(Hz)"): renamed, as its users do."""
    X = _as_categories(X)
    X.columns = [re.sub(r'[\[\]{}":,]', "_", str(c)) for c in X.columns]
    return X


def _catboost(task, seed, X):
    import catboost

    text = _categorical(X)
    common = dict(
        random_seed=seed,
        thread_count=THREADS,
        verbose=False,
        cat_features=text or None,
        allow_writing_files=False,
    )
    if task == "regression":
        model = catboost.CatBoostRegressor(**common)
    elif task == "multilabel":  # CatBoost's own multilabel loss, one model
        model = catboost.CatBoostClassifier(loss_function="MultiLogloss", **common)
    else:
        model = catboost.CatBoostClassifier(**common)
    return Prepared(model, text=text)


def _realmlp(task, seed, X):
    from pytabkit import RealMLP_TD_Classifier, RealMLP_TD_Regressor

    cls = RealMLP_TD_Regressor if task == "regression" else RealMLP_TD_Classifier
    return Prepared(cls(random_state=seed, n_threads=THREADS), convert=_as_categories)


def _tabm(task, seed, X):
    from pytabkit import TabM_D_Classifier, TabM_D_Regressor

    cls = TabM_D_Regressor if task == "regression" else TabM_D_Classifier
    return Prepared(cls(random_state=seed, n_threads=THREADS), convert=_as_categories)


#: name: (builder(task, seed, X), seeded, optional package)
MODELS = {
    "skmlp CV": (_skmlp_cv, True, None),
    "sklearn MLP": (_sklearn_mlp, True, None),
    "HistGradientBoosting": (_hist_gradient_boosting, False, None),
    "LightGBM": (_lightgbm, False, "lightgbm"),
    "CatBoost": (_catboost, False, "catboost"),
    "linear": (_linear, False, None),
    "random forest": (_random_forest, False, None),
    "RealMLP-TD": (_realmlp, True, "pytabkit"),
    "TabM": (_tabm, True, "pytabkit"),
}
#: Run unless ``--models`` says otherwise (pytabkit's are slow on a CPU: opt-in).
DEFAULT_MODELS = [m for m in MODELS if MODELS[m][2] != "pytabkit"]
#: The portfolio's candidates (benchmarks/suite/candidates.py): opt-in.
MODELS.update({name: (builder(name), True, None) for name in CANDIDATES})


def skipped(model, table, n_features):
    """Why ``model`` does not run on ``table`` (None: it runs)."""
    if model == "CatBoost" and n_features > CATBOOST_MAX_FEATURES:
        return f"CatBoost skipped: {n_features} features (minutes a fold at its defaults)"
    return None


def build(model, task, seed, X):
    builder = MODELS[model][0]
    return builder(task, seed, X)


def seeds_of(model, seeds):
    """The seeds ``model`` runs with: all for the MLPs, the first for the rest."""
    return list(seeds) if MODELS[model][1] else list(seeds)[:1]
