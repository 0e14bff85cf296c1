"""The table's layout: column widths, wrapping and the box, computed without ``rich.table``.

Why this exists: ``rich.table`` measured and cut every cell into segments, half
of a run for a 40-row network and seconds for thousands of rows.  Here a table
that fits the console has every column at its natural width, a cell is padded
as a string, and only a cell that is not plain text (a control character in a
name) goes through rich's own ``Text.wrap`` -- so the output is the one
``rich.table.Table`` printed, to the character (tests/test_table_layout.py
compares the two, against the rich major version pyproject.toml pins).  A
console narrower than the table gets convcalc's own layout (:func:`narrow`),
where rich cut shapes and counts: names are shortened in the middle, then
columns wrap.  The pure arithmetic at the top imports no rich, so ``--format
plain`` (which uses ``column_widths`` and ``align``) stays rich-free.  The box is
written out and convcalc's own text measured without rich's Unicode width table
(:mod:`._cell_width`), so that a run imports neither rich.box nor that table
(issue 20).  Nothing here decides what a table shows: that is
:mod:`convcalc.render.table`.
"""


from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from ..textsafe import visible
from ._cell_width import NARROW, cell_len, set_cell_size, wrap

if TYPE_CHECKING:
    from rich.console import Console

    from ._console_buffer import Out

_PLAIN_OR_NUL = NARROW | {"\0"}

# rich's default cell padding (0, 1): one space each side of every cell.
PAD = 2
NAME, LABEL = 1, 2  # the columns of names (shortened in the middle when narrow) and layer labels


def column_widths(lengths: Iterable[Sequence[int]]) -> list[int]:
    """The widest cell of each column, given every row's cell lengths (the header is a row)."""
    return [max(column) for column in zip(*lengths, strict=True)]


def align(cell: str, length: int, width: int, right: bool) -> str:
    """``cell`` (``length`` columns on screen) padded with spaces to ``width``.

    Numeric columns are right-aligned (padded on the left), text columns left-aligned.
    """
    pad = " " * (width - length)
    return pad + cell if right else cell + pad


NAME_MIN = 13  # a name column is not shortened below this (or its natural width)
LABEL_MIN = 12  # nor a column of layer labels (whose long words fold onto the next line)
FOLD_MIN = 6  # the narrowest a column gets when even its words do not fit


def narrow(naturals: list[int], minimums: list[int], name_col: int, avail: int) -> list[int]:
    """Widths (without padding) for a table wider than ``avail``; nothing is ever cut.

    First the name column gives up room, down to ``NAME_MIN`` (its cells get a middle
    ellipsis); then the other columns wrap at spaces, the widest first, down to
    ``minimums`` (each column's longest word: a shape, a count).  Only a console too
    narrow even for that makes columns fold their words onto the next line (every
    character still shown), names down to ``FOLD_MIN`` as well; column 0 (the index) stays.
    """
    widths = list(naturals)
    excess = sum(widths) - avail
    give = min(max(excess, 0), max(0, widths[name_col] - min(NAME_MIN, naturals[name_col])))
    widths[name_col] -= give
    excess -= give
    words = [naturals[0], *minimums[1:]]  # phase 0: wrap at spaces only
    folded = [naturals[0], *(min(n, FOLD_MIN) for n in naturals[1:])]  # phase 1: words fold
    floors = [words, folded]
    for phase, floor in enumerate(floors):
        while excess > 0:
            wrapable = [i for i, w in enumerate(widths) if w > floor[i] and (phase or i != name_col)]
            if not wrapable:
                break
            widest = max(wrapable, key=lambda i: (widths[i], -i))  # the leftmost of the widest
            widths[widest] -= 1
            excess -= 1
    return widths


def middle_ellipsis(text: str, width: int, mark: str = "…") -> str:
    """``  laye….conv1``: ``text`` (ASCII-width characters) shortened to ``width`` in the middle,
    keeping more of its end (where nested names differ) and up to two spaces of indentation;
    ``mark`` is the one character put for what is left out."""
    if len(text) <= width:
        return text
    body = text.lstrip(" ")
    indent = min(len(text) - len(body), 2, max(0, width - 6))
    room = width - indent
    if room < 2:
        return text[:width]
    head = (room - 1) // 3 or 1
    tail = room - 1 - head
    return " " * indent + body[:head] + mark + (body[-tail:] if tail else "")


