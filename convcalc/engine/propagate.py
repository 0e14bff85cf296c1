"""Shape propagation: a parsed :class:`Spec` in, a :class:`Result` out.

For each layer: find its type, read the tensors it takes (``from:``), bind
its arguments to the type's parameters, let the type compute, and record
the row.  Errors from any step get the layer's location and name attached
here, so layer code only says what is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..arith import num
from ..core import params as A
from ..core.context import Ctx
from ..core.result import LayerResult, Result
from ..core.types import Constraint, Shape, Weight
from ..errors import LayerRef, SpecError, did_you_mean
from ..layers.registry import Resolved, lookup
from ..spec.model import LayerSpec, Spec, raw_text, split_axes
from .receptive_field import ReceptiveFields
from .refs import Node, Refs, resolve_outputs
from .run_layer import NESTED, Memo, layer_rank
from .variables import Names, resolve_vars

if TYPE_CHECKING:  # pragma: no cover
    from .expand import Expansion

Value = num.Value


def expand(spec: Spec, env: Mapping[str, Value] | None = None) -> Expansion:
    """The spec's layers as flat nodes (blocks and repeats unrolled) and block rows."""
    from .expand import expand_layers

    return expand_layers(spec, env)


def propagate(spec: Spec, defines: Mapping[str, Any] | None = None) -> Result:
    framework, layout = spec.framework, spec.resolved_layout
    free = Names()
    env = resolve_vars(spec.vars, defines or {}, free, spec.var_locs)
    constraints: list[Constraint] = []
    tagged = 0  # constraints before this index already name their layer
    expansion = expand(spec, env)
    nodes, groups = expansion.nodes, expansion.groups

    def context(rank: int | None = None) -> Ctx:
        return Ctx(framework, layout, env, free, constraints, rank, NESTED)

    inputs = dict(spec.inputs)
    if not inputs and nodes:
        inputs = _input_from_first_layer(nodes[0].spec)
    if not inputs:
        raise SpecError("the spec gives no input shape (add `input: [3, 224, 224]` or use --input)",
                        loc=spec.input_loc or spec.loc)
    tensors: dict[str, Shape] = {}
    for name, raw in inputs.items():
        try:
            what = "input" if name == "input" else f"input {name}"
            tensors[name] = A.shape_of(list(raw), context(), what) if raw else ()  # () is 0-d
        except SpecError as e:
            raise e.located(spec.input_loc or spec.loc) from None
    input_names = list(tensors)
    fields = ReceptiveFields(tensors, layout)

    layers: list[LayerResult] = []
    by_name: dict[str, LayerResult] = {}
    counters: dict[tuple[str, str], int] = {}
    opening: dict[int, list[Any]] = {}
    closing: dict[int, list[Any]] = {}
    for g in groups:
        if g.first <= g.last:
            opening.setdefault(g.first, []).append(g)
            closing.setdefault(g.last, []).append(g)
    group_sources: dict[str, tuple[str, ...]] = {}
    types: dict[str, Resolved] = {}  # type as written -> layer type (big nets repeat a few types)
    refs = Refs(layers, by_name, input_names, expansion.names)
    memo = Memo(constraints)
    for node in nodes:
        index = len(layers) + 1
        ls = node.spec
        for g in opening.get(index, ()):
            try:
                group_sources[g.name] = tuple(refs.resolve(s, index) for s in g.inputs)
            except SpecError as e:
                raise e.located(g.loc, LayerRef(index, g.name, g.type)) from None
        try:
            resolved = types.get(ls.type) or types.setdefault(ls.type, lookup(ls.type, framework))
        except SpecError as e:
            if spec.blocks and e.message.startswith("unknown layer type") and "did you mean" not in e.message:
                e.message += did_you_mean(ls.type, spec.blocks) or f" (blocks: {', '.join(spec.blocks)})"
            raise e.located(ls.loc, LayerRef(index, node.name or ls.type, ls.type)) from None
        layer = resolved.layer
        type_name = None  # known once the rank is (`conv` takes it from its input)
        try:
            sources = refs.sources(node, index)
            in_shapes = tuple(tensors[s] for s in sources)
            if not layer.multi_input and len(in_shapes) != 1:
                raise SpecError(f"{ls.type} reads one tensor, but `from` names {len(in_shapes)}")
            rank = layer_rank(resolved, in_shapes)
            type_name = layer.type_name(rank)
            bound, steps, out = memo.run(resolved, ls, in_shapes, rank, context)
        except SpecError as e:
            raise e.located(ls.loc, _layer_ref(index, node, resolved, type_name, counters)) from None
        key = (node.scope, type_name)
        n = counters[key] = counters.get(key, 0) + 1
        name = node.name or f"{node.scope}{type_name}_{n}"
        if name in by_name or name in tensors:
            raise SpecError(f"layer name '{name}' is used twice", loc=ls.loc,
                            layer=LayerRef(index, name, type_name))
        params, trainable = _counts(out.weights)
        field = fields.add(name, sources, in_shapes, out.shape, out.windows)
        row = LayerResult(
            index=index,
            name=name,
            type=type_name,
            label=_label(type_name, layer.params, bound),
            sources=sources,
            input_shapes=in_shapes,
            output=out.shape,
            weights=out.weights,
            params=params,
            trainable=trainable,
            macs=out.macs,
            loc=ls.loc,
            steps=steps,
            windows=out.windows,
            block=node.block,
            depth=node.depth,
            memory=num.prod(out.shape),
            receptive_field=None if field is None else field.rf,
            effective_stride=None if field is None else field.jump,
        )
        layers.append(row)
        by_name[name] = row
        tensors[name] = out.shape
        for i in range(tagged, len(constraints)):  # this layer's open conditions
            constraints[i] = constraints[i]._replace(layer=name)
        tagged = len(constraints)
        for g in closing.get(index, ()):
            # A block's name reads as its last layer's output.
            if g.name in by_name or g.name in tensors:
                raise SpecError(f"the name '{g.name}' is used twice (a layer and a block)",
                                loc=g.loc, layer=LayerRef(g.first, g.name, g.type))
            by_name[g.name] = row
            tensors[g.name] = out.shape
            fields.alias(g.name, name)

    outputs = resolve_outputs(spec, refs, tensors)
    result = Result(
        source=spec.source,
        name=spec.name,
        framework=framework,
        layout=layout,
        inputs={k: tensors[k] for k in input_names},
        outputs=outputs,
        layers=layers,
        constraints=constraints,
        free_names=tuple(free.free),
        rows=_rows(layers, opening, group_sources, tensors) if opening else None,
        memory=num.total([row.memory for row in layers]),  # one polynomial, not n nested sums
    )
    if result.free_names:
        from ..arith.symbolic import reduce_constraints

        reduce_constraints(result)
    return result


