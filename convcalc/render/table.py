"""``--format table`` (the default): a boxed table, like a framework's model summary.

The grid is laid out here and handed to rich's Console as text with style spans
(the segments a ``rich.text.Text`` renders to), so colour, NO_COLOR, terminal
detection and the console width still come from rich.  ``rich.table`` measured
and cut every cell into segments: half of a run for a 40-row network, seconds for
thousands of rows.  Here a table that fits the console has every column at its
natural width, a cell is padded as a string, and only a cell that is not plain
text (a control character in a name) goes through rich's own ``Text.wrap`` — so
the output is the one ``rich.table.Table`` printed, to the character
(tests/test_table_layout.py compares the two).  A console narrower than the table
gets convcalc's own layout (:func:`convcalc.render.grid.narrow`), where rich cut
shapes and counts: names are shortened in the middle, then columns wrap."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from ..core.result import LayerResult
from ..errors import SpecError
from ..textsafe import visible
from . import grid
from .cells import COLUMNS, title, visible_rows
from .explain import explain_lines
from .footer import totals_lines
from .options import Options
from .run import Item, each

if TYPE_CHECKING:
    from collections.abc import Iterator

    from rich.console import Console, ConsoleOptions
    from rich.segment import Segment
    from rich.style import Style

# rich's default cell padding (0, 1): one space each side of every cell.
_PAD = 2
NAME, LABEL = 1, 2  # the columns of names (shortened in the middle when narrow) and layer labels


class _Out:
    """Lines collected and printed at once, as laid out, with style spans.

    One ``console.print`` per line would cost more than the table for a big network,
    and so would printing one many-line ``rich.text.Text`` (rich cuts it into a ``Text``
    per line, joins them again, then resolves the style of every span through a stack):
    the lines here need no wrapping and their spans never overlap, so the buffer goes to
    the console as the segments ``Text.render`` would give (``_Lines``); the console
    still decides what a style becomes (colour, NO_COLOR, no terminal).  A line that
    rich would word-wrap (longer than the console) flushes the buffer and is printed
    alone as a ``Text``, as before.  A console that renders no styles at all (not a
    terminal, ``--no-color``) records no spans.
    """

    def __init__(self, console: Console) -> None:
        from rich.cells import cell_len

        self.console = console
        self.width = console.width
        self.styled = console.color_system is not None
        self.cell_len = cell_len
        self.parts: list[str] = []
        self.spans: list[tuple[int, int, str]] = []  # in order, not overlapping
        self.pos = 0

    def add(self, text: str, style: str = "") -> None:
        """Append ``text`` (no newline) to the current line, in ``style``."""
        if not text.isprintable():
            text = visible(text)  # a spec's control characters shown, never sent to the terminal
        end = self.pos + len(text)
        if style and self.styled and end > self.pos:
            self.spans.append((self.pos, end, style))
        self.parts.append(text)
        self.pos = end

    def newline(self) -> None:
        self.parts.append("\n")
        self.pos += 1

    def cells(self, left: str, cells: list[str], sep: str, right: str, styles: list[str]) -> None:
        """One table line: laid-out cells between border characters, each in its style."""
        if self.styled:
            pos = self.pos + len(left)
            for cell, style in zip(cells, styles, strict=True):
                end = pos + len(cell)
                if style and end > pos:
                    self.spans.append((pos, end, style))
                pos = end + len(sep)
        line = f"{left}{sep.join(cells)}{right}\n"
        self.parts.append(line)
        self.pos += len(line)

    def line(self, *pieces: tuple[str, str], wrap: bool = True) -> None:
        """One line of ``(text, style)`` pieces; ``wrap``: word-wrap it at the console width."""
        pieces = self.visible_pieces(pieces)
        if wrap:
            plain = "".join(p for p, _ in pieces)
            if not plain.isprintable() or self.cell_len(plain) > self.width:
                from rich.text import Text

                self.flush()
                self.console.print(Text.assemble(*pieces))
                return
        for text, style in pieces:
            self.add(text, style)
        self.newline()

    def visible_pieces(self, pieces: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
        return tuple((visible(text), style) for text, style in pieces)

    def flush(self) -> None:
        if self.parts:
            self.console.print(_Lines("".join(self.parts), self.spans), soft_wrap=True)
            self.parts, self.spans, self.pos = [], [], 0


class _Lines:
    """Text already cut into lines, with ordered, disjoint style spans: rendered as it is."""

    def __init__(self, plain: str, spans: list[tuple[int, int, str]]) -> None:
        self.plain = plain
        self.spans = spans

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Segment]:
        from rich.segment import Segment

        plain = self.plain
        styles: dict[str, Style] = {}
        pos = 0
        for start, end, name in self.spans:
            style = styles.get(name)
            if style is None:
                style = styles[name] = console.get_style(name)
            if start > pos:
                yield Segment(plain[pos:start])
            yield Segment(plain[start:end], style)
            pos = end
        if pos < len(plain):
            yield Segment(plain[pos:])


class _Grid:
    """The cells of one table, their widths on screen, and the column widths rich would pick."""

    def __init__(self, console: Console, rows: list[list[str]], right: list[bool],
                 no_wrap: list[bool]) -> None:
        from rich.cells import cell_len

        self.console = console
        self.rows = rows  # the header first
        self.right = right
        self.no_wrap = no_wrap
        self.odd: set[int] = set()  # rows with a cell that is not plain printable text
        self.lengths = [[len(c) if c.isascii() else cell_len(c) for c in row] for row in rows]
        for r, row in enumerate(rows):
            if not all(c.isprintable() and not c.endswith(" ") for c in row):
                self.odd.add(r)
                self.lengths[r] = [self._natural(c) for c in row]
        naturals = grid.column_widths(self.lengths)
        # rich: the borders take 2 (the edges) + 1 between columns.
        avail = console.width - (2 + len(right) - 1)
        self.narrow = sum(naturals) + _PAD * len(naturals) > avail
        if self.narrow:  # too wide for the console: our own rule, which never cuts a number
            mins = [max(cell_len(word) for c in column for word in (c.split(" ") or [""]))
                    for column in zip(*rows, strict=True)]
            mins[LABEL] = min(mins[LABEL], grid.LABEL_MIN)
            widths = grid.narrow(naturals, mins, NAME, avail - _PAD * len(naturals))
            self.widths = [w + _PAD for w in widths]
            return
        self.widths = [n + _PAD for n in naturals]  # each its natural width, as rich measures it

    @staticmethod
    def _natural(cell: str) -> int:
        """The unwrapped width of any cell: rich's ``Text.__rich_measure__`` maximum."""
        from rich.cells import cell_len
        from rich.text import Text

        lines = Text(cell).plain.splitlines()
        return max(map(cell_len, lines)) if lines else 0

    def lines(self, r: int) -> list[list[str]]:
        """Row ``r`` as the lines of each cell, padded to the column widths."""
        row, lengths = self.rows[r], self.lengths[r]
        out = []
        for col, (cell, n, width, right) in enumerate(
                zip(row, lengths, self.widths, self.right, strict=True)):
            if col == NAME and self.narrow and n > width - _PAD and cell.isascii() and r not in self.odd:
                cell = grid.middle_ellipsis(cell, width - _PAD)
                n = len(cell)
            if n <= width - _PAD and r not in self.odd:
                out.append([f" {grid.align(cell, n, width - _PAD, right)} "])
            else:
                out.append(self._wrapped(cell, col))
        return out

    def _wrapped(self, text: str, col: int) -> list[str]:
        """rich's rendering of a cell that does not fit, or is not plain text.

        Words longer than the column fold onto the next line: no character is lost
        (a column is at least 1 wide inside its padding: ``grid.narrow``'s floors);
        only a name (which does not wrap) ends in an ellipsis."""
        from rich.cells import set_cell_size
        from rich.text import Text

        width = self.widths[col]
        justify = "right" if self.right[col] else "left"
        overflow = "ellipsis" if col == NAME else "fold"  # a name may be shortened, nothing else
        lines = Text(text).wrap(self.console, width - _PAD, justify=justify, overflow=overflow,
                                tab_size=self.console.tab_size, no_wrap=self.no_wrap[col])
        return [f" {set_cell_size(line.plain, width - _PAD)} " for line in lines] or [" " * width]