class Grid:
    """The cells of one table, their widths on screen, and the column widths rich would pick."""

    def __init__(self, console: Console, rows: list[list[str]], right: list[bool],
                 no_wrap: list[bool]) -> None:
        self.console = console
        self.rows = rows  # the header first
        self.right = right
        self.no_wrap = no_wrap
        self.odd: set[int] = set()  # rows with a cell that is not plain printable text
        # rows whose every cell is NARROW text not ending in a space (most): a cell's width is its
        # len, it is never odd, and it is padded by ljust/rjust (asked of the row's cells at once:
        # NARROW is printable and holds no NUL, so a NUL between them marks where each ends)
        self.plain = [_PLAIN_OR_NUL.issuperset(joined) and " \0" not in joined
                      for joined in ("\0".join(row) + "\0" for row in rows)]
        self.lengths = [list(map(len, row)) if plain else [cell_len(c) for c in row]
                        for row, plain in zip(rows, self.plain, strict=True)]
        for r, row in enumerate(rows):
            if not self.plain[r] and not all(c.isprintable() and not c.endswith(" ") for c in row):
                self.odd.add(r)
                self.lengths[r] = [self._natural(c) for c in row]
        naturals = column_widths(self.lengths)
        # rich: the borders take 2 (the edges) + 1 between columns.
        avail = console.width - (2 + len(right) - 1)
        self.narrow = sum(naturals) + PAD * len(naturals) > avail
        if self.narrow:  # too wide for the console: our own rule, which never cuts a number
            mins = [max(cell_len(word) for c in column for word in (c.split(" ") or [""]))
                    for column in zip(*rows, strict=True)]
            mins[LABEL] = min(mins[LABEL], LABEL_MIN)
            widths = narrow(naturals, mins, NAME, avail - PAD * len(naturals))
            self.widths = [w + PAD for w in widths]
            return
        self.widths = [n + PAD for n in naturals]  # each its natural width, as rich measures it

    @staticmethod
    def _natural(cell: str) -> int:
        """The unwrapped width of any cell: rich's ``Text.__rich_measure__`` maximum."""
        from rich.text import Text

        lines = Text(cell).plain.splitlines()
        return max(map(cell_len, lines)) if lines else 0

    def lines(self, r: int) -> list[list[str]]:
        """Row ``r`` as the lines of each cell, padded to the column widths."""
        one = self.one_line(r)
        if one is not None:
            return [[cell] for cell in one]
        row, lengths = self.rows[r], self.lengths[r]
        out = []
        for col, (cell, n, width, right) in enumerate(
                zip(row, lengths, self.widths, self.right, strict=True)):
            if col == NAME and self.narrow and n > width - PAD and cell.isascii() and r not in self.odd:
                # "~" where the output writes only ASCII: an escaped "…" would take six columns
                mark = "…" if self.console.encoding.startswith("utf") else "~"
                cell = middle_ellipsis(cell, width - PAD, mark)
                n = len(cell)
            if n <= width - PAD and r not in self.odd:
                out.append([f" {align(cell, n, width - PAD, right)} "])
            else:
                out.append(self._wrapped(cell, col))
        return out

    def one_line(self, r: int) -> list[str] | None:
        """Row ``r``'s cells padded to the column widths when it is plain and every cell fits its
        column (a table that is not narrow): each on one line, its width its len; else None."""
        if not self.plain[r] or self.narrow:
            return None
        return [f" {cell.rjust(width - PAD)} " if right else f" {cell.ljust(width - PAD)} "
                for cell, width, right in zip(self.rows[r], self.widths, self.right, strict=True)]

    def _wrapped(self, text: str, col: int) -> list[str]:
        """rich's rendering of a cell that does not fit, or is not plain text.

        Words longer than the column fold onto the next line: no character is lost
        (a column is at least 1 wide inside its padding: ``narrow``'s floors);
        only a name (which does not wrap) ends in an ellipsis."""
        from rich.text import Text

        width = self.widths[col]
        justify = "right" if self.right[col] else "left"
        overflow = "ellipsis" if col == NAME else "fold"  # a name may be shortened, nothing else
        lines = Text(text).wrap(self.console, width - PAD, justify=justify, overflow=overflow,
                                tab_size=self.console.tab_size, no_wrap=self.no_wrap[col])
        return [f" {set_cell_size(line.plain, width - PAD)} " for line in lines] or [" " * width]


