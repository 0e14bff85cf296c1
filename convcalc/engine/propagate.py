"""Shape propagation: a parsed :class:`Spec` in, a :class:`Result` out.

:func:`analyse` is the whole way: the spec's vars and blocks are resolved and
its inputs read, :func:`propagate` runs the layers, the free names' valid
values are solved for, ``expect:`` is checked, and the :class:`Result` is
built once from all of it.  :func:`propagate` only runs layers: for each one,
find its type, read the tensors it takes (``from:``), bind its arguments to
the type's parameters, let the type compute, and record the row.  Errors from
any step get the layer's location and name attached there (named by the
:class:`~convcalc.engine.naming.Namer`, the rule the rows use), so layer code
only says what is wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..arith import num
from ..core import params as A
from ..core.context import Ctx
from ..core.framework import Framework, Spelling
from ..core.result import LayerResult, Result
from ..core.types import Constraint, LayerOut, Shape
from ..errors import LayerRef, Loc, SpecError, SpecWarning
from ..layers.registry import Resolved, lookup
from ..spec.model import INPUT_KEYS, LayerSpec, Spec, input_from_keys, raw_text
from .batch_axis import BatchAxes
from .block_rows import block_rows
from .diagnostics import leading_one, unused_layers
from .naming import Namer
from .receptive_field import ReceptiveFields
from .refs import Node, Refs, resolve_outputs
from .run_layer import NESTED, Memo, counts, elements, frozen, layer_rank
from .variables import Names, UsedEnv, check_defines, declared_names, known, resolve_vars, var_ranges

if TYPE_CHECKING:  # pragma: no cover
    from .expansion import Expansion, Group

Value = num.Value


def expand(spec: Spec, env: Mapping[str, Value] | None = None) -> Expansion:
    """The spec's layers as flat nodes (blocks and repeats unrolled) and block rows."""
    from .expand import expand_layers

    return expand_layers(spec, env)


def analyse(spec: Spec, defines: Mapping[str, Any] | None = None) -> Result:
    """The :class:`Result` of ``spec`` with ``defines`` bound (``-D``); a :class:`SpecError` if invalid."""
    framework, layout = spec.framework, spec.resolved_layout
    ranges = var_ranges(spec.vars)
    free = Names(ranges, declared_names(spec.vars, spec.inputs) if spec.declared else None, spec.name_locs,
                 spec.quoted)
    used: set[str] = set()  # every name the spec reads (a -D must bind one of them)
    env = UsedEnv(resolve_vars(spec.vars, defines or {}, free, spec.var_locs, used), used)
    constraints: list[Constraint] = []

    def context(rank: int | None = None, names: Mapping[str, Value] | None = None) -> Ctx:
        """``names``: a layer's symbolic ``size()`` values (SPEC §4 sizes in its arguments)."""
        return Ctx(framework, layout, {**env, **names} if names else env, free, constraints, rank, NESTED)

    expansion = expand(spec, env)
    inputs = _read_inputs(spec, expansion, context, free)
    run = propagate(spec, expansion, inputs, context, constraints, env, free)
    layers = run.layers
    outputs = resolve_outputs(spec, run.refs, run.tensors)
    warnings = [*run.warnings, *unused_layers(layers, run.by_name, outputs, framework)]
    check_defines(defines or {}, spec.vars, used | set(free.free), ranges, spec.loc)
    valid: dict[str, Any] = {}
    if free.free:
        from ..arith.symbolic import reduce_constraints

        valid, constraints = reduce_constraints(tuple(free.free), constraints, _locator(layers),
                                                free.symbols)
    rows = block_rows(layers, run.opening, run.group_sources, run.tensors) if run.opening else None
    expect = None
    if spec.expect is not None:
        from ..core.expect import check

        expect = check(spec, outputs, layers, rows, env)
    return Result(
        source=spec.source,
        name=spec.name,
        framework=framework,
        layout=layout,
        inputs=dict(inputs),
        outputs=outputs,
        layers=layers,
        constraints=constraints,
        free_names=tuple(free.free),
        valid=valid,
        expect=expect,
        rows=rows,
        memory=num.total([row.memory for row in layers]),  # one polynomial, not n nested sums
        framework_inferred_from=spec.framework_inferred_from,
        warnings=tuple(warnings),
        env=env,
        spec=spec,
    )


