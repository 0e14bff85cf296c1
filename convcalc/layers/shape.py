"""Layers that only rearrange elements: flatten, reshape, permute, padding,
cropping (pixel shuffle, repeat and upsampling: upsample.py).  None has parameters; their
MACs are 0 (they move or copy, they do not multiply)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..arith import formulas as F
from ..arith import num
from ..core import params as A
from ..core.context import Ctx
from ..core.framework import Spelling
from ..core.types import LayerOut, Shape, Window, fmt_shape, keeps_batch_after
from ..errors import SpecError
from ..spec.model import split_axes
from .base import Layer
from .common import DATA_FORMAT, axis_index, per_rank
from .registry import register


@register
class Flatten(Layer):
    kind = "flatten"
    family = "reshaping"
    drawing = "flat"
    doc = "Merge axes start_dim..end_dim into one (batch axis is 0)."
    params = (
        A.Param("start_dim", A.INTEGER, 1),
        A.Param("end_dim", A.INTEGER, -1),
        DATA_FORMAT,
    )
    order = ("start_dim", "end_dim")
    torch = {"Flatten": None}
    torch_sig = "start_dim, end_dim"
    keras = {"Flatten": None}
    keras_sig = "data_format, **"

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        x = inputs[0]
        start = axis_index(a["start_dim"], len(x), "start_dim")
        end = axis_index(a["end_dim"], len(x), "end_dim")
        if start < 0:
            raise SpecError("flatten with start_dim 0 would merge the batch axis; convcalc keeps it",
                            code="bad-axis")
        if end < start:
            raise SpecError(f"flatten: end_dim {a['end_dim']} comes before start_dim {a['start_dim']} "
                            f"for input {fmt_shape(x)}", code="bad-axis")
        merged = num.prod(x[start : end + 1])
        sizes = x[start : end + 1]
        ctx.step(f"axes {start + 1}–{end + 1}", F.product(len(sizes)), **F.product_env(sizes))
        return LayerOut((*x[:start], merged, *x[end + 1 :]), batch_axis=keeps_batch_after(start))


# ------------------------------------------------------------------ reshape


def _target_shape(raw: Any, ctx: Ctx, what: str) -> tuple[Any, ...]:
    return A.shape_of(raw, ctx, what, allow_minus_one=True)


TARGET_SHAPE = A.Kind("shape (one -1 allowed)", _target_shape, A.SHAPE.schema)


def _fill_unknown(ctx: Ctx, x: Shape, target: Shape, what: str) -> Shape:
    """Replace a single -1 so the element count is unchanged; refuse a count that differs."""
    unknown = [i for i, d in enumerate(target) if num.is_int(d) and d == -1]
    total = num.prod(x)
    if len(unknown) > 1:
        raise SpecError(f"{what} {fmt_shape(target)} has {len(unknown)} unknown sizes (-1); at most one",
                        code="bad-shape")
    if len(x) > 1:
        ctx.step("elements", F.product(len(x), "total", "input sizes"), **F.product_env(x))
    if not unknown:
        ctx.equal(num.prod(target), total, lambda: (
            f"{what} {fmt_shape(target)} holds {num.fmt(num.prod(target))} elements but the input "
            f"{fmt_shape(x)} has {num.fmt(total)}"), code="element-count-mismatch")
        return target
    known = num.prod(d for i, d in enumerate(target) if i != unknown[0])
    ctx.divides(known, total, lambda: (
        f"{what} {fmt_shape(target)}: the input {fmt_shape(x)} has {num.fmt(total)} elements, "
        f"not a multiple of {num.fmt(known)}"), code="not-divisible")
    fill = num.floordiv(total, known) if num.is_int(total) and num.is_int(known) else total / known
    others = [d for i, d in enumerate(target) if i != unknown[0]]
    ctx.step(f"-1 (axis {unknown[0] + 1})", F.fill(len(others)), total=total,
             **{f"m_{i + 1}": d for i, d in enumerate(others)})
    return tuple(fill if i == unknown[0] else d for i, d in enumerate(target))


@register
class Reshape(Layer):
    """A new shape for the same elements (no batch axis; one -1 is inferred)."""

    kind = "reshape"
    family = "reshaping"
    drawing = "flat"
    doc = "Same elements, new shape (no batch axis; one -1 allowed)."
    params = (A.Param("shape", TARGET_SHAPE, aliases=("target_shape",), variadic=True),)
    order = ("shape",)
    keras = {"Reshape": None}
    keras_sig = "target_shape, **"

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        return LayerOut(_fill_unknown(ctx, inputs[0], a["shape"], "target shape"))


@register
class Unflatten(Layer):
    """PyTorch's Unflatten: one axis becomes several (one -1 allowed)."""

    kind = "unflatten"
    family = "reshaping"
    drawing = "flat"
    doc = "Split axis `dim` (batch is 0) into `sizes`."
    params = (A.Param("dim", A.INTEGER), A.Param("sizes", TARGET_SHAPE, aliases=("unflattened_size",)))
    order = ("dim", "sizes")
    torch = {"Unflatten": None}
    torch_sig = "dim, unflattened_size"

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        x = inputs[0]
        i = axis_index(a["dim"], len(x), "dim")
        if i < 0:
            raise SpecError("unflatten cannot split the batch axis (dim 0)", code="bad-axis")
        what = f"sizes for axis {a['dim']} (of size {num.fmt(x[i])})"
        sizes = _fill_unknown(ctx, (x[i],), a["sizes"], what)
        ctx.step(f"axis {i + 1}", F.product(len(sizes), "n", "sizes it splits into"), **F.product_env(sizes))
        return LayerOut((*x[:i], *sizes, *x[i + 1 :]))


