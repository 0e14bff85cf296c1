"""What a layer type is, and the registry that finds one by any spelling.

Adding a layer type means one :class:`Layer` subclass decorated with
:func:`register` in one module of this package, plus its tests: the
parsers, renderers, CLI, ``--list-layers`` and the JSON Schema read the
registry and need no change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, NamedTuple

from .. import args as A
from .. import expr, num
from ..errors import SpecError, did_you_mean
from ..formulas import Formula, Step

Value = num.Value
Shape = tuple[Value, ...]

AXIS_NAMES: dict[int, tuple[str, ...]] = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}


class Weight(NamedTuple):
    """A learnable (or non-trainable) tensor, in the framework's own layout."""

    name: str
    shape: Shape
    trainable: bool = True

    @property
    def size(self) -> Value:
        return num.prod(self.shape)


class Window(NamedTuple):
    """How a layer moves a sliding window along one spatial axis (for receptive fields)."""

    kernel: Value  # effective (dilated) kernel
    stride: Value
    pad_left: Value = 0


class LayerOut(NamedTuple):
    """What a layer computes from its input shapes."""

    shape: Shape
    weights: tuple[Weight, ...] = ()
    macs: Value = 0
    # Per spatial axis, the window this layer slides (None: shape-preserving
    # or not a sliding window; see convcalc.analysis for how it is used).
    windows: tuple[Window, ...] | None = None


class Constraint(NamedTuple):
    """A condition the network needs that convcalc could not decide yet."""

    condition: Any  # a sympy relational
    text: str | Callable[[], str]  # made on demand: most conditions are reduced, never shown
    layer: str | None = None

    @property
    def message(self) -> str:
        return self.text() if callable(self.text) else self.text


class Ctx:
    """Everything a layer needs to know while it computes, and where it reports.

    One per layer use: the framework and layout, the spatial rank, the
    spec's variables, the explain steps and the open constraints.
    """

    __slots__ = ("constraints", "env", "framework", "free", "layout", "rank", "steps")

    def __init__(
        self,
        framework: str,
        layout: str,
        env: Mapping[str, Value],
        free: Callable[[str], Value],
        constraints: list[Constraint],
        rank: int | None = None,
    ) -> None:
        self.framework = framework
        self.layout = layout
        self.env = env
        self.free = free
        self.constraints = constraints
        self.rank = rank
        self.steps: list[Step] = []

    # ---- framework facts
    @property
    def keras(self) -> bool:
        return self.framework == "keras"

    @property
    def channels_last(self) -> bool:
        return self.layout == "channels_last"

    @property
    def axis_names(self) -> tuple[str, ...]:
        if self.rank in AXIS_NAMES:
            return AXIS_NAMES[self.rank]
        return tuple(f"#{i + 1}" for i in range(self.rank or 0))

    def split(self, shape: Shape) -> tuple[Value, Shape]:
        """(channels, spatial sizes) of a feature map in this layout."""
        if self.channels_last:
            return shape[-1], shape[:-1]
        return shape[0], shape[1:]

    def join(self, channels: Value, spatial: Sequence[Value]) -> Shape:
        if self.channels_last:
            return (*spatial, channels)
        return (channels, *spatial)

    @property
    def channel_axis(self) -> int:
        """Index of the channel axis in a shape without the batch axis."""
        return -1 if self.channels_last else 0

    # ---- numbers
    def evaluate(self, text: str) -> Value:
        node = expr.parse(text)
        value = expr.evaluate(node, self.env, self.free)
        if "/" in text and not num.is_int(value):
            # `/` must divide exactly; with free names that is a condition on them.
            for a, b in expr.exact_divisions(node, self.env, self.free):
                self.divides(b, a, lambda a=a, b=b: f"{text}: {num.fmt(a)} must be divisible by {num.fmt(b)}")
        return value

    def step(self, label: str, formula: Formula, **env: Value) -> Value:
        """Compute ``formula`` and remember it for --explain."""
        v = formula(**env)
        self.steps.append(Step(label, formula, env, v))
        return v

    def note(self, label: str, text: str, value: Value) -> None:
        """Record an explain line that is not a formula (a rule, a choice)."""
        self.steps.append(Step(label, None, {}, value, note=text))

    def require(self, condition: Any, message: str | Callable[[], str]) -> None:
        """Fail if ``condition`` is false; keep it as a constraint if undecidable."""
        verdict = num.resolve(condition)
        if verdict is True:
            return
        if verdict is False:
            raise SpecError(message() if callable(message) else message)
        self.constraints.append(Constraint(condition, message))

    def at_least(self, v: Value, low: Value, message: Callable[[], str]) -> None:
        """``v >= low`` for ints (fast path) and expressions."""
        if num.is_int(v) and num.is_int(low):
            if v < low:
                raise SpecError(message())
            return
        self.require(num.ge(v, low), message)

    def divides(self, a: Value, b: Value, message: Callable[[], str]) -> None:
        """``b`` is a multiple of ``a``."""
        if num.is_int(a) and num.is_int(b):
            if b % a:
                raise SpecError(message())
            return
        self.require(num.divides(a, b), message)

    def equal(self, a: Value, b: Value, message: Callable[[], str]) -> None:
        if num.is_int(a) and num.is_int(b):
            if a != b:
                raise SpecError(message())
            return
        self.require(num.eq(a, b), message)


