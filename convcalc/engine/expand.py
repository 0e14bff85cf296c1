"""Expanding a spec's layer list into the flat list of layer uses (SPEC §5).

Block uses and ``repeat:`` entries are unrolled here, so the propagator
only ever sees single layers.  What the structure means is settled here
too, because only here is it visible:

- ``$arg`` in a block's layers is replaced by the use's argument (the raw
  value where it stands alone, its text inside an expression, which is then
  folded to a number when it needs nothing but ``vars``);
- names inside a block use are local to it: they get the use's name as a
  prefix (``layer1.0.conv1``) and are looked up innermost scope first;
- negative ``from:`` indices count the entries of the list they are written
  in (a block use is one entry, its output the block's last layer), and one
  step before the first entry is that list's input: the spec's input at the
  top, the block's input (``in``) inside a block.  ``repeat:`` is
  transparent: its rounds are entries of the list that holds it.

Every block use and every named ``repeat`` becomes a :class:`Group`: a table
row above its layers with their total.  A layer type that is a built-in block
(PyTorch's transformer modules, :mod:`convcalc.layers.transformer`) is unrolled
the same way, its entries made from its arguments (:mod:`convcalc.engine.builtins`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, NamedTuple

from ..arith import expr, num
from ..core.params import describe
from ..errors import LayerRef, Loc, SpecError, did_you_mean
from ..layers.registry import Resolved
from ..spec.model import ArgLocs, BlockSpec, LayerSpec, RepeatSpec, Spec, UseArgLocs, raw_text
from . import builtins
from .refs import Node, Ref, Source

MAX_LAYERS = 200_000
MAX_BLOCK_DEPTH = 100  # blocks inside blocks, as deep as YAML nesting may go
_ARG = re.compile(r"\$([A-Za-z_]\w*)")
_WHOLE_ARG = re.compile(r"^\s*\$([A-Za-z_]\w*)\s*$")
_SIMPLE = re.compile(r"^(\d+|[A-Za-z_]\w*)$")


@dataclass(slots=True)
class Group:
    """A block use or a named ``repeat``: one table row above its layers."""

    name: str
    type: str  # the block's name, or "repeat"
    label: str
    depth: int
    parent: str | None
    loc: Loc
    inputs: tuple[Source, ...]  # what the group reads (for its row's `from`)
    first: int  # flat 1-based index of its first layer
    last: int = 0  # ... and of its last (first > last: an empty repeat)


class Expansion(NamedTuple):
    nodes: list[Node]
    groups: list[Group]
    # Every name known before propagation (explicit layer names and groups,
    # fully qualified) -> the flat index whose output it names; used to tell
    # a forward reference from a misspelling.
    names: dict[str, int]


class _Level(NamedTuple):
    """One layer list being expanded: what its indices count."""

    input: tuple[Source, ...]  # what `in` reads (and `-1` at the first entry, unless `start` says)
    outputs: list[Source]  # each entry's output so far
    what: str  # "the input" / "the input of block `b`"
    block: bool = False
    start: tuple[Source, ...] | None = None  # a built-in block's `-1` at the first entry: its first input


class _Scope(NamedTuple):
    prefix: str  # prepended to explicit names: "layer1.0."
    lookup: tuple[str, ...]  # prefixes to try when resolving a name, innermost first
    depth: int
    parent: str | None  # innermost group name
    stack: tuple[str, ...]  # blocks being expanded (recursion check)
    frozen: bool = False  # inside a block use or repeat written with `trainable: false`


class _NotConcrete(Exception):
    pass


def _refuse(name: str) -> num.Value:
    raise _NotConcrete(name)


@lru_cache(maxsize=4096)
def _parse(text: str) -> expr.Node:
    return expr.parse(text)


class Substitution:
    """``$arg`` -> the argument's value, anywhere in a raw layer entry."""

    def __init__(self, args: Mapping[str, Any], block: str, env: Mapping[str, num.Value],
                 where: Callable[[str], Loc | None] | None = None) -> None:
        self.args = args
        self.block = block
        self.env = env
        self.where = where  # block argument -> where the use writes its value

    def arg(self, name: str) -> Any:
        if name not in self.args:
            raise SpecError(f"block `{self.block}` has no argument `${name}`"
                            + did_you_mean(name, self.args)
                            + (f" (its arguments: {', '.join(self.args)})" if self.args else
                               " (it declares no `args:`)"), code="unknown-block-argument")
        return self.args[name]

    def __call__(self, raw: Any) -> Any:
        return self.sub(raw) if _mentions_arg(raw) else raw

    def sub(self, raw: Any) -> Any:
        if isinstance(raw, str):
            return self.text(raw) if "$" in raw else raw
        if isinstance(raw, list | tuple):
            return [self.sub(r) for r in raw]
        if isinstance(raw, Mapping):
            return {k: self.sub(v) for k, v in raw.items()}
        if isinstance(raw, LayerSpec):
            return replace(raw, args=tuple(self.sub(a) for a in raw.args),
                           kwargs={k: self.sub(v) for k, v in raw.kwargs.items()}, arg_locs=self.moved(raw))
        if isinstance(raw, RepeatSpec):
            times = _whole_arg(raw.times)
            return replace(raw, times=self.sub(raw.times), layers=tuple(self.sub(e) for e in raw.layers),
                           times_loc=(self.where(times) if times and self.where else None) or raw.times_loc)
        return raw

    def moved(self, raw: LayerSpec) -> ArgLocs:
        """Where the layer's arguments are written once its ``$args`` are the use's values."""
        if self.where is None:
            return raw.arg_locs
        args = {i: n for i, n in ((i, _whole_arg(a)) for i, a in enumerate(raw.args)) if n}
        values = {k: n for k, n in ((k, _whole_arg(v)) for k, v in raw.kwargs.items()) if n}
        return UseArgLocs(raw.arg_locs, args, values, self.where) if args or values else raw.arg_locs

    def text(self, raw: str) -> Any:
        whole = _WHOLE_ARG.match(raw)
        if whole:
            return self.arg(whole.group(1))

        def put(m: re.Match[str]) -> str:
            v = self.arg(m.group(1))
            if isinstance(v, bool) or not isinstance(v, int | str):
                raise SpecError(f"${m.group(1)} is {_describe(v)}, which cannot stand inside "
                                f"the expression {raw!r} (block `{self.block}`)", code="bad-argument")
            text = str(v).strip()
            return text if _SIMPLE.match(text) else f"({text})"

        out = _ARG.sub(put, raw)
        return fold(out, self.env)


