"""Sliding windows along spatial axes: shared by convolutions and pooling.

Padding arrives in many forms (an int, per-axis sizes, per-side pairs,
``valid``/``same``/``causal``); :data:`PADDING` turns all of them into
either a mode word or one ``(left, right)`` pair per axis, and :func:`slide`
applies the framework's output-size rule to one axis, recording the formula
for --explain and refusing sizes below 1 with the numbers that caused it.
"""

from __future__ import annotations

from typing import Any

from .. import args as A
from .. import num
from ..errors import SpecError, did_you_mean
from ..formulas import (
    CONV_OUT,
    EFFECTIVE_KERNEL,
    POOL_LAST_LIMIT,
    POOL_LAST_START,
    POOL_OUT_CEIL,
    SAME_OUT,
)
from .base import Ctx, Window

Value = num.Value
Pads = tuple[tuple[Value, Value], ...]
MODES = ("valid", "same", "causal")


def _padding(raw: Any, ctx: Ctx, what: str) -> str | Pads:
    if isinstance(raw, str) and raw.strip().lower() in MODES:
        return raw.strip().lower()
    raw = A.split_axes(raw)
    rank = ctx.rank or 1
    if isinstance(raw, list | tuple):
        if len(raw) == 1:
            raw = list(raw) * rank
        if len(raw) != rank:
            raise SpecError(
                f"{what} has {len(raw)} entries {list(raw)} but the layer has {rank} spatial "
                f"ax{'i' if rank == 1 else 'e'}s"
            )
        out = []
        for i, entry in enumerate(raw):
            label = f"{what} on axis {ctx.axis_names[i]}"
            if isinstance(entry, list | tuple):
                if len(entry) != 2:
                    raise SpecError(f"{label} must be one size or a [left, right] pair, not {list(entry)}")
                out.append((A.NONNEG(entry[0], ctx, label), A.NONNEG(entry[1], ctx, label)))
            else:
                p = A.NONNEG(entry, ctx, label)
                out.append((p, p))
        return tuple(out)
    if isinstance(raw, str) and raw.isidentifier() and raw not in ctx.env:
        # A free name is a symbolic padding, unless it is a misspelt mode.
        hint = did_you_mean(raw, MODES)
        if hint:
            raise SpecError(f"{what} must be a size or one of {', '.join(MODES)}, not {raw!r}{hint}")
    p = A.NONNEG(raw, ctx, what)
    return ((p, p),) * rank


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
) -> Value:
    """Output size along one axis under PyTorch's (and Keras's 'valid') rule."""
    name = ctx.axis_names[axis]
    pl, pr = pads
    if ceil_mode:
        out = ctx.step(name, POOL_OUT_CEIL, n=n, pl=pl, pr=pr, d=d, k=k, s=s)
        start = POOL_LAST_START(out=out, s=s)
        limit = POOL_LAST_LIMIT(n=n, pl=pl)
        if num.is_int(start) and num.is_int(limit):
            rule = (
                f"last window starts at {POOL_LAST_START.render({'out': out, 's': s})} = {start} "
                f"{'≥' if start >= limit else '<'} {POOL_LAST_LIMIT.render({'n': n, 'pl': pl})} "
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
            ctx.note(name, f"the last window must start before n + pl = {num.fmt(limit)}: "
                     f"min(that, ⌈(n + pl)/s⌉)", out)
    else:
        out = ctx.step(name, CONV_OUT, n=n, pl=pl, pr=pr, d=d, k=k, s=s)

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

    ctx.at_least(out, 1, message)
    return out


def same(ctx: Ctx, axis: int, n: Value, s: Value) -> Value:
    """Keras's 'same' (and 'causal'): ⌈n / s⌉, whatever the kernel."""
    return ctx.step(ctx.axis_names[axis], SAME_OUT, n=n, s=s)


def torch_same_pads(k: Value, d: Value) -> tuple[Value, Value]:
    """PyTorch's padding='same': d·(k−1) in total, the odd one on the right."""
    total = d * (k - 1)
    left = total // 2
    return left, total - left


def window(k: Value, s: Value, d: Value, pad_left: Value) -> Window:
    return Window(EFFECTIVE_KERNEL(d=d, k=k), s, pad_left)