def _dims(raw: Any, ctx: Ctx, what: str) -> tuple[int, ...]:
    raw = split_axes(raw)
    if not isinstance(raw, list | tuple) or not raw:
        raise SpecError(f"{what} must be a list of axis numbers such as [2, 1, 3], not {A.describe(raw)}",
                        code="bad-axis")
    out = []
    for r in raw:
        v = A.value(r, ctx, what)
        if not num.is_int(v):
            raise SpecError(f"{what} must be axis numbers, not {num.fmt(v)}", code="bad-axis")
        out.append(v)
    return tuple(out)


DIMS = A.Kind("[int, ..]", _dims, {"type": "array", "items": {"type": "integer"}})


@register
class Permute(Layer):
    """Reorders axes.  ``[0, 2, 1, 3]`` (has a 0) is PyTorch's form, batch first and
    staying first (negatives allowed); ``[2, 1, 3]`` is Keras's, 1-based without
    the batch axis, a permutation of 1..n."""

    kind = "permute"
    family = "reshaping"
    drawing = "flat"
    doc = "Reorder axes: PyTorch form [0, 2, 1, 3] or Keras form [2, 1, 3]."
    params = (A.Param("dims", DIMS, variadic=True),)
    order = ("dims",)
    torch = {"Permute": None}  # torchvision.ops.Permute(dims); torch.nn has no such class
    torch_sig = "dims"
    keras = {"Permute": None}
    keras_sig = "dims, **"

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        x, dims = inputs[0], a["dims"]
        n = len(x)
        if 0 in dims:
            if len(dims) != n + 1:
                raise SpecError(f"dims {list(dims)} (PyTorch form, with the batch axis 0) needs {n + 1} "
                                f"entries for the input {fmt_shape(x)} plus the batch axis, not {len(dims)}",
                                code="bad-axis")
            if any(not -(n + 1) <= d <= n for d in dims):
                raise SpecError(f"dims {list(dims)} has an axis out of range for {n + 1} axes",
                                code="bad-axis")
            full = [d % (n + 1) for d in dims]
            if sorted(full) != list(range(n + 1)):
                raise SpecError(f"dims {list(dims)} is not a permutation of the axes 0..{n}", code="bad-axis")
            if full[0] != 0:
                raise SpecError(f"dims {list(dims)} moves the batch axis; it must stay first",
                                code="bad-axis")
            perm = [d - 1 for d in full[1:]]
        else:
            if len(dims) != n:
                raise SpecError(f"dims {list(dims)} (Keras form, 1-based without the batch axis) needs {n} "
                                f"entries for the input {fmt_shape(x)}, not {len(dims)}", code="bad-axis")
            if sorted(dims) != list(range(1, n + 1)):
                raise SpecError(f"dims {list(dims)} must be a permutation of 1..{n} (Keras form) or include "
                                "the batch axis 0 (PyTorch form)", code="bad-axis")
            perm = [d - 1 for d in dims]
        ctx.note("axes", ", ".join(f"{i + 1} ← input axis {p + 1} ({{n_{p}}})" for i, p in enumerate(perm)),
                 **{f"n_{p}": x[p] for p in perm})
        moved = next((k for k, p in enumerate(perm) if p != k), n)  # the first axis that moves
        return LayerOut(tuple(x[p] for p in perm), batch_axis=keeps_batch_after(moved))


