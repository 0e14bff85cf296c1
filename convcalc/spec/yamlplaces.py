"""Where each part of a YAML document is written, kept compactly for as long as the spec lives.

A long spec has hundreds of thousands of lists and mappings; a record object (or a
dict entry) for each would cost more than the layers themselves.  Here every place is
one int in one array, each container's places are one run in it, and a container is
found by its identity through a small open-addressing table of ints.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from typing import Any

from .._regex import LazyPattern
from ..errors import Loc

_WORD = LazyPattern(r"(?<![$\w])[A-Za-z_]\w*")
_PROSE = LazyPattern(r"[A-Za-z_]\w*\s+[A-Za-z_]")  # two words in a row: text, not an expression

# The second int of a place: column * 4 + FORM, FORM saying whether the text of a text
# value written on one line is the file's characters (for offsets inside it) and behind a
# quote (a key, a number or a collection is NOT_VERBATIM: nothing reads offsets in it).
NOT_VERBATIM, VERBATIM, VERBATIM_QUOTED = 0, 1, 2
_SMALL = 16  # a mapping with more keys gets a key -> position index on first use


class Locator:
    """Where list items and mapping keys came from (by the container's identity).

    Each container read from YAML has the places of its children (a list's items; a
    mapping's keys and values, two places a pair).  A place is one int of the 0-based line
    and ``column * 4 + form`` (see :meth:`pack`).  A :class:`Loc` is made only for what is
    asked about, as most places never are.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self.names: dict[str, Loc] = {}  # each word in a text value -> where it is first written
        self.flat = array("q")  # every container's children's places, one run after another
        self.wide: list[tuple[int, int]] = []  # a place too far out for one int (a gigabyte line)
        self.kept: list[Any] = []  # the containers (kept alive, so that an id stays theirs)
        self.runs = array("i")  # per container: its first place's index in flat, and how many
        self.table = array("i", bytes(4 * 64))  # open addressing by id: a container's number + 1
        self.indexed = 0  # the containers (in order) in the table so far
        self.last: tuple[Any, int] = _NOTHING  # the container found last, and its number
        self.before: tuple[Any, int] = _NOTHING  # and the one found before it
        self.key_index: dict[int, dict[str, int]] = {}

    # ------------------------------------------------------------ while reading

    def pack(self, line: int, colform: int) -> int:
        """One int for a place: 0-based line and ``column * 4 + form``.

        Nearly every place is short, ``line << 12 | colform`` below 2**30: one of Python's
        one-digit ints, which cost a third of a wider one to make (a place is made for
        every value read: a tenth of the time of reading).  A long one has bit 31 set, the
        line above bit 32; one beyond that (a gigabyte line) is an index into ``wide``.
        (The reader packs a scalar's short place itself, as here: a call per value costs.)
        """
        if line < SHORT_LINES and colform < SHORT_COLFORM:
            return line << 12 | colform
        if line < _LINE_LIMIT and colform < _LONG:
            return line << 32 | _LONG | colform
        self.wide.append((line, colform))
        return -len(self.wide)

    def unpack(self, place: int) -> tuple[int, int]:
        """(0-based line, ``column * 4 + form``) of a packed place."""
        if place < 0:
            return self.wide[-place - 1]
        if place < _LONG:
            return place >> 12, place & (SHORT_COLFORM - 1)
        return place >> 32, place & (_LONG - 1)

    def loc(self, place: int) -> Loc:
        line, colform = self.unpack(place)
        return Loc(self.source, line + 1, (colform >> 2) + 1)

    def words(self, value: str, line: int, column: int, quoted: bool) -> None:
        """Remember where each name in a text value is written (an undeclared one is reported there)."""
        if value in self.names:  # one word met before (`- relu` on every third line): nothing new
            return
        shift = 1 if quoted else 0  # past the opening quote
        if value.isascii() and value.isidentifier():  # one name alone (`relu`, `same`): what _WORD finds
            self.names[value] = Loc(self.source, line + 1, column + shift + 1)
            return
        if value[:1] == "$" and value.isascii() and value[1:].isidentifier():  # `$out` names no var
            return
        if not _WORD.search(value) or _PROSE.search(value):  # a description is no expression
            return
        one_line = "\n" not in value
        for m in _WORD.finditer(value):
            if m.group() not in self.names:
                col = column + shift + m.start() if one_line else column
                self.names[m.group()] = Loc(self.source, line + 1, col + 1)

    def add(self, container: Any, places: list[int]) -> None:
        """Keep ``container``'s children's places (one run of ``flat``)."""
        flat = self.flat
        self.runs.append(len(flat))  # as share does (a call fewer for every container read)
        self.runs.append(len(places))
        flat.extend(places)
        self.kept.append(container)

    def share(self, container: Any, start: int, count: int) -> None:
        """Register ``container`` with places already kept (an alias's copy has its original's).

        It goes into the table by identity on the next question (:meth:`_index`): the
        questions come once the document is read, so the table is sized once, not grown
        and filled again seven times over for 10,000 layers.
        """
        self.kept.append(container)
        self.runs.append(start)
        self.runs.append(count)

    def release(self, container: Any) -> tuple[int, int] | None:
        """Forget a container no one will ask about again (its places stay in flat), so that it
        can be freed: a big spec's entries, once their layers are made (issue 19).  Its run
        (as :meth:`run_of`), or None when it was not read from the YAML."""
        number = self._find(container)
        if number < 0:
            return None
        self.kept[number] = None  # its slot stays taken; its id may be another container's later
        if self.last[0] is container:  # found no more
            self.last = _NOTHING
        if self.before[0] is container:
            self.before = _NOTHING
        return self.runs[2 * number], self.runs[2 * number + 1]

    def items(self, container: list[Any], fallback: Loc) -> list[Loc]:
        """Where each item of a list is written (as :meth:`item` of each, with one look-up)."""
        run = self.run_of(container)
        if run is None:
            return [fallback] * len(container)
        start, count = run
        flat, loc, source = self.flat, self.loc, self.source
        out = []
        for place in flat[start:start + min(count, len(container))]:
            if 0 <= place < _LONG:  # a short place (pack), unpacked here: one for every layer
                out.append(Loc(source, (place >> 12) + 1, ((place & (SHORT_COLFORM - 1)) >> 2) + 1))
            else:
                out.append(loc(place))
        out += [fallback] * (len(container) - len(out))
        return out

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
            return self.loc(self.flat[run[0] + per * index])
        return fallback or Loc(self.source)

    def key(self, container: Any, key: str, fallback: Loc | None = None) -> Loc:
        """Where a mapping's key is written."""
        k = self._pair(container, key)
        return self.loc(self.flat[k]) if k is not None else fallback or Loc(self.source)

    def value(self, container: Any, key: str, fallback: Loc | None = None) -> Loc:
        """Where the value of a mapping's key is written."""
        k = self._pair(container, key)
        return self.loc(self.flat[k + 1]) if k is not None else fallback or Loc(self.source)

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
        line, colform = self.unpack(self.flat[run[0] + per * index])
        form = colform & 3
        if form == NOT_VERBATIM:  # not a scalar, on several lines, or with escapes or folding
            return None
        source, first = self.source, (colform >> 2) + 1 + (form - 1)
        return lambda offset: Loc(source, line + 1, first + offset)

    # ------------------------------------------------------------ inside

    def _pair(self, container: Any, key: str) -> int | None:
        """The index in flat of ``key``'s place in a mapping read from the YAML (its value's is next).

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
        # The loader asks whether an entry is known, then where its run is, then where its
        # type's value's run is, then releases both: the last two found are asked again first.
        last = self.last
        if container is last[0]:
            return last[1]
        if container is self.before[0]:
            return self.before[1]
        if self.indexed < len(self.kept):
            self._index()
        table, kept = self.table, self.kept
        mask = len(table) - 1
        i = (id(container) >> 4) * _GOLDEN >> 40 & mask  # _hash, without the call
        while True:
            n = table[i]
            if n == 0:
                return -1
            if kept[n - 1] is container:
                self.before, self.last = last, (container, n - 1)
                return n - 1
            i = (i + 1) & mask

    def _index(self) -> None:
        """Put the containers registered since the last question in the table (at most half full:
        when it would be more, a bigger one with every container not released)."""
        kept = self.kept
        size = len(self.table)
        while 2 * len(kept) > size:
            size *= 2
        start = self.indexed
        if size != len(self.table):
            self.table = array("i", bytes(4 * size))
            start = 0
        table, mask = self.table, size - 1
        for number in range(start, len(kept)):
            container = kept[number]
            if container is not None:
                i = _hash(id(container)) & mask
                while table[i] != 0:
                    i = (i + 1) & mask
                table[i] = number + 1
        self.indexed = len(kept)


_NOTHING = (object(), -1)  # no container is found last
SHORT_LINES = 1 << 18  # a short place: line and colform in 30 bits (the reader packs those itself)
SHORT_COLFORM = 1 << 12
_LONG = 1 << 31  # the bit of a long place (and the bound of its colform)
_LINE_LIMIT = 1 << 31


def _hash(key: int) -> int:
    """Spread ids (multiples of 16, allocated close together) over the table: Fibonacci hashing,
    the middle bits of a product by 2**64/φ.  (Shifts and xors of the id alone made probe chains
    of hundreds for some layouts of memory: 10,000 layers cost twice as much to load under valgrind.)"""
    return (key >> 4) * _GOLDEN >> 40


_GOLDEN = 0x9E3779B97F4A7C15  # 2**64/φ
