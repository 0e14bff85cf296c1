"""Tensor operations of today's networks: learnable tensors, slicing, splitting, transposing, matmul.

``parameter`` is a source (it reads no tensor, like an input) whose output has
no batch axis: merges broadcast it over the batch, as PyTorch broadcasts a
module's ``nn.Parameter`` (a class token, a position embedding, a layer scale).
``split``/``chunk``/``unbind`` have several outputs, read by later layers as
``name.0``, ``name.1``, ….  Axis numbers count the batch axis as 0 and
negatives count from the end (SPEC §2); the batch axis itself is never sliced,
split or moved (convcalc describes one sample).  None of these has MACs except
``matmul``: ``(…, L, d)·(…, d, S)`` is ``L·d·S`` per entry of the broadcast
leading axes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise
from typing import Any

from ..arith import formulas as F
from ..arith import num
from ..core import params as A
from ..core.context import Ctx
from ..core.types import LayerOut, Shape, Weight, fmt_shape, keeps_batch_after
from ..errors import SpecError
from ..spec.model import split_axes
from .base import Layer
from .common import axis_index
from .merge import broadcast_dims
from .registry import register

Value = num.Value

# Python's slicing along one axis, with start b and stop e already clamped to [0, n] (at most 0: empty).
SLICE_LEN = F.Formula("slice_len", "ceildiv(e - b, s)", symbols={"b": "start", "e": "stop"})
# torch.chunk: pieces of ⌈n/N⌉ (the last smaller), so possibly fewer than N of them.
CHUNK_SIZE = F.Formula("chunk_size", "ceildiv(n, q)", lhs="size", symbols={"q": "pieces asked for"})
CHUNK_COUNT = F.Formula("chunk_count", "ceildiv(n, m)", lhs="outputs", symbols={"m": "chunk size"})
MATMUL_MACS = F.Formula("matmul_macs", "B*M*K*N", lhs="MACs", symbols={
    "B": "batch of matrices", "M": "rows", "K": "inner size", "N": "columns"})


def sample_axis(axis: Any, x: Shape, what: str) -> int:
    """An axis number (batch = 0, negatives from the end) as an index into one sample's shape."""
    i = axis_index(axis, len(x), what)
    if i < 0:
        raise SpecError(f"{what} {axis} is the batch axis; convcalc describes one sample (axis 1 is the "
                        f"first of {fmt_shape(x)})", code="batch-axis")
    return i


# ------------------------------------------------------------------ parameter


@register
class Parameter(Layer):
    """A learnable tensor (``nn.Parameter``): prod(shape) parameters, read like an input.

    Its shape has no batch axis, like every shape in a spec: ViT's class token,
    ``torch.zeros(1, 1, E)`` in PyTorch, is ``shape: [1, E]``.
    """

    kind = "parameter"
    family = "tensor"
    drawing = "other"
    doc = ("A learnable tensor of `shape` (no batch axis; reads nothing), nn.Parameter(torch.zeros(*shape)): "
           "class token, position embedding, layer scale.")
    source = True
    params = (
        A.Param("shape", A.SHAPE, variadic=True, aliases=("size",)),
        A.Param("trainable", A.BOOL, True, aliases=("requires_grad",),
                doc="false for a frozen tensor (requires_grad=False): non-trainable parameters"),
    )
    order = ("shape",)
    # No PyTorch class name: torch.nn.Parameter takes a tensor, not sizes.  `Parameter(1, 768)`
    # still reads (names match ignoring case) in convcalc's order: the sizes, as torch.zeros takes them.

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        shape = a["shape"]
        return LayerOut(shape, (Weight("data", shape, a["trainable"]),))


# ------------------------------------------------------------------ slicing


def _opt_int(raw: Any, ctx: Ctx, what: str) -> Any:
    return None if raw is None else A.INTEGER(raw, ctx, what)


OPT_INT = A.Kind("int|null", _opt_int, {"anyOf": [{"type": "integer"}, {"type": "null"}, {"type": "string"}]})


def _bound(ctx: Ctx, v: Any, n: Value, default: Value) -> Value:
    """A slice bound as Python reads it: negatives count from the end, then clamped to [0, n]."""
    if v is None:
        return default
    if not num.is_int(v):
        raise SpecError(f"a slice bound must be a number, not {num.fmt(v)}", code="symbolic-slice-bound")
    if num.is_int(n):
        return min(max(n + v if v < 0 else v, 0), n)
    return num.maximum(n + v, 0) if v < 0 else num.minimum(v, n)