def _read_inputs(spec: Spec, expansion: Expansion, context: Callable[[], Ctx],
                 free: Names) -> dict[str, Shape]:
    """The input tensors: ``input:``/``inputs:``, else Keras's ``input_shape=`` on the first layer."""
    inputs = dict(spec.inputs)
    if not inputs and expansion.nodes:
        inputs = _input_from_first_layer(expansion.nodes[0].spec, spec.framework)
        if free.declared is not None:  # Keras's input_shape=(H, W, 3) declares H and W too
            free.declared |= declared_names({}, inputs)
    if not inputs:
        raise SpecError("the spec gives no input shape (add `input: [3, 224, 224]` or use --input)",
                        loc=spec.input_loc or spec.loc, code="no-input")
    tensors: dict[str, Shape] = {}
    for name, raw in inputs.items():
        try:
            what = "input" if name == "input" else f"input {name}"
            tensors[name] = A.shape_of(list(raw), context(), what) if raw else ()  # () is 0-d
        except SpecError as e:
            raise e.with_location(spec.input_loc or spec.loc) from None
    return tensors


class Propagation:
    """What running the layers leaves: the rows, every named tensor, the groups' sources, warnings."""

    __slots__ = ("by_name", "group_sources", "layers", "opening", "refs", "tensors", "warnings")

    def __init__(self, layers: list[LayerResult], by_name: dict[str, LayerResult], tensors: dict[str, Shape],
                 refs: Refs, opening: dict[int, list[Group]], group_sources: dict[str, tuple[str, ...]],
                 warnings: list[SpecWarning]) -> None:
        self.layers, self.by_name, self.tensors, self.refs = layers, by_name, tensors, refs
        self.opening = opening  # layer index -> the groups (block rows) opening there
        self.group_sources, self.warnings = group_sources, warnings


