"""Dense (linear) layers and embeddings.

Dense acts on the last axis of a tensor of any rank: ``(*lead, n_in)`` →
``(*lead, n_out)`` with ``(n_in + 1)·n_out`` parameters (no ``+1`` without
bias).  PyTorch stores the weight as ``(out, in)``, Keras as ``(in, out)``.
An embedding adds an axis of size ``dim`` and has ``vocab·dim`` parameters.
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
from .common import IN_CHANNELS, KERAS_LORA, KERAS_QUANTIZED, check_in_channels, kernel_and_bias
from .registry import register


@register
class Dense(Layer):
    kind = "dense"
    family = "dense"
    drawing = "dense"
    doc = "Fully connected layer on the last axis (any rank)."
    keeps_batch_axis = True  # the last axis only: PyTorch's (L, N, E) stays (L, N, out)
    aliases = ("linear", "fc")
    params = (A.Param("out", A.POSITIVE), A.Param("bias", A.BOOL, True), IN_CHANNELS, KERAS_LORA,
              KERAS_QUANTIZED)
    order = ("out", "bias")
    torch = {"Linear": None, "LazyLinear": None}
    torch_sig = "in_features, out_features, bias, device, dtype"
    torch_sigs = {"LazyLinear": "out_features, bias, device, dtype"}  # in_features from the first input
    keras = {"Dense": None}
    keras_sig = ("units, activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer, "
                 "bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint, lora_rank, "
                 "lora_alpha, quantization_config, **")

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        x = inputs[0]
        n_in, n_out, given = x[-1], a["out"], a["in_channels"]
        check_in_channels(
            ctx, x, n_in, given,
            mismatch=lambda: f"in_features is {num.fmt(given)} but the input's last axis is "
            f"{num.fmt(n_in)} (input {fmt_shape(x)}); flatten first?"
            if len(x) > 1
            else f"in_features is {num.fmt(given)} but the input has {num.fmt(n_in)} features",
        )
        weights = kernel_and_bias(ctx, (n_in, n_out), (n_out, n_in), n_out, a["bias"])
        if len(x) > 1:  # the same weights at every position of the leading axes
            lead = {f"n_{i}": v for i, v in enumerate(x[:-1])}
            ctx.note("positions", "the last axis ({n_in} → {n_out}) at each of "
                     + "·".join(f"{{{k}}}" for k in lead) + ", with the same weights",
                     n_in=n_in, n_out=n_out, **lead)
        return LayerOut((*x[:-1], n_out), weights, n_in * n_out * num.prod(x[:-1]))


@register
class Embedding(Layer):
    kind = "embedding"
    family = "dense"
    drawing = "dense"
    doc = "Lookup table: integer indices of any shape gain an axis of size dim."
    keeps_batch_axis = True  # each id on its own: ids (L, N) give (L, N, dim)
    reads_ids = True
    params = (
        A.Param("vocab", A.POSITIVE, aliases=("num_embeddings", "input_dim")),
        A.Param("dim", A.POSITIVE, aliases=("embedding_dim", "output_dim")),
        A.Param("padding_idx", A.optional(A.INTEGER), None,
                doc="no shape effect; PyTorch: within -vocab..vocab-1"),
        A.Param("input_length", A.RAW, None, doc="Keras 2; no shape effect"),
        KERAS_LORA,
        KERAS_QUANTIZED,
    )
    order = ("vocab", "dim")
    torch = {"Embedding": None}
    torch_sig = ("num_embeddings, embedding_dim, padding_idx, max_norm, norm_type, scale_grad_by_freq, "
                 "sparse, _weight, _freeze, device, dtype")
    keras = {"Embedding": None}
    # input_length: Keras 3 still takes it (popped from **kwargs, with a deprecation warning).
    keras_sig = ("input_dim, output_dim, embeddings_initializer, embeddings_regularizer, "
                 "embeddings_constraint, mask_zero, weights, lora_rank, lora_alpha, quantization_config, "
                 "*, input_length, **")

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        x = inputs[0]
        pad, vocab = a["padding_idx"], a["vocab"]
        if pad is not None and not ctx.keras:
            def message() -> str:
                return (f"padding_idx {num.fmt(pad)} must be within num_embeddings {num.fmt(vocab)} "
                        f"({num.fmt(-vocab)} to {num.fmt(vocab - 1)}); PyTorch refuses it")

            if num.is_int(pad) and num.is_int(vocab):
                if not -vocab <= pad < vocab:
                    raise SpecError(message(), code="bad-argument")
            else:
                ctx.at_least(vocab - 1, pad, message, code="bad-argument")
                ctx.at_least(pad, -vocab, message, code="bad-argument")
        name = "embeddings" if ctx.keras else "weight"
        ctx.note("lookup", "each of the " + "·".join(f"{{n_{i}}}" for i in range(len(x)))
                 + " token ids (0 to {last}) picks its row of {dim} from the table",
                 last=vocab - 1, dim=a["dim"], **{f"n_{i}": v for i, v in enumerate(x)})
        return LayerOut((*x, a["dim"]), (Weight(name, (a["vocab"], a["dim"])),))
