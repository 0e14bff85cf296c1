"""Gathering by a fixed index buffer: ``torch.index_select(x, dim, index)`` and ``table[index]``.

Swin's relative-position bias is ``table[relative_position_index]``: a
``(169, heads)`` parameter gathered by a buffer of 2401 indices into
``(2401, heads)``.  Only the number of indices changes a shape, so the layer
takes that count (``size``), not the indices: their values (and whether they are
in range, which PyTorch checks when it runs) are not known to convcalc.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..core import params as A
from ..core.context import Ctx
from ..core.types import LayerOut, Shape, keeps_batch_after
from .base import Layer
from .registry import register
from .tensor import sample_axis


@register
class IndexSelect(Layer):
    """``torch.index_select(x, axis, index)`` with an index of ``size`` entries: that axis becomes ``size``
    long.  Axis 1 is the first axis of a sample, and of a ``parameter`` (which has no batch axis), so
    ``index_select: {axis: 1, size: 2401}`` on a parameter is PyTorch's ``table[index]``."""

    kind = "index_select"
    family = "tensor"
    drawing = "flat"
    doc = ("torch.index_select(x, axis, index) / table[index] with a fixed index of `size` entries "
           "(batch is axis 0; on a parameter axis 1 is table[index]): the axis becomes `size` long.")
    params = (
        A.Param("axis", A.INTEGER, aliases=("dim",)),
        A.Param("size", A.POSITIVE, aliases=("index_size",),
                doc="the number of indices (their values are not needed, nor checked)"),
    )
    order = ("axis", "size")

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        x = inputs[0]
        i = sample_axis(a["axis"], x, "index_select axis")
        ctx.note(f"axis {i + 1}", "{n} entries gathered from {m} by a fixed index (its values, and whether "
                 "each is below {m}, convcalc does not know)", n=a["size"], m=x[i])
        return LayerOut((*x[:i], a["size"], *x[i + 1 :]), batch_axis=keeps_batch_after(i))
