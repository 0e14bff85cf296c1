"""One layer use: check its input's rank, bind and coerce its arguments, let the type compute.

Shared by the propagator and by wrapper layers (``timedistributed``,
``bidirectional``); :class:`Memo` computes identical uses once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .._record import replace
from ..arith import num
from ..arith.formulas import Step
from ..core import binding
from ..core import params as A
from ..core.context import Ctx
from ..core.types import Constraint, LayerOut, Shape, Value, Weight
from ..errors import Loc, SpecError
from ..layers.registry import Resolved, lookup
from ..spec.loader import layer_entry
from ..spec.model import INPUT_KEYS, NO_ARG_LOCS, LayerSpec


class Nested:
    """How a wrapper layer reads and runs the layer it wraps, handed to layers as ``ctx.nested``.

    The layer package cannot import the engine or the loader (they import it);
    the engine gives it this instead.  ``spec``: the wrapper as written, whose
    argument places locate the wrapped layer's arguments too.
    """

    def __init__(self, spec: LayerSpec | None = None) -> None:
        self.spec = spec

    def read(self, raw: Any) -> LayerSpec:
        """The wrapped layer as written (a mapping, an inline call, a bare name) as a :class:`LayerSpec`."""
        if raw is None:
            raise SpecError("needs the wrapped layer, e.g. `layer: {conv2d: [16, 3]}`",
                            code="missing-argument")
        if isinstance(raw, LayerSpec):
            return raw
        try:
            entry = (self.spec.arg_locs.layer(raw) if self.spec is not None else None) or \
                layer_entry(raw, Loc("<layer>"))
        except SpecError as e:  # the entry's own error, said of the wrapped layer (same kind, same place)
            raise SpecError(f"the wrapped layer: {e.message}", loc=e.loc if e.line else None, hint=e.hint,
                            code=e.code) from None
        if not isinstance(entry, LayerSpec):
            raise SpecError("the wrapped layer must be one layer, not a repeat", code="bad-layer")
        given = [key for key, value in (("from", entry.sources), ("share", entry.share), ("tie", entry.tie),
                                        ("if", entry.when)) if value is not None]
        if given:  # these say how a layer joins the graph; a wrapped layer is part of its wrapper
            raise SpecError(f"the wrapped layer: `{given[0]}` goes on the outer layer; a layer passed as "
                            "an argument (a wrapped layer) is part of it", loc=entry.loc if entry.loc.line
                            else None, code="wrapped-layer-meta")
        return entry

    def run(self, ctx: Ctx, spec: LayerSpec, x: Shape, states: Sequence[Shape] = (),
            several: bool = False) -> tuple[Resolved, LayerOut]:
        """Run ``spec`` on ``x`` in the wrapper's context; its explain steps join the wrapper's.
        ``states``: more inputs after ``x`` (a recurrent layer's initial states); ``several``: the
        wrapper takes an inner layer with several outputs (Bidirectional's return_state)."""
        try:
            resolved = lookup(spec.type, ctx.framework)
        except SpecError as e:
            raise e.with_location(spec.loc if spec.loc.line else None) from None
        layer = resolved.layer
        if layer.multi_input:
            raise SpecError(f"cannot wrap {layer.kind}: it reads several tensors", code="bad-argument")
        if layer.source:
            raise SpecError(f"cannot wrap {layer.kind}: it reads no tensor", code="source-reads-nothing")

        def context(rank: int | None) -> Ctx:
            return Ctx(ctx.framework, ctx.layout, ctx.env, ctx.free, ctx.constraints, rank, self)

        try:
            rank = layer_rank(resolved, (x,))
            _, inner_ctx, out, _ = run_layer(resolved, spec, (x, *states), rank, context)
        except SpecError as e:  # the wrapped layer's own error, said of it (same kind, same place)
            raise SpecError(f"wrapped {layer.type_name(resolved.rank)}: {e.message}", loc=e.loc,
                            hint=e.hint, code=e.code) from None
        if out.parts is not None and not several:
            raise SpecError(f"cannot wrap {layer.kind}: it has several outputs", code="several-outputs")
        ctx.steps.extend(inner_ctx.steps)
        return resolved, frozen(out) if spec.trainable is False else out


NESTED = Nested()

Measures = tuple[Value, Value, Value]  # a layer use's output elements, parameters and trainable ones


def _holds_mapping(ls: LayerSpec) -> bool:
    for v in (*ls.args, *ls.kwargs.values()):  # noqa: SIM110  (a loop, not any(): asked a layer bound)
        if type(v) not in _PLAIN and isinstance(v, Mapping):
            return True
    return False


_PLAIN = (int, str, bool, float, list, tuple, type(None))  # never a mapping (no ABC check for them)


def frozen(out: LayerOut) -> LayerOut:
    """``trainable: false``: the same weights, none of them trainable (SPEC §11)."""
    if all(not w.trainable for w in out.weights):
        return out
    return out._replace(weights=tuple(w._replace(trainable=False) for w in out.weights))


def layer_rank(resolved: Resolved, in_shapes: Sequence[Shape]) -> int | None:
    """The spatial rank a layer use runs at: from its type name, else from its input."""
    layer = resolved.layer
    # A type without ranks (an activation) has none to infer: every infer_rank says None for it.
    if resolved.rank is None and layer.ranks and not layer.multi_input and in_shapes:
        return layer.infer_rank(in_shapes[0])
    return resolved.rank


def run_layer(
    resolved: Resolved,
    ls: LayerSpec,
    in_shapes: Sequence[Shape],
    rank: int | None,
    context: Callable[[int | None], Ctx],
    batchless: tuple[bool, ...] = (),
    prepared: dict[int, tuple[dict[str, Any], dict[str, Any]]] | None = None,
    arg_key: int = -1,
    type_name: str | None = None,
) -> tuple[dict[str, Any], Ctx, LayerOut, Measures]:
    """Check the input's rank, bind and coerce the arguments, and let the layer compute.

    Shared by the propagator and by wrapper layers (``timedistributed``,
    ``bidirectional``) that run an inner layer on a slice of their input.
    Returns the raw bound arguments (for the row's label), the layer's
    context (its explain steps), what it computed and its :data:`Measures`.  ``prepared``: the bound
    and coerced arguments of earlier uses by ``arg_key`` (the number of their type, rank and
    arguments as written), which do not depend on the input (see :class:`Memo`).  ``type_name``: the
    type's name at ``rank``, when the caller knows it already.
    """
    layer = resolved.layer
    if type_name is None:
        type_name = layer.type_name(rank)
    if not layer.multi_input and in_shapes:
        if not in_shapes[0] and not layer.scalar:
            raise SpecError(f"{type_name} needs an input with at least one axis, not a 0-d (scalar) one",
                            code="scalar-input")
        layer.check_rank(in_shapes[0], rank, type_name)
    hit = prepared.get(arg_key) if prepared is not None else None
    keep = hit is None and prepared is not None
    if hit is not None:
        bound = hit[0]
    else:
        if not ls.kwargs.keys().isdisjoint(INPUT_KEYS):  # Keras's input_shape= & co. (rare): not arguments
            accepted = A.names_index(layer.params)
            kw = {k: v for k, v in ls.kwargs.items() if k not in INPUT_KEYS or k.lower() in accepted}
            ls = replace(ls, kwargs=kw)
            keep = False
        bound = binding.bind(ls, layer.params, resolved.order, type_name=type_name, ignored=layer.ignored,
                       form=resolved.form)
    ctx = context(rank)
    ctx.batchless = batchless
    ctx.spelling, ctx.cls = resolved.spelling, resolved.cls
    ctx.where = (binding.arg_loc, ls, layer.params, resolved)  # where its arguments are written (Ctx.arg_loc)
    if hit is not None:
        values = dict(hit[1])
    else:
        if ls.arg_locs is not NO_ARG_LOCS and _holds_mapping(ls):  # a wrapped layer, written in YAML
            ctx.nested = Nested(ls)
            keep = False
        open_before = len(ctx.constraints)
        values = binding.coerce_all(bound, layer.params, ctx, type_name, ctx.arg_loc)
        if keep and not ctx.steps and len(ctx.constraints) == open_before:  # nothing said but values
            prepared[arg_key] = (bound, dict(values))  # type: ignore[index]
    fmt = values.get("data_format")
    if fmt is not None and fmt != ctx.layout:
        raise SpecError(f"data_format {fmt} differs from the spec's layout {ctx.layout}",
                        loc=ctx.arg_loc("data_format"),
                        hint=f"set `layout: {fmt}` for the whole spec", code="layout-mismatch")
    out = layer.infer(ctx, in_shapes, values)
    return bound, ctx, out, _check_sizes(out)


# What a layer use leaves: its bound arguments, explain steps, output and measures.
Done = tuple[dict[str, Any], tuple[Step, ...], LayerOut, Measures]


class Memo:
    """Identical layer uses computed once.

    Networks repeat themselves (a ResNet stage is one block used several
    times; a generated spec cycles a few layers), so a use with the same
    type, arguments and input shapes as an earlier one reuses its bound
    arguments, explain steps and output.  A layer's work has no other effect
    than what it returns, except the open conditions it adds (and free names,
    registered at the first use): uses that add a condition are not kept, so
    a reused result never hides one.  Only whole-number input shapes make a
    key (cheap to hash; symbolic uses almost always add conditions).  A use
    on another input still reuses the bound and coerced arguments of an
    earlier use written alike (a distinct 10,000-layer spec has few).
    """

    def __init__(self, constraints: Sequence[Constraint]) -> None:
        self._constraints = constraints
        self._done: dict[tuple[Any, ...], Done] = {}
        self._keys: dict[tuple[Any, ...], int] = {}  # (type, rank, arguments as written) -> its number
        self._labels: dict[int, str] = {}  # the row label of uses written alike (one string)
        self._last: int | None = None  # the key of the type, rank and arguments of the last use run
        self._whole: tuple[Shape, ...] | None = None  # the last input tuple found all whole numbers
        # Bound and coerced arguments by type, rank and arguments as written, whatever the input:
        # kept when coercing them said nothing else (no condition, no explain step).
        self._prepared: dict[int, tuple[dict[str, Any], dict[str, Any]]] = {}

    def run(
        self,
        resolved: Resolved,
        ls: LayerSpec,
        in_shapes: tuple[Shape, ...],
        rank: int | None,
        context: Callable[[int | None], Ctx],
        batchless: tuple[bool, ...] = (),
        type_name: str | None = None,
    ) -> Done:
        # The type, rank and arguments as written, as a small int: the key is asked of several tables
        # below, and a tuple's hash is not kept (the arguments' tuples would be hashed each time).
        # No arguments (an activation, a norm of most networks): the type and rank alone, a key of
        # its own length (never equal to one with arguments).
        written = (resolved, rank, *_written(ls)) if ls.args or ls.kwargs else (resolved, rank)
        arg_key = self._keys.get(written)
        if arg_key is None:
            arg_key = self._keys[written] = len(self._keys)
        self._last = arg_key  # a row's label is a function of its type, rank and arguments alone
        key = None
        if in_shapes is self._whole or _whole(in_shapes):  # layers reading one input tuple ask once
            self._whole = in_shapes
            key = (arg_key, in_shapes, batchless) if True in batchless else (arg_key, in_shapes)
            done = self._done.get(key)
            if done is not None:
                return done
        open_before = len(self._constraints)
        bound, ctx, out, measures = run_layer(resolved, ls, in_shapes, rank, context, batchless,
                                              self._prepared, arg_key, type_name)
        done = (bound, tuple(ctx.steps), out, measures)
        if key is not None and len(self._constraints) == open_before:
            self._done[key] = done
        return done

    def label(self, make: Callable[..., str], *args: Any) -> str:
        """The row label of the last use run, ``make(*args)``: made once for the uses of one type
        and rank written alike (one string for all of them, whatever their inputs)."""
        key = self._last
        if key is None:
            return make(*args)
        text = self._labels.get(key)
        if text is None:
            text = self._labels[key] = make(*args)
        return text


def _written(ls: LayerSpec) -> tuple[Any, Any]:
    """A layer's arguments as written, as a key: equal keys are the same arguments.

    Values compare loosely (1, 1.0 and True are equal keys but different arguments), so the
    arguments' repr is the key, unless every value is exactly an int or a str: such values are
    equal only when written alike, and the values themselves are a key that costs a tenth of the
    repr (a distinct 10,000-layer spec writes `{out: 17, kernel: 3, padding: 1}` on every third
    layer).  Such a key (two tuples) is never equal to a repr key (two strings).
    """
    args, kwargs = ls.args, ls.kwargs
    if type(args) is not tuple:  # a list, from a caller building its own LayerSpec: unhashable
        return repr(args), repr(kwargs)
    for v in args:
        if type(v) is not int and type(v) is not str:
            return repr(args), repr(kwargs)
    for v in kwargs.values():
        if type(v) is not int and type(v) is not str:
            return repr(args), repr(kwargs)
    return args, tuple(kwargs.items())


def _whole(in_shapes: tuple[Shape, ...]) -> bool:
    """Whether every size of the input shapes is a whole number (such shapes make memo keys)."""
    for shape in in_shapes:
        for d in shape:
            if type(d) is not int:
                return False
    return True


def elements(out: LayerOut) -> Value:
    """Elements of a layer's output activation (all its parts).  The last answer is kept: a
    normalization or an activation passes its input's shape object on, and so the answer too."""
    shape, parts = out.shape, out.parts  # a record's field costs a look-up each time it is read
    if parts is not None:
        return num.total([num.prod(p) for p in parts])
    last = _LAST_ELEMENTS[0]
    if last is not None and last[0] is shape:
        return last[1]
    value = num.prod(shape)
    _LAST_ELEMENTS[0] = (shape, value)
    return value


_LAST_ELEMENTS: list[tuple[Shape, Value] | None] = [None]


def counts(weights: Sequence[Weight]) -> tuple[Value, Value]:
    """(parameters, trainable parameters) of a layer's weights."""
    return _counted(weights, [w.size for w in weights])


def _counted(weights: Sequence[Weight], sizes: list[Value]) -> tuple[Value, Value]:
    """:func:`counts` with the weights' ``sizes`` known."""
    if not weights:  # an activation, a pool, a reshape: most layers of many networks
        return 0, 0
    params = num.total(sizes)
    for w in weights:
        if not w.trainable:
            return params, num.total([n for n, w in zip(sizes, weights, strict=True) if w.trainable])
    return params, params


def _check_sizes(out: LayerOut) -> Measures:
    """Refuse numbers too long to print (Python turns at most 4,300 digits into text); the output's
    elements and the weights' :func:`counts`, worked out on the way (each weight's size once)."""
    limit = num.MAX_BITS
    count = elements(out)
    # A product of whole numbers none of which is 0 is at least as large as each of them: when the
    # output's fits, so does every size in its shape (the common case: one check, not one a size).
    parts, macs = out.parts, out.macs
    fits = parts is None and type(count) is int and count and count.bit_length() <= limit
    if not fits:
        for shape in parts or (out.shape,):
            for v in shape:
                if type(v) is int and v.bit_length() > limit:
                    num.check_size(v, "the output size")
    if type(macs) is int and macs.bit_length() > limit:
        num.check_size(macs, "the number of multiply-accumulates")
    weights = out.weights
    sizes = []  # each weight's size, asked once: checked here, counted below
    plain = True  # every size a whole number, every weight trainable (most layers; none without weights)
    for w in weights:
        size = w.size
        if type(size) is not int:
            plain = False
        elif size.bit_length() > limit:
            num.check_size(size, f"the weight {w.name}")
        if not w.trainable:
            plain = False
        sizes.append(size)
    if not fits and type(count) is int and count.bit_length() > limit:
        num.check_size(count, "the output activation (its number of elements)")
    if plain:  # what _counted gives them: num.total of whole numbers is their sum, all trainable
        params = sum(sizes)
        return count, params, params
    params, trainable = _counted(weights, sizes)
    return count, params, trainable
