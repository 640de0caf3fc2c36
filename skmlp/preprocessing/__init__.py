"""Input scaling for networks: robust scaling followed by a smooth clip
(:class:`SmoothClipScaler`); and the encoding of raw tables (missing values,
categories) in front of it (:class:`TableEncoder`). One module each."""

from .smooth_clip import SmoothClipScaler
from .table_encoder import TableEncoder, raw_table_checks  # noqa: F401 - for the CV estimators

__all__ = ["SmoothClipScaler", "TableEncoder"]
