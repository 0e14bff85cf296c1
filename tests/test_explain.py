"""``--explain``: each layer family's formulas with the numbers put in.

The lines come from the same Formula objects that compute the shapes, and
the params line from the weights the layer returns; these tests pin the
wording and check that every number in them is the computed one.
"""

from __future__ import annotations

import pytest

import convcalc
from convcalc.layers.registry import REGISTRY
from convcalc.render.ascii import ascii_text
from convcalc.render.explain import explain_lines
from convcalc.render.options import Options


def hw(*steps: str) -> list[str]:
    """The same steps for H, then for W: a square kernel on a square input works out alike on both axes."""
    return [f"{axis}: {step}" for axis in "HW" for step in steps]


# family -> cases: (spec, framework, layer index (1-based), expected explain lines)
CASES: dict[str, list[tuple[str, str, int, list[str]]]] = {
    "convolution": [
        ("1x28x28 | conv(32, 5)", "pytorch", 1, [
            *hw("⌊(28 + 0 + 0 − 1·(5 − 1) − 1) / 1⌋ + 1 = 24"),
            "params: weight 32·1·5·5 + bias 32 = 800 + 32 = 832",
        ]),
        ("3x9x9 | conv(4, 3, stride=2, padding=1, dilation=2, bias=false)", "pytorch", 1, [
            *hw("⌊(9 + 1 + 1 − 2·(3 − 1) − 1) / 2⌋ + 1 = 4"),
            "params: weight 4·3·3·3 = 108",
        ]),
        ("28x28x1 | Conv2D(8, 3, strides=2, padding=same)", "keras", 1, [
            *hw("⌈28 / 2⌉ = 14"),
            "params: kernel 3·3·1·8 + bias 8 = 72 + 8 = 80",
        ]),
        # PyTorch padding='same': d·(k − 1) in total, the odd one on the right
        ("3x9x9 | conv(4, 4, padding=same, dilation=(1, 2), bias=false)", "pytorch", 1, [
            "same padding H: 1·(4 − 1) = 3",
            "pl H: ⌊3 / 2⌋ = 1",
            "pr H: 3 − 1 = 2",
            "same padding W: 2·(4 − 1) = 6",
            "pl W: ⌊6 / 2⌋ = 3",
            "pr W: 6 − 3 = 3",
            "H: ⌊(9 + 1 + 2 − 1·(4 − 1) − 1) / 1⌋ + 1 = 9",
            "W: ⌊(9 + 3 + 3 − 2·(4 − 1) − 1) / 1⌋ + 1 = 9",
            "params: weight 4·3·4·4 = 192",
        ]),
        ("3x8x8 | ConvTranspose2d(3, 4, 3, stride=2, padding=1, output_padding=1)", "pytorch", 1, [
            *hw("(8 − 1)·2 − 1 − 1 + 1·(3 − 1) + 1 + 1 = 16"),
            "params: weight 3·4·3·3 + bias 4 = 108 + 4 = 112",
        ]),
        ("8x8x3 | Conv2DTranspose(4, 3, strides=2, padding=same)", "keras", 1, [
            *hw("8·2 = 16"),
            "params: kernel 3·3·4·3 + bias 4 = 108 + 4 = 112",
        ]),
        ("8x8x3 | Conv2DTranspose(4, 3, strides=2)", "keras", 1, [
            *hw("8·2 + max(1·(3 − 1) + 1 − 2, 0) = 17"),
            "params: kernel 3·3·4·3 + bias 4 = 108 + 4 = 112",
        ]),
        ("3x6x6 | separable_conv(8, 3)", "pytorch", 1, [
            *hw("⌊(6 + 0 + 0 − 1·(3 − 1) − 1) / 1⌋ + 1 = 4"),
            "params: depthwise.weight 3·1·3·3 + pointwise.weight 8·3·1·1 + pointwise.bias 8"
            " = 27 + 24 + 8 = 59",
        ]),
    ],
    "pooling": [
        # adaptive pooling: the output size is given per axis (None keeps the input's)
        ("3x32x30 | adaptive_avgpool2d((7, None))", "pytorch", 1, [
            "H: the output size, given (input 32) = 7",
            "W: None keeps the input's size = 30",
        ]),
        # ceil_mode: ⌈·⌉ gives 3, but the 3rd window would start at 6, inside the right padding.
        ("1x4x4 | maxpool(2, 3, 1, ceil_mode=true)", "pytorch", 1, [
            *hw("⌈(4 + 1 + 1 − 1·(2 − 1) − 1) / 3⌉ + 1 = 3",
                "last window starts at (3 − 1)·3 = 6 ≥ 4 + 1 = 5, inside the right padding, "
                "so it is dropped: 3 − 1 = 2"),
        ]),
        ("1x5 | maxpool1d(2, ceil_mode=true)", "pytorch", 1, [
            "L: ⌈(5 + 0 + 0 − 1·(2 − 1) − 1) / 2⌉ + 1 = 3",
            "L: last window starts at (3 − 1)·2 = 4 < 5 + 0 = 5, inside the input, so it stays: out = 3",
        ]),
        ("4x9x9 | avgpool(2)", "pytorch", 1, hw("⌊(9 + 0 + 0 − 1·(2 − 1) − 1) / 2⌋ + 1 = 4")),
        ("7x7x4 | MaxPooling2D(2, padding=same)", "keras", 1, hw("⌈7 / 2⌉ = 4")),
    ],
    "dense": [
        ("5x7x20 | dense(3)", "pytorch", 1, ["params: weight 3·20 + bias 3 = 60 + 3 = 63"]),
        ("100 | Dense(10)", "keras", 1, ["params: kernel 100·10 + bias 10 = 1,000 + 10 = 1,010"]),
        ("12 | embedding(1000, 16)", "pytorch", 1, ["params: weight 1000·16 = 16,000"]),
    ],
    "normalization": [
        ("16x8x8 | batchnorm2d", "pytorch", 1, ["params: weight 16 + bias 16 = 16 + 16 = 32"]),
        ("6x10 | layernorm(10)", "pytorch", 1, ["params: weight 10 + bias 10 = 10 + 10 = 20"]),
        ("6x4x4 | groupnorm(3)", "pytorch", 1, ["params: weight 6 + bias 6 = 6 + 6 = 12"]),
        ("8x8x16 | BatchNormalization()", "keras", 1, [
            "trainable: gamma 16 + beta 16 = 16 + 16 = 32",
            "non-trainable: moving_mean 16 + moving_variance 16 = 16 + 16 = 32",
        ]),
    ],
    "recurrent": [
        # PyTorch LSTM: 4 gates, each with W_ih (h×i), W_hh (h×h) and two biases: 4·(h·i + h·h + 2h).
        ("10x32 | lstm(64)", "pytorch", 1, [
            "4 gates × hidden: 4·64 = 256",
            "params: weight_ih_l0 256·32 + weight_hh_l0 256·64 + bias_ih_l0 256 + bias_hh_l0 256"
            " = 8,192 + 16,384 + 256 + 256 = 25,088",
        ]),
        ("10x32 | rnn(5)", "pytorch", 1, ["1 gate × hidden: 1·5 = 5"]),
        # Keras LSTM: one bias per gate: 4·(h·i + h·h + h).
        ("10x32 | LSTM(64)", "keras", 1, [
            "params: kernel 32·256 + recurrent_kernel 64·256 + bias 256"
            " = 8,192 + 16,384 + 256 = 24,832",
        ]),
        # two stacked layers: one line per layer (the second reads the first's 64 features)
        ("10x32 | lstm(64, layers=2)", "pytorch", 1, [
            "params l0: weight_ih_l0 256·32 + weight_hh_l0 256·64 + bias_ih_l0 256 + bias_hh_l0 256"
            " = 8,192 + 16,384 + 256 + 256 = 25,088",
            "params l1: weight_ih_l1 256·64 + weight_hh_l1 256·64 + bias_ih_l1 256 + bias_hh_l1 256"
            " = 16,384 + 16,384 + 256 + 256 = 33,280",
            "params: 25,088 + 33,280 = 58,368",
        ]),
        # Keras GRU, reset_after: 3 gates, two biases each: 3·(h·i + h·h + 2h)
        ("10x32 | GRU(8)", "keras", 1, [
            "3 gates × hidden: 3·8 = 24",
            "params: kernel 32·24 + recurrent_kernel 8·24 + bias 2·24 = 768 + 192 + 48 = 1,008",
        ]),
    ],
    "reshaping": [
        ("4x8x8 | zeropad2d([[1, 2], [0, 1]])", "pytorch", 1, ["H: 8 + 1 + 2 = 11", "W: 8 + 0 + 1 = 9"]),
        ("4x10x10 | upsample(scale=2)", "pytorch", 1, hw("10·2 = 20")),
        ("8x5x5 | pixel_shuffle(2)", "pytorch", 1, ["C: ⌊8 / 2^2⌋ = 2", *hw("5·2 = 10")]),
        ("32x12x12 | flatten", "pytorch", 1, []),  # nothing to work out beyond the product shown
    ],
    "wrappers": [  # a wrapper explains its inner layer, worked out on one time step
        ("4x10x10x3 | TimeDistributed(Conv2D(16, 3))", "keras", 1, [
            *hw("⌊(10 + 0 + 0 − 1·(3 − 1) − 1) / 1⌋ + 1 = 8"),
            "params: kernel 3·3·3·16 + bias 16 = 432 + 16 = 448",
        ]),
        ("10x28x28x1 | TimeDistributed(Conv2D(8, 3))", "keras", 1, [
            *hw("⌊(28 + 0 + 0 − 1·(3 − 1) − 1) / 1⌋ + 1 = 26"),
            "params: kernel 3·3·1·8 + bias 8 = 72 + 8 = 80",
        ]),
        # one line per direction, then their sum
        ("10x8 | Bidirectional(LSTM(16))", "keras", 1, [
            "4 gates × hidden: 4·16 = 64",  # forward
            "4 gates × hidden: 4·16 = 64",  # backward (Keras may be given another backward_layer)
            "params forward_lstm: forward_lstm/kernel 8·64 + forward_lstm/recurrent_kernel 16·64"
            " + forward_lstm/bias 64 = 512 + 1,024 + 64 = 1,600",
            "params backward_lstm: backward_lstm/kernel 8·64 + backward_lstm/recurrent_kernel 16·64"
            " + backward_lstm/bias 64 = 512 + 1,024 + 64 = 1,600",
            "params: 1,600 + 1,600 = 3,200",
        ]),
    ],
    # Shape-only layers: nothing to work out, and nothing is printed.
    "no shape change": [("32x12x12 | relu | dropout(0.5)", "pytorch", 2, [])],
    "merge": [("3x4x4 | relu | add(from=[input, -1])", "pytorch", 2, [])],
    "tensor": [
        # Python's slicing: start -3 is 5 on 8, stop 100 clamps to 8, then every 2nd
        ("6x8 | slice(2, -3, 100, 2)", "pytorch", 1, ["axis 2: ⌈(8 − 5) / 2⌉ = 2"]),
        # torch.chunk: pieces of ⌈6/4⌉ = 2, so three of them, not four
        ("6x8 | chunk(4)", "pytorch", 1, ["size: ⌈6 / 4⌉ = 2", "outputs: ⌈6 / 2⌉ = 3"]),
        ("2x6 | transpose(1, 2) | matmul(from=[input, -1])", "pytorch", 2, ["MACs: 1·2·6·2 = 24"]),
    ],
    "attention": [
        ("10x512 | MultiheadAttention(512, 8)", "pytorch", 1, [
            "head_dim: ⌊512 / 8⌋ = 64",
            "MACs: 2·10·512^2 + 10·512·(512 + 512) + 2·10·10·512 = 10588160",
            "params: in_proj_weight 1536·512 + in_proj_bias 1536 + out_proj.weight 512·512 + "
            "out_proj.bias 512 = 786,432 + 1,536 + 262,144 + 512 = 1,050,624",
        ]),
        ("10x64 | gqa(4, 2, bias=true)", "pytorch", 1, [
            "MACs: 10·64·4·16 + 10·(64 + 64)·2·16 + 2·4·10·10·16 + 10·4·16·64 = 135680",
            "params: q_proj.weight 64·64 + q_proj.bias 64 + k_proj.weight 32·64 + k_proj.bias 32 + "
            "v_proj.weight 32·64 + v_proj.bias 32 + o_proj.weight 64·64 + o_proj.bias 64 = 4,096 + 64 + "
            "2,048 + 32 + 2,048 + 32 + 4,096 + 64 = 12,480",
        ]),
    ],
    # A built-in block's rows are its sub-layers: each explains itself (here linear1).
    "transformer": [
        ("10x16 | TransformerEncoderLayer(16, 2, 32)", "pytorch", 5, [
            "params: weight 32·16 + bias 32 = 512 + 32 = 544",
        ]),
    ],
}
# Lines that must be among a layer's explanation, for layers whose other lines may grow.
SUBSET = {"recurrent"}


