"""Table lines collected and handed to rich's console at once, with their style spans.

Why this exists: one ``console.print`` per line would cost more than the table
for a big network, and so would printing one many-line ``rich.text.Text`` (rich
cuts it into a ``Text`` per line, joins them again, then resolves the style of
every span through a stack).  The lines laid out by
:mod:`convcalc.render._table_layout` need no wrapping and their spans never
overlap, so the buffer goes to the console as the segments ``Text.render``
would give (:class:`Lines`); the console still decides what a style becomes
(colour, NO_COLOR, no terminal).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..textsafe import visible
from ._cell_width import cell_len

if TYPE_CHECKING:
    from collections.abc import Iterator

    from rich.console import Console, ConsoleOptions
    from rich.segment import Segment
    from rich.style import Style


class Out:
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
        self.console = console
        self.width = console.width
        self.styled = console.color_system is not None
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
        pieces = tuple((visible(text), style) for text, style in pieces)
        if wrap:
            plain = "".join(p for p, _ in pieces)
            if not plain.isprintable() or cell_len(plain) > self.width:
                from rich.text import Text

                self.flush()
                self.console.print(Text.assemble(*pieces))
                return
        for text, style in pieces:
            self.add(text, style)
        self.newline()

    def flush(self) -> None:
        if self.parts:
            self.console.print(Lines("".join(self.parts), self.spans), soft_wrap=True)
            self.parts, self.spans, self.pos = [], [], 0


class Lines:
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
