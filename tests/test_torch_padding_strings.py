"""PyTorch's padding strings are 'valid' and 'same', compared as written.

``nn.Conv1d(3, 8, 3, padding='causal')`` and ``padding='Same'`` raise in PyTorch ("Invalid padding
string"), and its pools take sizes only; convcalc accepted them with exit status 0. Keras
lower-cases the string, and convcalc's own names take any case and `causal`.
"""

from __future__ import annotations

import pytest

import convcalc
from convcalc import SpecError

REFUSED = [
    ("3x8", "Conv1d(3, 8, 3, padding='causal')"),
    ("3x8x8", "Conv2d(3, 8, 3, padding='Same')"),
    ("3x8x8", "Conv2d(3, 8, 3, padding='VALID')"),
    ("3x8x8", "MaxPool2d(2, padding='valid')"),
    ("3x8x8", "AvgPool2d(2, padding='same')"),
]
READ = [
    ("3x8", "Conv1d(3, 8, 3, padding='same')", (8, 8)),
    ("3x8x8", "Conv2d(3, 8, 3, padding='valid')", (8, 6, 6)),
    ("3x8", "conv1d(8, 3, padding=causal)", (8, 8)),  # convcalc's own name: Keras's causal rule
    ("3x8x8", "conv(8, 3, padding=Same)", (8, 8, 8)),
    ("3x8x8", "maxpool(2, padding=valid)", (3, 4, 4)),
]


@pytest.mark.parametrize(("shape", "layer"), REFUSED)
def test_refused_as_pytorch_refuses(shape: str, layer: str) -> None:
    with pytest.raises(SpecError) as e:
        convcalc.analyze(f"{shape} | {layer}")
    assert e.value.code == "bad-padding" and e.value.column is not None


@pytest.mark.parametrize(("shape", "layer", "out"), READ)
def test_read(shape: str, layer: str, out: tuple[int, ...]) -> None:
    assert convcalc.analyze(f"{shape} | {layer}").output == out


def test_keras_takes_any_case() -> None:
    r = convcalc.analyze("8x8x3 | Conv2D(8, 3, padding='SAME')", framework="keras")
    assert r.output == (8, 8, 8)


@pytest.mark.parametrize(("shape", "layer"), REFUSED)
def test_pytorch_refuses_them(shape: str, layer: str) -> None:
    torch = pytest.importorskip("torch")
    sample = torch.zeros(1, *(int(n) for n in shape.split("x")))
    with pytest.raises((ValueError, TypeError)):
        eval(f"torch.nn.{layer}", {"torch": torch})(sample)