def _families() -> set[str]:
    return {layer.family for layer in REGISTRY.values()}


def test_every_family_has_explain_cases() -> None:
    missing = _families() - set(CASES)
    assert not missing, f"add --explain cases for the layer families {sorted(missing)}"


PARAMS = [
    pytest.param(family, spec, fw, index, lines, id=f"{family}-{spec}-{fw}")
    for family, cases in CASES.items()
    for spec, fw, index, lines in cases
]


@pytest.mark.parametrize(("family", "spec", "framework", "index", "expected"), PARAMS)
def test_explain_lines(family: str, spec: str, framework: str, index: int,
                       expected: list[str]) -> None:
    result = convcalc.analyze(spec, framework=framework)
    layer = result.layers[index - 1]
    lines = explain_lines(layer)
    if family in SUBSET:
        assert set(expected) <= set(lines), lines
    else:
        assert lines == expected
    # The params lines add up to the layer's parameter count.
    total = sum(int(line.rsplit("= ", 1)[1].replace(",", "")) for line in lines
                if line.startswith(("params:", "trainable:", "non-trainable:")))
    assert total == layer.params


def test_plain_explain_is_ascii() -> None:
    result = convcalc.analyze("1x4x4 | maxpool(2, 3, 1, ceil_mode=true) | conv(2, 1)")
    opts = Options(pretty=False)
    lines = [line for layer in result.layers for line in explain_lines(layer, opts)]
    assert all(line.isascii() for line in lines)
    assert lines[0] == "H: ceil((4 + 1 + 1 - 1*(2 - 1) - 1) / 3) + 1 = 3"
    assert ascii_text("⌊(28 − 1·4) / 2⌋") == "floor((28 - 1*4) / 2)"


def test_last_step_of_each_axis_is_the_output_size() -> None:
    """The explanation ends with the size the table shows, axis by axis."""
    result = convcalc.analyze("1x10x7 | maxpool(3, 2, 1, ceil_mode=true) | conv(4, [3, 2], 2)")
    for layer in result.layers:
        last = {}
        for step in layer.steps:
            last[step.label] = step.value
        assert tuple(last[a] for a in ("H", "W")) == layer.output[1:]
