"""Safe persistence with skops: save fitted models, load only trusted types.

Pickle and joblib round-trip skmlp estimators exactly, but loading a pickle
runs arbitrary code. skops' format stores the objects' data instead, and
:func:`load` accepts a file only when every type in it that skops does not
already trust is one of skmlp's own (:data:`TRUSTED_TYPES`, derived from the
estimators and the loss and optimizer registries); a file holding any other
type is refused. skops is an optional dependency
(``pip install "skmlp[cli]"``).
"""

import copy
import zipfile

from ._estimators.classifier import MLPClassifier
from ._estimators.multilabel import MultiLabelMLP
from ._estimators.regressor import MLPRegressor
from ._legacy_paths import old_names
from ._tuned import MLPClassifierCV, MLPRegressorCV, MultiLabelMLPCV
from .nn.losses import LOSSES
from .nn.network import Network
from .nn.optimizers import OPTIMIZERS
from .preprocessing import SmoothClipScaler, TableEncoder
from .training.state import TrainingState


def _qualified_name(cls):
    return f"{cls.__module__}.{cls.__qualname__}"


#: What a fitted model holds: the estimators, their network and training state,
#: and every loss and optimizer in the registries (a new one is trusted as soon
#: as it is registered); each by its name, and a class that moved also by the
#: names it had in files saved before (``skmlp._classifier.MLPClassifier``).
TRUSTED_TYPES = sorted(
    name
    for cls in [
        MLPClassifier,
        MLPRegressor,
        MultiLabelMLP,
        MLPClassifierCV,
        MLPRegressorCV,
        MultiLabelMLPCV,
        SmoothClipScaler,
        TableEncoder,
        Network,
        TrainingState,
        *LOSSES.values(),
        *OPTIMIZERS.values(),
    ]
    for name in [_qualified_name(cls), *old_names(cls)]
)


def _skops():
    try:
        import skops.io
    except ImportError as error:
        raise ImportError(
            "Saving and loading models needs skops: pip install 'skmlp[cli]' (or skops)."
        ) from error
    return skops.io


def _without_callbacks(obj, seen=None):
    """Drop scikit-learn callbacks (set with ``set_callbacks``) from a copy:
    they are run-time observers, not part of the model, and not skmlp's types."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if isinstance(obj, dict):
        children = obj.values()
    elif isinstance(obj, (list, tuple)):
        children = obj
    elif hasattr(obj, "get_params"):
        obj.__dict__.pop("_skl_callbacks", None)
        children = vars(obj).values()
    else:
        return
    for child in children:
        _without_callbacks(child, seen)


def dump(model, file):
    """Save ``model`` (an estimator, a pipeline holding one, or a dict of them)
    to ``file``; callbacks set on the estimators are left out."""
    model = copy.deepcopy(model)
    _without_callbacks(model)
    # deflated: skops writes every number of the histories as its own JSON
    # node, which compresses about tenfold
    _skops().dump(model, file, compression=zipfile.ZIP_DEFLATED)


def untrusted_types(file):
    """Types in ``file`` that neither skops nor skmlp vouches for."""
    return [t for t in _skops().get_untrusted_types(file=file) if t not in TRUSTED_TYPES]


def load(file):
    """Load a model saved by :func:`dump`, refusing files with unknown types.

    Raises
    ------
    ValueError
        If the file holds a type that is neither trusted by skops by default
        nor one of :data:`TRUSTED_TYPES`.
    """
    sio = _skops()
    unknown = untrusted_types(file)
    if unknown:
        raise ValueError(
            f"Refusing to load {file}: it holds types that are not skmlp's and that "
            f"skops does not trust: {unknown}."
        )
    return sio.load(file, trusted=sio.get_untrusted_types(file=file))
