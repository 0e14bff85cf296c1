"""``--format json``: SPEC §7, one object per spec (a list for several).

With ``--explain`` every layer also has ``"explain"``: its explain lines, in ASCII
(``floor(...)``, ``*``), as ``--format plain`` prints them (an extension of SPEC §7:
a key that is there only when asked for).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TextIO

from ..errors import SpecError
from ._json_writer import dumps
from .explain import chosen, explain_lines
from .options import Options
from .run import Item, each


def item_dict(item: Any, opts: Options | None = None) -> dict[str, Any]:
    if isinstance(item, SpecError):
        return {"file": item.file, "error": item.to_dict()}
    doc: dict[str, Any] = item.to_dict()
    if opts is not None and opts.explain:
        ascii_opts = Options(format="plain")
        for layer, d in zip(item.layers, doc["layers"], strict=True):
            if chosen(layer, opts):  # --explain-layer: only the layers it names
                d["explain"] = explain_lines(layer, ascii_opts)
    return doc


def render(items: Sequence[Item], opts: Options, out: TextIO, err: TextIO) -> None:
    """One object per spec, a list for several; ``-q``: the failing specs' objects, or nothing."""
    docs = [item_dict(r, opts) for r in each(items, opts, err)]
    if opts.quiet and not docs:
        return
    out.write(dumps(docs[0] if len(items) == 1 else docs) + "\n")
