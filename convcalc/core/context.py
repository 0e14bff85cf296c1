"""The context a layer computes in: framework facts, variables, explain steps, open conditions."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from ..arith import expr, num
from ..arith.formulas import Formula, Step
from ..errors import Loc, SpecError
from .framework import Framework, Layout, Spelling
from .types import AXIS_NAMES, Constraint, Shape, Value

if TYPE_CHECKING:  # pragma: no cover
    from ..spec.model import LayerSpec
    from .types import LayerOut


# Module globals: asked for every layer (a global costs less than a class attribute).
_KERAS, _CHANNELS_LAST, _CONVCALC = Framework.KERAS, Layout.CHANNELS_LAST, Spelling.CONVCALC


class Nested(Protocol):
    """What a wrapper layer asks of the engine: read the layer it wraps, and run it on a shape."""

    def read(self, raw: Any) -> LayerSpec: ...

    def run(self, ctx: Ctx, spec: LayerSpec, x: Shape, states: Sequence[Shape] = (),
            several: bool = False) -> tuple[Any, LayerOut]: ...


class Ctx:
    """Everything a layer needs to know while it computes, and where it reports.

    One per layer use: the framework and layout, the spatial rank, the
    spec's variables, the explain steps and the open constraints.
    """

    __slots__ = ("batchless", "channels_last", "cls", "constraints", "env", "framework", "free",
                 "keras", "layout", "nested", "rank", "spelling", "steps", "where")

    def __init__(
        self,
        framework: Framework,
        layout: Layout,
        env: Mapping[str, Value],
        free: Callable[[str], Value],
        constraints: list[Constraint],
        rank: int | None = None,
        nested: Nested | None = None,
    ) -> None:
        self.framework = framework
        self.layout = layout
        # Asked several times by every layer: attributes, not properties (a property is a call).
        self.keras = framework == _KERAS
        self.channels_last = layout == _CHANNELS_LAST
        self.env = env
        self.free = free
        self.constraints = constraints
        self.rank = rank
        self.nested = nested  # the engine's way to run a wrapped layer
        self.steps: list[Step] = []
        # Per input: True when it carries no batch axis (a `parameter`, or made from parameters only);
        # merges align such a tensor on the right, as PyTorch broadcasts a module's own tensors.
        self.batchless: tuple[bool, ...] = ()
        # How to find where an argument of the layer is written (the engine sets it): the function
        # (core.params.arg_loc), the layer as written, its parameters and its resolved type, used
        # when an error about an argument needs it (arg_loc), not made into a closure every layer.
        self.where: tuple[Callable[..., Loc | None], Any, Sequence[Any], Any] | None = None
        # Whose spelling the layer was written in ("convcalc", "torch", "keras") and the
        # framework's class name when it is one: set by the engine for each layer use.
        self.spelling: str = _CONVCALC
        self.cls = ""

    # ---- framework facts
    @property
    def axis_names(self) -> tuple[str, ...]:
        if self.rank in AXIS_NAMES:
            return AXIS_NAMES[self.rank]
        return tuple(f"#{i + 1}" for i in range(self.rank or 0))

    def split(self, shape: Shape) -> tuple[Value, Shape]:
        """(channels, spatial sizes) of a feature map in this layout (framework.split_channels, written
        out with the layout known: convolutions and norms ask for every use)."""
        if self.channels_last:
            return shape[-1], tuple(shape[:-1])
        return shape[0], tuple(shape[1:])

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
                self.divides(b, a, lambda a=a, b=b: f"{text}: {num.fmt(a)} must be divisible by {num.fmt(b)}",
                             code="not-divisible")
        return value

    def step(self, label: str, formula: Formula, **env: Value) -> Value:
        """Compute ``formula`` and remember it for --explain."""
        v = formula(**env)
        self.steps.append(Step(label, formula, env, v))
        return v

    def note(self, label: str, text: str, value: Value | None = None, **numbers: Value) -> None:
        """Record an explain line that is not a formula (a rule, a choice); ``{name}`` in
        ``text`` is one of ``numbers``, written when the line is printed, as the renderer writes sizes."""
        self.steps.append(Step(label, None, numbers, value, note=text))

    def arg_loc(self, name: str) -> Loc | None:
        """Where the layer's argument ``name`` is written: a layer's error about an argument is
        located there, not only at the layer (None: not written, or no layer as written known)."""
        if self.where is None:
            return None
        locate, spec, params, resolved = self.where
        return locate(spec, params, resolved.order, name)

    def fail(self, message: str, *, code: str, arg: str | None = None) -> SpecError:
        """An error of kind ``code``, located at the argument ``arg`` when it is about one."""
        return SpecError(message, loc=None if arg is None else self.arg_loc(arg), code=code)

    def require(self, condition: Any, message: str | Callable[[], str], *, code: str,
                arg: str | None = None) -> None:
        """Fail if ``condition`` is false (an error of kind ``code``, at the argument ``arg`` if
        given); keep it as a constraint if undecidable."""
        verdict = num.resolve(condition)
        if verdict is True:
            return
        if verdict is False:
            raise self.fail(message() if callable(message) else message, code=code, arg=arg)
        self.constraints.append(Constraint(condition, message))

    def at_least(self, v: Value, low: Value, message: Callable[[], str], *, code: str,
                 arg: str | None = None) -> None:
        """``v >= low`` for ints (fast path) and expressions."""
        if num.is_int(v) and num.is_int(low):
            if v < low:
                raise self.fail(message(), code=code, arg=arg)
            return
        self.require(num.ge(v, low), message, code=code, arg=arg)

    def divides(self, a: Value, b: Value, message: Callable[[], str], *, code: str,
                arg: str | None = None) -> None:
        """``b`` is a multiple of ``a``."""
        if num.is_int(a) and num.is_int(b):
            if b % a:
                raise self.fail(message(), code=code, arg=arg)
            return
        self.require(num.divides(a, b), message, code=code, arg=arg)

    def equal(self, a: Value, b: Value, message: Callable[[], str], *, code: str,
              arg: str | None = None) -> None:
        if num.is_int(a) and num.is_int(b):
            if a != b:
                raise self.fail(message(), code=code, arg=arg)
            return
        self.require(num.eq(a, b), message, code=code, arg=arg)
