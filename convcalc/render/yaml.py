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
from .options import Options
from .run import Item, render_each


def _order(type_: str, framework: str) -> tuple[Sequence[str], bool] | None:
    """The type's positional order, and whether its last parameter takes the remaining values."""
    from ..errors import SpecError
    from ..layers.registry import lookup

    try:
        resolved = lookup(type_, framework)
    except SpecError:
        return None
    order = resolved.order
    params = {p.name: p for p in resolved.layer.params}
    last = params.get(order[-1]) if order else None
    return order, bool(last is not None and last.variadic)


def lines(result: Result, opts: Options, unicode: bool = True) -> list[str]:
    from ..spec.write import dumps

    return dumps(_with_names(result), _order, unicode).rstrip("\n").split("\n")


def _with_names(result: Result) -> Any:
    """The spec with a ``vars:`` entry for each name the run bound (``-D C=8``) or left free that
    the spec does not declare: a YAML file must declare its names (a one-liner need not), so
    without them the file would not read back to the same network and totals."""
    from .._record import replace
    from ..spec.model import names_in

    spec = result.spec
    written = dict(spec.vars)
    for name, value in result.env.items():
        if written.get(name) is None and type(value) is int:  # -D's value, over a free `null`
            written[name] = value
    in_input = {word for shape in spec.inputs.values() for raw in shape if isinstance(raw, str)
                for word in names_in(raw)}  # a name in the input shape is declared by it
    for name in result.free_names:
        if name not in written and name not in in_input:
            written[name] = None
    return replace(spec, vars=written) if written != dict(spec.vars) else spec


def writable(item: Any) -> Any:
    """A result whose network a convcalc spec cannot say (print(model) text that stopped fitting)."""
    from ..errors import Loc, SpecError

    imported = getattr(item, "imported", None)
    if imported is not None and imported.get("writable") is False:
        return SpecError("cannot write it as an equivalent convcalc YAML file: its shapes are not all known "
                         "or it has parameters the text does not show (see the notes)",
                         code="yaml-not-equivalent", loc=Loc(item.source))
    return item


def render(items: Sequence[Item], opts: Options, out: TextIO, err: TextIO) -> None:
    from .streams import is_utf

    unicode = is_utf(out)  # else YAML's own escapes: the same text read back (render/streams.py)
    render_each([writable(item) for item in items], opts, out, err,
                lambda result, o: lines(result, o, unicode), between="---\n")
