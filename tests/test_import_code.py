"""Pasted model code read as the framework builds it: the same code run in PyTorch or Keras agrees.

Each snippet is text convcalc reads; the test also runs it (with ``nn``/``keras``/``layers``
bound) to build the real model, and compares parameters and the output shape.
"""

from __future__ import annotations

import os

import pytest
from roundtrip import assert_round_trip

from convcalc import api
from convcalc.errors import SpecError

TORCH = [
    ("nn.Sequential(nn.Conv2d(3, 16, 3), nn.ReLU(), nn.Flatten(), nn.LazyLinear(10))", (3, 8, 8)),
    ("torch.nn.Sequential(\n    nn.Conv2d(3, 8, 3, padding=1),  # stem, (with a paren in a comment\n"
     "    nn.Sequential(nn.Conv2d(8, 8, 3, groups=2), nn.BatchNorm2d(8), nn.ReLU(inplace=True)),\n"
     "    nn.AdaptiveAvgPool2d((1, 1)),\n    nn.Flatten(),\n    nn.Linear(8, 4),\n)", (3, 16, 16)),
    ("model = nn.Sequential(OrderedDict([('conv', nn.Conv2d(1, 4, 5)), ('act', nn.Tanh()), "
     "('pool', nn.MaxPool2d(2)), ('flat', nn.Flatten()), ('fc', nn.LazyLinear(3, bias=False))]))",
     (1, 12, 12)),
]

KERAS = [
    "keras.Sequential([\n    keras.Input(shape=(28, 28, 1)),\n    layers.Conv2D(32, kernel_size=(3, 3), "
    "activation=\"relu\"),\n    layers.MaxPooling2D(pool_size=(2, 2)),\n    layers.Flatten(),\n"
    "    layers.Dropout(0.5),\n    layers.Dense(10, activation=\"softmax\"),\n], name=\"mnist\")",
    "keras.Sequential([layers.InputLayer(shape=(16,)), layers.Dense(8), "
    "keras.Sequential([layers.Dense(4), layers.BatchNormalization()]), layers.Dense(2)])",
    "keras.models.Sequential([keras.layers.Conv1D(4, 3, input_shape=(20, 2)),"
    " keras.layers.GlobalMaxPooling1D(), keras.layers.Dense(1)])",
]


@pytest.mark.parametrize(("code", "shape"), TORCH)
def test_torch_code_agrees_with_torch(code: str, shape: tuple[int, ...]) -> None:
    torch = pytest.importorskip("torch")
    from collections import OrderedDict

    model = eval(code.removeprefix("model = "), {"nn": torch.nn, "torch": torch, "OrderedDict": OrderedDict})
    y = model(torch.zeros(2, *shape))
    result = api.analyze(code, input="x".join(map(str, shape)))
    assert_round_trip(result)
    assert result.framework == "pytorch"
    assert result.total_params == sum(p.numel() for p in model.parameters())
    assert tuple(result.output) == tuple(y.shape[1:])


def test_issue_figure() -> None:
    code = "nn.Sequential(nn.Conv2d(3, 16, 3), nn.ReLU(), nn.Flatten(), nn.LazyLinear(10))"
    assert api.analyze(code, input="3x8x8").total_params == 6_218


@pytest.mark.parametrize("code", KERAS)
def test_keras_code_agrees_with_keras(code: str) -> None:
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = eval(code, {"keras": keras, "layers": keras.layers})
    result = api.analyze(code)
    assert_round_trip(result)
    assert result.framework == "keras"
    assert result.total_params == model.count_params()
    assert result.trainable_params == sum(int(w.numpy().size) for w in model.trainable_weights)
    assert tuple(result.output) == tuple(model.compute_output_shape((None, *model.input_shape[1:]))[1:])


def test_names_are_kept() -> None:
    result = api.analyze(TORCH[2][0], input="1x12x12")
    assert [r.name for r in result.layers] == ["conv", "act", "pool", "flat", "fc"]
    assert api.analyze(KERAS[0]).name == "mnist"


@pytest.mark.parametrize(("code", "code_", "column"), [
    ("nn.Sequential(nn.Conv2d(3, 16, 3), nn.ReLU()", "code-unclosed", 1),
    ("keras.Sequential([layers.Dense(3), keras.Input(shape=(4,))])", "code-input-not-first", 36),
    ("nn.Sequential()", "code-empty", 1),
    ("model = keras.Sequential([layers.Dense(3)])\nmodel.fit(x, y)", "code-trailing-text", 1),
])
def test_bad_code(code: str, code_: str, column: int) -> None:
    with pytest.raises(SpecError) as e:
        api.analyze(code, input="4")
    assert (e.value.code, e.value.column) == (code_, column)


def test_layers_separated_by_commas_without_a_wrapper() -> None:
    torch = pytest.importorskip("torch")
    code = "nn.Conv2d(3, 16, 3),\n nn.ReLU(),\n nn.Flatten(), nn.Linear(576, 10)"
    model = eval(f"nn.Sequential({code})", {"nn": torch.nn})
    params = sum(p.numel() for p in model.parameters())
    assert api.analyze(code, input="3x8x8").total_params == params == 6_218


def test_print_model_fragment_without_its_head() -> None:
    text = ("(0): Conv2d(3, 16, kernel_size=(3, 3), stride=(1, 1))\n(1): ReLU()\n"
            "(2): Flatten(start_dim=1, end_dim=-1)")
    result = api.analyze(text, input="3x8x8")
    assert result.total_params == 448 and tuple(result.output) == (576,)
    assert [r.name for r in result.layers] == ["0", "1", "2"]
