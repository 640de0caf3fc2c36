"""The encoding of a raw table (missing values, categories) into numbers, in
front of the CV estimators' input scaling."""

import datetime
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from .._sklearn_compat import Interval, _check_sample_weight, _fit_context
from ..nn.quantiles import sorted_cumulative, weighted_percentile


class TableEncoder(TransformerMixin, BaseEstimator):
    """A raw clinical table as numbers: missing values imputed and flagged,
    categorical columns one-hot encoded.

    What :class:`~skmlp.MLPClassifierCV` and its siblings do to a table
    before scaling it, so that a table with NaN and categorical columns
    needs no preprocessing code. The output holds, in this order:

    * each numeric column, NaN replaced by its (weighted) median over the
      training rows (0 if it has none);
    * for each numeric column with NaN among the training rows, a 0/1
      indicator ``<name>_missing`` (a value's absence often says something:
      a test not ordered). NaN in a column that had none in training is
      imputed without an indicator;
    * for each categorical column (pandas ``category``, ``object``,
      ``string`` or ``bool``; in an array, a column of text), one 0/1 column
      per category kept, in the order of their text (missing last): the ``max_categories``
      heaviest of the training rows (by total weight; ties by text), plus
      ``<name>_other`` for the rest when there are more. Missing is a
      category of its own (``<name>_missing``) when the training rows have
      it. A category never seen in training encodes as all zeros.

    The output's names are all different: a name that an earlier column
    already has gets the first free suffix, ``_1``, ``_2``... (the NaN
    indicator of ``x`` beside a column ``x_missing`` is ``x_missing_1``; the
    missing category of ``site`` beside its text "missing" is
    ``site_missing_1``; see :meth:`get_feature_names_out`).

    A column of dates, times of day or durations (pandas ``datetime64``,
    ``timedelta64`` or ``period``, or such Python objects) is refused with
    the way to make it a number, e.g. days since a date.

    Parameters
    ----------
    max_categories : int, default=20
        The most categories a column keeps as columns of their own; the
        others share ``<name>_other`` (so a column of patient identifiers
        cannot add thousands of columns).

    Attributes
    ----------
    n_features_in_ : int
        The number of columns of the table.
    feature_names_in_ : ndarray of str
        The table's columns, when it is a DataFrame.
    categorical_ : ndarray of bool of shape (n_features,)
        Which columns are encoded as categories.
    medians_ : ndarray of shape (n_numeric,)
        The imputation value of each numeric column, in order.
    missing_ : ndarray of bool of shape (n_numeric,)
        Which numeric columns get a missing-value indicator.
    categories_ : list of list of str
        Each categorical column's kept categories, as text.
    most_frequent_ : list of str
        Each categorical column's heaviest category over the training rows
        (by total weight; ties by text): with ``medians_``, the typical row
        that :func:`~skmlp.inspection.feature_attributions` starts from.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from skmlp.preprocessing import TableEncoder
    >>> table = pd.DataFrame({"age": [50, np.nan, 70],
    ...                       "site": pd.Categorical(["A", "B", "A"])})
    >>> encoder = TableEncoder().fit(table)
    >>> encoder.get_feature_names_out().tolist()
    ['age', 'age_missing', 'site_A', 'site_B']
    >>> encoder.transform(pd.DataFrame({"age": [np.nan], "site": ["C"]})).tolist()
    [[60.0, 1.0, 0.0, 0.0]]
    """

    _parameter_constraints = {
        "max_categories": [Interval(Integral, 1, None, closed="left")]
    }

    def __init__(self, max_categories=20):
        self.max_categories = max_categories

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, sample_weight=None):
        """Learn each column's kind, median, indicator and categories.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            The raw table: numeric columns may hold NaN.
        y : None
            Ignored.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows (a weight of 2 counts as two copies; 0 leaves
            a row out of the medians and the category counts).

        Returns
        -------
        self : TableEncoder
        """
        checked = validate_data(self, X, **raw_table_checks(X))
        weights = _check_sample_weight(
            sample_weight, checked, dtype=np.float64, ensure_non_negative=True
        )
        names = _input_names(self, None)
        self.categorical_ = np.array(
            [_is_categorical(_column(X, checked, j), names[j]) for j in range(len(names))],
            dtype=bool,
        )
        numeric, categorical = self._split(X, checked)
        present = ~np.isnan(numeric)
        self.missing_ = ~present.all(axis=0)
        self.medians_ = np.array(
            [_weighted_median(v[p], weights[p]) for v, p in zip(numeric.T, present.T)]
        )
        kept = [_kept_categories(c, weights, self.max_categories) for c in categorical]
        self.categories_ = [categories for categories, _, _ in kept]
        self._rare = [rare for _, rare, _ in kept]
        self.most_frequent_ = [heaviest for _, _, heaviest in kept]
        return self

    def transform(self, X):
        """The encoded table, float64, columns as :meth:`get_feature_names_out`.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)

        Returns
        -------
        X_out : ndarray of shape (n_samples, n_features_out)
        """
        check_is_fitted(self)
        checked = validate_data(self, X, reset=False, **raw_table_checks(X))
        numeric, categorical = self._split(X, checked)
        missing = np.isnan(numeric)
        blocks = [np.where(missing, self.medians_, numeric), missing[:, self.missing_]]
        for column, kept, rare in zip(categorical, self.categories_, self._rare):
            blocks.append(_one_hot(column, kept, rare))
        return np.hstack([b.astype(np.float64, copy=False) for b in blocks])

    def get_feature_names_out(self, input_features=None):
        """Names of the encoded columns, all different.

        Each is built as the class docstring says; a name already taken by an
        earlier column (in the output's order) gets the first suffix ``_1``,
        ``_2``... that names no other column. So ``x_missing_1`` is the
        indicator of ``x`` when the table has a column ``x_missing`` too, and
        ``site_missing_1`` the missing category when ``site`` has the text
        "missing". Without such a clash no name has a suffix.

        Parameters
        ----------
        input_features : array-like of str, default=None
            The input's names; None: ``feature_names_in_``, or ``x0``, ``x1``...

        Returns
        -------
        names : ndarray of str
        """
        check_is_fitted(self)
        inputs = _input_names(self, input_features)
        names = [
            inputs[j] if suffix is None else f"{inputs[j]}_{suffix}"
            for j, suffix in self._output_columns()
        ]
        return np.asarray(_unique_names(names), dtype=object)

    def _output_columns(self):
        """Each output column as ``(input column, suffix)``, in the output's
        order (suffix None for a numeric column itself, 'missing' for its
        indicator, a category's label): the one description of the layout,
        which names and attributions (summed back onto input columns) read."""
        numeric = np.flatnonzero(~self.categorical_)
        columns = [(j, None) for j in numeric]
        columns += [(j, "missing") for j in numeric[self.missing_]]
        for j, kept in zip(np.flatnonzero(self.categorical_), self.categories_):
            columns += [(j, _label(c)) for c in kept]
        return columns

    def _split(self, X, checked):
        """The numeric columns as one float64 array, and the categorical
        columns one by one (a DataFrame's with their dtypes)."""
        numbers = np.flatnonzero(~self.categorical_)
        if hasattr(X, "iloc"):
            numeric = X.iloc[:, numbers].to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            numeric = _numeric(checked[:, numbers])
        categories = np.flatnonzero(self.categorical_)
        return numeric, [_column(X, checked, j) for j in categories]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        return tags


