"""Exact gradient attributions: which features drive each prediction.

skmlp owns its backward pass, so the gradient of a prediction with respect to
the inputs is exact and cheap: one inference-mode forward and backward pass
per row (per integration step for integrated gradients), through every
network of an ensemble and every per-feature map in front of the networks (a
CV estimator's scaling, a pipeline's scalers), so that attributions are in
the user's own feature units. A CV estimator fitted on a raw table is
differentiated over the columns its encoder makes (one-hot categories,
missing-value indicators), and each column's encoded attributions are added
up onto it.
"""

import numpy as np
from scipy.special import expit
from sklearn.compose import TransformedTargetRegressor
from sklearn.preprocessing import (
    FunctionTransformer,
    MaxAbsScaler,
    MinMaxScaler,
    RobustScaler,
    StandardScaler,
)
from sklearn.utils.validation import check_array, check_is_fitted

from .._estimators.base import BaseMLP
from .._estimators.description import describe
from .._tuned.base import BaseMLPCV
from ..preprocessing import SmoothClipScaler

METHODS = ("gradient", "gradient_x_input", "integrated_gradients")
#: What attributions are given for: the table's columns, or the encoded ones.
BY = ("column", "encoded")
#: Rows x integration steps x features held at once (float64 numbers).
CHUNK = 2**21


def feature_attributions(
    estimator,
    X,
    *,
    method="integrated_gradients",
    baseline=None,
    target=None,
    output=None,
    n_steps=64,
    by="column",
):
    """Per-sample attributions of an skmlp model's prediction to its features.

    Parameters
    ----------
    estimator : fitted skmlp estimator or Pipeline
        An :class:`~skmlp.MLPClassifier`, :class:`~skmlp.MLPRegressor`,
        :class:`~skmlp.MultiLabelMLP` (an ensemble too: the members' mean),
        a CV estimator (through its own input scaling), or a
        :class:`~sklearn.pipeline.Pipeline` whose steps before such a model
        are ``StandardScaler``, ``MinMaxScaler`` (``clip=False``),
        ``MaxAbsScaler``, ``RobustScaler`` or ``'passthrough'``.
    X : array-like or DataFrame of shape (n_samples, n_features)
        The rows to explain, as the estimator was fitted on them: a CV
        estimator's raw table may hold NaN (imputed as ``predict`` imputes
        them) and text columns.
    method : {'integrated_gradients', 'gradient_x_input', 'gradient'}, \
default='integrated_gradients'
        'gradient': the saliency ``dF/dx_i``, the change of the output per
        unit of feature ``i``. 'gradient_x_input': ``x_i dF/dx_i``.
        'integrated_gradients' (Sundararajan et al., 2017): ``(x_i - b_i)``
        times the mean of ``dF/dx_i`` along the straight path from the
        baseline ``b`` to ``x``; the attributions of a row add up to ``F(x)
        - F(b)`` up to the integration error. That error shrinks as
        ``n_steps`` grows: fast for smooth activations (tanh: 1e-8 of the
        output at 8 steps), slowly for ReLU networks, whose gradient jumps
        along the path (about 1 % at 64 steps).
    baseline : array-like of shape (n_features,) or (n_samples, n_features), \
default=None
        The reference point of integrated gradients, in the input's units.
        None: each column's median over the training rows (those of weight
        above 0; over 512 of them, evenly spaced, when there are more),
        which the model records when it is fitted. A CV estimator
        that encodes its table (categories, missing-value indicators):
        None is the typical row, each numeric column's training median
        (present) and each categorical column's most frequent category
        (``encoder_.most_frequent_``); a baseline given lives where the
        attributions do: with ``by='column'``, rows of the table (a one-row
        DataFrame, a row such as ``X.iloc[0]``, or one per row of ``X``),
        encoded as the model encodes them; with ``by='encoded'``, rows of
        the encoded columns.
    target : label or int, default=None
        Which output ``F`` is. A classifier: a class label; None is the
        positive class ``classes_[1]`` of a binary model and each row's
        predicted class of a multiclass one. A multilabel model: a label's
        index; None explains every label. A regressor: an output's index;
        None explains every output.
    output : {'probability', 'logit'}, default=None
        A classifier's ``F``: the probability of the target class (the
        default), or its logit (the network's output before the softmax or
        sigmoid: additive where probabilities saturate). ``loss='hinge'``
        has only its score, 'logit'. A regressor's ``F`` is its prediction.
    n_steps : int, default=64
        Integration points of integrated gradients (Gauss-Legendre).
    by : {'column', 'encoded'}, default='column'
        For a CV estimator that encodes its table (its ``encoder_``, a
        :class:`~skmlp.preprocessing.TableEncoder`, one-hot encodes
        categories or adds missing-value indicators), the gradients are
        taken with respect to the encoded columns, the network's inputs.
        'column': one attribution per column of the table, each column's
        encoded attributions added up (a category's one-hot block; a numeric
        column and its missing-value indicator), so that integrated
        gradients still add up to ``F(x) - F(b)``. 'encoded': one per
        encoded column, in the order of ``encoder_.get_feature_names_out()``.
        A gradient with respect to a category of the table is not defined,
        so 'gradient' and 'gradient_x_input' of such a model need
        ``by='encoded'``. Any other model: both are the same.

    Returns
    -------
    attributions : ndarray of shape (n_samples, n_features) or \
(n_samples, n_features, n_outputs)
        One attribution per row and feature (per encoded column with
        ``by='encoded'``); the last axis is there when several outputs are
        explained (``target=None`` on a multilabel or multi-output model).

    Examples
    --------
    >>> import numpy as np
    >>> from skmlp import MLPRegressor
    >>> from skmlp.inspection import feature_attributions
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(200, 4))
    >>> y = 3 * X[:, 0] - 2 * X[:, 1]
    >>> model = MLPRegressor(hidden_layer_sizes=(16,), activation="tanh",
    ...                      learning_rate_init=0.01, max_iter=300,
    ...                      random_state=0).fit(X, y)
    >>> A = feature_attributions(model, X[:5])
    >>> A.shape
    (5, 4)
    >>> F = model.predict(X[:5]) - model.predict(np.median(X, axis=0)[None])
    >>> bool(np.allclose(A.sum(axis=1), F))
    True
    >>> np.abs(A).mean(axis=0).argsort()[::-1][:2]  # the two features y uses
    array([0, 1])
    """
    _check_options(method, n_steps, by)
    model = DifferentiableModel(estimator)
    model.check_method(method, by)
    inputs = model.check_input(X)
    heads = model.heads(X, target, output)
    integrated = method == "integrated_gradients"
    base = model.baseline(baseline, inputs, by) if integrated else None
    results = [
        model.gather(_attribute(model, head, inputs, base, method, n_steps), by)
        for head in heads
    ]
    return results[0] if len(results) == 1 else np.stack(results, axis=-1)


