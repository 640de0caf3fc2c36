"""``skmlp fit`` and ``skmlp predict``: fit and save a model, load it and
predict a table with it."""

import sys
import warnings
import zipfile

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from .._tuned.base import BaseMLPCV, _label
from .model import _fit_params, _table_task, chosen_threshold, fitted_mlp
from .tables import _columns, _missing_cells, _pandas, read_table


def run_fit(args):
    from .. import persistence

    table = _table_task(args)
    model = table.model
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(table.X, table.y, **_fit_params(model, table.groups))
    saved = {
        "model": model,
        "features": table.features,
        "targets": table.targets,
        "task": table.task,
    }
    persistence.dump(saved, args.model)
    print(
        f"saved {table.task} model of {', '.join(table.targets)} on "
        f"{len(table.features)} features to {args.model}"
    )
    if isinstance(model, BaseMLPCV):
        print(_chosen_alpha(model))
    return 0


def _chosen_alpha(model):
    """The alpha a CV estimator chose and the inner-fold score that chose it."""
    scoring = model.scoring or "loss"
    scoring = "negative validation loss" if scoring == "loss" else scoring
    alphas = ", ".join(f"{a:g}" for a in model.alphas_)
    if model.portfolio is None:
        best = f"alpha_={model.alpha_:g}, chosen from alphas [{alphas}]"
    else:
        n = len(model.cv_results_["params"])
        best = f"best of {n} candidates: {_label(model.best_params_)}"
    line = (
        f"{best}: mean score {model.best_score_:.4f} over {model.n_splits_} inner "
        f"folds ({scoring})"
    )
    if model.selection == "ensemble":
        weights = model.ensemble_weights_
        shares = "; ".join(
            f"{weights[i]:.2f} {_label(model.cv_results_['params'][i])}"
            for i in np.argsort(-weights, kind="stable")
            if weights[i] > 0
        )
        line += f"\nensemble selection: {shares}"
    threshold = chosen_threshold(model)
    if threshold is not None:
        line += (
            f"\nthreshold {threshold:g}, chosen on the inner folds' out-of-fold "
            "probabilities (threshold='auto')"
        )
    return line


#: What ``skmlp fit`` saves.
SAVED_KEYS = ("model", "features", "targets", "task")


def _load_saved(path):
    """What ``skmlp fit`` saved in ``path``, or a ``ValueError`` saying that
    the file is not such a model."""
    from .. import persistence

    if not path.is_file():
        raise FileNotFoundError(f"no such model file: {path}")
    not_ours = f"{path} is not a model saved by 'skmlp fit'"
    try:
        saved = persistence.load(path)
    except zipfile.BadZipFile:
        raise ValueError(f"{not_ours} (not a skops file)") from None
    except (ValueError, KeyError) as error:  # a refused type, another zip archive
        raise ValueError(f"{not_ours}: {error}") from None
    if not (isinstance(saved, dict) and all(key in saved for key in SAVED_KEYS)):
        raise ValueError(f"{not_ours} (it holds a {type(saved).__name__})")
    return saved


def run_predict(args):
    saved = _load_saved(args.model)
    frame = read_table(args.data)
    X = _saved_features(saved, frame)
    predictions = _predictions(saved, X, args.proba)
    kept = _kept_columns(frame, saved["features"], args.keep, list(predictions.columns))
    table = _pandas().concat([frame[kept].reset_index(drop=True), predictions], axis=1)
    table.to_csv(args.output if args.output else sys.stdout, index=False)
    where = args.output if args.output else "stdout"
    print(
        f"wrote {len(table)} rows to {where}: {len(kept)} column(s) of the table, "
        f"then {predictions.shape[1]} of predictions",
        file=sys.stdout if args.output else sys.stderr,  # stdout holds the table
    )
    return 0


def _predictions(saved, X, proba):
    """The model's predictions on ``X`` as a DataFrame: ``predicted_<target>``
    per target column, then (``proba``) ``proba_<class>`` or ``proba_<label>``."""
    model = saved["model"]
    prediction = model.predict(X)
    names = [f"predicted_{target}" for target in saved["targets"]]
    table = _pandas().DataFrame(prediction.reshape(len(X), -1), columns=names)
    if proba and hasattr(model, "predict_proba"):
        probabilities = model.predict_proba(X)
        # a multilabel model gives one probability per label column
        multilabel = saved["task"] == "multilabel"
        labels = saved["targets"] if multilabel else fitted_mlp(model).classes_
        for j in range(probabilities.shape[1]):
            table[f"proba_{labels[j]}"] = probabilities[:, j]
    return table


def _kept_columns(frame, features, keep, predicted):
    """The columns of ``frame`` written in front of the predictions: those
    of ``--keep``, or every column the model does not use (identifiers,
    groups, the target), except those named like a prediction column."""
    if keep is not None:
        kept = _columns(frame, ",".join(keep), "--keep") if "".join(keep).strip() else []
        clash = [c for c in kept if c in predicted]
        if clash:
            raise ValueError(
                f"--keep {clash}: the predictions have column(s) of that name; keep "
                "the others"
            )
        return list(dict.fromkeys(kept))
    kept = [c for c in frame.columns if c not in set(features)]
    clash = [c for c in kept if c in predicted]
    if clash:
        print(
            f"skmlp: note: left out the table's column(s) {clash}: the new "
            "predictions have the same name(s)",
            file=sys.stderr,
        )
    return [c for c in kept if c not in clash]


def _saved_features(saved, frame):
    """The model's feature columns of ``frame``: as they are for a CV
    estimator (which encodes them itself), else as floats. A column the
    model took as numbers that holds text is named, with a cell."""
    missing = [c for c in saved["features"] if c not in frame.columns]
    if missing:
        raise KeyError(f"the table lacks the model's feature column(s) {missing[:8]}")
    features = frame[saved["features"]]
    encoder = getattr(saved["model"], "encoder_", None)
    numeric = (
        saved["features"]
        if encoder is None
        else [c for c, text in zip(saved["features"], encoder.categorical_) if not text]
    )
    _refuse_text_cells(features, numeric)
    if isinstance(saved["model"], BaseMLPCV):
        return features
    gaps = _missing_cells(features)
    if gaps:
        raise ValueError(
            f"missing values in column(s) {gaps}: this model (fitted without --tuned) "
            "needs every value; fill them, or fit with --tuned (which imputes them)"
        )
    return features.to_numpy(dtype=float)


def _refuse_text_cells(features, numeric):
    """An error naming the first of the ``numeric`` columns that holds text,
    with the text and its row."""
    pd = _pandas()
    for name in numeric:
        column = features[name]
        if pd.api.types.is_numeric_dtype(column):
            continue
        text = column[pd.to_numeric(column, errors="coerce").isna() & column.notna()]
        if len(text):
            raise ValueError(
                f"column {name!r} holds text ({text.iloc[0]!r} in row {text.index[0] + 1}) "
                "where the model was fitted on numbers: correct those cells or empty them"
            )
