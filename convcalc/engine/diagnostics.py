"""Warnings: answers convcalc computes exactly that may still not be what the user meant.

Each is a :class:`~convcalc.errors.SpecWarning` with a stable code and the
layer it is about; the run goes on and exits 0.  The CLI prints them on
stderr for the text formats; the JSON output lists them under ``"warnings"``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from ..arith import num
from ..core.framework import Framework, Layout
from ..core.result import LayerResult
from ..core.types import AXIS_NAMES, Shape, fmt_shape
from ..errors import LayerRef, SpecWarning


def leading_one(row: LayerResult, kind: str, shape: Shape, layout: str) -> SpecWarning | None:
    """``1x3x224x224 | conv(64, 7)``: a 3-d layer inferred from an input whose first axis is 1.

    That 1 is most often a batch axis pasted with the shape; convcalc's shapes
    are one sample's, so the network silently becomes a 3-d one.
    """
    if not shape or type(shape[0]) is not int or shape[0] != 1:
        return None
    axes = ("C", *AXIS_NAMES[3]) if layout == Layout.CHANNELS_FIRST else (*AXIS_NAMES[3], "C")
    read = ", ".join(f"{a} = {num.fmt(d)}" for a, d in zip(axes, shape, strict=True))
    return SpecWarning(
        "leading-1-read-as-axis",
        f"{kind} became {row.type} because its input {fmt_shape(shape)} has 4 axes: it is read as "
        f"{'×'.join(axes)} ({read}); if the leading 1 is the batch, leave it out (shapes are one "
        f"sample's) or use --batch; if a 3-d input is meant, write {row.type} to say so",
        row.loc, _ref(row))


def unused_layers(layers: Sequence[LayerResult], by_name: Mapping[str, LayerResult],
                  outputs: Iterable[str], framework: str) -> list[SpecWarning]:
    """Layers no output depends on: counted all the same (PyTorch counts every module), and named.

    A mis-wired ``from:`` leaves a branch that nothing reads; its parameters
    are in the totals, so the user must hear of it.  (A Keras ``Model`` built
    from its outputs leaves such a layer out: the warning says so.)
    """
    def owner(tensor: str) -> LayerResult | None:
        """The row that makes a tensor: its own, or a multi-output row's for ``name.k``."""
        row = by_name.get(tensor)
        if row is None and "." in tensor:
            row = by_name.get(tensor.rsplit(".", 1)[0])
            if row is not None and row.parts is None:
                return None
        return row

    needed = {row.name for row in map(owner, outputs) if row is not None}
    made_by, need = by_name.get, needed.add  # asked for every row
    # A row reads only rows before it: one pass from the last row finds every row needed.
    for row in reversed(layers):
        if row.name in needed:
            for source in row.sources:
                source_row = made_by(source) or owner(source)  # most tensors are a row's own name
                if source_row is not None:
                    need(source_row.name)
    out = []
    for row in [row for row in layers if row.name not in needed]:  # most networks: none
        counted = ""
        if row.params != 0:
            counted = (f"; its {_count(row.params)} parameters are counted in the totals, as PyTorch "
                       "counts every module" + (" (a Keras Model built from the outputs leaves them "
                                                "out)" if framework == Framework.KERAS else ""))
        out.append(SpecWarning(
            "unused-layer",
            f"no output depends on this layer{counted}; is a `from:` or `outputs:` wrong?",
            row.loc, _ref(row)))
    return out


def _count(v: num.Value) -> str:
    return f"{v:,}" if num.is_int(v) else num.fmt(v)


def _ref(row: LayerResult) -> LayerRef:
    return LayerRef(row.index, row.name, row.type)
