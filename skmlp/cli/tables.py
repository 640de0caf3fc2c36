"""Reading the table of a command and splitting it: features, target,
groups; the task it poses."""

import sys

import numpy as np


def _pandas():
    try:
        import pandas
    except ImportError as error:
        raise ImportError(
            "Reading tables needs pandas: pip install 'skmlp[cli]'."
        ) from error
    return pandas


def read_table(path):
    """The table in ``path`` as a DataFrame, or an error naming the file and
    what is wrong with it (not text, no parquet engine, ...)."""
    pd = _pandas()
    if not path.is_file():
        raise FileNotFoundError(f"no such data file: {path}")
    try:
        return _read(pd, path)
    except UnicodeDecodeError as error:
        raise ValueError(_not_text(path, error)) from None
    except pd.errors.EmptyDataError:
        raise ValueError(f"{path} is empty: a table needs at least a header row") from None
    except pd.errors.ParserError as error:
        reason = str(error).strip().splitlines()[0]
        raise ValueError(
            f"{path} is not a CSV/TSV table pandas can read: {reason}"
        ) from None


def _read(pd, path):
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        try:
            return pd.read_parquet(path)
        except ImportError:  # the cli extra installs no parquet engine
            raise ImportError(
                f"{path.name}: install pyarrow to read .parquet files (pip install pyarrow)"
            ) from None
    if suffix in (".tsv", ".tab"):
        return pd.read_csv(path, sep="\t")
    if suffix == ".csv":
        return pd.read_csv(path)
    return pd.read_csv(path, sep=None, engine="python")  # sniff the delimiter


def _not_text(path, error):
    """Why ``path`` could not be decoded: binary data (an image, a
    spreadsheet), or text in another encoding than UTF-8."""
    with path.open("rb") as file:
        head = file.read(8192)
    if b"\x00" in head:  # text tables hold no NUL bytes
        return (
            f"{path} is not a CSV/TSV table: it holds binary data (it begins {head[:8]!r})"
        )
    bad = error.object[error.start : error.start + 1]
    return (
        f"{path} is not a CSV/TSV table in UTF-8 (it has the byte {bad!r}): save it "
        "as UTF-8 (a spreadsheet's 'CSV UTF-8')"
    )


def _columns(frame, spec, what):
    names = [c.strip() for c in spec.split(",") if c.strip()]
    missing = [c for c in names if c not in frame.columns]
    if missing:
        raise KeyError(
            f"unknown {what} column(s) {missing}; the table has "
            f"{list(frame.columns)[:12]}{' ...' if frame.shape[1] > 12 else ''}"
        )
    return names


def split_table(frame, target, groups, drop=None, raw=False):
    """``(X, y, groups, feature names, target names)`` from a table; rows
    whose target or group is missing are left out, with a note naming them.
    ``X`` is a float array, or (``raw``, for the CV estimators, which encode
    text columns and missing values themselves) the feature columns as they are."""
    if not target:
        raise ValueError("--target is required with a data file")
    if frame.shape[0] == 0:
        raise ValueError(
            f"the table has no rows, only a header of {frame.shape[1]} columns"
        )
    targets = _columns(frame, target, "target")
    frame = _without_missing(frame, targets, "target")
    group_cols = _columns(frame, groups, "groups") if groups else []
    frame = _without_missing(frame, group_cols, f"group ({groups})")
    dropped = _columns(frame, drop, "--drop") if drop else []
    features = frame.drop(columns=list(dict.fromkeys(targets + group_cols + dropped)))
    if not raw:
        _refuse_raw_columns(features)
    y = frame[targets[0]].to_numpy() if len(targets) == 1 else frame[targets].to_numpy()
    g = frame[group_cols[0]].to_numpy() if group_cols else None
    X = features.reset_index(drop=True) if raw else features.to_numpy(dtype=float)
    return X, y, g, list(features.columns), targets


def _without_missing(frame, columns, what):
    """``frame`` without the rows where any of ``columns`` (the target, the
    groups) is missing; a note on stderr says which, as rows of the file
    (1-based below the header: ``frame`` keeps the index it was read with)."""
    if not columns:
        return frame
    missing = frame[columns].isna().any(axis=1).to_numpy()
    if not missing.any():
        return frame
    if missing.all():
        raise ValueError(f"every row's {what} is missing ({', '.join(columns)})")
    rows = (frame.index[missing] + 1).tolist()
    shown = ", ".join(map(str, rows[:10])) + (" ..." if len(rows) > 10 else "")
    print(
        f"skmlp: note: left out {len(rows)} row(s) with a missing {what}: row(s) "
        f"{shown} (counting from 1 below the header)",
        file=sys.stderr,
    )
    return frame.loc[~missing]


def _refuse_raw_columns(features):
    """The plain models take numbers without gaps: name the text columns, or
    the columns with missing values, and the ways out."""
    numeric = _pandas().api.types.is_numeric_dtype
    text = [c for c in features.columns if not numeric(features[c])]
    if text:
        raise ValueError(
            f"non-numeric feature column(s) {text[:8]}: encode or drop them, or use "
            "--tuned (the CV estimators encode categories and missing values)"
        )
    gaps = _missing_cells(features)
    if gaps:
        raise ValueError(
            f"missing values in feature column(s) {gaps}: fill them or --drop those "
            "columns, or use --tuned (the CV estimators impute missing values)"
        )


def _missing_cells(features):
    """The columns with missing values and how many, e.g. ``"age (3 cells)"``;
    empty when there are none."""
    counts = features.isna().sum()
    counts = counts[counts > 0]
    shown = [f"{name} ({n} cell{'s' * (n > 1)})" for name, n in counts.iloc[:8].items()]
    return ", ".join(shown) + (" ..." if len(counts) > 8 else "")


def detect_task(y, task):
    if task != "auto":
        return task
    if y.ndim == 2:
        return "multilabel"
    if not np.issubdtype(y.dtype, np.number):
        return "classification"
    integral = np.all(np.mod(y, 1) == 0)
    return "classification" if integral and len(np.unique(y)) <= 10 else "regression"


def check_target(y, task):
    if task == "classification" and len(np.unique(y)) < 2:
        raise ValueError(
            f"the target has a single class ({np.unique(y)[0]!r}); "
            "classification needs at least two"
        )
    if task == "multilabel" and not np.isin(y, (0, 1)).all():
        raise ValueError("multilabel targets must be 0/1 columns")