# ------------------------------------------------------- padding and cropping


def _sides(raw: Any, ctx: Ctx, what: str) -> tuple[tuple[Any, Any], ...]:
    """Per-axis (before, after) pairs from every accepted spelling.

    An int: all sides.  A list of ``rank`` values: per axis, both sides (for
    rank 1 a pair is (left, right)).  A list of ``rank`` pairs: per axis, Keras's
    ``((top, bottom), (left, right))``.  A flat list of ``2·rank`` values:
    PyTorch's ZeroPad order, last axis first ``(left, right, top, bottom, …)``.
    """
    rank = ctx.rank or 1
    raw = split_axes(raw)
    names = ctx.axis_names
    if ctx.spelling == Spelling.KERAS:
        return _keras_sides(raw, ctx, what, rank)

    def size(r: Any, label: str) -> Any:
        return A.INTEGER(r, ctx, label)

    if not isinstance(raw, list | tuple):
        v = size(raw, what)
        return ((v, v),) * rank
    items = list(raw)
    if items and all(isinstance(r, list | tuple) for r in items):
        if len(items) != rank or any(len(r) != 2 for r in items):
            raise SpecError(f"{what} {items} must be {rank} [before, after] pair{'s' if rank > 1 else ''}",
                            code="wrong-axis-count")
        return tuple((size(r[0], f"{what} on axis {names[i]}"), size(r[1], f"{what} on axis {names[i]}"))
                     for i, r in enumerate(items))
    if any(isinstance(r, list | tuple) for r in items):
        raise SpecError(f"{what} {items} mixes sizes and pairs", code="bad-padding")
    if len(items) == 2 * rank:
        vals = [size(r, what) for r in items]
        pairs = [(vals[2 * j], vals[2 * j + 1]) for j in range(rank)]
        return tuple(reversed(pairs))
    if len(items) == 1:
        v = size(items[0], what)
        return ((v, v),) * rank
    if len(items) == rank:
        return tuple((v, v) for v in (size(r, f"{what} on axis {names[i]}") for i, r in enumerate(items)))
    raise SpecError(f"{what} {items} has {len(items)} values; give 1, {rank} (per axis) or {2 * rank} "
                    f"(PyTorch order, last axis first), or {rank} [before, after] pairs",
                    code="wrong-axis-count")


def _keras_sides(raw: Any, ctx: Ctx, what: str, rank: int) -> tuple[tuple[Any, Any], ...]:
    """Keras's ZeroPadding*D/Cropping*D reading: one size, or (1D) a (left, right) pair, or one entry
    per axis, each a size or a (before, after) pair; every entry >= 0 (only ZeroPadding2D/3D take
    one negative int for all sides, which crops)."""
    names = ctx.axis_names

    def nonneg(r: Any, label: str) -> Any:
        v = A.INTEGER(r, ctx, label)
        if num.is_int(v) and v < 0:
            raise SpecError(f"{label} must not be negative for Keras's {ctx.cls}, not {v}",
                            code="negative-value")
        return v

    shape = "one size or a (left, right) pair" if rank == 1 else (
        f"one size or {rank} entries (one per spatial axis, each a size or a (before, after) pair)")
    if not isinstance(raw, list | tuple):
        keep_sign = rank > 1 and what != "cropping"  # ZeroPadding2D(-1) crops every side
        v = A.INTEGER(raw, ctx, what) if keep_sign else nonneg(raw, what)
        return ((v, v),) * rank
    items = list(raw)
    wrong = SpecError(f"Keras's {ctx.cls} takes {what} as {shape}, not {items}", code="bad-padding")
    if rank == 1:
        if len(items) != 2 or any(isinstance(r, list | tuple) for r in items):
            raise wrong
        return ((nonneg(items[0], what), nonneg(items[1], what)),)
    if len(items) != rank:
        raise wrong
    out = []
    for i, r in enumerate(items):
        label = f"{what} on axis {names[i]}"
        if isinstance(r, list | tuple):
            if len(r) != 2:
                raise wrong
            out.append((nonneg(r[0], label), nonneg(r[1], label)))
        else:
            v = nonneg(r, label)
            out.append((v, v))
    return tuple(out)


