"""Every registered layer type explains itself: a new layer without an explain line fails here.

Only true no-ops (an activation, dropout: the shape passes through, nothing is counted) are
excused, and they are listed by name, so the list cannot silently grow."""

from __future__ import annotations

import pytest

import convcalc
from convcalc.layers.registry import REGISTRY
from convcalc.render.explain import explain_lines

NO_OPS = {
    "activation", "celu", "dropout", "elu", "gelu", "hardshrink", "hardsigmoid", "hardswish", "hardtanh",
    "identity", "leakyrelu", "logsigmoid", "logsoftmax", "mish", "relu", "relu6", "rrelu", "selu",
    "sigmoid", "silu", "softmax", "softmax2d", "softmin", "softplus", "softshrink", "softsign",
    "stochastic_depth", "tanh", "tanhshrink", "threshold",
    # Keras's rescaling and its shape-keeping random augmentations (issue 14): no weights, same shape
    "rescaling", *(k for k in REGISTRY if k.startswith("random_") and k != "random_crop"),
}

# kind -> (spec, framework, row of the layer)
CASES: dict[str, tuple[str, str, int]] = {
    "adaptive_avgpool": ("3x32x30 | adaptive_avgpool2d(7)", "pytorch", 1),
    "adaptive_maxpool": ("3x32x30 | adaptive_maxpool2d(7)", "pytorch", 1),
    "add": ("3x4x4 | relu | add(from=[input, -1])", "pytorch", 2),
    "amax": ("3x4x5 | amax(2)", "pytorch", 1),
    "amin": ("3x4x5 | amin(2)", "pytorch", 1),
    "average": ("3x4x4 | relu | average(from=[input, -1])", "pytorch", 2),
    "avgpool": ("3x8x8 | avgpool(2)", "pytorch", 1),
    "batchnorm": ("16x8x8 | batchnorm2d", "pytorch", 1),
    "bidirectional": ("10x8 | Bidirectional(LSTM(16))", "keras", 1),
    "chunk": ("6x8 | chunk(4)", "pytorch", 1),
    "circular_pad": ("3x8x8 | CircularPad2d(1)", "pytorch", 1),
    "concat": ("3x4x4 | relu | concat(from=[input, -1])", "pytorch", 2),
    "concatenate": ("4x4x3 | ReLU() | Concatenate(from=[input, -1])", "keras", 2),
    "constant_pad": ("3x8x8 | ConstantPad2d(1, 0.0)", "pytorch", 1),
    "conv": ("1x28x28 | conv(32, 5)", "pytorch", 1),
    "conv_lstm": ("5x8x8x3 | ConvLSTM2D(4, 3)", "keras", 1),
    "normalization": ("8x8x3 | Normalization", "keras", 1),
    "resizing": ("8x8x3 | Resizing(4, 6)", "keras", 1),
    "center_crop": ("8x8x3 | CenterCrop(4, 6)", "keras", 1),
    "random_crop": ("8x8x3 | RandomCrop(4, 6)", "keras", 1),
    "conv_transpose": ("3x8x8 | conv_transpose(4, 3, 2)", "pytorch", 1),
    "cropping": ("8x8x3 | Cropping2D(1)", "keras", 1),
    "dense": ("20 | dense(3)", "pytorch", 1),
    "depthwise_conv": ("3x7x7 | depthwise_conv(3)", "pytorch", 1),
    "embedding": ("12 | embedding(1000, 16)", "pytorch", 1),
    "flatten": ("32x12x12 | flatten", "pytorch", 1),
    "global_avgpool": ("3x8x8 | global_avgpool", "pytorch", 1),
    "global_maxpool": ("3x8x8 | global_maxpool", "pytorch", 1),
    "gqa": ("10x64 | gqa(4, 2)", "pytorch", 1),
    "groupnorm": ("6x4x4 | groupnorm(3)", "pytorch", 1),
    "gru": ("10x32 | gru(8)", "pytorch", 1),
    "index_select": ("4x169x3 | index_select(2, 2401)", "pytorch", 1),
    "instancenorm": ("6x4x4 | instancenorm2d", "pytorch", 1),
    "keras_mha": ("10x16 | MultiHeadAttention(2, 8, from=[input, input])", "keras", 1),
    "layernorm": ("6x10 | layernorm(10)", "pytorch", 1),
    "layernorm2d": ("6x4x4 | LayerNorm2d(6)", "pytorch", 1),
    "lstm": ("10x32 | lstm(64)", "pytorch", 1),
    "matmul": ("2x6 | transpose(1, 2) | matmul(from=[input, -1])", "pytorch", 2),
    "maximum": ("3x4x4 | relu | maximum(from=[input, -1])", "pytorch", 2),
    "maxpool": ("3x8x8 | maxpool(2)", "pytorch", 1),
    "mean": ("3x4x5 | mean(2)", "pytorch", 1),
    "mha": ("10x512 | MultiheadAttention(512, 8)", "pytorch", 1),
    "minimum": ("3x4x4 | relu | minimum(from=[input, -1])", "pytorch", 2),
    "multiply": ("3x4x4 | relu | multiply(from=[input, -1])", "pytorch", 2),
    "parameter": ("3x4 | parameter([3, 4])", "pytorch", 1),
    "permute": ("3x4x5 | permute([0, 2, 1, 3])", "pytorch", 1),
    "pixel_shuffle": ("8x5x5 | pixel_shuffle(2)", "pytorch", 1),
    "pixel_unshuffle": ("2x10x10 | pixel_unshuffle(2)", "pytorch", 1),
    "prelu": ("3x4x4 | prelu", "pytorch", 1),
    "reflection_pad": ("3x8x8 | ReflectionPad2d(1)", "pytorch", 1),
    "repeat_vector": ("8 | RepeatVector(3)", "keras", 1),
    "replication_pad": ("3x8x8 | ReplicationPad2d(1)", "pytorch", 1),
    "reshape": ("32x12x12 | reshape([-1, 4])", "pytorch", 1),
    "rmsnorm": ("6x10 | RMSNorm(10)", "pytorch", 1),
    "rnn": ("10x32 | rnn(5)", "pytorch", 1),
    "select": ("3x4x5 | select(1, 2)", "pytorch", 1),
    "separable_conv": ("3x6x6 | separable_conv(8, 3)", "pytorch", 1),
    "slice": ("6x8 | slice(2, -3, 100, 2)", "pytorch", 1),
    "split": ("6x8 | split(2)", "pytorch", 1),
    "subtract": ("3x4x4 | relu | subtract(from=[input, -1])", "pytorch", 2),
    "sum": ("3x4x5 | sum(2)", "pytorch", 1),
    "tensor_split": ("6x8 | tensor_split(4)", "pytorch", 1),
    "timedistributed": ("4x10x10x3 | TimeDistributed(Conv2D(16, 3))", "keras", 1),
    "transformer": ("10x16 | Transformer(16, 2, 1, 1, 32, from=[input, input])", "pytorch", 1),
    "transformer_decoder": ("10x16 | TransformerDecoder(TransformerDecoderLayer(16, 2, 32), 1, "
                            "from=[input, input])", "pytorch", 1),
    "transformer_decoder_layer": ("10x16 | TransformerDecoderLayer(16, 2, 32, from=[input, input])",
                                  "pytorch", 1),
    "transformer_encoder": ("10x16 | TransformerEncoder(TransformerEncoderLayer(16, 2, 32), 1)",
                            "pytorch", 1),
    "transformer_encoder_layer": ("10x16 | TransformerEncoderLayer(16, 2, 32)", "pytorch", 1),
    "transpose": ("3x4x5 | transpose(1, 2)", "pytorch", 1),
    "unbind": ("3x4 | unbind(1)", "pytorch", 1),
    "unflatten": ("12x5 | unflatten(1, [3, 4])", "pytorch", 1),
    "upsample": ("4x10x10 | upsample(scale=2)", "pytorch", 1),
    "zeropad": ("4x8x8 | zeropad2d(1)", "pytorch", 1),
}


def test_every_registered_type_has_a_case_or_is_a_no_op() -> None:
    kinds = {layer.kind for layer in REGISTRY.values()}
    missing = kinds - set(CASES) - NO_OPS
    assert not missing, f"give these layer types an explain line and a case here: {sorted(missing)}"
    assert not (set(CASES) | NO_OPS) - kinds, "a case for a type that is not registered"


@pytest.mark.parametrize("kind", sorted(CASES))
def test_layer_explains_itself(kind: str) -> None:
    spec, framework, row = CASES[kind]
    result = convcalc.analyze(spec, framework=framework)
    layer = result.table_rows()[row - 1]
    assert layer.type == kind or kind in layer.type or layer.is_block, (layer.type, kind)
    assert explain_lines(layer), f"{kind}: no explain line for {spec}"
