"""Where each part of a YAML document is written, kept compactly for as long as the spec lives.

A long spec has hundreds of thousands of lists and mappings; a record object (or a
dict entry) for each would cost more than the layers themselves.  Here every place is
two ints in one array, each container's places are one run in it, and a container is
found by its identity through a small open-addressing table of ints.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Callable
from typing import Any

from ..errors import Loc

_WORD = re.compile(r"(?<![$\w])[A-Za-z_]\w*")
_PROSE = re.compile(r"[A-Za-z_]\w*\s+[A-Za-z_]")  # two words in a row: text, not an expression

# The second int of a place: column * 4 + FORM, FORM saying whether the text of a scalar
# written on one line is the file's characters (for offsets inside it) and behind a quote.
NOT_VERBATIM, VERBATIM, VERBATIM_QUOTED = 0, 1, 2
_SMALL = 16  # a mapping with more keys gets a key -> position index on first use


class Locator:
    """Where list items and mapping keys came from (by the container's identity).

    Each container read from YAML has the places of its children (a list's items; a
    mapping's keys and values, two places a pair): 0-based line and ``column * 4 + form``.
    A :class:`Loc` is made only for what is asked about, as most places never are.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self.names: dict[str, Loc] = {}  # each word in a text value -> where it is first written
        self.flat = array("q")  # the places, two ints each
        self.kept: list[Any] = []  # the containers (kept alive, so that an id stays theirs)
        self.runs = array("q")  # per container: its first place's number (flat[2 * n]), how many
        self.slots = array("q", bytes(8 * 64))  # open addressing: id(container) + 1, or 0
        self.index = array("q", bytes(8 * 64))  # the container's number in kept
        self.key_index: dict[int, dict[str, int]] = {}

    # ------------------------------------------------------------ while reading

    def words(self, value: str, line: int, column: int, quoted: bool) -> None:
        """Remember where each name in a text value is written (an undeclared one is reported there)."""
        if not _WORD.search(value) or _PROSE.search(value):  # a description is no expression
            return
        shift = 1 if quoted else 0  # past the opening quote
        one_line = "\n" not in value
        for m in _WORD.finditer(value):
            if m.group() not in self.names:
                col = column + shift + m.start() if one_line else column
                self.names[m.group()] = Loc(self.source, line + 1, col + 1)

    def add(self, container: Any, places: array[int] | list[int]) -> int:
        """Keep ``container``'s children's places (a run of ``flat``); its number."""
        start = len(self.flat) // 2
        self.flat.extend(places)
        return self.share(container, start, len(places) // 2)

    def share(self, container: Any, start: int, count: int) -> int:
        """Register ``container`` with places already kept (an alias's copy has its original's)."""
        number = len(self.kept)
        self.kept.append(container)
        self.runs.append(start)
        self.runs.append(count)
        if 2 * number >= len(self.slots):
            self._grow()
        self._insert(id(container), number)
        return number

    def run_of(self, container: Any) -> tuple[int, int] | None:
        """(start in flat, number of places) of a container read from the YAML, else None."""
        number = self._find(container)
        if number < 0:
            return None
        return self.runs[2 * number], self.runs[2 * number + 1]

    # ------------------------------------------------------------ questions

    def item(self, container: Any, index: int, fallback: Loc | None = None) -> Loc:
        """Where a list's item (a mapping's ``index``-th key) is written."""
        run = self.run_of(container)
        per = 2 if isinstance(container, dict) else 1
        if run is not None and 0 <= index < run[1] // per:
            return self._loc(run[0] + per * index)
        return fallback or Loc(self.source)

    def key(self, container: Any, key: str, fallback: Loc | None = None) -> Loc:
        """Where a mapping's key is written."""
        k = self._pair(container, key)
        return self._loc(k) if k is not None else fallback or Loc(self.source)

    def value(self, container: Any, key: str, fallback: Loc | None = None) -> Loc:
        """Where the value of a mapping's key is written."""
        k = self._pair(container, key)
        return self._loc(k + 1) if k is not None else fallback or Loc(self.source)

    def knows(self, container: Any) -> bool:
        """Whether ``container`` was read from the YAML (a dict built in code was not)."""
        return self._find(container) >= 0

    def text_offsets(self, container: Any, index: int) -> Callable[[int], Loc] | None:
        """For a text item written on one line without escapes: offset in its text -> location.

        ``- "Conv2d(1, 32, 5)"`` is parsed by the inline parser, which counts offsets in
        the text; this turns them into the file's columns (None when they would not match).
        """
        run = self.run_of(container)
        per = 2 if isinstance(container, dict) else 1
        if run is None or not 0 <= index < run[1] // per:
            return None
        k = 2 * (run[0] + per * index)
        form = self.flat[k + 1] & 3
        if form == NOT_VERBATIM:  # not a scalar, on several lines, or with escapes or folding
            return None
        source, line, first = self.source, self.flat[k] + 1, (self.flat[k + 1] >> 2) + 1 + (form - 1)
        return lambda offset: Loc(source, line, first + offset)

    # ------------------------------------------------------------ inside

    def _loc(self, place: int) -> Loc:
        return Loc(self.source, self.flat[2 * place] + 1, (self.flat[2 * place + 1] >> 2) + 1)

    def _pair(self, container: Any, key: str) -> int | None:
        """The place number of ``key``'s key in a mapping read from the YAML (its value's is next).

        The keys are in the order of the YAML pairs; with two keys of the same text (``1``
        and ``'1'``) the last one answers.
        """
        run = self.run_of(container)
        if run is None or not isinstance(container, dict) or run[1] != 2 * len(container):
            return None
        if len(container) <= _SMALL:
            found = None
            for i, k in enumerate(container):
                if str(k) == key:
                    found = i
            return None if found is None else run[0] + 2 * found
        number = self._find(container)
        index = self.key_index.get(number)
        if index is None:  # built once: asking about every key would scan it once per key
            index = self.key_index[number] = {str(k): i for i, k in enumerate(container)}
        found = index.get(key)
        return None if found is None else run[0] + 2 * found

    def _find(self, container: Any) -> int:
        slots, mask = self.slots, len(self.slots) - 1
        key = id(container) + 1
        i = _hash(key) & mask
        while True:
            k = slots[i]
            if k == key:
                number = self.index[i]
                return number if self.kept[number] is container else -1
            if k == 0:
                return -1
            i = (i + 1) & mask

    def _insert(self, key: int, number: int) -> None:
        slots, mask = self.slots, len(self.slots) - 1
        key += 1
        i = _hash(key) & mask
        while slots[i] != 0 and slots[i] != key:
            i = (i + 1) & mask
        slots[i] = key
        self.index[i] = number

    def _grow(self) -> None:
        size = 2 * len(self.slots)
        self.slots = array("q", bytes(8 * size))
        self.index = array("q", bytes(8 * size))
        for number, container in enumerate(self.kept[:-1] if len(self.kept) else ()):
            self._insert(id(container), number)


def _hash(key: int) -> int:
    """Spread ids (multiples of 16, allocated close together) over the table."""
    return (key >> 4) ^ (key >> 13)
