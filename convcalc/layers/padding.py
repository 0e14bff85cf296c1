"""PyTorch's padding modules: Reflection, Replication, Constant and Circular, 1d/2d/3d.

They pad the last 1, 2 or 3 axes (as ``F.pad`` does, whatever the layout), by
an int or PyTorch's flat tuple, last axis first ``(left, right, top, bottom,
front, back)``, or per-axis [before, after] pairs; negative amounts crop.  As
in PyTorch, a tuple of 2·k amounts pads the last k axes whatever the class's
rank; reflection, replication and circular padding then take a sample of k
or k + 1 axes (PyTorch's unbatched and batched forms), constant padding any
sample of at least k axes.  PyTorch's checks, found before a run: reflection
needs each amount below the input size (a mirror cannot repeat an edge),
circular at most the input size (it wraps around once), and every output
size is at least 1.  Without a rank in the name (``reflection_pad``) the rank
is the input's spatial one, as for ``conv``.  No parameters, no MACs.
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
from ..spec.model import split_axes
from .base import Layer
from .common import per_rank
from .registry import register

Value = num.Value


def _amounts(raw: Any, ctx: Ctx, what: str) -> tuple[tuple[Any, Any], ...]:
    """(before, after) per padded axis, first to last, from PyTorch's spellings: an int for every side, or
    the flat tuple ``(left, right, top, bottom, …)``, last axis first, of up to ``2·rank`` amounts (a
    shorter one pads only the last axes, as ``F.pad`` does); also ``rank`` [before, after] pairs."""
    rank = ctx.rank or 1
    raw = split_axes(raw)
    if not isinstance(raw, list | tuple):
        v = A.INTEGER(raw, ctx, what)
        return ((v, v),) * rank
    items = list(raw)
    if items and all(isinstance(r, list | tuple) for r in items):
        if len(items) != rank or any(len(r) != 2 for r in items):
            raise SpecError(f"{what} {items} must be {rank} [before, after] pair{'s' if rank > 1 else ''}",
                            code="bad-padding")
        return tuple((A.INTEGER(b, ctx, what), A.INTEGER(e, ctx, what)) for b, e in items)
    if not items or len(items) % 2 or len(items) > 2 * rank:
        raise SpecError(f"{what} {items} must be an int or PyTorch's flat tuple of 2 amounts per axis, last "
                        f"axis first (up to {2 * rank} here)", code="bad-padding")
    vals = [A.INTEGER(r, ctx, what) for r in items]
    pairs = [(vals[2 * j], vals[2 * j + 1]) for j in range(len(vals) // 2)]
    return tuple(reversed(pairs))


AMOUNTS = A.Kind("int|PyTorch flat tuple|[[before,after],..]", _amounts,
                 {"anyOf": [{"type": "integer"}, {"type": "string"}, {"type": "array"}]})


class _Pad(Layer):
    family = "reshaping"
    ranks = (1, 2, 3)
    params: ClassVar[tuple[A.Param, ...]] = (A.Param("padding", AMOUNTS),)
    order = ("padding",)
    torch_order = ("padding",)
    mode: ClassVar[str]  # F.pad's mode, for messages
    # The largest amount PyTorch allows per side for an axis of n (None: any).
    limit: ClassVar[Callable[[Value], Value] | None] = None
    limit_text: ClassVar[str] = ""

    def check_rank(self, shape: Shape, rank: int | None, type_name: str) -> None:
        """Checked in :meth:`infer`: the padding's length, not the class name, says how many axes it pads."""

    def sample_ranks(self, padded: int) -> Sequence[int]:
        """PyTorch's unbatched and batched forms: the padded axes and one more (channels)."""
        return (padded, padded + 1)

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        x = inputs[0]
        pairs = a["padding"]
        rank = len(pairs)  # an int stands for every axis of the class's rank; a tuple pads len/2 axes
        axis_names = AXIS_NAMES[max(ctx.rank or rank, rank)][-rank:]
        if len(x) not in self.sample_ranks(rank):
            names = ", ".join(("C", *axis_names))
            allowed = " or ".join(str(r) for r in self.sample_ranks(rank)[:2])
            more = " or more" if len(self.sample_ranks(rank)) > 2 else ""
            raise SpecError(f"{self.kind}{ctx.rank}d with {2 * rank} padding amounts pads the last {rank} "
                            f"ax{'i' if rank == 1 else 'e'}s of a sample of {allowed}{more} axes ({names}, "
                            f"without the batch axis), but got {fmt_shape(x)}", code="wrong-rank")
        lead, padded = x[: len(x) - rank], x[len(x) - rank :]
        out = []
        for i, (n, (before, after)) in enumerate(zip(padded, pairs, strict=True)):
            name = axis_names[i]
            self.check_amounts(ctx, n, before, after, name)
            size = ctx.step(name, F.PAD_OUT, n=n, pl=before, pr=after)
            ctx.at_least(size, 1, lambda size=size, n=n, name=name, before=before, after=after: (
                f"padding {num.fmt(before)}+{num.fmt(after)} on axis {name} leaves {num.fmt(size)} of "
                f"{num.fmt(n)}; it must be at least 1"), code="size-below-1")
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
                f"{num.fmt(n)}: PyTorch needs each amount {self.limit_text} the input size"),
                code="bad-padding")



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
    params = (A.Param("padding", AMOUNTS), A.Param("value", A.RAW, 0, doc="no shape effect"))
    order = ("padding", "value")
    torch = per_rank("ConstantPad{}d")
    torch_order = ("padding", "value")
    mode = "constant"

    def sample_ranks(self, padded: int) -> Sequence[int]:
        """Any sample with at least the padded axes (fewer would pad the batch axis)."""
        return range(padded, padded + 64)
