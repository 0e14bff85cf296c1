"""Golden ``--explain`` outputs, one network per layer family, in table, plain and markdown.

A change of wording shows up here as a diff to review; ``CONVCALC_REGEN=1`` rewrites the files
(tests/golden/explain-FAMILY.EXT) when the change is intended.  test_explain_every_layer.py makes
sure every registered type has lines at all; this pins what they say.
"""

from __future__ import annotations

import pytest
from _cli import golden, run

from convcalc.layers.registry import REGISTRY

# family -> (framework, spec): each a small network using the family's layers the way users do
NETWORKS: dict[str, tuple[str, str]] = {
    "convolution": ("pytorch", "3x16x16 | conv(8, 3, 2, 1, groups=1) | conv_transpose(4, 3, 2, 1, 1) "
                               "| depthwise_conv(3, padding=same) | separable_conv(6, 3)"),
    "convolution-keras": ("keras", "28x28x1 | Conv2D(32, 5, strides=2, padding='same') "
                                   "| Conv2DTranspose(8, 3, strides=2) | DepthwiseConv2D(3)"),
    "pooling": ("pytorch", "4x9x9 | maxpool(3, 2, 1, ceil_mode=true) | avgpool(2, ceil_mode=true) "
                           "| adaptive_avgpool2d((2, None)) | global_maxpool"),
    "pooling-keras": ("keras", "7x7x4 | MaxPooling2D(2, padding='same') | AveragePooling2D(2) "
                               "| GlobalAveragePooling2D()"),
    "dense": ("pytorch", "12 | embedding(1000, 16) | dense(8) | flatten | dense(3)"),
    "normalization": ("pytorch", "16x8x8 | batchnorm2d | groupnorm(4) | instancenorm2d | layernorm([8, 8])"),
    "normalization-keras": ("keras", "8x8x16 | BatchNormalization() | LayerNormalization()"),
    "recurrent": ("pytorch", "10x32 | lstm(64, layers=2) | gru(8, bidirectional=true) | rnn(5)"),
    "recurrent-keras": ("keras", "10x32 | LSTM(16, return_sequences=true) | GRU(8)"),
    "reshaping": ("pytorch", "32x12x12 | flatten | reshape([-1, 4, 2]) | permute([0, 2, 1, 3]) "
                             "| unflatten(3, [1, 2])"),
    "reshaping-spatial": ("pytorch", "8x5x5 | zeropad2d([[1, 2], [0, 1]]) | pixel_shuffle(2) "
                                     "| upsample(scale=2) | pixel_unshuffle(2)"),
    "merge": ("pytorch", "3x4x4 | conv(3, 1) | add(from=[input, -1]) | concat(from=[input, -1]) "
                         "| multiply(from=[-1, -1])"),
    "tensor": ("pytorch", "6x8 | slice(2, -3, 100, 2) | chunk(4) | transpose(1, 2, from=chunk_1.0) "
                          "| matmul(from=[-1, -1]) | sum(1)"),
    "attention": ("pytorch", "10x64 | MultiheadAttention(64, 8) | gqa(4, 2, bias=true)"),
    "attention-keras": ("keras", "10x16 | MultiHeadAttention(2, 8, from=[input, input])"),
    "transformer": ("pytorch", "10x16 | TransformerEncoderLayer(16, 2, 32)"),
    "wrappers": ("keras", "4x10x10x3 | TimeDistributed(Conv2D(16, 3)) | TimeDistributed(Flatten()) "
                          "| Bidirectional(LSTM(8))"),
    "no-shape-change": ("pytorch", "3x4x4 | relu | dropout(0.5) | prelu"),
    "preprocessing": ("keras", "8x8x3 | Normalization | Rescaling(0.5) | Resizing(6, 6) | CenterCrop(4, 4) "
                               "| RandomFlip"),
}
FORMATS = {"table": "txt", "plain": "txt", "markdown": "md"}


def test_every_family_has_a_golden_network() -> None:
    families = {layer.family.replace(" ", "-") for layer in REGISTRY.values()}
    assert families <= {name.split("-keras")[0].split("-spatial")[0] for name in NETWORKS}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("family", NETWORKS)
def test_golden_explain(family: str, fmt: str) -> None:
    framework, spec = NETWORKS[family]
    r = run("-x", "-f", fmt, "--width", "120", "--framework", framework, spec)
    assert r.status == 0, r.err
    golden(f"explain-{family}.{fmt}.{FORMATS[fmt]}", r.out)
