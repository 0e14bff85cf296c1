"""The numbers people ask about, and the core behaviour of parsing and propagation.

The cases come from well-known questions about convolution arithmetic; each
expected value was worked out by hand (and is checked against PyTorch/Keras
by the differential tests).
"""

from __future__ import annotations

import pytest

import convcalc
from convcalc import SpecError

# (spec, expected output shapes layer by layer, expected total params or None)
CASES = [
    pytest.param("6x32x32 | conv(16, 3, bias=false)", [(16, 30, 30)], 864, id="6to16-3x3-no-bias"),
    pytest.param("6x32x32 | conv(16, 3)", [(16, 30, 30)], 880, id="6to16-3x3-bias"),
    pytest.param("6x10x5 | conv(16, 3)", [(16, 8, 3)], 880, id="10x5-image-6ch"),
    pytest.param("3x227x227 | conv(96, 11, 4)", [(96, 55, 55)], 96 * (11 * 11 * 3 + 1),
                 id="alexnet-227-to-55"),
    pytest.param(
        "1x32x32 | conv(3, 5) | maxpool(2) | conv(6, 5) | maxpool(2) | flatten | dense(100) | dense(10)",
        [(3, 28, 28), (3, 14, 14), (6, 10, 10), (6, 5, 5), (150,), (100,), (10,)],
        (5 * 5 * 1 + 1) * 3 + (5 * 5 * 3 + 1) * 6 + (150 + 1) * 100 + (100 + 1) * 10,
        id="two-stage-cnn",
    ),
    pytest.param("3x256x256 | Conv2d(3, 32, 5, padding=2)", [(32, 256, 256)], 2432,
                 id="torch-padding-2-keeps-size"),
    pytest.param("512x100x100 | conv(64, 1)", [(64, 100, 100)], 512 * 64 + 64, id="1x1-conv"),
    pytest.param(
        "1x28x28 | conv(32,5) | maxpool(2) | conv(32,3) | maxpool(2) | flatten | dense(256) | dense(10)",
        [(32, 24, 24), (32, 12, 12), (32, 10, 10), (32, 5, 5), (800,), (256,), (10,)],
        217706,
        id="mnist-lasagne",
    ),
    pytest.param("3x8x8 | conv(6, 3, groups=3)", [(6, 6, 6)], 6 * 1 * 9 + 6, id="grouped"),
    pytest.param("3x9x9 | conv(4, 3, dilation=2, padding=2)", [(4, 9, 9)], 4 * 3 * 9 + 4,
                 id="dilated-keeps-size"),
    pytest.param("3x10x10 | conv(4, [3, 5], [2, 1], [[1, 0], [2, 2]])", [(4, 5, 10)], 4 * 3 * 15 + 4,
                 id="asymmetric-per-side"),
    pytest.param("3x10x10 | conv(4, 3, padding=same)", [(4, 10, 10)], 112, id="torch-same"),
    pytest.param("1x10x10 | maxpool(3, 2, ceil_mode=true)", [(1, 5, 5)], 0, id="ceil-mode"),
    pytest.param("1x6 | maxpool1d(3, 2, 1, ceil_mode=true)", [(1, 4)], 0, id="ceil-mode-last-window"),
    pytest.param("4x9x9 | avgpool(2)", [(4, 4, 4)], 0, id="avgpool-floor"),
    pytest.param("8x7x7 | adaptive_avgpool(1) | flatten", [(8, 1, 1), (8,)], 0, id="adaptive"),
    pytest.param("8x7x7 | global_avgpool", [(8,)], 0, id="global"),
    pytest.param("5x7x20 | dense(3)", [(5, 7, 3)], 63, id="dense-last-axis"),
    pytest.param("16x8x8 | batchnorm2d", [(16, 8, 8)], 32, id="torch-batchnorm"),
    pytest.param("2x4x6x6 | conv(8, 3)", [(8, 2, 4, 4)], 8 * 2 * 27 + 8, id="conv3d-inferred"),
    pytest.param("4x50 | conv1d(8, 5, stride=3)", [(8, 16)], 8 * 4 * 5 + 8, id="conv1d"),
]

