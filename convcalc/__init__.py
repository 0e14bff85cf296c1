"""convcalc: exact output shapes and parameter counts of layer stacks, as PyTorch or Keras computes them.

>>> import convcalc
>>> r = convcalc.analyze("1x28x28 | conv(32,5) | maxpool(2) | flatten | dense(10)")
>>> r.output, r.total_params
((10,), 46922)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import ConvcalcError, SpecError

if TYPE_CHECKING:  # pragma: no cover
    from .api import analyze, load
    from .core.result import LayerResult, Result

__version__ = "0.1.0"
__all__ = ["ConvcalcError", "LayerResult", "Result", "SpecError", "__version__", "analyze", "load"]
_LAZY = {"analyze": "api", "load": "api", "LayerResult": "core.result", "Result": "core.result"}


def __getattr__(name: str) -> Any:
    """``convcalc.analyze`` & co., imported when first asked for: ``import convcalc.errors`` (or the
    command's own modules) need not import the whole engine."""
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f"{__name__}.{_LAZY[name]}"), name)
    globals()[name] = value
    return value
