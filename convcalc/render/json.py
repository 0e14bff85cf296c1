"""``--format json``: SPEC §7, one object per spec (a list for several).

With ``--explain`` every layer also has ``"explain"``: its explain lines, in ASCII
(``floor(...)``, ``*``), as ``--format plain`` prints them (an extension of SPEC §7:
a key that is there only when asked for).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TextIO

from ..errors import SpecError
from ._json_layer import layer_text
from ._json_writer import Stream, write, write_value
from .options import Options
from .run import Item, each


def item_dict(item: Any, opts: Options | None = None) -> dict[str, Any]:
    if isinstance(item, SpecError):
        return {"file": item.file, "error": item.to_dict()}
    doc: dict[str, Any] = item.to_dict()
    if opts is not None and opts.explain:
        from .explain import chosen, explain_lines

        ascii_opts = Options(format="plain")
        for layer, d in zip(item.layers, doc["layers"], strict=True):
            if chosen(layer, opts):  # --explain-layer: only the layers it names
                d["explain"] = explain_lines(layer, ascii_opts)
    return doc


class _Layers(Stream):
    """A result's layers, made into JSON objects one at a time as they are written (a
    100,000-layer document is never held whole: neither its dicts nor its text)."""

    def __init__(self, result: Any, opts: Options | None) -> None:
        self.result = result
        self.opts = opts
        self.explain = Options(format="plain") if opts is not None and opts.explain else None
        if self.explain is None:  # most rows written straight from the row, no dict made
            self.text = layer_text

    def __iter__(self) -> Any:
        return iter(self.result.layers)

    def write_item(self, layer: Any, level: int, out: Any) -> None:
        d = layer.to_dict()
        if self.explain is not None:
            from .explain import chosen, explain_lines

            if chosen(layer, self.opts):  # --explain-layer: those named
                d["explain"] = explain_lines(layer, self.explain)
        write_value(d, level, out)


def _streamed(item: Any, opts: Options) -> dict[str, Any]:
    if isinstance(item, SpecError):
        return item_dict(item, opts)
    doc: dict[str, Any] = item.to_dict(layers=False)
    doc["layers"] = _Layers(item, opts)
    return doc


def render(items: Sequence[Item], opts: Options, out: TextIO, err: TextIO) -> None:
    """One object per spec, a list for several; ``-q``: the failing specs' objects, or nothing."""
    docs = [_streamed(r, opts) for r in each(items, opts, err)]
    if opts.quiet and not docs:
        return
    write(docs[0] if len(items) == 1 else docs, out)
