"""Input checks for prediction, with a fast path for plain NumPy arrays."""

import numpy as np
from sklearn import get_config
from sklearn.utils.validation import validate_data


def check_predict_input(estimator, X, dtype):
    """``validate_data(estimator, X, reset=False)`` for prediction, as ``dtype``.

    A 2-D ``numpy.ndarray`` already in ``dtype``, with the
    fitted number of features, given to an estimator fitted without feature
    names, only needs its values checked: that array is returned as it is
    once it is known to be finite (or ``assume_finite`` is set). Everything
    else, and every input that fails a check, goes through scikit-learn's
    ``validate_data``, which converts it or raises the usual errors.
    scikit-learn's generic checks cost 0.1-0.3 ms per call (dataframe-library
    detection, namespaces, attribute introspection), as much as the whole
    forward pass on small inputs.
    """
    if _plain_array(estimator, X, dtype) and (
        get_config()["assume_finite"] or np.isfinite(X).all()
    ):
        return X
    return validate_data(
        estimator, X, accept_sparse=estimator._accept_sparse(), reset=False, dtype=dtype
    )


def _plain_array(estimator, X, dtype):
    return (
        type(X) is np.ndarray
        and X.ndim == 2
        and X.dtype == dtype
        and X.shape[0] > 0
        and X.shape[1] == getattr(estimator, "n_features_in_", None)
        and not hasattr(estimator, "feature_names_in_")
    )