def propagate(
    spec: Spec,
    expansion: Expansion,
    inputs: Mapping[str, Shape],
    context: Callable[[int | None], Ctx],
    constraints: list[Constraint],
    env: Mapping[str, Value],
    free: Names,
) -> Propagation:
    """Run every layer of ``expansion`` on ``inputs``; each open condition is tagged with its layer.
    ``free``: the spec's free names (an ``if:`` that depends on one is refused, naming it)."""
    framework, layout = spec.framework, spec.resolved_layout
    tagged = 0  # constraints before this index already name their layer
    nodes, groups = expansion.nodes, expansion.groups
    tensors: dict[str, Shape] = dict(inputs)
    input_names = list(tensors)
    fields = ReceptiveFields(tensors, layout)

    layers: list[LayerResult] = []
    by_name: dict[str, LayerResult] = {}
    namer = Namer(framework)
    warnings: list[SpecWarning] = []
    opening: dict[int, list[Group]] = {}
    closing: dict[int, list[Group]] = {}
    for g in groups:
        if g.first <= g.last:
            opening.setdefault(g.first, []).append(g)
            closing.setdefault(g.last, []).append(g)
    group_sources: dict[str, tuple[str, ...]] = {}
    types: dict[str, Resolved] = {}  # type as written -> layer type (big nets repeat a few types)
    parts: dict[str, int] = {}  # a layer (or block) with several outputs -> how many (read as `name.k`)
    batchless: set[str] = set()  # tensors without a batch axis: parameters and what is made of them only
    batch_axes = BatchAxes()  # where --batch shows each tensor's batch axis (issue 13)
    refs = Refs(layers, by_name, input_names, expansion.names, parts)
    memo = Memo(constraints)
    group_names = {g.name for g in groups}
    nodes.reverse()  # taken from the end as they run: a node is freed once its row is made (issue 19)
    last_in: tuple[Shape, tuple[Shape, ...]] | None = None  # one input tuple for a run of equal shapes
    while nodes:
        node = nodes.pop()
        index = len(layers) + 1
        ls = node.spec
        for g in opening.get(index, ()) if opening else ():  # most networks have no block
            try:
                group_sources[g.name] = tuple(refs.resolve(s, index) for s in g.inputs)
            except SpecError as e:
                raise e.with_location(g.loc, LayerRef(index, g.name, g.type)) from None
        try:
            resolved = types.get(ls.type) or types.setdefault(ls.type,
                                                              lookup(ls.type, framework, spec.blocks))
        except SpecError as e:
            raise e.with_location(ls.loc, namer.ref(index, node, None, None)) from None
        layer = resolved.layer
        type_name = None  # known once the rank is (`conv` takes it from its input)
        try:
            written = node.sources
            first = written[0] if written is not None and len(written) == 1 else None
            if type(first) is int and 0 < first < index and node.error is None and not parts \
                    and not layer.source:  # what most layers read: an earlier layer's one output
                sources = (layers[first - 1].name,)  # as _sources and Refs.resolve find it
            else:
                sources = _sources(refs, node, index, layer.source, parts)
            if len(sources) == 1:  # most layers: the shape the layer before made, often the same object
                shape = tensors[sources[0]]
                if last_in is None or last_in[0] is not shape:
                    last_in = (shape, (shape,))
                in_shapes = last_in[1]
            else:
                in_shapes = tuple(tensors[s] for s in sources)
            if len(in_shapes) != 1 and not (layer.multi_input or layer.extra_inputs or layer.source):
                raise SpecError(f"{ls.type} reads one tensor, but `from` names {len(in_shapes)}",
                                loc=ls.arg_locs.value("from"), code="wrong-input-count")
            floats = _check_ids(ls, sources, by_name, framework) if layer.reads_ids else None
            rank = resolved.rank  # from the type's name; else from the input (layer_rank), if it has ranks
            if rank is None and layer.ranks:
                rank = layer_rank(resolved, in_shapes)
            type_name = layer.type_name(rank)
            flags = tuple(s in batchless for s in sources) if batchless else (False,) * len(sources)
            runs, run, names = True, ls, None
            if node.reads or node.when:  # size() or if: (issue 14); most layers have neither
                from . import sharing  # imported only by the specs that need it (and the two uses below)

                size = sharing.sizes_reader(node, refs, tensors, index)
                runs = sharing.condition(node, env, free, size)
                if runs:
                    run, names = sharing.with_sizes(ls, size, index)
            if not runs:
                bound, steps, out = {}, (), sharing.skipped(in_shapes)
                measures = None
            elif names:  # symbolic size() values: names of this layer's own in its context
                bound, steps, out, measures = memo.run(resolved, run, in_shapes, rank,
                                                       lambda r, names=names: context(r, names), flags,
                                                       type_name)
            else:
                bound, steps, out, measures = memo.run(resolved, run, in_shapes, rank, context, flags,
                                                       type_name)
            kept_trainable = None  # a warning when Keras keeps a `trainable=False` layer trainable
            if node.frozen or ls.trainable is False:
                out, kept_trainable = _freeze(out, node, resolved)
                measures = None  # its weights' trainable flags changed: counted again below
            label = memo.label(_label, type_name, layer.params, bound, env) if runs \
                else f"{ls.type} (skipped: if false)"
            if names:
                label = sharing.label_sizes(label, names)
            shared = tied = None
            if (node.share is not None or node.tie is not None) and runs:
                from . import sharing

                out, shared, tied, frozen_source = sharing.apply(
                    node, out, type_name, label, layer.family,
                    lambda ref, key, index=index, at=ls.arg_locs: sharing.source_row(
                        ref, key, layers, by_name, expansion.names, group_names, index, at.value(key)))
                if frozen_source is not None:
                    warnings.append(frozen_source._replace(loc=ls.loc))
                measures = None  # some weights may be another layer's now: counted below
        except SpecError as e:
            raise e.with_location(ls.loc, namer.ref(index, node, resolved, type_name)) from None
        out_shape, out_parts, out_windows = out.shape, out.parts, out.windows  # each read several times
        name = namer.name(node, resolved, type_name)
        if name in by_name or name in tensors:
            raise SpecError(f"layer name '{name}' is used twice", loc=ls.arg_locs.value("name") or ls.loc,
                            layer=LayerRef(index, name, type_name), code="duplicate-name")
        taken = [f"{name}.{k}" for k in range(len(out_parts or ())) if f"{name}.{k}" in tensors] \
            if out_parts else ()
        if taken:
            raise SpecError(f"the outputs of '{name}' are read as {name}.0, {name}.1, …, but a layer is "
                            f"named '{taken[0]}'", code="name-taken", loc=ls.loc,
                            layer=LayerRef(index, name, type_name))
        if measures is not None:  # the layer's output as it made it, measured then
            memory, params, trainable = measures
        else:
            memory = elements(out)
            params, trainable = counts(out.weights if shared is None and tied is None
                                       else [w for w in out.weights if w.shared is None])
        # A tensor without a batch axis sees no input position: receptive fields run through the others.
        field_sources: Sequence[str] = sources
        field_shapes: Sequence[Shape] = in_shapes
        if batchless:
            batched = [(s, shape) for s, shape in zip(sources, in_shapes, strict=True) if s not in batchless]
            field_sources, field_shapes = [s for s, _ in batched], [shape for _, shape in batched]
        field = fields.add(name, field_sources, field_shapes, out_shape, out_windows)
        made: tuple[str, ...] = (name,)  # the tensors it makes: itself, or `name.k` for several outputs
        if out_parts is not None:
            outputs = {f"{name}.{k}": shape for k, shape in enumerate(out_parts)}
            made = (name, *outputs)
            parts[name] = len(out_parts)
            for part, shape in outputs.items():
                fields.add(part, field_sources, field_shapes, shape, out_windows)
        # Positionally, in the order of LayerResult's fields: a call naming its 26 arguments costs
        # more than twice as much (2 µs a row, a twentieth of a distinct layer's cost).
        row = LayerResult(
            index, name, type_name, label, sources, in_shapes, out_shape, out.weights, params, trainable,
            out.macs, ls.loc, steps, out_windows, node.block, node.depth,
            None,  # span: a block row's
            memory, *(field if field is not None else (None, None)),  # receptive_field, effective_stride
            out_parts,
            layer.source or bool(sources and all(flags)),  # batchless
            True,  # shape_known
            shared, tied, not runs,  # shared_with, tied_to, skipped
            0,  # batch_axis: placed once every row is made (below)
            layer.drawing, layer.glyph,
        )
        layers.append(row)
        batch_axes.add(made, sources, flags, layer, out, in_shapes)
        if row.batchless:
            batchless.update(made)
        by_name[name] = row
        if kept_trainable is not None:
            warnings.append(kept_trainable._replace(layer=LayerRef(index, name, type_name)))
        if floats is not None:
            warnings.append(floats._replace(layer=LayerRef(index, name, type_name)))
        if rank == 3 and resolved.rank is None and layer.ranks:  # `conv` took its rank from the input
            batch_axis = leading_one(row, ls.type, in_shapes[0], layout)
            if batch_axis is not None:
                warnings.append(batch_axis)
        tensors[name] = out_shape
        if out_parts is not None:
            tensors.update(outputs)
        if len(constraints) > tagged:  # this layer's open conditions
            for i in range(tagged, len(constraints)):
                constraints[i] = constraints[i]._replace(layer=name)
            tagged = len(constraints)
        for g in closing.get(index, ()) if closing else ():
            # A block's name reads as its last layer's output.
            if g.name in by_name or g.name in tensors:
                raise SpecError(f"the name '{g.name}' is used twice (a layer and a block)",
                                loc=g.loc, layer=LayerRef(g.first, g.name, g.type), code="duplicate-name")
            by_name[g.name] = row
            tensors[g.name] = out_shape
            batch_axes.alias(g.name, name)
            fields.alias(g.name, name)
            if out_parts is not None:  # a block ending in a split has its outputs too
                parts[g.name] = len(out_parts)
                for k, shape in enumerate(out_parts):
                    tensors[f"{g.name}.{k}"] = shape
                    fields.alias(f"{g.name}.{k}", f"{name}.{k}")
            if name in batchless:
                batchless.update((g.name, *(f"{g.name}.{k}" for k in range(len(out_parts or ())))))

    if batch_axes.placed:  # else every row keeps the batch axis first, as built
        for row, at in zip(layers, batch_axes.solve(), strict=True):
            row.batch_axis = at
    return Propagation(layers, by_name, tensors, refs, opening, group_sources, warnings)