def _rows(
    layers: Sequence[LayerResult],
    opening: Mapping[int, Sequence[Any]],
    group_sources: Mapping[str, tuple[str, ...]],
    tensors: Mapping[str, Shape],
) -> list[LayerResult]:
    """Table rows: each group's row (with its layers' totals) above its layers."""
    columns = {"params": [r.params for r in layers], "trainable": [r.trainable for r in layers],
               "macs": [r.macs for r in layers]}
    prefix = {k: _prefix_sums(v) for k, v in columns.items()}

    def total(key: str, first: int, last: int) -> Value:
        sums = prefix[key]
        if sums is not None:  # all whole numbers: O(1) per group, however deep the nesting
            return sums[last] - sums[first - 1]
        return sum(columns[key][first - 1 : last], 0)

    rows: list[LayerResult] = []
    for row in layers:
        for g in sorted(opening.get(row.index, ()), key=lambda g: g.depth):
            sources = group_sources[g.name]
            rows.append(LayerResult(
                index=g.first,
                name=g.name,
                type=g.type,
                label=g.label,
                sources=sources,
                input_shapes=tuple(tensors[s] for s in sources),
                output=layers[g.last - 1].output,
                weights=(),
                params=total("params", g.first, g.last),
                trainable=total("trainable", g.first, g.last),
                macs=total("macs", g.first, g.last),
                loc=g.loc,
                block=g.parent,
                depth=g.depth,
                span=(g.first, g.last),
            ))
        rows.append(row)
    return rows


def _layer_ref(index: int, node: Node, resolved: Resolved, type_name: str | None,
               counters: Mapping[tuple[str, str], int]) -> LayerRef:
    """The layer an error is about, named as the table would name it.

    Before the rank is known the type is the one without it (``conv``), and a
    default name is given only when it cannot depend on the rank.
    """
    if type_name is None:
        type_name = resolved.layer.type_name(resolved.rank)
        if node.name is None and resolved.rank is None and resolved.layer.ranks:
            return LayerRef(index, f"{node.scope}{type_name}", type_name)
    name = node.name or f"{node.scope}{type_name}_{counters.get((node.scope, type_name), 0) + 1}"
    return LayerRef(index, name, type_name)


def _counts(weights: Sequence[Weight]) -> tuple[Value, Value]:
    """(parameters, trainable parameters) of a layer's weights."""
    sizes = [w.size for w in weights]
    if all(w.trainable for w in weights):
        params = num.total(sizes)
        return params, params
    return num.total(sizes), num.total([n for n, w in zip(sizes, weights, strict=True) if w.trainable])


def _prefix_sums(values: Sequence[Value]) -> list[int] | None:
    if not all(num.is_int(v) for v in values):
        return None
    out = [0]
    for v in values:
        out.append(out[-1] + v)
    return out


def _input_from_first_layer(first: LayerSpec) -> dict[str, tuple[Any, ...]]:
    """Keras's ``input_shape=`` (or ``input_dim=``) on the first layer sets the input."""
    kw = first.kwargs
    for key in ("input_shape", "batch_input_shape"):
        if key in kw:
            raw = kw[key]
            raw = list(raw) if isinstance(raw, list | tuple) else split_axes(raw)
            if not isinstance(raw, list):
                raw = [raw]
            if key == "batch_input_shape":
                raw = raw[1:]
            return {"input": tuple(raw)}
    if "input_dim" in kw and first.type.lower() not in ("embedding",):
        return {"input": (kw["input_dim"],)}
    return {}


def _label(type_name: str, params: Sequence[A.Param], bound: Mapping[str, Any]) -> str:
    """``conv2d(32, 5, stride=2)``: required arguments, then the optional ones given."""
    if not bound:
        return type_name
    parts = []
    for p in params:
        if p.name not in bound:
            continue
        text = p.show(bound[p.name]) if p.show is not None else raw_text(bound[p.name])
        parts.append(text if p.default is A.REQUIRED else f"{p.name}={text}")
    return f"{type_name}({', '.join(parts)})" if parts else type_name


__all__ = ["propagate"]
