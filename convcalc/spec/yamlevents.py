"""YAML parser events -> plain Python data and compact places, with the spec's limits.

PyYAML's composer would first build a node (with two marks) for every value — about
two kilobytes a layer of a long spec, all alive at once.  This reader takes libyaml's
events one by one and builds the lists, mappings and scalars directly, keeping only
two ints of place per value (:class:`~convcalc.spec.yamlplaces.Locator`).

It reports exactly what composing and then converting the nodes reported, in the same
order of precedence: the count of written values (SPEC's file limit), then YAML's own
errors (the parser's, and the composer's undefined or duplicate anchors and second
documents) anywhere in the stream, then the first problem of the data in document
order (depth, tags, merge keys, keys, numbers, what aliases add).  After a problem of
the data the rest of the stream is still read, without building, for YAML's errors.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)

from ..errors import Loc, SpecError
from .yamlplaces import NOT_VERBATIM, SHORT_COLFORM, SHORT_LINES, VERBATIM, VERBATIM_QUOTED, Locator
from .yamlscalars import MAX_DIGITS, implicit_tag, scalar_value
from .yamlscan import MAX_WRITTEN, written_bound

MAX_NODES = 200_000  # values that YAML aliases add beyond what the file writes
MAX_DEPTH = 100

_C = hasattr(yaml, "CSafeLoader")  # libyaml: its composer's messages are reproduced, else PyYAML's
_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_MERGE = "tag:yaml.org,2002:merge"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_QUOTES = ("'", '"')
_SCALAR_START = (ScalarEvent, SequenceStartEvent, MappingStartEvent)
_UNREAD: Any = object()  # a scalar whose value is still to be made

def parser(text: str) -> Any:
    """libyaml's event parser when PyYAML has it, else PyYAML's own."""
    return yaml.cyaml.CParser(text) if _C else yaml.SafeLoader(text)


class _Frame:
    """A list or mapping being read: its container, its children's places so far."""

    __slots__ = ("anchor", "container", "depth", "has_key", "is_key", "is_map", "key", "place",
                 "places", "raw_keys")

    def __init__(self, is_map: bool, place: int, depth: int, is_key: bool, anchor: str | None) -> None:
        self.container: Any = {} if is_map else []
        self.is_map = is_map
        self.places: list[int] = []  # packed, as Locator.pack (made an array once, when done)
        self.place = place  # where the collection starts
        self.depth = depth
        self.is_key = is_key  # a mapping's key (refused when done: keys are words or numbers)
        self.anchor = anchor
        self.key: Any = None  # a mapping's key whose value is being read
        self.has_key = False
        self.raw_keys: list[Any] = []  # a mapping's keys as written (a duplicate names the first)


class _Anchor:
    """What an alias repeats: a scalar's value, a finished container, or an open frame."""

    __slots__ = ("frame", "mark", "place", "quoted", "raw", "tag", "value")

    def __init__(self, mark: Any, tag: str, place: int) -> None:
        self.mark, self.tag, self.place = mark, tag, place
        self.value: Any = None
        self.raw: Any = None  # a scalar's text (a collection: no text)
        self.quoted = False
        self.frame: _Frame | None = None  # a collection still being read (an alias inside it recurses)