def _draw(out: _Out, g: _Grid, title: str, styles: list[str], bold_rows: list[bool]) -> None:
    """Title, box and rows of one table (rich's HEAVY_HEAD box, title left above)."""
    from rich import box
    from rich.text import Text

    console = g.console
    widths = g.widths
    b = box.HEAVY_HEAD.substitute(console.options, safe=console.safe_box)
    table_width = sum(widths) + 2 + len(widths) - 1  # never cropped: see grid.narrow

    def rule(text: str, style: str = "") -> None:
        out.add(text, style)
        out.newline()

    for line in Text(visible(title)).wrap(console, min(table_width, console.width), justify="left",
                                 overflow="fold"):
        rule(line.plain.rstrip(), "italic")  # no trailing spaces
    rule(b.get_top(widths))
    blanks = [" " * w for w in widths]

    def row(r: int, left: str, sep: str, right: str, cell_styles: list[str]) -> None:
        cells = g.lines(r)
        height = max(map(len, cells))
        if height == 1:
            out.cells(left, [c[0] for c in cells], sep, right, cell_styles)
            return
        # short cells get blank lines: below in the body, above in the header (rich's
        # vertical alignment: top, and bottom for headers)
        cells = [[blank] * (height - len(c)) + c if r == 0 else c + [blank] * (height - len(c))
                 for c, blank in zip(cells, blanks, strict=True)]
        for k in range(height):
            out.cells(left, [c[k] for c in cells], sep, right, cell_styles)

    row(0, b.head_left, b.head_vertical, b.head_right, ["bold"] * len(widths))
    rule(b.get_row(widths, "head", edge=True))
    bold_styles = [f"{s} bold".strip() for s in styles]
    last = len(g.rows) - 1
    for r in range(1, last + 1):
        edges = (b.foot_left, b.foot_vertical, b.foot_right) if r == last else \
            (b.mid_left, b.mid_vertical, b.mid_right)
        row(r, *edges, bold_styles if bold_rows[r - 1] else styles)
    rule(b.get_bottom(widths))