class Layer:
    """One layer type.  Subclasses declare; :meth:`infer` computes.

    ``kind`` is convcalc's name (``conv``); with ``ranks`` it also answers to
    ``conv1d``/``conv2d``/``conv3d``.  ``torch`` and ``keras`` map the
    frameworks' class names to a rank (None: rankless), and ``*_order`` are
    the positional orders of each spelling.
    """

    kind: ClassVar[str]
    family: ClassVar[str] = "other"
    doc: ClassVar[str] = ""
    params: ClassVar[tuple[A.Param, ...]] = ()
    order: ClassVar[tuple[str, ...]] = ()  # convcalc's positional order
    ranks: ClassVar[tuple[int, ...]] = ()
    aliases: ClassVar[tuple[str, ...]] = ()  # more convcalc spellings (rankless)
    torch: ClassVar[Mapping[str, int | None]] = {}
    torch_order: ClassVar[tuple[str, ...]] = ()
    keras: ClassVar[Mapping[str, int | None]] = {}
    keras_order: ClassVar[tuple[str, ...]] = ()
    ignored: ClassVar[frozenset[str]] = frozenset()
    # Merge layers read several tensors; everything else reads one.
    multi_input: ClassVar[bool] = False

    def keras_name(self, rank: int | None) -> str:
        """Keras's class for this type at ``rank`` (``Conv2D``), for messages; else convcalc's name."""
        for name, r in self.keras.items():
            if r == rank:
                return name
        return self.type_name(rank)

    def type_name(self, rank: int | None) -> str:
        return f"{self.kind}{rank}d" if rank is not None and self.ranks else self.kind

    def infer_rank(self, shape: Shape) -> int | None:
        """The spatial rank when the type name leaves it open (``conv``)."""
        if not self.ranks:
            return None
        rank = len(shape) - 1
        if rank not in self.ranks:
            raise SpecError(
                f"{self.kind} cannot infer its rank from a {len(shape)}-axis input "
                f"{fmt_shape(shape)}: it takes {' or '.join(str(r + 1) for r in self.ranks)} axes "
                f"(channels and {'/'.join(str(r) for r in self.ranks)} spatial)"
            )
        return rank

    def check_rank(self, shape: Shape, rank: int | None, type_name: str) -> None:
        if rank is not None and self.ranks and len(shape) != rank + 1:
            names = ", ".join(("C", *AXIS_NAMES[rank]))
            raise SpecError(
                f"{type_name} takes an input of {rank + 1} axes ({names}) without the batch axis, "
                f"but got {fmt_shape(shape)} ({len(shape)} ax{'i' if len(shape) == 1 else 'e'}s)"
            )

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        raise NotImplementedError


