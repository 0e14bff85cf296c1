"""Indented JSON, written for speed: the ``--format json`` writer.

Why this exists: ``json.dumps(indent=2)`` uses json's pure-Python indenting
encoder, the slowest step of a 10,000-layer spec.  Here strings are escaped by
``str.translate`` (json's escapes, plus DEL and C1 as ``\u0080``: never raw),
ints are printed directly, and the other scalars as json prints them, without
importing json (its import compiles six patterns: ~1 ms of start-up, issue 20).
The text is what ``json.dumps(indent=2, ensure_ascii=False)`` gives, except that
lists of plain values (shapes) stay on one line and C1 characters are escaped.
What the JSON holds is decided elsewhere
(:meth:`convcalc.core.result.Result.to_dict`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TextIO


def _no_text(item: Any, level: int) -> str | None:
    return None


class Stream:
    """A list whose items are made as they are written (a 100,000-layer document is never held
    whole: neither its dicts nor its text); subclasses iterate over the items.

    ``text(item, level)``: an item's text when the stream makes it itself (set per stream: a
    plain function, as it is asked for every item), else None and :meth:`write_item` writes it.
    """

    text: Callable[[Any, int], str | None] = staticmethod(_no_text)

    def __iter__(self) -> Any:
        raise NotImplementedError

    def write_item(self, item: Any, level: int, out: Any) -> None:
        """Write one item at indentation ``level`` (a subclass may write its items' text itself)."""
        _write(item, level, out)


def write(doc: Any, out: TextIO) -> None:
    """``doc`` as indented JSON, then a newline, written to ``out`` in chunks."""
    sink = _Sink(out)
    _write(doc, 0, sink)
    sink.append("\n")
    sink.flush()


class _Sink:
    """The pieces of the JSON text, written to the stream in chunks."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.pieces: list[str] = []

    def append(self, piece: str) -> None:
        self.pieces.append(piece)
        if len(self.pieces) >= 4096:
            self.flush()

    def flush(self) -> None:
        self.out.write("".join(self.pieces))
        self.pieces.clear()


# json's escapes (C0 controls, the quote, the backslash), and DEL and C1 as \u0080 too: never raw
_ESCAPES = {**{c: f"\\u{c:04x}" for c in (*range(0x20), *range(0x7F, 0xA0))},
            ord('"'): '\\"', ord("\\"): "\\\\", ord("\b"): "\\b", ord("\f"): "\\f", ord("\n"): "\\n",
            ord("\r"): "\\r", ord("\t"): "\\t"}


def _string(s: str) -> str:
    if s.isprintable() and '"' not in s and "\\" not in s:  # the common case: nothing to escape
        return '"' + s + '"'
    return '"' + s.translate(_ESCAPES) + '"'


def _scalar(x: Any) -> str:
    """A value that is not a str, an int, a list or a mapping, as ``json.dumps`` writes it."""
    if x is None:
        return "null"
    if x is True:
        return "true"
    if x is False:
        return "false"
    if isinstance(x, float):
        if not math.isfinite(x):
            raise ValueError(f"Out of range float values are not JSON compliant: {x!r}")
        return float.__repr__(x)
    if isinstance(x, int):  # an int enum: its number, as json writes it
        return int.__repr__(x)
    if isinstance(x, str):  # a str enum (Framework): its text
        return _string(str.__str__(x))
    raise TypeError(f"Object of type {type(x).__name__} is not JSON serializable")
_PADS = ["\n" + "  " * level for level in range(32)]


def dumps(doc: Any) -> str:
    """Indented JSON with lists of plain values (shapes) kept on one line.

    The output is what ``json.dumps(indent=2, ensure_ascii=False)`` gives, except that
    lists of plain values stay on one line (and DEL and C1 are escaped: the module's
    docstring says why it is written out here).
    """
    out: list[str] = []
    _write(doc, 0, out)
    return "".join(out)


_KEYS: dict[str, str] = {}


def _key(k: Any) -> str:
    text = _KEYS.get(k) if type(k) is str else None
    if text is None:
        # json's own rule for keys: 1 -> "1", True -> "true", None -> "null"
        text = _string(k if isinstance(k, str) else _scalar(k)) + ": "
        if type(k) is str and len(_KEYS) < 1000:
            _KEYS[k] = text
    return text


def _flat(v: list[Any] | tuple[Any, ...]) -> str | None:
    """A list of plain values on one line, or None when it holds a list or a mapping."""
    if not v:
        return "[]"
    if type(v[0]) is int:  # shapes, the common case
        try:
            return "[" + ", ".join([str(x) if type(x) is int else _plain(x) for x in v]) + "]"
        except _Nested:
            return None
    try:
        return "[" + ", ".join([_plain(x) for x in v]) + "]"
    except _Nested:
        return None


class _Nested(Exception):
    """A list or a mapping where a plain value was expected."""


def _plain(x: Any) -> str:
    t = type(x)
    if t is str:
        return _string(x)  # type: ignore[no-any-return]
    if t is int:
        return str(x)
    if isinstance(x, dict | list | tuple):
        raise _Nested
    if t is float and not math.isfinite(x):
        return _string(str(x))  # strict JSON has no NaN or Infinity
    return _scalar(x)


def _write(v: Any, level: int, out: Any) -> None:
    if isinstance(v, dict):
        if not v:
            out.append("{}")
            return
        pad = _PADS[level + 1] if level + 1 < len(_PADS) else "\n" + "  " * (level + 1)
        out.append("{")
        sep = pad
        for k, x in v.items():
            text = _KEYS.get(k) if type(k) is str else None
            out.append(sep + (text or _key(k)))
            sep = "," + pad
            t = type(x)
            if t is int:
                out.append(str(x))
            elif t is str:
                out.append(_string(x))
            else:
                _write(x, level + 1, out)
        out.append(pad[:-2] + "}")
        return
    if isinstance(v, Stream):
        _write_stream(v, level, out)
        return
    if isinstance(v, list | tuple):
        flat = _flat(v)
        if flat is not None:
            out.append(flat)
            return
        _write_list(iter(v), level, out, "")
        return
    out.append(_plain(v))


def _write_list(items: Any, level: int, out: Any, empty: str, each: Any = _write) -> None:
    """A list with one item per line (``empty``: what an empty one is written as, when it may be;
    ``each``: what writes an item)."""
    pad = _PADS[level + 1] if level + 1 < len(_PADS) else "\n" + "  " * (level + 1)
    first = next(items, _END)
    if first is _END:
        out.append(empty or "[]")
        return
    out.append("[" + pad)
    each(first, level + 1, out)
    for x in items:
        out.append("," + pad)
        each(x, level + 1, out)
    out.append(pad[:-2] + "]")


def _write_stream(stream: Stream, level: int, out: Any) -> None:
    """A stream's items, one per line, as :func:`_write_list` writes a list's (an item whose text
    the stream makes goes out with its separator in one piece)."""
    pad = _PADS[level + 1] if level + 1 < len(_PADS) else "\n" + "  " * (level + 1)
    text_of, write_item = stream.text, stream.write_item
    sep = "[" + pad
    for item in stream:
        text = text_of(item, level + 1)
        if text is None:
            out.append(sep)
            write_item(item, level + 1, out)
        else:
            out.append(sep + text)
        sep = "," + pad
    out.append("[]" if sep[0] == "[" else pad[:-2] + "]")


write_value = _write  # a value at an indentation level, into a list of pieces (or a sink)
key_text = _key  # '"name": '
string_text = _string  # a JSON string, C0 and C1 escaped


_END = object()
