"""Control characters from a spec shown visibly, never sent raw to a terminal or a file.

A layer name such as ``"a\\x1b]0;title\\x07"`` in a file someone sent you would
otherwise retitle the terminal, colour it or move its cursor when printed, and
make an SVG invalid XML.  Every output family passes spec text through
:func:`visible` at one place (the text formats' stream, the table's cells, the
stderr lines, the SVG's escaping; JSON writes ``\\u001b``).
"""

from __future__ import annotations

import re

from ._regex import LazyPattern

# C0 but tab and newline, DEL, C1: what a terminal may act on.  (Carriage returns too: a CR
# rewrites the line it is on.)
CONTROL = LazyPattern(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _shown(m: re.Match[str]) -> str:
    return f"\\x{ord(m.group()):02x}"


def visible(text: str) -> str:
    """``text`` with each control character written as ``\\x1b`` (tab and newline kept)."""
    if text.isprintable() or not CONTROL.search(text):
        return text
    return CONTROL.sub(_shown, text)


class VisibleStream:
    """A text stream whose writes go through :func:`visible` (the formats with no escapes of their own)."""

    def __init__(self, stream: object) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(visible(text))  # type: ignore[attr-defined, no-any-return]

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)