KERAS_CASES = [
    pytest.param("10x5x6 -> Conv2D(16, 3)", [(8, 3, 16)], 880, id="keras-10x5-image"),
    pytest.param(
        "28x28x1 -> Conv2D(32, 5, strides=2, padding=same) -> Conv2D(64, 5, strides=2, padding=same)",
        [(14, 14, 32), (7, 7, 64)],
        (25 + 1) * 32 + (25 * 32 + 1) * 64,
        id="keras-same-stride-2",
    ),
    pytest.param("10 -> Embedding(263, 64)", [(10, 64)], 263 * 64, id="keras-embedding"),
    pytest.param("101x101x1 -> Conv2D(8, 11) -> Conv2D(16, 7)", [(91, 91, 8), (85, 85, 16)],
                 (121 + 1) * 8 + (49 * 8 + 1) * 16, id="keras-conv-stack"),
    pytest.param("12x12x16 -> BatchNormalization()", [(12, 12, 16)], 64, id="keras-batchnorm-4C"),
    pytest.param("9x9x3 -> MaxPooling2D(2, padding=same)", [(5, 5, 3)], 0, id="keras-pool-same"),
    pytest.param("9x9x3 -> MaxPooling2D(2)", [(4, 4, 3)], 0, id="keras-pool-valid"),
    pytest.param("20x4 -> Conv1D(8, 3, padding=causal, dilation_rate=2)", [(20, 8)], 8 * 12 + 8,
                 id="keras-causal"),
]


def _shapes(result: convcalc.Result) -> list[tuple[int, ...]]:
    return [layer.output for layer in result.layers]


@pytest.mark.parametrize(("spec", "shapes", "params"), CASES)
def test_pytorch_numbers(spec: str, shapes: list[tuple[int, ...]], params: int) -> None:
    result = convcalc.analyze(spec)
    assert _shapes(result) == shapes
    assert result.total_params == params


@pytest.mark.parametrize(("spec", "shapes", "params"), KERAS_CASES)
def test_keras_numbers(spec: str, shapes: list[tuple[int, ...]], params: int) -> None:
    result = convcalc.analyze(spec, framework="keras")
    assert _shapes(result) == shapes
    assert result.total_params == params


def test_keras_weight_layout_and_batchnorm_split() -> None:
    r = convcalc.analyze("101x101x1 -> Conv2D(8, 11) -> Conv2D(16, 7) -> BatchNormalization()",
                         framework="keras")
    assert [w.shape for w in r.layers[1].weights] == [(7, 7, 8, 16), (16,)]
    assert (r.trainable_params, r.non_trainable_params) == (976 + 6288 + 32, 32)


def test_pytorch_weight_layout() -> None:
    r = convcalc.analyze("3x32x32 | Conv2d(3, 64, 3, groups=1) | flatten | Linear(64*30*30, 10)")
    assert [(w.name, w.shape) for w in r.layers[0].weights] == [("weight", (64, 3, 3, 3)), ("bias", (64,))]
    assert r.layers[2].weights[0].shape == (10, 57600)


ERRORS = [
    # (spec, code, column of the offending argument or layer, layer index, numbers of the message)
    ("1x3x3 | conv(4, 5)", "size-below-1", 9, 1, "5", "3"),
    ("1x28x28 | conv(4, 3) | conv(8, 5, dilation=7)", "size-below-1", 24, 2, "29", "5", "7", "26"),
    ("1x8x8 | Conv2d(3, 4, 3)", "in-channels-mismatch", 16, 1, "3", "1"),
    ("1x8x8 | conv(4, 3, kernal=3)", "unknown-argument", 20, 1),
    ("1x8x8 | conv2dd(4, 3)", "unknown-type", 9, 1),
    ("3x8x8 | conv(4, 3, groups=2)", "not-divisible", 27, 1, "3", "2"),
    ("1x8x8 | conv(4, 3, 2, padding=same)", "bad-padding", 31, 1, "2"),
    ("1x8x8 | maxpool(3, padding=2)", "bad-padding", 28, 1, "2", "3"),
    ("1x8x8 | conv(4, true)", "not-whole", 17, 1),
    ("1x8x8 | conv(4, 2.5)", "not-whole", 17, 1, "2.5"),
    ("1x8x8 | conv(0, 3)", "size-below-1", 14, 1, "0"),
    ("1x8x8 | conv(4, 3, 1, 0, 1, 1, true, 9)", "too-many-arguments", 38, 1, "7", "8"),
    ("784 | Linear(100, 10)", "in-channels-mismatch", 14, 1, "100", "784"),
    ("1x4x4 | maxpool(2) | maxpool(2) | maxpool(2)", "size-below-1", 35, 3, "2", "1"),
    ("1x8 | conv2d(4, 3)", "wrong-rank", 7, 1, "3", "1×8"),
]


