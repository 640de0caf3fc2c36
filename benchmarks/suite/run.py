"""Fitting and scoring: the same folds for every model, one cached result per
(table, model, seed, fold), so that an interrupted run resumes where it stopped.

A result is a small JSON file ``CACHE/table/model/seed-S-fold-F.json`` holding
the scores of every metric of the table's task, the fit and predict seconds,
the skmlp version that made it and the machine's load average while it ran.
"""

import json
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from . import models as suite_models
from . import tables as suite_tables

N_FOLDS = 5
FOLD_SEED = 0


def folds(loaded):
    """The table's outer folds: 5, stratified for classification, group-aware
    where the table has groups; the same for every model and seed."""
    from sklearn.model_selection import (
        GroupKFold,
        KFold,
        StratifiedGroupKFold,
        StratifiedKFold,
    )

    task, groups = loaded.table.task, loaded.groups
    classify = task in ("binary", "multiclass")
    if groups is not None:
        splitter = (
            StratifiedGroupKFold(N_FOLDS, shuffle=True, random_state=FOLD_SEED)
            if classify
            else GroupKFold(N_FOLDS)
        )
    elif classify:
        splitter = StratifiedKFold(N_FOLDS, shuffle=True, random_state=FOLD_SEED)
    else:
        splitter = KFold(N_FOLDS, shuffle=True, random_state=FOLD_SEED)
    return list(splitter.split(loaded.X, loaded.y, groups))


def score(task, y_true, prediction, proba, classes):
    """Every metric of ``task``: ``{name: value}`` (higher is better, except
    ``log_loss`` and ``hamming``)."""
    from sklearn import metrics

    if task == "regression":
        return {"r2": float(metrics.r2_score(y_true, prediction))}
    if task == "multilabel":
        return {
            "f1_micro": float(metrics.f1_score(y_true, prediction, average="micro")),
            "hamming": float(metrics.hamming_loss(y_true, prediction)),
        }
    balanced = float(metrics.balanced_accuracy_score(y_true, prediction))
    if task == "binary":
        positive = proba[:, list(classes).index(1)]
        return {
            "roc_auc": float(metrics.roc_auc_score(y_true, positive)),
            "balanced_accuracy": balanced,
        }
    loss = float(metrics.log_loss(y_true, np.clip(proba, 1e-15, 1), labels=classes))
    return {"balanced_accuracy": balanced, "log_loss": loss}


def _rows(X, rows):
    return X.iloc[rows].reset_index(drop=True)


def fit_one(loaded, model_name, seed, train, test):
    """Fit ``model_name`` on the rows ``train`` and score it on ``test``."""
    from sklearn.exceptions import ConvergenceWarning

    task = loaded.table.task
    X_train, X_test = _rows(loaded.X, train), _rows(loaded.X, test)
    groups = None if loaded.groups is None else loaded.groups[train]
    model = suite_models.build(model_name, task, seed, X_train)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", UserWarning)
        start = time.perf_counter()
        model.fit(X_train, loaded.y[train], groups=groups)
        fitted = time.perf_counter()
        prediction = model.predict(X_test)
        proba = model.predict_proba(X_test) if task in ("binary", "multiclass") else None
        predicted = time.perf_counter()
    classes = None if proba is None else model.classes_
    scores = score(task, loaded.y[test], prediction, proba, classes)
    return {**scores, "fit_seconds": fitted - start, "predict_seconds": predicted - fitted}


class Cache:
    """One JSON file per (table, model, seed, fold) under ``root``."""

    def __init__(self, root):
        self.root = Path(root)

    def path(self, table, model, seed, fold):
        safe = model.replace(" ", "_")
        return self.root / table / safe / f"seed-{seed}-fold-{fold}.json"

    def get(self, *key):
        path = self.path(*key)
        return json.loads(path.read_text()) if path.is_file() else None

    def put(self, result, *key):
        path = self.path(*key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(result))
        tmp.replace(path)  # a run stopped mid-write leaves no half file

    def records(self):
        """Every cached result as a flat record (table, model, seed, fold, ...)."""
        out = []
        for path in sorted(self.root.glob("*/*/seed-*-fold-*.json")):
            _, seed, _, fold = path.stem.split("-")
            record = json.loads(path.read_text())
            record.update(
                table=path.parts[-3],
                model=path.parts[-2].replace("_", " "),
                seed=int(seed),
                fold=int(fold),
            )
            out.append(record)
        return out


def run_table(name, model_names, seeds, cache, log=sys.stderr):
    """Every (model, seed, fold) of table ``name`` not yet in ``cache``."""
    import skmlp

    loaded = suite_tables.load(name)
    splits = folds(loaded)
    for model_name in model_names:
        why = suite_models.skipped(model_name, name, loaded.X.shape[1])
        if why:
            print(f"  {name}: {why}", file=log, flush=True)
            continue
        for seed in suite_models.seeds_of(model_name, seeds):
            for fold, (train, test) in enumerate(splits):
                if cache.get(name, model_name, seed, fold) is not None:
                    continue
                try:
                    result = fit_one(loaded, model_name, seed, train, test)
                except Exception as error:  # noqa: BLE001 - what a user of it would meet
                    result = {"error": f"{type(error).__name__}: {error}"}
                # the machine's load while it ran: a timing taken beside other
                # work is suspect (delete such files and run again to retime)
                result.update(skmlp_version=skmlp.__version__, load=os.getloadavg()[0])
                cache.put(result, name, model_name, seed, fold)
                _progress(name, model_name, seed, fold, result, loaded.table, log)


def _progress(name, model_name, seed, fold, result, table, log):
    head = f"  {name:20s} {model_name:20s} seed {seed} fold {fold}: "
    if "error" in result:
        print(head + "failed: " + result["error"][:200], file=log, flush=True)
        return
    headline = table.metrics[0]
    seconds = result["fit_seconds"] + result["predict_seconds"]
    print(
        head + f"{headline} {result[headline]:.4f}  {seconds:.1f} s", file=log, flush=True
    )
