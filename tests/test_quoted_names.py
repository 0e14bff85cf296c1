"""A one-liner's quoted text is a word, never a free name.

One-liners use names freely (``conv(8, k)`` solves for k), so ``Conv2d(3, 8, 3,
padding='full')`` read ``full`` as a size and answered ``8 x (2*full + 30) x ...`` with exit
status 0, where PyTorch refuses the padding string. A name written only inside quotes is now
refused as text at its place; written bare (anywhere in the spec) it stays free.
"""

from __future__ import annotations

import pytest

import convcalc
from convcalc import SpecError


@pytest.mark.parametrize(("spec", "name", "column"), [
    ("3x32x32 | Conv2d(3, 8, 3, padding='full')", "full", 35),
    ('3x32x32 | Conv2d(3, 8, 3, padding="k")', "k", 35),
    ("3x32x32 | conv(8, 3, padding='p + 1')", "p", 30),
    ("4 | dense('n')", "n", 11),
])
def test_a_quoted_name_is_refused_at_its_place(spec: str, name: str, column: int) -> None:
    with pytest.raises(SpecError) as e:
        convcalc.analyze(spec)
    assert e.value.code == "quoted-name" and f"'{name}' is written in quotes" in e.value.message
    assert e.value.column == column


@pytest.mark.parametrize(("spec", "free"), [
    ("3x32x32 | Conv2d(3, 8, 3, padding=k)", ("k",)),  # bare: free, as before
    ("3x32x32 | Conv2d(3, 8, 3, padding='k') | conv(8, k)", ("k",)),  # bare elsewhere: the same name
    ("3x32x32 | Conv2d(3, 8, 3, padding='same', name='H')", ()),  # quoted words that are not sizes
    ("3x32x32 | conv(8, 3, padding='valid') | relu", ()),
])
def test_quoted_words_and_bare_names_read(spec: str, free: tuple[str, ...]) -> None:
    assert convcalc.analyze(spec).free_names == free


def test_against_pytorch() -> None:
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError, match="Invalid padding string 'full'"):
        torch.nn.Conv2d(3, 8, 3, padding="full")


def test_pasted_code_too(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "model.py"
    path.write_text('import torch.nn as nn\nmodel = nn.Sequential(\n    nn.Conv2d(3, 8, 3, padding="full"),\n'
                    "    nn.ReLU(),\n)\n")
    with pytest.raises(SpecError) as e:
        convcalc.analyze(path, input="3x32x32")
    assert e.value.code == "quoted-name" and e.value.line == 3
