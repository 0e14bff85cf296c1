"""Layers that change no shape and have no parameters: activations, dropout.

Each is one explicit class, like every other layer type: convcalc's name, the
frameworks' class names and their constructor signatures (``params.signature``
text; ``!`` marks an argument the framework requires, ``...`` a class that
takes any argument), and the positional arguments they take (accepted, with no
shape effect).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..core import params as A
from ..core.context import Ctx
from ..core.types import LayerOut, Shape, fmt_shape
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
    drawing = "other"
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
    """Softmax's dim (Keras: axis, or a list of axes) must name an axis, each once (Keras refuses a
    repeated one); the batch axis is 0."""
    seen: set[int] = set()
    for d in dim if isinstance(dim, list | tuple) else [dim]:
        if type(d) is not int:
            raise SpecError(f"dim must be an axis number, not {A.describe(d)}", code="bad-axis")
        axis = unbatched(d, len(x), "dim")
        if axis is None:
            raise SpecError(f"dim {d} is out of range for the input {fmt_shape(x)} plus the batch axis "
                            f"(valid: {-len(x) - 1} to {len(x)})", code="bad-axis")
        if axis in seen:
            raise SpecError(f"axis {list(dim)} names the same axis twice", code="duplicate-axis")
        seen.add(axis)


def _check_keras(ctx: Ctx, kind: str, a: Mapping[str, Any]) -> None:
    """What Keras's ReLU and LeakyReLU refuse when built (PyTorch takes any slope or bound)."""
    for name in _KERAS_CHECKED.get(kind, ()):
        v = a.get(name)
        if v is not None and A.REAL(v, ctx, name) < 0:
            cls = "ReLU" if kind == "relu" else "LeakyReLU"
            raise SpecError(f"Keras's {cls} refuses {name} {v!r}: it must be a number >= 0",
                            code="bad-argument")


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

def _shape_free(*names: str) -> tuple[A.Param, ...]:
    """Arguments an activation accepts that change no shape (a dropout rate is checked)."""
    return tuple(A.Param(n, _PARAM_KINDS.get(n, A.RAW), _DEFAULTS.get(n), aliases=_PARAM_ALIASES.get(n, ()),
                         doc="no shape effect") for n in names)


@register
class ReLU(_Elementwise):
    kind = "relu"
    doc = "max(x, 0)"
    params = _shape_free("max_value", "negative_slope", "threshold")
    torch = {"ReLU": None}
    torch_sigs = {"ReLU": "inplace"}
    keras = {"ReLU": None}
    keras_sigs = {"ReLU": "max_value, negative_slope, threshold, **"}


@register
class ReLU6(_Elementwise):
    kind = "relu6"
    doc = "min(max(x, 0), 6)"
    torch = {"ReLU6": None}
    torch_sigs = {"ReLU6": "inplace"}


@register
class GELU(_Elementwise):
    kind = "gelu"
    doc = "Gaussian error linear unit"
    params = _shape_free("approximate")
    order = ("approximate",)
    torch = {"GELU": None}
    torch_sigs = {"GELU": "approximate"}


@register
class SiLU(_Elementwise):
    kind = "silu"
    doc = "x·sigmoid(x), also called swish"
    aliases = ("swish",)
    torch = {"SiLU": None}
    torch_sigs = {"SiLU": "inplace"}


@register
class Mish(_Elementwise):
    kind = "mish"
    doc = "x·tanh(softplus(x))"
    torch = {"Mish": None}
    torch_sigs = {"Mish": "inplace"}


@register
class Sigmoid(_Elementwise):
    kind = "sigmoid"
    doc = "1 / (1 + e^-x)"
    torch = {"Sigmoid": None}
    torch_sigs = {"Sigmoid": ""}


@register
class Hardsigmoid(_Elementwise):
    kind = "hardsigmoid"
    doc = "piecewise-linear sigmoid"
    torch = {"Hardsigmoid": None}
    torch_sigs = {"Hardsigmoid": "inplace"}


@register
class Hardswish(_Elementwise):
    kind = "hardswish"
    doc = "piecewise-linear swish"
    torch = {"Hardswish": None}
    torch_sigs = {"Hardswish": "inplace"}


@register
class Tanh(_Elementwise):
    kind = "tanh"
    doc = "hyperbolic tangent"
    torch = {"Tanh": None}
    torch_sigs = {"Tanh": ""}


@register
class Softmax(_Elementwise):
    kind = "softmax"
    doc = "normalized exponential along an axis"
    params = _shape_free("dim")
    order = ("dim",)
    torch = {"Softmax": None}
    torch_sigs = {"Softmax": "dim"}
    keras = {"Softmax": None}
    keras_sigs = {"Softmax": "axis, **"}


@register
class LogSoftmax(_Elementwise):
    kind = "logsoftmax"
    doc = "log of softmax"
    aliases = ("log_softmax",)
    params = _shape_free("dim")
    order = ("dim",)
    torch = {"LogSoftmax": None}
    torch_sigs = {"LogSoftmax": "dim"}


@register
class Softplus(_Elementwise):
    kind = "softplus"
    doc = "log(1 + e^x)"
    params = _shape_free("beta", "threshold")
    order = ("beta", "threshold")
    torch = {"Softplus": None}
    torch_sigs = {"Softplus": "beta, threshold"}


