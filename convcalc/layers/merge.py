"""Merge layers: several tensors in, one out (SPEC §5).

Element-wise merges (add, subtract, multiply, average, maximum, minimum)
broadcast as the frameworks do: two sizes agree when they are equal or one
of them is 1.  Keras aligns shapes of different rank on the right (its
merge layers expand the shorter one after the batch axis); PyTorch tensors
all carry the batch axis, so their ranks must match.  ``concat`` joins
along one axis; every other axis must match exactly (``torch.cat`` and
Keras's ``Concatenate`` do not broadcast).  Axis numbers count the batch
axis as 0, negatives count from the end, as in both frameworks.

None of these has weights; PyTorch has no module classes for them
(``torch.add``/``torch.cat`` are functions), so they go by convcalc's names
and Keras's class names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from ..arith import formulas as F
from ..arith import num
from ..core import params as A
from ..core.context import Ctx
from ..core.types import LayerOut, Shape, fmt_shape, keeps_batch_after
from ..errors import SpecError
from .base import Layer
from .common import axis_index
from .registry import register

Value = num.Value


def _shapes_text(inputs: Sequence[Shape]) -> str:
    return " and ".join(fmt_shape(s) for s in inputs)


def _count_inputs(kind: str, inputs: Sequence[Shape], exactly: int | None) -> None:
    n = len(inputs)
    if exactly is not None and n != exactly:
        raise SpecError(f"{kind} takes exactly {exactly} tensors, but `from` names {n}",
                        code="wrong-input-count")
    if n < 2:
        raise SpecError(f"{kind} merges at least 2 tensors, but `from` names {n} "
                        f"(write e.g. `from: [-1, skip]`)", code="wrong-input-count")


def broadcast(ctx: Ctx, kind: str, inputs: Sequence[Shape]) -> Shape:
    """The broadcast shape of ``inputs`` (no batch axis), or an error naming the axis.

    A tensor without a batch axis (a ``parameter``) may have fewer axes in PyTorch too: it aligns on
    the right, as ``torch`` broadcasts a module's own tensor against a batch.
    """
    ranks = {len(s) for s in inputs}
    if len(ranks) > 1 and not ctx.keras:
        batchless = ctx.batchless if len(ctx.batchless) == len(inputs) else (False,) * len(inputs)
        widest = max(ranks)
        if any(len(s) < widest and not free for s, free in zip(inputs, batchless, strict=True)):
            raise SpecError(
                f"{kind}: shapes {_shapes_text(inputs)} have different numbers of axes; PyTorch tensors "
                "all carry the batch axis, so broadcasting would pair it with a feature axis "
                "(reshape one of them first)", code="rank-mismatch"
            )
    return broadcast_dims(ctx, kind, inputs, inputs)


def broadcast_dims(ctx: Ctx, kind: str, dims: Sequence[Sequence[Value]], shown: Sequence[Shape]) -> Shape:
    """Sizes broadcast as NumPy and both frameworks do: aligned on the right, equal or 1 (``shown``:
    the shapes an error names)."""
    out = list(dims[0])
    for other in dims[1:]:
        if len(other) > len(out):
            out = [*other[: len(other) - len(out)], *out]
        width = len(out)
        for j, b in enumerate(other):
            i = width - len(other) + j
            out[i] = _broadcast_dim(ctx, kind, shown, out[i], b, i + 1)
    return tuple(out)


def _broadcast_dim(ctx: Ctx, kind: str, inputs: Sequence[Shape], a: Value, b: Value, axis: int) -> Value:
    def message() -> str:
        return (f"{kind}: shapes {_shapes_text(inputs)} do not agree on axis {axis} "
                f"({num.fmt(a)} vs {num.fmt(b)}; sizes must be equal or 1; the batch axis is 0)")

    if num.is_int(a) and num.is_int(b):
        if a == b or b == 1:
            return a
        if a == 1:
            return b
        raise SpecError(message(), code="shape-mismatch")
    if a == b or b == 1:
        return a
    if a == 1:
        return b
    sympy = num.sympy_module()
    verdict = num.resolve(sympy.Eq(a, b))
    if verdict is True:
        return a
    # Equal, or one of them is 1 (then the other wins): both cases are max(a, b).
    ctx.require(sympy.Or(sympy.Eq(a, b), sympy.Eq(a, 1), sympy.Eq(b, 1)), message(), code="shape-mismatch")
    return num.maximum(a, b)


def _agreement(inputs: Sequence[Shape], back: int, size: Value) -> str:
    """``16, 16 equal → 16``, ``1, 8 → 8 (size 1 stretches)``: how the inputs agree on one axis (``back``:
    counted from the right, where shapes align)."""
    sizes = [s[-back] if back <= len(s) else None for s in inputs]
    text = ", ".join("(none)" if d is None else num.fmt(d) for d in sizes)
    if all(d is not None and num.fmt(d) == num.fmt(size) for d in sizes):
        return f"{text} equal → {num.fmt(size)}"
    why = "a missing axis" if None in sizes else "size 1"
    return f"{text} → {num.fmt(size)} ({why} stretches)"


class _Elementwise(Layer):
    family = "merge"
    drawing = "merge"
    multi_input = True
    exactly: ClassVar[int | None] = None
    params = ()
    keras_sig = "**"

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        _count_inputs(self.kind, inputs, self.exactly)
        out = broadcast(ctx, self.kind, inputs)
        for i, size in enumerate(out):
            ctx.note(f"axis {i + 1}", _agreement(inputs, len(out) - i, size))
        return LayerOut(out)


@register
class Add(_Elementwise):
    kind = "add"
    doc = "Element-wise sum of 2 or more tensors (broadcasting size-1 axes)."
    glyph = "+"
    keras = {"Add": None}


@register
class Subtract(_Elementwise):
    kind = "subtract"
    doc = "Element-wise difference of exactly 2 tensors (broadcasting size-1 axes)."
    glyph = "−"
    keras = {"Subtract": None}
    exactly = 2


@register
class Multiply(_Elementwise):
    kind = "multiply"
    doc = "Element-wise product of 2 or more tensors (broadcasting size-1 axes), e.g. attention gates."
    glyph = "×"
    keras = {"Multiply": None}


@register
class Average(_Elementwise):
    kind = "average"
    doc = "Element-wise mean of 2 or more tensors (broadcasting size-1 axes)."
    glyph = "avg"
    keras = {"Average": None}


@register
class Maximum(_Elementwise):
    kind = "maximum"
    doc = "Element-wise maximum of 2 or more tensors (broadcasting size-1 axes)."
    glyph = "max"
    keras = {"Maximum": None}


@register
class Minimum(_Elementwise):
    kind = "minimum"
    doc = "Element-wise minimum of 2 or more tensors (broadcasting size-1 axes)."
    glyph = "min"
    keras = {"Minimum": None}


def concat_shapes(ctx: Ctx, kind: str, inputs: Sequence[Shape], axis: Any) -> Shape:
    """Join along ``axis`` (batch axis = 0); every other axis must match exactly."""
    ranks = {len(s) for s in inputs}
    if len(ranks) > 1:
        raise SpecError(f"{kind}: shapes {_shapes_text(inputs)} have different numbers of axes; "
                        "concatenation needs tensors of the same rank", code="shape-mismatch")
    first = inputs[0]
    i = axis_index(axis, len(first), f"{kind} axis")
    if i < 0:
        raise SpecError(f"{kind}: axis {axis} is the batch axis; convcalc describes one sample",
                        code="bad-axis")
    for other in inputs[1:]:
        for j, (a, b) in enumerate(zip(first, other, strict=True)):
            if j == i:
                continue
            ctx.equal(a, b, lambda a=a, b=b, j=j: (
                f"{kind}: shapes {_shapes_text(inputs)} do not agree on axis {j + 1} "
                f"({num.fmt(a)} vs {num.fmt(b)}); only the concatenation axis {i + 1} may differ "
                "(the batch axis is 0)"), code="shape-mismatch")
    sizes = [s[i] for s in inputs]
    along = F.sum_of(len(sizes), "out", "sizes along the axis")
    total = ctx.step(f"axis {i + 1}", along, **F.product_env(sizes))
    return (*first[:i], total, *first[i + 1 :])


@register
class Concat(Layer):
    kind = "concat"
    family = "merge"
    drawing = "merge"
    doc = ("Join 2 or more tensors along `axis` (default: the channel axis; the batch axis is 0, "
           "negatives count from the end); other axes must match.")
    aliases = ("cat",)
    multi_input = True
    params = (A.Param("axis", A.optional(A.INTEGER), None, doc="default: the channel axis"),)
    order = ("axis",)

    def default_axis(self, ctx: Ctx) -> int:
        return -1 if ctx.channels_last else 1

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        _count_inputs(self.kind, inputs, None)
        axis = a["axis"] if a["axis"] is not None else self.default_axis(ctx)
        out = concat_shapes(ctx, self.kind, inputs, axis)
        return LayerOut(out, batch_axis=keeps_batch_after(axis_index(axis, len(out), "axis")))


@register
class Concatenate(Concat):
    """Keras's class: its axis defaults to -1 whatever the layout."""

    kind = "concatenate"
    doc = "Keras's Concatenate: like concat, but `axis` defaults to -1 (the last axis)."
    aliases = ()
    keras = {"Concatenate": None}
    keras_sig = "axis, **"

    def default_axis(self, ctx: Ctx) -> int:
        return -1
