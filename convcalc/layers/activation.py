"""Layers that change no shape and have no parameters: activations, dropout.

Each is one table entry: convcalc's name, the frameworks' class names, and
the positional arguments they take (accepted, with no shape effect).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from ..arith import num
from ..core import params as A
from ..core.context import Ctx
from ..core.types import LayerOut, Shape, Weight, fmt_shape
from ..errors import SpecError
from .base import Layer
from .common import unbatched
from .registry import register

# Classes that need feature axes: feature dropout and Softmax2d refuse a 0-d (scalar) input.
_NO_SCALAR = frozenset({"Dropout1d", "Dropout2d", "Dropout3d", "Softmax2d", "SpatialDropout1D",
                        "SpatialDropout2D", "SpatialDropout3D"})


# Classes that take inputs of some numbers of axes only (without the batch axis).
_AXES = {"Dropout1d": (1, 2), "Softmax2d": (2, 3), "SpatialDropout1D": (2,), "SpatialDropout2D": (3,),
         "SpatialDropout3D": (4,)}


class _Elementwise(Layer):
    family = "no shape change"
    scalar = True  # element-wise: a 0-d input is fine, as in PyTorch

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        x = inputs[0]
        if not x and ctx.cls in _NO_SCALAR:
            raise SpecError(f"{ctx.cls} needs an input with feature axes, not a 0-d (scalar) one",
                            code="scalar-input")
        if ctx.cls in _AXES and len(x) not in _AXES[ctx.cls]:
            ns = " or ".join(map(str, _AXES[ctx.cls]))
            raise SpecError(f"{ctx.cls} takes an input of {ns} axes without the batch axis, not "
                            f"{fmt_shape(x)}", code="wrong-rank")
        if a.get("dim") is not None:
            _check_dim(x, a["dim"])
        if ctx.keras:
            _check_keras(ctx, self.kind, a)
        return LayerOut(x)


def _check_dim(x: Shape, dim: Any) -> None:
    """Softmax's dim (Keras: axis, or a list of axes) must name an axis; the batch axis is 0."""
    for d in dim if isinstance(dim, list | tuple) else [dim]:
        if type(d) is not int:
            raise SpecError(f"dim must be an axis number, not {A.describe(d)}", code="bad-axis")
        if unbatched(d, len(x), "dim") is None:
            raise SpecError(f"dim {d} is out of range for the input {fmt_shape(x)} plus the batch axis "
                            f"(valid: {-len(x) - 1} to {len(x)})", code="bad-axis")


def _check_keras(ctx: Ctx, kind: str, a: Mapping[str, Any]) -> None:
    """What Keras's ReLU and LeakyReLU refuse when built (PyTorch takes any slope or bound)."""
    for name in _KERAS_CHECKED.get(kind, ()):
        v = a.get(name)
        if v is not None and A.REAL(v, ctx, name) < 0:
            cls = "ReLU" if kind == "relu" else "LeakyReLU"
            raise SpecError(f"Keras's {cls} refuses {name} {v!r}: it must be a number >= 0",
                            code="bad-argument")


