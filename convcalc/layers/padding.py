"""PyTorch's padding modules: Reflection, Replication, Constant and Circular, 1d/2d/3d.

They pad the last 1, 2 or 3 axes (as ``F.pad`` does, whatever the layout), by
an int or PyTorch's flat tuple, last axis first ``(left, right, top, bottom,
front, back)``; negative amounts crop.  PyTorch's checks, found before a run:
reflection needs each amount below the input size (a mirror cannot repeat an
edge), circular at most the input size (it wraps around once), and every
output size is at least 1.  Reflection, replication and circular take a
sample of ``rank`` or ``rank + 1`` axes (PyTorch's unbatched and batched
forms); constant padding any sample of at least ``rank`` axes.  No
parameters, no MACs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from ..arith import formulas as F
from ..arith import num
from ..core import params as A
from ..core.context import Ctx
from ..core.types import AXIS_NAMES, LayerOut, Shape, Window, fmt_shape
from ..errors import SpecError
from .base import Layer
from .common import per_rank
from .registry import register
from .shape import SIDES


class _Pad(Layer):
    family = "reshaping"
    ranks = (1, 2, 3)
    params: ClassVar[tuple[A.Param, ...]] = (A.Param("padding", SIDES),)
    order = ("padding",)
    torch_order = ("padding",)
    mode: ClassVar[str]  # F.pad's mode, for messages
    # The largest amount PyTorch allows per side for an axis of n (None: any).
    limit: ClassVar[Callable[[Value], Value] | None] = None
    limit_text: ClassVar[str] = ""

    def infer_rank(self, shape: Shape) -> int | None:
        raise SpecError(f"{self.kind} needs its rank in the name ({self.kind}1d, {self.kind}2d or "
                        f"{self.kind}3d): PyTorch pads the last 1, 2 or 3 axes", code="rank-needed")

    def check_rank(self, shape: Shape, rank: int | None, type_name: str) -> None:
        assert rank is not None
        if len(shape) not in self.sample_ranks(rank):
            names = ", ".join(("C", *AXIS_NAMES[rank]))
            allowed = " or ".join(str(r) for r in self.sample_ranks(rank))
            raise SpecError(f"{type_name} pads the last {rank} ax{'i' if rank == 1 else 'e'}s of a sample of "
                            f"{allowed} axes ({names}, without the batch axis), but got {fmt_shape(shape)}",
                            code="wrong-rank")

    def sample_ranks(self, rank: int) -> Sequence[int]:
        return (rank, rank + 1)

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        x = inputs[0]
        rank = ctx.rank or 1
        pairs = a["padding"]
        lead, padded = x[: len(x) - rank], x[len(x) - rank :]
        out = []
        for i, (n, (before, after)) in enumerate(zip(padded, pairs, strict=True)):
            name = AXIS_NAMES[rank][i]
            self.check_amounts(ctx, n, before, after, name)
            size = ctx.step(name, F.PAD_OUT, n=n, pl=before, pr=after)
            ctx.at_least(size, 1, lambda size=size, n=n, name=name, before=before, after=after: (
                f"padding {num.fmt(before)}+{num.fmt(after)} on axis {name} leaves {num.fmt(size)} of "
                f"{num.fmt(n)}; it must be at least 1"))
            out.append(size)
        windows = tuple(Window(1, 1, before) for before, _ in pairs) if len(lead) == 1 else None
        return LayerOut((*lead, *out), windows=windows)

    def check_amounts(self, ctx: Ctx, n: Value, before: Value, after: Value, name: str) -> None:
        limit = type(self).limit
        if limit is None:
            return
        for amount in (before, after):
            if num.is_int(amount) and amount <= 0:
                continue
            ctx.at_least(limit(n), amount, lambda amount=amount: (
                f"{self.mode} padding {num.fmt(before)}, {num.fmt(after)} on axis {name} of size "
                f"{num.fmt(n)}: PyTorch needs each amount {self.limit_text} the input size"))


Value = num.Value


@register
class ReflectionPad(_Pad):
    """Mirror padding without repeating the edge: each amount must be below the input size."""

    kind = "reflection_pad"
    doc = "Reflection (mirror) padding of the last axes; each amount < the input size (PyTorch's check)."
    torch = per_rank("ReflectionPad{}d")
    mode = "reflection"
    limit = staticmethod(lambda n: n - 1)
    limit_text = "below"


@register
class ReplicationPad(_Pad):
    """Edge padding: any amount."""

    kind = "replication_pad"
    doc = "Replication (edge) padding of the last axes."
    torch = per_rank("ReplicationPad{}d")
    mode = "replication"


@register
class CircularPad(_Pad):
    """Wrap-around padding: each amount at most the input size (it wraps once)."""

    kind = "circular_pad"
    doc = "Circular (wrap-around) padding of the last axes; each amount <= the input size (PyTorch's check)."
    torch = per_rank("CircularPad{}d")
    mode = "circular"
    limit = staticmethod(lambda n: n)
    limit_text = "at most"


@register
class ConstantPad(_Pad):
    """Padding with a constant ``value`` (any amount; negative crops)."""

    kind = "constant_pad"
    doc = "Constant padding of the last axes (PyTorch's ConstantPad; value has no shape effect)."
    params = (A.Param("padding", SIDES), A.Param("value", A.RAW, 0, doc="no shape effect"))
    order = ("padding", "value")
    torch = per_rank("ConstantPad{}d")
    torch_order = ("padding", "value")
    mode = "constant"

    def sample_ranks(self, rank: int) -> Sequence[int]:
        return range(rank, 64)

    def check_rank(self, shape: Shape, rank: int | None, type_name: str) -> None:
        assert rank is not None
        if len(shape) < rank:
            raise SpecError(f"{type_name} pads the last {rank} axes, but the sample {fmt_shape(shape)} has "
                            f"{len(shape)}: PyTorch would pad the batch axis", code="wrong-rank")
