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


def keras_same(n: int, s: int, k: int, out: int, t: int) -> list[str]:
    """Keras's 'same' on H and W: ⌈n / s⌉, then the padding the last window needs, split with the
    odd pixel on the right."""
    return [line for axis in "HW" for line in (
        f"{axis}: ⌈{n} / {s}⌉ = {out}",
        f"same padding {axis}: max(({out} − 1)·{s} + 1·({k} − 1) + 1 − {n}, 0) = {t}",
        f"p_l {axis}: ⌊{t} / 2⌋ = {t // 2}",
        f"p_r {axis}: {t} − {t // 2} = {t - t // 2}")]


# family -> cases: (spec, framework, layer index (1-based), expected explain lines)
CASES: dict[str, list[tuple[str, str, int, list[str]]]] = {
    "convolution": [
        ("1x28x28 | conv(32, 5)", "pytorch", 1, [
            *hw("⌊(28 + 0 + 0 − 1·(5 − 1) − 1) / 1⌋ + 1 = 24"),
            "params: weight 32·1·5·5 = 800, bias 32, total 832",
        ]),
        ("3x9x9 | conv(4, 3, stride=2, padding=1, dilation=2, bias=false)", "pytorch", 1, [
            *hw("⌊(9 + 1 + 1 − 2·(3 − 1) − 1) / 2⌋ + 1 = 4"),
            "params: weight 4·3·3·3 = 108",
        ]),
        ("28x28x1 | Conv2D(8, 3, strides=2, padding=same)", "keras", 1, [
            *keras_same(28, 2, 3, 14, 1),
            "params: kernel 3·3·1·8 = 72, bias 8, total 80",
        ]),
        # PyTorch padding='same': d·(k − 1) in total, the odd one on the right
        ("3x9x9 | conv(4, 4, padding=same, dilation=(1, 2), bias=false)", "pytorch", 1, [
            "same padding H: 1·(4 − 1) = 3",
            "p_l H: ⌊3 / 2⌋ = 1",
            "p_r H: 3 − 1 = 2",
            "same padding W: 2·(4 − 1) = 6",
            "p_l W: ⌊6 / 2⌋ = 3",
            "p_r W: 6 − 3 = 3",
            "H: ⌊(9 + 1 + 2 − 1·(4 − 1) − 1) / 1⌋ + 1 = 9",
            "W: ⌊(9 + 3 + 3 − 2·(4 − 1) − 1) / 1⌋ + 1 = 9",
            "params: weight 4·3·4·4 = 192",
        ]),
        ("3x8x8 | ConvTranspose2d(3, 4, 3, stride=2, padding=1, output_padding=1)", "pytorch", 1, [
            *hw("(8 − 1)·2 − 1 − 1 + 1·(3 − 1) + 1 + 1 = 16"),
            "params: weight 3·4·3·3 = 108, bias 4, total 112",
        ]),
        ("8x8x3 | Conv2DTranspose(4, 3, strides=2, padding=same)", "keras", 1, [
            *hw("8·2 = 16"),
            "params: kernel 3·3·4·3 = 108, bias 4, total 112",
        ]),
        ("8x8x3 | Conv2DTranspose(4, 3, strides=2)", "keras", 1, [
            *hw("8·2 + max(1·(3 − 1) + 1 − 2, 0) = 17"),
            "params: kernel 3·3·4·3 = 108, bias 4, total 112",
        ]),
        ("3x6x6 | separable_conv(8, 3)", "pytorch", 1, [
            *hw("⌊(6 + 0 + 0 − 1·(3 − 1) − 1) / 1⌋ + 1 = 4"),
            "params: depthwise.weight 3·1·3·3 = 27, pointwise.weight 8·3·1·1 = 24,"
            " pointwise.bias 8, total 59",
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
        ("7x7x4 | MaxPooling2D(2, padding=same)", "keras", 1, keras_same(7, 2, 2, 4, 1)),
    ],
    "dense": [
        ("5x7x20 | dense(3)", "pytorch", 1, [
            "positions: the last axis (20 → 3) at each of 5·7, with the same weights",
            "params: weight 3·20 = 60, bias 3, total 63"]),
        ("100 | Dense(10)", "keras", 1, ["params: kernel 100·10 = 1,000, bias 10, total 1,010"]),
        ("12 | embedding(1000, 16)", "pytorch", 1, [
            "lookup: each of the 12 token ids (0 to 999) picks its row of 16 from the table",
            "params: weight 1000·16 = 16,000"]),
    ],
    "normalization": [
        ("16x8x8 | batchnorm2d", "pytorch", 1, ["by the rule: 2·16 = 32",
                                                 "params: weight 16, bias 16, total 32"]),
        ("6x10 | layernorm(10)", "pytorch", 1, ["params: weight 10, bias 10, total 20"]),
        ("6x4x4 | groupnorm(3)", "pytorch", 1, ["params: weight 6, bias 6, total 12"]),
        ("8x8x16 | BatchNormalization()", "keras", 1, [
            "by the rule: 2·16 + 2·16 = 64",
            "trainable: gamma 16, beta 16, total 32",
            "non-trainable: moving_mean 16, moving_variance 16, total 32",
        ]),
    ],
    "recurrent": [
        # PyTorch LSTM: 4 gates, each with W_ih (h×i), W_hh (h×h) and two biases: 4·(h·i + h·h + 2h).
        ("10x32 | lstm(64)", "pytorch", 1, [
            "4 gates × hidden: 4·64 = 256",
            "params: weight_ih_l0 256·32 = 8,192, weight_hh_l0 256·64 = 16,384,"
            " bias_ih_l0 256, bias_hh_l0 256, total 25,088",
        ]),
        ("10x32 | rnn(5)", "pytorch", 1, ["1 gate × hidden: 1·5 = 5"]),
        # Keras LSTM: one bias per gate: 4·(h·i + h·h + h).
        ("10x32 | LSTM(64)", "keras", 1, [
            "params: kernel 32·256 = 8,192, recurrent_kernel 64·256 = 16,384, bias 256,"
            " total 24,832",
        ]),
        # two stacked layers: one line per layer (the second reads the first's 64 features)
        ("10x32 | lstm(64, layers=2)", "pytorch", 1, [
            "params l0: weight_ih_l0 256·32 = 8,192, weight_hh_l0 256·64 = 16,384,"
            " bias_ih_l0 256, bias_hh_l0 256, total 25,088",
            "params l1: weight_ih_l1 256·64 = 16,384, weight_hh_l1 256·64 = 16,384,"
            " bias_ih_l1 256, bias_hh_l1 256, total 33,280",
            "params: 25,088 + 33,280 = 58,368",
        ]),
        # Keras GRU, reset_after: 3 gates, two biases each: 3·(h·i + h·h + 2h)
        ("10x32 | GRU(8)", "keras", 1, [
            "3 gates × hidden: 3·8 = 24",
            "params: kernel 32·24 = 768, recurrent_kernel 8·24 = 192, bias 2·24 = 48, total 1,008",
        ]),
    ],
    "reshaping": [
        ("4x8x8 | zeropad2d([[1, 2], [0, 1]])", "pytorch", 1, ["H: 8 + 1 + 2 = 11", "W: 8 + 0 + 1 = 9"]),
        ("4x10x10 | upsample(scale=2)", "pytorch", 1, hw("10·2 = 20")),
        ("8x5x5 | pixel_shuffle(2)", "pytorch", 1, ["C: ⌊8 / 2^2⌋ = 2", *hw("5·2 = 10")]),
        ("32x12x12 | flatten", "pytorch", 1, ["axes 1–3: 32·12·12 = 4608"]),
    ],
    "wrappers": [  # a wrapper explains its inner layer, worked out on one time step
        ("4x10x10x3 | TimeDistributed(Conv2D(16, 3))", "keras", 1, [
            *hw("⌊(10 + 0 + 0 − 1·(3 − 1) − 1) / 1⌋ + 1 = 8"),
            "params: kernel 3·3·3·16 = 432, bias 16, total 448",
        ]),
        ("10x28x28x1 | TimeDistributed(Conv2D(8, 3))", "keras", 1, [
            *hw("⌊(28 + 0 + 0 − 1·(3 − 1) − 1) / 1⌋ + 1 = 26"),
            "params: kernel 3·3·1·8 = 72, bias 8, total 80",
        ]),
        # one line per direction, then their sum
        ("10x8 | Bidirectional(LSTM(16))", "keras", 1, [
            "4 gates × hidden: 4·16 = 64",  # forward
            "by the rule: 4·(16·8 + 16·16 + 16) = 1600",
            "4 gates × hidden: 4·16 = 64",  # backward (Keras may be given another backward_layer)
            "by the rule: 4·(16·8 + 16·16 + 16) = 1600",
            "params forward_lstm: forward_lstm/kernel 8·64 = 512,"
            " forward_lstm/recurrent_kernel 16·64 = 1,024, forward_lstm/bias 64, total 1,600",
            "params backward_lstm: backward_lstm/kernel 8·64 = 512,"
            " backward_lstm/recurrent_kernel 16·64 = 1,024, backward_lstm/bias 64,"
            " total 1,600",
            "params: 1,600 + 1,600 = 3,200",
        ]),
    ],
    # Shape-only layers: nothing to work out, and nothing is printed.
    "no shape change": [("32x12x12 | relu | dropout(0.5)", "pytorch", 2, [])],
    "merge": [("3x4x4 | relu | add(from=[input, -1])", "pytorch", 2,
               ["axis 1: 3, 3 equal → 3", "axis 2: 4, 4 equal → 4", "axis 3: 4, 4 equal → 4"])],
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
            # the projections, then QKᵀ and AV, each by its own rule, then their sum
            "MACs q and out projections: 2·10·512^2 = 5242880",
            "MACs k and v projections: 10·512·(512 + 512) = 5242880",
            "MACs QKᵀ: 10·10·512 = 51200",
            "MACs AV: 10·10·512 = 51200",
            "MACs: 5242880 + 5242880 + 51200 + 51200 = 10588160",
            "params: in_proj_weight 1536·512 = 786,432, in_proj_bias 1536,"
            " out_proj.weight 512·512 = 262,144, out_proj.bias 512, total 1,050,624",
        ]),
        ("10x64 | gqa(4, 2, bias=true)", "pytorch", 1, [
            "MACs q projection: 10·64·4·16 = 40960",
            "MACs k and v projections: 10·(64 + 64)·2·16 = 40960",  # 2 key/value heads, shared
            "MACs QKᵀ: 4·10·10·16 = 6400",
            "MACs AV: 4·10·10·16 = 6400",
            "MACs out projection: 10·4·16·64 = 40960",
            "MACs: 40960 + 40960 + 6400 + 6400 + 40960 = 135680",
            "params: q_proj.weight 64·64 = 4,096, q_proj.bias 64, k_proj.weight 32·64 = 2,048,"
            " k_proj.bias 32, v_proj.weight 32·64 = 2,048, v_proj.bias 32,"
            " o_proj.weight 64·64 = 4,096, o_proj.bias 64, total 12,480",
        ]),
    ],
    # A built-in block's rows are its sub-layers: each explains itself (here linear1).
    "transformer": [
        ("10x16 | TransformerEncoderLayer(16, 2, 32)", "pytorch", 5, [
            "positions: the last axis (16 → 32) at each of 10, with the same weights",
            "params: weight 32·16 = 512, bias 32, total 544",
        ]),
    ],
    # issue 14: adapt()'s statistics are non-trainable, a scalar count included
    "preprocessing": [("8x8x3 | Normalization | RandomFlip", "keras", 1, [
        "non-trainable: mean 3, variance 3, count 1, total 7"])],
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
    # The rule lines aside (tests/test_explain_rules.py pins them), the worked lines are these.
    everything = explain_lines(layer)
    lines = [line for line in everything if not line.startswith("rule:")]
    if family in SUBSET:
        assert set(expected) <= set(lines), lines
    else:
        assert lines == expected
    # The params lines add up to the layer's parameter count.
    total = sum(int(_last_number(line)) for line in everything
                if line.startswith(("params:", "trainable:", "non-trainable:")))
    assert total == layer.params


