"""Per-layer analyses beyond shapes: activation memory and receptive fields.

Both are derived from what a layer computes anyway (its output shape, the
sliding ``windows`` it reports and its ``from:`` sources), so no layer type
needs code for them.  The propagator fills them in as it builds each row
(:class:`ReceptiveFields`); the ``memory`` and ``rf`` columns and the JSON
read the row's fields.

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

from collections.abc import Mapping, Sequence

from .._record import NamedTuple
from ..arith import num
from ..core.framework import split_channels
from ..core.types import Window

Value = num.Value
Shape = tuple[Value, ...]


class Field(NamedTuple):
    """Receptive field and effective stride, one entry per spatial axis."""

    rf: tuple[Value, ...]
    jump: tuple[Value, ...]


def spatial(shape: Shape, layout: str) -> Shape:
    """The spatial sizes of a feature map (everything but the channel axis)."""
    return split_channels(shape, layout)[1] if shape else ()  # a 0-d input has no axes


def slide(field: Field, windows: Sequence[Window]) -> Field:
    """A sliding window applied to a receptive field, axis by axis (one window per axis of ``field``:
    :meth:`ReceptiveFields._field` matches the lengths)."""
    # One loop filling both, by index (every convolution and pool slides): cheaper than two
    # comprehensions, and than zip(strict=True), which reads its keyword at every call.
    rf, jump = field
    new_rf, new_jump = [], []
    for i, (kernel, stride, _) in enumerate(windows):
        j = jump[i]
        new_rf.append(rf[i] + (kernel - 1) * j)
        new_jump.append(j * stride)
    return Field(tuple(new_rf), tuple(new_jump))


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


class ReceptiveFields:
    """Receptive fields, layer by layer, as the propagator adds them (in order)."""

    def __init__(self, inputs: Mapping[str, Shape], layout: str) -> None:
        self.layout = layout
        self.fields: dict[str, Field | None] = {}
        for name, shape in inputs.items():
            sp = spatial(shape, layout)
            self.fields[name] = Field((1,) * len(sp), (1,) * len(sp)) if sp else None

    def add(self, name: str, sources: Sequence[str], input_shapes: Sequence[Shape], output: Shape,
            windows: Sequence[Window] | None) -> Field | None:
        """The field of layer ``name`` (which reads ``sources``); None when it has no spatial layout."""
        if windows is None and len(input_shapes) == 1 and input_shapes[0] is output and len(sources) == 1:
            # The input's own shape passed on (a norm, an activation): its field, with no more asked.
            field = self.fields.get(sources[0])
            if field is not None and len(output) <= 1:  # one axis: no spatial one
                field = None
        else:
            field = self._field(sources, input_shapes, output, windows)
        self.fields[name] = field
        return field

    def alias(self, name: str, target: str) -> None:
        """``name`` reads as ``target``'s output (a block's name is its last layer's)."""
        self.fields[name] = self.fields.get(target)

    def _field(self, sources: Sequence[str], input_shapes: Sequence[Shape], output: Shape,
               windows: Sequence[Window] | None) -> Field | None:
        if windows is not None:
            axes = len(output) - 1 if output else 0  # len(spatial(output)): all but the channel axis
            if len(windows) != axes:
                return None
            start = self.fields.get(sources[0]) if sources else None
            if start is None or len(start.rf) != axes:  # counting starts at this layer's input
                start = Field((1,) * axes, (1,) * axes)
            return slide(start, windows)
        ins = list(map(self.fields.get, sources))
        out_sp = spatial(output, self.layout)
        if not out_sp or not ins or any(f is None for f in ins):  # no input: a source (`parameter`)
            return None
        keeps = all(_same_sizes(spatial(s, self.layout), out_sp) for s in input_shapes)
        if not keeps or len(input_shapes) != len(ins):
            return None
        return widest([f for f in ins if f is not None])
