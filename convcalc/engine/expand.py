"""Expanding a spec's layer list into the flat list of layer uses (SPEC §5).

Block uses and ``repeat:`` entries are unrolled here, so the propagator
only ever sees single layers.  What the structure means is settled here
too, because only here is it visible:

- ``$arg`` in a block's layers is replaced by the use's argument (the raw
  value where it stands alone, its text inside an expression, which is then
  folded to a number when it needs nothing but ``vars``: :mod:`.block_args`);
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

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .._record import replace
from ..arith import num
from ..errors import LayerRef, Loc, SpecError
from ..layers.registry import Resolved
from ..spec.model import BlockSpec, LayerSpec, RepeatSpec, Spec, mentions_size, raw_text, strings
from . import builtins
from .expansion import Expansion, Group, Level, Scope
from .refs import Node, Ref, Source

if TYPE_CHECKING:  # pragma: no cover
    from types import ModuleType

    from .sharing import Span

MAX_LAYERS = 200_000
MAX_BLOCK_DEPTH = 100  # blocks inside blocks, as deep as YAML nesting may go


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
        # group -> first, last, type, label, the use whose weights it has (itself, unless shared)
        self.spans: dict[str, tuple[int, int, str, str, str]] = {}
        # size(in, 0) in a block use's arguments reads the use's input, wherever the argument
        # lands inside the block: the tensor is pinned to a name that means it everywhere.
        self.pinned: dict[str, Source] = {}

    def run(self) -> Expansion:
        top = Level(input=(0,), outputs=[], what="the input")
        scope = Scope(prefix="", lookup=("",), depth=0, parent=None, stack=())
        for entry in self.spec.layers:
            self.entry(entry, top, scope)
        return Expansion(self.nodes, self.groups, self.names)

    # ---------------------------------------------------------------- entries
    def entry(self, entry: LayerSpec | RepeatSpec, level: Level, scope: Scope,
              forced_name: str | None = None) -> None:
        self.work += 1
        if self.work > 4 * MAX_LAYERS:  # e.g. a huge repeat of empty repeats
            raise SpecError(f"the network expands to more than {4 * MAX_LAYERS:,} entries", loc=entry.loc,
                            code="too-many-layers")
        if isinstance(entry, RepeatSpec):
            self.repeat(entry, level, scope)
            return
        # The scope's fields and the level's outputs, read once (each read of a record's field is a look-up).
        prefix, lookup, depth, parent, _, frozen, guards = scope
        outputs = level.outputs
        # Its position in the list of its scope (a forced name is a round of a named repeat,
        # which counted once as the repeat): :meth:`position`, written out (every entry asks).
        position = self.positions.get(prefix, 0) if forced_name is None else 0
        if forced_name is None:
            self.positions[prefix] = position + 1
        block = self.blocks.get(_key(entry.type)) if self.blocks else None
        if block is not None:
            self.block_use(block, entry, level, scope, forced_name, position)
            return
        composites = self.composites  # each type is asked once (:meth:`composite`); a run has a few
        composite = composites[entry.type] if entry.type in composites else self.composite(entry.type)
        if composite is not None:
            self.builtin_use(composite, entry, level, scope, forced_name, position)
            return
        index = len(self.nodes) + 1
        if index > MAX_LAYERS:
            raise SpecError(f"the network expands to more than {MAX_LAYERS:,} layers", loc=entry.loc,
                            code="too-many-layers")
        name = forced_name or (prefix + entry.name if entry.name is not None else None)
        error = None
        if entry.sources is None and outputs:  # most layers: :meth:`sources`' first case, at once
            sources: tuple[Source, ...] | None = (outputs[-1],)
        else:
            try:
                sources = self.sources(entry, level, scope, index, None)
            except SpecError as e:  # raised by the propagator, which knows the layer's default name
                sources, error = None, e
        # A name used twice is refused by the propagator, which knows the type (conv2d, not conv).
        if name is not None and name not in self.names:
            try:
                self.declare(name, index, entry.arg_locs.value("name") or entry.loc)
            except SpecError as e:  # an input's name: raised when the propagator reaches the layer
                error = error or e
        share = tie = None
        reads: tuple[tuple[str, Source], ...] = ()
        when = guards if entry.when is None else (*guards, entry.when)
        if entry.share is not None or entry.tie is not None or when or \
                ((entry.args or entry.kwargs) and mentions_size(entry)):  # no arguments: no size()
            try:
                if entry.share is not None:
                    share = self.layer_ref(entry.share, scope, "share")
                if entry.tie is not None:
                    tie = self.layer_ref(entry.tie, scope, "tie")
                reads = self.reads(entry, when, level, scope, index)
            except SpecError as e:
                error = error or e.with_location(entry.loc)
        self.nodes.append(Node(entry, name, sources, parent, depth, prefix, lookup, error, frozen, share, tie,
                               when, reads))
        outputs.append(index)

    def pin(self, raw: Any, level: Level, scope: Scope, index: int) -> Any:
        """``size(in, 0)`` in a block use's arguments: ``in`` pinned to the use's input."""
        if isinstance(raw, list | tuple):
            return [self.pin(r, level, scope, index) for r in raw]
        if not isinstance(raw, str) or "size(" not in raw:
            return raw
        from .size_reads import pin  # only specs that write size() get here

        return pin(self, raw, level, scope, index)

    def pin_use(self, use: LayerSpec, level: Level, scope: Scope, index: int) -> LayerSpec:
        """A block use with ``size(in, 0)`` in its arguments pinned (:meth:`pin`); the use itself when
        pinning changes nothing (most uses: no copy made)."""
        args = tuple([self.pin(a, level, scope, index) for a in use.args])
        kwargs = {k: self.pin(v, level, scope, index) for k, v in use.kwargs.items()}
        when = self.pin(use.when, level, scope, index)
        if args == use.args and kwargs == use.kwargs and when == use.when:
            return use
        return replace(use, args=args, kwargs=kwargs, when=when)

    def layer_ref(self, name: str, scope: Scope, key: str) -> Ref:
        """``share:``/``tie:`` on a layer: a layer's name (a block use is shared by a block use)."""
        for prefix in scope.lookup:
            if prefix + name in self.spans:
                message = (f"{key}: `{name}` is a block use; a layer {key}s a layer (to share a "
                           f"whole block, write `share: {name}` on a use of the same block)")
                if key == "share":
                    raise SpecError(message, code="share-block")
                raise SpecError(message, code="tie-block")
        return Ref(name, scope.lookup)

    def reads(self, entry: LayerSpec, when: tuple[Any, ...], level: Level, scope: Scope, index: int
              ) -> tuple[tuple[str, Source], ...]:
        """The tensors ``size(tensor, axis)`` reads in the entry's arguments and ``if:``."""
        texts = [t for t in strings((entry.args, list(entry.kwargs.values()), when)) if "size(" in t]
        if not texts:
            return ()
        from .size_reads import reads  # only specs that write size() get here

        return reads(self, texts, level, scope, index)

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

    def sources(self, entry: LayerSpec, level: Level, scope: Scope, index: int,
                name: str | None) -> tuple[Source, ...]:
        """``from:`` with the structural parts (negative indices, ``in``) settled."""
        if entry.sources is None:  # most layers: the entry before's output (which is never an error)
            return (level.outputs[-1],) if level.outputs else self.source(-1, level, scope, index)
        written = entry.sources
        out: list[Source] = []
        for ref in written:
            try:
                out.extend(self.source(ref, level, scope, index))
            except SpecError as e:
                raise e.with_location(entry.arg_locs.value("from") or entry.loc, None if name is None else
                                      LayerRef(index, name, entry.type)) from None
        return tuple(out)

    def source(self, ref: str | int, level: Level, scope: Scope, index: int) -> tuple[Source, ...]:
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
    def repeat(self, rep: RepeatSpec, level: Level, scope: Scope) -> None:
        from . import repeats  # only specs with repeats need it

        times = repeats.times(self, rep)
        if rep.each and len(next(iter(rep.each.values()))) != times:
            raise SpecError(f"repeat: times is {times} but the for: lists have "
                            f"{len(next(iter(rep.each.values())))} values", code="for-lengths-differ",
                            loc=rep.loc)
        repeats.check_for(self, rep)
        repeats.check_size(rep, times, self.work, 4 * MAX_LAYERS)  # before unrolling: not seconds later
        if rep.trainable is False:
            scope = scope._replace(frozen=True)
        rounds: list[tuple[int, int]] = []  # each round's flat indices (first, last + 1)
        vary = repeats.varies(rep)
        if rep.name is None:  # transparent: its rounds are entries of the list holding it
            for i in range(times):
                start = len(self.nodes)
                for e in repeats.round_entries(self, rep, i, vary):
                    self.entry(e, level, scope)
                rounds.append((start, len(self.nodes)))
            _share_rounds(self.nodes, rep, rounds)
            return
        self.position(scope.prefix)  # one entry of its list, as the group it is
        name = scope.prefix + rep.name
        group = self.open_group(name, "repeat", f"repeat({times})", scope, rep.loc,
                                self.sources(LayerSpec("repeat", loc=rep.loc), level, scope,
                                             len(self.nodes) + 1, name))
        inner = scope._replace(depth=scope.depth + 1, parent=name)
        for i in range(times):
            start = len(self.nodes)
            entries = repeats.round_entries(self, rep, i, vary)
            if len(entries) == 1 and not _named(entries[0]):
                self.entry(entries[0], level, inner, forced_name=f"{name}.{i}")
            else:
                prefix = f"{name}.{i}."
                round_scope = inner._replace(prefix=prefix, lookup=(prefix, *scope.lookup))
                for e in entries:
                    self.entry(e, level, round_scope)
            rounds.append((start, len(self.nodes)))
        _share_rounds(self.nodes, rep, rounds)
        self.close_group(group, level, record_output=False)

    # ---------------------------------------------------------------- blocks
    def use_name(self, kind: str, use: LayerSpec, scope: Scope, forced_name: str | None,
                 position: int) -> str:
        """A block use's name (a spec's block or a built-in one such as TransformerEncoderLayer)."""
        if forced_name is not None:
            return forced_name
        if use.name is not None:
            return scope.prefix + use.name
        if scope.prefix:  # inside a block: its position, as nn.Sequential names its children
            return f"{scope.prefix}{position}"
        key = (scope.prefix, kind)  # counts the unnamed uses, as Keras numbers its automatic names
        self.counters[key] = self.counters.get(key, 0) + 1
        return f"{kind}_{self.counters[key]}"

    def block_use(self, block: BlockSpec, use: LayerSpec, level: Level, scope: Scope,
                  forced_name: str | None, position: int) -> None:
        from .block_args import bind_block  # only specs with blocks need it

        if block.name in scope.stack:
            chain = " -> ".join((*scope.stack[scope.stack.index(block.name):], block.name))
            raise SpecError(f"block `{block.name}` uses itself ({chain}); blocks cannot recurse",
                            loc=use.loc, code="block-recursion")
        if len(scope.stack) >= MAX_BLOCK_DEPTH:  # each level costs Python stack frames
            raise SpecError(f"blocks nest more than {MAX_BLOCK_DEPTH} deep ({' -> '.join(scope.stack[:3])} "
                            f"-> ... -> {block.name})", loc=use.loc, code="too-deep")
        name = self.use_name(block.name, use, scope, forced_name, position)
        index = len(self.nodes) + 1
        ref = LayerRef(index, name, block.name)
        label = _block_label(block.name, use)  # as written, before size() is pinned
        try:
            use = self.pin_use(use, level, scope, index)
            args = bind_block(block, use, self.env)
        except SpecError as e:
            raise e.with_location(use.loc, ref) from None
        inputs = self.sources(use, level, scope, index, name)
        shared = None if use.share is None else \
            _sharing().shared_group(self.spans, self.names, block, use, scope.lookup, label, ref)
        group = self.open_group(name, block.name, label, scope, use.loc, inputs)
        if shared is not None:
            group.shared_with = shared[4]
        inner_level = Level(input=inputs, outputs=[], what=f"the input of block `{block.name}`",
                             block=True)
        prefix = name + "."
        inner = Scope(prefix=prefix, lookup=(prefix, *scope.lookup), depth=scope.depth + 1,
                       parent=name, stack=(*scope.stack, block.name),
                       frozen=scope.frozen or use.trainable is False,
                       guards=(*scope.guards, *(() if use.when is None else (use.when,))))
        start = len(self.nodes)
        for e in self.body(block, use, args, ref):
            self.entry(e, inner_level, inner)
        self.share_layers(shared, start, name, use, ref)
        self.close_group(group, level, record_output=True)
        self.spans[name] = (group.first, group.last, block.name, label, group.shared_with or name)

    def share_layers(self, shared: Span | None, start: int, name: str, use: LayerSpec,
                     ref: LayerRef) -> None:
        """A block use that shares ``shared``: its layers from ``start`` on share that use's, one by one."""
        if shared is None:
            return
        first, last = shared[0], shared[1]
        if len(self.nodes) - start != last - first + 1:
            raise SpecError(f"share: `{name}` has {len(self.nodes) - start} layers, the block use it "
                            f"shares {last - first + 1}", code="share-mismatch", loc=use.loc, layer=ref)
        for k in range(start, len(self.nodes)):
            if self.nodes[k].share is None:
                self.nodes[k] = self.nodes[k]._replace(share=first + k - start)

    def composite(self, written: str) -> Resolved | None:
        """The built-in block (a :class:`Composite` layer type) a type name means, if it is one."""
        if written not in self.composites:
            self.composites[written] = builtins.composite(written, self.spec.framework)
        return self.composites[written]

    def builtin_use(self, resolved: Resolved, use: LayerSpec, level: Level, scope: Scope,
                    forced_name: str | None, position: int) -> None:
        """A use of a built-in block (``TransformerEncoderLayer``...): its sub-layers as a block's."""
        name, inputs, body = builtins.prepare(self, resolved, use, level, scope, forced_name, position)
        assert resolved.layer.block
        kind, label = resolved.layer.kind, _block_label(use.type, use)
        ref = LayerRef(len(self.nodes) + 1, name, use.type)
        # share:, trainable: and if: on the use, as on a block use (SPEC §11)
        shared = None if use.share is None else _sharing().shared_group(
            self.spans, self.names, BlockSpec(kind, {}, ()), use, scope.lookup, label, ref)
        when = None if use.when is None else self.pin(use.when, level, scope, ref.index)
        group = self.open_group(name, use.type, label, scope, use.loc, inputs)
        if shared is not None:
            group.shared_with = shared[4]
        inner_level = Level(input=inputs, outputs=[], what=f"the input of {use.type}", block=True,
                             start=inputs[:1])
        prefix = name + "."
        inner = Scope(prefix=prefix, lookup=(prefix, *scope.lookup), depth=scope.depth + 1,
                       parent=name, stack=scope.stack, frozen=scope.frozen or use.trainable is False,
                       guards=(*scope.guards, *(() if when is None else (when,))))
        start = len(self.nodes)
        for e in body:
            self.entry(e, inner_level, inner)
        self.share_layers(shared, start, name, use, ref)
        self.close_group(group, level, record_output=True)
        self.spans[name] = (group.first, group.last, kind, label, group.shared_with or name)

    def body(self, block: BlockSpec, use: LayerSpec, args: Mapping[str, Any],
             ref: LayerRef) -> tuple[Any, ...]:
        """The block's layers with ``$args`` put in (the same use and arguments: the same layers;
        a use repeated by ``repeat:`` is one use, written once)."""
        from .block_args import Substitution, frozen, use_where

        try:
            key: Any = (block.name, use.loc, frozen(args))
            hash(key)
        except TypeError:
            key = None
        if key is not None and key in self.bodies:
            return self.bodies[key]
        subst = Substitution(args, block.name, self.env, where=use_where(block, use))
        out = []
        for e in block.layers:
            try:
                out.append(subst(e))
            except SpecError as err:
                raise err.with_location(e.loc, ref) from None
        if key is not None:
            self.bodies[key] = tuple(out)
        return tuple(out)

    def open_group(self, name: str, type_: str, label: str, scope: Scope, loc: Loc,
                   inputs: tuple[Source, ...]) -> Group:
        group = Group(name, type_, label, scope.depth, scope.parent, loc, inputs, len(self.nodes) + 1)
        self.groups.append(group)
        return group

    def close_group(self, group: Group, level: Level, *, record_output: bool) -> None:
        group.last = len(self.nodes)
        if group.last < group.first:
            return  # an empty repeat: no row, no name
        self.declare(group.name, group.last, group.loc, LayerRef(group.first, group.name, group.type))
        if record_output:
            level.outputs.append(Ref(group.name, ("",)))


def _block_label(name: str, use: LayerSpec) -> str:
    parts = [raw_text(a) for a in use.args]
    parts += [f"{k}={raw_text(v)}" for k, v in use.kwargs.items()]
    return f"{name}({', '.join(parts)})" if parts else name


def _named(entry: LayerSpec | RepeatSpec) -> bool:
    return entry.name is not None


def _key(name: str) -> str:
    return name.strip()


def expand_layers(spec: Spec, env: Mapping[str, num.Value] | None = None) -> Expansion:
    """The spec's layers as flat nodes plus the groups (block rows) over them."""
    return Expander(spec, env or {}).run()


__all__ = ["Expansion", "Group", "expand_layers"]


def _sharing() -> ModuleType:
    """:mod:`.sharing`, imported by the specs that write ``share:`` (most never do: start-up, issue 20)."""
    from . import sharing

    return sharing


def _share_rounds(nodes: list[Node], rep: RepeatSpec, rounds: list[tuple[int, int]]) -> None:
    if rep.share:
        _sharing().share_rounds(nodes, rep, rounds)
