"""``--format plain``: the table in ASCII without colour, for logs and diffs.

Every cell and line is written as for the table, then turned into ASCII by the
one conversion (:func:`convcalc.render.ascii.ascii_text`) before the columns are measured.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TextIO

from .._record import replace
from ._table_layout import align, column_widths
from .ascii import ascii_text
from .cells import COLUMNS, title, visible_rows
from .explain import explained_rows
from .footer import totals_lines
from .options import Options
from .run import Item, render_each


def _grid(headers: list[str], rows: list[list[str]], numeric: list[bool]) -> list[str]:
    widths = column_widths([len(c) for c in r] for r in (headers, *rows))

    def line(cells: list[str]) -> str:
        return "  ".join(align(c, len(c), w, right)
                         for c, w, right in zip(cells, widths, numeric, strict=True)).rstrip()

    return [line(headers), "  ".join("-" * w for w in widths), *(line(r) for r in rows)]


def lines(result: Any, opts: Options) -> list[str]:
    text = ascii_text
    cols = [COLUMNS[k] for k in opts.columns]
    headers = ["#", "Name", "Layer", *(c.header for c in cols)]
    numeric = [True, False, False, *(c.numeric for c in cols)]
    body: list[list[str]] = []
    rows = visible_rows(result, opts)
    explain_after = {i + 1: lines for i, lines in explained_rows(rows, opts, pretty=False).items()}
    for row in rows:
        indent = "  " * row.depth
        body.append([
            "" if row.is_block else str(row.index),
            text(indent + row.name),
            text(row.label),
            *(text(c.cell(row, result, opts)) for c in cols),
        ])
    laid_out = _grid(headers, body, numeric)
    out = [text(title(result)), ""]
    for i, line in enumerate(laid_out):
        out.append(line)
        if i - 1 in explain_after:
            out.extend("      " + e for e in explain_after[i - 1])
    out.append("")
    out.extend(text(line) for line in totals_lines(result, opts))
    return out


def render(items: Sequence[Item], opts: Options, out: TextIO, err: TextIO) -> None:
    render_each(items, replace(opts, format="plain"), out, err, lines)