def _whole_arg(raw: Any) -> str | None:
    """``out`` for a value that is a block argument alone (``$out``), else None."""
    m = _WHOLE_ARG.match(raw) if isinstance(raw, str) else None
    return m.group(1) if m else None


def _use_where(block: BlockSpec, use: LayerSpec) -> Callable[[str], Loc | None]:
    """Block argument -> where ``use`` writes its value (None: not written, the default)."""
    names = list(block.args)

    def where(name: str) -> Loc | None:
        if name in use.kwargs:
            return use.arg_locs.value(name)
        i = names.index(name) if name in names else -1
        return use.arg_locs.arg(i) if 0 <= i < len(use.args) else None

    return where


def _mentions_arg(raw: Any) -> bool:
    """Whether ``$`` occurs anywhere in a raw value (most entries: no, and nothing to copy)."""
    if isinstance(raw, str):
        return "$" in raw
    if isinstance(raw, int | float | bool) or raw is None:
        return False
    if isinstance(raw, LayerSpec):
        return _mentions_arg(raw.args) or _mentions_arg(raw.kwargs)
    if isinstance(raw, list | tuple):
        return any(_mentions_arg(r) for r in raw)
    if isinstance(raw, Mapping):
        return any(_mentions_arg(v) for v in raw.values())
    if isinstance(raw, RepeatSpec):
        return _mentions_arg(raw.times) or any(_mentions_arg(e) for e in raw.layers)
    return False


