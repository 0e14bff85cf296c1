"""MACs, activation memory and receptive fields, against numbers worked out by hand."""

from __future__ import annotations

import pytest
from _cli import EXAMPLES, run

import convcalc

ALEXNET = (  # torchvision.models.alexnet
    "3x224x224 | Conv2d(3, 64, 11, stride=4, padding=2) | ReLU() | MaxPool2d(3, 2)"
    " | Conv2d(64, 192, 5, padding=2) | ReLU() | MaxPool2d(3, 2)"
    " | Conv2d(192, 384, 3, padding=1) | ReLU() | Conv2d(384, 256, 3, padding=1) | ReLU()"
    " | Conv2d(256, 256, 3, padding=1) | ReLU() | MaxPool2d(3, 2) | AdaptiveAvgPool2d(6)"
    " | flatten | Dropout() | Linear(9216, 4096) | ReLU() | Dropout() | Linear(4096, 4096) | ReLU()"
    " | Linear(4096, 1000)"
)


def _by_type(result: convcalc.Result, prefix: str) -> list[convcalc.LayerResult]:
    return [layer for layer in result.layers if layer.type.startswith(prefix)]


def test_lenet5_macs_and_receptive_fields() -> None:
    r = convcalc.analyze(EXAMPLES / "lenet5.yaml")
    # MACs = kernel positions · c_in/groups · c_out · output positions; dense: in · out.
    expected_macs = {
        "c1": 5 * 5 * 1 * 6 * 28 * 28,  # 117,600
        "c3": 5 * 5 * 6 * 16 * 10 * 10,  # 240,000
        "f5": 400 * 120,  # 48,000
        "f6": 120 * 84,  # 10,080
        "output": 84 * 10,  # 840
    }
    assert {n: r.layer(n).macs for n in expected_macs} == expected_macs
    assert r.total_macs == 416_520  # pooling and tanh count no MACs
    # rf → rf + (k − 1)·jump, jump → jump·s: c1 5/1, s2 6/2, c3 6+4·2 = 14/2, s4 14+1·2 = 16/4
    fields = {n: r.layer(n).to_dict() for n in ("c1", "tanh_1", "s2", "c3", "s4", "flatten_1")}
    rf = {n: (d["receptive_field"], d["effective_stride"]) for n, d in fields.items()}
    assert rf == {
        "c1": ([5, 5], [1, 1]),
        "tanh_1": ([5, 5], [1, 1]),
        "s2": ([6, 6], [2, 2]),
        "c3": ([14, 14], [2, 2]),
        "s4": ([16, 16], [4, 4]),
        "flatten_1": (None, None),
    }


def test_alexnet_macs_match_torchvision() -> None:
    r = convcalc.analyze(ALEXNET)
    convs = [layer.macs for layer in _by_type(r, "conv")]
    # 11·11·3·64·55² ; 5·5·64·192·27² ; 3·3·192·384·13² ; 3·3·384·256·13² ; 3·3·256·256·13²
    assert convs == [70_276_800, 223_948_800, 112_140_288, 149_520_384, 99_680_256]
    dense = [layer.macs for layer in _by_type(r, "dense")]
    assert dense == [9216 * 4096, 4096 * 4096, 4096 * 1000]
    # 655,566,528 in the convolutions + 58,621,952 in the classifier: torchvision's 0.71 GFLOPS
    # (its "FLOPs" are multiply-accumulates), i.e. about 1.43 G floating-point operations.
    assert r.total_macs == 714_188_480
    # Receptive field: conv1 11/4, pool 19/8, conv2 51/8, pool 67/16, conv3-5 99, 131, 163 /16,
    # pool 195/32; the adaptive pool keeps 6×6, so it passes the field through.
    rfs = [(d["receptive_field"], d["effective_stride"])
           for d in (layer.to_dict() for layer in r.layers) if d["receptive_field"] is not None]
    convs_and_pools = [(rf[0], js[0]) for rf, js in rfs]
    assert convs_and_pools == [
        (11, 4), (11, 4), (19, 8), (51, 8), (51, 8), (67, 16), (99, 16), (99, 16),
        (131, 16), (131, 16), (163, 16), (163, 16), (195, 32), (195, 32),
    ]


def test_issue_example_conv5_pool2_conv3_pool2() -> None:
    r = convcalc.analyze("1x28x28 | conv(32,5) | maxpool(2) | conv(32,3) | maxpool(2)")
    last = r.layers[-1].to_dict()
    assert (last["receptive_field"], last["effective_stride"]) == ([12, 12], [4, 4])


BRANCHES = {
    "input": [1, 32, 32],
    "layers": [
        {"conv2d": {"name": "a", "out": 4, "kernel": 3, "stride": 2, "padding": 1}},  # 3 / 2
        {"maxpool2d": {"name": "p", "kernel": 2, "from": "input"}},  # 2 / 2
        {"conv2d": {"name": "b", "out": 4, "kernel": 3, "padding": 1}},  # 2 + 2·2 = 6 / 2
        {"add": {"name": "sum", "from": ["a", "b"]}},  # the largest: 6 / 2
        {"conv2d": {"name": "c", "out": 4, "kernel": [1, 3], "dilation": [1, 2], "padding": [0, 2]}},
    ],
}


