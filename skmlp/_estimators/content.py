"""Keys by content: a hashable key equal for two values exactly when their
contents are equal. Fits that may share their prepared data (the estimators)
and candidates that may share a fold's preprocessing or train together (the
searches) are recognised by it."""

import numpy as np


def content_key(value):
    """A hashable key equal for two values exactly when their contents are
    equal: arrays and pandas objects by their values (``repr`` abbreviates
    NumPy arrays over 1000 elements and pandas indexes over 100 items, so two
    gene panels could look alike), estimators by their type and parameters,
    containers item by item. Any other object is its own key: two objects that
    cannot be compared reliably are never taken for equal."""
    if value is None or isinstance(value, (bool, int, float, complex, str, bytes)):
        return (type(value).__name__, value)
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(content_key(item) for item in value))
    if isinstance(value, dict):
        items = sorted((repr(k), content_key(v)) for k, v in value.items())
        return ("dict", tuple(items))
    if isinstance(value, slice):
        return ("slice", content_key((value.start, value.stop, value.step)))
    if hasattr(value, "get_params") and not isinstance(value, type):
        return (_qualified(type(value)), content_key(value.get_params(deep=False)))
    array = _as_array(value)
    if array is not None:
        labels = [getattr(value, name, None) for name in ("index", "columns")]
        return (_qualified(type(value)), *_array_key(array), content_key(labels))
    return ("object", id(value))


def _qualified(cls):
    return f"{cls.__module__}.{cls.__qualname__}"


def _as_array(value):
    """``value``'s values as a NumPy array (NumPy arrays and scalars, pandas
    objects), or ``None`` for anything else."""
    if isinstance(value, (np.ndarray, np.generic)):
        return np.asarray(value)
    if type(value).__module__.startswith("pandas") and hasattr(value, "to_numpy"):
        return value.to_numpy()
    return None


def _array_key(array):
    if array.dtype.kind == "O":
        return array.shape, "O", content_key(array.ravel().tolist())
    return array.shape, array.dtype.str, array.tobytes()
