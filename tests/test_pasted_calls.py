"""Layers as users paste them (issue 12, item 7): what the frameworks accept, convcalc accepts with
their numbers; what they refuse, convcalc refuses, each with its own error code.

The numbers come from running PyTorch 2.13 and Keras 3.15; tests/test_signatures_oracle.py and the
differential harness (tests/oracle_gen_pasted.py) check the same against the installed frameworks.
These tests need neither.
"""

from __future__ import annotations

from typing import Any

import pytest

import convcalc
from convcalc import SpecError


def run(framework: str, shape: list[int], *layers: str) -> Any:
    return convcalc.analyze({"framework": framework, "input": shape, "layers": list(layers)})


def out(framework: str, shape: list[int], *layers: str) -> tuple[Any, ...]:
    return tuple(run(framework, shape, *layers).layers[-1].output)


def refused(framework: str, shape: list[int], layer: str, code: str, *words: str) -> None:
    with pytest.raises(SpecError) as info:
        run(framework, shape, layer)
    assert info.value.code == code, str(info.value)
    for word in words:
        assert word in str(info.value)


# ---------------------------------------------------------------- accepted, with the frameworks' numbers

ACCEPTED = [
    # Keras 3's MaxPooling*D default to pool_size 2
    ("keras", [8, 8, 3], "MaxPooling2D()", (4, 4, 3), 0),
    ("keras", [8, 3], "MaxPooling1D()", (4, 3), 0),
    ("keras", [8, 8, 8, 3], "MaxPool3D()", (4, 4, 4, 3), 0),
    # PyTorch's Lazy classes: no in_features / in_channels / num_features
    ("pytorch", [3, 8], "LazyLinear(8)", (3, 8), 72),
    ("pytorch", [3, 8, 8], "LazyConv2d(8, 3)", (8, 6, 6), 224),
    ("pytorch", [3, 8, 8], "LazyConvTranspose2d(8, 3, 2, 1, 1)", (8, 16, 16), 224),
    ("pytorch", [3, 8, 8], "LazyBatchNorm2d()", (3, 8, 8), 6),
    ("pytorch", [3, 8, 8], "LazyInstanceNorm2d()", (3, 8, 8), 6),  # affine=True for the Lazy ones
    ("pytorch", [3, 8, 8], "InstanceNorm2d(3)", (3, 8, 8), 0),
    ("pytorch", [3, 8, 8], "AdaptiveMaxPool2d(2, return_indices=True)", (3, 2, 2), 0),
    # PyTorch's pads: a flat tuple, last axis first, as many trailing axes as it has pairs
    ("pytorch", [3, 5, 7], "ZeroPad2d((1, 2))", (3, 5, 10), 0),
    ("pytorch", [3, 5, 7], "ZeroPad2d((1, 2, 3, 4))", (3, 12, 10), 0),
    ("pytorch", [3, 4, 5, 7], "ZeroPad2d(1)", (3, 4, 7, 9), 0),
    ("pytorch", [3, 4, 5, 7], "ZeroPad2d((1, 2, 3, 4))", (3, 4, 12, 10), 0),
    ("pytorch", [3, 5, 7], "ZeroPad1d((1, 2))", (3, 5, 10), 0),
    ("pytorch", [3, 5, 7], "ZeroPad2d((-1, -2, 0, 0))", (3, 5, 4), 0),
    ("pytorch", [3, 5, 7], "ConstantPad2d((1, 2), 0.5)", (3, 5, 10), 0),
    ("pytorch", [3, 5, 7], "ReflectionPad2d(4)", (3, 13, 15), 0),
    ("pytorch", [3, 5, 7], "ReplicationPad2d((6, 0, 0, 0))", (3, 5, 13), 0),
    ("pytorch", [3, 5, 7], "CircularPad2d((7, 0, 0, 0))", (3, 5, 14), 0),
    # convcalc's own zeropad2d stays per axis (SPEC §2)
    ("pytorch", [3, 5, 7], "zeropad2d([1, 2])", (3, 7, 11), 0),
    # positional arguments of activations and dropout
    ("pytorch", [3, 5, 7], "ReLU(True)", (3, 5, 7), 0),
    ("pytorch", [3, 5, 7], "LeakyReLU(0.2, True)", (3, 5, 7), 0),
    ("pytorch", [3, 5, 7], "Dropout(0.5, False)", (3, 5, 7), 0),
    ("pytorch", [3, 5, 7], "Softplus(beta=2)", (3, 5, 7), 0),
    ("pytorch", [3, 5, 7], "Softplus(2, -100)", (3, 5, 7), 0),
    ("pytorch", [3, 5, 7], "Hardtanh(-2.0, 2.0, True)", (3, 5, 7), 0),
    ("pytorch", [3, 5, 7], "Identity(54, unused=1)", (3, 5, 7), 0),  # takes anything
    ("pytorch", [3, 5, 7], "PReLU(3, 0.1)", (3, 5, 7), 3),
    ("keras", [5, 7, 3], "ReLU(max_value=6.0)", (5, 7, 3), 0),
    ("keras", [5, 7, 3], "ReLU(6.0, 0.1, 0.5)", (5, 7, 3), 0),
    # PyTorch 2.13's keyword-only bias on the normalizations
    ("pytorch", [3, 5, 7], "BatchNorm2d(3, bias=False)", (3, 5, 7), 3),
    ("pytorch", [3, 5, 7], "BatchNorm2d(3, 1e-5, 0.1, False, bias=False)", (3, 5, 7), 0),
    ("pytorch", [4, 5, 7], "GroupNorm(2, 4, bias=False)", (4, 5, 7), 4),
    ("pytorch", [3, 5, 7], "InstanceNorm2d(3, affine=True, bias=False)", (3, 5, 7), 3),
    ("pytorch", [3, 5, 7], "LazyBatchNorm2d(bias=False)", (3, 5, 7), 3),
    # padding_mode is Conv2d's 9th positional argument
    ("pytorch", [3, 5, 7], "Conv2d(3, 4, 3, 1, 1, 1, 1, True, 'reflect')", (4, 5, 7), 112),
    ("pytorch", [3, 5, 7], "UpsamplingNearest2d(scale_factor=2)", (3, 10, 14), 0),
    ("pytorch", [3, 5], "UpsamplingNearest2d(None, 3)", (3, 15), 0),  # any rank, like Upsample
    ("pytorch", [3, 5, 7], "UpsamplingBilinear2d((4, 6))", (3, 4, 6), 0),
    ("pytorch", [3, 5, 7], "Upsample(None, 2, 'bilinear', True)", (3, 10, 14), 0),
    ("pytorch", [3], "Embedding(10, 4, padding_idx=-10)", (3, 4), 40),
    ("pytorch", [3], "Embedding(10, 4, 9)", (3, 4), 40),
    # Keras's padding forms: a pair and a size may mix; one negative int crops (2D/3D only)
    ("keras", [5, 5, 3], "ZeroPadding2D(((1, 2), 3))", (8, 11, 3), 0),
    ("keras", [5, 5, 3], "ZeroPadding2D(-1)", (3, 3, 3), 0),
    ("keras", [5, 3], "Cropping1D(2)", (1, 3), 0),
    ("keras", [5, 3], "Cropping1D()", (3, 3), 0),
    # PyTorch's pools take one value for every axis; its convolutions take it for all but the kernel
    ("pytorch", [3, 8, 8], "MaxPool2d([2])", (3, 4, 4), 0),
    ("pytorch", [3, 8, 8], "Conv2d(3, 4, 3, stride=[2])", (4, 3, 3), 112),
    ("keras", [8, 3], "Conv1D(4, [3])", (6, 4), 40),
    # the arguments' other names (SPEC §2) on a class that has the argument
    ("pytorch", [3, 8, 8], "Conv2d(in_channels=3, filters=8, k=3)", (8, 6, 6), 224),
]


