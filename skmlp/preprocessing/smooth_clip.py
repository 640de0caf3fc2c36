"""Robust scaling followed by a smooth clip, the input scaling of the CV estimators.

A network's first layer sees its inputs as they are. A heavy-tailed feature or a
single outlier, standardised by a mean and a standard deviation, can still be
thousands of units wide and dominate the first layer's pre-activations and
gradients. :class:`SmoothClipScaler` is the input scaling of RealMLP
(Holzmüller et al., 2024): each feature is centred on its median and divided by
an inter-quantile range, then passed through the smooth clip
``z / sqrt(1 + (z / clip)**2)``, which is close to the identity near zero and
maps every value into ``(-clip, clip)``.
"""

from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from .._sklearn_compat import Interval, _check_sample_weight, _fit_context
from ..nn.quantiles import sorted_cumulative, weighted_percentile

FLOAT_DTYPES = [np.float64, np.float32]


class SmoothClipScaler(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Robust scaling followed by a smooth clip, RealMLP's input scaling.

    Each column is centred on its median and divided by the spread between two
    of its quantiles (the inter-quartile range by default), then squashed
    smoothly into ``(-clip, clip)``. Values near the median pass almost
    unchanged; outliers and heavy tails stay bounded. float32 input gives float32
    output.

    Parameters
    ----------
    quantile_range : tuple of two floats, default=(25.0, 75.0)
        ``(q_min, q_max)`` with ``0 <= q_min < q_max <= 100``: the percentiles
        whose difference is each column's spread.
    clip : float or None, default=3.0
        The bound of the smooth clip; outputs lie in ``(-clip, clip)``. ``None``
        gives pure robust scaling, ``(X - median) / spread``.

    Attributes
    ----------
    center_ : ndarray of shape (n_features,)
        The median of each column.
    scale_ : ndarray of shape (n_features,)
        The spread of each column: the ``q_max`` quantile minus the ``q_min``
        quantile, or ``0.5 * (max - min)`` where that is zero. A constant column,
        whose spread is zero either way, is mapped to 0 and has ``scale_ = 1.0``.
    n_features_in_ : int
        Number of features seen during :meth:`fit`.
    feature_names_in_ : ndarray of shape (n_features,)
        Names of the features seen during :meth:`fit`, when they are all strings.

    See Also
    --------
    sklearn.preprocessing.RobustScaler : The same centring and scaling, unclipped.

    Notes
    -----
    With ``m`` the median of a column and ``s`` its spread,

    .. math::

        z = \\frac{x - m}{s}, \\qquad
        \\operatorname{out} = \\frac{z}{\\sqrt{1 + (z / c)^2}},

    where ``c`` is ``clip``. The smooth clip is odd, strictly increasing, has
    slope 1 at 0 and tends to ``±c``, so the order of the values in a column is
    kept while no heavy tail or outlier can dominate a network's first layer.
    The percentiles are the averaged inverted CDF (NumPy's
    ``method="averaged_inverted_cdf"``; the median is the usual one) of the
    rows weighted by ``sample_weight``: scaling every weight changes nothing,
    and a weight of 2 gives exactly the percentiles of the row repeated.
    A column whose quantiles coincide (mostly one value) falls back to
    ``s = (max - min) / 2``; a constant column carries no information and becomes
    0. In floating point, values that are extremely far out (``|z|`` beyond about
    ``1e8 * c`` in float64, ``1e4 * c`` in float32) round to ``±c`` exactly, and
    :meth:`inverse_transform` cannot invert those.

    References
    ----------
    .. [1] D. Holzmüller, L. Grinsztajn and I. Steinwart, "Better by Default:
       Strong Pre-Tuned MLPs and Boosted Trees on Tabular Data", NeurIPS 2024.
       https://arxiv.org/abs/2407.04491

    Examples
    --------
    >>> import numpy as np
    >>> from skmlp.preprocessing import SmoothClipScaler
    >>> X = np.array([[1.0], [2.0], [3.0], [4.0], [1000.0]])
    >>> scaler = SmoothClipScaler().fit(X)
    >>> scaler.center_.tolist(), scaler.scale_.tolist()
    ([3.0], [2.0])
    >>> Z = scaler.transform(X)
    >>> np.round(Z[:4, 0], 3).tolist()
    [-0.949, -0.493, 0.0, 0.493]
    >>> round(float(Z[4, 0]), 4)  # the outlier stays bounded
    2.9999
    >>> bool(np.all((-3 < Z) & (Z < 3)))
    True
    >>> np.allclose(scaler.inverse_transform(Z), X)
    True
    """

    _parameter_constraints: dict = {
        "quantile_range": [tuple],
        "clip": [Interval(Real, 0, None, closed="neither"), None],
    }

    def __init__(self, quantile_range=(25.0, 75.0), clip=3.0):
        self.quantile_range = quantile_range
        self.clip = clip

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, sample_weight=None):
        """Compute each column's median and spread.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The data, dense and finite.
        y : None
            Ignored.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows: a weight of 2 counts as two copies of the
            row (the quantiles are those of the rows repeated), 0 leaves it out.

        Returns
        -------
        self : SmoothClipScaler
            The fitted scaler.
        """
        q_min, q_max = _check_quantile_range(self.quantile_range)
        X = validate_data(self, X, dtype=FLOAT_DTYPES, ensure_all_finite=True)
        weights = _check_sample_weight(
            sample_weight, X, dtype=np.float64, ensure_non_negative=True
        )
        center, spread = _median_and_spread(X, weights, q_min, q_max)
        informative = spread > 0
        self.center_ = center.astype(X.dtype)
        self.scale_ = np.where(informative, spread, 1.0).astype(X.dtype)
        self._factor = np.divide(
            1.0, spread, out=np.zeros_like(spread), where=informative
        ).astype(X.dtype)
        return self

    def transform(self, X):
        """Scale each column robustly, then clip it smoothly into ``(-clip, clip)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The data, dense and finite. It is not modified.

        Returns
        -------
        X_out : ndarray of shape (n_samples, n_features)
            The scaled data, of the dtype of ``X`` (float32 or float64).
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=FLOAT_DTYPES, ensure_all_finite=True, reset=False)
        z = X - self.center_.astype(X.dtype, copy=False)
        z *= self._factor.astype(X.dtype, copy=False)
        if self.clip is None:
            return z
        return self.clip * _squash(z / self.clip)

    def _slope(self, X):
        """The derivative of :meth:`transform` with respect to each value of
        ``X`` (elementwise: each column is mapped on its own). With ``u =
        (x - center) / (spread * clip)``: ``(1 + u**2) ** -1.5 / spread``."""
        factor = self._factor.astype(np.float64)
        if self.clip is None:
            return np.broadcast_to(factor, X.shape)
        u = (X - self.center_) * factor / self.clip
        return factor / (1 + u * u) ** 1.5

    def inverse_transform(self, X):
        """Undo :meth:`transform`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Transformed data; with ``clip`` set, every value must lie strictly
            inside ``(-clip, clip)``.

        Returns
        -------
        X_original : ndarray of shape (n_samples, n_features)
            The data in the original units. Constant columns give their
            ``center_``.

        Raises
        ------
        ValueError
            If a value lies at or beyond ``±clip``, where the smooth clip has no
            inverse.
        """
        check_is_fitted(self)
        X = check_array(X, dtype=FLOAT_DTYPES, ensure_all_finite=True)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, but SmoothClipScaler is expecting "
                f"{self.n_features_in_} features as input."
            )
        z = X if self.clip is None else _unclip(X, self.clip)
        scale = np.where(self._factor == 0, 0.0, self.scale_).astype(X.dtype, copy=False)
        return z * scale + self.center_.astype(X.dtype, copy=False)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def _check_quantile_range(quantile_range):
    """``(q_min, q_max)`` as floats, or a ValueError naming the bad range."""
    valid = len(quantile_range) == 2 and all(
        isinstance(q, Real) and not isinstance(q, bool) for q in quantile_range
    )
    if not valid or not 0 <= quantile_range[0] < quantile_range[1] <= 100:
        raise ValueError(
            "quantile_range must be two numbers with 0 <= q_min < q_max <= 100, "
            f"got {quantile_range!r}."
        )
    return float(quantile_range[0]), float(quantile_range[1])


