"""Shape propagation: a parsed :class:`Spec` in, a :class:`Result` out.

For each layer: find its type, read the tensors it takes (``from:``), bind
its arguments to the type's parameters, let the type compute, and record
the row.  Errors from any step get the layer's location and name attached
here, so layer code only says what is wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from . import args as A
from . import num
from .errors import Loc, LayerRef, SpecError
from .layers.base import Constraint, Ctx, Shape, fmt_shape, lookup
from .result import LayerResult, Result
from .spec import LayerSpec, Spec

Value = num.Value
SOURCE_KEYS = ("input_shape", "batch_input_shape", "input_dim")


@dataclass(frozen=True, slots=True)
class Node:
    """A layer use after blocks and repeats are expanded."""

    spec: LayerSpec
    name: str | None  # explicit name, already made unique for block uses
    sources: tuple[str | int, ...] | None
    block: str | None = None
    depth: int = 0
    scope: str = ""  # prefix for names local to a block use


class Names:
    """Free names met while evaluating: each becomes a positive-integer symbol."""

    def __init__(self) -> None:
        self.free: dict[str, None] = {}

    def __call__(self, name: str) -> Value:
        if name.startswith("$"):
            raise SpecError(f"{name} is a block argument, used outside a block")
        self.free.setdefault(name)
        return num.symbol(name)


def resolve_vars(raw: Mapping[str, Any], defines: Mapping[str, Any], free: Names) -> dict[str, Value]:
    """Evaluate ``vars:`` in dependency order; ``-D`` bindings win; cycles are errors."""
    env: dict[str, Value] = {}
    defined = {**raw, **defines}
    state: dict[str, str] = {}

    def get(name: str, chain: tuple[str, ...]) -> Value:
        if name in env:
            return env[name]
        if name not in defined or defined[name] is None:
            return free(name)
        if state.get(name) == "busy":
            cycle = " -> ".join((*chain[chain.index(name):], name))
            raise SpecError(f"vars refer to each other in a circle: {cycle}")
        state[name] = "busy"
        value = defined[name]
        ctx_names = _Lookup(lambda n: get(n, (*chain, name)))
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise SpecError(f"vars: {name} must be a whole number or an expression, not {A.describe(value)}")
        v = value if isinstance(value, int) else A.evaluate_text(value, ctx_names, ctx_names.missing)
        env[name] = v
        state[name] = "done"
        return v

    for name in defined:
        if defined[name] is not None:
            try:
                get(name, ())
            except SpecError as e:
                if not e.message.startswith("vars"):
                    e.message = f"vars: {name}: {e.message}"
                raise
    return env


class _Lookup(dict):  # type: ignore[type-arg]
    """An env whose every name is looked up lazily (vars may name later vars)."""

    def __init__(self, get: Callable[[str], Value]) -> None:
        super().__init__()
        self.get_value = get

    def __contains__(self, key: object) -> bool:
        return False

    def missing(self, name: str) -> Value:
        return self.get_value(name)


def expand(spec: Spec) -> list[Node]:
    """The spec's layers as a flat list of nodes (blocks and repeats unrolled)."""
    from .graph import expand_layers

    return expand_layers(spec)


def propagate(spec: Spec, defines: Mapping[str, Any] | None = None) -> Result:
    framework, layout = spec.framework, spec.resolved_layout
    free = Names()
    env = resolve_vars(spec.vars, defines or {}, free)
    constraints: list[Constraint] = []
    nodes = expand(spec)

    def context(rank: int | None = None) -> Ctx:
        return Ctx(framework, layout, env, free, constraints, rank)

    inputs = dict(spec.inputs)
    if not inputs and nodes:
        inputs = _input_from_first_layer(nodes[0].spec)
    if not inputs:
        raise SpecError("the spec gives no input shape (add `input: [3, 224, 224]` or use --input)",
                        loc=spec.input_loc or spec.loc)
    tensors: dict[str, Shape] = {}
    for name, raw in inputs.items():
        try:
            tensors[name] = A.shape_of(list(raw), context(), "input" if name == "input" else f"input {name}")
        except SpecError as e:
            raise e.located(spec.input_loc or spec.loc) from None
    input_names = list(tensors)

    layers: list[LayerResult] = []
    by_name: dict[str, LayerResult] = {}
    counters: dict[str, int] = {}
    for node in nodes:
        index = len(layers) + 1
        ls = node.spec
        try:
            resolved = lookup(ls.type, framework)
        except SpecError as e:
            raise e.located(ls.loc, LayerRef(index, node.name or ls.type, ls.type)) from None
        ref = LayerRef(index, node.name or resolved.layer.type_name(resolved.rank), ls.type)
        try:
            sources = _sources(node, index, layers, by_name, input_names)
            in_shapes = tuple(tensors[s] for s in sources)
            layer = resolved.layer
            if not layer.multi_input and len(in_shapes) != 1:
                raise SpecError(f"{ls.type} reads one tensor, but `from` names {len(in_shapes)}")
            rank = resolved.rank
            if rank is None and not layer.multi_input:
                rank = layer.infer_rank(in_shapes[0])
            type_name = layer.type_name(rank)
            default_name = f"{node.scope}{type_name}_{counters.get(type_name, 0) + 1}"
            ref = LayerRef(index, node.name or default_name, type_name)
            if not layer.multi_input:
                layer.check_rank(in_shapes[0], rank, type_name)
            accepted = {n.lower() for p in layer.params for n in p.names}
            kw = {k: v for k, v in ls.kwargs.items() if k not in SOURCE_KEYS or k.lower() in accepted}
            bound = A.bind(replace(ls, kwargs=kw), layer.params, resolved.order,
                           type_name=type_name, ignored=layer.ignored)
            ctx = context(rank)
            values = A.coerce_all(bound, layer.params, ctx, type_name)
            fmt = values.get("data_format")
            if fmt is not None and fmt != layout:
                raise SpecError(f"data_format {fmt} differs from the spec's layout {layout}; "
                                f"set `layout: {fmt}` for the whole spec")
            out = layer.infer(ctx, in_shapes, values)
        except SpecError as e:
            raise e.located(ls.loc, ref) from None
        counters[type_name] = counters.get(type_name, 0) + 1
        name = ref.name
        if name in by_name or name in tensors:
            raise SpecError(f"layer name '{name}' is used twice", loc=ls.loc,
                            layer=LayerRef(index, name, type_name))
        row = LayerResult(
            index=index,
            name=name,
            type=type_name,
            label=_label(type_name, layer.params, bound),
            sources=sources,
            input_shapes=in_shapes,
            output=out.shape,
            weights=out.weights,
            macs=out.macs,
            loc=ls.loc,
            steps=tuple(ctx.steps),
            windows=out.windows,
            block=node.block,
            depth=node.depth,
            extra=dict(out.extra),
        )
        layers.append(row)
        by_name[name] = row
        tensors[name] = out.shape

    outputs = _outputs(spec, layers, by_name, tensors, input_names)
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
    )
    return result