@pytest.mark.parametrize(("framework", "shape", "layer", "want", "params"), ACCEPTED)
def test_accepted_as_the_framework(framework: str, shape: list[int], layer: str, want: Any,
                                   params: Any) -> None:
    result = run(framework, shape, layer)
    if want is not None:
        assert tuple(result.layers[-1].output) == want
    if params is not None:
        assert result.total_params == params


def test_lazy_conv1d_reads_its_channels() -> None:
    assert out("pytorch", [3, 9], "LazyConv1d(4, 3, 2)") == (4, 4)


def test_batchnorm_bias_false_keeps_the_weight() -> None:
    (weights,) = [layer.weights for layer in run("pytorch", [3, 5, 7], "BatchNorm2d(3, bias=False)").layers]
    assert [(w.name, tuple(w.shape)) for w in weights] == [("weight", (3,))]


def test_scalar_input_for_element_wise_layers() -> None:
    """``input: []`` is a 0-d tensor, which PyTorch's element-wise layers take."""
    result = run("pytorch", [], "ReLU(True)", "Dropout(0.5)", "GELU()", "Softmax(0)", "PReLU()")
    assert [tuple(layer.output) for layer in result.layers] == [()] * 5
    assert result.total_params == 1
    assert out("keras", [], "ReLU()", "LeakyReLU(0.2)") == ()