@register
class Slice(Layer):
    """``x[..., start:stop:step, ...]`` along one axis: Python's sizes (negatives, clamping)."""

    kind = "slice"
    family = "tensor"
    drawing = "flat"
    doc = "x[start:stop:step] along `axis` (batch is 0): Python's sizes, negatives and clamping."
    params = (
        A.Param("axis", A.INTEGER, aliases=("dim",)),
        A.Param("start", OPT_INT, None),
        A.Param("stop", OPT_INT, None, aliases=("end",)),
        A.Param("step", A.INTEGER, 1),
    )
    order = ("axis", "start", "stop", "step")

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        x = inputs[0]
        i = sample_axis(a["axis"], x, "slice axis")
        step = a["step"]
        if not num.is_int(step) or step <= 0:
            raise SpecError(f"slice step must be positive (PyTorch refuses {num.fmt(step)})",
                            code="slice-step")
        n = x[i]
        b = _bound(ctx, a["start"], n, 0)
        e = _bound(ctx, a["stop"], n, n)
        size = ctx.step(f"axis {i + 1}", SLICE_LEN, b=b, e=e, s=step)
        ctx.at_least(size, 1, lambda: (
            f"slice [{_text(a['start'])}:{_text(a['stop'])}:{step}] of axis {i + 1} (size {num.fmt(n)}) is "
            "empty"), code="size-below-1")
        return LayerOut((*x[:i], size, *x[i + 1 :]), batch_axis=keeps_batch_after(i))


def _text(v: Any) -> str:
    return "" if v is None else num.fmt(v)


def _text_list(v: Any) -> str:
    return f"[{', '.join(map(num.fmt, v))}]" if isinstance(v, tuple) else num.fmt(v)


@register
class Select(Layer):
    """``x[:, index]`` along one axis: the axis is dropped (ViT's ``x[:, 0]``)."""

    kind = "select"
    family = "tensor"
    drawing = "flat"
    doc = "x.select(axis, index): one entry of `axis` (batch is 0), the axis dropped (ViT's x[:, 0])."
    params = (A.Param("axis", A.INTEGER, aliases=("dim",)), A.Param("index", A.INTEGER))
    order = ("axis", "index")

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        x = inputs[0]
        i = sample_axis(a["axis"], x, "select axis")
        k, n = a["index"], x[i]
        if not num.is_int(k):
            raise SpecError(f"select index must be a number, not {num.fmt(k)}", code="symbolic-index")

        def message() -> str:
            return (f"select index {k} is out of range for axis {i + 1} of size {num.fmt(n)} "
                    f"(valid: -{num.fmt(n)} to {num.fmt(n - 1)})")

        ctx.at_least(n, k + 1 if k >= 0 else -k, message, code="index-out-of-range")
        ctx.note(f"axis {i + 1}", f"index {k} of {{n}} is taken, the axis is removed", n=n)
        return LayerOut((*x[:i], *x[i + 1 :]), batch_axis=keeps_batch_after(i))


# ------------------------------------------------------------------ splitting


def _sizes(raw: Any, ctx: Ctx, what: str) -> Any:
    """torch.split's ``split_size_or_sections``: one size (pieces of it) or a list of sizes."""
    raw = split_axes(raw)
    if isinstance(raw, list | tuple):
        if not raw:
            raise SpecError(f"{what} must not be empty", code="split-sizes")
        return tuple(A.POSITIVE(r, ctx, f"{what}[{j}]") for j, r in enumerate(raw))
    return A.POSITIVE(raw, ctx, what)


SIZES = A.Kind("int|[int,..]", _sizes,
               {"anyOf": [{"type": "integer"}, {"type": "string"}, {"type": "array"}]}, listing=True)
_SPLIT_AXIS = A.Param("axis", A.optional(A.INTEGER), None, aliases=("dim",), doc="default: the channel axis")


def _split_axis(ctx: Ctx, x: Shape, axis: Any) -> int:
    return sample_axis(axis if axis is not None else (-1 if ctx.channels_last else 1), x, "split axis")


