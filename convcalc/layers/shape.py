"""Layers that only rearrange: flatten (and, in the catalogue, reshape & co.)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .. import args as A
from .. import num
from ..errors import SpecError
from .base import Ctx, Layer, LayerOut, Shape, fmt_shape, register
from .conv import DATA_FORMAT


def axis_index(axis: Any, ndim: int, what: str) -> int:
    """An axis number counting the batch axis as 0 (negatives from the end) -> index without batch."""
    if not num.is_int(axis):
        raise SpecError(f"{what} must be a number, not {num.fmt(axis)}")
    full = ndim + 1
    index = axis if axis >= 0 else full + axis
    if not 0 <= index < full:
        raise SpecError(
            f"{what} {axis} is out of range for a tensor of {ndim} axes plus the batch axis "
            f"(valid: {-full} to {full - 1})"
        )
    return index - 1


@register
class Flatten(Layer):
    kind = "flatten"
    family = "reshaping"
    doc = "Merge axes start_dim..end_dim into one (batch axis is 0)."
    params = (
        A.Param("start_dim", A.INTEGER, 1),
        A.Param("end_dim", A.INTEGER, -1),
        DATA_FORMAT,
    )
    order = ("start_dim", "end_dim")
    torch = {"Flatten": None}
    torch_order = ("start_dim", "end_dim")
    keras = {"Flatten": None}
    keras_order = ("data_format",)

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        x = inputs[0]
        start = axis_index(a["start_dim"], len(x), "start_dim")
        end = axis_index(a["end_dim"], len(x), "end_dim")
        if start < 0:
            raise SpecError("flatten with start_dim 0 would merge the batch axis; convcalc keeps it")
        if end < start:
            raise SpecError(f"flatten: end_dim {a['end_dim']} comes before start_dim {a['start_dim']} "
                            f"for input {fmt_shape(x)}")
        return LayerOut((*x[:start], num.prod(x[start : end + 1]), *x[end + 1 :]))