def test_receptive_field_through_branches_takes_the_largest() -> None:
    r = convcalc.analyze(BRANCHES)
    rf = {layer.name: (layer.to_dict()["receptive_field"], layer.to_dict()["effective_stride"])
          for layer in r.layers}
    assert rf["a"] == ([3, 3], [2, 2])
    assert rf["b"] == ([6, 6], [2, 2])
    assert rf["sum"] == ([6, 6], [2, 2])
    # c: 1 on H, a dilated 3 (effective 5) on W: 6 + 4·2 = 14
    assert rf["c"] == ([6, 14], [2, 2])


@pytest.mark.parametrize(
    ("spec", "framework", "macs"),
    [
        pytest.param("8x10x10 | conv(16, 3, groups=4)", "pytorch", 3 * 3 * 2 * 16 * 8 * 8,
                     id="grouped-conv"),
        pytest.param("5x7x20 | dense(3)", "pytorch", 20 * 3 * 5 * 7, id="dense-leading-positions"),
        # counted over the INPUT positions: each input pixel scatters a k·k·c_out patch
        pytest.param("3x8x8 | conv_transpose(4, 3, 2)", "pytorch", 3 * 3 * 3 * 4 * 8 * 8,
                     id="transposed-over-input"),
        pytest.param("8x8x3 | Conv2DTranspose(4, 3, strides=2, padding=same)", "keras",
                     3 * 3 * 3 * 4 * 8 * 8, id="keras-transposed"),
        pytest.param("28x28x1 | Conv2D(8, 3, strides=2, padding=same)", "keras",
                     3 * 3 * 1 * 8 * 14 * 14, id="keras-same"),
        pytest.param("16x8x8 | batchnorm2d", "pytorch", 0, id="batchnorm"),
        pytest.param("4x9x9 | maxpool(2)", "pytorch", 0, id="pooling"),
    ],
)
def test_macs_convention(spec: str, framework: str, macs: int) -> None:
    assert convcalc.analyze(spec, framework=framework).total_macs == macs


def test_memory_is_output_activations_in_float32() -> None:
    r = convcalc.analyze(EXAMPLES / "lenet5.yaml")
    c1 = r.layer("c1").to_dict()["memory"]
    assert c1 == {"elements": 6 * 28 * 28, "bytes": 4 * 6 * 28 * 28}
    # outputs: 4704 ×2 (c1, tanh) + 1176 + 1600 ×2 + 400 ×2 (s4, flatten) + 120 ×2 + 84 ×2 + 10
    assert r.to_dict()["totals"]["memory"] == {"elements": 15_002, "bytes": 60_008}


def test_symbolic_sizes_keep_numeric_receptive_fields() -> None:
    d = convcalc.analyze("3xHxW | conv(8, 3, 2) | conv(8, 3)").to_dict()
    assert d["layers"][1]["receptive_field"] == [7, 7]
    # the memory is the product of the symbolic output sizes, each written as in the shape
    assert d["layers"][1]["output"] == [8, "ceiling(H/2) - 3", "ceiling(W/2) - 3"]
    assert d["layers"][1]["memory"]["elements"] == "8*(ceiling(H/2) - 3)*(ceiling(W/2) - 3)"


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        ("macs", ["117,600", "240,000", "Total MACs (FLOPs ~ 2*MACs): 416,520"]),
        ("memory", ["4,704 (18.82 kB)", "Activations, forward pass (float32): 15,002 (60.01 kB)"]),
        ("rf", ["5x5 /1x1", "16x16 /4x4"]),
    ],
)
def test_columns_in_plain(columns: str, expected: list[str]) -> None:
    r = run("-f", "plain", "-c", f"shape,{columns}", "examples/lenet5.yaml")
    assert r.status == 0
    for text in expected:
        assert text in r.out


def test_batch_scales_activations_and_macs_not_params() -> None:
    one = run("-f", "plain", "-c", "memory,macs,params", "examples/lenet5.yaml")
    r = run("-f", "plain", "--batch", "32", "-c", "memory,macs,params", "examples/lenet5.yaml")
    assert f"{4704 * 32:,} (" in r.out and f"{4704:,} (" in one.out  # c1's activations: 6×28×28
    macs = convcalc.analyze("examples/lenet5.yaml").total_macs
    assert f"MACs (FLOPs ~ 2*MACs): {macs * 32:,}" in r.out and f"2*MACs): {macs:,}" in one.out
    assert "Total params: 61,706" in r.out  # the weights are shared by the batch


@pytest.mark.parametrize(
    ("example", "last_rf", "jump", "macs"),
    [
        # the same network as ALEXNET above, written with blocks
        pytest.param("alexnet.yaml", 195, 32, 714_188_480, id="alexnet"),
        # ResNet-18's well-known receptive field 435 (stride 32); fvcore counts 1.814 G MACs
        pytest.param("resnet18.yaml", 435, 32, 1_814_073_344, id="resnet18"),
        # VGG-16: 13 3×3 convs and 5 pools give 212 / 32; torchvision lists 15.47 GFLOPS (MACs)
        pytest.param("vgg16.yaml", 212, 32, 15_470_264_320, id="vgg16"),
    ],
)
def test_examples_through_blocks(example: str, last_rf: int, jump: int, macs: int) -> None:
    path = EXAMPLES / example
    if not path.exists():
        pytest.skip(f"{example} is not in examples/")
    r = convcalc.analyze(path)
    fields = [d for d in (layer.to_dict() for layer in r.layers) if d["receptive_field"]]
    assert (fields[-1]["receptive_field"], fields[-1]["effective_stride"]) == (
        [last_rf, last_rf], [jump, jump])
    assert r.total_macs == macs
