"""``repeat:``: how many rounds, and each round's entries (``$i`` and the ``for:`` values put in).

Only specs with repeats import this (:mod:`convcalc.engine.expand` asks it).
"""

from __future__ import annotations

import re
from typing import Any

from .._record import replace
from ..arith import expr, num
from ..core.params import describe
from ..errors import SpecError
from ..spec.model import LayerSpec, RepeatSpec
from .block_args import NotConcrete, Substitution, mentions_arg, parse_cached, refuse_free


def varies(rep: RepeatSpec) -> bool:
    """Whether the rounds' entries differ (``for:`` values or a ``$name`` in them): asked once a repeat."""
    return bool(rep.each) or mentions_arg(rep.layers)


def round_entries(expander: Any, rep: RepeatSpec, i: int, vary: bool) -> tuple[LayerSpec | RepeatSpec, ...]:
    """Round ``i``'s entries: ``$i`` and the ``for:`` values put in, the values passed to the
    block uses that take an argument of that name (``vary``: :func:`varies`, else the entries as written)."""
    if not vary:
        return rep.layers
    values = {k: v[i] for k, v in rep.each.items()}
    subst = Substitution({"i": i, **values}, "repeat", expander.env, lenient=True)
    out = []
    for e in rep.layers:
        e = subst(e)
        block = expander.blocks.get(e.type.strip()) if isinstance(e, LayerSpec) else None
        if block is not None and values:
            given = {*list(block.args)[:len(e.args)], *e.kwargs}
            extra = {k: v for k, v in values.items() if k in block.args and k not in given}
            if extra:
                e = replace(e, kwargs={**e.kwargs, **extra})
        out.append(e)
    return tuple(out)


def check_for(expander: Any, rep: RepeatSpec) -> None:
    """Every ``for:`` name is taken by a block argument or written as ``$name`` in the layers."""
    for key in rep.each:
        takes = any(isinstance(e, LayerSpec)
                    and key in getattr(expander.blocks.get(e.type.strip()), "args", ())
                    for e in rep.layers)
        if not takes and not re.search(rf"\${key}\b", repr(rep.layers)):
            raise SpecError(f"repeat: for: `{key}` is used by nothing (no block in its layers takes "
                            f"an argument `{key}`, and no `${key}` is written)", code="for-unused",
                            loc=rep.loc)


def check_size(rep: RepeatSpec, times: int, done: int, limit: int) -> None:
    """Refuse a repeat whose rounds must take the expansion past ``limit`` entries read, ``done``
    read so far: before its rounds are unrolled (``times: 10**9`` took 1.4 s and 95 MB to refuse)."""
    per_round = _least_work(rep.layers)
    if done + times * per_round > limit:
        least = "" if per_round == len(rep.layers) else "at least "
        raise SpecError(f"the network expands to more than {limit:,} entries: repeat: times is {times:,}, "
                        f"with {least}{per_round:,} {'entry' if per_round == 1 else 'entries'} a round",
                        loc=rep.times_loc or rep.loc, code="too-many-layers")


def _least_work(entries: tuple[LayerSpec | RepeatSpec, ...]) -> int:
    """The fewest entries the expander reads in one pass over ``entries``: each once, and the rounds of
    a nested repeat whose ``times:`` is a written number (an expression's are counted as unrolled)."""
    return sum(1 + (e.times * _least_work(e.layers) if isinstance(e, RepeatSpec) and type(e.times) is int
                    and e.times > 0 else 0) for e in entries)


def times(expander: Any, rep: RepeatSpec) -> int:
    """``times:``, a whole number 0 or more (an expression in the spec's vars)."""
    raw = rep.times
    try:
        if isinstance(raw, str):
            v = expr.evaluate(parse_cached(raw), expander.env, refuse_free)
        elif type(raw) is int:
            v = raw
        else:
            raise SpecError(f"repeat: times must be a whole number, not {describe(raw)}",
                            code="not-whole")
    except NotConcrete as e:
        raise SpecError(f"repeat: times {raw!r} must be a number, but `{e.args[0]}` is not bound "
                        "(set it in `vars:` or with -D)", loc=rep.times_loc or rep.loc,
                        code="unbound-name") from None
    except SpecError as e:
        raise e.with_location(rep.times_loc or rep.loc) from None
    if not num.is_int(v) or v < 0:
        raise SpecError(f"repeat: times must be 0 or more, not {v}", loc=rep.times_loc or rep.loc,
                        code="negative-value")
    return v
