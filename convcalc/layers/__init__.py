"""The layer catalogue: one module per family, one class per type."""

from .base import REGISTRY, Ctx, Layer, LayerOut, Resolved, Weight, all_names, lookup, register

__all__ = ["REGISTRY", "Ctx", "Layer", "LayerOut", "Resolved", "Weight", "all_names", "lookup", "register"]
