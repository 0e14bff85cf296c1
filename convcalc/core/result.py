"""The propagated result: what every renderer reads.

Plain data computed once by :mod:`convcalc.engine.propagate` and frozen;
renderers only format it.  :meth:`Result.to_dict` is the JSON of SPEC §7.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .._record import field, record
from ..arith import num
from ..arith.formulas import Step
from ..errors import Loc, SpecWarning
from .types import Constraint, Weight, Window

Value = num.Value
Shape = tuple[Value, ...]
if TYPE_CHECKING:  # pragma: no cover
    from ..spec.model import Evidence

BYTES_PER_ELEMENT = 4  # float32 activations


def jsonable(v: Value) -> int | str:
    """Concrete sizes are ints; symbolic ones are strings in sympy's syntax."""
    if type(v) is int:
        return v
    return int(v) if getattr(v, "is_Integer", False) else num.fmt(v)


def shape_json(shape: Shape) -> list[int | str]:
    return [d if type(d) is int else jsonable(d) for d in shape]


@record()
class LayerResult:
    """One row of the table: a layer with everything convcalc knows about it.

    Built once per layer by the engine and never changed after.  Not a frozen
    dataclass only for speed: a frozen one costs five times as much to build,
    and a 10,000-layer spec builds 10,000 rows.
    """

    index: int
    name: str
    type: str  # canonical type name, e.g. "conv2d"
    label: str  # type with its key arguments, e.g. "conv2d(32, 5)"
    sources: tuple[str, ...]
    input_shapes: tuple[Shape, ...]
    output: Shape
    weights: tuple[Weight, ...]
    params: Value  # the weights' sizes (a block row: its layers')
    trainable: Value
    macs: Value
    loc: Loc
    steps: tuple[Step, ...]
    windows: tuple[Window, ...] | None
    block: str | None  # the block row this layer belongs to
    depth: int  # nesting depth of blocks
    span: tuple[int, int] | None  # a block row: the indices of its first and last layer
    # convcalc.engine.receptive_field: elements of the output activation, receptive field and effective
    # stride per spatial axis (None: a block row, or a layer without a spatial layout)
    memory: Value | None
    receptive_field: tuple[Value, ...] | None
    effective_stride: tuple[Value, ...] | None
    # A layer with several outputs (``split``): their shapes, read as ``name.0``, ``name.1``, …
    # (``output`` is then the first).  None: one output.
    parts: tuple[Shape, ...] | None
    batchless: bool  # a `parameter` (or made of them only): no batch axis, not multiplied by --batch
    # False: the shape cannot be known (print(model) text whose printed order stopped fitting)
    shape_known: bool
    shared_with: str | None  # `share:`: the layer whose module this use is (0 own params)
    tied_to: str | None  # `tie:`: the layer whose weight this dense uses
    skipped: bool  # `if:` was false: the layer passed its input through
    # Where --batch puts the batch axis in the output: 0 first, 1 second (PyTorch's (L, N, E) after
    # batch_first=False); None: not known (a layer reading a batch-second tensor; shown first).
    batch_axis: int | None

    def __init__(self, index: int, name: str, type: str, label: str, sources: tuple[str, ...],
                 input_shapes: tuple[Shape, ...], output: Shape, weights: tuple[Weight, ...],
                 params: Value, trainable: Value, macs: Value, loc: Loc, steps: tuple[Step, ...] = (),
                 windows: tuple[Window, ...] | None = None, block: str | None = None, depth: int = 0,
                 span: tuple[int, int] | None = None, memory: Value | None = None,
                 receptive_field: tuple[Value, ...] | None = None,
                 effective_stride: tuple[Value, ...] | None = None, parts: tuple[Shape, ...] | None = None,
                 batchless: bool = False, shape_known: bool = True, shared_with: str | None = None,
                 tied_to: str | None = None, skipped: bool = False, batch_axis: int | None = 0,
                 drawing: str = "other", glyph: str = "") -> None:
        """Written out (not the record's generic one): one is built for every row."""
        self.index = index
        self.name = name
        self.type = type
        self.label = label
        self.sources = sources
        self.input_shapes = input_shapes
        self.output = output
        self.weights = weights
        self.params = params
        self.trainable = trainable
        self.macs = macs
        self.loc = loc
        self.steps = steps
        self.windows = windows
        self.block = block
        self.depth = depth
        self.span = span
        self.memory = memory
        self.receptive_field = receptive_field
        self.effective_stride = effective_stride
        self.parts = parts
        self.batchless = batchless
        self.shape_known = shape_known
        self.shared_with = shared_with
        self.tied_to = tied_to
        self.skipped = skipped
        self.batch_axis = batch_axis
        self.drawing = drawing
        self.glyph = glyph

    @property
    def outputs(self) -> dict[str, Shape]:
        """Each output by the name later layers read it by."""
        if self.parts is None:
            return {self.name: self.output}
        return {f"{self.name}.{k}": shape for k, shape in enumerate(self.parts)}
    # How --draw shows the layer, from its type's class (Layer.drawing, Layer.glyph); not in the JSON.
    drawing: str
    glyph: str

    @property
    def is_block(self) -> bool:
        """A block's row (its numbers are its layers' totals)."""
        return self.span is not None

    @property
    def non_trainable(self) -> Value:
        return self.params - self.trainable

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "index": self.index,
            "name": self.name,
            "type": self.type,
            "from": list(self.sources),
            # several outputs: an object keyed by the names they are read by, as the spec's "output";
            # null when the shape cannot be known (print(model) text whose order stopped fitting)
            "output": None if not self.shape_known else shape_json(self.output) if self.parts is None
            else {k: shape_json(v) for k, v in self.outputs.items()},
            "weights": {w.name: shape_json(w.shape) for w in self.weights},
            "params": jsonable(self.params),
            "trainable": jsonable(self.trainable),
            "non_trainable": jsonable(self.params - self.trainable),
            "macs": jsonable(self.macs),
        }
        repeats = {w.name: w.repeat for w in self.weights if w.repeat != 1}
        if repeats:  # a deep stack's layers 1.. are listed once: how many tensors each name stands for
            d["weight_repeats"] = repeats
        if self.block is not None:
            d["block"] = self.block
        if self.batchless:
            d["batchless"] = True
        for key in ("shared_with", "tied_to"):
            if getattr(self, key) is not None:
                d[key] = getattr(self, key)
        if self.skipped:
            d["skipped"] = True
        if self.batch_axis != 0:
            d["batch_axis"] = self.batch_axis
        if self.memory is not None:
            d["memory"] = memory_json(self.memory)
            d["receptive_field"] = _opt_json(self.receptive_field)
            d["effective_stride"] = _opt_json(self.effective_stride)
        return d