SIDES = A.Kind("int|per-axis|[[before,after],..]|PyTorch flat", _sides,
               {"anyOf": [{"type": "integer"}, {"type": "string"}, {"type": "array"}]})


def _side_sizes(ctx: Ctx, x: Shape, pairs: Any, formula: Any, verb: str) -> Shape:
    c, spatial = ctx.split(x)
    out = []
    for i, n in enumerate(spatial):
        before, after = pairs[i]
        name = ctx.axis_names[i]
        if formula is F.PAD_OUT:
            size = ctx.step(name, formula, n=n, p_l=before, p_r=after)
        else:
            size = ctx.step(name, formula, n=n, c_l=before, c_r=after)
        ctx.at_least(size, 1, lambda size=size, n=n, name=name, before=before, after=after: (
            f"{verb} {num.fmt(before)}+{num.fmt(after)} on axis {name} leaves {num.fmt(size)} of "
            f"{num.fmt(n)}; it must be at least 1"), code="size-below-1")
        out.append(size)
    return ctx.join(c, out)


def _shift_windows(pad_left: Iterable[Any]) -> tuple[Window, ...]:
    """Padding and cropping as windows of one position and stride 1 that only shift the grid:
    each output still sees one input position (or a zero), so receptive fields run on."""
    return tuple(Window(1, 1, p) for p in pad_left)


@register
class ZeroPad(Layer):
    """Pads spatial axes with zeros: ``n + before + after`` per axis (negative crops, as PyTorch allows)."""

    kind = "zeropad"
    family = "reshaping"
    drawing = "other"
    doc = "Zero padding on the spatial axes."
    ranks = (1, 2, 3)
    aliases = ("zero_pad", "zeropadding")
    params = (A.Param("padding", SIDES, 1), DATA_FORMAT)
    order = ("padding",)
    # PyTorch's ZeroPad1d/2d/3d read a flat tuple, last axis first: layers/padding.py.
    keras = per_rank("ZeroPadding{}D")
    keras_sig = "padding, data_format, **"

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        pairs = a["padding"]
        return LayerOut(_side_sizes(ctx, inputs[0], pairs, F.PAD_OUT, "padding"),
                        windows=_shift_windows(before for before, _ in pairs))


@register
class Cropping(Layer):
    """Crops spatial axes: ``n − before − after`` per axis; Keras's defaults
    (1D and 3D: 1 on each side, 2D: none)."""

    kind = "cropping"
    family = "reshaping"
    drawing = "other"
    doc = "Cropping on the spatial axes (Keras Cropping1D/2D/3D)."
    ranks = (1, 2, 3)
    aliases = ("crop",)
    params = (A.Param("cropping", A.optional(SIDES), None, aliases=("crop", "padding"),
                      doc="default: 1 per side (1d, 3d), 0 (2d), as Keras"), DATA_FORMAT)
    order = ("cropping",)
    keras = per_rank("Cropping{}D")
    keras_sig = "cropping, data_format, **"
    keras_sigs = {"Cropping1D": "cropping, **"}

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        pairs = a["cropping"]
        if pairs is None:
            d = 0 if ctx.rank == 2 else 1
            pairs = ((d, d),) * (ctx.rank or 1)
        for i, (b, e) in enumerate(pairs):
            if (num.is_int(b) and b < 0) or (num.is_int(e) and e < 0):
                raise SpecError(f"cropping on axis {ctx.axis_names[i]} must not be negative ({b}, {e})",
                                code="negative-value")
        return LayerOut(_side_sizes(ctx, inputs[0], pairs, F.CROP_OUT, "cropping"),
                        windows=_shift_windows(-before for before, _ in pairs))
