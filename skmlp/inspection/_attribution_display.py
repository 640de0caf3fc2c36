"""The global summary of feature attributions and its Display: the top
features by mean absolute attribution (bars) and every row's attribution to
each (a strip, coloured by the feature's value). matplotlib is imported only
to plot."""

import numpy as np
from scipy.stats import rankdata
from sklearn.utils import Bunch

from ._attributions import encoded_inputs, feature_attributions
from ._display import _pyplot

KINDS = ("both", "bar", "strip")


def summarize_attributions(attributions, feature_names=None, *, as_frame=False):
    """Each feature's mean absolute attribution over the rows, largest first.

    Parameters
    ----------
    attributions : array-like of shape (n_samples, n_features)
        From :func:`feature_attributions` (one output).
    feature_names : array-like of str of shape (n_features,), default=None
        None: ``x0``, ``x1``, ...
    as_frame : bool, default=False
        Return a pandas DataFrame (to sort, filter and join on the feature
        names) instead of a Bunch. Needs pandas.

    Returns
    -------
    summary : :class:`~sklearn.utils.Bunch` or pandas DataFrame
        ``feature_names``, ``mean_abs`` (the importance) and ``mean`` (its
        sign: whether the feature pushes the output up or down on average),
        all ordered by ``mean_abs``, largest first; ``order``: the features'
        positions in that order. With ``as_frame=True``, a DataFrame of
        columns ``feature``, ``mean_abs`` and ``mean``, one row per feature
        in that order (the index counts them from 0).

    Examples
    --------
    >>> import numpy as np
    >>> from skmlp.inspection import summarize_attributions
    >>> A = np.array([[0.1, -2.0], [0.3, 1.0]])
    >>> summary = summarize_attributions(A, ["a", "b"])
    >>> summary.feature_names.tolist(), summary.mean_abs.tolist()
    (['b', 'a'], [1.5, 0.2])
    >>> summarize_attributions(A, ["a", "b"], as_frame=True)
      feature  mean_abs  mean
    0       b       1.5  -0.5
    1       a       0.2   0.2
    """
    attributions = np.asarray(attributions, dtype=float)
    if attributions.ndim != 2:
        raise ValueError(
            "summarize_attributions takes one output's attributions, of shape "
            f"(n_samples, n_features); got shape {attributions.shape}."
        )
    names = _names(feature_names, attributions.shape[1])
    mean_abs = np.abs(attributions).mean(axis=0)
    order = np.argsort(-mean_abs, kind="stable")
    summary = Bunch(
        feature_names=names[order],
        mean_abs=mean_abs[order],
        mean=attributions.mean(axis=0)[order],
        order=order,
    )
    return _frame(summary) if as_frame else summary


def _frame(summary):
    try:
        import pandas as pd
    except ImportError as error:
        raise ImportError(
            "summarize_attributions(..., as_frame=True) needs pandas: pip install "
            "pandas, or leave as_frame=False for a Bunch of arrays."
        ) from error
    return pd.DataFrame(
        {
            "feature": summary.feature_names,
            "mean_abs": summary.mean_abs,
            "mean": summary.mean,
        }
    )


def _names_of(feature_names, encoded, X, estimator):
    """The names given, else the encoded columns', else ``X``'s columns,
    else the model's, else None."""
    for names in (feature_names, encoded, getattr(X, "columns", None)):
        if names is not None:
            return list(names)
    names = getattr(estimator, "feature_names_in_", None)
    return None if names is None else list(names)


def _names(feature_names, n_features):
    if feature_names is None:
        return np.array([f"x{i}" for i in range(n_features)], dtype=object)
    names = np.asarray(feature_names, dtype=object)
    if names.shape != (n_features,):
        raise ValueError(f"feature_names must have {n_features} names; got {len(names)}.")
    return names


