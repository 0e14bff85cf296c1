"""The table in a narrow console: no shape or count is ever cut (golden files at 80 and 120 columns).

Names are shortened first (a middle ellipsis), then columns wrap at spaces; only the
console being narrower than every column's longest word makes words fold, and even
then every character is shown.  tests/test_table_layout.py checks that a table that
fits keeps rich's own layout.
"""

from __future__ import annotations

import re

import pytest
from _cli import EXAMPLES, golden, run
from hypothesis import given, settings
from hypothesis import strategies as st

import convcalc
from convcalc.render import _table_layout as grid


@pytest.mark.parametrize("width", [80, 120])
def test_resnet50_golden(width: int) -> None:
    r = run("--no-color", "--width", str(width), "examples/resnet50.yaml")  # run() works from the root
    assert r.status == 0
    golden(f"resnet50.width{width}.txt", r.out)
    assert max(map(len, r.out.splitlines())) <= width


@pytest.mark.parametrize("example", ["resnet50", "densenet121", "mobilenet_v2", "unet", "retinanet_head"])
def test_no_shape_or_count_is_cut_at_80_columns(example: str) -> None:
    result = convcalc.analyze(str(EXAMPLES / f"{example}.yaml"))
    out = run("--no-color", "--width", "80", str(EXAMPLES / f"{example}.yaml")).out
    assert max(map(len, out.splitlines())) <= 80
    cells = re.findall(r"│([^│]*)", out)
    assert not any("…" in c for c in cells[3::7] + cells[4::7] + cells[5::7])  # shape, weights, params
    for row in result.table_rows():
        shape = "×".join(map(str, row.output))
        assert shape in out, shape
        assert f"{row.params:,}" in out


def test_middle_ellipsis() -> None:
    assert grid.middle_ellipsis("short", 10) == "short"
    text = grid.middle_ellipsis("    layer4.2.downsample.0", 14)
    assert len(text) == 14 and text.startswith("  lay") and text.endswith("sample.0") and "…" in text


def test_narrow_never_goes_below_the_longest_word_while_it_can() -> None:
    # name 30 wide, a label of 40 (longest word 10), a shape of 12 that must not shrink
    widths = grid.narrow([3, 30, 40, 12], [3, 30, 10, 12], 1, 60)
    assert widths[1] == grid.NAME_MIN and widths[3] == 12 and widths[0] == 3 and sum(widths) == 60
    squeezed = grid.narrow([3, 30, 40, 12], [3, 30, 10, 12], 1, 20)
    assert squeezed == [3, 6, 6, 6]  # as narrow as the floors allow (20 is less): words fold


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 60), st.integers(1, 60)), min_size=3, max_size=9),
       st.integers(-20, 300))
def test_narrow_fits_when_it_can_and_keeps_its_floors(columns: list[tuple[int, int]], avail: int) -> None:
    naturals = [n for n, _ in columns]
    minimums = [min(n, m) for n, m in columns]  # a word is never wider than its column
    widths = grid.narrow(naturals, minimums, 1, avail)
    # the index column keeps its width; no column goes below its longest word and FOLD_MIN both
    floors = [naturals[0], *(min(m, grid.FOLD_MIN) for m in minimums[1:])]
    assert widths[0] == naturals[0]
    assert all(f <= w <= n for w, f, n in zip(widths, floors, naturals, strict=True))
    assert sum(widths) <= max(avail, sum(naturals[:1]) + sum(min(n, grid.FOLD_MIN) for n in naturals[1:]))
    if sum(naturals) > avail:
        assert sum(widths) >= min(avail, sum(naturals))  # no room given up for nothing
    # words of the other columns are kept whole whenever the room allows it
    if avail >= naturals[0] + min(naturals[1], grid.NAME_MIN) + sum(minimums[2:]):
        assert all(w >= m for w, m in zip(widths[2:], minimums[2:], strict=True))
        assert sum(widths) <= avail