@pytest.mark.parametrize(("spec", "code", "column", "layer", "numbers"),
                         [(spec, code, col, layer, numbers) for spec, code, col, layer, *numbers in ERRORS],
                         ids=[e[0] for e in ERRORS])
def test_errors(spec: str, code: str, column: int, layer: int, numbers: list[str]) -> None:
    with pytest.raises(SpecError) as info:
        convcalc.analyze(spec)
    e = info.value
    assert (e.code, e.file, e.line, e.column) == (code, "<inline>", 1, column)
    assert e.layer is not None and e.layer.index == layer
    for n in numbers:
        assert n in e.message, e


def test_keras_refusals() -> None:
    with pytest.raises(SpecError) as info:
        convcalc.analyze("20x20x3 -> Conv2D(4, 3, strides=2, dilation_rate=2)", framework="keras")
    assert info.value.code == "not-in-framework"


@pytest.mark.parametrize(("spec", "keras_class"), [
    ("20x20x3 -> Conv2D(4, 3, padding=1)", "Conv2D"),
    ("20x3 -> conv(4, 3, padding=1)", "Conv1D"),
    ("20x20x3 -> SeparableConv2D(4, 3, padding=1)", "SeparableConv2D"),
    ("20x20x3 -> DepthwiseConv2D(3, padding=1)", "DepthwiseConv2D"),
    ("20x20x3 -> MaxPooling2D(2, padding=1)", "MaxPooling2D"),
    ("8x8x8x3 -> AveragePooling3D(2, padding=1)", "AveragePooling3D"),
])
def test_keras_padding_refusals_name_the_keras_class(spec: str, keras_class: str) -> None:
    with pytest.raises(SpecError) as info:
        convcalc.analyze(spec, framework="keras")
    assert f"Keras's {keras_class} takes padding 'valid' or 'same'" in info.value.message
    assert (info.value.code, info.value.hint) == ("bad-padding", None)  # no framework named: no layout hint


YAML = """\
name: demo
framework: pytorch
vars: {C: 16, K: 3, W: 2*C}
input: [3, 32, 32]
layers:
  - conv2d: {out: C, kernel: K, padding: 1}
  - conv2d: [W, K]
  - conv2d:
      out: 8
      kernel: 40
"""


def test_yaml_locations_and_vars(tmp_path) -> None:
    path = tmp_path / "model.yaml"
    path.write_text(YAML)
    with pytest.raises(SpecError) as info:
        convcalc.analyze(str(path))
    err = info.value
    assert (err.file, err.line, err.column) == (str(path), 8, 5)
    assert err.layer is not None and err.layer.index == 3
    assert "kernel 40 is larger than the padded input 30 (30 + 2*0) on axis H" in str(err)
    good = YAML.replace("kernel: 40", "kernel: 3")
    path.write_text(good)
    r = convcalc.analyze(str(path))
    assert _shapes(r) == [(16, 32, 32), (32, 30, 30), (8, 28, 28)]


@pytest.mark.parametrize(
    "spec",
    [
        "1x28x28 | conv(32,5) | maxpool(2)",
        "1x28x28 -> conv(32,5) -> maxpool(2)",
        "1x28x28; conv(32,5); maxpool(2)",
        "1x28x28 conv(32, 5) maxpool(2)",
        "(1, 28, 28) | conv (32, 5) | maxpool(2)",
        "input(1, 28, 28) | conv(32, 5) | nn.MaxPool2d(2)",
        "1 x 28 x 28 | conv(out=32, kernel=5) | maxpool(kernel_size=2)",
        "1x28x28\nconv(32, 5)\nmaxpool(2)",
    ],
)
def test_inline_separators_and_shapes(spec: str) -> None:
    assert convcalc.analyze(spec).output == (32, 12, 12)


