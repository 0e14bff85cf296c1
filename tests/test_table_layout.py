"""The table renderer lays out its own grid: it must print what ``rich.table.Table`` printed.

The reference below is the renderer as it was when it built a rich ``Table``; every
spec is rendered by both at widths from far too narrow to wide, with and without
colour, and compared character by character (colour: the style of every character).
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convcalc.api import analyze
from convcalc.errors import SpecError
from convcalc.render import common as C
from convcalc.render import grid, table

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def rich_table(items: list[tuple[str, Any]], opts: C.Options, out: io.StringIO) -> None:
    """The former renderer: a rich Table (title, totals; errors and explain left out)."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(file=out, width=opts.width, force_terminal=opts.color,
                      no_color=opts.color is False, highlight=False, soft_wrap=False)
    for i, (_, item) in enumerate(items):
        if i:
            console.print()
        cols = [C.COLUMNS[k] for k in opts.columns]
        t = Table(title=Text(C.title(item), style="table.title"), title_justify="left",
                  header_style="bold", show_lines=False, expand=False)
        t.add_column("#", justify="right", style="dim")
        t.add_column("Name", style="cyan", no_wrap=True)
        t.add_column("Layer")
        for c in cols:
            t.add_column(c.header, justify="right" if c.numeric else "left",
                         style="bold" if c.key == "params" else None)
        for row in C.visible_rows(item, opts):
            t.add_row(Text("" if row.is_block else str(row.index)), Text("  " * row.depth + row.name),
                      Text(row.label), *(Text(c.cell(row, item, opts)) for c in cols),
                      style="bold" if row.is_block else None)
        console.print(t)
        for line in C.totals_lines(item, opts):
            console.print(Text(line, style="bold red" if line.startswith("Expectations FAILED") else None))


SGR = re.compile(r"\x1b\[([0-9;]*)m")


def styled_chars(text: str) -> list[tuple[str, frozenset[str]]]:
    """Each character with the SGR attributes in force: equal output however it is segmented."""
    out: list[tuple[str, frozenset[str]]] = []
    current: frozenset[str] = frozenset()
    pos = 0
    for m in SGR.finditer(text + "\x1b[0m"):
        out.extend((ch, current) for ch in text[pos:m.start()])
        codes = m.group(1).split(";") if m.group(1) else ["0"]
        current = frozenset() if "0" in codes else current | frozenset(codes)
        pos = m.end()
    return out


ODD = {  # wide characters, a tab, a name far wider than a narrow console, a block row
    "name": "日本語 net with a long title that has to wrap when the table is narrow",
    "input": [3, 32, 32],
    "layers": [{"conv2d": {"out": 8, "kernel": 3}, "name": "日本語\tconv"},
               {"relu": None, "name": "r" * 50}, {"flatten": None}, {"dense": 10}],
}
WIDTHS = [1, 6, 12, 25, 33, 40, 47, 58, 66, 80, 100, 140]
SPECS = [
    pytest.param(str(EXAMPLES / "lenet5.yaml"), WIDTHS, id="lenet5"),
    pytest.param(str(EXAMPLES / "resnet18.yaml"), [33, 40, 100], id="resnet18-blocks"),
    pytest.param("3 x H x W | conv(16, 3, padding=1) | maxpool(2) | flatten | dense(10)", WIDTHS,
                 id="symbolic"),
    pytest.param(ODD, WIDTHS, id="odd-cells"),
]


@pytest.mark.parametrize(("spec", "widths"), SPECS)
@pytest.mark.parametrize("columns", [("shape", "weights", "params"), ("shape", "weights", "params", "macs")])
def test_same_output_as_rich_table(spec: Any, widths: list[int], columns: tuple[str, ...]) -> None:
    result = analyze(spec)
    for width in widths:
        for color in (False, True) if width in (40, 100) else (False,):
            opts = C.Options(width=width, color=color, columns=columns)
            ours, theirs = io.StringIO(), io.StringIO()
            table.render([("s", result)], opts, ours, io.StringIO())
            rich_table([("s", result)], opts, theirs)
            if color:
                assert styled_chars(ours.getvalue()) == styled_chars(theirs.getvalue()), width
            else:
                assert ours.getvalue() == theirs.getvalue(), width


def test_several_results_and_errors() -> None:
    items: list[tuple[str, Any]] = [("a", analyze(str(EXAMPLES / "lenet5.yaml"))),
                                    ("b", SpecError("boom", code="test")), ("c", analyze(ODD))]
    ours, err = io.StringIO(), io.StringIO()
    table.render(items, C.Options(width=60, color=False), ours, err)
    theirs = io.StringIO()
    rich_table([items[0], items[2]], C.Options(width=60, color=False), theirs)
    assert ours.getvalue() == theirs.getvalue()
    assert err.getvalue() == "error: boom\n"


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 60), st.booleans()), min_size=1, max_size=9),
       st.integers(-5, 200))
def test_fit_matches_rich(columns: list[tuple[int, bool]], max_width: int) -> None:
    from rich._ratio import ratio_reduce
    from rich.table import Table

    widths = [w for w, _ in columns]
    wrapable = [ok for _, ok in columns]
    expected = widths
    if sum(widths) > max_width:
        expected = Table._collapse_widths(widths, wrapable, max_width)
        if sum(expected) > max_width:
            expected = ratio_reduce(sum(expected) - max_width, [1] * len(expected), expected, expected)
    assert grid.fit(widths, wrapable, max_width) == expected


def test_table_path_does_not_import_rich_table() -> None:
    code = ("import io, sys\nfrom convcalc.api import analyze\nfrom convcalc.render import common, table\n"
            f"table.render([('s', analyze({str(EXAMPLES / 'lenet5.yaml')!r}))], common.Options(),"
            " io.StringIO(), io.StringIO())\nprint('rich.table' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
