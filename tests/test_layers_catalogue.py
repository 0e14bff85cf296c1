"""The catalogue: tables of cases, one row or more for every layer type, each checked twice.

Every row gives a spec, the output shape and the weights (name and shape,
in the framework's order) worked out by hand from the framework's rule, and
a builder for the same layer in PyTorch or Keras (merges, which read two
tensors, have a table of their own).  tests/test_catalogue_coverage.py
fails when a registered type has no row here.  ``test_numbers`` checks
convcalc against the hand-worked values; ``test_oracle`` builds the layer in
the installed framework, runs zeros through it and checks that the
framework agrees with the same values (skipped when the framework is
absent).  Refusals are listed the same way: convcalc's message, and the
framework's exception.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from typing import Any

import pytest

import convcalc
from convcalc import SpecError
from convcalc.layer_list import WIDTH, catalogue
from convcalc.layers.registry import REGISTRY

os.environ.setdefault("KERAS_BACKEND", "torch")

Build = Callable[[Any], Any] | None
W = list[tuple[str, tuple[int, ...]]]


def _fn(f: Callable[[Any], Any]) -> Build:
    """A torch module whose forward is ``f``: the tensor functions a PyTorch forward() writes."""
    def build(nn: Any) -> Any:
        class Function(nn.Module):
            def forward(self, x: Any) -> Any:
                return f(x)

        return Function()

    return build


def _self_attention(nn: Any) -> Any:
    class SelfAttention(nn.MultiheadAttention):  # attn(x, x, x): its output, not the weights
        def forward(self, x: Any) -> Any:  # type: ignore[override]
            return super().forward(x, x, x)[0]

    return SelfAttention(8, 2, batch_first=True)


def _layernorm2d(nn: Any) -> Any:
    import oracle  # torchvision's LayerNorm2d, reproduced there (torchvision is no dependency)

    return oracle._torch_tensor_op("LayerNorm2d", {"num_channels": 3}, None)


def _torch() -> Any:
    import torch

    return torch

# (id, framework, spec, output shape, weights, builder(nn or keras.layers))
TORCH_CASES: list[tuple[str, str, tuple[int, ...], W, Build]] = [
    ("tconv-groups-outpad", "3x5x5 | conv_transpose(6, 3, 2, 1, 1, groups=3)", (6, 10, 10),
     [("weight", (3, 2, 3, 3)), ("bias", (6,))],
     lambda nn: nn.ConvTranspose2d(3, 6, 3, 2, 1, 1, groups=3)),
    ("tconv-torch-order-dilation", "4x5x5 | ConvTranspose2d(4, 6, 3, 1, 0, 1, 1, True, 2)", (6, 10, 10),
     [("weight", (4, 6, 3, 3)), ("bias", (6,))],
     lambda nn: nn.ConvTranspose2d(4, 6, 3, 1, 0, 1, 1, True, 2)),
    ("tconv1d-stride3", "4x7 | ConvTranspose1d(4, 2, 4, stride=3, padding=2, bias=false)", (2, 18),
     [("weight", (4, 2, 4))], lambda nn: nn.ConvTranspose1d(4, 2, 4, stride=3, padding=2, bias=False)),
    ("tconv3d", "2x3x4x5 | conv_transpose3d(4, [1, 2, 3], [1, 2, 2])", (4, 3, 8, 11),
     [("weight", (2, 4, 1, 2, 3)), ("bias", (4,))],
     lambda nn: nn.ConvTranspose3d(2, 4, (1, 2, 3), (1, 2, 2))),
    ("depthwise-as-groups", "3x7x7 | depthwise_conv(3, depth_multiplier=2)", (6, 5, 5),
     [("weight", (6, 1, 3, 3)), ("bias", (6,))], lambda nn: nn.Conv2d(3, 6, 3, groups=3)),
    ("layernorm-last", "4x5x6 | LayerNorm(6)", (4, 5, 6), [("weight", (6,)), ("bias", (6,))],
     lambda nn: nn.LayerNorm(6)),
    ("layernorm-2d-no-bias", "4x5x6 | LayerNorm([5, 6], bias=false)", (4, 5, 6), [("weight", (5, 6))],
     lambda nn: nn.LayerNorm([5, 6], bias=False)),
    ("layernorm-no-affine", "4x5x6 | layernorm(affine=false)", (4, 5, 6), [],
     lambda nn: nn.LayerNorm(6, elementwise_affine=False)),
    ("groupnorm", "6x5x5 | GroupNorm(3, 6)", (6, 5, 5), [("weight", (6,)), ("bias", (6,))],
     lambda nn: nn.GroupNorm(3, 6)),
    ("groupnorm-no-affine-other-c", "9x5x5 | GroupNorm(3, 6, affine=false)", (9, 5, 5), [],
     lambda nn: nn.GroupNorm(3, 6, affine=False)),
    ("instancenorm-default", "7x5x5 | InstanceNorm2d(6)", (7, 5, 5), [], lambda nn: nn.InstanceNorm2d(6)),
    ("instancenorm-affine", "6x5 | instancenorm1d(affine=true)", (6, 5),
     [("weight", (6,)), ("bias", (6,))], lambda nn: nn.InstanceNorm1d(6, affine=True)),
    ("rnn-relu-2-bi", "5x3 | RNN(3, 8, 2, 'relu', True, False, 0.0, True)", (5, 16),
     [(f"{w}_l{k}{d}", s) for k, i in ((0, 3), (1, 16)) for d in ("", "_reverse")
      for w, s in (("weight_ih", (8, i)), ("weight_hh", (8, 8)), ("bias_ih", (8,)), ("bias_hh", (8,)))],
     lambda nn: nn.RNN(3, 8, 2, "relu", True, False, 0.0, True)),
    ("lstm", "10x32 | lstm(64)", (10, 64),
     [("weight_ih_l0", (256, 32)), ("weight_hh_l0", (256, 64)), ("bias_ih_l0", (256,)),
      ("bias_hh_l0", (256,))], lambda nn: nn.LSTM(32, 64)),
    ("lstm-proj", "5x3 | LSTM(3, 8, proj_size=4)", (5, 4),
     [("weight_ih_l0", (32, 3)), ("weight_hh_l0", (32, 4)), ("bias_ih_l0", (32,)), ("bias_hh_l0", (32,)),
      ("weight_hr_l0", (4, 8))], lambda nn: nn.LSTM(3, 8, proj_size=4)),
    ("gru-no-bias", "5x3 | GRU(3, 8, bias=False)", (5, 8),
     [("weight_ih_l0", (24, 3)), ("weight_hh_l0", (24, 8))], lambda nn: nn.GRU(3, 8, bias=False)),
    ("bidirectional-wrapper-torch", "5x3 | bidirectional(lstm(8))", (5, 16),
     [(f"{w}_l0{d}", s) for d in ("", "_reverse")
      for w, s in (("weight_ih", (32, 3)), ("weight_hh", (32, 8)), ("bias_ih", (32,)), ("bias_hh", (32,)))],
     lambda nn: nn.LSTM(3, 8, bidirectional=True)),
    ("prelu-1", "6x5x5 | PReLU()", (6, 5, 5), [("weight", (1,))], lambda nn: nn.PReLU()),
    ("prelu-c", "6x5x5 | PReLU(6)", (6, 5, 5), [("weight", (6,))], lambda nn: nn.PReLU(6)),
    ("zeropad2d-torch-order", "6x5x5 | ZeroPad2d((1, 2, 3, 4))", (6, 12, 8), [],
     lambda nn: nn.ZeroPad2d((1, 2, 3, 4))),
    ("zeropad3d-torch-order", "2x6x5x5 | ZeroPad3d((1, 2, 3, 4, 5, 6))", (2, 17, 12, 8), [],
     lambda nn: nn.ZeroPad3d((1, 2, 3, 4, 5, 6))),
    ("zeropad-negative-crops", "6x5x5 | ZeroPad2d((1, 2, -3, 0))", (6, 2, 8), [],
     lambda nn: nn.ZeroPad2d((1, 2, -3, 0))),
    ("upsample-decimal", "6x5x5 | Upsample(scale_factor=1.5)", (6, 7, 7), [],
     lambda nn: nn.Upsample(scale_factor=1.5)),
    ("upsample-per-axis", "6x5x5 | upsample([2, 3])", (6, 10, 15), [],
     lambda nn: nn.Upsample(scale_factor=(2, 3))),
    ("upsample-size", "6x5x5 | Upsample(size=(7, 8))", (6, 7, 8), [], lambda nn: nn.Upsample(size=(7, 8))),
    ("upsample-1d", "6x5 | upsample(2.5)", (6, 12), [], lambda nn: nn.Upsample(scale_factor=2.5)),
    ("pixel-shuffle", "8x5x5 | PixelShuffle(2)", (2, 10, 10), [], lambda nn: nn.PixelShuffle(2)),
    ("pixel-unshuffle", "3x4x6 | PixelUnshuffle(2)", (12, 2, 3), [], lambda nn: nn.PixelUnshuffle(2)),
    ("unflatten", "6x5 | Unflatten(1, (2, -1))", (2, 3, 5), [], lambda nn: nn.Unflatten(1, (2, -1))),
    ("permute-torch-form", "6x5x4 | permute([0, 2, 1, 3])", (5, 6, 4), [], None),
    ("reshape", "6x5x4 | reshape([-1, 10])", (12, 10), [], None),
    ("hardtanh", "6x5x5 | Hardtanh(-1, 1)", (6, 5, 5), [], lambda nn: nn.Hardtanh(-1, 1)),
    # pooling, normalisation, reshaping and embedding basics
    ("maxpool2d", "3x8x8 | MaxPool2d(2)", (3, 4, 4), [], lambda nn: nn.MaxPool2d(2)),
    ("avgpool2d-padded", "3x8x8 | AvgPool2d(3, 2, 1)", (3, 4, 4), [], lambda nn: nn.AvgPool2d(3, 2, 1)),
    ("adaptive-avgpool2d", "3x8x6 | AdaptiveAvgPool2d((2, 3))", (3, 2, 3), [],
     lambda nn: nn.AdaptiveAvgPool2d((2, 3))),
    ("adaptive-maxpool1d", "3x9 | AdaptiveMaxPool1d(4)", (3, 4), [], lambda nn: nn.AdaptiveMaxPool1d(4)),
    ("batchnorm2d", "6x5x5 | BatchNorm2d(6)", (6, 5, 5), [("weight", (6,)), ("bias", (6,))],
     lambda nn: nn.BatchNorm2d(6)),
    ("flatten", "3x4x5 | Flatten()", (60,), [], lambda nn: nn.Flatten()),
    ("flatten-range", "3x4x5 | Flatten(2, 3)", (3, 20), [], lambda nn: nn.Flatten(2, 3)),
    # activations and dropout: no shape change, no weights (PReLU above has one)
    ("relu", "6x5 | ReLU()", (6, 5), [], lambda nn: nn.ReLU()),
    ("relu6", "6x5 | ReLU6()", (6, 5), [], lambda nn: nn.ReLU6()),
    ("gelu-tanh", "6x5 | GELU(approximate='tanh')", (6, 5), [], lambda nn: nn.GELU(approximate="tanh")),
    ("silu", "6x5 | SiLU()", (6, 5), [], lambda nn: nn.SiLU()),
    ("mish", "6x5 | Mish()", (6, 5), [], lambda nn: nn.Mish()),
    ("sigmoid", "6x5 | Sigmoid()", (6, 5), [], lambda nn: nn.Sigmoid()),
    ("hardsigmoid", "6x5 | Hardsigmoid()", (6, 5), [], lambda nn: nn.Hardsigmoid()),
    ("hardswish", "6x5 | Hardswish()", (6, 5), [], lambda nn: nn.Hardswish()),
    ("tanh", "6x5 | Tanh()", (6, 5), [], lambda nn: nn.Tanh()),
    ("softmax", "6x5 | Softmax(dim=1)", (6, 5), [], lambda nn: nn.Softmax(dim=1)),
    ("logsoftmax", "6x5 | LogSoftmax(dim=-1)", (6, 5), [], lambda nn: nn.LogSoftmax(dim=-1)),
    ("softplus", "6x5 | Softplus()", (6, 5), [], lambda nn: nn.Softplus()),
    ("leakyrelu", "6x5 | LeakyReLU(0.2)", (6, 5), [], lambda nn: nn.LeakyReLU(0.2)),
    ("elu", "6x5 | ELU(alpha=0.5)", (6, 5), [], lambda nn: nn.ELU(alpha=0.5)),
    ("selu", "6x5 | SELU()", (6, 5), [], lambda nn: nn.SELU()),
    ("celu", "6x5 | CELU(0.5)", (6, 5), [], lambda nn: nn.CELU(0.5)),
    ("softsign", "6x5 | Softsign()", (6, 5), [], lambda nn: nn.Softsign()),
    ("logsigmoid", "6x5 | LogSigmoid()", (6, 5), [], lambda nn: nn.LogSigmoid()),
    ("softmin", "6x5 | Softmin(dim=1)", (6, 5), [], lambda nn: nn.Softmin(dim=1)),
    ("softmax2d", "6x5x4 | Softmax2d()", (6, 5, 4), [], lambda nn: nn.Softmax2d()),
    ("tanhshrink", "6x5 | Tanhshrink()", (6, 5), [], lambda nn: nn.Tanhshrink()),
    ("softshrink", "6x5 | Softshrink(0.5)", (6, 5), [], lambda nn: nn.Softshrink(0.5)),
    ("hardshrink", "6x5 | Hardshrink(lambd=0.5)", (6, 5), [], lambda nn: nn.Hardshrink(lambd=0.5)),
    ("threshold", "6x5 | Threshold(0.1, 20.0)", (6, 5), [], lambda nn: nn.Threshold(0.1, 20.0)),
    ("rrelu", "6x5 | RReLU(0.1, 0.3)", (6, 5), [], lambda nn: nn.RReLU(0.1, 0.3)),
    ("dropout2d", "6x5x5 | Dropout2d(0.3)", (6, 5, 5), [], lambda nn: nn.Dropout2d(0.3)),
    ("identity", "6x5 | Identity()", (6, 5), [], lambda nn: nn.Identity()),
    # tensor operations: what a PyTorch forward() writes with torch functions
    ("slice", "6x5 | slice(2, 1, 4)", (6, 3), [], _fn(lambda x: x[:, :, 1:4])),
    ("select", "6x5x4 | select(1, 2)", (5, 4), [], _fn(lambda x: x.select(1, 2))),
    ("index-select", "6x5x4 | index_select(2, 7)", (6, 7, 4), [],
     _fn(lambda x: x.index_select(2, _torch().tensor([0, 4, 1, 1, 3, 2, 0])))),
    ("transpose", "6x5x4 | transpose(1, 2)", (5, 6, 4), [], _fn(lambda x: x.transpose(1, 2))),
    ("mean", "6x5x4 | mean(2)", (6, 4), [], _fn(lambda x: x.mean(dim=2))),
    ("sum-keepdims", "6x5 | sum(1, keepdims=true)", (1, 5), [], _fn(lambda x: x.sum(dim=1, keepdim=True))),
    ("amax-two-axes", "6x5x4 | amax([1, 2])", (4,), [], _fn(lambda x: x.amax(dim=(1, 2)))),
    ("amin-last", "6x5 | amin(-1)", (6,), [], _fn(lambda x: x.amin(dim=-1))),
    ("chunk", "6x5 | chunk(3, 1)", (2, 5), [], _fn(lambda x: _torch().chunk(x, 3, dim=1))),
    ("split", "6x5 | split(2, 1)", (2, 5), [], _fn(lambda x: _torch().split(x, 2, dim=1))),
    ("tensor-split", "6x5 | tensor_split(3, 2)", (6, 2), [],
     _fn(lambda x: _torch().tensor_split(x, 3, dim=2))),
    ("unbind", "6x5 | unbind(1)", (5,), [], _fn(lambda x: _torch().unbind(x, 1))),
    ("matmul", "input: [4, 5]\nlayers:\n  - {transpose: [1, 2], name: t}\n  - {matmul: {from: [input, t]}}\n",
     (4, 4), [], _fn(lambda x: x @ x.transpose(1, 2))),
    # a parameter's weight sits on its own row: tests/oracle_graphs.py runs it against nn.Parameter
    ("parameter-added", "input: [4, 5]\nlayers:\n  - {parameter: {shape: [5]}, name: p}\n"
     "  - {add: {from: [input, p]}}\n", (4, 5), [], None),
    ("reflection-pad", "3x5x5 | ReflectionPad2d(1)", (3, 7, 7), [], lambda nn: nn.ReflectionPad2d(1)),
    ("replication-pad", "3x5 | ReplicationPad1d((1, 2))", (3, 8), [], lambda nn: nn.ReplicationPad1d((1, 2))),
    ("circular-pad", "3x5x5 | CircularPad2d(1)", (3, 7, 7), [], lambda nn: nn.CircularPad2d(1)),
    ("layernorm2d", "3x5x5 | LayerNorm2d(3)", (3, 5, 5), [("weight", (3,)), ("bias", (3,))], _layernorm2d),
    ("stochastic-depth", "6x5 | StochasticDepth(0.2, row)", (6, 5), [], _fn(lambda x: x)),  # eval: x
    ("rmsnorm", "6x5 | RMSNorm(5)", (6, 5), [("weight", (5,))], lambda nn: nn.RMSNorm(5)),
    ("mha", "6x8 | MultiheadAttention(8, 2, batch_first=true)", (6, 8),
     [("in_proj_weight", (24, 8)), ("in_proj_bias", (24,)), ("out_proj.weight", (8, 8)),
      ("out_proj.bias", (8,))], _self_attention),
    # transformer modules are built-in blocks: their last row is the last norm (the counts of the
    # whole module are checked against torch in tests/test_attention.py and the differential tests)
    ("encoder-layer", "6x8 | TransformerEncoderLayer(8, 2, 16, batch_first=true)", (6, 8),
     [("weight", (8,)), ("bias", (8,))], None),
    ("encoder", "input: [6, 8]\nlayers:\n  - TransformerEncoder: {encoder_layer: "
     "{TransformerEncoderLayer: [8, 2, 16]}, num_layers: 2}\n", (6, 8),
     [("weight", (8,)), ("bias", (8,))], None),
    ("decoder-layer", "inputs: {tgt: [5, 8], memory: [6, 8]}\nlayers:\n  - TransformerDecoderLayer: "
     "{d_model: 8, nhead: 2, dim_feedforward: 16, from: [tgt, memory]}\n", (5, 8),
     [("weight", (8,)), ("bias", (8,))], None),
    ("decoder", "inputs: {tgt: [5, 8], memory: [6, 8]}\nlayers:\n  - TransformerDecoder: {decoder_layer: "
     "{TransformerDecoderLayer: [8, 2, 16]}, num_layers: 1, from: [tgt, memory]}\n", (5, 8),
     [("weight", (8,)), ("bias", (8,))], None),
    ("transformer", "inputs: {src: [6, 8], tgt: [5, 8]}\nlayers:\n  - Transformer: {d_model: 8, nhead: 2, "
     "num_encoder_layers: 1, num_decoder_layers: 1, dim_feedforward: 16, from: [src, tgt]}\n", (5, 8),
     [("weight", (8,)), ("bias", (8,))], None),
]

KERAS_CASES: list[tuple[str, str, tuple[int, ...], W, Build]] = [
    ("tconv-same-outpad", "5x5x3 | Conv2DTranspose(8, 4, strides=3, padding=same, output_padding=1)",
     (13, 13, 8), [("kernel", (4, 4, 8, 3)), ("bias", (8,))],
     lambda L: L.Conv2DTranspose(8, 4, strides=3, padding="same", output_padding=1)),
    ("tconv-valid-outpad", "5x3 | Conv1DTranspose(8, 4, strides=3, output_padding=2)", (18, 8),
     [("kernel", (4, 8, 3)), ("bias", (8,))],
     lambda L: L.Conv1DTranspose(8, 4, strides=3, output_padding=2)),
    ("tconv-valid-small-kernel", "5x3 | Conv1DTranspose(8, 2, strides=3)", (15, 8),
     [("kernel", (2, 8, 3)), ("bias", (8,))], lambda L: L.Conv1DTranspose(8, 2, strides=3)),
    ("tconv-same-dilated", "5x3 | Conv1DTranspose(8, 3, dilation_rate=2, padding=same, output_padding=0)",
     (5, 8), [("kernel", (3, 8, 3)), ("bias", (8,))],
     lambda L: L.Conv1DTranspose(8, 3, dilation_rate=2, padding="same", output_padding=0)),
    ("separable-2400", "20x20x32 | SeparableConv2D(64, 3)", (18, 18, 64),
     [("depthwise_kernel", (3, 3, 32, 1)), ("pointwise_kernel", (1, 1, 32, 64)), ("bias", (64,))],
     lambda L: L.SeparableConv2D(64, 3)),
    ("separable1d-stride-dilation", "20x3 | SeparableConv1D(4, 3, strides=2, dilation_rate=2)", (8, 4),
     [("depthwise_kernel", (3, 3, 1)), ("pointwise_kernel", (1, 3, 4)), ("bias", (4,))],
     lambda L: L.SeparableConv1D(4, 3, strides=2, dilation_rate=2)),
    ("depthwise-same-stride", "7x7x3 | DepthwiseConv2D(3, depth_multiplier=2, padding=same, strides=2)",
     (4, 4, 6), [("kernel", (3, 3, 3, 2)), ("bias", (6,))],
     lambda L: L.DepthwiseConv2D(3, depth_multiplier=2, padding="same", strides=2)),
    ("layernorm-axes-sorted", "4x5x3 | LayerNormalization(axis=[-1, 1])", (4, 5, 3),
     [("gamma", (3, 4)), ("beta", (3, 4))], lambda L: L.LayerNormalization(axis=[-1, 1])),
    ("layernorm-rms", "5x3 | LayerNormalization(rms_scaling=true)", (5, 3), [("gamma", (3,))],
     lambda L: L.LayerNormalization(rms_scaling=True)),
    ("groupnorm-default-32", "5x64 | GroupNormalization()", (5, 64), [("gamma", (64,)), ("beta", (64,))],
     lambda L: L.GroupNormalization()),
    ("groupnorm-instance", "5x8 | GroupNormalization(-1)", (5, 8), [("gamma", (8,)), ("beta", (8,))],
     lambda L: L.GroupNormalization(-1)),
    ("simple-rnn", "5x3 | SimpleRNN(8)", (8,),
     [("kernel", (3, 8)), ("recurrent_kernel", (8, 8)), ("bias", (8,))], lambda L: L.SimpleRNN(8)),
    ("bidirectional-simple-rnn", "5x3 | Bidirectional(SimpleRNN(4, use_bias=false))", (8,),
     [(f"{d}_simple_rnn/{n}", s) for d in ("forward", "backward")
      for n, s in (("kernel", (3, 4)), ("recurrent_kernel", (4, 4)))],
     lambda L: L.Bidirectional(L.SimpleRNN(4, use_bias=False))),
    ("lstm-bidirectional-arg", "5x3 | lstm(4, bidirectional=true)", (8,),
     [(f"{d}_lstm/{n}", s) for d in ("forward", "backward")
      for n, s in (("kernel", (3, 16)), ("recurrent_kernel", (4, 16)), ("bias", (16,)))],
     lambda L: L.Bidirectional(L.LSTM(4))),
    ("lstm-sequences", "10x32 | LSTM(64, return_sequences=true)", (10, 64),
     [("kernel", (32, 256)), ("recurrent_kernel", (64, 256)), ("bias", (256,))],
     lambda L: L.LSTM(64, return_sequences=True)),
    ("gru-reset-after", "5x3 | GRU(8)", (8,), [("kernel", (3, 24)), ("recurrent_kernel", (8, 24)),
                                               ("bias", (2, 24))], lambda L: L.GRU(8)),
    ("gru-reset-before", "5x3 | GRU(8, reset_after=false)", (8,),
     [("kernel", (3, 24)), ("recurrent_kernel", (8, 24)), ("bias", (24,))],
     lambda L: L.GRU(8, reset_after=False)),
    ("bidirectional-concat", "5x3 | Bidirectional(LSTM(8))", (16,),
     [(f"{d}_lstm/{n}", s) for d in ("forward", "backward")
      for n, s in (("kernel", (3, 32)), ("recurrent_kernel", (8, 32)), ("bias", (32,)))],
     lambda L: L.Bidirectional(L.LSTM(8))),
    ("bidirectional-sum", "5x3 | Bidirectional(GRU(8, return_sequences=true), merge_mode=sum)", (5, 8),
     [(f"{d}_gru/{n}", s) for d in ("forward", "backward")
      for n, s in (("kernel", (3, 24)), ("recurrent_kernel", (8, 24)), ("bias", (2, 24)))],
     lambda L: L.Bidirectional(L.GRU(8, return_sequences=True), merge_mode="sum")),
    ("timedistributed-conv", "4x10x10x3 | TimeDistributed(Conv2D(16, 3))", (4, 8, 8, 16),
     [("kernel", (3, 3, 3, 16)), ("bias", (16,))], lambda L: L.TimeDistributed(L.Conv2D(16, 3))),
    ("timedistributed-dense", "4x10 | TimeDistributed(Dense(16))", (4, 16),
     [("kernel", (10, 16)), ("bias", (16,))], lambda L: L.TimeDistributed(L.Dense(16))),
    ("prelu-full", "5x6x3 | PReLU()", (5, 6, 3), [("alpha", (5, 6, 3))], lambda L: L.PReLU()),
    ("prelu-shared", "5x6x3 | PReLU(shared_axes=[1, 2])", (5, 6, 3), [("alpha", (1, 1, 3))],
     lambda L: L.PReLU(shared_axes=[1, 2])),
    ("prelu-shared-0-quirk", "5x6x3 | PReLU(shared_axes=[0])", (5, 6, 3), [("alpha", (5, 6, 1))],
     lambda L: L.PReLU(shared_axes=[0])),
    ("zeropad-pairs", "5x6x3 | ZeroPadding2D(((1, 2), (0, 1)))", (8, 7, 3), [],
     lambda L: L.ZeroPadding2D(((1, 2), (0, 1)))),
    ("zeropad-per-axis", "5x6x3 | ZeroPadding2D((1, 2))", (7, 10, 3), [], lambda L: L.ZeroPadding2D((1, 2))),
    ("zeropad1d-left-right", "5x3 | ZeroPadding1D((1, 2))", (8, 3), [], lambda L: L.ZeroPadding1D((1, 2))),
    ("cropping2d", "5x6x3 | Cropping2D(((1, 2), (0, 1)))", (2, 5, 3), [],
     lambda L: L.Cropping2D(((1, 2), (0, 1)))),
    ("cropping1d-default", "5x3 | Cropping1D()", (3, 3), [], lambda L: L.Cropping1D()),
    ("cropping3d-default", "5x5x5x3 | Cropping3D()", (3, 3, 3, 3), [], lambda L: L.Cropping3D()),
    ("permute-keras-form", "5x6x3 | Permute((2, 1, 3))", (6, 5, 3), [], lambda L: L.Permute((2, 1, 3))),
    ("reshape-minus-one", "5x6x3 | Reshape((-1, 3))", (30, 3), [], lambda L: L.Reshape((-1, 3))),
    ("repeat-vector", "5 | RepeatVector(4)", (4, 5), [], lambda L: L.RepeatVector(4)),
    ("repeat-convcalc-name", "5 | repeat(3)", (3, 5), [], lambda L: L.RepeatVector(3)),
    ("upsampling2d", "5x6x3 | UpSampling2D((2, 3))", (10, 18, 3), [], lambda L: L.UpSampling2D((2, 3))),
    ("upsampling-default", "5x3 | UpSampling1D()", (10, 3), [], lambda L: L.UpSampling1D()),
    ("batchnormalization", "5x6x3 | BatchNormalization()", (5, 6, 3),
     [("gamma", (3,)), ("beta", (3,)), ("moving_mean", (3,)), ("moving_variance", (3,))],
     lambda L: L.BatchNormalization()),
    ("embedding", "7 | Embedding(10, 4)", (7, 4), [("embeddings", (10, 4))], lambda L: L.Embedding(10, 4)),
    ("global-avgpool2d", "5x6x3 | GlobalAveragePooling2D()", (3,), [],
     lambda L: L.GlobalAveragePooling2D()),
    ("global-maxpool1d-keepdims", "5x3 | GlobalMaxPooling1D(keepdims=true)", (1, 3), [],
     lambda L: L.GlobalMaxPooling1D(keepdims=True)),
    ("activation-by-name", "5x3 | Activation(tanh)", (5, 3), [], lambda L: L.Activation("tanh")),
    ("keras-relu", "5x3 | ReLU()", (5, 3), [], lambda L: L.ReLU()),
    ("keras-gaussian-noise", "5x3 | GaussianNoise(0.1)", (5, 3), [], lambda L: L.GaussianNoise(0.1)),
    # attention reads [query, value]: run against Keras in tests/test_differential_attention.py
    ("keras-mha", "input: [6, 8]\nlayers:\n  - MultiHeadAttention: {num_heads: 2, key_dim: 4, "
     "from: [input, input]}\n",
     (6, 8), [("query/kernel", (8, 2, 4)), ("query/bias", (2, 4)), ("key/kernel", (8, 2, 4)),
              ("key/bias", (2, 4)),
              ("value/kernel", (8, 2, 4)), ("value/bias", (2, 4)), ("attention_output/kernel", (2, 4, 8)),
              ("attention_output/bias", (8,))], None),
    ("keras-gqa", "input: [6, 8]\nlayers:\n  - GroupedQueryAttention: {head_dim: 4, num_query_heads: 4, "
     "num_key_value_heads: 2, from: [input, input]}\n", (6, 8),
     [("query/kernel", (8, 4, 4)), ("query/bias", (4, 4)), ("key/kernel", (8, 2, 4)), ("key/bias", (2, 4)),
      ("value/kernel", (8, 2, 4)), ("value/bias", (2, 4)), ("attention_output/kernel", (4, 4, 8)),
      ("attention_output/bias", (8,))], None),
    # Keras's preprocessing layers and ConvLSTM (issue 14)
    ("keras-normalization", "8x8x3 | Normalization()", (8, 8, 3),
     [("mean", (3,)), ("variance", (3,)), ("count", ())], lambda L: L.Normalization()),
    ("keras-rescaling", "8x8x3 | Rescaling(0.5)", (8, 8, 3), [], lambda L: L.Rescaling(0.5)),
    ("keras-resizing", "8x8x3 | Resizing(4, 6)", (4, 6, 3), [], lambda L: L.Resizing(4, 6)),
    ("keras-center-crop", "8x8x3 | CenterCrop(4, 6)", (4, 6, 3), [], lambda L: L.CenterCrop(4, 6)),
    ("keras-random-crop", "8x8x3 | RandomCrop(4, 6)", (4, 6, 3), [], lambda L: L.RandomCrop(4, 6)),
    ("keras-conv-lstm2d", "5x8x8x3 | ConvLSTM2D(4, 3)", (6, 6, 4),
     [("kernel", (3, 3, 3, 16)), ("recurrent_kernel", (3, 3, 4, 16)), ("bias", (16,))],
     lambda L: L.ConvLSTM2D(4, 3)),
    *((f"keras-{cls}", f"8x8x3 | {cls}({', '.join(f'{k}={v!r}' for k, v in kw.items())})", (8, 8, 3), [],
       lambda L, cls=cls, kw=kw: getattr(L, cls)(**kw))
      for cls, kw in {
          "RandomFlip": {"mode": "horizontal"}, "RandomRotation": {"factor": 0.2},
          "RandomZoom": {"height_factor": 0.2},
          "RandomTranslation": {"height_factor": 0.1, "width_factor": 0.1},
          "RandomContrast": {"factor": 0.2}, "RandomBrightness": {"factor": 0.2}, "RandomGrayscale": {},
          "RandomHue": {"factor": 0.2}, "RandomSaturation": {"factor": 0.2},
          "RandomSharpness": {"factor": 0.2},
          "RandomShear": {"x_factor": 0.1}, "RandomInvert": {}, "RandomPosterization": {"factor": 4},
          "RandomColorDegeneration": {"factor": 0.2}, "RandomGaussianBlur": {}, "RandomErasing": {},
          "RandomPerspective": {}, "RandomColorJitter": {"brightness_factor": 0.1},
          "RandomElasticTransform": {},
      }.items()),
]

CASES = [pytest.param("pytorch", *row[1:], id=row[0]) for row in TORCH_CASES] + [
    pytest.param("keras", *row[1:], id=row[0]) for row in KERAS_CASES
]


@pytest.mark.parametrize(("framework", "spec", "shape", "weights", "build"), CASES)
def test_numbers(framework: str, spec: str, shape: tuple[int, ...], weights: W, build: Build) -> None:
    layer = convcalc.analyze(spec, framework=framework).layers[-1]
    assert layer.output == shape
    assert [(w.name, w.shape) for w in layer.weights] == weights
    assert layer.params == sum(_prod(s) for _, s in weights)


def _prod(shape: tuple[int, ...]) -> int:
    out = 1
    for d in shape:
        out *= d
    return out


def _torch_run(build: Callable[[Any], Any], shape: tuple[int, ...]) -> tuple[tuple[int, ...], W]:
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        module = build(torch.nn)
        y = module(torch.zeros(2, *shape))
    if isinstance(y, tuple):
        y = y[0]
    return tuple(y.shape[1:]), [(n, tuple(p.shape)) for n, p in module.named_parameters()]


def _keras_run(build: Callable[[Any], Any], shape: tuple[int, ...]) -> tuple[tuple[int, ...], W]:
    keras = pytest.importorskip("keras")
    import numpy as np

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        layer = build(keras.layers)
        y = layer(np.zeros((2, *shape), "float32"))
    # Keras paths are `bidirectional/forward_lstm_3/lstm_cell/kernel`: keep the direction and
    # the variable, as convcalc names them.
    names = []
    for w in layer.weights:
        parts = w.path.split("/")
        side = [p.rsplit("_", 1)[0] if p[-1].isdigit() else p for p in parts if p.startswith(("forward_",
                                                                                             "backward_"))]
        names.append((("/".join(side) + "/") if side else "") + parts[-1])
    return tuple(y.shape[1:]), [(n, tuple(w.shape)) for n, w in zip(names, layer.weights, strict=True)]


@pytest.mark.parametrize(("framework", "spec", "shape", "weights", "build"), CASES)
def test_oracle(framework: str, spec: str, shape: tuple[int, ...], weights: W, build: Build) -> None:
    """The installed framework computes the very values the table states."""
    if build is None:
        pytest.skip("no framework class for this spelling")
    result = convcalc.analyze(spec, framework=framework)
    in_shape = tuple(result.inputs["input"])
    run = _keras_run if framework == "keras" else _torch_run
    got_shape, got_weights = run(build, in_shape)
    assert got_shape == shape
    assert got_weights == weights


# Merges read two tensors: (id, framework, the shapes of inputs a and b, the layer entry, output
# shape, builder).  The builder gives PyTorch's function of the tensors (torch has no merge
# modules) or the Keras layer, called on the list.
MERGE_CASES: list[tuple[str, str, tuple[list[int], list[int]], dict[str, Any], tuple[int, ...], Build]] = [
    ("add-broadcast", "pytorch", ([3, 4, 4], [3, 1, 4]), {"add": {}}, (3, 4, 4), lambda t: t.add),
    ("subtract", "pytorch", ([5], [5]), {"subtract": {}}, (5,), lambda t: t.sub),
    ("multiply-broadcast", "pytorch", ([2, 3], [1, 3]), {"multiply": {}}, (2, 3), lambda t: t.mul),
    ("average", "pytorch", ([4, 5], [4, 5]), {"average": {}}, (4, 5), lambda t: lambda a, b: (a + b) / 2),
    ("maximum-both-ways", "pytorch", ([2, 1, 3], [2, 4, 1]), {"maximum": {}}, (2, 4, 3),
     lambda t: t.maximum),
    ("minimum", "pytorch", ([6], [1]), {"minimum": {}}, (6,), lambda t: t.minimum),
    ("concat-channels", "pytorch", ([3, 4, 4], [5, 4, 4]), {"concat": {}}, (8, 4, 4),
     lambda t: lambda a, b: t.cat([a, b], dim=1)),
    ("concatenate-last", "pytorch", ([4, 3], [4, 2]), {"concatenate": {}}, (4, 5),
     lambda t: lambda a, b: t.cat([a, b], dim=-1)),
    ("keras-add", "keras", ([4, 4, 3], [4, 4, 3]), {"Add": {}}, (4, 4, 3), lambda L: L.Add()),
    ("keras-subtract", "keras", ([5, 2], [5, 2]), {"Subtract": {}}, (5, 2), lambda L: L.Subtract()),
    ("keras-multiply-broadcast", "keras", ([4, 1, 3], [4, 5, 3]), {"Multiply": {}}, (4, 5, 3),
     lambda L: L.Multiply()),
    ("keras-average", "keras", ([6], [6]), {"Average": {}}, (6,), lambda L: L.Average()),
    ("keras-maximum", "keras", ([2, 3], [2, 3]), {"Maximum": {}}, (2, 3), lambda L: L.Maximum()),
    ("keras-minimum", "keras", ([2, 3], [2, 3]), {"Minimum": {}}, (2, 3), lambda L: L.Minimum()),
    ("keras-concatenate-axis1", "keras", ([4, 4, 3], [2, 4, 3]), {"Concatenate": {"axis": 1}}, (6, 4, 3),
     lambda L: L.Concatenate(axis=1)),
    ("keras-concat-channels", "keras", ([4, 4, 3], [4, 4, 5]), {"concat": {}}, (4, 4, 8),
     lambda L: L.Concatenate()),
]


def _merge_spec(framework: str, shapes: tuple[list[int], list[int]], entry: dict[str, Any]) -> dict[str, Any]:
    (kind, kwargs), = entry.items()
    return {"framework": framework, "inputs": {"a": shapes[0], "b": shapes[1]},
            "layers": [{kind: {**kwargs, "from": ["a", "b"]}}]}


_MERGE_PARAMS = [pytest.param(*row[1:], id=row[0]) for row in MERGE_CASES]


@pytest.mark.parametrize(("framework", "shapes", "entry", "shape", "build"), _MERGE_PARAMS)
def test_merge_numbers(framework: str, shapes: tuple[list[int], list[int]], entry: dict[str, Any],
                       shape: tuple[int, ...], build: Build) -> None:
    layer = convcalc.analyze(_merge_spec(framework, shapes, entry)).layers[-1]
    assert layer.output == shape and layer.weights == () and layer.params == 0


@pytest.mark.parametrize(("framework", "shapes", "entry", "shape", "build"), _MERGE_PARAMS)
def test_merge_oracle(framework: str, shapes: tuple[list[int], list[int]], entry: dict[str, Any],
                      shape: tuple[int, ...], build: Build) -> None:
    """The installed framework merges tensors of these shapes into the shape the table states."""
    assert build is not None
    if framework == "keras":
        keras = pytest.importorskip("keras")
        import numpy as np

        y = build(keras.layers)([np.zeros((2, *s), "float32") for s in shapes])
    else:
        torch = pytest.importorskip("torch")
        y = build(torch)(*(torch.zeros(2, *s) for s in shapes))
    assert tuple(y.shape[1:]) == shape


# (id, framework, spec, words the message must contain, framework builder that must raise)
REFUSALS: list[tuple[str, str, str, tuple[str, ...], Build]] = [
    ("tconv-outpad-vs-stride-dilation", "pytorch", "4x5x5 | ConvTranspose2d(4, 6, 3, 1, 0, 2, 1, True, 2)",
     ("output_padding 2", "stride 1", "dilation 2"),
     lambda nn: nn.ConvTranspose2d(4, 6, 3, 1, 0, 2, 1, True, 2)),
    ("tconv-too-small", "pytorch", "4x2 | ConvTranspose1d(4, 6, 3, padding=3)", ("would be -2",),
     lambda nn: nn.ConvTranspose1d(4, 6, 3, padding=3)),
    ("tconv-groups", "pytorch", "4x1 | ConvTranspose1d(4, 6, 3, groups=4)", ("output channels 6", "groups 4"),
     lambda nn: nn.ConvTranspose1d(4, 6, 3, groups=4)),
    ("tconv-same", "pytorch", "4x5x5 | ConvTranspose2d(4, 6, 3, padding='same')", ("padding size",),
     lambda nn: nn.ConvTranspose2d(4, 6, 3, padding="same")),
    ("tconv-in-channels", "pytorch", "5x3 | ConvTranspose1d(4, 6, 3)", ("in_channels is 4", "5 channels"),
     lambda nn: nn.ConvTranspose1d(4, 6, 3)),
    ("tconv-padding-mode", "pytorch", "4x5 | ConvTranspose1d(4, 6, 3, padding_mode='reflect')", ("zeros",),
     lambda nn: nn.ConvTranspose1d(4, 6, 3, padding_mode="reflect")),
    ("layernorm-shape", "pytorch", "4x5x6 | LayerNorm(5)", ("normalized shape 5", "4×5×6"),
     lambda nn: nn.LayerNorm(5)),
    ("groupnorm-construct", "pytorch", "6x5x5 | GroupNorm(4, 6)", ("num_channels 6", "num_groups 4"),
     lambda nn: nn.GroupNorm(4, 6)),
    ("groupnorm-input", "pytorch", "8x5x5 | GroupNorm(3, 6, affine=false)", ("channels 8", "groups 3"),
     lambda nn: nn.GroupNorm(3, 6, affine=False)),
    ("groupnorm-affine-channels", "pytorch", "9x5x5 | GroupNorm(3, 6)", ("num_channels is 6", "9 channels"),
     lambda nn: nn.GroupNorm(3, 6)),
    ("instancenorm-affine", "pytorch", "7x5x5 | InstanceNorm2d(6, affine=true)", ("num_features is 6",),
     lambda nn: nn.InstanceNorm2d(6, affine=True)),
    ("instancenorm-running", "pytorch", "7x5x5 | InstanceNorm2d(6, track_running_stats=true)",
     ("num_features is 6",), lambda nn: nn.InstanceNorm2d(6, track_running_stats=True)),
    ("rnn-input-size", "pytorch", "5x3 | GRU(4, 8)", ("input_size is 4", "3 features"),
     lambda nn: nn.GRU(4, 8)),
    ("rnn-rank", "pytorch", "5x3x3 | GRU(3, 8)", ("(L, features)", "3 axes"), lambda nn: nn.GRU(3, 8)),
    ("lstm-proj", "pytorch", "5x3 | LSTM(3, 8, proj_size=8)", ("proj_size 8", "hidden_size 8"),
     lambda nn: nn.LSTM(3, 8, proj_size=8)),
    ("rnn-dropout", "pytorch", "5x3 | LSTM(3, 8, dropout=1.5)", ("[0, 1]",),
     lambda nn: nn.LSTM(3, 8, dropout=1.5)),
    ("prelu-num", "pytorch", "6x5x5 | PReLU(5)", ("num_parameters 5", "6"), lambda nn: nn.PReLU(5)),
    ("upsample-both", "pytorch", "6x5x5 | Upsample(size=7, scale_factor=2)", ("not both",),
     lambda nn: nn.Upsample(size=7, scale_factor=2)),
    ("upsample-to-zero", "pytorch", "6x3x3 | Upsample(scale_factor=0.3)", ("no elements",),
     lambda nn: nn.Upsample(scale_factor=0.3)),
    ("upsample-rank", "pytorch", "5 | upsample(2)", ("cannot infer its rank",),
     lambda nn: nn.Upsample(scale_factor=2)),
    ("pixel-shuffle", "pytorch", "6x5x5 | PixelShuffle(2)", ("channels 6", "2² = 4"),
     lambda nn: nn.PixelShuffle(2)),
    ("pixel-unshuffle", "pytorch", "3x5x6 | PixelUnshuffle(2)", ("height 5",),
     lambda nn: nn.PixelUnshuffle(2)),
    ("unflatten", "pytorch", "6x5 | Unflatten(1, (4, -1))", ("multiple of 4",),
     lambda nn: nn.Unflatten(1, (4, -1))),
    ("permute-moves-batch", "pytorch", "6x5 | permute([1, 0, 2])", ("batch axis",), None),
    ("tconv-outpad-keras", "keras", "5x3 | Conv1DTranspose(8, 4, strides=3, output_padding=3)",
     ("output_padding 3", "stride 3"), lambda L: L.Conv1DTranspose(8, 4, strides=3, output_padding=3)),
    ("tconv-stride-dilation-keras", "keras", "5x5x3 | Conv2DTranspose(8, 3, strides=2, dilation_rate=2)",
     ("strides", "dilation"), lambda L: L.Conv2DTranspose(8, 3, strides=2, dilation_rate=2)),
    ("depthwise-causal-keras", "keras", "5x3 | DepthwiseConv1D(3, padding=causal)", ("'causal'",),
     lambda L: L.DepthwiseConv1D(3, padding="causal")),
    ("separable-causal-keras", "keras", "5x3 | SeparableConv1D(4, 3, padding=causal)", ("'causal'",),
     lambda L: L.SeparableConv1D(4, 3, padding="causal")),
    ("groupnorm-more-groups", "keras", "5x8 | GroupNormalization(16)", ("groups 16", "8 channels"),
     lambda L: L.GroupNormalization(16)),
    ("groupnorm-divisible", "keras", "5x8 | GroupNormalization(3)", ("channels 8", "groups 3"),
     lambda L: L.GroupNormalization(3)),
    ("lstm-rank-keras", "keras", "5x3x2 | LSTM(8)", ("(L, features)",), lambda L: L.LSTM(8)),
    ("cropping-too-much", "keras", "5x3 | Cropping1D(3)", ("leaves -1 of 5",), lambda L: L.Cropping1D(3)),
    ("permute-keras-range", "keras", "5x6 | Permute((1, 3))", ("permutation of 1..2",),
     lambda L: L.Permute((1, 3))),
    ("reshape-count", "keras", "5x6x3 | Reshape((4, 3))", ("12 elements", "90"), lambda L: L.Reshape((4, 3))),
    ("reshape-divisible", "keras", "5x6x3 | Reshape((7, -1))", ("multiple of 7",),
     lambda L: L.Reshape((7, -1))),
    ("reshape-two-unknown", "keras", "5x6x3 | Reshape((-1, -1))", ("at most one",),
     lambda L: L.Reshape((-1, -1))),
    ("repeat-vector-rank", "keras", "5x2 | RepeatVector(4)", ("vector",), lambda L: L.RepeatVector(4)),
    ("keras-lstm-layers", "keras", "5x3 | lstm(8, layers=2)", ("no `layers`",), None),
    ("bidirectional-dense", "keras", "5x3 | Bidirectional(Dense(8))", ("recurrent",),
     lambda L: L.Bidirectional(L.Dense(8))),
]


@pytest.mark.parametrize(("framework", "spec", "words", "build"),
                         [pytest.param(*r[1:], id=r[0]) for r in REFUSALS])
def test_refusals(framework: str, spec: str, words: tuple[str, ...], build: Build) -> None:
    with pytest.raises(SpecError) as info:
        convcalc.analyze(spec, framework=framework)
    for word in words:
        assert word in info.value.message


@pytest.mark.parametrize(("framework", "spec", "words", "build"),
                         [pytest.param(*r[1:], id=r[0]) for r in REFUSALS])
def test_framework_refuses_too(framework: str, spec: str, words: tuple[str, ...], build: Build) -> None:
    if build is None:
        pytest.skip("no framework class for this spelling")
    in_shape = tuple(convcalc.analyze(spec.split("|")[0] + "| identity", framework=framework).output)
    run = _keras_run if framework == "keras" else _torch_run
    with pytest.raises(Exception):  # noqa: B017 - any framework error is a refusal
        run(build, in_shape)


def test_symbolic_transposed_conv() -> None:
    result = convcalc.analyze("3 x T | conv_transpose1d(8, 4, stride=2, padding=1)")
    assert str(result.layers[0].output[1]) == "2*T"


def test_catalogue_lists_every_type_within_width() -> None:
    text = catalogue()
    for layer in REGISTRY.values():
        assert f"  {layer.type_name(layer.ranks[0]) if layer.ranks else layer.kind}" in text
    assert all(len(line) <= WIDTH for line in text.splitlines())
    # Each spelling shows its own positional order with that framework's defaults.
    flat = " ".join(text.split())
    assert "ConvTranspose1d/ConvTranspose2d/ConvTranspose3d(in_channels=none, out, kernel, stride=1" in flat
    assert "Conv1DTranspose/Conv2DTranspose/Convolution1DTranspose/…(out, kernel, stride=1, padding" in flat
    # a class whose own order differs gets its own line (Keras's 3-D transposed convolution)
    assert "Conv3DTranspose/Convolution3DTranspose(out, kernel, stride=1, padding=valid, data_format" in flat
