"""``--format plain``: the table in ASCII without colour, for logs and diffs."""

from __future__ import annotations

from typing import Any, TextIO

from ..errors import SpecError
from . import common as C
from . import grid


def _grid(headers: list[str], rows: list[list[str]], numeric: list[bool]) -> list[str]:
    widths = grid.column_widths([len(c) for c in r] for r in (headers, *rows))

    def line(cells: list[str]) -> str:
        return "  ".join(grid.align(c, len(c), w, right)
                         for c, w, right in zip(cells, widths, numeric, strict=True)).rstrip()

    return [line(headers), "  ".join("-" * w for w in widths), *(line(r) for r in rows)]


def lines(result: Any, opts: C.Options) -> list[str]:
    cols = [C.COLUMNS[k] for k in opts.columns]
    headers = ["#", "Name", "Layer", *(c.header for c in cols)]
    numeric = [True, False, False, *(c.numeric for c in cols)]
    body: list[list[str]] = []
    explain_after: dict[int, list[str]] = {}
    for row in C.visible_rows(result, opts):
        indent = "  " * row.depth
        body.append([
            "" if row.is_block else str(row.index),
            indent + row.name,
            row.label,
            *(c.cell(row, result, opts) for c in cols),
        ])
        if opts.explain:
            explain_after[len(body)] = C.explain_lines(row, opts)
    laid_out = _grid(headers, body, numeric)
    out = [C.title(result).replace("×", "x").replace("—", "-"), ""]
    for i, text in enumerate(laid_out):
        out.append(text)
        if i - 1 in explain_after:
            out.extend("      " + e for e in explain_after[i - 1])
    out.append("")
    out.extend(C.totals_lines(result, opts))
    return out


def render(items: list[tuple[str, Any]], opts: C.Options, out: TextIO, err: TextIO) -> None:
    opts = C.Options(**{**opts.__dict__, "pretty": False})
    first = True
    for _, item in items:
        if isinstance(item, SpecError):
            err.write(f"error: {item}\n")
            continue
        if opts.quiet and (item.expect is None or item.expect.ok):
            continue
        if not first:
            out.write("\n")
        first = False
        out.write("\n".join(lines(item, opts)) + "\n")