def _check_options(method, n_steps, by):
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}; got {method!r}.")
    if not (isinstance(n_steps, (int, np.integer)) and n_steps >= 1):
        raise ValueError(f"n_steps must be an integer of at least 1; got {n_steps!r}.")
    if by not in BY:
        raise ValueError(f"by must be 'column' or 'encoded'; got {by!r}.")


def encoded_inputs(estimator, X):
    """The inputs that ``by='encoded'`` attributes to: ``(values, names)``,
    the rows of ``X`` as the model's encoder encodes them and the encoded
    columns' names; ``names`` is None for a model without an encoder of its
    own (its inputs are ``X``'s columns)."""
    model = DifferentiableModel(estimator)
    names = None if model.encoding is None else model.encoding.names()
    return model.check_input(X), names


def _attribute(model, head, X, baseline, method, n_steps):
    if method == "gradient":
        return model.gradient(X, head)[1]
    if method == "gradient_x_input":
        return X * model.gradient(X, head)[1]
    return _integrated_gradients(model, head, X, baseline, n_steps)


def _integrated_gradients(model, head, X, baseline, n_steps):
    """``(x - b) * integral_0^1 dF/dx(b + a (x - b)) da`` by Gauss-Legendre
    quadrature, a chunk of rows at a time (all their steps in one pass)."""
    nodes, weights = np.polynomial.legendre.leggauss(n_steps)
    alphas, weights = (nodes + 1) / 2, weights / 2
    baseline = np.broadcast_to(baseline, X.shape)
    n, d = X.shape
    rows = max(1, CHUNK // (n_steps * d))
    out = np.empty_like(X)
    for start in range(0, n, rows):
        x, b = X[start : start + rows], baseline[start : start + rows]
        path = b[:, None, :] + alphas[None, :, None] * (x - b)[:, None, :]
        head_rows = head.rows(slice(start, start + rows), n_steps)
        _, grad = model.gradient(path.reshape(-1, d), head_rows)
        grad = grad.reshape(len(x), n_steps, d)
        out[start : start + rows] = (x - b) * np.einsum("s,nsd->nd", weights, grad)
    return out


class _Affine:
    """A per-feature map ``x * scale + shift`` (a fitted scaler)."""

    def __init__(self, scale, shift):
        self.scale, self.shift = np.asarray(scale, float), np.asarray(shift, float)

    def value_and_slope(self, X):
        return X * self.scale + self.shift, np.broadcast_to(self.scale, X.shape)

    def inverse(self, Z):
        return (Z - self.shift) / self.scale


class _SmoothClip:
    """A CV estimator's :class:`~skmlp.preprocessing.SmoothClipScaler`."""

    def __init__(self, scaler):
        self.scaler = scaler

    def value_and_slope(self, X):
        return self.scaler.transform(X), self.scaler._slope(X)


def _step_map(name, step):
    """The per-feature map of a fitted pipeline step, or an error naming it."""
    if step is None or step == "passthrough":
        return None
    if isinstance(step, StandardScaler):
        scale = 1 / step.scale_ if step.scale_ is not None else 1.0
        mean = step.mean_ if step.mean_ is not None else 0.0
        return _Affine(scale, -mean * scale)
    if isinstance(step, MinMaxScaler) and not step.clip:
        return _Affine(step.scale_, step.min_)
    if isinstance(step, MaxAbsScaler):
        return _Affine(1 / step.scale_, 0.0)
    if isinstance(step, RobustScaler):
        scale = 1 / step.scale_ if step.scale_ is not None else 1.0
        center = step.center_ if step.center_ is not None else 0.0
        return _Affine(scale, -center * scale)
    raise TypeError(
        f"feature_attributions goes through pipeline steps that map each feature "
        f"by a known affine function (StandardScaler, MinMaxScaler with clip=False, "
        f"MaxAbsScaler, RobustScaler, 'passthrough'); step {name!r} is "
        f"{step!r}. Attribute to that step's output instead: pass the pipeline's "
        f"final step and the transformed rows."
    )


class DifferentiableModel:
    """An skmlp model as a differentiable function of its inputs: the
    per-feature maps in front of its networks, the networks, and how their
    logits become the prediction. The inputs are the raw ones, or (a CV
    estimator, its ``encoding``) the columns its encoder makes of them."""

    def __init__(self, estimator):
        self.estimator = estimator
        maps, final = [], estimator
        if hasattr(estimator, "steps"):
            maps = [_step_map(name, step) for name, step in estimator.steps[:-1]]
            final = estimator.steps[-1][1]
        steps = [step for _, step in getattr(estimator, "steps", [(None, estimator)])]
        self.first = next(s for s in steps if s is not None and s != "passthrough")
        self.scale, self.center, self.constant = 1.0, 0.0, None
        self.cv, self.encoding = None, None
        if isinstance(final, TransformedTargetRegressor):
            check_is_fitted(final, "regressor_")
            self.scale, self.center = _target_map(final.transformer_)
            final = final.regressor_
        if isinstance(final, BaseMLPCV):
            final = self._through_cv(final, maps)
        elif isinstance(final, BaseMLP):
            check_is_fitted(final)
        else:
            raise TypeError(
                "feature_attributions explains skmlp estimators (or a Pipeline ending "
                f"in one); got {type(final).__name__}."
            )
        self.maps = [m for m in maps if m is not None]
        self.final = final
        if self.cv is None:
            self.fitted = describe(final)
        self.networks = list(self.fitted.networks)

    def _through_cv(self, cv, maps):
        """A CV estimator's encoder, scaling and target map; its network."""
        check_is_fitted(cv, "estimator_")
        self.fitted = fitted = describe(cv)
        self.encoding = _cv_encoding(fitted, behind=any(m is not None for m in maps))
        maps.append(_cv_scaling(fitted))
        self.scale, self.center = fitted.y_scale, fitted.y_center
        self.constant = fitted.y_constant
        self.cv = cv
        return cv.estimator_

    @property
    def encodes_table(self):
        """Whether the inputs are encoded columns other than the table's own."""
        return self.encoding is not None and self.encoding.raw

    # -- the input -------------------------------------------------------------
    def check_input(self, X):
        """``X`` as the float64 inputs of the function: checked against what
        the model was fitted on, and encoded by a CV estimator's encoder."""
        names = getattr(self.first, "feature_names_in_", None)
        columns = getattr(X, "columns", None)
        if names is not None and columns is not None and list(columns) != list(names):
            raise ValueError(
                "X's columns differ from those the model was fitted on: "
                f"{list(columns)[:5]}... against {list(names)[:5]}..."
            )
        expected = self.first.n_features_in_
        if self.encoding is not None:
            return self.encoding.encode(X, expected)
        X = check_array(X, dtype=np.float64, accept_sparse=False)
        if X.shape[1] != expected:
            raise ValueError(
                f"X has {X.shape[1]} features, but the model was fitted on {expected}."
            )
        return X

    def check_method(self, method, by):
        """Refuse a gradient with respect to a table's categories."""
        if method != "integrated_gradients" and by == "column" and self.encodes_table:
            raise ValueError(
                f"method={method!r} is a gradient with respect to each input, and this "
                "model's inputs are the columns its encoder makes of the table "
                "(one-hot categories, missing-value indicators): a gradient with "
                "respect to a category of the table is not defined. Pass "
                "by='encoded' (one attribution per encoded column), or use "
                "method='integrated_gradients' (one per column of the table)."
            )

    def baseline(self, baseline, X, by="column"):
        """The baseline given (as inputs, broadcastable to the inputs ``X``),
        or the default one: the training median, or the typical row."""
        if baseline is None:
            if self.encodes_table:
                return self.encoding.typical_row()
            return self._training_median()
        if self.encodes_table and by == "column":
            return self.encoding.encode_baseline(baseline, len(X))
        given = np.shape(baseline)
        baseline = check_array(np.atleast_2d(baseline), dtype=np.float64)
        if baseline.shape[1] != X.shape[1] or baseline.shape[0] not in (1, X.shape[0]):
            where = (
                " by='encoded' takes rows of the encoded columns "
                "(encoder_.get_feature_names_out()); by='column' rows of the table."
                if self.encodes_table
                else ""
            )
            raise ValueError(
                f"baseline must have shape ({X.shape[1]},) or {X.shape}; "
                f"got {given}.{where}"
            )
        return baseline

    def gather(self, attributions, by):
        """Attributions to the inputs as asked: to the table's columns
        (``by='column'``: each column's encoded attributions added up) or to
        the inputs themselves."""
        if by == "column" and self.encodes_table:
            return self.encoding.to_columns(attributions)
        return attributions

    def _training_median(self):
        median = self.fitted.input_median
        if self.cv is None:
            for step in reversed(self.maps):
                median = None if median is None else step.inverse(median)
        if median is None:
            raise ValueError(
                "This model does not know its training rows' median (it was fitted "
                "on a sparse matrix, or before skmlp recorded it): pass baseline=, "
                "for example np.median(X_train, axis=0)."
            )
        return median

    # -- the function and its gradient -------------------------------------------
    def gradient(self, X, head):
        """``F(X)`` and ``dF/dX`` for the rows ``X``: ``(n,)``, ``(n, d)``."""
        slope = np.ones_like(X)
        for step in self.maps:
            X, step_slope = step.value_and_slope(X)
            slope = slope * step_slope
        values, grads = [], []
        for network in self.networks:
            value = []

            def output_grad(logits, value=value):
                v, g = head(logits)
                value.append(v)
                return g

            _, dZ = network.input_gradient(X, output_grad)
            # a shared-weight ensemble's value is its heads' mean
            values.append(value[0].reshape(network.heads, -1).mean(axis=0))
            grads.append(dZ)
        weights = self.fitted.weights
        return (
            np.average(values, axis=0, weights=weights),
            np.average(grads, axis=0, weights=weights) * slope,
        )

    def heads(self, X, target, output):
        """The outputs to explain, each a :class:`Head`."""
        return _heads(self, X, target, output)


def _target_map(transformer):
    """``(scale, center)`` of a TransformedTargetRegressor's target map
    ``y = output * scale + center``, or an error naming the transformer."""
    if isinstance(transformer, StandardScaler):
        scale = transformer.scale_ if transformer.scale_ is not None else 1.0
        center = transformer.mean_ if transformer.mean_ is not None else 0.0
        return scale, center
    if isinstance(transformer, FunctionTransformer) and transformer.func is None:
        return 1.0, 0.0
    raise TypeError(
        "feature_attributions goes through a TransformedTargetRegressor whose "
        f"transformer is a StandardScaler (or none); got {transformer!r}."
    )


def _cv_scaling(fitted):
    scaler = fitted.scaler
    if scaler is None:
        return None
    if isinstance(scaler, SmoothClipScaler):
        return _SmoothClip(scaler)
    return _step_map("scaler_", scaler)


def _cv_encoding(fitted, behind):
    """The CV estimator's encoder (of its :class:`FittedModel` ``fitted``) as
    an :class:`_Encoding`; None for a model fitted before it had one, and
    behind pipeline steps for an encoder that only passes numbers through
    (the inputs are then the steps' outputs, checked as numbers; a raw
    table's encoding there is refused)."""
    encoder = fitted.encoder
    if encoder is None:
        return None
    encoding = _Encoding(encoder)
    if not behind:
        return encoding
    if encoding.raw:
        raise TypeError(
            "feature_attributions goes through a CV estimator's encoding of a raw "
            "table only when the CV estimator gets the table itself: pass the "
            "pipeline's final step and the rows its other steps make."
        )
    return None


class _Encoding:
    """A CV estimator's :class:`~skmlp.preprocessing.TableEncoder`: the table
    as encoded columns (numeric ones, NaN imputed; missing-value indicators;
    each categorical column's one-hot block), the typical row among them,
    and the column of the table each of them comes from (``source``)."""

    def __init__(self, encoder):
        self.encoder = encoder
        self.raw = bool(encoder.categorical_.any() or encoder.missing_.any())
        # the encoder owns its layout: the input column of each output column
        self.source = np.array([j for j, _ in encoder._output_columns()], dtype=np.intp)

    def names(self):
        return np.asarray(self.encoder.get_feature_names_out(), dtype=object)

    def encode(self, X, expected):
        """Rows of the table as encoded columns (float64)."""
        if np.ndim(X) == 2 and np.shape(X)[1] != expected:
            raise ValueError(
                f"X has {np.shape(X)[1]} features, but the model was fitted on {expected}."
            )
        return self.encoder.transform(X)

    def encode_baseline(self, baseline, n_rows):
        """A baseline given as rows of the table, encoded."""
        given = np.shape(baseline)
        if hasattr(baseline, "to_frame") and not hasattr(baseline, "columns"):
            baseline = baseline.to_frame().T  # a row of a DataFrame, X.iloc[0]
        elif not hasattr(baseline, "columns"):
            baseline = np.asarray(baseline, dtype=object)
            baseline = baseline[None] if baseline.ndim == 1 else baseline
        d = self.encoder.n_features_in_
        shape = np.shape(baseline)
        if len(shape) != 2 or shape[1] != d or shape[0] not in (1, n_rows):
            raise ValueError(
                f"baseline must be a row of the table ({d} columns: "
                f"{list(self._table_names())[:5]}...), or one per row of X; got "
                f"shape {given}. A baseline in the encoded columns "
                f"({len(self.source)}, encoder_.get_feature_names_out()) needs "
                "by='encoded'."
            )
        return self.encoder.transform(baseline)

    def typical_row(self):
        """Each numeric column's training median (present), each categorical
        column's most frequent category, as encoded columns."""
        encoder = self.encoder
        frequent = getattr(encoder, "most_frequent_", None)
        if frequent is None:
            raise ValueError(
                "This model's encoder does not know its most frequent categories "
                "(it was fitted by an older skmlp): refit it, or pass baseline= (a "
                "row of the table)."
            )
        blocks = [encoder.medians_, np.zeros(np.count_nonzero(encoder.missing_))]
        for kept, heaviest in zip(encoder.categories_, frequent):
            blocks.append(np.array([c == heaviest for c in kept], dtype=float))
        return np.concatenate(blocks)

    def to_columns(self, attributions):
        """``(n, n_encoded)`` attributions added up onto the table's columns."""
        out = np.zeros((len(attributions), self.encoder.n_features_in_))
        np.add.at(out, (slice(None), self.source), attributions)
        return out

    def _table_names(self):
        names = getattr(self.encoder, "feature_names_in_", None)
        d = self.encoder.n_features_in_
        return names if names is not None else [f"x{j}" for j in range(d)]


class Head:
    """How logits become the explained output ``F`` and its gradient:
    ``kind`` is the link ('softmax', 'sigmoid', 'identity', 'exp'; 'logit'
    takes the logit itself), ``column`` the output (an int, or one per row),
    ``sign`` -1 for the negative class of a single-logit binary model, and
    ``scale``, ``center`` an affine map of the output (a CV regressor's
    target scaling; 0 scale for a constant output)."""

    def __init__(self, kind, column, sign=1.0, scale=1.0, center=0.0):
        self.kind, self.column, self.sign = kind, column, sign
        self.scale, self.center = scale, center

    def rows(self, rows, repeat):
        """This head for rows ``rows`` of ``X``, each repeated ``repeat`` times."""
        if np.ndim(self.column) == 0:
            return self
        column = np.repeat(self.column[rows], repeat)
        return Head(self.kind, column, self.sign, self.scale, self.center)

    def __call__(self, logits):
        logits = logits.astype(np.float64, copy=False)
        m = logits.shape[0]
        pick = (np.arange(m), np.broadcast_to(self.column, (m,)))
        grad = np.zeros_like(logits)
        if self.kind == "softmax":
            p = np.exp(logits - logits.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            value = p[pick]
            grad -= p * value[:, None]
            grad[pick] += value
            return value, grad
        z = self.sign * logits[pick]
        if self.kind == "sigmoid":
            value = expit(z)
            slope = value * (1 - value)
        elif self.kind == "exp":
            value = np.exp(z)
            slope = value
        else:  # 'identity', 'logit'
            value, slope = z, np.ones_like(z)
        grad[pick] = self.sign * self.scale * slope
        return self.scale * value + self.center, grad


def _heads(model, X, target, output):
    fitted = model.fitted
    if output not in (None, "probability", "logit"):
        raise ValueError(f"output must be 'probability' or 'logit'; got {output!r}.")
    if fitted.task != "regression":
        return _classifier_heads(model, X, target, output)
    if output is not None:
        raise ValueError(
            f"output={output!r} is for classifiers; a regressor's output is its prediction."
        )
    n_outputs = model.networks[0].output.W.shape[-1]
    columns = _output_columns(target, n_outputs)
    kind = "exp" if fitted.out_activation == "exp" else "identity"
    scale = np.broadcast_to(model.scale, (n_outputs,))
    center = np.broadcast_to(model.center, (n_outputs,))
    constant = model.constant
    heads = []
    for c in columns:
        fixed = constant is not None and not np.isnan(np.ravel(constant)[c])
        value = np.ravel(constant)[c] if fixed else center[c]
        heads.append(Head(kind, c, 1.0, 0.0 if fixed else scale[c], value))
    return heads


def _output_columns(target, n_outputs):
    if target is None:
        return list(range(n_outputs))
    if not (isinstance(target, (int, np.integer)) and 0 <= target < n_outputs):
        raise ValueError(
            f"target must be an output's index, 0 to {n_outputs - 1}; got {target!r}."
        )
    return [int(target)]


def _classifier_heads(model, X, target, output):
    fitted = model.fitted
    link = fitted.out_activation
    if output is None:
        output = "logit" if link == "identity" else "probability"
    if output == "probability" and link == "identity":
        raise ValueError(
            "loss='hinge' gives no probabilities: use output='logit' (its score)."
        )
    if fitted.task == "multilabel":
        labels = _output_columns(target, len(fitted.classes))
        kind = "sigmoid" if output == "probability" else "logit"
        return [Head(kind, c) for c in labels]
    classes = list(fitted.classes)
    if target is not None and target not in classes:
        raise ValueError(f"target must be one of the classes {classes}; got {target!r}.")
    if fitted.task == "binary":
        positive = target is None or target == classes[1]
        kind = "sigmoid" if output == "probability" else "logit"
        return [Head(kind, 0, 1.0 if positive else -1.0)]
    if target is None:  # each row's predicted class
        column = np.searchsorted(fitted.classes, model.estimator.predict(X))
    else:
        column = classes.index(target)
    return [Head("softmax" if output == "probability" else "logit", column)]