def _last_number(line: str) -> str:
    """The sum a params line arrives at: after ``total``, else after its last ``=``, else its last word."""
    tail = line.rsplit("total ", 1)[1] if "total " in line else line.rsplit(" ", 1)[1]
    return tail.replace(",", "")


def test_plain_explain_is_ascii() -> None:
    result = convcalc.analyze("1x4x4 | maxpool(2, 3, 1, ceil_mode=true) | conv(2, 1)")
    opts = Options(pretty=False)
    lines = [line for layer in result.layers for line in explain_lines(layer, opts)]
    assert all(line.isascii() for line in lines)
    assert lines[0].startswith("rule: out = ceil((n + p_l + p_r - d*(k - 1) - 1) / s) + 1   n input size")
    assert lines[1] == "H: ceil((4 + 1 + 1 - 1*(2 - 1) - 1) / 3) + 1 = 3"
    assert ascii_text("⌊(28 − 1·4) / 2⌋") == "floor((28 - 1*4) / 2)"


def test_last_step_of_each_axis_is_the_output_size() -> None:
    """The explanation ends with the size the table shows, axis by axis."""
    result = convcalc.analyze("1x10x7 | maxpool(3, 2, 1, ceil_mode=true) | conv(4, [3, 2], 2)")
    for layer in result.layers:
        last = {}
        for step in layer.steps:
            last[step.label] = step.value
        assert tuple(last[a] for a in ("H", "W")) == layer.output[1:]