# rich.box's HEAVY_HEAD, and the boxes Box.substitute puts in its place: SQUARE on a legacy
# Windows console, ASCII where the output cannot encode box drawing.  Written out rather than
# imported: rich.box builds its twenty boxes at import, a quarter of the table's drawing
# (issue 20); tests/test_cell_width.py compares every line with rich's.  Each box: its top,
# header, header rule, body, last body row and bottom lines, each as left, fill, divider, right.
HEAVY_HEAD = ("┏━┳┓", "┃ ┃┃", "┡━╇┩", "│ ││", "│ ││", "└─┴┘")
SQUARE = ("┌─┬┐", "│ ││", "├─┼┤", "│ ││", "│ ││", "└─┴┘")
ASCII = ("+--+", "| ||", "|-+|", "| ||", "| ||", "+--+")


def box(console: Console) -> tuple[str, ...]:
    """The table's box on this console: ``rich.box.HEAVY_HEAD.substitute(console.options,
    safe=console.safe_box)``."""
    options = console.options
    if options.ascii_only:
        return ASCII
    return SQUARE if options.legacy_windows and console.safe_box else HEAVY_HEAD


def box_rule(line: str, widths: Sequence[int]) -> str:
    """A horizontal line of the box across columns of ``widths`` (rich's ``Box.get_top``)."""
    left, fill, divider, right = line
    return left + divider.join(fill * w for w in widths) + right


def box_edges(line: str) -> tuple[str, str, str]:
    """The left edge, the divider between cells and the right edge of a line of cells."""
    return line[0], line[2], line[3]


def draw(out: Out, g: Grid, title: str, styles: list[str], bold_rows: list[bool],
         notes: dict[int, list[str]] | None = None) -> None:
    """Title, box and rows of one table (rich's HEAVY_HEAD box, title left above); ``notes``:
    lines printed across the whole box under a body row (``--explain``), by row number."""
    console = g.console
    widths = g.widths
    top, head, head_row, mid, foot, bottom = box(console)
    table_width = sum(widths) + 2 + len(widths) - 1  # never cropped: see narrow

    def rule(text: str, style: str = "") -> None:
        out.add(text, style)
        out.newline()

    for line in title_lines(console, visible(title), min(table_width, console.width)):
        rule(line, "italic")
    rule(box_rule(top, widths))
    blanks = [" " * w for w in widths]

    def row(r: int, left: str, sep: str, right: str, cell_styles: list[str]) -> None:
        one = g.one_line(r)  # most rows: one line, no list per cell
        if one is not None:
            out.cells(left, one, sep, right, cell_styles)
            return
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

    row(0, *box_edges(head), ["bold"] * len(widths))
    rule(box_rule(head_row, widths))
    bold_styles = [f"{s} bold".strip() for s in styles]
    last = len(g.rows) - 1
    for r in range(1, last + 1):
        row(r, *box_edges(foot if r == last else mid), bold_styles if bold_rows[r - 1] else styles)
        for text in (notes or {}).get(r, ()):
            for piece in _fold(text, table_width - 4):
                out.cells(mid[0], [f" {piece} "], "", mid[3], ["italic"])
    rule(box_rule(bottom, widths))


def title_lines(console: Console, title: str, width: int) -> list[str]:
    """The title cut into lines of ``width`` as rich's ``Text.wrap`` cuts it, without trailing
    spaces: convcalc's own text without rich (:mod:`._cell_width`), so is a printable title
    that fits (rich would not break it), and anything else by rich."""
    if NARROW.issuperset(title):
        return wrap(title, width)
    if title.isprintable() and cell_len(title) <= width:
        return [title.rstrip()]
    from rich.text import Text

    lines = Text(title).wrap(console, width, justify="left", overflow="fold")
    return [line.plain.rstrip() for line in lines]


def widen(g: Grid, longest: int) -> None:
    """Make the box wide enough for explain lines of ``longest`` characters (within the console),
    the room going to the Layer column, so that a rule wraps only when the screen is too narrow."""
    width = sum(g.widths) + 2 + len(g.widths) - 1
    want = min(longest + 4 + PAD + 2, g.console.width)
    if want > width:
        g.widths[LABEL] += want - width


def _fold(text: str, width: int) -> list[str]:
    """An explain line cut at spaces to fit ``width`` (its continuations indented), padded to it."""
    import textwrap

    pieces = textwrap.wrap("    " + text, max(width, 20), subsequent_indent="        ",
                           break_long_words=True, drop_whitespace=True) or [""]
    pieces[0] = "    " + pieces[0].lstrip() if pieces[0].startswith("    ") else pieces[0]
    return [set_cell_size(p, width) for p in pieces]
