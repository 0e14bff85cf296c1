"""``--format table`` (the default): a rich table, like a framework's model summary."""

from __future__ import annotations

from typing import Any, TextIO

from ..errors import SpecError
from . import common as C


def render(items: list[tuple[str, Any]], opts: C.Options, out: TextIO, err: TextIO) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(
        file=out,
        width=opts.width,
        force_terminal=opts.color,
        no_color=opts.color is False,
        highlight=False,
        soft_wrap=False,
    )
    err_console = Console(file=err, width=opts.width, force_terminal=opts.color,
                          no_color=opts.color is False, highlight=False)
    first = True
    for _, item in items:
        if isinstance(item, SpecError):
            err_console.print(Text("error: ", style="bold red") + Text(str(item)), soft_wrap=True)
            continue
        if opts.quiet and (item.expect is None or item.expect.ok):
            continue
        if not first:
            console.print()
        first = False
        cols = [C.COLUMNS[k] for k in opts.columns]
        table = Table(title=C.title(item), title_justify="left", header_style="bold",
                      show_lines=False, expand=False)
        table.add_column("#", justify="right", style="dim")
        table.add_column("Name", style="cyan", no_wrap=True)
        table.add_column("Layer")
        for c in cols:
            table.add_column(c.header, justify="right" if c.numeric else "left",
                             style="bold" if c.key == "params" else None)
        for row in C.visible_rows(item, opts):
            style = "bold" if row.is_block else None
            # Text cells, not str: rich would parse each str for [markup] (slow, and a
            # label such as conv2d(8, [3, 5]) is not markup).
            table.add_row(
                Text("" if row.is_block else str(row.index)),
                Text("  " * row.depth + row.name),
                Text(row.label),
                *(Text(c.cell(row, item, opts)) for c in cols),
                style=style,
            )
        console.print(table)
        if opts.explain:  # full-width lines under each layer's name, not wrapped in a cell
            console.print(Text("Formulas", style="bold"))
            for row in C.visible_rows(item, opts):
                lines = C.explain_lines(row)
                if lines:
                    console.print(Text(f"{'' if row.is_block else row.index:>3} {row.name}  ")
                                  + Text(row.label, style="dim"))
                    for line in lines:
                        console.print(Text("      " + line, style="italic"), soft_wrap=True)
        for line in C.totals_lines(item, opts):
            style = "bold red" if line.startswith("Expectations FAILED") else None
            console.print(Text(line, style=style))
