"""The no-shape-change types beyond the frameworks' plain activations: PReLU, the one activation
with parameters, and StochasticDepth (torchvision's, timm's DropPath), which drops a residual branch."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from ..arith import num
from ..core import params as A
from ..core.context import Ctx
from ..core.types import LayerOut, Shape, Weight, fmt_shape
from ..errors import SpecError
from .activation import PROBABILITY
from .base import Layer
from .registry import register


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
    drawing = "other"
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
    drawing = "other"
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
