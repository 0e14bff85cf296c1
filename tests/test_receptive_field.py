"""Receptive fields through padding and cropping (they only shift the grid) and upsampling (it ends them)."""

from __future__ import annotations

from typing import Any

import pytest

import convcalc
from convcalc.engine.receptive_field import Field


def fields(spec: str) -> list[Any]:
    result = convcalc.analyze(spec)
    return [None if layer.receptive_field is None else Field(layer.receptive_field, layer.effective_stride)
            for layer in result.layers]


@pytest.mark.parametrize(("padded", "plain"), [
    ("3x32x32 | conv(8, 3) | zeropad2d(1) | conv(8, 3, stride=2) | cropping2d(1) | conv(8, 3)",
     "3x32x32 | conv(8, 3) | conv(8, 3, stride=2, padding=1) | conv(8, 3)"),
    ("3x20 | conv1d(4, 5, stride=2) | zeropad1d((2, 0)) | conv1d(4, 3, dilation=2)",
     "3x20 | conv1d(4, 5, stride=2) | conv1d(4, 3, dilation=2, padding=1)"),
    ("3x9x9x9 | zeropad3d(1) | maxpool3d(2)", "3x9x9x9 | maxpool3d(2, padding=1)"),
])
def test_receptive_field_runs_through_padding_and_cropping(padded: str, plain: str) -> None:
    a = [f for f in fields(padded) if f is not None]
    b = fields(plain)
    assert len(a) == len(fields(padded))  # none of them ends the field
    assert (a[-1].rf, a[-1].jump) == (b[-1].rf, b[-1].jump)


def test_zeropad_and_cropping_keep_the_field_unchanged() -> None:
    pad, crop = fields("3x16x16 | conv(4, 5, stride=2) | zeropad2d(3) | cropping2d(1)")[1:]
    assert pad.rf == crop.rf == (5, 5) and pad.jump == crop.jump == (2, 2)


@pytest.mark.parametrize("spec", [
    "3x16x16 | conv(4, 3) | upsample(scale=2)",
    "3x16x16 | conv(4, 3) | ConvTranspose2d(4, 4, 2, stride=2)",
])
def test_upsampling_ends_the_receptive_field(spec: str) -> None:
    """The grid gets finer than the input: documented in convcalc.engine.receptive_field."""
    assert fields(spec)[-1] is None
