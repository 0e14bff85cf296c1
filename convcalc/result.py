"""The propagated result: what every renderer reads.

Plain data computed once by :mod:`convcalc.propagate`; renderers only
format it.  :meth:`Result.to_dict` is the JSON of SPEC §7.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from . import num
from .errors import Loc
from .formulas import Step
from .layers.base import Constraint, Weight, Window

Value = num.Value
Shape = tuple[Value, ...]


def jsonable(v: Value) -> int | str:
    """Concrete sizes are ints; symbolic ones are strings in sympy's syntax."""
    if type(v) is int:
        return v
    return int(v) if getattr(v, "is_Integer", False) else num.fmt(v)


def shape_json(shape: Shape) -> list[int | str]:
    return [d if type(d) is int else jsonable(d) for d in shape]


@dataclass(slots=True)
class LayerResult:
    """One row of the table: a layer with everything convcalc knows about it."""

    index: int
    name: str
    type: str  # canonical type name, e.g. "conv2d"
    label: str  # type with its key arguments, e.g. "conv2d(32, 5)"
    sources: tuple[str, ...]
    input_shapes: tuple[Shape, ...]
    output: Shape
    weights: tuple[Weight, ...]
    macs: Value
    loc: Loc
    steps: tuple[Step, ...] = ()
    windows: tuple[Window, ...] | None = None
    block: str | None = None  # the block row this layer belongs to
    depth: int = 0  # nesting depth of blocks
    is_block: bool = False  # a block row (its totals are its layers')
    extra: dict[str, Any] = field(default_factory=dict)
    # (params, trainable), counted on first use: every renderer and total reads them.
    _counts: tuple[Value, Value] | None = field(default=None, init=False, repr=False, compare=False)

    def _params_trainable(self) -> tuple[Value, Value]:
        counts = self._counts
        if counts is None:
            if self.is_block:
                counts = (self.extra["params"], self.extra["trainable"])
            else:
                sizes = [(w.size, w.trainable) for w in self.weights]
                counts = (num.total([n for n, _ in sizes]), num.total([n for n, t in sizes if t]))
            self._counts = counts
        return counts

    @property
    def params(self) -> Value:
        return self._params_trainable()[0]

    @property
    def trainable(self) -> Value:
        return self._params_trainable()[1]

    @property
    def non_trainable(self) -> Value:
        params, trainable = self._params_trainable()
        return params - trainable

    def to_dict(self) -> dict[str, Any]:
        params, trainable = self._params_trainable()
        d: dict[str, Any] = {
            "index": self.index,
            "name": self.name,
            "type": self.type,
            "from": list(self.sources),
            "output": shape_json(self.output),
            "weights": {w.name: shape_json(w.shape) for w in self.weights},
            "params": jsonable(params),
            "trainable": jsonable(trainable),
            "non_trainable": jsonable(params - trainable),
            "macs": jsonable(self.macs),
        }
        if self.block is not None:
            d["block"] = self.block
        json = self.extra.get("json")
        if json:
            d.update(json)
        return d


@dataclass(slots=True)
class Result:
    """A whole analysed network."""

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
    expect: Any = None  # convcalc.expect.Outcome, when the spec has `expect:`
    rows: list[LayerResult] | None = None  # table rows incl. block rows; None = layers
    extra: dict[str, Any] = field(default_factory=dict)  # analyses (convcalc.analysis)

    # ---- SPEC §9 API
    @property
    def output(self) -> Shape | dict[str, Shape]:
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

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of SPEC §7."""
        from .analysis import annotate

        annotate(self)

        def shapes(m: Mapping[str, Shape]) -> Any:
            if len(m) == 1:
                return shape_json(next(iter(m.values())))
            return {k: shape_json(v) for k, v in m.items()}

        params, trainable = self.total_params, self.trainable_params
        d: dict[str, Any] = {
            "name": self.name,
            "framework": self.framework,
            "layout": self.layout,
            "input": shapes(self.inputs),
            "output": shapes(self.outputs),
            "layers": [layer.to_dict() for layer in self.layers],
            "totals": {
                "params": jsonable(params),
                "trainable": jsonable(trainable),
                "non_trainable": jsonable(params - trainable),
                "macs": jsonable(self.total_macs),
                **self.extra.get("totals_json", {}),
            },
            "constraints": [c.message for c in self.constraints],
        }
        if self.free_names:
            d["valid"] = self.valid
        d["expect"] = (
            self.expect.to_dict() if self.expect is not None else {"ok": True, "failures": []}
        )
        return d