def _input_from_first_layer(first: LayerSpec) -> dict[str, tuple[Any, ...]]:
    """Keras's ``input_shape=`` (or ``input_dim=``) on the first layer sets the input."""
    kw = first.kwargs
    for key in ("input_shape", "batch_input_shape"):
        if key in kw:
            raw = kw[key]
            raw = list(raw) if isinstance(raw, list | tuple) else A.split_axes(raw)
            if not isinstance(raw, list):
                raw = [raw]
            if key == "batch_input_shape":
                raw = raw[1:]
            return {"input": tuple(raw)}
    if "input_dim" in kw and first.type.lower() not in ("embedding",):
        return {"input": (kw["input_dim"],)}
    return {}


def _sources(
    node: Node,
    index: int,
    layers: Sequence[LayerResult],
    by_name: Mapping[str, LayerResult],
    input_names: Sequence[str],
) -> tuple[str, ...]:
    """Tensor names a layer reads: ``from:`` by name, ``input``, or index."""
    if node.sources is None:
        return (layers[-1].name,) if layers else (input_names[0],)
    out = []
    for ref in node.sources:
        out.append(resolve_ref(ref, index, layers, by_name, input_names, node.scope))
    return tuple(out)


def resolve_ref(
    ref: str | int,
    index: int,
    layers: Sequence[LayerResult],
    by_name: Mapping[str, LayerResult],
    input_names: Sequence[str],
    scope: str = "",
) -> str:
    """One ``from:`` entry to a tensor name (layer indices are 1-based; 0 is the input)."""
    if isinstance(ref, bool):
        raise SpecError(f"from: {ref} is not a layer name or index")
    if isinstance(ref, int):
        target = index + ref if ref < 0 else ref
        if ref >= index:
            raise SpecError(f"from: {ref} refers to layer {ref}, which comes at or after this one "
                            f"(layer {index}); a layer can only read earlier layers")
        if target < 0:
            raise SpecError(f"from: {ref} reaches before the input (this is layer {index})")
        return input_names[0] if target == 0 else layers[target - 1].name
    if not isinstance(ref, str):
        raise SpecError(f"from: entries are layer names or indices, not {A.describe(ref)}")
    for candidate in (f"{scope}{ref}", ref) if scope else (ref,):
        if candidate in by_name or candidate in input_names:
            return candidate
    if ref == "input":
        return input_names[0]
    from .errors import did_you_mean

    known = [*input_names, *by_name]
    raise SpecError(f"from: no layer or input named '{ref}' before this layer" + did_you_mean(ref, known))


def _outputs(
    spec: Spec,
    layers: Sequence[LayerResult],
    by_name: Mapping[str, LayerResult],
    tensors: Mapping[str, Shape],
    input_names: Sequence[str],
) -> dict[str, Shape]:
    if not spec.outputs:
        if layers:
            return {layers[-1].name: layers[-1].output}
        return {input_names[0]: tensors[input_names[0]]}
    out: dict[str, Shape] = {}
    for ref in spec.outputs:
        try:
            name = resolve_ref(ref, len(layers) + 1, layers, by_name, input_names)
        except SpecError as e:
            raise SpecError(e.message.replace("from:", "outputs:"), loc=spec.loc) from None
        out[name] = tensors[name]
    return out


def _label(type_name: str, params: Sequence[A.Param], bound: Mapping[str, Any]) -> str:
    """``conv2d(32, 5, stride=2)``: required arguments, then the optional ones given."""
    parts = []
    for p in params:
        if p.name not in bound:
            continue
        text = _raw_text(bound[p.name])
        parts.append(text if p.default is A.REQUIRED else f"{p.name}={text}")
    return f"{type_name}({', '.join(parts)})" if parts else type_name


def _raw_text(raw: Any) -> str:
    if isinstance(raw, bool):
        return str(raw).lower()
    if isinstance(raw, list | tuple):
        flat = [_raw_text(r) for r in raw]
        if all(not isinstance(r, list | tuple) for r in raw):
            return "×".join(flat)
        return "[" + ", ".join(flat) + "]"
    if isinstance(raw, LayerSpec):
        return raw.type
    return str(raw)


def shape_text(shape: Shape) -> str:
    return fmt_shape(shape)


__all__ = ["Loc", "Node", "propagate", "resolve_ref", "shape_text"]
