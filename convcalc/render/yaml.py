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


def render(items: list[tuple[str, Any]], opts: C.Options, out: TextIO, err: TextIO) -> None:
    C.render_each(items, opts, out, err, lines, between="---\n", failures_to_err=True)