def raw_table_checks(X):
    """``validate_data``'s options for a raw table: NaN allowed, and any
    column kind (a DataFrame with a non-numeric column as objects, so that
    scikit-learn does not try to cast a category of text to numbers); a
    column of dates or durations is refused here, before scikit-learn fails
    to find a common dtype for it and the numbers."""
    _refuse_time_dtypes(X)
    dtypes = getattr(X, "dtypes", None)
    # each distinct dtype once: a wide table has thousands of columns, few dtypes
    text = dtypes is not None and any(
        str(d) in ("category", "string") or d.kind not in "biuf" for d in set(dtypes)
    )
    return dict(dtype=object if text else None, ensure_all_finite="allow-nan")


#: The text of the missing category and of the rare ones.
MISSING, OTHER = "<missing>", "<other>"


def _column(X, checked, j):
    return X.iloc[:, j] if hasattr(X, "iloc") else checked[:, j]


def _input_names(encoder, input_features):
    if input_features is not None:
        if len(input_features) != encoder.n_features_in_:
            raise ValueError(
                f"input_features has {len(input_features)} names for "
                f"{encoder.n_features_in_} features."
            )
        return list(input_features)
    names = getattr(encoder, "feature_names_in_", None)
    return (
        list(names)
        if names is not None
        else [f"x{i}" for i in range(encoder.n_features_in_)]
    )