def _pieces(ctx: Ctx, n: Value, size: Value, i: int) -> tuple[Value, ...]:
    """Pieces of ``size`` (the last smaller) of an axis of ``n``: torch.split with an int."""
    if not num.is_int(n) or not num.is_int(size):
        raise SpecError(f"splitting axis {i + 1} of size {num.fmt(n)} into pieces of {num.fmt(size)} gives a "
                        "number of outputs that depends on the sizes; bind them (-D) or give the sizes",
                        code="symbolic-output-count")
    count = ctx.step("outputs", CHUNK_COUNT, n=n, m=size)
    return (size,) * (count - 1) + (n - size * (count - 1),)


@register
class Split(Layer):
    """torch.split: ``sizes`` as a list (they must add up to the axis) or one size (pieces of it, the last
    smaller); ``chunks: N`` is torch.chunk.  Several outputs, read as ``name.0``, ``name.1``, …"""

    kind = "split"
    family = "tensor"
    drawing = "flat"
    doc = ("torch.split (sizes: a list, or one size) / torch.chunk (chunks: N) along `axis` (default: "
           "channels); outputs read as name.0, name.1, ...")
    params = (
        A.Param("sizes", A.optional(SIZES), None,
                aliases=("split_size_or_sections", "split_size", "sections")),
        _SPLIT_AXIS,
        A.Param("chunks", A.OPTIONAL_POSITIVE, None, doc="torch.chunk: pieces of ceil(n/chunks)"),
    )
    order = ("sizes", "axis")

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        x = inputs[0]
        i = _split_axis(ctx, x, a["axis"])
        n, sizes, chunks = x[i], a["sizes"], a["chunks"]
        if (sizes is None) == (chunks is None):
            raise SpecError("give one of sizes (torch.split) or chunks (torch.chunk)", code="split-sizes")
        if chunks is not None:
            parts = self._chunk(ctx, n, chunks, i)
        elif isinstance(sizes, tuple):
            total = ctx.step("sum", F.sum_of(len(sizes), "n", "sizes asked for"), **F.product_env(sizes))
            ctx.equal(total, n, lambda: (
                f"split sizes [{', '.join(num.fmt(s) for s in sizes)}] add up to {num.fmt(total)}, but axis "
                f"{i + 1} of {fmt_shape(x)} has {num.fmt(n)} (torch.split needs them to sum exactly)"),
                code="shape-mismatch")
            parts = sizes
        else:
            parts = _pieces(ctx, n, sizes, i)
        return _outputs(x, i, parts)

    @staticmethod
    def _chunk(ctx: Ctx, n: Value, chunks: Value, i: int) -> tuple[Value, ...]:
        if not num.is_int(chunks):
            raise SpecError(f"chunks must be a number, not {num.fmt(chunks)}", code="symbolic-output-count")
        size = ctx.step("size", CHUNK_SIZE, n=n, q=chunks)
        if num.is_int(n):
            return _pieces(ctx, n, size, i)
        # A symbolic axis: exactly N pieces when (N - 1) pieces of ⌈n/N⌉ leave some of it for the last
        # (a condition on the names: torch.chunk gives fewer for smaller n, a count convcalc cannot vary).
        rest = n - (chunks - 1) * size
        ctx.at_least(rest, 1, lambda: (
            f"chunk {chunks} of axis {i + 1} (size {num.fmt(n)}): for a symbolic size convcalc needs all "
            f"{chunks} pieces of torch.chunk, which it gives when {chunks - 1}·⌈n/{chunks}⌉ < n"),
            code="size-below-1")
        return (size,) * (chunks - 1) + (rest,)


def _outputs(x: Shape, i: int, parts: Sequence[Value]) -> LayerOut:
    shapes = tuple((*x[:i], p, *x[i + 1 :]) for p in parts)
    return LayerOut(shapes[0], parts=shapes, batch_axis=keeps_batch_after(i))


@register
class Chunk(Split):
    """torch.chunk(x, N, dim): pieces of ⌈n/N⌉, the last smaller (6 into 4 gives three of 2)."""

    kind = "chunk"
    doc = "torch.chunk: N pieces of ceil(n/N) along `axis` (default: channels), possibly fewer; name.0, ..."
    params = (A.Param("chunks", A.POSITIVE), _SPLIT_AXIS)
    order = ("chunks", "axis")

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        x = inputs[0]
        i = _split_axis(ctx, x, a["axis"])
        return _outputs(x, i, self._chunk(ctx, x[i], a["chunks"], i))


