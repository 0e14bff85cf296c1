"""The table measures, pads and boxes its text without rich's width table or rich.box, exactly as rich.

:mod:`convcalc.render._cell_width` measures convcalc's own text itself (``cell_len``,
``set_cell_size``), :mod:`convcalc.render._table_layout` keeps a title that fits as it is and
writes rich's box characters out, so that a plain run loads neither rich's Unicode width
table nor rich.box (issue 20).  Every
answer must be rich's: checked here on random strings mixing convcalc's signs with a
spec's accents, CJK, emoji, joiners and combining marks, and for every box rich would
substitute.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich import box as rich_box
from rich.cells import cell_len as rich_cell_len
from rich.cells import get_character_cell_size
from rich.cells import set_cell_size as rich_set_cell_size
from rich.console import Console
from rich.text import Text

from convcalc.render import _cell_width as width
from convcalc.render import _table_layout as layout

ROOT = Path(__file__).resolve().parent.parent
BOXES = {"HEAVY_HEAD": layout.HEAVY_HEAD, "SQUARE": layout.SQUARE, "ASCII": layout.ASCII}
DRAWN = "".join(sorted(set("".join(line for b in BOXES.values() for line in b))))  # every box character
# a spec's text: accents, CJK and fullwidth, emoji with joiners and selectors, combining marks,
# zero-width and control characters
FOREIGN = "éüßøłΩж中日本語ｗ😀🚀🔥👨👩❤\u200d\ufe0f\u0301\u0308\u200b\u00ad\t\x1b"
ALPHABET = "".join(sorted(width.NARROW)) + DRAWN + FOREIGN
texts = st.text(alphabet=ALPHABET, max_size=40)
ours = st.text(alphabet="".join(sorted(width.NARROW)) + DRAWN, max_size=60)


def test_every_narrow_character_is_one_cell_in_every_unicode_version() -> None:
    from rich._unicode_data._versions import VERSIONS

    for version in (*VERSIONS, "auto", "latest"):
        wide = [c for c in width.NARROW | set(DRAWN) if get_character_cell_size(c, version) != 1]
        assert not wide, (version, wide)


@settings(max_examples=500, deadline=None)
@given(st.one_of(texts, ours))
def test_cell_len_is_rich_cell_len(text: str) -> None:
    assert width.cell_len(text) == rich_cell_len(text)


@settings(max_examples=500, deadline=None)
@given(st.one_of(texts, ours), st.integers(-3, 50))
def test_set_cell_size_is_rich_set_cell_size(text: str, total: int) -> None:
    assert width.set_cell_size(text, total) == rich_set_cell_size(text, total)


# titles of convcalc's own characters, cut by ``_cell_width.wrap``: words and runs of spaces
words = st.text(alphabet="ab—…×⌊−", min_size=1, max_size=30)
gap = st.text(alphabet=" ", max_size=4)
spaced = st.tuples(st.lists(st.tuples(gap, words), max_size=12), gap).map(
    lambda t: "".join(g + w for g, w in t[0]) + t[1])


@settings(max_examples=300, deadline=None)
@given(st.one_of(texts, ours, spaced, st.text(alphabet=" ab—…×中", max_size=60)), st.integers(1, 70))
def test_title_lines_are_rich_text_wrap(title: str, room: int) -> None:
    console = Console(file=io.StringIO(), width=120)
    want = [line.plain.rstrip() for line in Text(title).wrap(console, room, justify="left",
                                                               overflow="fold")]
    assert layout.title_lines(console, title, room) == want


@pytest.mark.parametrize("name", BOXES)
@pytest.mark.parametrize("widths", [[1], [3, 1, 7], [4, 23, 27, 14, 18, 13]])
def test_box_lines_are_rich_box(name: str, widths: list[int]) -> None:
    ours_, theirs = BOXES[name], getattr(rich_box, name)
    top, head, head_row, mid, foot, bottom = ours_
    assert layout.box_rule(top, widths) == theirs.get_top(widths)
    assert layout.box_rule(head_row, widths) == theirs.get_row(widths, "head", edge=True)
    assert layout.box_rule(bottom, widths) == theirs.get_bottom(widths)
    assert layout.box_edges(head) == (theirs.head_left, theirs.head_vertical, theirs.head_right)
    assert layout.box_edges(mid) == (theirs.mid_left, theirs.mid_vertical, theirs.mid_right)
    assert layout.box_edges(foot) == (theirs.foot_left, theirs.foot_vertical, theirs.foot_right)


class _Ascii(io.StringIO):
    encoding = "ascii"  # an output that cannot encode box drawing


@pytest.mark.parametrize("legacy_windows", [False, True])
@pytest.mark.parametrize("safe_box", [False, True])
@pytest.mark.parametrize("file", [io.StringIO, _Ascii])
def test_box_is_the_one_rich_substitutes(legacy_windows: bool, safe_box: bool, file: type) -> None:
    console = Console(file=file(), legacy_windows=legacy_windows, safe_box=safe_box)
    theirs = rich_box.HEAVY_HEAD.substitute(console.options, safe=console.safe_box)
    name = next(n for n in BOXES if getattr(rich_box, n) is theirs)
    assert layout.box(console) == BOXES[name]


def test_a_plain_table_loads_neither_the_width_table_nor_rich_box_nor_explain() -> None:
    """What the default table of a network (one with ``—`` and ``×`` in its text) leaves out."""
    code = ("import io, sys\nfrom convcalc.api import analyze\nfrom convcalc.render import options, table\n"
            f"table.render([analyze({str(ROOT / 'examples' / 'vgg16.yaml')!r})], options.Options(),"
            " io.StringIO(), io.StringIO())\n"
            "print(sorted(m for m in sys.modules if m.startswith('rich._unicode_data.unicode')"
            " or m in ('rich.box', 'convcalc.render.explain')))")
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}  # a pipe: no width
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=ROOT, env=env)
    assert out.stdout.strip() == "[]"
