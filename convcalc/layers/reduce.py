"""Reductions over axes: ``mean``, ``sum``, ``amax``, ``amin`` (``x.mean(dim, keepdim)`` and kin).

The reduced axes are dropped, or kept with size 1 with ``keepdims``; axis
numbers count the batch axis as 0 (negatives from the end), and the batch axis
is never reduced (convcalc describes one sample).  No parameters; MACs are 0
(additions and comparisons, not multiply-accumulates).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..core import params as A
from ..core.context import Ctx
from ..core.types import LayerOut, Shape, keeps_batch_after
from ..errors import SpecError
from ..spec.model import split_axes
from .base import Layer
from .registry import register
from .tensor import sample_axis


def _axes(raw: Any, ctx: Ctx, what: str) -> tuple[Any, ...]:
    raw = split_axes(raw)
    items = list(raw) if isinstance(raw, list | tuple) else [raw]
    if not items:
        raise SpecError(f"{what} must name at least one axis", code="reduce-axes")
    return tuple(A.INTEGER(r, ctx, what) for r in items)


AXES = A.Kind("int|[int,..]", _axes, {"anyOf": [{"type": "integer"}, {"type": "string"}, {"type": "array"}]},
              listing=True)


class _Reduce(Layer):
    family = "tensor"
    drawing = "other"
    params = (
        A.Param("axis", AXES, aliases=("dim", "axes")),
        A.Param("keepdims", A.BOOL, False, aliases=("keepdim",)),
    )
    order = ("axis", "keepdims")

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        x = inputs[0]
        axes = [sample_axis(ax, x, f"{self.kind} axis") for ax in a["axis"]]
        if len(set(axes)) != len(axes):
            raise SpecError(f"{self.kind}: axis {list(a['axis'])} names an axis twice (PyTorch: 'appears "
                            "multiple times in the list of dims')", code="duplicate-axis")
        ctx.note("reduced", ", ".join(f"axis {i + 1} ({{n_{i}}})" for i in sorted(axes))
                 + (", kept as size 1" if a["keepdims"] else ", removed"), **{f"n_{i}": x[i] for i in axes})
        at = keeps_batch_after(min(axes))  # a batch axis second stays so when axis 1 (L) is kept
        if a["keepdims"]:
            return LayerOut(tuple(1 if i in axes else d for i, d in enumerate(x)), batch_axis=at)
        return LayerOut(tuple(d for i, d in enumerate(x) if i not in axes), batch_axis=at)


@register
class Mean(_Reduce):
    kind = "mean"
    doc = "x.mean(axis, keepdims): the average over one or more axes (batch is 0)."


@register
class Sum(_Reduce):
    kind = "sum"
    doc = "x.sum(axis, keepdims): the sum over one or more axes (batch is 0)."


@register
class Amax(_Reduce):
    kind = "amax"
    doc = "x.amax(axis, keepdims): the maximum over one or more axes (batch is 0)."


@register
class Amin(_Reduce):
    kind = "amin"
    doc = "x.amin(axis, keepdims): the minimum over one or more axes (batch is 0)."
