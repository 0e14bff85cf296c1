"""The layer catalogue: one module per family, one class per type.

The family modules (listed in :mod:`.catalogue`) are loaded when a name they
spell is first looked up; :func:`load_all` loads them all, and ``REGISTRY``
read from here or from :mod:`.registry` is complete.
"""

from .base import Layer
from .registry import Resolved, all_names, load_all, lookup, normalize, register

__all__ = ["REGISTRY", "Layer", "Resolved", "all_names", "load_all", "lookup", "normalize", "register"]


def __getattr__(name: str) -> object:
    if name == "REGISTRY":
        return load_all()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
