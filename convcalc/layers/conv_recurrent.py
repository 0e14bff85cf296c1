"""Keras's convolutional LSTM: ``ConvLSTM1D``/``ConvLSTM2D``/``ConvLSTM3D``.

Input ``(T, *spatial, C)`` (channels last; ``(T, C, *spatial)`` channels first).  Each
step convolves the input with ``kernel (*k, C, 4F)`` (its strides, padding and
dilation) and the state with ``recurrent_kernel (*k, F, 4F)`` ('same', stride 1),
plus ``bias (4F,)``: ``4F·(prod(k)·(C + F) + 1)`` parameters (C 3, F 16, k 3×3:
11,008).  The output is the last state ``(*out, F)``, or every step's
``(T, *out, F)`` with ``return_sequences``.  MACs: ``T·prod(out)·4F·prod(k)·(C + F)``.
PyTorch has no such layer.  ``return_state=True`` adds the final states h and c, each
``(*out, F)``, as more outputs (``name.1``, ``name.2``), as Keras returns them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..arith import num
from ..core import params as A
from ..core.context import Ctx
from ..core.types import LayerOut, Shape, Weight, fmt_shape
from ..errors import SpecError
from . import window as W
from .base import Layer
from .common import DATA_FORMAT, per_rank
from .conv import check_keras_dilation, resolve_padding
from .registry import register

RETURN_STATE = A.Param("return_state", A.BOOL, False, doc="also return the states h and c (name.1, name.2)")


@register
class ConvLSTM(Layer):
    kind = "conv_lstm"
    family = "recurrent"
    drawing = "conv"
    doc = "Keras convolutional LSTM over (time, *spatial, channels)."
    ranks = (1, 2, 3)
    params = (
        A.Param("out", A.POSITIVE, aliases=("filters",)),
        A.Param("kernel", A.AXES, aliases=("kernel_size",)),
        A.Param("stride", A.AXES, 1, aliases=("strides",)),
        A.Param("padding", W.PADDING, "valid"),
        DATA_FORMAT,
        A.Param("dilation", A.AXES, 1, aliases=("dilation_rate",)),
        A.Param("bias", A.BOOL, True, aliases=("use_bias",)),
        A.Param("return_sequences", A.BOOL, False),
        RETURN_STATE,
    )
    order = ("out", "kernel", "stride", "padding")
    keras = per_rank("ConvLSTM{}D")
    keras_sig = ("filters!, kernel_size!, strides, padding, data_format, dilation_rate, activation, "
                 "recurrent_activation, use_bias, kernel_initializer, recurrent_initializer, "
                 "bias_initializer, unit_forget_bias, kernel_regularizer, recurrent_regularizer, "
                 "bias_regularizer, activity_regularizer, kernel_constraint, recurrent_constraint, "
                 "bias_constraint, dropout, recurrent_dropout, seed, return_sequences, return_state, "
                 "go_backwards, stateful, **")
    keras_order = ("out", "kernel", "stride", "padding", "data_format", "dilation")

    def infer_rank(self, shape: Shape) -> int | None:
        return super().infer_rank(shape[1:]) if len(shape) > 2 else super().infer_rank(shape)

    def check_rank(self, shape: Shape, rank: int | None, type_name: str) -> None:
        if rank is not None and len(shape) != rank + 2:
            raise SpecError(f"{type_name} takes (time, {rank} spatial axes, channels) without the batch "
                            f"axis: {rank + 2} axes, but got {fmt_shape(shape)}", code="wrong-rank")

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        if not ctx.keras:
            raise SpecError("ConvLSTM is a Keras layer (PyTorch has none): write `framework: keras`",
                            code="not-in-framework")
        x = inputs[0]
        steps, (c, spatial) = x[0], ctx.split(x[1:])
        f, k, s, d = a["out"], a["kernel"], a["stride"], a["dilation"]
        check_keras_dilation(ctx, s, d)
        pads = resolve_padding(ctx, a["padding"], k, s, d, self)
        out, _ = W.spatial_out(ctx, spatial, k, s, pads, d)  # no receptive field through time
        weights = [Weight("kernel", (*k, c, 4 * f)), Weight("recurrent_kernel", (*k, f, 4 * f))]
        if a["bias"]:
            weights.append(Weight("bias", (4 * f,)))
        macs = steps * num.prod(out) * 4 * f * num.prod(k) * (c + f)
        step = ctx.join(f, out)
        shape = (steps, *step) if a["return_sequences"] else step
        parts = (shape, step, step) if a["return_state"] else None
        return LayerOut(shape, tuple(weights), macs, parts=parts)