def fold(text: str, env: Mapping[str, num.Value]) -> Any:
    """An expression that needs only ``vars`` becomes its number (cleaner labels)."""
    try:
        v = expr.evaluate(_parse(text), env, _refuse)
    except (_NotConcrete, SpecError, RecursionError):
        return text
    return v if num.is_int(v) else text


def _describe(v: Any) -> str:

    return describe(v)


class Expander:
    """Walks the spec's layer lists, producing nodes and groups in order."""

    def __init__(self, spec: Spec, env: Mapping[str, num.Value]) -> None:
        self.spec = spec
        self.env = env
        self.nodes: list[Node] = []
        self.groups: list[Group] = []
        self.names: dict[str, int] = {}
        self.counters: dict[tuple[str, str], int] = {}
        self.positions: dict[str, int] = {}  # scope prefix -> entries made in it so far
        self.blocks = {_key(k): v for k, v in spec.blocks.items()}
        self.bodies: dict[Any, tuple[Any, ...]] = {}
        self.composites: dict[str, Resolved | None] = {}
        self.work = 0

    def run(self) -> Expansion:
        top = _Level(input=(0,), outputs=[], what="the input")
        scope = _Scope(prefix="", lookup=("",), depth=0, parent=None, stack=())
        for entry in self.spec.layers:
            self.entry(entry, top, scope)
        return Expansion(self.nodes, self.groups, self.names)

    # ---------------------------------------------------------------- entries
    def entry(self, entry: LayerSpec | RepeatSpec, level: _Level, scope: _Scope,
              forced_name: str | None = None) -> None:
        self.work += 1
        if self.work > 4 * MAX_LAYERS:  # e.g. a huge repeat of empty repeats
            raise SpecError(f"the network expands to more than {4 * MAX_LAYERS:,} entries", loc=entry.loc,
                            code="too-many-layers")
        if isinstance(entry, RepeatSpec):
            self.repeat(entry, level, scope)
            return
        # Its position in the list of its scope (a forced name is a round of a named repeat,
        # which counted once as the repeat).
        position = self.position(scope.prefix) if forced_name is None else 0
        block = self.blocks.get(_key(entry.type))
        if block is not None:
            self.block_use(block, entry, level, scope, forced_name, position)
            return
        composite = self.composite(entry.type)
        if composite is not None:
            self.builtin_use(composite, entry, level, scope, forced_name, position)
            return
        index = len(self.nodes) + 1
        if index > MAX_LAYERS:
            raise SpecError(f"the network expands to more than {MAX_LAYERS:,} layers", loc=entry.loc,
                            code="too-many-layers")
        name = forced_name or (scope.prefix + entry.name if entry.name is not None else None)
        error = None
        try:
            sources: tuple[Source, ...] | None = self.sources(entry, level, scope, index, None)
        except SpecError as e:  # raised by the propagator, which knows the layer's default name
            sources, error = None, e
        # A name used twice is refused by the propagator, which knows the type (conv2d, not conv).
        if name is not None and name not in self.names:
            try:
                self.declare(name, index, entry.arg_locs.value("name") or entry.loc)
            except SpecError as e:  # an input's name: raised when the propagator reaches the layer
                error = error or e
        self.nodes.append(Node(entry, name, sources, scope.parent, scope.depth, scope.prefix,
                               scope.lookup, error, scope.frozen))
        level.outputs.append(index)

    def position(self, prefix: str) -> int:
        n = self.positions.get(prefix, 0)
        self.positions[prefix] = n + 1
        return n

    def declare(self, name: str, index: int, loc: Loc, ref: LayerRef | None = None) -> None:
        if name in self.spec.inputs or name == "input":
            raise SpecError(f"the name '{name}' is taken by an input of the spec", loc=loc, layer=ref,
                            code="duplicate-name")
        if name in self.names:
            raise SpecError(f"layer name '{name}' is used twice", loc=loc, layer=ref, code="duplicate-name")
        self.names[name] = index

    def sources(self, entry: LayerSpec, level: _Level, scope: _Scope, index: int,
                name: str | None) -> tuple[Source, ...]:
        """``from:`` with the structural parts (negative indices, ``in``) settled."""
        written = entry.sources if entry.sources is not None else (-1,)
        out: list[Source] = []
        for ref in written:
            try:
                out.extend(self.source(ref, level, scope, index))
            except SpecError as e:
                raise e.with_location(entry.arg_locs.value("from") or entry.loc, None if name is None else
                                      LayerRef(index, name, entry.type)) from None
        return tuple(out)

    def source(self, ref: str | int, level: _Level, scope: _Scope, index: int) -> tuple[Source, ...]:
        if isinstance(ref, bool):
            raise SpecError(f"from: {ref} is not a layer name or index", code="bad-reference")
        if isinstance(ref, int):
            if ref >= 0:
                if ref >= index:
                    raise SpecError(
                        f"from: {ref} refers to layer {ref}, which comes at or after this one "
                        f"(layer {index}); a layer can only read earlier layers", code="forward-reference")
                return (ref,)
            pos = len(level.outputs) + ref
            if pos >= 0:
                return (level.outputs[pos],)
            if pos == -1:
                return level.input if level.start is None else level.start
            raise SpecError(f"from: {ref} reaches back {-ref} entries, but only "
                            f"{len(level.outputs)} come before this one in its list "
                            f"({-len(level.outputs) - 1} is {level.what})", code="bad-reference")
        if not isinstance(ref, str):
            raise SpecError(f"from: entries are layer names or indices, not {ref!r}", code="bad-reference")
        if ref == "in" or ref.startswith("in."):
            if ref == "in":
                return level.input
            if level.block:
                k = ref[3:]
                if not (k.isascii() and k.isdigit()) or int(k) >= len(level.input):
                    raise SpecError(f"from: {ref}: the block has {len(level.input)} input"
                                    f"{'s' if len(level.input) != 1 else ''} (in.0 .. "
                                    f"in.{len(level.input) - 1}, or `in` for all)", code="bad-reference")
                return (level.input[int(k)],)
        return (Ref(ref, scope.lookup),)

    # ---------------------------------------------------------------- repeat
    def repeat(self, rep: RepeatSpec, level: _Level, scope: _Scope) -> None:
        times = self.times(rep)
        if rep.trainable is False:
            scope = scope._replace(frozen=True)
        if rep.name is None:  # transparent: its rounds are entries of the list holding it
            for _ in range(times):
                for e in rep.layers:
                    self.entry(e, level, scope)
            return
        self.position(scope.prefix)  # one entry of its list, as the group it is
        name = scope.prefix + rep.name
        group = self.open_group(name, "repeat", f"repeat({times})", scope, rep.loc,
                                self.sources(LayerSpec("repeat", loc=rep.loc), level, scope,
                                             len(self.nodes) + 1, name))
        inner = scope._replace(depth=scope.depth + 1, parent=name)
        for i in range(times):
            if len(rep.layers) == 1 and not _named(rep.layers[0]):
                self.entry(rep.layers[0], level, inner, forced_name=f"{name}.{i}")
                continue
            prefix = f"{name}.{i}."
            round_scope = inner._replace(prefix=prefix, lookup=(prefix, *scope.lookup))
            for e in rep.layers:
                self.entry(e, level, round_scope)
        self.close_group(group, level, record_output=False)

    def times(self, rep: RepeatSpec) -> int:
        raw = rep.times
        try:
            if isinstance(raw, str):
                v = expr.evaluate(_parse(raw), self.env, _refuse)
            elif type(raw) is int:
                v = raw
            else:
                raise SpecError(f"repeat: times must be a whole number, not {_describe(raw)}",
                                code="not-whole")
        except _NotConcrete as e:
            raise SpecError(f"repeat: times {raw!r} must be a number, but `{e.args[0]}` is not bound "
                            "(set it in `vars:` or with -D)", loc=rep.times_loc or rep.loc,
                            code="unbound-name") from None
        except SpecError as e:
            raise e.with_location(rep.times_loc or rep.loc) from None
        if not num.is_int(v) or v < 0:
            raise SpecError(f"repeat: times must be 0 or more, not {v}", loc=rep.times_loc or rep.loc,
                            code="negative-value")
        return v

    # ---------------------------------------------------------------- blocks
    def block_use(self, block: BlockSpec, use: LayerSpec, level: _Level, scope: _Scope,
                  forced_name: str | None, position: int) -> None:
        if block.name in scope.stack:
            chain = " -> ".join((*scope.stack[scope.stack.index(block.name):], block.name))
            raise SpecError(f"block `{block.name}` uses itself ({chain}); blocks cannot recurse",
                            loc=use.loc, code="block-recursion")
        if len(scope.stack) >= MAX_BLOCK_DEPTH:  # each level costs Python stack frames
            raise SpecError(f"blocks nest more than {MAX_BLOCK_DEPTH} deep ({' -> '.join(scope.stack[:3])} "
                            f"-> ... -> {block.name})", loc=use.loc, code="too-deep")
        if forced_name is not None:
            name = forced_name
        elif use.name is not None:
            name = scope.prefix + use.name
        elif scope.prefix:  # inside a block: its position, as nn.Sequential names its children
            name = f"{scope.prefix}{position}"
        else:  # counts the unnamed uses, as Keras numbers its automatic names
            key = (scope.prefix, block.name)
            self.counters[key] = self.counters.get(key, 0) + 1
            name = f"{scope.prefix}{block.name}_{self.counters[key]}"
        index = len(self.nodes) + 1
        ref = LayerRef(index, name, block.name)
        try:
            args = bind_block(block, use, self.env)
        except SpecError as e:
            raise e.with_location(use.loc, ref) from None
        inputs = self.sources(use, level, scope, index, name)
        group = self.open_group(name, block.name, _block_label(block.name, use), scope, use.loc, inputs)
        inner_level = _Level(input=inputs, outputs=[], what=f"the input of block `{block.name}`",
                             block=True)
        prefix = name + "."
        inner = _Scope(prefix=prefix, lookup=(prefix, *scope.lookup), depth=scope.depth + 1,
                       parent=name, stack=(*scope.stack, block.name),
                       frozen=scope.frozen or use.trainable is False)
        for e in self.body(block, use, args, ref):
            self.entry(e, inner_level, inner)
        self.close_group(group, level, record_output=True)

    def composite(self, written: str) -> Resolved | None:
        """The built-in block (a :class:`Composite` layer type) a type name means, if it is one."""
        if written not in self.composites:
            self.composites[written] = builtins.composite(written, self.spec.framework)
        return self.composites[written]

    def builtin_use(self, resolved: Resolved, use: LayerSpec, level: _Level, scope: _Scope,
                    forced_name: str | None, position: int) -> None:
        """A use of a built-in block (``TransformerEncoderLayer``...): its sub-layers as a block's."""
        name, inputs, body = builtins.prepare(self, resolved, use, level, scope, forced_name, position)
        group = self.open_group(name, use.type, _block_label(use.type, use), scope, use.loc, inputs)
        inner_level = _Level(input=inputs, outputs=[], what=f"the input of {use.type}", block=True,
                             start=inputs[:1])
        prefix = name + "."
        inner = _Scope(prefix=prefix, lookup=(prefix, *scope.lookup), depth=scope.depth + 1,
                       parent=name, stack=scope.stack)
        for e in body:
            self.entry(e, inner_level, inner)
        self.close_group(group, level, record_output=True)

    def body(self, block: BlockSpec, use: LayerSpec, args: Mapping[str, Any],
             ref: LayerRef) -> tuple[Any, ...]:
        """The block's layers with ``$args`` put in (the same use and arguments: the same layers;
        a use repeated by ``repeat:`` is one use, written once)."""
        try:
            key: Any = (block.name, use.loc, _frozen(args))
            hash(key)
        except TypeError:
            key = None
        if key is not None and key in self.bodies:
            return self.bodies[key]
        subst = Substitution(args, block.name, self.env, _use_where(block, use))
        out = []
        for e in block.layers:
            try:
                out.append(subst(e))
            except SpecError as err:
                raise err.with_location(e.loc, ref) from None
        if key is not None:
            self.bodies[key] = tuple(out)
        return tuple(out)

    def open_group(self, name: str, type_: str, label: str, scope: _Scope, loc: Loc,
                   inputs: tuple[Source, ...]) -> Group:
        group = Group(name, type_, label, scope.depth, scope.parent, loc, inputs, len(self.nodes) + 1)
        self.groups.append(group)
        return group

    def close_group(self, group: Group, level: _Level, *, record_output: bool) -> None:
        group.last = len(self.nodes)
        if group.last < group.first:
            return  # an empty repeat: no row, no name
        self.declare(group.name, group.last, group.loc, LayerRef(group.first, group.name, group.type))
        if record_output:
            level.outputs.append(Ref(group.name, ("",)))