class Reader:
    """One document read from events; :meth:`read` -> (data, the root's place)."""

    def __init__(self, text: str, source: str) -> None:
        self.source = source
        self.locator = Locator(source)
        self.counting = written_bound(text) > MAX_WRITTEN
        self.values = 0  # values written so far (counted only when the cheap bound allows more)
        self.level = 0  # collections open, whatever happened
        self.stack: list[_Frame] = []
        self.anchors: dict[str, _Anchor] = {}
        self.added = 0  # values aliases added
        self.strings: dict[str, str] = {}  # one object for each short text (keys repeat a lot)
        self.error: SpecError | None = None
        self.parser = parser(text)

    def read(self) -> tuple[Any, tuple[int, int] | None]:
        """The document's data and its root's (line, column); None when there is no document."""
        try:
            return self._read()
        finally:
            self.parser.dispose()

    def _read(self) -> tuple[Any, tuple[int, int] | None]:
        get = self.parser.get_event
        get()  # the stream's start
        if isinstance(self._event(get()), StreamEndEvent):
            return None, None
        root = self._event(get())  # the root node's first event
        root_mark = root.start_mark
        data = None
        try:
            data = self._build(root)
        except SpecError as e:
            if e.code == "too-many-values" and self.values > MAX_WRITTEN:
                raise
            self.error = e
            self._drain()
        self._event(get())  # the document's end
        extra = self._event(get())
        if not isinstance(extra, StreamEndEvent):
            self._composer_error(yaml.composer.ComposerError(
                "expected a single document in the stream", root_mark,
                "but found another document", extra.start_mark))
        if self.error is not None:
            raise self.error
        return data, (root_mark.line, root_mark.column)

    # ------------------------------------------------------------------ events

    def _event(self, event: Any) -> Any:
        """Count a written value (when counting); past the limit, refused where it is."""
        if self.counting and isinstance(event, _SCALAR_START):
            self.values += 1
            if self.values > MAX_WRITTEN:
                mark = event.start_mark
                raise SpecError(f"the document writes more than {MAX_WRITTEN:,} values (the limit "
                                "of a spec file)", loc=Loc(self.source, mark.line + 1, mark.column + 1),
                                code="too-many-values")
        return event

    def _counted(self) -> Any:
        return self._event(self.parser.get_event())

    def _composer_error(self, error: yaml.YAMLError) -> None:
        """A YAML error found while composing: raised once the count of written values is
        known not to pass its limit first (the count reads on, to the first parser error)."""
        if self.counting:
            get = self.parser.get_event
            try:
                while not isinstance(self._event(get()), StreamEndEvent):
                    pass
            except yaml.YAMLError:
                pass
        raise error

    def _anchor(self, event: Any) -> str | None:
        anchor = event.anchor
        if anchor is not None and anchor in self.anchors:
            first = self.anchors[anchor].mark
            what = "found duplicate anchor; first occurrence" if _C else \
                f"found duplicate anchor {anchor!r}; first occurrence"
            self._composer_error(yaml.composer.ComposerError(what, first, "second occurrence",
                                                             event.start_mark))
        return anchor

    def _target(self, event: Any) -> _Anchor:
        target = self.anchors.get(event.anchor)
        if target is None:
            what = "found undefined alias" if _C else f"found undefined alias {event.anchor!r}"
            self._composer_error(yaml.composer.ComposerError(None, None, what, event.start_mark))
        return target  # type: ignore[return-value]

    def _drain(self) -> None:
        """After a problem of the data: the rest of the document read for YAML's errors only."""
        get = self.parser.get_event
        while self.level > 0:
            event = self._event(get())
            kind = event.__class__
            if kind is ScalarEvent:
                self._define(event)
            elif kind is SequenceStartEvent or kind is MappingStartEvent:
                self._define(event)
                self.level += 1
            elif kind is SequenceEndEvent or kind is MappingEndEvent:
                self.level -= 1
            elif kind is AliasEvent:
                self._target(event)

    def _define(self, event: Any) -> None:
        anchor = self._anchor(event)
        if anchor is not None:
            self.anchors[anchor] = _Anchor(event.start_mark, "", 0)

    # ------------------------------------------------------------------ building

    def _build(self, event: Any) -> Any:
        """Read the document's root node, starting at ``event``; its value."""
        # The counting check on every event only when the count can pass its limit.
        get = self._counted if self.counting else self.parser.get_event
        stack = self.stack
        while True:
            kind = event.__class__
            if kind is ScalarEvent:
                done = self._scalar(event)
            elif kind is SequenceEndEvent or kind is MappingEndEvent:
                self.level -= 1
                done = self._close()
            elif kind is AliasEvent:
                done = self._alias(event)
            else:  # a sequence or a mapping starts
                self.level += 1
                self._open(event, kind is MappingStartEvent)
                done = None
            if done is not None and not stack:
                return done[0]
            event = get()

    def _scalar(self, event: Any) -> tuple[Any] | None:
        # The hot spot of a long spec (three values in four are scalars): the tag, a plain number's
        # value, the place and the handing to the parent made here, not by calls (which cost as much).
        anchor = event.anchor and self._anchor(event)  # most scalars have none
        stack = self.stack
        top = stack[-1] if stack else None
        is_key = top is not None and top.is_map and not top.has_key
        raw, tag = event.value, event.tag
        value: Any = _UNREAD
        if tag is None or tag == "!":
            implicit = event.implicit
            if implicit[0] and raw.isdigit() and raw.isascii() and (raw[0] != "0" or len(raw) == 1) \
                    and len(raw) <= MAX_DIGITS:  # plain decimal digits: implicit_tag's int, and the
                tag, value = _INT, int(raw)  # value scalar_value makes of it (`out: 3350`)
            else:
                tag = implicit_tag(raw, implicit)
        start = event.start_mark
        line, col = start.line, start.column
        quoted = event.style in _QUOTES
        colform = col * 4 + NOT_VERBATIM
        if tag == _STR and not is_key:  # the one kind of value read by offsets in its text
            end = event.end_mark  # (Locator.text_offsets): the others are not looked at twice
            if line == end.line and end.column - col == len(raw) + (2 if quoted else 0):
                colform += VERBATIM_QUOTED if quoted else VERBATIM
        locator = self.locator  # a place in Locator.pack's short form, or asked of it
        place = line << 12 | colform if line < SHORT_LINES and colform < SHORT_COLFORM \
            else locator.pack(line, colform)
        record = _Anchor(start, tag, place) if anchor is not None else None
        if record is not None:
            self.anchors[anchor] = record  # type: ignore[index]
        if is_key and tag == _MERGE:
            raise self._merge(place)
        if top is not None and top.depth >= MAX_DEPTH:  # this scalar is one level deeper
            raise self._too_deep(place)
        if tag == _STR:
            value = self.strings.setdefault(raw, raw) if len(raw) <= 40 else raw
            if not is_key and raw not in locator.names:  # `- relu` again: nothing new to find
                locator.words(raw, line, col, quoted)
        elif value is _UNREAD:
            value = scalar_value(raw, tag, place, locator)
        if record is not None:
            record.value, record.raw, record.quoted = value, raw, quoted
        return self._give(top, is_key, value, place, raw)

    def _open(self, event: Any, is_map: bool) -> None:
        anchor = event.anchor and self._anchor(event)  # most collections have none
        stack = self.stack
        top = stack[-1] if stack else None
        is_key = top is not None and top.is_map and not top.has_key
        depth = 0 if top is None else top.depth + 1
        tag = event.tag
        if tag is None or tag == "!":
            tag = _MAP if is_map else _SEQ
        start = event.start_mark
        line, colform = start.line, start.column * 4
        place = line << 12 | colform if line < SHORT_LINES and colform < SHORT_COLFORM \
            else self.locator.pack(line, colform)  # as in _scalar
        frame = _Frame(is_map, place, depth, is_key, anchor)
        if anchor is not None:
            record = self.anchors[anchor] = _Anchor(start, tag, place)
            record.frame = frame
        if is_key and tag == _MERGE:
            raise self._merge(place)
        if depth > MAX_DEPTH:
            raise self._too_deep(place)
        if tag not in (_SEQ, _MAP):
            raise SpecError(f"the YAML tag {tag} is not supported in specs", code="yaml-tag",
                            loc=self.locator.loc(place))
        stack.append(frame)

    def _close(self) -> tuple[Any] | None:
        frame = self.stack.pop()
        container = frame.container
        self.locator.add(container, frame.places)
        if frame.anchor is not None:
            record = self.anchors[frame.anchor]
            record.value, record.frame = container, None
        if frame.is_key:
            raise self._bad_key(frame.place)
        if not self.stack:  # the document is this collection
            return (container,)
        top = self.stack[-1]
        return self._give(top, top.is_map and not top.has_key, container, frame.place, None)

    def _alias(self, event: Any) -> tuple[Any] | None:
        target = self._target(event)
        top = self.stack[-1] if self.stack else None
        is_key = top is not None and top.is_map and not top.has_key
        depth = 0 if top is None else top.depth + 1
        place = target.place
        if is_key and target.tag == _MERGE:
            raise self._merge(place)
        if target.frame is not None:  # inside what it repeats: endless, refused where it stops
            self._endless(target.frame, depth)
        if depth > MAX_DEPTH:
            raise self._too_deep(place)
        if target.raw is not None or not isinstance(target.value, list | dict):  # a scalar
            if target.tag == _STR and not is_key:
                line, colform = self.locator.unpack(place)
                self.locator.words(target.raw, line, colform >> 2, target.quoted)
            value = target.value
        else:
            value = self._copy(target.value, depth)
            if is_key:
                raise self._bad_key(place)
        return self._give(top, is_key, value, place, target.raw)

    def _give(self, top: _Frame | None, is_key: bool, value: Any, place: int, raw: Any) -> tuple[Any] | None:
        """A finished value to its parent; ``(value,)`` when it is the document's root."""
        if top is None:
            return (value,)
        places = top.places
        if not top.is_map:
            top.container.append(value)
        elif is_key:
            if value in top.container:
                raise self._duplicate(top, value, raw, place)
            top.key, top.has_key = value, True
            top.raw_keys.append(raw)
        else:
            top.container[top.key] = value
            top.has_key = False
        places.append(place)
        return None

    # ------------------------------------------------------------------ aliases

    def _count(self, place: int) -> None:
        self.added += 1
        if self.added > MAX_NODES:
            raise SpecError(f"YAML aliases add more than {MAX_NODES:,} values to what the document "
                            "writes (aliases repeating each other?)", code="too-many-values",
                            loc=self.locator.loc(place))

    def _copy(self, value: Any, depth: int) -> Any:
        """A copy of a finished container (an alias's value), its values counted and its depth
        checked as they are copied; each copied container has its original's places."""
        run = self.locator.run_of(value)
        start, count = run if run is not None else (0, 0)
        flat = self.locator.flat
        depth += 1
        if isinstance(value, dict):
            out: Any = {}
            for i, (k, v) in enumerate(value.items()):
                for place in (flat[start + 2 * i], flat[start + 2 * i + 1]):
                    self._count(place)
                    if depth > MAX_DEPTH:
                        raise self._too_deep(place)
                out[k] = self._copy(v, depth) if isinstance(v, list | dict) else v
        else:
            out = []
            for i, v in enumerate(value):
                place = flat[start + i]
                self._count(place)
                if depth > MAX_DEPTH:
                    raise self._too_deep(place)
                out.append(self._copy(v, depth) if isinstance(v, list | dict) else v)
        self.locator.share(out, start, count)
        return out

    def _endless(self, target: _Frame, depth: int) -> None:
        """An alias inside the collection it repeats: copying it would never end.  The copy is
        walked as converting it would go (each open collection from the target down: its values
        read so far, then the next one; at the bottom the alias, that is the target again, one
        round deeper) until it passes the depth or the alias limit, which it always does."""
        frames = self.stack[self.stack.index(target):]
        first = True
        while True:
            for frame in frames:
                if not first:  # the copy's own first value is the alias's: not counted
                    self._count(frame.place)
                first = False
                if depth > MAX_DEPTH:
                    raise self._too_deep(frame.place)
                self._walk(_read_so_far(frame), frame.places, depth + 1)
                depth += 1

    def _walk(self, children: Any, places: Any, depth: int) -> None:
        """Count and check values at ``depth`` and below as a copy would (no copy is made)."""
        for child, place in zip(children, places, strict=False):
            self._count(place)
            if depth > MAX_DEPTH:
                raise self._too_deep(place)
            if isinstance(child, list | dict):
                start, count = self.locator.run_of(child) or (0, 0)
                inner = [c for kv in child.items() for c in kv] if isinstance(child, dict) else child
                self._walk(inner, self.locator.flat[start:start + count], depth + 1)

    # ------------------------------------------------------------------ checks

    def _too_deep(self, place: int) -> SpecError:
        return SpecError(f"the document is nested more than {MAX_DEPTH} levels deep", code="too-deep",
                         loc=self.locator.loc(place))

    def _merge(self, place: int) -> SpecError:
        return SpecError("YAML merge keys (<<) are not supported in specs", code="yaml-merge-key",
                         loc=self.locator.loc(place))

    def _bad_key(self, place: int) -> SpecError:
        return SpecError("a mapping key must be a word or number", code="bad-key",
                         loc=self.locator.loc(place))

    def _duplicate(self, top: _Frame, key: Any, raw: Any, place: int) -> SpecError:
        i = next((i for i, r in enumerate(top.raw_keys) if r == raw), None)
        first = self.locator.loc(place if i is None else top.places[2 * i])
        return SpecError(f"key `{key}` appears twice (first at line {first.line}, column {first.column})",
                         code="duplicate-key", loc=self.locator.loc(place))


def _read_so_far(frame: _Frame) -> list[Any]:
    """The values read into an open frame, in order (a mapping's keys and values in turn)."""
    if not frame.is_map:
        return frame.container  # type: ignore[no-any-return]
    out = [c for pair in frame.container.items() for c in pair]
    if frame.has_key:
        out.append(frame.key)
    return out
