"""Shape propagation: a parsed :class:`Spec` in, a :class:`Result` out.

For each layer: find its type, read the tensors it takes (``from:``), bind
its arguments to the type's parameters, let the type compute, and record
the row.  Errors from any step get the layer's location and name attached
here, so layer code only says what is wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, NamedTuple

from . import args as A
from . import num
from .analysis import ReceptiveFields
from .errors import LayerRef, Loc, SpecError, did_you_mean
from .formulas import Step
from .layers.base import Constraint, Ctx, LayerOut, Resolved, Shape, Weight, fmt_shape, lookup
from .result import LayerResult, Result
from .spec import LayerSpec, Spec

if TYPE_CHECKING:  # pragma: no cover
    from .graph import Expansion

Value = num.Value
SOURCE_KEYS = ("input_shape", "batch_input_shape", "input_dim")


@dataclass(frozen=True, slots=True)
class Ref:
    """A ``from:`` name, tried with each scope prefix in turn (innermost first)."""

    name: str
    scopes: tuple[str, ...] = ("",)


# What a node reads: an absolute layer index (0 = the first input), a name
# as written (outputs:), or a scoped name from a layer list.
Source = int | str | Ref


class Node(NamedTuple):
    """A layer use after blocks and repeats are expanded."""

    spec: LayerSpec
    name: str | None  # explicit name, already made unique for block uses
    sources: tuple[Source, ...] | None  # None = the previous layer
    block: str | None = None  # the innermost group (block row) holding it
    depth: int = 0
    scope: str = ""  # prefix for names local to a block use
    lookup: tuple[str, ...] = ("",)  # scope prefixes for its names, innermost first
    error: SpecError | None = None  # a `from:` found wrong while expanding, raised at this layer


class Names:
    """Free names met while evaluating: each becomes a positive-integer symbol."""

    def __init__(self) -> None:
        self.free: dict[str, None] = {}

    def __call__(self, name: str) -> Value:
        if name.startswith("$"):
            raise SpecError(f"{name} is a block argument, used outside a block")
        if name.lower() in ("nan", "inf", "infinity"):
            raise SpecError(f"{name} is not a whole number")
        self.free.setdefault(name)
        return num.symbol(name)


MAX_VAR_CHAIN = 100


def resolve_vars(
    raw: Mapping[str, Any],
    defines: Mapping[str, Any],
    free: Names,
    locs: Mapping[str, Loc] | None = None,
) -> dict[str, Value]:
    """Evaluate ``vars:`` in dependency order; ``-D`` bindings win; cycles are errors.

    ``locs`` (name -> where the var is written) locates an error at its var.
    """
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
        if len(chain) >= MAX_VAR_CHAIN:  # each link costs Python stack frames
            raise SpecError(f"vars: more than {MAX_VAR_CHAIN} vars refer to one another in a "
                            f"chain ({' -> '.join(chain[:3])} -> ... -> {name})")
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
                raise e.located((locs or {}).get(name)) from None
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


def expand(spec: Spec, env: Mapping[str, Value] | None = None) -> Expansion:
    """The spec's layers as flat nodes (blocks and repeats unrolled) and block rows."""
    from .graph import expand_layers

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
    refs = _Refs(layers, by_name, input_names, expansion.names)
    memo = _Memo(constraints)
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

    outputs = _outputs(spec, refs, tensors)
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
        from .symbolic import reduce_constraints

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


def layer_rank(resolved: Resolved, in_shapes: Sequence[Shape]) -> int | None:
    """The spatial rank a layer use runs at: from its type name, else from its input."""
    if resolved.rank is None and not resolved.layer.multi_input:
        return resolved.layer.infer_rank(in_shapes[0])
    return resolved.rank


