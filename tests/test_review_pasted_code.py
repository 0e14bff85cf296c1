"""Pasted code with its ``import`` lines, and ``model.add(...)`` lines (review B6).

keras.io's examples start with ``import keras`` / ``from keras import layers``; the sniffer skipped
only comment lines, so the text fell through to the inline parser ("cannot read layer '='").
``model = keras.Sequential()`` followed by ``model.add(layer)`` lines is read as Keras builds
it: each layer appended.  The truth: the same text executed by Keras or PyTorch, when installed.
"""

from __future__ import annotations

import os

import pytest

from convcalc import analyze
from convcalc.errors import SpecError
from convcalc.importers import sniff

KERAS_MNIST = '''import keras
from keras import layers

model = keras.Sequential(
    [
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(10, activation="softmax"),  # classes
    ]
)
model.summary()
'''

TORCH = '''# a small net
import torch
import torch.nn as nn
from torch.nn import (Conv2d,
                      ReLU)

model = nn.Sequential(
    nn.Conv2d(3, 16, 3),
    nn.ReLU(),
    nn.Flatten(),
    nn.Linear(16 * 6 * 6, 10),
)
'''

KERAS_ADD = '''import keras
from keras import layers

model = keras.Sequential()
model.add(keras.Input(shape=(784,)))
model.add(layers.Dense(64, activation="relu"))
model.add(layers.Dense(10))
model.summary()
'''

KERAS_NAMED_ADD = '''import keras
model = keras.Sequential(name="mlp")
model.add(keras.Input(shape=(20,)))
model.add(keras.layers.Dense(7)); model.add(keras.layers.Dense(2))
'''

KERAS_LIST_AND_ADD = '''from tensorflow import keras
model = keras.Sequential([keras.Input(shape=(12, 8)), keras.layers.LSTM(16, return_sequences=True)])
model.add(keras.layers.GRU(4))
'''


@pytest.mark.parametrize("text", [KERAS_MNIST, TORCH, KERAS_ADD, KERAS_NAMED_ADD, KERAS_LIST_AND_ADD])
def test_pasted_code_with_imports_is_code(text: str) -> None:
    assert sniff(text, "<stdin>") == "code"


def test_counts_without_frameworks() -> None:
    # Conv2d 3->16 k3: 448; Linear 576->10: 5,770
    assert analyze(TORCH, input="3x8x8").total_params == 448 + 5770
    # Dense 784->64: 50,240; 64->10: 650
    assert analyze(KERAS_ADD).total_params == 50_240 + 650
    r = analyze(KERAS_NAMED_ADD)
    assert r.name == "mlp" and r.total_params == 20 * 7 + 7 + 7 * 2 + 2
    r = analyze(KERAS_LIST_AND_ADD)
    assert r.output == (4,) and [row.name for row in r.layers] == ["lstm", "gru"]


def test_import_lines_keep_the_error_locations() -> None:
    text = KERAS_MNIST.replace("2)),\n        layers.Conv2D", "2)),\n        layers.Conv2X", 1)
    with pytest.raises(SpecError) as e:
        analyze(text)
    assert e.value.loc is not None and e.value.loc.line == 9


def test_other_statements_after_the_sequential_are_named() -> None:
    with pytest.raises(SpecError) as e:
        analyze(KERAS_ADD + "model.compile(optimizer='adam')\n")
    assert e.value.code == "code-trailing-text" and "model.compile" in e.value.message
    assert e.value.loc is not None and e.value.loc.line == 9
    with pytest.raises(SpecError) as e:  # another variable's add is not this model's
        analyze(KERAS_ADD.replace("model.add(layers.Dense(10))", "other.add(layers.Dense(10))"))
    assert e.value.code == "code-trailing-text" and "other.add" in e.value.message
    with pytest.raises(SpecError) as e:
        analyze("model = keras.Sequential()\nmodel.add(keras.layers.Dense(3), keras.layers.Dense(4))\n")
    assert e.value.code == "code-bad-syntax"


def _keras_model(text: str):
    os.environ.setdefault("KERAS_BACKEND", "torch")
    pytest.importorskip("keras")
    names: dict[str, object] = {}
    exec(text.replace("from tensorflow import keras", "import keras").replace("model.summary()", ""), names)
    return names["model"]


@pytest.mark.parametrize("text", [KERAS_MNIST, KERAS_ADD, KERAS_NAMED_ADD, KERAS_LIST_AND_ADD])
def test_keras_agrees(text: str) -> None:
    model = _keras_model(text)
    r = analyze(text)
    assert r.total_params == model.count_params()
    assert r.output == tuple(model.output_shape[1:])


def test_torch_agrees() -> None:
    torch = pytest.importorskip("torch")
    names: dict[str, object] = {}
    exec(TORCH, names)
    model = names["model"]
    r = analyze(TORCH, input="3x8x8")
    assert r.total_params == sum(p.numel() for p in model.parameters())  # type: ignore[attr-defined]
    assert r.output == tuple(model(torch.zeros(1, 3, 8, 8)).shape[1:])  # type: ignore[operator]
