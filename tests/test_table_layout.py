"""The table renderer lays out its own grid: where it fits, it prints what ``rich.table.Table`` printed.

The reference below is the renderer as it was when it built a rich ``Table``; every
spec is rendered by both at widths from far too narrow to wide, with and without
colour.  Where the table has its natural width it is compared character by character
(colour: the style of every character; title lines without rich's trailing spaces).
Where the console is narrower, convcalc deliberately departs from rich, which cut
shapes and counts with an ellipsis: names are shortened in the middle, then columns
wrap, and no character of a shape or count is lost (tests/test_narrow_table.py).
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from convcalc.api import analyze
from convcalc.errors import SpecError
from convcalc.render import table
from convcalc.render.cells import COLUMNS, title, visible_rows
from convcalc.render.footer import totals_lines
from convcalc.render.options import Options

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def rich_table(items: list[Any], opts: Options, out: io.StringIO) -> None:
    """The former renderer: a rich Table (title, totals; errors and explain left out)."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(file=out, width=opts.width, force_terminal=opts.color,
                      no_color=opts.color is False, highlight=False, soft_wrap=False)
    for i, item in enumerate(items):
        if i:
            console.print()
        cols = [COLUMNS[k] for k in opts.columns]
        t = Table(title=Text(title(item), style="table.title"), title_justify="left",
                  header_style="bold", show_lines=False, expand=False)
        t.add_column("#", justify="right", style="dim")
        t.add_column("Name", style="cyan", no_wrap=True)
        t.add_column("Layer")
        for c in cols:
            t.add_column(c.header, justify="right" if c.numeric else "left",
                         style="bold" if c.key == "params" else None)
        for row in visible_rows(item, opts):
            t.add_row(Text("" if row.is_block else str(row.index)), Text("  " * row.depth + row.name),
                      Text(row.label), *(Text(c.cell(row, item, opts)) for c in cols),
                      style="bold" if row.is_block else None)
        console.print(t)
        for line in totals_lines(item, opts):
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
            opts = Options(width=width, color=color, columns=columns)
            ours, theirs = io.StringIO(), io.StringIO()
            table.render([result], opts, ours, io.StringIO())
            if not fits(result, opts):
                continue  # narrower than the table: convcalc's own layout (test_narrow_table.py)
            rich_table([result], opts, theirs)
            if color:
                assert styled_chars(ours.getvalue()) == styled_chars(no_trailing(theirs.getvalue())), width
            else:
                assert ours.getvalue() == no_trailing(theirs.getvalue()), width


def fits(result: Any, opts: Options) -> bool:
    """Whether the table at its natural width fits the console (then rich's layout is kept)."""
    out = io.StringIO()
    table.render([result], Options(width=table.UNLIMITED, color=False, columns=opts.columns), out,
                 io.StringIO())
    box = [line for line in out.getvalue().splitlines() if line.startswith("┏")]
    return len(box[0]) <= (opts.width or 0)


_TRAILING = re.compile(r"(?:\x1b\[[0-9;]*m| )+$")


def no_trailing(text: str) -> str:
    """rich's title lines without their trailing spaces (convcalc prints none), styles closed."""
    lines = []
    for line in text.split("\n"):
        stripped = _TRAILING.sub("", line)
        lines.append(stripped + ("\x1b[0m" if stripped != line and "\x1b[" in line else ""))
    return "\n".join(lines)


def test_several_results_and_errors() -> None:
    items: list[Any] = [analyze(str(EXAMPLES / "lenet5.yaml")), SpecError("boom", code="test"), analyze(ODD)]
    ours, err = io.StringIO(), io.StringIO()
    table.render(items, Options(width=200, color=False), ours, err)
    theirs = io.StringIO()
    rich_table([items[0], items[2]], Options(width=200, color=False), theirs)
    assert ours.getvalue() == no_trailing(theirs.getvalue())
    assert err.getvalue() == "error: boom\n"


def test_table_path_does_not_import_rich_table() -> None:
    code = ("import io, sys\nfrom convcalc.api import analyze\nfrom convcalc.render import options, table\n"
            f"table.render([analyze({str(EXAMPLES / 'lenet5.yaml')!r})], options.Options(),"
            " io.StringIO(), io.StringIO())\nprint('rich.table' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