def run_layer(
    resolved: Resolved,
    ls: LayerSpec,
    in_shapes: Sequence[Shape],
    rank: int | None,
    context: Callable[[int | None], Ctx],
) -> tuple[dict[str, Any], Ctx, LayerOut]:
    """Check the input's rank, bind and coerce the arguments, and let the layer compute.

    Shared by the propagator and by wrapper layers (``timedistributed``,
    ``bidirectional``) that run an inner layer on a slice of their input.
    Returns the raw bound arguments (for the row's label), the layer's
    context (its explain steps) and what it computed.
    """
    layer = resolved.layer
    type_name = layer.type_name(rank)
    if not layer.multi_input:
        layer.check_rank(in_shapes[0], rank, type_name)
    if any(k in SOURCE_KEYS for k in ls.kwargs):  # Keras's input_shape= & co. (rare)
        accepted = A.names_index(layer.params)
        kw = {k: v for k, v in ls.kwargs.items() if k not in SOURCE_KEYS or k.lower() in accepted}
        ls = replace(ls, kwargs=kw)
    bound = A.bind(ls, layer.params, resolved.order, type_name=type_name, ignored=layer.ignored)
    ctx = context(rank)
    values = A.coerce_all(bound, layer.params, ctx, type_name)
    fmt = values.get("data_format")
    if fmt is not None and fmt != ctx.layout:
        raise SpecError(f"data_format {fmt} differs from the spec's layout {ctx.layout}; "
                        f"set `layout: {fmt}` for the whole spec")
    out = layer.infer(ctx, in_shapes, values)
    _check_sizes(out)
    return bound, ctx, out


class _Memo:
    """Identical layer uses computed once.

    Networks repeat themselves (a ResNet stage is one block used several
    times; a generated spec cycles a few layers), so a use with the same
    type, arguments and input shapes as an earlier one reuses its bound
    arguments, explain steps and output.  A layer's work has no other effect
    than what it returns, except the open conditions it adds (and free names,
    registered at the first use): uses that add a condition are not kept, so
    a reused result never hides one.  Only whole-number input shapes make a
    key (cheap to hash; symbolic uses almost always add conditions).
    """

    def __init__(self, constraints: Sequence[Constraint]) -> None:
        self._constraints = constraints
        self._done: dict[tuple[Any, ...], tuple[dict[str, Any], tuple[Step, ...], LayerOut]] = {}

    def run(
        self,
        resolved: Resolved,
        ls: LayerSpec,
        in_shapes: tuple[Shape, ...],
        rank: int | None,
        context: Callable[[int | None], Ctx],
    ) -> tuple[dict[str, Any], tuple[Step, ...], LayerOut]:
        key = _memo_key(resolved, ls, in_shapes, rank)
        if key is not None:
            done = self._done.get(key)
            if done is not None:
                return done
        open_before = len(self._constraints)
        bound, ctx, out = run_layer(resolved, ls, in_shapes, rank, context)
        done = (bound, tuple(ctx.steps), out)
        if key is not None and len(self._constraints) == open_before:
            self._done[key] = done
        return done


def _memo_key(
    resolved: Resolved, ls: LayerSpec, in_shapes: tuple[Shape, ...], rank: int | None
) -> tuple[Any, ...] | None:
    for shape in in_shapes:
        for d in shape:
            if type(d) is not int:
                return None
    # The arguments' repr, not the values: 1, 1.0 and True are equal keys but different arguments.
    return (resolved, rank, in_shapes, repr(ls.args), repr(ls.kwargs))


def _check_sizes(out: LayerOut) -> None:
    """Refuse numbers too long to print (Python turns at most 4,300 digits into text)."""
    limit = num.MAX_BITS
    for v in out.shape:
        if type(v) is int and v.bit_length() > limit:
            num.check_size(v, "the output size")
    if type(out.macs) is int and out.macs.bit_length() > limit:
        num.check_size(out.macs, "the number of multiply-accumulates")
    for w in out.weights:
        size = w.size
        if type(size) is int and size.bit_length() > limit:
            num.check_size(size, f"the weight {w.name}")
    elements = num.prod(out.shape)
    if type(elements) is int and elements.bit_length() > limit:
        num.check_size(elements, "the output activation (its number of elements)")


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


