"""PyTorch's padding modules, read exactly as PyTorch reads them.

``ZeroPad2d((1, 2))`` pads only the last axis (left 1, right 2): PyTorch's
padding is a flat tuple, last axis first, ``(left, right, top, bottom,
front, back)``, and pads as many trailing axes as it has pairs, whatever
the module's name says (``ZeroPad2d`` on a (C, D, H, W) input pads H and
W).  One int pads every side of the class's own number of axes.  Negative
entries crop.  convcalc's own ``zeropad2d`` (SPEC §2) keeps its per-axis
reading; only the exact-case class names come here.

Reflection pads need each pad smaller than the axis it pads; circular pads
at most that axis; replication pads take any size.  None has parameters.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..arith import formulas as F
from ..arith import num
from ..core import params as A
from ..core.context import Ctx
from ..core.types import LayerOut, Shape, Window, fmt_shape
from ..errors import SpecError
from ..spec.model import split_axes
from .base import Layer
from .common import per_rank
from .registry import register

# The modes beside zeros, and the largest pad each allows relative to the padded axis n.
_LIMITS = {"reflect": ("smaller than", -1), "circular": ("at most", 0)}


def _flat(raw: Any, ctx: Ctx, what: str) -> Any:
    """One size, or PyTorch's flat tuple (kept as written: the rank decides what an int means)."""
    raw = split_axes(raw)
    if isinstance(raw, list | tuple):
        if not raw or len(raw) % 2:
            raise SpecError(f"{what} {list(raw)} has {len(raw)} values; PyTorch needs pairs (left, right, "
                            "top, bottom, …, last axis first): padding length must be divisible by 2",
                            code="bad-padding")
        return tuple(A.INTEGER(r, ctx, what) for r in raw)
    return A.INTEGER(raw, ctx, what)


FLAT = A.Kind("int|(left, right, top, bottom, ..)", _flat,
              {"anyOf": [{"type": "integer"}, {"type": "string"}, {"type": "array"}]})


class _TorchPad(Layer):
    family = "reshaping"
    drawing = "other"
    ranks = (1, 2, 3)
    mode = "zeros"

    def check_rank(self, shape: Shape, rank: int | None, type_name: str) -> None:
        pass  # PyTorch pads the trailing axes of any input (checked in infer)

    def infer_rank(self, shape: Shape) -> int | None:
        return None

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        x, p = inputs[0], a["padding"]
        name = ctx.cls or self.type_name(ctx.rank)
        if ctx.channels_last:
            # PyTorch pads the trailing axes, which under channels_last end with the channels.
            raise SpecError(f"{name} pads the last axes of a channels-first tensor; under channels_last "
                            "they would include the channels: use zeropad (per axis) or Keras's "
                            "ZeroPadding1D/2D/3D", code="layout-mismatch")
        if not isinstance(p, tuple):
            if ctx.rank is None:
                raise SpecError(f"{name} with one padding size needs its rank ({self.kind}2d, …): "
                                f"PyTorch's classes pad 1, 2 or 3 axes", code="wrong-rank")
            p = (p,) * (2 * ctx.rank)
        axes = len(p) // 2
        if self.mode != "zeros":
            # F.pad's reflect/replicate/circular modes: m pairs pad an input of m or m + 1 axes (and
            # CircularPad{r}d itself checks for r or r + 1), whatever the class's rank says.
            ranks = [axes] + ([ctx.rank] if self.mode == "circular" and ctx.rank else [])
            for r in ranks:
                if axes > 3 or len(x) not in (r, r + 1):
                    raise SpecError(f"{name} with {len(p)} padding values takes an input of {r} or {r + 1} "
                                    f"axes (without the batch axis), not {fmt_shape(x)}; PyTorch refuses it",
                                    code="wrong-rank")
        if axes > len(x):
            raise SpecError(f"{name} padding {list(p)} pads the last {axes} axes, but the input "
                            f"{fmt_shape(x)} has {len(x)} without the batch axis; PyTorch would pad the "
                            "batch axis, which convcalc does not describe", code="batch-axis")
        out = list(x)
        for j in range(axes):
            i = len(x) - 1 - j
            left, right = p[2 * j], p[2 * j + 1]
            spatial = ctx.rank is not None and len(x) == ctx.rank + 1 and i >= 1
            n, label = x[i], ctx.axis_names[i - 1] if spatial else f"axis {i + 1}"
            self._check_mode(ctx, name, n, left, right, label)
            size = ctx.step(label, F.PAD_OUT, n=n, p_l=left, p_r=right)
            ctx.at_least(size, 1, lambda size=size, n=n, label=label, left=left, right=right: (
                f"{name}: padding {num.fmt(left)}+{num.fmt(right)} on {label} (size {num.fmt(n)}) leaves "
                f"{num.fmt(size)}; it must be at least 1"), code="size-below-1")
            out[i] = size
        windows = None
        if ctx.rank is not None and axes == ctx.rank == len(x) - 1:
            windows = tuple(Window(1, 1, p[2 * (axes - 1 - k)]) for k in range(axes))
        return LayerOut(tuple(out), windows=windows)

    def _check_mode(self, ctx: Ctx, name: str, n: Any, left: Any, right: Any, label: str) -> None:
        if self.mode not in _LIMITS:
            return
        words, slack = _LIMITS[self.mode]
        for pad in (left, right):
            def message(pad: Any = pad) -> str:
                return (f"{name}: padding {num.fmt(pad)} must be {words} the input size {num.fmt(n)} on "
                        f"{label} ({self.mode} padding; PyTorch refuses it)")

            if num.is_int(n) and num.is_int(pad):
                if pad > n + slack:
                    raise SpecError(message(), code="bad-padding")
            else:
                ctx.at_least(n + slack, pad, message, code="bad-padding")