def memory_json(elements: Value) -> dict[str, int | str]:
    """An activation's size: elements and float32 bytes."""
    return {"elements": jsonable(elements), "bytes": jsonable(elements * BYTES_PER_ELEMENT)}


def _opt_json(values: tuple[Value, ...] | None) -> list[int | str] | None:
    return None if values is None else shape_json(values)


@record(frozen=True)
class Result:
    """A whole analysed network, built once by :func:`convcalc.engine.propagate.analyse`.

    Frozen: the engine hands it over complete, with the valid values of the
    free names (``valid``) and the ``expect:`` outcome (``expect``) passed in.
    """

    __hash__ = None  # type: ignore[assignment]  # unhashable, as before (its lists are); no generated hash

    source: str
    name: str | None
    framework: str
    layout: str
    inputs: dict[str, Shape]
    outputs: dict[str, Shape]
    layers: list[LayerResult]
    constraints: list[Constraint] = field(default_factory=list)
    free_names: tuple[str, ...] = ()
    valid: dict[str, Any] = field(default_factory=dict)
    expect: Any = None  # convcalc.core.expect.Outcome, when the spec has `expect:`
    rows: list[LayerResult] | None = None  # table rows incl. block rows; None = layers
    memory: Value = 0  # elements of all layers' output activations (a forward pass)
    # the spelling the framework was inferred from; None when the spec, the command line or
    # the default gave it
    framework_inferred_from: Evidence | None = None
    warnings: tuple[SpecWarning, ...] = ()  # shown on stderr and as JSON "warnings"
    env: dict[str, Value] = field(default_factory=dict)  # the names bound in this run (vars:, -D)
    # read from a foreign format (SPEC §12): its name, the reader's notes and figures (JSON "imported")
    imported: dict[str, Any] | None = None
    spec: Any = None  # the Spec analysed (after the command line's overrides), for --format yaml

    # ---- SPEC §9 API
    @property
    def output(self) -> Shape | dict[str, Shape] | None:
        """The output shape; several by name; None when no output's shape can be known (a
        ``print(model)`` text whose printed order stopped fitting before its end)."""
        if not self.outputs:
            return None
        if len(self.outputs) == 1:
            return next(iter(self.outputs.values()))
        return dict(self.outputs)

    @property
    def input(self) -> Shape | dict[str, Shape]:
        if len(self.inputs) == 1:
            return next(iter(self.inputs.values()))
        return dict(self.inputs)

    @property
    def total_params(self) -> Value:
        return num.total([layer.params for layer in self.layers])

    @property
    def trainable_params(self) -> Value:
        return num.total([layer.trainable for layer in self.layers])

    @property
    def non_trainable_params(self) -> Value:
        return self.total_params - self.trainable_params

    @property
    def total_macs(self) -> Value:
        return num.total([layer.macs for layer in self.layers])

    @property
    def symbolic(self) -> bool:
        return bool(self.free_names)

    def layer(self, name: str) -> LayerResult:
        """A layer, or a block's row, by name."""
        for layer in self.table_rows():
            if layer.name == name:
                return layer
        raise KeyError(name)

    def table_rows(self) -> list[LayerResult]:
        return self.rows if self.rows is not None else self.layers

    def to_dict(self, layers: bool = True) -> dict[str, Any]:
        """The JSON object of SPEC §7 (``layers=False``: ``"layers"`` left empty, for a writer
        that streams them one by one)."""
        def shapes(m: Mapping[str, Shape]) -> Any:
            if not m:  # no output's shape is known: null, as a layer's unknown "output"
                return None
            if len(m) == 1:
                return shape_json(next(iter(m.values())))
            return {k: shape_json(v) for k, v in m.items()}

        params, trainable = self.total_params, self.trainable_params
        d: dict[str, Any] = {
            "file": self.source,  # SPEC §13: "<inline>", "<stdin>", or the path as given
            "name": self.name,
            "framework": self.framework,
            "layout": self.layout,
            "input": shapes(self.inputs),
            "output": shapes(self.outputs),
            "layers": [layer.to_dict() for layer in self.layers] if layers else [],
            "totals": {
                "params": jsonable(params),
                "trainable": jsonable(trainable),
                "non_trainable": jsonable(params - trainable),
                "macs": jsonable(self.total_macs),
                "memory": memory_json(self.memory),
            },
            "constraints": [c.message for c in self.constraints],
            # extensions of SPEC §7: what the framework was inferred from (SPEC §12), warnings
            "framework_inferred_from": None if self.framework_inferred_from is None
            else self.framework_inferred_from.to_dict(),
            "warnings": [w.to_dict() for w in self.warnings],
        }
        if self.imported is not None:
            d["imported"] = self.imported
        if self.free_names:
            d["valid"] = self.valid
        d["expect"] = (
            self.expect.to_dict() if self.expect is not None else {"ok": True, "failures": []}
        )
        return d
