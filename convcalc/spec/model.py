"""The parsed spec: plain immutable data, the same whatever the source.

The YAML loader and the inline parser both produce a :class:`Spec`; the
propagator reads nothing else.  Argument values stay raw here (ints,
strings holding expressions, lists, bools, nested layers) because their
meaning depends on the layer that reads them; the layer's parameter kinds
(:mod:`convcalc.core.params`) turn them into sizes.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Mapping
from types import MappingProxyType
from typing import Any

from .._record import NamedTuple, field, record
from ..core.framework import Framework, Layout
from ..errors import Loc

Raw = Any  # int | str | bool | float | None | list | dict | LayerSpec

EMPTY: Mapping[str, Any] = MappingProxyType({})
NOWHERE = Loc("<spec>")  # the location of a spec built in code


class ArgLocs:
    """Where a layer's arguments are written, for errors located at the argument.

    ``arg(i)`` is the ``i``-th positional value; ``key(name)`` and ``value(name)`` the
    key and the value of a named argument (also ``name`` and ``from``).  None where
    unknown (a spec built in code).  The YAML loader's answers are made on demand:
    most arguments are never asked about.
    """

    __slots__ = ()

    def arg(self, index: int) -> Loc | None:
        return None

    def key(self, name: str) -> Loc | None:
        return None

    def value(self, name: str) -> Loc | None:
        return None

    def layer(self, raw: Any) -> LayerSpec | RepeatSpec | None:
        """An argument's value (``raw`` itself) read as a layer entry with its own argument places
        (a wrapped layer); None where that is not known."""
        return None


NO_ARG_LOCS = ArgLocs()


class FixedArgLocs(ArgLocs):
    """Argument locations known in advance (the inline parser counts them as it reads)."""

    __slots__ = ("args", "keys", "values")

    def __init__(self, args: tuple[Loc, ...], keys: Mapping[str, Loc], values: Mapping[str, Loc]) -> None:
        self.args = args
        self.keys = keys
        self.values = values

    def arg(self, index: int) -> Loc | None:
        return self.args[index] if 0 <= index < len(self.args) else None

    def key(self, name: str) -> Loc | None:
        return self.keys.get(name)

    def value(self, name: str) -> Loc | None:
        return self.values.get(name)


class UseArgLocs(ArgLocs):
    """A block's layer after its ``$args`` are put in: an argument whose whole value is a block
    argument (``out: $out``) is where the block's use writes that value; the rest stay where
    the block writes them."""

    __slots__ = ("args", "inner", "values", "where")

    def __init__(self, inner: ArgLocs, args: Mapping[int, str], values: Mapping[str, str],
                 where: Callable[[str], Loc | None]) -> None:
        self.inner = inner
        self.args = args  # positional index -> the block argument it is
        self.values = values  # argument name -> the block argument it is
        self.where = where  # block argument -> where the use writes its value

    def arg(self, index: int) -> Loc | None:
        name = self.args.get(index)
        return (self.where(name) if name else None) or self.inner.arg(index)

    def key(self, name: str) -> Loc | None:
        return self.inner.key(name)

    def value(self, name: str) -> Loc | None:
        arg = self.values.get(name)
        return (self.where(arg) if arg else None) or self.inner.value(name)

    def layer(self, raw: Any) -> LayerSpec | RepeatSpec | None:
        return self.inner.layer(raw)


@record(frozen=True)
class LayerSpec:
    """One layer entry as written: type, positional and named arguments."""

    __hash__ = None  # type: ignore[assignment]  # holds dicts: unhashable (no generated hash)

    type: str
    args: tuple[Raw, ...]
    kwargs: Mapping[str, Raw]
    name: str | None
    sources: tuple[str | int, ...] | None  # `from:`; None = the previous layer
    loc: Loc
    trainable: bool | None  # `trainable: false` (Keras's argument): its weights frozen
    arg_locs: ArgLocs = field(compare=False)  # where each argument is written
    share: str | None  # `share: LAYER`: the same module as LAYER (SPEC §11)
    tie: str | None  # `tie: LAYER`: a dense whose weight is LAYER's
    when: Raw  # `if:`: a condition; when false the layer passes its input through

    def __init__(self, type: str, args: tuple[Raw, ...] = (), kwargs: Mapping[str, Raw] = EMPTY,
                 name: str | None = None, sources: tuple[str | int, ...] | None = None, loc: Loc = NOWHERE,
                 trainable: bool | None = None, arg_locs: ArgLocs = NO_ARG_LOCS, share: str | None = None,
                 tie: str | None = None, when: Raw = None) -> None:
        """Written out (not the record's generic one): one is built for every layer of a spec.
        Each slot is set by its own descriptor (frozen: no plain assignment), which costs half
        of what ``object.__setattr__`` does, as that looks the slot up by name first."""
        (set_type, set_args, set_kwargs, set_name, set_sources, set_loc, set_trainable, set_arg_locs,
         set_share, set_tie, set_when) = _LAYER_SLOTS
        set_type(self, type)
        set_args(self, args)
        set_kwargs(self, kwargs)
        set_name(self, name)
        set_sources(self, sources)
        set_loc(self, loc)
        set_trainable(self, trainable)
        set_arg_locs(self, arg_locs)
        set_share(self, share)
        set_tie(self, tie)
        set_when(self, when)


# the setters of LayerSpec's slots, in the order of its fields (as its __init__ takes them)
_LAYER_SLOTS = tuple(LayerSpec.__dict__[f].__set__ for f in LayerSpec.__slots__)


@record(frozen=True)
class RepeatSpec:
    """``repeat: {times: N, layers: [...]}``: the layers N times over."""

    __hash__ = None  # type: ignore[assignment]  # holds dicts: unhashable (no generated hash)

    times: Raw
    layers: tuple[LayerSpec | RepeatSpec, ...]
    name: str | None = None
    loc: Loc = NOWHERE
    trainable: bool | None = None  # `trainable: false`: every layer's weights frozen
    times_loc: Loc | None = field(default=None, compare=False)  # where `times:`'s value is written
    share: bool = False  # `share: true`: every round uses the first round's weights (ALBERT)
    each: Mapping[str, tuple[Raw, ...]] = field(default_factory=lambda: EMPTY)  # `for:` lists


@record(frozen=True)
class BlockSpec:
    """A reusable, parameterised list of layers (``blocks:``)."""

    __hash__ = None  # type: ignore[assignment]  # holds dicts: unhashable (no generated hash)

    name: str
    args: Mapping[str, Raw]  # argument name -> default (None = required)
    layers: tuple[LayerSpec | RepeatSpec, ...]
    loc: Loc = NOWHERE


class Evidence(NamedTuple):
    """A spelling that says which framework a spec is written for (SPEC §12)."""

    framework: str  # "pytorch" | "keras"
    spelling: str  # as it decided: `Conv2D`, `layers.Flatten`, `input_shape=`
    loc: Loc

    def __str__(self) -> str:
        """``Conv2D at 1:1`` (line:column; a spec without lines, a dict, gives no place)."""
        line, column = self.loc.line, self.loc.column
        if line is None:
            return self.spelling
        return f"{self.spelling} at {line}:{column}" if column else f"{self.spelling} at line {line}"

    def to_dict(self) -> dict[str, Any]:
        """JSON ``"framework_inferred_from"``: the spelling and where it is written."""
        return {"spelling": self.spelling, "line": self.loc.line, "column": self.loc.column}


@record(frozen=True)
class Spec:
    """A whole network description."""

    __hash__ = None  # type: ignore[assignment]  # holds dicts: unhashable (no generated hash)

    source: str
    layers: tuple[LayerSpec | RepeatSpec, ...]
    # input name -> raw shape, without the batch axis
    inputs: Mapping[str, tuple[Raw, ...]] = field(default_factory=lambda: EMPTY)
    name: str | None = None
    framework: Framework = Framework.PYTORCH
    layout: Layout | None = None  # None: the framework's own
    vars: Mapping[str, Raw] = field(default_factory=lambda: EMPTY)
    var_locs: Mapping[str, Loc] = field(default_factory=lambda: EMPTY)  # where each var is written
    blocks: Mapping[str, BlockSpec] = field(default_factory=lambda: EMPTY)
    outputs: tuple[str | int, ...] | None = None
    expect: Mapping[str, Raw] | None = None
    loc: Loc = NOWHERE
    input_loc: Loc | None = None
    framework_loc: Loc | None = None  # None: not written (the default, pytorch)
    framework_inferred_from: Evidence | None = None  # not written, but the spellings tell
    expect_loc: Loc | None = None
    # "params", "layers.conv1", "layers.conv1.output" ... -> where that key is written
    expect_locs: Mapping[str, Loc] = field(default_factory=lambda: EMPTY)
    outputs_loc: Loc | None = None
    # Read as YAML (a file, stdin, a YAML string, a dict): every name must be declared (SPEC §4);
    # one-line specs use names freely.  name_locs: each word of a text value -> where it is written.
    declared: bool = False
    name_locs: Mapping[str, Loc] = field(default_factory=lambda: EMPTY)
    # A one-line spec's names written only inside quotes (``padding='full'``): text, not free names.
    quoted: frozenset[str] = frozenset()
    # read from a foreign format (SPEC §12): {"format": "darknet", "notes": (...)}; None: convcalc's own
    imported: Mapping[str, Any] | None = None

    @property
    def resolved_layout(self) -> Layout:
        if self.layout:
            return self.layout
        return Framework(self.framework).layout


# Keras lets the first layer give the network's input: ``Dense(64, input_shape=(20,))`` (SPEC §2).
INPUT_KEYS = ("input_shape", "batch_input_shape", "input_dim")


def input_from_keys(kwargs: Mapping[str, Raw], own: Container[str]) -> tuple[Raw, ...] | None:
    """The input shape a first layer's ``input_shape=`` (or its relatives) gives, if any.

    ``own`` holds the argument names (lower case) the layer's type takes itself:
    such a key is the layer's argument, not the input (Embedding's ``input_dim``
    is its vocabulary).
    """
    for key in INPUT_KEYS:
        if key not in kwargs or key in own:
            continue
        raw = kwargs[key]
        if key == "input_dim":
            return (raw,)
        raw = list(raw) if isinstance(raw, list | tuple) else split_axes(raw)
        if not isinstance(raw, list):
            raw = [raw]
        return tuple(raw[1:] if key == "batch_input_shape" else raw)
    return None


def split_axes(raw: Any) -> Any:
    """``"3x5"`` (or ``"3×5"``, as convcalc prints shapes) -> ``["3", "5"]``; anything else unchanged."""
    if isinstance(raw, str):
        parts = raw.replace(" ", "").replace("×", "x").split("x")
        if len(parts) > 1 and all(parts):  # what ^[^x]+(x[^x]+)+$ matched: no empty size
            return parts
    return raw


def mentions_size(entry: LayerSpec) -> bool:
    """Whether a layer entry's arguments call ``size()`` (cheap: most hold no text at all)."""
    for raw in (*entry.args, *entry.kwargs.values()):
        if type(raw) is int or raw is None or type(raw) is bool:
            continue
        if any("size(" in t for t in strings(raw)):
            return True
    return False


def strings(raw: Any) -> list[str]:
    """Every text inside a raw value (arguments, nested lists and mappings)."""
    if isinstance(raw, str):
        return [raw]
    if isinstance(raw, list | tuple):
        return [t for r in raw for t in strings(r)]
    if isinstance(raw, Mapping):
        return [t for r in raw.values() for t in strings(r)]
    return []


def raw_text(raw: Any) -> str:
    """A raw argument value as the table labels write it (``3×3``, ``conv2d(16, 3)``)."""
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


def names_in(text: str) -> list[str]:
    """The names a text value writes (``2*H + 1`` -> ``H``): runs of word characters that do not
    start with a digit. A scan, not the expression parser (spec/ does not read arithmetic)."""
    words = "".join(c if c.isalnum() or c == "_" else " " for c in text).split()
    return [w for w in words if not w[0].isdecimal()]
