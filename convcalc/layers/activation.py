"""Layers that change no shape and have no parameters: activations, dropout.

Each is one table entry: convcalc's name, the frameworks' class names, and
the positional arguments they take (accepted, with no shape effect).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .. import args as A
from .base import Ctx, Layer, LayerOut, Shape, register


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
    ("dropout", "zeroes a fraction `rate` while training", (),
     ("Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout"),
     ("Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "AlphaDropout",
      "GaussianDropout", "GaussianNoise"),
     ("rate",)),
    ("identity", "passes its input through", (), ("Identity",), ("Identity",), ()),
    ("activation", "a named activation function", (), (), ("Activation",), ("activation",)),
)

_PARAM_ALIASES = {"rate": ("p",), "dim": ("axis",), "alpha": ("negative_slope_alpha",)}

for _kind, _doc, _aliases, _torch, _keras, _pos in _TABLE:
    _params = tuple(A.Param(p, _ANY, None, aliases=_PARAM_ALIASES.get(p, ()), doc="no shape effect")
                    for p in _pos)
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
