"""Layer arguments: declared once per layer type, and the kinds that check their values.

A layer type declares its parameters as :class:`Param` entries (name, kind,
default, aliases).  From that one declaration come the positional orders of
the three spellings, the accepted argument names with "did you mean"
suggestions, the coercion of raw values into sizes, ``--list-layers`` and
the JSON Schema.  Kinds are small functions from a raw value to a checked
value; they never accept a bool or a float where a whole number belongs.  Matching a use's
arguments to these parameters and checking them is :mod:`convcalc.core.binding`'s.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from .._record import NamedTuple
from ..arith import expr, num
from ..errors import SpecError, did_you_mean
from ..spec.model import LayerSpec, split_axes
from ._per_type import names_index
from .framework import Framework, Spelling
from .signatures import EXTENSIONS, KERAS_BASE, CallForm, Signature, signature  # noqa: F401  (A.signature & co.)

if TYPE_CHECKING:  # pragma: no cover
    from .context import Ctx

Value = num.Value


class _Required:
    def __repr__(self) -> str:
        return "required"


REQUIRED: Any = _Required()

# Names that both frameworks (or convcalc's short forms) use for one concept.
ALIASES: dict[str, tuple[str, ...]] = {
    "out": ("out_channels", "filters", "units", "out_features"),
    "kernel": ("k", "kernel_size", "pool_size"),
    "stride": ("s", "strides"),
    "padding": ("p",),
    "dilation": ("d", "dilation_rate"),
    "groups": ("g",),
    "bias": ("use_bias",),
    "in_channels": ("in_features",),
}

# Arguments with no effect on shapes or parameter counts, accepted and ignored.
IGNORED: frozenset[str] = frozenset(
    {
        "activation", "kernel_initializer", "bias_initializer", "kernel_regularizer",
        "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint",
        "depthwise_initializer", "pointwise_initializer", "depthwise_regularizer",
        "pointwise_regularizer", "depthwise_constraint", "pointwise_constraint", "inplace", "dtype",
        "device", "padding_mode", "count_include_pad",
        "divisor_override", "momentum", "eps", "epsilon", "track_running_stats", "negative_slope",
        "approximate", "seed", "noise_shape", "beta_initializer", "gamma_initializer",
        "moving_mean_initializer", "moving_variance_initializer", "beta_regularizer",
        "gamma_regularizer", "beta_constraint", "gamma_constraint", "synchronized",
        "lora_alpha", "autocast", "recurrent_activation", "recurrent_initializer",
        "recurrent_regularizer", "recurrent_constraint", "dropout", "recurrent_dropout",
        "unit_forget_bias", "stateful", "unroll", "go_backwards", "return_state", "use_cudnn",
        "batch_first", "scale_grad_by_freq", "sparse", "max_norm", "norm_type",
        "embeddings_initializer", "embeddings_regularizer", "embeddings_constraint", "mask_zero",
        "training", "interpolation", "align_corners",
        "recompute_scale_factor", "antialias", "nonlinearity",
    }
)


def call_form(sig: Signature, params: Sequence[Param], cls: str) -> CallForm:
    """A framework class's :class:`CallForm`: each of its names is a parameter (under any alias,
    a documented convcalc extension) or an argument without shape effect, accepted and ignored."""
    by_name = names_index(params)
    order = tuple(by_name.get(n.lower(), n.lower()) for n in sig.positional)
    have = frozenset(by_name[n.lower()] for n in sig.names if n.lower() in by_name)
    ignored = frozenset(n.lower() for n in sig.names if n.lower() not in by_name) | EXTENSIONS
    required = tuple(by_name.get(n.lower(), n.lower()) for n in sig.required)
    return CallForm(order, have, ignored, cls, required, sig.anything, sig.names)


class Param(NamedTuple):
    """One argument of a layer type."""

    name: str
    kind: Kind
    default: Any = REQUIRED
    aliases: tuple[str, ...] = ()
    keras_default: Any = REQUIRED  # REQUIRED here means "same as default"
    doc: str = ""
    # Last in a positional order: gathers the remaining positional sizes into one list,
    # as ``x.view(3, 5)`` / ``x.permute(0, 2, 1)`` read (``- reshape: [3, 5]``).
    variadic: bool = False
    # How the table's label writes a value given for it (None: spec.model.raw_text, ``3×3``).
    show: Callable[[Any], str] | None = None

    def default_for(self, framework: str) -> Any:
        if framework == Framework.KERAS and self.keras_default is not REQUIRED:
            return self.keras_default
        return self.default

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases, *ALIASES.get(self.name, ()))


class Kind(NamedTuple):
    """How a raw value becomes a checked value."""

    name: str  # shown in --list-layers and used by the JSON Schema
    coerce: Callable[[Any, Ctx, str], Any]
    schema: Mapping[str, Any]
    # Its list values are lists of numbers (axes, sizes): labelled `[2, 3]`, not as per-axis sizes `2×3`.
    listing: bool = False

    def __call__(self, raw: Any, ctx: Ctx, what: str) -> Any:
        return self.coerce(raw, ctx, what)


# ------------------------------------------------------------ raw -> value


def describe(raw: Any) -> str:
    if isinstance(raw, bool):
        return f"the boolean {str(raw).lower()}"
    if isinstance(raw, float):
        return f"the decimal number {raw!r}"
    if raw is None:
        return "nothing (null)"
    if isinstance(raw, str):
        return f"the text {raw!r}"
    if isinstance(raw, list | tuple):
        return f"the list {list(raw)!r}"
    if isinstance(raw, dict):
        return "a mapping"
    if isinstance(raw, LayerSpec):
        return f"the layer {raw.type}"
    return repr(raw)


def value(raw: Any, ctx: Ctx, what: str) -> Value:
    """A whole number or an expression of names; never a bool or a float."""
    if type(raw) is int:
        return raw
    if isinstance(raw, str):
        try:
            return ctx.evaluate(raw)
        except SpecError as e:  # the expression's own error, said of this argument (same kind)
            raise SpecError(f"{what}: {e.message}", hint=e.hint, code=e.code, loc=e.loc) from None
    if isinstance(raw, float) and math.isfinite(raw) and raw.is_integer():
        raise SpecError(f"{what} must be a whole number, not {raw!r} (write {int(raw)})", code="not-whole")
    raise SpecError(f"{what} must be a whole number, not {describe(raw)}", code="not-whole")


def _at_least(v: Value, low: int, ctx: Ctx, what: str) -> Value:
    if num.is_int(v):
        if v < low:
            word = "positive" if low == 1 else f"at least {low}"
            raise SpecError(f"{what} must be {word}, not {v}",
                            code="size-below-1" if low == 1 else "negative-value")
        return v
    ctx.require(v >= low, f"{what} = {num.fmt(v)} must be at least {low}",
                code="size-below-1" if low == 1 else "negative-value")
    return v


def _positive(raw: Any, ctx: Ctx, what: str) -> Value:
    if type(raw) is int and raw >= 1:  # the common case, decided at once
        return raw
    return _at_least(value(raw, ctx, what), 1, ctx, what)


def _nonneg(raw: Any, ctx: Ctx, what: str) -> Value:
    if type(raw) is int and raw >= 0:
        return raw
    return _at_least(value(raw, ctx, what), 0, ctx, what)


def _integer(raw: Any, ctx: Ctx, what: str) -> Value:
    return value(raw, ctx, what)


_T = TypeVar("_T")


def per_axis(raw: Any, ctx: Ctx, what: str, each: Callable[[Any, Ctx, str], _T]) -> tuple[_T, ...]:
    """``each`` applied to one value per spatial axis (one value or a list, ``3x5`` as text)."""
    rank = ctx.rank
    if type(raw) is int:  # one size for every axis, the common case
        return (each(raw, ctx, what),) * rank
    raw = split_axes(raw)
    if isinstance(raw, list | tuple):
        if len(raw) == 1 and rank > 1:
            if ctx.spelling == Spelling.KERAS:  # Keras's standardize_tuple wants one value per axis
                raise SpecError(f"{what} {list(raw)} has one value, but Keras's {ctx.cls} needs {rank} (one "
                                f"per spatial axis) or a single number", code="wrong-axis-count")
            raw = list(raw) * rank
        if len(raw) != rank:
            raise SpecError(
                f"{what} has {len(raw)} values {list(raw)} but the layer has {rank} spatial "
                f"ax{'i' if rank == 1 else 'e'}s", code="wrong-axis-count",
            )
        names = ctx.axis_names
        return tuple(each(r, ctx, f"{what} on axis {names[i]}") for i, r in enumerate(raw))
    v = each(raw, ctx, what)
    return (v,) * rank


def _axes_positive(raw: Any, ctx: Ctx, what: str) -> tuple[Value, ...]:
    return per_axis(raw, ctx, what, _positive)


def _axes_nonneg(raw: Any, ctx: Ctx, what: str) -> tuple[Value, ...]:
    return per_axis(raw, ctx, what, _nonneg)


def _boolean(raw: Any, ctx: Ctx, what: str) -> bool:
    """true or false; never text, even "True" (PyTorch's RNNs raise TypeError for it, and elsewhere
    any text is truthy, so "False" would mean true)."""
    if isinstance(raw, bool):
        return raw
    hint = f" (write {raw.lower()} without quotes)" if isinstance(raw, str) and raw.lower() in (
        "true", "false") else ""
    raise SpecError(f"{what} must be true or false, not {describe(raw)}{hint}", code="not-boolean")


def _real(raw: Any, ctx: Ctx, what: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or (
            isinstance(raw, float) and not math.isfinite(raw)):
        raise SpecError(f"{what} must be a number, not {describe(raw)}", code="not-a-number")
    if isinstance(raw, int) and abs(raw) > _FLOAT_MAX:  # float() of it would raise OverflowError
        raise SpecError(f"{what} is {raw.bit_length():,} bits long, too large for a decimal number",
                        code="too-large")
    return float(raw)


_FLOAT_MAX = int(sys.float_info.max)


def _raw(raw: Any, ctx: Ctx, what: str) -> Any:
    return raw


def optional(kind: Kind) -> Kind:
    def coerce(raw: Any, ctx: Ctx, what: str) -> Any:
        if raw is None or (isinstance(raw, str) and raw.lower() in ("none", "null")):
            return None
        return kind.coerce(raw, ctx, what)

    return Kind(kind.name, coerce, {"anyOf": [kind.schema, {"type": "null"}]}, kind.listing)


# an expression: names, numbers (0.25), operators, calls (make_divisible(v, 8), size(in.1, 0)),
# comparisons and `a if c else b`
_EXPR_SCHEMA = {"type": "string", "pattern": r"^[\s\w$.,+\-*/%()<>=!]+$"}
_INT_SCHEMA = {"anyOf": [{"type": "integer"}, _EXPR_SCHEMA]}
_AXES_SCHEMA = {
    "anyOf": [
        {"type": "integer"},
        {"type": "string"},
        {"type": "array", "items": _INT_SCHEMA, "minItems": 1, "maxItems": 3},
    ]
}


def choice(*options: str) -> Kind:
    """One of a few words, matched ignoring case."""

    def coerce(raw: Any, ctx: Ctx, what: str) -> str:
        if isinstance(raw, str) and raw.lower() in options:
            return raw.lower()
        raise SpecError(
            f"{what} must be one of {', '.join(options)}, not {describe(raw)}"
            + (did_you_mean(raw, options) if isinstance(raw, str) else ""), code="bad-choice",
        )

    return Kind("|".join(options), coerce, {"type": "string", "enum": list(options)})


POSITIVE = Kind("int>0", _positive, _INT_SCHEMA)
NONNEG = Kind("int>=0", _nonneg, _INT_SCHEMA)
INTEGER = Kind("int", _integer, _INT_SCHEMA)
AXES = Kind("int>0 per axis", _axes_positive, _AXES_SCHEMA)
AXES_NONNEG = Kind("int>=0 per axis", _axes_nonneg, _AXES_SCHEMA)
BOOL = Kind("bool", _boolean, {"type": "boolean"})
REAL = Kind("number", _real, {"type": "number"})
RAW = Kind("any", _raw, {})
OPTIONAL_POSITIVE = optional(POSITIVE)
OPTIONAL_AXES = optional(AXES)


def shape_of(raw: Any, ctx: Ctx, what: str, *, allow_minus_one: bool = False) -> tuple[Value, ...]:
    """A list of sizes (``[3, 224, 224]``, ``3x224x224``, ``"T x 80 x 3"``)."""
    raw = split_axes(raw)
    if isinstance(raw, int | str) and not isinstance(raw, bool):
        raw = [raw]
    if not isinstance(raw, list | tuple) or not raw:
        raise SpecError(f"{what} must be a list of sizes such as [3, 224, 224], not {describe(raw)}",
                        code="bad-shape")
    out = []
    for i, r in enumerate(raw):
        v = value(r, ctx, f"{what}[{i}]")
        if allow_minus_one and num.is_int(v) and v == -1:
            out.append(v)
            continue
        out.append(_at_least(v, 1, ctx, f"{what}[{i}]"))
    return tuple(out)


SHAPE = Kind("shape", shape_of, {"anyOf": [{"type": "integer"}, {"type": "array", "items": _INT_SCHEMA},
                                           {"type": "string"}]})  # one size, as shape_of reads it


def evaluate_text(text: str, env: Mapping[str, Value], free: Callable[[str], Value]) -> Value:
    """Parse and evaluate an expression from a spec."""
    return expr.evaluate(expr.parse(text), env, free)
