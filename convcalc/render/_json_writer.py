"""Indented JSON, written for speed: the ``--format json`` writer.

Why this exists: ``json.dumps(indent=2)`` uses json's pure-Python indenting
encoder, the slowest step of a 10,000-layer spec.  Here strings go through
json's C escaper, ints are printed directly, and anything else is a leaf for
the C encoder.  The text is what ``json.dumps(indent=2, ensure_ascii=False)``
gives, except that lists of plain values (shapes) stay on one line.  What the
JSON holds is decided elsewhere (:meth:`convcalc.core.result.Result.to_dict`).
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring
from typing import Any

_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode  # the C encoder
_PADS = ["\n" + "  " * level for level in range(32)]


def dumps(doc: Any) -> str:
    """Indented JSON with lists of plain values (shapes) kept on one line."""
    out: list[str] = []
    _write(doc, 0, out)
    return "".join(out)


_KEYS: dict[str, str] = {}


def _key(k: Any) -> str:
    text = _KEYS.get(k) if type(k) is str else None
    if text is None:
        # json's own rule for keys: 1 -> "1", True -> "true", None -> "null"
        text = encode_basestring(k if isinstance(k, str) else _ENCODE(k)) + ": "
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
        return encode_basestring(x)  # type: ignore[no-any-return]
    if t is int:
        return str(x)
    if isinstance(x, dict | list | tuple):
        raise _Nested
    return _ENCODE(x)


def _write(v: Any, level: int, out: list[str]) -> None:
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
                out.append(encode_basestring(x))
            else:
                _write(x, level + 1, out)
        out.append(pad[:-2] + "}")
        return
    if isinstance(v, list | tuple):
        flat = _flat(v)
        if flat is not None:
            out.append(flat)
            return
        pad = _PADS[level + 1] if level + 1 < len(_PADS) else "\n" + "  " * (level + 1)
        out.append("[")
        sep = pad
        for x in v:
            out.append(sep)
            sep = "," + pad
            _write(x, level + 1, out)
        out.append(pad[:-2] + "]")
        return
    out.append(_plain(v))
