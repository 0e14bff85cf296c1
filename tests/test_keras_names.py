"""Issue 12 item 8: with framework keras, default layer names are Keras's own.

The Keras class name in snake case with Keras's counters (``conv2d``, ``conv2d_1``,
``max_pooling2d``, ``batch_normalization``), whatever spelling the spec used, so
that ``expect: layers:`` keys match ``model.summary()``.  PyTorch keeps
``<type>_<n>``.  Checked against models built with the installed Keras.
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any

import pytest
from _cli import EXAMPLES, run

import convcalc
from convcalc.layers.registry import _KERAS, KERAS_ALIASES, keras_auto_name

os.environ.setdefault("KERAS_BACKEND", "torch")

import oracle
from oracle import LayerCfg


def names(spec: Any, **kw: Any) -> list[str]:
    return [layer.name for layer in convcalc.analyze(spec, **kw).layers]


# ---- without Keras: the rule and its numbers


def test_keras_names_whatever_the_spelling() -> None:
    keras_spelled = ("28x28x1 | Conv2D(8, 3) | Conv2D(8, 3) | MaxPooling2D(2) | BatchNormalization() "
                     "| Flatten | Dense(10)")
    convcalc_spelled = "28x28x1 | conv(8, 3) | conv2d(8, 3) | maxpool2d(2) | batchnorm | flatten | dense(10)"
    expected = ["conv2d", "conv2d_1", "max_pooling2d", "batch_normalization", "flatten", "dense"]
    assert names(keras_spelled) == expected  # inferred keras
    assert names(convcalc_spelled, framework="keras") == expected
    torch_spelled = "28x28x1 | Conv2d(1, 8, 3) | MaxPool2d(2) | Flatten | Linear(1352, 4)"
    assert names(torch_spelled, framework="keras") == ["conv2d", "max_pooling2d", "flatten", "dense"]


def test_aliases_are_named_after_their_class() -> None:
    # keras.layers.MaxPool2D is MaxPooling2D, Convolution2D is Conv2D, GlobalAvgPool1D is ...Pooling1D
    assert names("8x8x3 | MaxPool2D(2) | Convolution2D(4, 1) | GlobalAvgPool2D") == [
        "max_pooling2d", "conv2d", "global_average_pooling2d"]


def test_pytorch_keeps_type_and_number() -> None:
    assert names("3x28x28 | conv(8, 3) | conv(8, 3) | maxpool(2) | flatten | dense(10)") == [
        "conv2d_1", "conv2d_2", "maxpool2d_1", "flatten_1", "dense_1"]


def test_a_named_layer_takes_no_number_in_keras() -> None:
    spec = {"framework": "keras", "input": [8, 8, 3],
            "layers": [{"Conv2D": {"filters": 4, "kernel_size": 1, "name": "stem"}},
                       {"Conv2D": [4, 1]}, {"Conv2D": [4, 1]}]}
    assert names(spec) == ["stem", "conv2d", "conv2d_1"]


def test_types_keras_has_no_class_for_keep_convcalc_names() -> None:
    assert names("8x8x3 | gelu | Conv2D(4, 1) | gelu") == ["gelu_1", "conv2d", "gelu_2"]


def test_examples_expect_keras_names() -> None:
    for example in ("keras_conv_stack.yaml", "text_cnn.yaml"):
        r = run(str(EXAMPLES / example), "-f", "plain")
        assert r.status == 0, r.out + r.err
    r = convcalc.analyze(str(EXAMPLES / "text_cnn.yaml"))
    assert [layer.name for layer in r.layers] == [
        "embedding", "conv1d", "max_pooling1d", "conv1d_1", "global_max_pooling1d", "dense"]
    assert r.expect.ok and r.expect.checked == 5


def test_errors_name_the_layer_as_the_table_would() -> None:
    with pytest.raises(convcalc.SpecError) as e:
        convcalc.analyze("8x8x3 | Conv2D(4, 1) | Conv2D(4, 9)")
    assert e.value.layer is not None and e.value.layer.name == "conv2d_1"


# ---- against Keras itself


def keras_names(input_shape: tuple[int, ...], layers: list[LayerCfg]) -> list[str]:
    keras = pytest.importorskip("keras")
    keras.backend.clear_session(free_memory=False)  # Keras's name counters start again
    model = keras.Sequential([keras.Input(shape=input_shape), *(oracle.build_keras(lay) for lay in layers)])
    return [layer.name for layer in model.layers]


def cc_names(input_shape: tuple[int, ...], layers: list[LayerCfg], spelling: str) -> list[str]:
    layers = [replace(lay, spelling=spelling) for lay in layers]
    return names({"framework": "keras", "input": list(input_shape),
                  "layers": [oracle.layer_entry(x) for x in layers]})


def _L(cls: str, cc: str | None = None, **kw: Any) -> LayerCfg:
    return LayerCfg(cls, kw, cc)


NETWORKS = {
    "conv-stack": ((28, 28, 1), [
        _L("Conv2D", "conv2d", filters=8, kernel_size=3), _L("Conv2D", "conv2d", filters=8, kernel_size=3),
        _L("MaxPooling2D", "maxpool2d", pool_size=2), _L("BatchNormalization", "batchnorm"),
        _L("Flatten", "flatten"), _L("Dense", "dense", units=16), _L("Dropout", "dropout", rate=0.5),
        _L("Dense", "dense", units=10)]),
    "aliases": ((16, 16, 3), [
        _L("Convolution2D", filters=4, kernel_size=3), _L("MaxPool2D", pool_size=2),
        _L("AvgPool2D", pool_size=2), _L("GlobalAvgPool2D")]),
    "text": ((40, 8), [
        _L("Conv1D", "conv1d", filters=8, kernel_size=3), _L("MaxPool1D", "maxpool1d", pool_size=2),
        _L("Conv1D", "conv1d", filters=8, kernel_size=3), _L("GlobalMaxPooling1D", "global_maxpool1d"),
        _L("Dense", "dense", units=4)]),
    "activations": ((6, 6, 3), [
        _L("ReLU", "relu"), _L("PReLU", "prelu"), _L("LeakyReLU", "leakyrelu"), _L("ELU", "elu"),
        _L("Softmax", "softmax"), _L("ReLU", "relu")]),
    "convolutions": ((12, 12, 3), [
        _L("SeparableConv2D", "separable_conv2d", filters=4, kernel_size=3),
        _L("DepthwiseConv2D", "depthwise_conv2d", kernel_size=3),
        _L("Conv2DTranspose", "conv_transpose2d", filters=4, kernel_size=3),
        _L("UpSampling2D", "upsample2d", size=2), _L("ZeroPadding2D", "zeropad2d", padding=1),
        _L("Cropping2D", "cropping2d", cropping=1)]),
    "recurrent": ((10, 6), [
        _L("LSTM", units=4, return_sequences=True), _L("GRU", units=4, return_sequences=True),
        _L("SimpleRNN", units=4, return_sequences=True), _L("LSTM", units=4)]),
    "wrapped-first": ((5, 6), [
        _L("TimeDistributed", layer=_L("Dense", units=3)), _L("Dense", units=2),
        _L("Bidirectional", layer=_L("LSTM", units=4, return_sequences=True)), _L("LSTM", units=2)]),
}


@pytest.mark.parametrize("net", list(NETWORKS))
def test_names_equal_keras(net: str) -> None:
    shape, layers = NETWORKS[net]
    expected = keras_names(shape, layers)
    assert cc_names(shape, layers, "native") == expected
    if all(lay.cc_type for lay in layers):  # the same network in convcalc's own names
        assert cc_names(shape, layers, "convcalc") == expected


def test_every_keras_class_name_is_named_as_keras_names_it() -> None:
    keras = pytest.importorskip("keras")
    from keras.src.utils.naming import to_snake_case

    checked = 0
    for name in _KERAS:
        cls = getattr(keras.layers, name, None)
        if cls is None:
            continue
        assert keras_auto_name(KERAS_ALIASES.get(name, name)) == to_snake_case(cls.__name__), name
        checked += 1
    assert checked >= 80


def test_graph_names_equal_keras() -> None:
    keras = pytest.importorskip("keras")
    keras.backend.clear_session(free_memory=False)
    x = keras.Input(shape=(8, 8, 3))
    a = keras.layers.Conv2D(4, 1)(x)
    b = keras.layers.Conv2D(4, 1)(x)
    c = keras.layers.Add()([a, b])
    d = keras.layers.Concatenate()([c, a])
    e = keras.layers.Add()([d, d])
    model = keras.Model(x, e)
    expected = [layer.name for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    spec = {"framework": "keras", "input": [8, 8, 3], "layers": [
        {"Conv2D": [4, 1]},
        {"Conv2D": [4, 1], "from": "input"},
        {"Add": None, "from": [-2, -1]},
        {"Concatenate": None, "from": [-1, 1]},
        {"add": None, "from": [-1, -1]},
    ]}
    assert names(spec) == expected == ["conv2d", "conv2d_1", "add", "concatenate", "add_1"]