def bind_block(block: BlockSpec, use: LayerSpec, env: Mapping[str, num.Value]) -> dict[str, Any]:
    """The use's arguments by name, defaults filled in (in the order of ``args:``)."""
    names = list(block.args)
    if len(use.args) > len(names):
        shown = ", ".join(names) if names else "none"
        raise SpecError(f"block `{block.name}` takes at most {len(names)} positional argument"
                        f"{'' if len(names) == 1 else 's'} ({shown}), got {len(use.args)}",
                        loc=use.arg_locs.arg(len(names)), code="too-many-arguments")
    bound: dict[str, Any] = dict(zip(names, use.args, strict=False))
    for key, raw in use.kwargs.items():
        if key not in block.args:
            raise SpecError(f"block `{block.name}` has no argument `{key}`" + did_you_mean(key, names)
                            + (f" (its arguments: {', '.join(names)})" if names else
                               " (it declares no `args:`)"), loc=use.arg_locs.key(key),
                               code="unknown-argument")
        if key in bound:
            raise SpecError(f"block `{block.name}`: argument `{key}` is given twice",
                            loc=use.arg_locs.key(key), code="duplicate-argument")
        bound[key] = raw
    missing = [n for n in names if n not in bound and block.args[n] is None]
    if missing:
        raise SpecError(f"block `{block.name}` needs the argument{'s' if len(missing) > 1 else ''} "
                        + ", ".join(f"`{m}`" for m in missing)
                        + f" (its arguments: {', '.join(names)})", code="missing-argument")
    for n in names:
        if n not in bound:  # a default may use the arguments before it: {out: 64, mid: $out // 4}
            bound[n] = Substitution(bound, block.name, env)(block.args[n])
    return bound


def _block_label(name: str, use: LayerSpec) -> str:
    parts = [raw_text(a) for a in use.args]
    parts += [f"{k}={raw_text(v)}" for k, v in use.kwargs.items()]
    return f"{name}({', '.join(parts)})" if parts else name


def _frozen(raw: Any) -> Any:
    """A hashable stand-in for raw argument values (cache keys)."""
    if isinstance(raw, Mapping):
        return tuple((k, _frozen(v)) for k, v in raw.items())
    if isinstance(raw, list | tuple):
        return ("[", *(_frozen(r) for r in raw))
    return (type(raw).__name__, raw)


def _named(entry: LayerSpec | RepeatSpec) -> bool:
    return entry.name is not None


def _key(name: str) -> str:
    return name.strip()


def expand_layers(spec: Spec, env: Mapping[str, num.Value] | None = None) -> Expansion:
    """The spec's layers as flat nodes plus the groups (block rows) over them."""
    return Expander(spec, env or {}).run()


__all__ = ["Expansion", "Group", "Substitution", "bind_block", "expand_layers"]