def _median_and_spread(X, weights, q_min, q_max):
    """Each column's median and spread, in float64; the spread is 0 if constant."""
    ordered, cumulative = sorted_cumulative(X, weights)
    low, center, high = (
        weighted_percentile(ordered, cumulative, q) for q in (q_min, 50.0, q_max)
    )
    spread = high - low
    present = X[weights > 0] if np.any(weights > 0) else X
    half_range = 0.5 * (present.max(axis=0) - present.min(axis=0)).astype(np.float64)
    return center, np.where(spread > 0, spread, half_range)


def _squash(u):
    """``u / sqrt(1 + u**2)``, into (-1, 1); no overflow for huge or infinite ``u``."""
    out = np.empty_like(u)
    small = np.abs(u) <= 1
    near = u[small]
    out[small] = near / np.sqrt(1 + near * near)
    # for |u| > 1 divide through by |u|, so that u**2 cannot overflow
    far = u[~small]
    out[~small] = np.sign(far) / np.sqrt(1 + (1 / far) ** 2)
    return out


def _unclip(y, clip):
    """The inverse of ``clip * _squash(z / clip)``: ``y / sqrt(1 - (y / clip)**2)``."""
    v = y / clip
    outside = np.abs(v) >= 1
    if np.any(outside):
        worst = float(np.max(np.abs(y[outside])))
        raise ValueError(
            "inverse_transform needs values strictly inside (-clip, clip) = "
            f"({-clip}, {clip}); got a value of absolute value {worst}."
        )
    # (1 - v) * (1 + v) keeps its precision near |v| = 1, where 1 - v**2 would not
    return clip * v / np.sqrt((1 - v) * (1 + v))