class FeatureAttributionDisplay:
    """The features that drive a model's predictions, from their attributions.

    Follows scikit-learn's Display API: build it with :meth:`from_estimator`
    (or construct it from attributions) and call :meth:`plot`. The bars are
    the top features' mean absolute attribution; the strip shows every row's
    attribution to each of them, coloured from the feature's lowest value
    (blue) to its highest (red) among the rows, so that the direction of an
    effect can be read off.

    Parameters
    ----------
    attributions : ndarray of shape (n_samples, n_features)
        One output's attributions (see :func:`feature_attributions`).
    feature_names : array-like of str, default=None
        The features' names; None: ``x0``, ``x1``, ...
    feature_values : array-like or DataFrame of shape (n_samples, n_features), \
default=None
        The rows explained, to colour the strip; None draws it in one colour.
        A missing value, and every value of a column of text (categories
        have no low or high), is drawn grey.
    max_features : int, default=20
        How many of the top features to draw.
    method : str, default=None
        The attribution method, for the axis label.

    Attributes
    ----------
    summary_ : Bunch
        :func:`summarize_attributions` of ``attributions``.
    ax_ : matplotlib Axes or ndarray of two Axes
        The axes drawn on (two for ``kind='both'``: bars, strip).
    figure_ : matplotlib Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_breast_cancer
    >>> from skmlp import MLPClassifierCV
    >>> from skmlp.inspection import FeatureAttributionDisplay
    >>> data = load_breast_cancer(as_frame=True)
    >>> model = MLPClassifierCV(alphas=[0.01, 1.0], random_state=0)
    >>> model = model.fit(data.data, data.target)
    >>> display = FeatureAttributionDisplay.from_estimator(
    ...     model, data.data.iloc[:50], max_features=10)
    >>> len(display.summary_.feature_names)
    30
    """

    def __init__(
        self,
        attributions,
        *,
        feature_names=None,
        feature_values=None,
        max_features=20,
        method=None,
    ):
        self.attributions = np.asarray(attributions, dtype=float)
        self.feature_names = feature_names
        self.feature_values = feature_values
        self.max_features = max_features
        self.method = method
        self.summary_ = summarize_attributions(self.attributions, feature_names)

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        *,
        feature_names=None,
        max_features=20,
        kind="both",
        ax=None,
        **attribution_options,
    ):
        """Attribute ``estimator``'s predictions on ``X`` and plot them.

        Parameters
        ----------
        estimator : fitted skmlp estimator or Pipeline
            See :func:`feature_attributions`.
        X : array-like of shape (n_samples, n_features)
            The rows to explain.
        feature_names : array-like of str, default=None
            None: ``X``'s columns, or the names the model was fitted with
            (with ``by='encoded'``, the encoded columns' names).
        max_features : int, default=20
            How many of the top features to draw.
        kind : {'both', 'bar', 'strip'}, default='both'
            See :meth:`plot`.
        ax : matplotlib Axes, or a pair for ``kind='both'``, default=None
            See :meth:`plot`.
        **attribution_options
            :func:`feature_attributions`'s ``method``, ``baseline``,
            ``target``, ``output``, ``n_steps`` and ``by``; a model with
            several outputs needs ``target`` (one output at a time).

        Returns
        -------
        display : FeatureAttributionDisplay
        """
        attributions = feature_attributions(estimator, X, **attribution_options)
        if attributions.ndim == 3:
            raise ValueError(
                f"The model has {attributions.shape[2]} outputs: choose one with "
                "target= (a label's or an output's index)."
            )
        values, names = X, None
        if attribution_options.get("by") == "encoded":
            values, names = encoded_inputs(estimator, X)
        display = cls(
            attributions,
            feature_names=_names_of(feature_names, names, X, estimator),
            feature_values=values,
            max_features=max_features,
            method=attribution_options.get("method", "integrated_gradients"),
        )
        return display.plot(ax=ax, kind=kind)

    def plot(self, ax=None, *, kind="both"):
        """Draw the top features.

        Parameters
        ----------
        ax : matplotlib Axes, or a pair of them for ``kind='both'``, default=None
            Where to draw; None makes a new figure.
        kind : {'both', 'bar', 'strip'}, default='both'
            The bars of mean absolute attribution, the strip of every row's
            attribution, or both side by side.

        Returns
        -------
        display : FeatureAttributionDisplay
        """
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}; got {kind!r}.")
        plt = _pyplot()
        top = self.summary_.order[: self.max_features]
        if ax is None:
            n_axes = 2 if kind == "both" else 1
            height = 1.2 + 0.32 * len(top)
            fig, ax = plt.subplots(
                1, n_axes, figsize=(5 * n_axes, height), sharey=True, squeeze=False
            )
            ax = ax[0] if kind == "both" else ax[0, 0]
        axes = np.atleast_1d(ax)
        if kind == "both" and axes.shape != (2,):
            raise ValueError("kind='both' draws on two axes: pass a pair as ax.")
        if kind in ("both", "bar"):
            self._bars(axes[0], top)
        if kind in ("both", "strip"):
            self._strip(axes[-1], top)
        self.ax_, self.figure_ = ax, axes[0].figure
        return self

    def _label(self):
        method = (self.method or "attribution").replace("_", " ")
        return method

    def _bars(self, ax, top):
        positions = np.arange(len(top))[::-1]
        mean_abs = np.abs(self.attributions[:, top]).mean(axis=0)
        names = _names(self.feature_names, self.attributions.shape[1])[top]
        ax.barh(positions, mean_abs, color="tab:blue")
        ax.set_yticks(positions, labels=[str(n) for n in names])
        ax.set_xlabel(f"mean |{self._label()}|")
        ax.set_title("Top features")

    def _strip(self, ax, top):
        import matplotlib

        rng = np.random.RandomState(0)
        positions = np.arange(len(top))[::-1]
        names = _names(self.feature_names, self.attributions.shape[1])[top]
        # grey, not hidden: missing values and categories (no low or high)
        cmap = matplotlib.colormaps["coolwarm"].with_extremes(bad="lightgrey")
        scatter, grey = None, False
        for position, j in zip(positions, top):
            values = self.attributions[:, j]
            jitter = position + rng.uniform(-0.3, 0.3, size=len(values))
            colour = _value_ranks(self.feature_values, j)
            grey = grey or (colour is not None and np.isnan(colour).any())
            scatter = ax.scatter(
                values,
                jitter,
                c=colour,
                cmap=cmap,
                vmin=0,
                vmax=1,
                s=9,
                alpha=0.8,
                linewidths=0,
                plotnonfinite=True,
            )
        ax.axvline(0, color="grey", linewidth=0.8)
        ax.set_yticks(positions, labels=[str(n) for n in names])
        grey_note = "; grey: missing or text" if grey else ""
        ax.set_xlabel(f"{self._label()} (each row{grey_note})")
        ax.set_title("Every row")
        if self.feature_values is not None and scatter is not None:
            bar = ax.figure.colorbar(scatter, ax=ax, ticks=[0, 1], pad=0.02)
            bar.ax.set_yticklabels(["low", "high"])
            bar.set_label("feature value")


def _value_ranks(values, j):
    """Feature ``j``'s values as ranks in [0, 1] among the rows (ties share
    their mean rank): NaN (grey) where a value is missing and for a column
    of text; None without values."""
    if values is None:
        return None
    column = values.iloc[:, j] if hasattr(values, "iloc") else np.asarray(values)[:, j]
    numbers = _numbers(column)
    present = ~np.isnan(numbers)
    ranks = np.full(len(numbers), np.nan)
    # equal values, equal colours: a 0/1 column is blue and red, not a ramp
    order = rankdata(numbers[present])
    spread = np.ptp(order) if order.size else 0.0
    ranks[present] = (order - order.min()) / spread if spread > 0 else 0.5
    return ranks


def _numbers(column):
    """A column as floats (NaN where missing); all NaN for a column of text."""
    try:
        if hasattr(column, "to_numpy"):
            return column.to_numpy(dtype=float, na_value=np.nan)
        return np.asarray(column, dtype=float)
    except (TypeError, ValueError):
        return np.full(len(column), np.nan)