def _sections(raw: Any, ctx: Ctx, what: str) -> Any:
    """torch.tensor_split's ``indices_or_sections``: a number of pieces, or a list of cut indices."""
    raw = split_axes(raw)
    if isinstance(raw, list | tuple):
        return tuple(A.INTEGER(r, ctx, f"{what}[{j}]") for j, r in enumerate(raw))
    return A.POSITIVE(raw, ctx, what)


SECTIONS = A.Kind("int|[int,..]", _sections,
                  {"anyOf": [{"type": "integer"}, {"type": "string"}, {"type": "array"}]}, listing=True)
# torch.tensor_split into N sections: piece j of n has ⌈(n − j)/N⌉ (the first n mod N one longer).
SECTION_SIZE = F.Formula("section_size", "ceildiv(n - j, q)", lhs="size",
                         symbols={"j": "piece", "q": "pieces asked for"})


@register
class TensorSplit(Layer):
    """torch.tensor_split(x, sections or indices, dim): N pieces whose sizes differ by at most one, or
    cuts at indices read as Python slices (``x[:i0]``, ``x[i0:i1]``, …, ``x[ik:]``)."""

    kind = "tensor_split"
    family = "tensor"
    drawing = "flat"
    doc = ("torch.tensor_split: N sections (the first n mod N one longer) or cuts at indices along `axis` "
           "(default: channels); name.0, ...")
    params = (A.Param("sections", SECTIONS, aliases=("indices_or_sections", "indices")), _SPLIT_AXIS)
    order = ("sections", "axis")

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        x = inputs[0]
        i = _split_axis(ctx, x, a["axis"])
        n, cuts = x[i], a["sections"]
        if isinstance(cuts, tuple):
            bounds = [0, *(_bound(ctx, c, n, n) for c in cuts), n]
            parts = [e - b for b, e in pairwise(bounds)]
        else:
            if not num.is_int(cuts):
                raise SpecError(f"sections must be a number, not {num.fmt(cuts)}",
                                code="symbolic-output-count")
            parts = [ctx.step(f"piece {j}", SECTION_SIZE, n=n, j=j, q=cuts) for j in range(cuts)]
        for j, size in enumerate(parts):
            ctx.at_least(size, 1, lambda j=j, size=size: (
                f"tensor_split of axis {i + 1} (size {num.fmt(n)}) by {_text_list(cuts)}: piece {j} would be "
                "empty (PyTorch returns an empty tensor; convcalc refuses it)"), code="size-below-1")
        return _outputs(x, i, parts)


@register
class Unbind(Layer):
    """torch.unbind(x, dim): one output per entry of the axis, each without it."""

    kind = "unbind"
    family = "tensor"
    drawing = "flat"
    doc = "torch.unbind: one output per entry of `axis` (batch is 0), the axis dropped; name.0, ..."
    params = (A.Param("axis", A.INTEGER, 1, aliases=("dim",)),)
    order = ("axis",)

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        x = inputs[0]
        i = sample_axis(a["axis"], x, "unbind axis")
        n = x[i]
        if not num.is_int(n):
            raise SpecError(f"unbind of axis {i + 1} of symbolic size {num.fmt(n)}: the number of outputs "
                            "depends on it; bind it (-D)", code="symbolic-output-count")
        shape = (*x[:i], *x[i + 1 :])
        ctx.note("outputs", f"one per index of axis {i + 1}", n)
        return LayerOut(shape, parts=(shape,) * n, batch_axis=keeps_batch_after(i))


# ------------------------------------------------------------------ transpose, matmul


def _two_axes(raw: Any, ctx: Ctx, what: str) -> tuple[Any, Any]:
    raw = split_axes(raw)
    if not isinstance(raw, list | tuple) or len(raw) != 2:
        raise SpecError(f"{what} must be two axis numbers such as [1, 2], not {A.describe(raw)}",
                        code="bad-axis")
    return A.INTEGER(raw[0], ctx, f"{what}[0]"), A.INTEGER(raw[1], ctx, f"{what}[1]")


TWO_AXES = A.Kind("[int, int]", _two_axes, {"type": "array", "items": {"type": "integer"}}, listing=True)


