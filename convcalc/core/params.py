"""Layer arguments: declared once per layer type, bound and checked here.

A layer type declares its parameters as :class:`Param` entries (name, kind,
default, aliases).  From that one declaration come the positional orders of
the three spellings, the accepted argument names with "did you mean"
suggestions, the coercion of raw values into sizes, ``--list-layers`` and
the JSON Schema.  Kinds are small functions from a raw value to a checked
value; they never accept a bool or a float where a whole number belongs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from ..arith import expr, num
from ..errors import SpecError, did_you_mean
from ..spec.model import LayerSpec, split_axes

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
        "device", "padding_mode", "return_indices", "count_include_pad",
        "divisor_override", "momentum", "eps", "epsilon", "track_running_stats", "negative_slope",
        "approximate", "seed", "noise_shape", "beta_initializer", "gamma_initializer",
        "moving_mean_initializer", "moving_variance_initializer", "beta_regularizer",
        "gamma_regularizer", "beta_constraint", "gamma_constraint", "synchronized", "lora_rank",
        "lora_alpha", "autocast", "recurrent_activation", "recurrent_initializer",
        "recurrent_regularizer", "recurrent_constraint", "dropout", "recurrent_dropout",
        "unit_forget_bias", "stateful", "unroll", "go_backwards", "return_state", "use_cudnn",
        "batch_first", "scale_grad_by_freq", "sparse", "max_norm", "norm_type",
        "embeddings_initializer", "embeddings_regularizer", "embeddings_constraint", "mask_zero",
        "training", "interpolation", "align_corners",
        "recompute_scale_factor", "antialias", "nonlinearity",
    }
)


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

    def default_for(self, framework: str) -> Any:
        if framework == "keras" and self.keras_default is not REQUIRED:
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
        except SpecError as e:
            raise SpecError(f"{what}: {e.message}") from None
    if isinstance(raw, float) and math.isfinite(raw) and raw.is_integer():
        raise SpecError(f"{what} must be a whole number, not {raw!r} (write {int(raw)})")
    raise SpecError(f"{what} must be a whole number, not {describe(raw)}")


def _at_least(v: Value, low: int, ctx: Ctx, what: str) -> Value:
    if num.is_int(v):
        if v < low:
            word = "positive" if low == 1 else f"at least {low}"
            raise SpecError(f"{what} must be {word}, not {v}")
        return v
    ctx.require(v >= low, f"{what} = {num.fmt(v)} must be at least {low}")
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
        if len(raw) == 1:
            raw = list(raw) * rank
        if len(raw) != rank:
            raise SpecError(
                f"{what} has {len(raw)} values {list(raw)} but the layer has {rank} spatial "
                f"ax{'i' if rank == 1 else 'e'}s"
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
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    raise SpecError(f"{what} must be true or false, not {describe(raw)}")


def _real(raw: Any, ctx: Ctx, what: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        raise SpecError(f"{what} must be a number, not {describe(raw)}")
    return float(raw)


def _raw(raw: Any, ctx: Ctx, what: str) -> Any:
    return raw


def optional(kind: Kind) -> Kind:
    def coerce(raw: Any, ctx: Ctx, what: str) -> Any:
        if raw is None or (isinstance(raw, str) and raw.lower() in ("none", "null")):
            return None
        return kind.coerce(raw, ctx, what)

    return Kind(kind.name, coerce, {"anyOf": [kind.schema, {"type": "null"}]})


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
            + (did_you_mean(raw, options) if isinstance(raw, str) else "")
        )

    return Kind("|".join(options), coerce, {"type": "string", "enum": list(options)})


POSITIVE = Kind("int>0", _positive, _INT_SCHEMA)
NONNEG = Kind("int>=0", _nonneg, _INT_SCHEMA)
INTEGER = Kind("int", _integer, _INT_SCHEMA)
AXES = Kind("int>0 per axis", _axes_positive, _AXES_SCHEMA)
AXES_NONNEG = Kind("int>=0 per axis", _axes_nonneg, _AXES_SCHEMA)
BOOL = Kind("bool", _boolean, {"anyOf": [{"type": "boolean"}, {"enum": ["true", "false"]}]})
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
        raise SpecError(f"{what} must be a list of sizes such as [3, 224, 224], not {describe(raw)}")
    out = []
    for i, r in enumerate(raw):
        v = value(r, ctx, f"{what}[{i}]")
        if allow_minus_one and num.is_int(v) and v == -1:
            out.append(v)
            continue
        out.append(_at_least(v, 1, ctx, f"{what}[{i}]"))
    return tuple(out)


SHAPE = Kind("shape", shape_of, {"anyOf": [{"type": "array", "items": _INT_SCHEMA}, {"type": "string"}]})


# ---------------------------------------------------------------- binding


_NAMES: dict[int, tuple[Sequence[Param], dict[str, str]]] = {}


def names_index(params: Sequence[Param]) -> dict[str, str]:
    """Every accepted spelling (lower case) -> parameter name; computed once per layer type."""
    hit = _NAMES.get(id(params))
    if hit is not None and hit[0] is params:
        return hit[1]
    by_name: dict[str, str] = {}
    for p in params:
        for n in p.names:
            by_name.setdefault(n.lower(), p.name)
    _NAMES[id(params)] = (params, by_name)  # keeps `params` alive, so the id stays its own
    return by_name


def bind(
    spec: LayerSpec,
    params: Sequence[Param],
    order: Sequence[str],
    *,
    type_name: str,
    ignored: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """Match positional and named arguments to parameter names (raw values)."""
    if not spec.args and not spec.kwargs:  # `- relu`: nothing to match
        return {}
    by_name = names_index(params)
    out: dict[str, Any] = {}
    args = _gather(spec.args, params, order)
    if len(args) > len(order):
        shown = ", ".join(order) if order else "none"
        raise SpecError(
            f"{type_name} takes at most {len(order)} positional argument"
            f"{'' if len(order) == 1 else 's'} ({shown}), got {len(args)}"
        )
    for pname, raw in zip(order, args, strict=False):
        out[pname] = raw
    for key, raw in spec.kwargs.items():
        canon = by_name.get(key.lower())
        if canon is None:
            if key.lower() in IGNORED or key.lower() in ignored:
                continue
            raise SpecError(f"{type_name} has no argument `{key}`" + did_you_mean(key, by_name))
        if canon in out:
            raise SpecError(f"{type_name}: argument `{canon}` is given twice")
        out[canon] = raw
    return out


def _gather(args: tuple[Any, ...], params: Sequence[Param], order: Sequence[str]) -> tuple[Any, ...]:
    """Several sizes where a variadic parameter stands last become one list (its value)."""
    if len(args) <= len(order) or not order:
        return args
    last = next((p for p in params if p.name == order[-1]), None)
    rest = args[len(order) - 1 :]
    if last is None or not last.variadic or not all(_is_size(r) for r in rest):
        return args
    return (*args[: len(order) - 1], list(rest))


def _is_size(raw: Any) -> bool:
    return isinstance(raw, int | str) and not isinstance(raw, bool)


_PLANS: dict[tuple[int, str], tuple[Sequence[Param], tuple[tuple[str, Any, Any], ...]]] = {}


def _plan(params: Sequence[Param], framework: str) -> tuple[tuple[str, Any, Any], ...]:
    """(name, coerce, default) of each parameter; computed once per layer type and framework."""
    key = (id(params), framework)
    hit = _PLANS.get(key)
    if hit is not None and hit[0] is params:
        return hit[1]
    plan = tuple((p.name, p.kind.coerce, p.default_for(framework)) for p in params)
    _PLANS[key] = (params, plan)  # keeps `params` alive, so the id stays its own
    return plan


def coerce_all(bound: Mapping[str, Any], params: Sequence[Param], ctx: Ctx, type_name: str) -> dict[str, Any]:
    """Checked values of every parameter, defaults filled in."""
    values: dict[str, Any] = {}
    for name, coerce, default in _plan(params, ctx.framework):
        if name in bound:
            raw = bound[name]
        else:
            raw = default
            if raw is REQUIRED:
                raise SpecError(f"{type_name} needs the argument `{name}`")
            if raw is None:
                values[name] = None
                continue
        values[name] = coerce(raw, ctx, name)
    return values


def evaluate_text(text: str, env: Mapping[str, Value], free: Callable[[str], Value]) -> Value:
    """Parse and evaluate an expression from a spec."""
    return expr.evaluate(expr.parse(text), env, free)
