"""Per-layer analyses beyond shapes: activation memory and receptive fields.

Both are derived from what the propagator already recorded (output shapes,
each layer's sliding ``windows`` and ``from:`` sources), so no layer type
needs code for them.  :func:`annotate` stores the numbers on the result once
(it is idempotent); the ``memory`` and ``rf`` columns and the JSON read them.

Conventions (documented in the README):

- ``macs`` are computed by the layers themselves (multiply-accumulates for
  one sample; FLOPs ≈ 2·MACs).
- ``memory`` is the number of elements of a layer's output activation and
  its size in float32 (4 bytes each); the forward-pass total is the sum over
  all layers (the input is not counted).
- ``rf`` is the receptive field along each spatial axis, in input positions,
  and the effective stride ("jump"): the distance in input positions between
  neighbouring outputs.  A sliding window of effective (dilated) kernel k and
  stride s maps ``rf → rf + (k − 1)·jump`` and ``jump → jump·s``.  Layers that
  keep the spatial sizes pass both through; where branches merge, the largest
  of each is kept.  A layer that does not keep a spatial layout (flatten,
  dense over a spatial axis, adaptive pooling ...) has no receptive field; a
  later sliding window starts counting afresh from its own input.  Zero
  padding and cropping only shift the grid (windows of 1, stride 1), so the
  field runs on through them.  Upsampling and transposed convolutions make
  the grid finer than their input (an effective stride below one input
  position, a fraction, and with interpolation a reach that depends on the
  mode), so they end the field like a layer without a spatial layout.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from . import num
from .layers.base import Window
from .render.common import Column, Options, column, count
from .result import LayerResult, Result

Value = num.Value
Shape = tuple[Value, ...]
BYTES_PER_ELEMENT = 4  # float32


class Field(NamedTuple):
    """Receptive field and effective stride, one entry per spatial axis."""

    rf: tuple[Value, ...]
    jump: tuple[Value, ...]


def spatial(shape: Shape, layout: str) -> Shape:
    """The spatial sizes of a feature map (everything but the channel axis)."""
    return shape[:-1] if layout == "channels_last" else shape[1:]


def slide(field: Field, windows: Sequence[Window]) -> Field:
    """A sliding window applied to a receptive field, axis by axis."""
    rf = tuple(r + (w.kernel - 1) * j for r, j, w in zip(field.rf, field.jump, windows, strict=True))
    jump = tuple(j * w.stride for j, w in zip(field.jump, windows, strict=True))
    return Field(rf, jump)


def widest(fields: Sequence[Field]) -> Field:
    """Where branches merge: the largest receptive field and stride on each axis."""
    if len(fields) == 1:
        return fields[0]
    rank = len(fields[0].rf)
    return Field(
        tuple(num.maximum(*(f.rf[i] for f in fields)) for i in range(rank)),
        tuple(num.maximum(*(f.jump[i] for f in fields)) for i in range(rank)),
    )


def _same_sizes(a: Shape, b: Shape) -> bool:
    if a == b:  # ints (or the very same expressions): no need to print them
        return True
    return len(a) == len(b) and all(num.fmt(x) == num.fmt(y) for x, y in zip(a, b, strict=True))


def _field(layer: LayerResult, fields: dict[str, Field | None], layout: str,
           alias: dict[str, str]) -> Field | None:
    ins = [fields.get(alias.get(s, s)) for s in layer.sources]
    out_sp = spatial(layer.output, layout)
    if layer.windows is not None:
        if len(layer.windows) != len(out_sp):
            return None
        start = ins[0] if ins and ins[0] is not None and len(ins[0].rf) == len(out_sp) else None
        if start is None:  # counting starts at this layer's input
            start = Field((1,) * len(out_sp), (1,) * len(out_sp))
        return slide(start, layer.windows)
    if not out_sp or any(f is None for f in ins):
        return None
    keeps = all(_same_sizes(spatial(s, layout), out_sp) for s in layer.input_shapes)
    if not keeps or len(layer.input_shapes) != len(ins):
        return None
    return widest([f for f in ins if f is not None])


def annotate(result: Result) -> None:
    """Compute memory and receptive fields for every layer of ``result`` (once)."""
    if result.extra.get("analysed"):
        return
    layout = result.layout
    fields: dict[str, Field | None] = {}
    for name, shape in result.inputs.items():
        sp = spatial(shape, layout)
        fields[name] = Field((1,) * len(sp), (1,) * len(sp)) if sp else None
    # A block's name, read by a later layer, stands for the block's last layer.
    alias = {row.name: result.layers[row.extra["layers"][1] - 1].name
             for row in result.table_rows() if row.is_block and "layers" in row.extra}
    sizes: list[Value] = []
    for layer in result.layers:
        elements = num.prod(layer.output)
        sizes.append(elements)
        field = _field(layer, fields, layout, alias)
        fields[layer.name] = field
        layer.extra["memory"] = elements
        layer.extra["field"] = field
        layer.extra.setdefault("json", {}).update(layer_json(elements, field))
    total = num.total(sizes)  # one polynomial, not n nested sums
    result.extra["memory"] = total
    result.extra.setdefault("totals_json", {})["memory"] = memory_json(total)
    result.extra["analysed"] = True


def memory_json(elements: Value) -> dict[str, int | str]:
    return {"elements": _j(elements), "bytes": _j(elements * BYTES_PER_ELEMENT)}


def layer_json(elements: Value, field: Field | None) -> dict[str, object]:
    return {
        "memory": memory_json(elements),
        "receptive_field": None if field is None else [_j(v) for v in field.rf],
        "effective_stride": None if field is None else [_j(v) for v in field.jump],
    }


def _j(v: Value) -> int | str:
    return v if type(v) is int else num.fmt(v)


# ------------------------------------------------------------------ columns


def human_bytes(n: Value) -> str:
    """``1.2 MB`` (decimal units, as the params-size footer uses)."""
    if not num.is_int(n):
        return f"{count(n)} B"
    for unit, scale in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if n >= scale:
            return f"{n / scale:,.2f} {unit}"
    return f"{n} B"


def _batch(v: Value, opts: Options) -> Value:
    return v * opts.batch if opts.batch is not None else v


def _memory_cell(row: LayerResult, res: Result, opts: Options) -> str:
    annotate(res)
    if row.is_block or "memory" not in row.extra:
        return ""
    n = _batch(row.extra["memory"], opts)
    return f"{count(n)} ({human_bytes(n * BYTES_PER_ELEMENT)})"


def _memory_total(res: Result, opts: Options) -> str:
    annotate(res)
    n = _batch(res.extra["memory"], opts)
    return f"{count(n)} ({human_bytes(n * BYTES_PER_ELEMENT)})"


def _rf_cell(row: LayerResult, res: Result, opts: Options) -> str:
    annotate(res)
    field = row.extra.get("field")
    if row.is_block or field is None:
        return ""
    sep = "×" if opts.pretty else "x"
    rf = sep.join(count(v) for v in field.rf)
    jump = sep.join(count(v) for v in field.jump)
    return f"{rf} /{jump}"


column(Column("memory", "Activations", _memory_cell, _memory_total, numeric=True))
column(Column("rf", "RF /stride", _rf_cell))