# ---------------------------------------------------------------- refused, as the framework refuses

REFUSED = [
    ("keras", [8, 8, 3], "AveragePooling2D()", "missing-argument", "needs the argument `kernel`"),
    ("keras", [8, 8, 3], "Dropout()", "missing-argument", "needs the argument `rate`"),
    ("pytorch", [3, 8, 8], "LazyConv2d(8, 3, in_channels=3)", "unknown-argument", "LazyConv2d has no"),
    ("pytorch", [3, 8], "LazyLinear(3, 8)", "not-boolean", "bias"),
    ("pytorch", [3, 8, 8], "AdaptiveAvgPool2d(2, return_indices=True)", "unknown-argument", "return_indices"),
    ("pytorch", [3, 8, 8], "AdaptiveAvgPool2d(2, True)", "too-many-arguments", "AdaptiveAvgPool2d"),
    ("pytorch", [3, 5], "Embedding(10, 4, padding_idx=10)", "bad-argument", "padding_idx 10"),
    ("pytorch", [3, 5], "Embedding(10, 4, padding_idx=-11)", "bad-argument", "padding_idx -11"),
    ("pytorch", [3, 5], "Upsample(scale_factor=2, mode='bilinear')", "wrong-rank", "bilinear"),
    ("pytorch", [3, 5, 5], "Upsample(scale_factor=2, mode='nearest', align_corners=True)",
     "conflicting-arguments", "nearest"),
    ("pytorch", [3, 5, 5], "Upsample(scale_factor=2, mode='area', align_corners=False)",
     "conflicting-arguments", "area"),
    ("pytorch", [3, 5, 5], "Upsample(scale_factor=2, mode='cubic')", "bad-choice", "cubic"),
    ("pytorch", [3, 5, 5, 5], "UpsamplingBilinear2d(scale_factor=2)", "wrong-rank", "4 axes"),
    ("pytorch", [3, 5, 5], "Upsample(size=[4])", "wrong-axis-count", "1 values"),
    ("pytorch", [3, 5], "AvgPool1d(2, divisor_override=2)", "unknown-argument", "divisor_override"),
    ("pytorch", [3, 5, 5], "AvgPool2d(2, divisor_override=0)", "bad-argument", "0"),
    ("keras", [5, 3], "LeakyReLU(negative_slope=-0.1)", "bad-argument", "-0.1"),
    ("keras", [5, 3], "ReLU(-1.0)", "bad-argument", "max_value"),
    ("keras", [5, 5, 3], "ZeroPadding2D([1])", "bad-padding", "[1]"),
    ("keras", [5, 5, 3], "ZeroPadding2D((1, 2, 3, 4))", "bad-padding", "[1, 2, 3, 4]"),
    ("keras", [5, 3], "Cropping1D([1])", "bad-padding", "[1]"),
    ("keras", [5, 5, 3], "ZeroPadding2D(((1, 2), (3, -4)))", "negative-value", "-4"),
    ("keras", [5, 3], "ZeroPadding1D(-1)", "negative-value", "-1"),
    ("keras", [5, 5, 3], "Cropping2D(-1)", "negative-value", "-1"),
    ("keras", [8, 8, 3], "Conv2D(4, [3])", "wrong-axis-count", "Conv2D"),
    ("keras", [8, 8, 3], "MaxPooling2D([2])", "wrong-axis-count", "MaxPooling2D"),
    ("keras", [8, 3], "UpSampling1D([2])", "wrong-axis-count", "UpSampling1D"),
    ("pytorch", [3, 8, 8], "Conv2d(3, 4, [3])", "wrong-axis-count", "Conv2d"),
    ("pytorch", [4, 3], "RNN(3, 5, bias='True')", "not-boolean", "'True'"),
    ("pytorch", [4, 3], "LSTM(3, 5, 1, 'False')", "not-boolean", "'False'"),
    ("pytorch", [3, 8, 8], "Conv2d(3, 8, 3, data_format='channels_first')", "unknown-argument",
     "data_format"),
    ("pytorch", [3, 8, 8], "ReLU(inplace=True, negative_slope=0.1)", "unknown-argument", "negative_slope"),
    ("pytorch", [3, 8, 8], "ReLU(True, inplace=True)", "duplicate-argument", "inplace"),
    ("pytorch", [3, 8, 8], "Sigmoid(1)", "too-many-arguments", "Sigmoid"),
    ("pytorch", [3, 8, 8], "Conv2d(3, 8, Kernel_size=3)", "unknown-argument", "kernel_size"),
    ("keras", [8, 3], "SpatialDropout1D(0.5, noise_shape=None)", "unknown-argument", "noise_shape"),
    ("pytorch", [3, 5, 7], "ZeroPad2d((1, 2, 3))", "bad-padding", "divisible by 2"),
    ("pytorch", [5, 7], "ZeroPad3d(1)", "batch-axis", "batch axis"),
    ("pytorch", [3, 5, 7], "ReflectionPad2d(5)", "bad-padding", "smaller than"),
    ("pytorch", [3, 5, 7], "CircularPad2d((8, 0, 0, 0))", "bad-padding", "at most"),
    ("pytorch", [3, 5, 5, 5], "ReflectionPad2d(1)", "wrong-rank", "2 or 3 axes"),
    ("keras", [5, 5, 3], "ZeroPad2d(1)", "layout-mismatch", "channels_last"),
    ("pytorch", [], "Dropout2d()", "scalar-input", "0-d"),
    ("pytorch", [], "Linear(1, 3)", "scalar-input", "0-d"),
    ("pytorch", [], "PReLU(3)", "scalar-input", "0-d"),
]


@pytest.mark.parametrize(("framework", "shape", "layer", "code", "words"),
                         [pytest.param(*r[:4], r[4:], id=r[2]) for r in REFUSED])
def test_refused_as_the_framework(framework: str, shape: list[int], layer: str, code: str,
                                  words: tuple[str, ...]) -> None:
    refused(framework, shape, layer, code, *words)


@pytest.mark.parametrize("cls", ["LSTM", "GRU", "SimpleRNN"])
def test_keras_return_state_returns_the_states(cls: str) -> None:
    """Keras returns the output and the states as separate tensors: several outputs (issue 14)."""
    r = convcalc.analyze({"framework": "keras", "input": [4, 3], "layers": [f"{cls}(5, return_state=True)"]})
    assert r.layers[0].parts == ((5,),) * (3 if cls == "LSTM" else 2)
    assert out("keras", [4, 3], f"{cls}(5, return_state=False)") == (5,)


def test_dropout2d_refuses_a_scalar_when_training() -> None:
    """PyTorch's feature dropout needs feature axes; in training mode it refuses a 0-d input."""
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        torch.nn.Dropout2d().train()(torch.tensor(1.0))
    refused("pytorch", [], "Dropout2d()", "scalar-input")