def _is_categorical(column, name):
    """A pandas column of dtype category, string or bool, or a column of
    objects (pandas or array) none of whose present values is a number; a
    column of objects that are all numbers is numeric. A column of objects
    that mixes numbers and text (a typo in a measurement) is an error naming
    it: encoding a measurement as categories would be a silent wrong model."""
    dtype = getattr(column, "dtype", None)
    _refuse_time_dtype(dtype, name, "frame" if hasattr(column, "iloc") else "array")
    if str(dtype) in ("category", "boolean", "string") or dtype.kind in "USb":
        return True
    if dtype.kind != "O":
        return False
    values = [v for v in np.asarray(column, dtype=object) if not _is_missing(v)]
    _refuse_time_values(values, name)
    numbers = [_is_number(v) for v in values]
    if all(numbers):
        return False
    if any(numbers):
        text = next(v for v, number in zip(values, numbers) if not number)
        raise ValueError(
            f"Column {name!r} mixes numbers and text (for example {text!r}): make "
            "it numeric (NaN for a missing value) or a 'category' column."
        )
    return True


def _refuse_time_dtypes(X):
    """A ValueError naming the first column of dates or durations (pandas
    datetime64 with or without a time zone, period, timedelta64; NumPy's
    datetime64 / timedelta64 in an array, whose first column is ``x0``)."""
    if hasattr(X, "dtypes"):
        if any(_is_time(dtype) for dtype in set(X.dtypes)):  # few distinct dtypes
            for name, dtype in zip(X.columns, X.dtypes):
                _refuse_time_dtype(dtype, name, "frame")
    elif getattr(X, "ndim", 0) == 2:
        _refuse_time_dtype(X.dtype, "x0", "array")


def _is_time(dtype):
    return dtype.kind in "Mm" or dtype.kind == "O" and str(dtype).startswith("period")


def _refuse_time_dtype(dtype, name, source):
    """A ValueError for a dtype of dates or durations, which no conversion to
    float reads as meant (a time zone's dates would become nanoseconds)."""
    if dtype.kind == "O" and str(dtype).startswith("period"):
        raise ValueError(_time_message(name, dtype, "dates", "period"))
    if dtype.kind in "Mm":
        raise ValueError(_time_message(name, dtype, TIME_KINDS[dtype.kind], source))


def _refuse_time_values(values, name):
    """A ValueError naming a column of objects that holds a date, a time of
    day or a duration: as categories, each day would be a column of its own."""
    for value in values:
        if isinstance(value, (datetime.timedelta, np.timedelta64)):
            holds = "durations"
        elif isinstance(value, (datetime.date, np.datetime64)):
            holds = "dates"
        elif isinstance(value, datetime.time):
            holds = "times of day"
        else:
            continue
        raise ValueError(_time_message(name, type(value).__name__, holds, "objects"))


#: What a column of times holds, by NumPy's dtype kind.
TIME_KINDS = {"M": "dates", "m": "durations"}

