"""The layer catalogue: one module per family, one class per type.

Importing this package registers every type (:mod:`.catalogue` lists the
family modules), so :func:`lookup` and :data:`REGISTRY` are complete for
whoever imports them from here or from :mod:`.registry`.
"""

from . import catalogue  # noqa: F401  (registers every family module)
from .base import Layer
from .registry import REGISTRY, Resolved, all_names, lookup, normalize, register

__all__ = ["REGISTRY", "Layer", "Resolved", "all_names", "lookup", "normalize", "register"]