# kind, doc, convcalc aliases, convcalc's positional order,
# PyTorch's classes {name: signature}, Keras's classes {name: signature} (params.signature text;
# `!` marks an argument the framework requires, `...` a class that takes any argument).
_TABLE: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...], dict[str, str], dict[str, str]], ...] = (
    ("relu", "max(x, 0)", (), (), {"ReLU": "inplace"},
     {"ReLU": "max_value, negative_slope, threshold, **"}),
    ("relu6", "min(max(x, 0), 6)", (), (), {"ReLU6": "inplace"}, {}),
    ("gelu", "Gaussian error linear unit", (), ("approximate",), {"GELU": "approximate"}, {}),
    ("silu", "x·sigmoid(x), also called swish", ("swish",), (), {"SiLU": "inplace"}, {}),
    ("mish", "x·tanh(softplus(x))", (), (), {"Mish": "inplace"}, {}),
    ("sigmoid", "1 / (1 + e^-x)", (), (), {"Sigmoid": ""}, {}),
    ("hardsigmoid", "piecewise-linear sigmoid", (), (), {"Hardsigmoid": "inplace"}, {}),
    ("hardswish", "piecewise-linear swish", (), (), {"Hardswish": "inplace"}, {}),
    ("tanh", "hyperbolic tangent", (), (), {"Tanh": ""}, {}),
    ("softmax", "normalized exponential along an axis", (), ("dim",), {"Softmax": "dim"},
     {"Softmax": "axis, **"}),
    ("logsoftmax", "log of softmax", ("log_softmax",), ("dim",), {"LogSoftmax": "dim"}, {}),
    ("softplus", "log(1 + e^x)", (), ("beta", "threshold"), {"Softplus": "beta, threshold"}, {}),
    ("leakyrelu", "max(x, a·x)", ("leaky_relu",), ("negative_slope",),
     {"LeakyReLU": "negative_slope, inplace"},
     {"LeakyReLU": "negative_slope, *, alpha, **"}),  # alpha: Keras 3's deprecated name, still taken
    ("elu", "exponential linear unit", (), ("alpha",), {"ELU": "alpha, inplace"}, {"ELU": "alpha, **"}),
    ("selu", "scaled ELU", (), (), {"SELU": "inplace"}, {}),
    ("celu", "continuously differentiable ELU", (), ("alpha",), {"CELU": "alpha, inplace"}, {}),
    ("hardtanh", "clamp to [min_val, max_val]", (), ("min_val", "max_val"),
     {"Hardtanh": "min_val, max_val, inplace, min_value, max_value"}, {}),
    ("softsign", "x / (1 + |x|)", (), (), {"Softsign": ""}, {}),
    ("logsigmoid", "log(sigmoid(x))", (), (), {"LogSigmoid": ""}, {}),
    ("softmin", "softmax of −x", (), ("dim",), {"Softmin": "dim"}, {}),
    ("softmax2d", "softmax over the channels", (), (), {"Softmax2d": ""}, {}),
    ("tanhshrink", "x − tanh(x)", (), (), {"Tanhshrink": ""}, {}),
    ("softshrink", "soft thresholding", (), ("lambd",), {"Softshrink": "lambd"}, {}),
    ("hardshrink", "hard thresholding", (), ("lambd",), {"Hardshrink": "lambd"}, {}),
    ("threshold", "x if x > threshold else value", (), ("threshold", "value"),
     {"Threshold": "threshold!, value!, inplace"}, {}),
    ("rrelu", "randomized leaky ReLU", (), ("lower", "upper"), {"RReLU": "lower, upper, inplace"}, {}),
    ("dropout", "zeroes a fraction `rate` while training", (), ("rate",),
     dict.fromkeys(("Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout"), "p, inplace"),
     {"Dropout": "rate!, noise_shape, seed, **", "AlphaDropout": "rate!, noise_shape, seed, **",
      "SpatialDropout1D": "rate!, seed, name, dtype",
      "SpatialDropout2D": "rate!, data_format, seed, name, dtype",
      "SpatialDropout3D": "rate!, data_format, seed, name, dtype",
      "GaussianDropout": "rate!, seed, **", "GaussianNoise": "stddev!, seed, **"}),
    # torch.nn.Identity is "argument-insensitive": it takes any arguments and ignores them.
    ("identity", "passes its input through", (), (), {"Identity": "..."}, {"Identity": "**"}),
    ("activation", "a named activation function", (), ("activation",), {}, {"Activation": "activation!, **"}),
)

_PARAM_ALIASES = {"rate": ("p", "stddev"), "dim": ("axis",), "negative_slope": ("alpha",)}


def _probability(raw: Any, ctx: Ctx, what: str) -> float:
    """A dropout rate: both frameworks refuse one outside [0, 1] when the layer is built."""
    v = A.REAL(raw, ctx, what)
    if not 0 <= v <= 1:
        raise SpecError(f"{what} must be between 0 and 1 (a probability), not {raw!r}; PyTorch and "
                        "Keras refuse it", code="bad-argument")
    return v


PROBABILITY = A.Kind("number in [0, 1]", _probability, {"type": "number", "minimum": 0, "maximum": 1})
_PARAM_KINDS = {"rate": PROBABILITY}
_DEFAULTS = {"rate": 0.5}  # PyTorch's p=0.5; Keras requires its rate (`rate!` in its signatures)
# Keras checks these of ReLU and LeakyReLU (see _check_keras); elsewhere they have no effect.
_KERAS_CHECKED = {"relu": ("max_value", "negative_slope", "threshold"), "leakyrelu": ("negative_slope",)}

for _kind, _doc, _aliases, _pos, _torch, _keras in _TABLE:
    _names = (*_pos, *(n for n in _KERAS_CHECKED.get(_kind, ()) if n not in _pos))
    _params = tuple(A.Param(p, _PARAM_KINDS.get(p, A.RAW), _DEFAULTS.get(p),
                            aliases=_PARAM_ALIASES.get(p, ()), doc="no shape effect") for p in _names)
    register(
        type(
            _kind.title().replace("_", ""),
            (_Elementwise,),
            {
                "kind": _kind,
                "doc": _doc,
                "aliases": _aliases,
                "params": _params,
                "order": _pos,
                "torch": dict.fromkeys(_torch),
                "keras": dict.fromkeys(_keras),
                "torch_sigs": _torch,
                "keras_sigs": _keras,
                "__module__": __name__,
            },
        )
    )