def _show(raw: Any) -> str:
    """PyTorch's tuple as written, ``(1, 2, 0, 1)``: not ``1×2×0×1``, which reads as sizes per axis."""
    items = split_axes(raw)
    if isinstance(items, list | tuple):
        return "(" + ", ".join(map(str, items)) + ")"
    return str(items)


_PADDING = A.Param("padding", FLAT, show=_show,
                   doc="int, or PyTorch's flat (left, right, top, bottom, …), last axis first")


@register
class ConstantPad(_TorchPad):
    kind = "constant_pad"
    doc = "PyTorch's ZeroPad/ConstantPad: a flat (left, right, top, bottom, …) tuple, last axis first."
    params = (_PADDING, A.Param("value", A.RAW, 0, doc="the fill value; no shape effect"))
    order = ("padding", "value")
    torch = per_rank("ZeroPad{}d", "ConstantPad{}d")
    torch_sig = "padding"
    torch_sigs = dict.fromkeys(per_rank("ConstantPad{}d"), "padding, value!")


@register
class ReflectionPad(_TorchPad):
    kind = "reflection_pad"
    doc = "PyTorch's ReflectionPad: like constant_pad; each pad must be smaller than its axis."
    params = (_PADDING,)
    order = ("padding",)
    torch = per_rank("ReflectionPad{}d")
    torch_sig = "padding"
    mode = "reflect"


@register
class ReplicationPad(_TorchPad):
    kind = "replication_pad"
    doc = "PyTorch's ReplicationPad: like constant_pad, repeating the edge values."
    params = (_PADDING,)
    order = ("padding",)
    torch = per_rank("ReplicationPad{}d")
    torch_sig = "padding"
    mode = "replicate"


@register
class CircularPad(_TorchPad):
    kind = "circular_pad"
    doc = "PyTorch's CircularPad: like constant_pad, wrapping around; each pad at most its axis."
    params = (_PADDING,)
    order = ("padding",)
    torch = per_rank("CircularPad{}d")
    torch_sig = "padding"
    mode = "circular"
