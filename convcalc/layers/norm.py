"""Normalization layers.

BatchNorm over C channels: PyTorch learns ``weight`` and ``bias`` (2C; the
running mean and variance are buffers, not parameters); Keras counts
``gamma`` and ``beta`` as trainable and ``moving_mean`` and
``moving_variance`` as non-trainable parameters, 4C in its total.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .. import args as A
from .. import num
from ..errors import SpecError
from .base import Ctx, Layer, LayerOut, Shape, Weight, fmt_shape, register


def channel_axis(ctx: Ctx, x: Shape, axis: Any) -> int:
    """The normalized axis as an index into the shape without batch (1-based axes count batch)."""
    if axis is None:
        return len(x) - 1 if ctx.channels_last else 0
    if not num.is_int(axis):
        raise SpecError(f"axis must be a number, not {axis}")
    full = len(x) + 1
    index = axis if axis >= 0 else full + axis
    if not 1 <= index < full:
        raise SpecError(
            f"axis {axis} is out of range for an input of {len(x)} axes {fmt_shape(x)} "
            f"(axis 0 is the batch axis)"
        )
    return index - 1


@register
class BatchNorm(Layer):
    kind = "batchnorm"
    family = "normalization"
    doc = "Batch normalization over the channel axis."
    ranks = (1, 2, 3)
    aliases = ("batch_norm", "batchnormalization", "bn")
    params = (
        A.Param("affine", A.BOOL, True, doc="PyTorch: learn weight and bias"),
        A.Param("in_channels", A.OPTIONAL_POSITIVE, None, aliases=("num_features",),
                doc="checked against the input"),
        A.Param("axis", A.Kind("int", A._integer, A.INTEGER.schema), None,
                doc="Keras: the normalized axis (default: the channel axis)"),
        A.Param("center", A.BOOL, True, doc="Keras: learn beta"),
        A.Param("scale", A.BOOL, True, doc="Keras: learn gamma"),
    )
    order = ("affine",)
    torch = {"BatchNorm1d": 1, "BatchNorm2d": 2, "BatchNorm3d": 3,
             "LazyBatchNorm1d": 1, "LazyBatchNorm2d": 2, "LazyBatchNorm3d": 3}
    torch_order = ("in_channels", "eps", "momentum", "affine", "track_running_stats")
    keras = {"BatchNormalization": None}
    keras_order = ("axis", "momentum", "epsilon", "center", "scale")

    def check_rank(self, shape: Shape, rank: int | None, type_name: str) -> None:
        # BatchNorm1d takes (C,) or (C, L); the others exactly C plus their spatial axes.
        if rank == 1 and len(shape) in (1, 2):
            return
        super().check_rank(shape, rank, type_name)

    def infer_rank(self, shape: Shape) -> int | None:
        return None  # `batchnorm` normalizes the channel axis of any rank

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        x = inputs[0]
        c = x[channel_axis(ctx, x, a["axis"])]
        if a["in_channels"] is not None:
            ctx.equal(a["in_channels"], c, lambda: f"num_features is {num.fmt(a['in_channels'])} but the "
                      f"input {fmt_shape(x)} has {num.fmt(c)} channels")
        weights: list[Weight] = []
        if ctx.keras:
            if a["scale"]:
                weights.append(Weight("gamma", (c,)))
            if a["center"]:
                weights.append(Weight("beta", (c,)))
            weights += [Weight("moving_mean", (c,), False), Weight("moving_variance", (c,), False)]
        elif a["affine"]:
            weights += [Weight("weight", (c,)), Weight("bias", (c,))]
        return LayerOut(x, tuple(weights))
