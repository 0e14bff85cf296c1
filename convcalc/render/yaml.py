"""``--format yaml``: each spec written as an equivalent convcalc YAML file (SPEC §12).

Whatever a spec was read from (a Keras JSON, a Darknet cfg, pasted code, an
inline spec), the YAML written here reads back to the same network with the
same totals.  Several specs are separate YAML documents (``---``); errors go
to standard error.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TextIO

from ..core.result import Result
from . import common as C


def _order(type_: str, framework: str) -> Sequence[str] | None:
    from ..errors import SpecError
    from ..layers.registry import lookup

    try:
        return lookup(type_, framework).order
    except SpecError:
        return None


def lines(result: Result, opts: C.Options) -> list[str]:
    from ..spec.write import dumps

    return dumps(result.spec, _order).rstrip("\n").split("\n")


def writable(item: Any) -> Any:
    """A result whose network a convcalc spec cannot say (print(model) text that stopped fitting)."""
    from ..errors import Loc, SpecError

    imported = getattr(item, "imported", None)
    if imported is not None and imported.get("writable") is False:
        return SpecError("cannot write it as an equivalent convcalc YAML file: its shapes are not all known "
                         "or it has parameters the text does not show (see the notes)",
                         code="yaml-not-equivalent", loc=Loc(item.source))
    return item


def render(items: list[tuple[str, Any]], opts: C.Options, out: TextIO, err: TextIO) -> None:
    items = [(src, writable(item)) for src, item in items]
    C.render_each(items, opts, out, err, lines, between="---\n", failures_to_err=True)
