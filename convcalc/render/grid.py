"""Column layout shared by the table and plain renderers.

One place decides how wide each column is and how a cell sits in it: the plain
renderer uses the natural widths as they are, and so does the table renderer
when they fit the console (then it prints what ``rich.table.Table`` printed);
in a narrower console it takes :func:`narrow`'s widths, which never cut a shape
or a count.  Pure string arithmetic: no rich import, so ``--format plain``
stays rich-free.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence


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


def middle_ellipsis(text: str, width: int) -> str:
    """``  laye….conv1``: ``text`` (ASCII-width characters) shortened to ``width`` in the middle,
    keeping more of its end (where nested names differ) and up to two spaces of indentation."""
    if len(text) <= width:
        return text
    body = text.lstrip(" ")
    indent = min(len(text) - len(body), 2, max(0, width - 6))
    room = width - indent
    if room < 2:
        return text[:width]
    head = (room - 1) // 3 or 1
    tail = room - 1 - head
    return " " * indent + body[:head] + "…" + (body[-tail:] if tail else "")