def _sources(refs: Refs, node: Node, index: int, source: bool, parts: Mapping[str, int]) -> tuple[str, ...]:
    """The tensors a layer reads: none for a source (a `parameter`); one output of a layer with several."""
    if source:
        if node.spec.sources is not None:
            raise SpecError(f"{node.spec.type} reads no tensor (it is a source, like an input); "
                            "remove its `from:`", code="source-reads-nothing")
        return ()
    sources = refs.sources(node, index)
    for s in sources if parts else ():  # most networks have no layer with several outputs
        count = parts.get(s)
        if count is not None:
            raise SpecError(f"'{s}' has {count} outputs; read one of them as {s}.0 to {s}.{count - 1}"
                            + (" (with `from:`)" if node.spec.sources is None else ""),
                            code="several-outputs")
    return sources


def _locator(layers: Sequence[LayerResult]) -> Callable[[str | None], tuple[Loc | None, LayerRef | None]]:
    """Where the layer of a given name is written, for the solver's errors (the last of that name)."""
    def locate(name: str | None) -> tuple[Loc | None, LayerRef | None]:
        for row in reversed(layers):
            if row.name == name:
                return row.loc, LayerRef(row.index, row.name, row.type)
        return None, None

    return locate


def _freeze(out: LayerOut, node: Node, resolved: Resolved) -> tuple[LayerOut, SpecWarning | None]:
    """``trainable: false`` (SPEC §11), as Keras does it when a Keras class is written.

    Keras 3 keeps a wrapper's inner layer trainable when ``trainable=False`` is
    given to the ``Bidirectional``/``TimeDistributed`` constructor (``model.summary()``
    and training count its weights as trainable); convcalc counts them so, and says it.
    """
    if node.frozen or not (resolved.spelling == Spelling.KERAS and resolved.layer.family == "wrappers"):
        return frozen(out), None
    cls = resolved.layer.keras_class(None)
    return out, SpecWarning(
        "keras-wrapper-trainable",
        f"Keras 3 freezes nothing when trainable=False is given to {cls} itself: model.summary() "
        f"and training count the wrapped layer's weights as trainable, and so does convcalc; give "
        f"trainable=False to the wrapped layer (or write convcalc's {resolved.layer.kind})",
        node.spec.loc)


