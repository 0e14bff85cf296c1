"""``size(tensor, axis)`` in a spec: which tensor each ``size()`` reads, found while blocks unroll.

Only specs that write ``size()`` import this (:class:`convcalc.engine.expand` asks it).
"""

from __future__ import annotations

from typing import Any

from ..arith import expr
from ..errors import SpecError
from . import sharing
from .block_args import parse_cached
from .refs import Source


def pin(expander: Any, raw: str, level: Any, scope: Any, index: int) -> Any:
    """``size(in, 0)`` in a block use's argument ``raw``: ``in`` pinned to the use's input (a name of
    the expander's ``pinned`` table), so the value means the same wherever it lands in the block."""
    try:
        node = parse_cached(raw)
    except SpecError:
        return raw
    names: dict[str, str] = {}
    for tensor in expr.tensors(node):
        if tensor in expander.pinned or tensor in names:
            continue
        found = expander.source(tensor, level, scope, index)
        if len(found) != 1:
            raise SpecError(f"size({tensor}, ...): `{tensor}` is {len(found)} tensors here; name one "
                            "(in.0, in.1, ...)", code="size-of-several")
        names[tensor] = f"__tensor{len(expander.pinned)}"
        expander.pinned[names[tensor]] = found[0]
    return expr.render(sharing.rename_tensors(node, names), pretty=False) if names else raw


def reads(expander: Any, texts: list[str], level: Any, scope: Any, index: int
          ) -> tuple[tuple[str, Source], ...]:
    """The tensors the ``size()`` calls in ``texts`` (a layer's arguments and ``if:``) read."""
    out: dict[str, Source] = {}
    for text in texts:
        try:
            tensors = expr.tensors(parse_cached(text))
        except SpecError:
            continue  # the layer's own reading of the argument says what is wrong
        for tensor in tensors:
            if tensor in out:
                continue
            found = (expander.pinned[tensor],) if tensor in expander.pinned else \
                expander.source(tensor, level, scope, index)
            if len(found) != 1:
                raise SpecError(f"size({tensor}, ...): `{tensor}` is {len(found)} tensors here; "
                                "name one (in.0, in.1, ...)", code="size-of-several")
            out[tensor] = found[0]
    return tuple(out.items())