def fmt_shape(shape: Sequence[Value]) -> str:
    return "×".join(num.fmt(d) for d in shape) if shape else "()"


# ------------------------------------------------------------------ registry


class Resolved(NamedTuple):
    """A type name as written, resolved: the layer, its rank, whose spelling."""

    layer: Layer
    rank: int | None
    spelling: str  # "convcalc" | "torch" | "keras"

    @property
    def order(self) -> tuple[str, ...]:
        if self.spelling == "torch":
            return self.layer.torch_order
        if self.spelling == "keras":
            return self.layer.keras_order
        return self.layer.order


REGISTRY: dict[str, Layer] = {}  # kind -> layer
_NORMAL: dict[str, tuple[Layer, int | None]] = {}
_TORCH: dict[str, tuple[Layer, int | None]] = {}
_KERAS: dict[str, tuple[Layer, int | None]] = {}


def normalize(name: str) -> str:
    return name.replace("_", "").lower()


def register(cls: type[Layer]) -> type[Layer]:
    """Class decorator: put a layer type in the catalogue under all its names."""
    layer = cls()
    if layer.kind in REGISTRY:
        raise RuntimeError(f"layer kind {layer.kind!r} registered twice")
    REGISTRY[layer.kind] = layer
    spellings: list[tuple[str, int | None]] = [(layer.kind, None)]
    spellings += [(f"{layer.kind}{r}d", r) for r in layer.ranks]
    spellings += [(a, None) for a in layer.aliases]
    spellings += [(f"{a}{r}d", r) for a in layer.aliases for r in layer.ranks]
    for name, rank in spellings:
        _add(_NORMAL, normalize(name), layer, rank)
    for table, names in ((_TORCH, layer.torch), (_KERAS, layer.keras)):
        for name, rank in names.items():
            _add(table, name, layer, rank)
            _NORMAL.setdefault(normalize(name), (layer, rank))
    return cls


def _add(table: dict[str, tuple[Layer, int | None]], key: str, layer: Layer, rank: int | None) -> None:
    if key in table and table[key][0] is not layer:
        raise RuntimeError(f"layer name {key!r} claimed by {table[key][0].kind} and {layer.kind}")
    table[key] = (layer, rank)


_PREFIXES = ("torch.nn.", "tf.keras.layers.", "keras.layers.", "nn.", "layers.")


def lookup(written: str, framework: str) -> Resolved:
    """Find a layer type by any of its spellings (SPEC §2)."""
    _load_catalogue()
    name = written.strip()
    for prefix in _PREFIXES:
        if name.lower().startswith(prefix):
            name = name[len(prefix) :]
            break
    in_torch, in_keras = name in _TORCH, name in _KERAS
    if in_torch and in_keras:
        pick = _KERAS if framework == "keras" else _TORCH
        layer, rank = pick[name]
        return Resolved(layer, rank, "keras" if framework == "keras" else "torch")
    if in_torch:
        return Resolved(*_TORCH[name], "torch")
    if in_keras:
        return Resolved(*_KERAS[name], "keras")
    key = normalize(name)
    if key in _NORMAL:
        return Resolved(*_NORMAL[key], "convcalc")
    raise SpecError(f"unknown layer type `{written}`" + did_you_mean(name, all_names()))


def all_names() -> list[str]:
    _load_catalogue()
    names = set()
    for layer in REGISTRY.values():
        names.add(layer.kind)
        names.update(f"{layer.kind}{r}d" for r in layer.ranks)
        names.update(layer.aliases)
        names.update(layer.torch)
        names.update(layer.keras)
    return sorted(names)


_loaded = False


def _load_catalogue() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        from . import catalogue  # noqa: F401  (registers every layer module)