def _input_from_first_layer(first: LayerSpec, framework: str) -> dict[str, tuple[Any, ...]]:
    """Keras's ``input_shape=`` (or ``input_dim=``) on the first layer sets the input."""
    if not any(k in INPUT_KEYS for k in first.kwargs):
        return {}
    try:
        own = A.names_index(lookup(first.type, framework).layer.params)
    except SpecError:  # an unknown type: reported when the layer runs
        own = {}
    raw = input_from_keys(first.kwargs, own)
    return {} if raw is None else {"input": raw}


def _check_ids(ls: LayerSpec, sources: Sequence[str], by_name: Mapping[str, LayerResult],
               framework: str) -> SpecWarning | None:
    """An embedding looks up integer ids, and a layer with weights outputs floats. PyTorch refuses
    them ("Expected tensor for argument #1 'indices' to have ... Long, Int"): refused, so that a
    print(model) text's embeddings printed one after another are not chained. Keras casts them to
    ints and runs: the same shapes, with a warning, as it is almost surely a mistake."""
    for s in sources:
        row = by_name.get(s)
        if row is not None and row.weights:
            said = (f"{ls.type} looks up integer ids, but it reads `{s}` ({row.type}), a layer with "
                    "weights, whose output is floats")
            if framework != Framework.KERAS:
                raise SpecError(f"{said}: PyTorch refuses them as indices",
                                loc=ls.arg_locs.value("from") or ls.loc, code="ids-from-floats")
            return SpecWarning("ids-from-floats", f"{said}: Keras casts them to ids, almost surely not "
                               "what was meant", ls.loc)
    return None


def _label(type_name: str, params: Sequence[A.Param], bound: Mapping[str, Any],
           env: Mapping[str, Value]) -> str:
    """``conv2d(32, 5, stride=2)``: required arguments, then the optional ones given; an
    expression the vars fix shows its value (``conv2d(128, 1)``, not ``conv2d(bn_size * growth, 1)``)."""
    if not bound:
        return type_name
    parts = []
    left = len(bound)  # bound arguments not yet written: none after the last (conv2d's 3 of its 10)
    for p in params:
        if not left:
            break
        if p.name not in bound:
            continue
        left -= 1
        raw = bound[p.name]
        if type(raw) is not int:  # most arguments: a whole number, its own value
            raw = known(raw, env)
        if p.show is not None:  # the layer's own way to write it (PyTorch's flat pad tuple)
            text = p.show(raw)
        else:
            text = str(raw) if type(raw) is int else raw_text(raw)  # most arguments: an int, as written
            if p.kind.listing and isinstance(raw, list | tuple):  # axes or sizes, not per-axis values
                text = ", ".join(map(raw_text, raw))
                text = text if p.variadic and p.default is A.REQUIRED else f"[{text}]"
        parts.append(text if p.default is A.REQUIRED else f"{p.name}={text}")
    return f"{type_name}({', '.join(parts)})" if parts else type_name


__all__ = ["analyse", "propagate"]
