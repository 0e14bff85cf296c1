"""``--format markdown``: a GitHub table per spec, ready to paste into a pull-request comment.

The same cells as the table (the column registry), a bold totals row, the
footer lines as a list, and failed expectations as their own small table.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, TextIO

from ..errors import SpecError, format_error
from .cells import COLUMNS, title, visible_rows
from .explain import explained_rows
from .footer import failed_of, totals_lines
from .options import Options
from .run import Item, render_each


def cell(text: str) -> str:
    """Escape what would break a table row; keep blank cells visible to GitHub."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", "<br>")


def code(text: str) -> str:
    """A code span; one with backticks inside gets a longer fence (CommonMark), so it stays one."""
    if not text:
        return ""
    if "`" not in text:
        return f"`{text}`"
    fence = "`" * (max(len(run) for run in re.findall("`+", text)) + 1)
    return f"{fence} {text} {fence}"


_MARKUP = {c: f"&#{ord(c)};" for c in "`*[]<>~"}


def plain(text: str) -> str:
    """Spec text shown as itself: a name's ``*``, `` ` ``, ``<`` make no emphasis, code or HTML."""
    return text.translate(str.maketrans(_MARKUP)) if any(c in text for c in _MARKUP) else text


def table(headers: list[str], rows: list[list[str]], numeric: list[bool]) -> list[str]:
    align = ["---:" if n else "---" for n in numeric]
    return [
        "| " + " | ".join(headers) + " |",
        "| " + " | ".join(align) + " |",
        *("| " + " | ".join(cell(c) for c in row) + " |" for row in rows),
    ]


def lines(result: Any, opts: Options) -> list[str]:
    cols = [COLUMNS[k] for k in opts.columns]
    headers = ["#", "Name", "Layer", *(c.header for c in cols)]
    numeric = [True, False, False, *(c.numeric for c in cols)]
    rows: list[list[str]] = []
    shown = visible_rows(result, opts)
    explained = explained_rows(shown, opts)
    for i, row in enumerate(shown):
        name = "&nbsp;&nbsp;" * row.depth + plain(row.name)
        rows.append([
            "" if row.is_block else str(row.index),
            f"**{name}**" if row.is_block else name,
            code(row.label),
            *(c.cell(row, result, opts) for c in cols),
        ])
        if i in explained:
            rows.append(["", "", "<br>".join(explained[i]), *("" for _ in cols)])
    rows.append(["", "**Total**", "",
                 *(f"**{c.total(result, opts)}**" if c.total else "" for c in cols)])
    out = [f"### {title(result)}", "", *table(headers, rows, numeric), ""]
    out.extend(f"- {line}" for line in totals_lines(result, opts)
               if not line.startswith(("Expectations FAILED", "  ")))
    if result.expect is not None and not result.expect.ok:
        fails = result.expect.failures
        out += ["", f"**Expectations FAILED** {failed_of(result)}:", ""]
        out += table(["check", "expected", "actual"],
                     [[f.what, code(f.expected_text()), code(f.actual_text())] for f in fails],
                     [False, False, False])
    return out


def render(items: Sequence[Item], opts: Options, out: TextIO, err: TextIO) -> None:
    render_each(items, opts, out, err, lines, error_lines=error_lines)


def error_lines(error: SpecError) -> list[str]:
    """An invalid spec keeps its place in the document (the lines of :func:`format_error`)."""
    first, *rest = format_error(error)
    lines = [f"> **Error:** `{cell(first.removeprefix('error: '))}`"]
    for line in rest:  # the hint, a paragraph of the same quote
        lines += [">", f"> {cell(line.strip())}"]
    return lines