@register
class LeakyReLU(_Elementwise):
    kind = "leakyrelu"
    doc = "max(x, a·x)"
    aliases = ("leaky_relu",)
    params = _shape_free("negative_slope")
    order = ("negative_slope",)
    torch = {"LeakyReLU": None}
    torch_sigs = {"LeakyReLU": "negative_slope, inplace"}
    keras = {"LeakyReLU": None}
    keras_sigs = {"LeakyReLU": "negative_slope, *, alpha, **"}


@register
class ELU(_Elementwise):
    kind = "elu"
    doc = "exponential linear unit"
    params = _shape_free("alpha")
    order = ("alpha",)
    torch = {"ELU": None}
    torch_sigs = {"ELU": "alpha, inplace"}
    keras = {"ELU": None}
    keras_sigs = {"ELU": "alpha, **"}


@register
class SELU(_Elementwise):
    kind = "selu"
    doc = "scaled ELU"
    torch = {"SELU": None}
    torch_sigs = {"SELU": "inplace"}


@register
class CELU(_Elementwise):
    kind = "celu"
    doc = "continuously differentiable ELU"
    params = _shape_free("alpha")
    order = ("alpha",)
    torch = {"CELU": None}
    torch_sigs = {"CELU": "alpha, inplace"}


@register
class Hardtanh(_Elementwise):
    kind = "hardtanh"
    doc = "clamp to [min_val, max_val]"
    params = _shape_free("min_val", "max_val")
    order = ("min_val", "max_val")
    torch = {"Hardtanh": None}
    torch_sigs = {"Hardtanh": "min_val, max_val, inplace, min_value, max_value"}


@register
class Softsign(_Elementwise):
    kind = "softsign"
    doc = "x / (1 + |x|)"
    torch = {"Softsign": None}
    torch_sigs = {"Softsign": ""}


@register
class LogSigmoid(_Elementwise):
    kind = "logsigmoid"
    doc = "log(sigmoid(x))"
    torch = {"LogSigmoid": None}
    torch_sigs = {"LogSigmoid": ""}


@register
class Softmin(_Elementwise):
    kind = "softmin"
    doc = "softmax of −x"
    params = _shape_free("dim")
    order = ("dim",)
    torch = {"Softmin": None}
    torch_sigs = {"Softmin": "dim"}


@register
class Softmax2d(_Elementwise):  # (C, H, W) with or without the batch axis: see _AXES
    kind = "softmax2d"
    doc = "softmax over the channels"
    torch = {"Softmax2d": None}
    torch_sigs = {"Softmax2d": ""}


@register
class Tanhshrink(_Elementwise):
    kind = "tanhshrink"
    doc = "x − tanh(x)"
    torch = {"Tanhshrink": None}
    torch_sigs = {"Tanhshrink": ""}


@register
class Softshrink(_Elementwise):
    kind = "softshrink"
    doc = "soft thresholding"
    params = _shape_free("lambd")
    order = ("lambd",)
    torch = {"Softshrink": None}
    torch_sigs = {"Softshrink": "lambd"}


@register
class Hardshrink(_Elementwise):
    kind = "hardshrink"
    doc = "hard thresholding"
    params = _shape_free("lambd")
    order = ("lambd",)
    torch = {"Hardshrink": None}
    torch_sigs = {"Hardshrink": "lambd"}


@register
class Threshold(_Elementwise):
    kind = "threshold"
    doc = "x if x > threshold else value"
    params = _shape_free("threshold", "value")
    order = ("threshold", "value")
    torch = {"Threshold": None}
    torch_sigs = {"Threshold": "threshold!, value!, inplace"}


@register
class RReLU(_Elementwise):
    kind = "rrelu"
    doc = "randomized leaky ReLU"
    params = _shape_free("lower", "upper")
    order = ("lower", "upper")
    torch = {"RReLU": None}
    torch_sigs = {"RReLU": "lower, upper, inplace"}


@register
class Dropout(_Elementwise):
    kind = "dropout"
    doc = "zeroes a fraction `rate` while training"
    params = _shape_free("rate")
    order = ("rate",)
    torch_sigs = {
        "Dropout": "p, inplace",
        "Dropout1d": "p, inplace",
        "Dropout2d": "p, inplace",
        "Dropout3d": "p, inplace",
        "AlphaDropout": "p, inplace",
    }
    torch = dict.fromkeys(torch_sigs)
    keras_sigs = {
        "Dropout": "rate!, noise_shape, seed, **",
        "AlphaDropout": "rate!, noise_shape, seed, **",
        "SpatialDropout1D": "rate!, seed, name, dtype",
        "SpatialDropout2D": "rate!, data_format, seed, name, dtype",
        "SpatialDropout3D": "rate!, data_format, seed, name, dtype",
        "GaussianDropout": "rate!, seed, **",
        "GaussianNoise": "stddev!, seed, **",
    }
    keras = dict.fromkeys(keras_sigs)


@register
class Identity(_Elementwise):
    kind = "identity"
    doc = "passes its input through"
    torch = {"Identity": None}
    torch_sigs = {"Identity": "..."}
    keras = {"Identity": None}
    keras_sigs = {"Identity": "**"}


@register
class Activation(_Elementwise):
    kind = "activation"
    doc = "a named activation function"
    params = _shape_free("activation")
    order = ("activation",)
    keras = {"Activation": None}
    keras_sigs = {"Activation": "activation!, **"}