def test_input_override_and_keras_input_shape() -> None:
    r = convcalc.analyze("Conv2d(3, 64, 11, stride=4, padding=2) ReLU() MaxPool2d(3, 2)", input="3x224x224")
    assert r.output == (64, 27, 27)
    k = convcalc.analyze("Conv2D(8, 3, input_shape=(28, 28, 1)) -> Flatten()", framework="keras")
    assert k.input == (28, 28, 1) and k.output == (26 * 26 * 8,)


def test_dict_spec_and_to_dict_keys() -> None:
    r = convcalc.analyze({"input": [1, 28, 28], "layers": [{"conv2d": [32, 5]}, "flatten", {"dense": 10}]})
    d = r.to_dict()
    assert list(d)[:7] == ["file", "name", "framework", "layout", "input", "output", "layers"]
    assert d["file"] == "<dict>"
    assert d["layers"][0]["weights"] == {"weight": [32, 1, 5, 5], "bias": [32]}
    assert d["totals"]["params"] == 832 + (32 * 24 * 24 + 1) * 10


def test_concrete_specs_do_not_import_sympy() -> None:
    import subprocess
    import sys

    code = ("import sys, convcalc;"
            "convcalc.analyze('1x28x28 | conv(8, 3) | maxpool(2) | flatten | dense(4)');"
            "print('sympy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ---- identical layer uses are computed once (layer_run.Memo); reuse must never change an answer

@pytest.mark.parametrize(("spec", "code", "column"), [
    # 1, 1.0 and True are equal as dict keys, not as arguments
    ("4x8x8 | conv(4, 1) | conv(4, true)", "not-whole", 30),
    ("4x8x8 | conv(4, 1) | conv(4, 1.0)", "not-whole", 30),
    ("4x8x8 | conv(4, 3, padding=1) | conv(4, 3, padding=1) | conv(4, 3, paddin=1)", "unknown-argument", 68),
])
def test_reuse_does_not_accept_what_a_fresh_run_refuses(spec: str, code: str, column: int) -> None:
    with pytest.raises(SpecError) as info:
        convcalc.analyze(spec)
    assert (info.value.code, info.value.column) == (code, column)


def test_reused_rows_equal_fresh_rows() -> None:
    repeated = convcalc.analyze("8x16x16 | " + " | ".join(["conv(8, 3, padding=1) | batchnorm | relu"] * 4))
    first, later = repeated.layers[0:3], repeated.layers[9:12]
    for a, b in zip(first, later, strict=True):
        assert (a.output, a.weights, a.macs, a.label, [s.text() for s in a.steps]) == (
            b.output, b.weights, b.macs, b.label, [s.text() for s in b.steps])
        assert a.name != b.name
    single = convcalc.analyze("8x16x16 | conv(8, 3, padding=1) | batchnorm | relu")
    assert repeated.total_params == 4 * single.total_params


def test_symbolic_uses_keep_their_constraints() -> None:
    # Same type and arguments twice, but a free kernel: not reused, both conditions count.
    result = convcalc.analyze("4x8x8 | conv(4, K) | conv(4, K)")
    assert result.valid["K"]["first"] == [1, 2, 3, 4]  # 8 - 2(K - 1) >= 1 needs K <= 4
    assert [str(d) for d in result.output] == ["4", "10 - 2*K", "10 - 2*K"]


def test_every_formula_parses() -> None:
    # Formulas are parsed on first use (start-up time); a typo must still fail a test.
    from convcalc.arith import formulas

    found = [f for f in vars(formulas).values() if isinstance(f, formulas.Formula)]
    assert len(found) > 10
    for f in found:
        assert f.symbolic(), f.name


def test_a_file_with_a_byte_order_mark_reads_as_yaml(tmp_path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes("\ufeffinput: [4]\nlayers:\n  - dense: 2\n".encode())
    result = convcalc.analyze(path)
    assert result.output == (2,) and result.layers[0].loc.line == 3
