"""``--format table`` (the default): a boxed table, like a framework's model summary.

What the table shows is decided here: its columns, rows, title, formulas and
totals.  How it is laid out and printed fast, as ``rich.table.Table`` would
print it (and, in a console narrower than the table, convcalc's own layout that
never cuts a shape or a count), is quarantined in :mod:`._table_layout` and
:mod:`._console_buffer`; rich still decides colour, NO_COLOR, terminal
detection and the console width.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TextIO

from ..core.result import LayerResult
from ..errors import SpecError
from ..textsafe import visible
from ._console_buffer import Out
from ._table_layout import Grid, draw, widen
from .cells import COLUMNS, title, visible_rows
from .footer import totals_lines
from .options import Options
from .run import Item, each

# The console width when the output is not a terminal and --width is not given: no limit, so
# every table has its natural width and no line is wrapped (a pipe or a file has no width).
UNLIMITED = 1 << 20


def _same(text: str) -> str:
    return text


def console_width(opts: Options, out: TextIO) -> int | None:
    """--width; else rich's own guess for a terminal or with $COLUMNS set; else no limit."""
    if opts.width is not None:
        return opts.width
    isatty = getattr(out, "isatty", None)
    if (isatty is not None and isatty()) or os.environ.get("COLUMNS"):
        return None
    return UNLIMITED


def render(items: Sequence[Item], opts: Options, out: TextIO, err: TextIO) -> None:
    from rich.console import Console
    from rich.text import Text

    console = Console(
        file=out,
        width=console_width(opts, out),
        force_terminal=opts.color,
        no_color=opts.color is False,
        highlight=False,
        soft_wrap=False,
    )
    buf = Out(console)
    fit = _same
    if not console.encoding.startswith("utf"):  # rich's `ascii_only`: it draws its box in ASCII then
        from .streams import as_written

        fit = as_written(console.encoding)  # the text measured as it will be written
    err_console: Console | None = None  # built for the first line to stderr: most runs have none

    def write_err(line: str) -> None:
        nonlocal err_console
        buf.flush()
        if err_console is None:
            err_console = Console(file=err, width=opts.width, force_terminal=opts.color,
                                  no_color=opts.color is False, highlight=False)
        text = Text(line)
        if line.startswith("error: "):
            text.stylize("bold red", 0, len("error: "))
        err_console.print(text, soft_wrap=True)

    first = True
    for item in each(items, opts, write_err):
        if isinstance(item, SpecError):
            continue
        if not first:
            buf.newline()
        first = False
        cols = [COLUMNS[k] for k in opts.columns]
        rows = visible_rows(item, opts)
        cells = [["#", "Name", "Layer", *(c.header for c in cols)]]
        cells += [
            ["" if row.is_block else str(row.index), "  " * row.depth + row.name, row.label,
             *(c.cell(row, item, opts) for c in cols)]
            for row in rows
        ]
        # before the widths are measured; a row whose text is all printable is as it is (visible
        # changes no printable text): one test a row, not one call a cell
        cells = [line if "".join(line).isprintable() else [visible(c) for c in line] for line in cells]
        if fit is not _same:
            cells = [[fit(c) for c in line] for line in cells]
        g = Grid(console, cells, right=[True, False, False, *(c.numeric for c in cols)],
                 no_wrap=[False, True, False, *(False for _ in cols)])
        # explain lines across the box under each row (not wrapped in a cell, which they would widen)
        notes = explain_notes(rows, opts, fit)
        if notes:
            widen(g, max(len(line) for lines in notes.values() for line in lines))
        draw(buf, g, fit(title(item)),
             styles=["dim", "cyan", "", *("bold" if c.key == "params" else "" for c in cols)],
             bold_rows=[row.is_block for row in rows], notes=notes)
        for line in map(fit, totals_lines(item, opts)):
            buf.line((line, "bold red" if line.startswith("Expectations FAILED") else ""))
        tip = depth_tip(rows, opts, screen_height(opts, out))
        if tip:
            buf.line((fit(tip), "dim"))
    buf.flush()


def explain_notes(rows: Sequence[LayerResult], opts: Options,
                  fit: Callable[[str], str] = _same) -> dict[int, list[str]]:
    """``--explain``: each row's formula lines as ``fit`` writes them, by table row (the header is
    row 0); the explain module (and its regex) is imported only when they are asked for."""
    if not opts.explain:
        return {}
    from .explain import explained_rows

    return {i + 1: list(map(fit, lines)) for i, lines in explained_rows(rows, opts).items()}


def screen_height(opts: Options, out: TextIO) -> int | None:
    """The terminal's height (or $LINES); None for a pipe or a file, which have none."""
    lines = os.environ.get("LINES", "")
    if lines.isascii() and lines.isdigit():
        return int(lines)
    isatty = getattr(out, "isatty", None)
    if isatty is not None and isatty():
        import shutil

        return shutil.get_terminal_size().lines
    return None


def depth_tip(rows: Sequence[LayerResult], opts: Options, height: int | None) -> str | None:
    """A table longer than the screen, with nested blocks: how to see it one block a row."""
    if height is None or opts.depth is not None or len(rows) + 6 <= height:
        return None
    shorter = sum(r.depth <= 1 for r in rows)
    if shorter == len(rows):
        return None
    return f"{len(rows)} rows, more than the screen: `--depth 1` shows {shorter} (a row per block)"
