"""``--format plain``: the table in ASCII without colour, for logs and diffs.

Every cell and line is written as for the table, then turned into ASCII by the
one conversion (:func:`common.ascii_text`) before the columns are measured.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, TextIO

from . import common as C
from . import grid


def _grid(headers: list[str], rows: list[list[str]], numeric: list[bool]) -> list[str]:
    widths = grid.column_widths([len(c) for c in r] for r in (headers, *rows))

    def line(cells: list[str]) -> str:
        return "  ".join(grid.align(c, len(c), w, right)
                         for c, w, right in zip(cells, widths, numeric, strict=True)).rstrip()

    return [line(headers), "  ".join("-" * w for w in widths), *(line(r) for r in rows)]


def lines(result: Any, opts: C.Options) -> list[str]:
    text = C.ascii_text
    cols = [C.COLUMNS[k] for k in opts.columns]
    headers = ["#", "Name", "Layer", *(c.header for c in cols)]
    numeric = [True, False, False, *(c.numeric for c in cols)]
    body: list[list[str]] = []
    explain_after: dict[int, list[str]] = {}
    for row in C.visible_rows(result, opts):
        indent = "  " * row.depth
        body.append([
            "" if row.is_block else str(row.index),
            text(indent + row.name),
            text(row.label),
            *(text(c.cell(row, result, opts)) for c in cols),
        ])
        if opts.explain:
            explain_after[len(body)] = C.explain_lines(row, opts)
    laid_out = _grid(headers, body, numeric)
    out = [text(C.title(result)), ""]
    for i, line in enumerate(laid_out):
        out.append(line)
        if i - 1 in explain_after:
            out.extend("      " + e for e in explain_after[i - 1])
    out.append("")
    out.extend(text(line) for line in C.totals_lines(result, opts))
    return out


def render(items: list[tuple[str, Any]], opts: C.Options, out: TextIO, err: TextIO) -> None:
    C.render_each(items, replace(opts, format="plain"), out, err, lines)
