"""What expanding a spec makes (:class:`Expansion`, with a :class:`Group` per block use and named
``repeat``), and the state :class:`convcalc.engine.expand.Expander` walks the layer lists with."""

from __future__ import annotations

from typing import Any

from .._record import NamedTuple, record
from ..errors import Loc
from .refs import Node, Source


@record()
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
    last: int  # ... and of its last (first > last: an empty repeat)
    shared_with: str | None  # `share:` on a block use: the use whose weights it has

    def __init__(self, name: str, type: str, label: str, depth: int, parent: str | None, loc: Loc,
                 inputs: tuple[Source, ...], first: int, last: int = 0,
                 shared_with: str | None = None) -> None:
        """Written out (not the record's generic one): one is built for every block use."""
        self.name = name
        self.type = type
        self.label = label
        self.depth = depth
        self.parent = parent
        self.loc = loc
        self.inputs = inputs
        self.first = first
        self.last = last
        self.shared_with = shared_with


class Expansion(NamedTuple):
    nodes: list[Node]
    groups: list[Group]
    # Every name known before propagation (explicit layer names and groups,
    # fully qualified) -> the flat index whose output it names; used to tell
    # a forward reference from a misspelling.
    names: dict[str, int]


class Level(NamedTuple):
    """One layer list being expanded: what its indices count."""

    input: tuple[Source, ...]  # what `in` reads (and `-1` at the first entry, unless `start` says)
    outputs: list[Source]  # each entry's output so far
    what: str  # "the input" / "the input of block `b`"
    block: bool = False
    start: tuple[Source, ...] | None = None  # a built-in block's `-1` at the first entry: its first input


class Scope(NamedTuple):
    prefix: str  # prepended to explicit names: "layer1.0."
    lookup: tuple[str, ...]  # prefixes to try when resolving a name, innermost first
    depth: int
    parent: str | None  # innermost group name
    stack: tuple[str, ...]  # blocks being expanded (recursion check)
    frozen: bool = False  # inside a block use or repeat written with `trainable: false`
    guards: tuple[Any, ...] = ()  # the `if:` of the block uses around it
