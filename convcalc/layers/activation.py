"""Layers that change no shape and have no parameters: activations, dropout.

Each is one table entry: convcalc's name, the frameworks' class names, and
the positional arguments they take (accepted, with no shape effect).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..arith import num
from ..core import params as A
from ..core.context import Ctx
from ..core.types import LayerOut, Shape, Weight, fmt_shape
from ..errors import SpecError
from .base import Layer
from .registry import register


class _Elementwise(Layer):
    family = "no shape change"

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        return LayerOut(inputs[0])


_ANY = A.RAW
# kind, doc, convcalc aliases, torch names, keras names, positional params (all shape-free)
_TABLE: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...] = (
    ("relu", "max(x, 0)", (), ("ReLU",), ("ReLU",), ()),
    ("relu6", "min(max(x, 0), 6)", (), ("ReLU6",), (), ()),
    ("gelu", "Gaussian error linear unit", (), ("GELU",), (), ("approximate",)),
    ("silu", "x·sigmoid(x), also called swish", ("swish",), ("SiLU",), (), ()),
    ("mish", "x·tanh(softplus(x))", (), ("Mish",), (), ()),
    ("sigmoid", "1 / (1 + e^-x)", (), ("Sigmoid",), (), ()),
    ("hardsigmoid", "piecewise-linear sigmoid", (), ("Hardsigmoid",), (), ()),
    ("hardswish", "piecewise-linear swish", (), ("Hardswish",), (), ()),
    ("tanh", "hyperbolic tangent", (), ("Tanh",), (), ()),
    ("softmax", "normalized exponential along an axis", (), ("Softmax",), ("Softmax",), ("dim",)),
    ("logsoftmax", "log of softmax", ("log_softmax",), ("LogSoftmax",), (), ("dim",)),
    ("softplus", "log(1 + e^x)", (), ("Softplus",), (), ()),
    ("leakyrelu", "max(x, a·x)", ("leaky_relu",), ("LeakyReLU",), ("LeakyReLU",), ("negative_slope",)),
    ("elu", "exponential linear unit", (), ("ELU",), ("ELU",), ("alpha",)),
    ("selu", "scaled ELU", (), ("SELU",), (), ()),
    ("celu", "continuously differentiable ELU", (), ("CELU",), (), ("alpha",)),
    ("hardtanh", "clamp to [min_val, max_val]", (), ("Hardtanh",), (), ("min_val", "max_val")),
    ("softsign", "x / (1 + |x|)", (), ("Softsign",), (), ()),
    ("logsigmoid", "log(sigmoid(x))", (), ("LogSigmoid",), (), ()),
    ("softmin", "softmax of −x", (), ("Softmin",), (), ("dim",)),
    ("softmax2d", "softmax over the channels", (), ("Softmax2d",), (), ()),
    ("tanhshrink", "x − tanh(x)", (), ("Tanhshrink",), (), ()),
    ("softshrink", "soft thresholding", (), ("Softshrink",), (), ("lambd",)),
    ("hardshrink", "hard thresholding", (), ("Hardshrink",), (), ("lambd",)),
    ("threshold", "x if x > threshold else value", (), ("Threshold",), (), ("threshold", "value")),
    ("rrelu", "randomized leaky ReLU", (), ("RReLU",), (), ("lower", "upper")),
    ("dropout", "zeroes a fraction `rate` while training", (),
     ("Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout"),
     ("Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "AlphaDropout",
      "GaussianDropout", "GaussianNoise"),
     ("rate",)),
    ("identity", "passes its input through", (), ("Identity",), ("Identity",), ()),
    ("activation", "a named activation function", (), (), ("Activation",), ("activation",)),
)

_PARAM_ALIASES = {"rate": ("p", "stddev"), "dim": ("axis",), "alpha": ("negative_slope_alpha",)}


def _probability(raw: Any, ctx: Ctx, what: str) -> float:
    """A dropout rate: both frameworks refuse one outside [0, 1] when the layer is built."""
    v = A.REAL(raw, ctx, what)
    if not 0 <= v <= 1:
        raise SpecError(f"{what} must be between 0 and 1 (a probability), not {raw!r}; PyTorch and "
                        "Keras refuse it", code="bad-argument")
    return v


PROBABILITY = A.Kind("number in [0, 1]", _probability, {"type": "number", "minimum": 0, "maximum": 1})
_PARAM_KINDS = {"rate": PROBABILITY}

for _kind, _doc, _aliases, _torch, _keras, _pos in _TABLE:
    _params = tuple(A.Param(p, _PARAM_KINDS.get(p, _ANY), None, aliases=_PARAM_ALIASES.get(p, ()),
                            doc="no shape effect") for p in _pos)
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
                "torch_order": _pos,
                "keras": dict.fromkeys(_keras),
                "keras_order": _pos,
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
    torch_order = ("num", "init")
    keras = {"PReLU": None}
    keras_order = ("alpha_initializer", "alpha_regularizer", "alpha_constraint", "shared_axes")

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        x = inputs[0]
        if ctx.keras:
            return LayerOut(x, (Weight("alpha", self._alpha_shape(x, a["shared_axes"])),))
        n = a["num"]
        if not (num.is_int(n) and n == 1):
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

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        return LayerOut(inputs[0])
