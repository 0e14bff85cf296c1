"""Sizes in bytes: the params-size footer, activation memory, and the unit chosen after rounding."""

from __future__ import annotations

import pytest
from _cli import run

from convcalc.render.cells import human_bytes


@pytest.mark.parametrize(("spec", "size"), [
    ("1x8x8 | conv(4, 3)", "160 B"),
    ("1x28x28 | conv(32,5) | maxpool(2) | flatten | dense(10)", "187.69 kB"),
    ("1x8 | dense(1000000)", "36.00 MB"),
    ("CxHxW | conv(4, 3)", "4·(36·C + 4) bytes"),
])
def test_params_size_footer(spec: str, size: str) -> None:
    assert f"Params size (float32): {size}\n" in run("--no-color", spec).out


def test_symbolic_activations_show_elements_only() -> None:
    r = run("-f", "plain", "-c", "memory", "3xHxW | conv(8, 3) | maxpool(2)")
    assert "8*(H - 2)*(W - 2)" in r.out and " B)" not in r.out
    concrete = run("-f", "plain", "-c", "memory", "3x8x8 | conv(8, 3)")
    assert "288 (1.15 kB)" in concrete.out  # 8·6·6 elements, 4 bytes each


@pytest.mark.parametrize(("n", "text"), [
    (0, "0 B"), (999, "1.00 kB"), (1_000, "1.00 kB"), (249_999 * 4, "1.00 MB"),
    (123_456_789, "123.46 MB"), (10**15, "1,000.00 TB"),
])
def test_human_bytes_picks_the_unit_after_rounding(n: int, text: str) -> None:
    assert human_bytes(n) == text
