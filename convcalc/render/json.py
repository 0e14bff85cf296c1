"""``--format json``: SPEC §7, one object per spec (a list for several)."""

from __future__ import annotations

import json
from typing import Any, TextIO

from ..errors import SpecError
from .common import Options


def item_dict(item: Any) -> dict[str, Any]:
    if isinstance(item, SpecError):
        return {"error": item.to_dict()}
    return item.to_dict()  # type: ignore[no-any-return]


def render(items: list[tuple[str, Any]], opts: Options, out: TextIO, err: TextIO) -> None:
    docs = [item_dict(r) for _, r in items]
    out.write(dumps(docs[0] if len(docs) == 1 else docs) + "\n")


_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode  # the C encoder


def dumps(doc: Any) -> str:
    """Indented JSON with lists of plain values (shapes) kept on one line.

    Written out here rather than by ``json.dumps(indent=2)``, whose indenting
    encoder is pure Python (the slowest step of a 10,000-layer spec); the leaves
    and one-line lists still go through the C encoder.
    """
    out: list[str] = []
    _write(doc, 0, out)
    return "".join(out)


_KEYS: dict[Any, str] = {}


def _key(k: Any) -> str:
    text = _KEYS.get(k) if type(k) is str else None
    if text is None:
        # json's own rule for keys: 1 -> "1", True -> "true", None -> "null"
        text = _ENCODE(k if isinstance(k, str) else _ENCODE(k)) + ": "
        if type(k) is str and len(_KEYS) < 1000:
            _KEYS[k] = text
    return text


def _leaf(v: Any) -> str:
    return str(v) if type(v) is int else _ENCODE(v)


def _write(v: Any, level: int, out: list[str]) -> None:
    if isinstance(v, dict):
        items = [(_key(k), x) for k, x in v.items()]
    elif isinstance(v, list | tuple):
        if all(type(x) is int for x in v):  # shapes: the common case, done directly
            out.append("[" + ", ".join(map(str, v)) + "]")
            return
        if not any(isinstance(x, dict | list | tuple) for x in v):
            out.append(_ENCODE(list(v)))
            return
        items = [("", x) for x in v]
    else:
        out.append(_leaf(v))
        return
    if not items:
        out.append("{}" if isinstance(v, dict) else "[]")
        return
    pad = "\n" + "  " * (level + 1)
    out.append("{" if isinstance(v, dict) else "[")
    first = True
    for prefix, x in items:
        out.append(pad + prefix if first else "," + pad + prefix)
        first = False
        if type(x) is int:
            out.append(str(x))
        elif type(x) is str:
            out.append(_ENCODE(x))
        else:
            _write(x, level + 1, out)
    out.append("\n" + "  " * level + ("}" if isinstance(v, dict) else "]"))