class _Refs:
    """Resolves what nodes read against the layers made so far."""

    def __init__(
        self,
        layers: Sequence[LayerResult],
        by_name: Mapping[str, LayerResult],
        input_names: Sequence[str],
        known: Mapping[str, int],
    ) -> None:
        self.layers = layers
        self.by_name = by_name
        self.input_names = input_names
        self.known = known  # names given before propagation -> flat index (forward refs)

    def sources(self, node: Node, index: int) -> tuple[str, ...]:
        if node.error is not None:
            raise node.error
        if node.sources is None:
            return (self.layers[-1].name,) if self.layers else (self.input_names[0],)
        return tuple(self.resolve(ref, index) for ref in node.sources)

    def resolve(self, ref: Source, index: int) -> str:
        """One source to a tensor name (layer indices are 1-based; 0 is the input)."""
        if isinstance(ref, Ref):
            return self.name(ref.name, ref.scopes, index)
        if isinstance(ref, bool):
            raise SpecError(f"from: {ref} is not a layer name or index")
        if isinstance(ref, int):
            target = index + ref if ref < 0 else ref
            if ref >= index:
                raise SpecError(f"from: {ref} refers to layer {ref}, which comes at or after this one "
                                f"(layer {index}); a layer can only read earlier layers")
            if target < 0:
                raise SpecError(f"from: {ref} reaches before the input (this is layer {index})")
            return self.input_names[0] if target == 0 else self.layers[target - 1].name
        if not isinstance(ref, str):
            raise SpecError(f"from: entries are layer names or indices, not {A.describe(ref)}")
        return self.name(ref, ("",), index)

    def name(self, name: str, scopes: Sequence[str], index: int) -> str:
        for prefix in scopes:
            candidate = prefix + name
            if candidate in self.by_name or candidate in self.input_names:
                return candidate
        if name == "input" or (name == "in" and scopes == ("",)):
            return self.input_names[0]
        for prefix in scopes:
            later = self.known.get(prefix + name)
            if later is not None:
                what = f"'{prefix + name}'" + (f" (written '{name}')" if prefix else "")
                if later >= index:
                    raise SpecError(
                        f"from: {what} is defined at or after this layer (layer {later}, this is "
                        f"layer {index}); a layer can only read earlier ones (a cycle?)"
                        + (" — inside a block, read its input as `in`" if later > index else ""))
        known = [*self.input_names, *self.by_name]
        local = [k[len(scopes[0]):] for k in self.by_name if scopes[0] and k.startswith(scopes[0])]
        raise SpecError(f"from: no layer or input named '{name}' before this layer"
                        + did_you_mean(name, [*known, *local]))


def resolve_ref(
    ref: str | int,
    index: int,
    layers: Sequence[LayerResult],
    by_name: Mapping[str, LayerResult],
    input_names: Sequence[str],
    scope: str = "",
) -> str:
    """One ``from:`` entry to a tensor name (layer indices are 1-based; 0 is the input)."""
    refs = _Refs(layers, by_name, input_names, {})
    return refs.resolve(Ref(ref, (scope, "") if scope else ("",)) if isinstance(ref, str) else ref, index)


def _outputs(spec: Spec, refs: _Refs, tensors: Mapping[str, Shape]) -> dict[str, Shape]:
    layers, input_names = refs.layers, refs.input_names
    if not spec.outputs:
        if layers:
            return {layers[-1].name: layers[-1].output}
        return {input_names[0]: tensors[input_names[0]]}
    out: dict[str, Shape] = {}
    for ref in spec.outputs:
        try:
            name = refs.resolve(ref, len(layers) + 1)
        except SpecError as e:
            raise SpecError(e.message.replace("from:", "outputs:").replace(" before this layer", ""),
                            loc=spec.outputs_loc or spec.loc) from None
        out[name] = tensors[name]
    return out


def _label(type_name: str, params: Sequence[A.Param], bound: Mapping[str, Any]) -> str:
    """``conv2d(32, 5, stride=2)``: required arguments, then the optional ones given."""
    if not bound:
        return type_name
    parts = []
    for p in params:
        if p.name not in bound:
            continue
        text = raw_text(bound[p.name])
        parts.append(text if p.default is A.REQUIRED else f"{p.name}={text}")
    return f"{type_name}({', '.join(parts)})" if parts else type_name


def raw_text(raw: Any) -> str:
    if isinstance(raw, bool):
        return str(raw).lower()
    if isinstance(raw, list | tuple):
        flat = [raw_text(r) for r in raw]
        if all(not isinstance(r, list | tuple) for r in raw):
            return "×".join(flat)
        return "[" + ", ".join(flat) + "]"
    if isinstance(raw, Mapping) and len(raw) == 1:
        # A wrapped layer written as a mapping ({conv2d: [16, 3]}): show it as a call.
        (kind, value), = raw.items()
        args = value if isinstance(value, list) else [] if value is None else [value]
        if isinstance(value, Mapping):
            return f"{kind}({', '.join(f'{k}={raw_text(v)}' for k, v in value.items())})"
        return f"{kind}({', '.join(raw_text(a) for a in args)})" if args else str(kind)
    if isinstance(raw, LayerSpec):
        return raw.type
    return str(raw)


def shape_text(shape: Shape) -> str:
    return fmt_shape(shape)


__all__ = ["Loc", "Node", "Ref", "Source", "propagate", "raw_text", "resolve_ref", "shape_text"]