# The console width when the output is not a terminal and --width is not given: no limit, so
# every table has its natural width and no line is wrapped (a pipe or a file has no width).
UNLIMITED = 1 << 20


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
    err_console = Console(file=err, width=opts.width, force_terminal=opts.color,
                          no_color=opts.color is False, highlight=False)
    buf = _Out(console)

    def write_err(line: str) -> None:
        buf.flush()
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
        cells = [[visible(c) for c in line] for line in cells]  # before the widths are measured
        g = _Grid(console, cells, right=[True, False, False, *(c.numeric for c in cols)],
                  no_wrap=[False, True, False, *(False for _ in cols)])
        _draw(buf, g, title(item),
              styles=["dim", "cyan", "", *("bold" if c.key == "params" else "" for c in cols)],
              bold_rows=[row.is_block for row in rows])
        if opts.explain:  # full-width lines under each layer's name, not wrapped in a cell
            buf.line(("Formulas", "bold"))
            for row in rows:
                lines = explain_lines(row)
                if lines:
                    buf.line((f"{'' if row.is_block else row.index:>3} {row.name}  ", ""),
                             (row.label, "dim"))
                    for line in lines:
                        buf.line(("      " + line, "italic"), wrap=False)
        for line in totals_lines(item, opts):
            buf.line((line, "bold red" if line.startswith("Expectations FAILED") else ""))
        tip = depth_tip(rows, opts, screen_height(opts, out))
        if tip:
            buf.line((tip, "dim"))
    buf.flush()


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
