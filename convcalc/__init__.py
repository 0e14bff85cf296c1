"""convcalc: exact output shapes and parameter counts of layer stacks, as PyTorch or Keras computes them.

>>> import convcalc
>>> r = convcalc.analyze("1x28x28 | conv(32,5) | maxpool(2) | flatten | dense(10)")
>>> r.output, r.total_params
((10,), 46922)
"""

from __future__ import annotations

from .api import analyze, load
from .core.result import LayerResult, Result
from .errors import ConvcalcError, SpecError

__version__ = "0.1.0"
__all__ = ["ConvcalcError", "LayerResult", "Result", "SpecError", "__version__", "analyze", "load"]
