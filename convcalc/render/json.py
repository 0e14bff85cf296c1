"""``--format json``: SPEC §7, one object per spec (a list for several)."""

from __future__ import annotations

import json
import re
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


_FLAT_LIST = re.compile(r"\[\s*([^\[\]{}]*?)\s*\]", re.S)


def dumps(doc: Any) -> str:
    """Indented JSON with short lists (shapes) kept on one line."""
    text = json.dumps(doc, indent=2, ensure_ascii=False)
    return _FLAT_LIST.sub(lambda m: "[" + ", ".join(x.strip() for x in m.group(1).split(",")) + "]"
                          if m.group(1).strip() else "[]", text)