@register
class Transpose(Layer):
    """``x.transpose(a, b)``: two axes swapped (batch is 0 and stays where it is)."""

    kind = "transpose"
    family = "tensor"
    drawing = "flat"
    doc = "x.transpose(a, b): swap two axes (batch is 0 and stays first)."
    aliases = ("swapaxes",)
    params = (A.Param("dims", TWO_AXES, variadic=True, aliases=("axes",)),)
    order = ("dims",)

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        x = list(inputs[0])
        i, j = (sample_axis(d, inputs[0], "transpose axis") for d in a["dims"])
        x[i], x[j] = x[j], x[i]
        ctx.note("axes", f"{i + 1} ({{a}}) and {j + 1} ({{b}}) swap places", a=x[j], b=x[i])
        return LayerOut(tuple(x), batch_axis=keeps_batch_after(min(i, j)))


@register
class MatMul(Layer):
    """torch.matmul of two tensors, one sample at a time (``torch.vmap(torch.matmul)``).

    ``(…, L, d)·(…, d, S) → (…, L, S)``, the leading axes broadcast; a vector
    ``(d,)`` first is a row (the L axis dropped after), second a column (the S
    axis dropped).  With two axes or more on both sides this is exactly
    ``torch.matmul`` on the batched tensors; their ranks must then match unless
    one is a ``parameter`` (PyTorch would pair the batch axis with a leading one).
    MACs: ``L·d·S`` per entry of the broadcast leading axes.
    """

    kind = "matmul"
    family = "tensor"
    drawing = "merge"
    doc = "torch.matmul of [a, b]: (..., L, d)·(..., d, S) -> (..., L, S), leading axes broadcast."
    multi_input = True
    params = ()

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        if len(inputs) != 2:
            raise SpecError(f"matmul multiplies exactly 2 tensors, but `from` names {len(inputs)}",
                            code="wrong-input-count")
        x, y = inputs
        flags = ctx.batchless if len(ctx.batchless) == 2 else (False, False)
        if flags[0] != flags[1]:
            x, y = self._with_parameter(x, y, flags[1])
        elif min(len(x), len(y)) >= 2 and len(x) != len(y) and not flags[0] and not ctx.keras:
            raise SpecError(f"matmul: {fmt_shape(x)} and {fmt_shape(y)} have different numbers of axes; "
                            "PyTorch tensors both carry the batch axis, so broadcasting would pair it with "
                            "a leading axis (reshape one of them first)", code="rank-mismatch")
        xm = (1, *x) if len(x) == 1 else x
        ym = (*y, 1) if len(y) == 1 else y
        L, d, d2, S = xm[-2], xm[-1], ym[-2], ym[-1]
        ctx.equal(d, d2, lambda: (f"matmul: {fmt_shape(x)} · {fmt_shape(y)}: the inner sizes "
                                  f"{num.fmt(d)} and {num.fmt(d2)} differ"), code="shape-mismatch")
        lead = broadcast_dims(ctx, "matmul", (xm[:-2], ym[:-2]), (x, y))
        out = (*lead, *((L,) if len(x) > 1 else ()), *((S,) if len(y) > 1 else ()))
        macs = ctx.step("MACs", MATMUL_MACS, B=num.prod(lead), M=L, K=d, N=S)
        return LayerOut(out, macs=macs)

    @staticmethod
    def _with_parameter(x: Shape, y: Shape, second: bool) -> tuple[Shape, Shape]:
        """One side is a batch, the other a ``parameter`` W: ``torch.matmul(x, W)`` or ``(W, x)`` as torch
        computes them, refused where torch would move the batch axis or multiply over it.  Returns the
        pair with a leading 1 of W that meets the batch axis dropped."""
        batch, weight = (x, y) if second else (y, x)

        def moved() -> SpecError:
            which = "second" if second else "first"
            return SpecError(f"matmul: {fmt_shape(x)} · {fmt_shape(y)} (the {which} a parameter): PyTorch "
                             "would put the parameter's leading axes before the batch axis or multiply over "
                             "the batch; reshape one of them", code="batch-axis-moved")

        if len(batch) == 1:  # the batch is a matrix (N, d) to torch
            if not second or len(weight) > 2:
                raise moved()
            return x, y
        extra = len(weight) - len(batch)  # W's leading axes at or before the batch axis
        if extra > 1 or (extra == 1 and weight[0] != 1):
            raise moved()
        if extra == 1:
            weight = weight[1:]
        return (batch, weight) if second else (weight, batch)
