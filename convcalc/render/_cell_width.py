"""Widths on screen as rich measures them, without loading rich's Unicode width table.

Why this exists: rich loads its width table (about 1.4 M instructions, a tenth of the
table's drawing; issue 20) the first time it measures a character outside its own
one-cell ranges, and convcalc's own text has several (``—`` in every title, ``…``,
``−``, ``⌊``).  Text made only of such known characters is measured here; anything
else (a spec's accents, CJK, emoji, combining marks) goes to rich, so every width is
the one rich gives (tests/test_cell_width.py checks both on random strings).
"""

from __future__ import annotations

import re
from itertools import pairwise

# Characters one cell wide in every Unicode version rich can measure with (the test checks
# each against rich's tables): printable ASCII and the signs convcalc writes.  Kept small on
# purpose: a set of the whole Latin, Greek and box ranges costs nearly as much to build as
# the width table it avoids, and rich measures those ranges without its table anyway.
NARROW = frozenset("".join(map(chr, range(0x20, 0x7F))) + "·×−–—…⌊⌋⌈⌉≤≥≠≈→←↔∈∞√ΣΠℤ✓▸⟺∎°§²³¹⁰⁴⁵⁶⁷⁸⁹ᵀᵢ")


def cell_len(text: str) -> int:
    """``rich.cells.cell_len(text)``: the width of ``text`` on screen, in terminal cells."""
    if NARROW.issuperset(text):
        return len(text)
    from rich.cells import cell_len as measure

    return measure(text)


def set_cell_size(text: str, total: int) -> str:
    """``rich.cells.set_cell_size(text, total)``: ``text`` padded with spaces, or cut, to
    ``total`` cells."""
    if total > 0 and NARROW.issuperset(text):
        return text[:total] if len(text) >= total else text + " " * (total - len(text))
    from rich.cells import set_cell_size as fit

    return fit(text, total)


def wrap(text: str, width: int) -> list[str]:
    """``NARROW`` text cut into lines of ``width`` cells, without trailing spaces, as rich's
    ``Text.wrap(justify="left", overflow="fold")`` cuts it (``rich._wrap.divide_line``): at
    spaces, a word longer than a line folded.  Every character is one cell and the only
    space is " ", so lengths are ``len`` and rich's words are ``" *[^ ]+ *"``."""
    if len(text) <= width:  # rich breaks no line that fits (and the pattern is not compiled)
        return [text.rstrip()]
    breaks: list[int] = []
    used = 0  # cells on the current line
    for match in re.finditer(" *[^ ]+ *", text):
        start, word = match.start(), match.group()
        length = len(word.rstrip())
        if width - used >= length:
            used += len(word)
        elif length > width:  # folded: a line per width-cell piece, the last one continued
            pieces = [word[i:i + width] for i in range(0, len(word), width)]
            for piece in pieces[:-1]:
                if start:
                    breaks.append(start)
                start += len(piece)
            if start:
                breaks.append(start)
            used = len(pieces[-1])
        elif used:  # it fits on a line of its own: the next one
            breaks.append(start)
            used = len(word)
    bounds = [0, *breaks, len(text)]
    return [text[a:b].rstrip() for a, b in pairwise(bounds)]  # only spaces pass the width