#: How to make such a column a number, by where its values are (``{c}``: the column).
TIME_WAYS = {
    ("dates", "frame"): "days since a date: ({c} - {c}.min()).dt.days",
    ("dates", "objects"): "{c} = pd.to_datetime({c}), then days since a date: "
    "({c} - {c}.min()).dt.days",
    ("dates", "period"): "{c} = {c}.dt.to_timestamp(), then days since a date: "
    "({c} - {c}.min()).dt.days",
    ("dates", "array"): "days since the first: "
    "(X - X.min(axis=0)) / np.timedelta64(1, 'D')",
    ("durations", "frame"): "seconds: {c}.dt.total_seconds()",
    ("durations", "objects"): "seconds: pd.to_timedelta({c}).dt.total_seconds()",
    ("durations", "array"): "seconds: X / np.timedelta64(1, 's')",
    ("times of day", "objects"): "hours since midnight: "
    "{c}.map(lambda t: t.hour + t.minute / 60)",
}


def _time_message(name, kind_of_value, holds, source):
    """The error for a column of dates or durations: what it holds and how to
    make it a number (``source``: 'frame', 'objects', 'period' or 'array')."""
    way = TIME_WAYS[holds, source].format(c=f"df[{name!r}]")
    return (
        f"Column {name!r} holds {holds} ({kind_of_value}), which a network cannot "
        f"read: convert it to a number, e.g. {way}; or drop it."
    )


def _unique_names(names):
    """``names`` with each repeat renamed ``<name>_<k>``, the smallest
    ``k >= 1`` that no other name has: the first of equal names keeps its
    name, and a name without a repeat never changes."""
    taken = set(names)
    seen, unique = set(), []
    for name in names:
        if name in seen:
            k = 1
            while f"{name}_{k}" in taken:
                k += 1
            name = f"{name}_{k}"
            taken.add(name)
        seen.add(name)
        unique.append(name)
    return unique


def _is_number(value):
    if isinstance(value, (bool, np.bool_)):
        return False
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return not isinstance(value, str)


def _numeric(array):
    try:
        return np.asarray(array, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            "A column mixes numbers and text: give it one kind (a pandas "
            "'category' column for categories)."
        ) from None


def _is_missing(value):
    if value is None or str(value) in ("<NA>", "NaT"):
        return True
    return isinstance(value, (float, np.floating)) and np.isnan(value)


def _text_values(column):
    """Each value as a category: its text, or MISSING for NaN / None / NA."""
    values = np.asarray(column, dtype=object)
    missing = np.array([_is_missing(v) for v in values], dtype=bool)
    return np.where(missing, MISSING, values.astype(str)).astype(object)


def _kept_categories(column, weights, max_categories):
    """The categories of the training rows that count: ``(kept, rare,
    heaviest)``, the ``max_categories`` heaviest (ties by text) in the order
    of their text (MISSING last), then OTHER when there are more (``rare``);
    ``heaviest`` is the first of them by weight (None when no row counts)."""
    values = _text_values(column)
    counted = weights > 0
    names, inverse = np.unique(values[counted], return_inverse=True)
    totals = np.bincount(inverse, weights=weights[counted], minlength=len(names))
    order = np.lexsort((names, -totals))
    kept = sorted((str(n) for n in names[order[:max_categories]]), key=_last_missing)
    rare = [str(n) for n in names[order[max_categories:]]]
    heaviest = str(names[order[0]]) if len(names) else None
    return kept + ([OTHER] if rare else []), rare, heaviest


def _last_missing(category):
    return (category == MISSING, category)


def _one_hot(column, kept, rare):
    """One 0/1 column per kept category; a rare one in OTHER's; an unseen
    one (or missing, when training had none) all zeros."""
    values = _text_values(column)
    position = {c: i for i, c in enumerate(kept) if not (c == OTHER and rare)}
    position.update(dict.fromkeys(rare, len(kept) - 1))
    out = np.zeros((len(values), len(kept)))
    for row, value in enumerate(values):
        if value in position:
            out[row, position[value]] = 1.0
    return out


def _label(category):
    return category.strip("<>") if category in (MISSING, OTHER) else category


def _weighted_median(values, weights):
    """The weighted median of ``values`` (0 when no row counts)."""
    if values.size == 0 or not np.any(weights > 0):
        return 0.0
    ordered, cumulative = sorted_cumulative(values[:, None], weights)
    return float(weighted_percentile(ordered, cumulative, 50.0)[0])