@register
class PReLU(Layer):
    """Leaky ReLU with a learned slope: the one activation with parameters.

    PyTorch ``PReLU(num_parameters=1)``: ``weight (num,)``, where num is 1 or
    the channels (axis 1 with the batch axis, the first axis here).  Keras
    ``PReLU(shared_axes=None)``: ``alpha`` has the input's shape with every
    shared axis (batch is 0) set to 1 — Keras indexes ``shape[axis − 1]``, so
    an axis 0 there lands on the last axis, as convcalc reproduces.
    """

    kind = "prelu"
    family = "no shape change"
    scalar = True  # with one slope (PyTorch) or a 0-d alpha (Keras)
    doc = "max(x, 0) + a·min(x, 0) with learned a."
    params = (
        A.Param("num", A.POSITIVE, 1, aliases=("num_parameters",), doc="PyTorch: 1 or the channels"),
        A.Param("init", A.RAW, None, doc="no shape effect"),
        A.Param("shared_axes", A.RAW, None, doc="Keras: axes (batch is 0) sharing one alpha"),
        A.Param("alpha_initializer", A.RAW, None, doc="no shape effect"),
        A.Param("alpha_regularizer", A.RAW, None, doc="no shape effect"),
        A.Param("alpha_constraint", A.RAW, None, doc="no shape effect"),
    )
    order = ("num",)
    torch = {"PReLU": None}
    torch_sig = "num_parameters, init, device, dtype"
    keras = {"PReLU": None}
    keras_sig = "alpha_initializer, alpha_regularizer, alpha_constraint, shared_axes, **"

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        x = inputs[0]
        if ctx.keras:
            return LayerOut(x, (Weight("alpha", self._alpha_shape(x, a["shared_axes"])),))
        n = a["num"]
        if not (num.is_int(n) and n == 1):
            if not x:
                raise SpecError(f"num_parameters {num.fmt(n)} needs a channel axis; a 0-d (scalar) input "
                                "takes 1", code="scalar-input")
            c = x[0]
            ctx.equal(n, c, lambda: f"num_parameters {num.fmt(n)} must be 1 or the input's channels "
                      f"{num.fmt(c)} (input {fmt_shape(x)})", code="in-channels-mismatch")
        return LayerOut(x, (Weight("weight", (n,)),))

    @staticmethod
    def _alpha_shape(x: Shape, shared: Any) -> Shape:
        shape = list(x)
        if shared is None:
            return x
        axes = shared if isinstance(shared, list | tuple) else [shared]
        for ax in axes:
            if type(ax) is not int:
                raise SpecError(f"shared_axes must be axis numbers, not {A.describe(ax)}", code="bad-axis")
            if not -len(shape) <= ax - 1 < len(shape):
                raise SpecError(f"shared axis {ax} is out of range for the input {fmt_shape(x)} "
                                "(axis 0 is the batch axis)", code="bad-axis")
            shape[ax - 1] = 1
        return tuple(shape)


@register
class StochasticDepth(Layer):
    """torchvision.ops.StochasticDepth(p, mode) and timm's DropPath(drop_prob): a residual branch dropped
    per sample ("row") or for the whole batch ("batch") while training; no shape change, no parameters."""

    kind = "stochastic_depth"
    family = "no shape change"
    doc = "Drops a residual branch while training (torchvision StochasticDepth, timm DropPath)."
    aliases = ("drop_path", "droppath")
    params = (
        A.Param("p", PROBABILITY, 0.0, aliases=("drop_prob", "rate")),
        A.Param("mode", A.choice("row", "batch"), "row", doc="row: per sample; batch: all at once"),
        A.Param("scale_by_keep", A.BOOL, True, doc="timm: no shape effect"),
    )
    order = ("p", "mode")
    torch = {"StochasticDepth": None, "DropPath": None}
    torch_order = ("p", "mode")
    # torchvision.ops.StochasticDepth(p, mode) and timm.layers.DropPath(drop_prob=0., scale_by_keep=True)
    torch_sig = "p!, mode!"
    torch_sigs: ClassVar[dict[str, str]] = {"DropPath": "drop_prob, scale_by_keep"}

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        return LayerOut(inputs[0])
