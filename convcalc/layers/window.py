"""Sliding windows along spatial axes: shared by convolutions and pooling.

Padding arrives in many forms (an int, per-axis sizes, per-side pairs,
``valid``/``same``/``causal``); :data:`PADDING` turns all of them into
either a mode word or one ``(left, right)`` pair per axis, and :func:`slide`
applies the framework's output-size rule to one axis, recording the formula
for --explain and refusing sizes below 1 with the numbers that caused it.
:func:`spatial_out` does every axis; each also returns the window it slides.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..arith import num
from ..arith.formulas import (
    CONV_OUT,
    EFFECTIVE_KERNEL,
    KERAS_SAME_PAD_TOTAL,
    POOL_LAST_LIMIT,
    POOL_LAST_START,
    POOL_OUT_CEIL,
    SAME_OUT,
    SAME_PAD_LEFT,
    SAME_PAD_RIGHT,
)
from ..core import params as A
from ..core.context import Ctx
from ..core.framework import Spelling
from ..core.types import Window
from ..errors import SpecError, did_you_mean
from ..spec.model import split_axes

Value = num.Value
Pads = tuple[tuple[Value, Value], ...]
MODES = ("valid", "same", "causal")


_TORCH_MODES = ("valid", "same")


def _padding(raw: Any, ctx: Ctx, what: str) -> str | Pads:
    """A mode word, or per axis a ``(left, right)`` pair (the per-axis rule is :func:`args.per_axis`'s)."""
    if isinstance(raw, str) and raw.strip().lower() in MODES:
        mode = raw.strip().lower()
        if ctx.spelling == Spelling.TORCH and raw not in _TORCH_MODES:
            # PyTorch compares the string as written ('Same', 'causal': "Invalid padding string");
            # Keras lower-cases it, and convcalc's own names take any case.
            raise SpecError(f"PyTorch's padding string is 'valid' or 'same', as written, not {raw!r}",
                            code="bad-padding")
        return mode
    raw = split_axes(raw)
    if isinstance(raw, str) and raw.isidentifier() and raw not in ctx.env:
        # A free name is a symbolic padding, unless it is a misspelt mode.
        hint = did_you_mean(raw, MODES)
        if hint:
            raise SpecError(f"{what} must be a size or one of {', '.join(MODES)}, not {raw!r}{hint}",
                            code="bad-padding")
    return A.per_axis(raw, ctx, what, _pair)


def _pair(raw: Any, ctx: Ctx, what: str) -> tuple[Value, Value]:
    """One axis's padding: one size for both sides, or a ``[left, right]`` pair."""
    if isinstance(raw, list | tuple):
        if len(raw) != 2:
            raise SpecError(f"{what} must be one size or a [left, right] pair, not {list(raw)}",
                            code="bad-padding")
        return A.NONNEG(raw[0], ctx, what), A.NONNEG(raw[1], ctx, what)
    p = A.NONNEG(raw, ctx, what)
    return p, p


PADDING = A.Kind(
    "int|per-axis|[[l,r],..]|valid|same|causal",
    _padding,
    {"anyOf": [A.AXES_NONNEG.schema, {"type": "array"}, {"enum": list(MODES)}]},
)


def padded_text(n: Value, pl: Value, pr: Value) -> str:
    """``3 + 2*0`` or ``3 + 1 + 2``: how the padded size was made."""
    if pl == pr:
        return f"{num.fmt(n)} + 2*{num.fmt(pl)}"
    return f"{num.fmt(n)} + {num.fmt(pl)} + {num.fmt(pr)}"


def slide(
    ctx: Ctx,
    axis: int,
    n: Value,
    k: Value,
    s: Value,
    pads: tuple[Value, Value],
    d: Value = 1,
    *,
    ceil_mode: bool = False,
    what: str = "kernel",
) -> tuple[Value, Window]:
    """Output size along one axis under PyTorch's (and Keras's 'valid') rule, and the window it slides.

    With whole numbers the answer (and its explain lines) depends on nothing else: it is
    computed once for each axis name and set of sizes (a deep network slides few kinds of window).
    """
    return _slide_known(ctx, ctx.axis_names[axis], n, k, s, pads, d, ceil_mode, what)


def _slide_known(ctx: Ctx, name: str, n: Value, k: Value, s: Value, pads: tuple[Value, Value], d: Value,
                 ceil_mode: bool, what: str) -> tuple[Value, Window]:
    """:func:`slide` on the axis called ``name`` (every argument positional: every convolution asks)."""
    pl, pr = pads
    key = None
    if type(n) is int and type(k) is int and type(s) is int and type(pl) is int and type(pr) is int \
            and type(d) is int:
        key = (name, n, k, s, pl, pr, d, ceil_mode, what)
        hit = _SLID.get(key)
        if hit is not None:
            ctx.steps.extend(hit[2])
            return hit[0], hit[1]
    first_step = len(ctx.steps)
    out, window = _slide(ctx, name, n, k, s, pl, pr, d, ceil_mode, what)
    if key is not None and len(_SLID) < 4096:
        _SLID[key] = (out, window, tuple(ctx.steps[first_step:]))
    return out, window


_SLID: dict[tuple[Any, ...], tuple[Value, Window, tuple[Any, ...]]] = {}


def _slide(ctx: Ctx, name: str, n: Value, k: Value, s: Value, pl: Value, pr: Value, d: Value,
           ceil_mode: bool, what: str) -> tuple[Value, Window]:
    if ceil_mode:
        out = ctx.step(name, POOL_OUT_CEIL, n=n, p_l=pl, p_r=pr, d=d, k=k, s=s)
        start = POOL_LAST_START(out=out, s=s)
        limit = POOL_LAST_LIMIT(n=n, p_l=pl)
        if num.is_int(start) and num.is_int(limit):
            rule = (
                f"last window starts at {POOL_LAST_START.render({'out': out, 's': s})} = {start} "
                f"{'≥' if start >= limit else '<'} {POOL_LAST_LIMIT.render({'n': n, 'p_l': pl})} "
                f"= {limit}"
            )
            if start >= limit:
                ctx.note(name, f"{rule}, inside the right padding, so it is dropped: {out} − 1",
                         out - 1)
                out -= 1
            else:
                ctx.note(name, f"{rule}, inside the input, so it stays: out", out)
        else:
            # The drop rule in closed form: min(⌈a/s⌉ + 1, ⌈(n + pl)/s⌉).  Pools pad both
            # sides alike with pl ≤ k/2 < d·(k−1) + 1, so ⌈a/s⌉ ≤ ⌈(n + pl)/s⌉ and a
            # window starting at or beyond n + pl is exactly one too many.
            out = num.minimum(out, num.ceildiv(limit, s))
            ctx.note(name, "the last window must start before n + p_l = {limit}: "
                     "min(that, ⌈(n + p_l)/s⌉)", out, limit=limit)
    else:
        out = ctx.step(name, CONV_OUT, n=n, p_l=pl, p_r=pr, d=d, k=k, s=s)

    def message() -> str:
        eff = EFFECTIVE_KERNEL(d=d, k=k)
        padded = n + pl + pr
        kernel = f"{what} {num.fmt(k)}" if d == 1 else (
            f"dilated {what} {num.fmt(eff)} ({num.fmt(k)} with dilation {num.fmt(d)})"
        )
        if num.is_int(padded) and num.is_int(eff) and padded < eff:
            return (
                f"{kernel} is larger than the padded input {num.fmt(padded)} "
                f"({padded_text(n, pl, pr)}) on axis {name}"
            )
        return (
            f"output size on axis {name} would be {num.fmt(out)} (input {num.fmt(n)}, {kernel}, "
            f"stride {num.fmt(s)}, padding {num.fmt(pl)}+{num.fmt(pr)}); it must be at least 1"
        )

    ctx.at_least(out, 1, message, code="size-below-1")
    return out, _window(k, s, d, pl)


def same(ctx: Ctx, axis: int, n: Value, k: Value, s: Value, d: Value = 1) -> tuple[Value, Window]:
    """Keras's 'same': ⌈n / s⌉ whatever the kernel, and the window it slides, padded
    in total as much as the last window needs to reach the end, the odd one on the right."""
    name = ctx.axis_names[axis]
    out = ctx.step(name, SAME_OUT, n=n, s=s)
    total = ctx.step(f"same padding {name}", KERAS_SAME_PAD_TOTAL, out=out, s=s, d=d, k=k, n=n)
    left = ctx.step(f"p_l {name}", SAME_PAD_LEFT, t=total)
    ctx.step(f"p_r {name}", SAME_PAD_RIGHT, t=total, p_l=left)
    return out, _window(k, s, d, left)


def _window(k: Value, s: Value, d: Value, pad_left: Value) -> Window:
    return Window(EFFECTIVE_KERNEL(d=d, k=k), s, pad_left)


def spatial_out(
    ctx: Ctx,
    spatial: Sequence[Value],
    kernel: Sequence[Value],
    stride: Sequence[Value],
    pads: str | Pads,
    dilation: Sequence[Value],
    what: str = "kernel",
) -> tuple[tuple[Value, ...], tuple[Window, ...]]:
    """Output sizes and windows over every spatial axis; ``pads`` is per-axis pairs or Keras's "same"."""
    outs, windows = [], []  # a loop, not comprehensions: every convolution and pool gets here
    names = ctx.axis_names
    for i, n in enumerate(spatial):
        out, window = same(ctx, i, n, kernel[i], stride[i], dilation[i]) if pads == "same" \
            else _slide_known(ctx, names[i], n, kernel[i], stride[i], pads[i], dilation[i], False, what)
        outs.append(out)
        windows.append(window)
    return tuple(outs), tuple(windows)
