"""Tables computed once per layer type, found again by the identity of its parameter tuple.

Why this exists: binding and coercing run for every layer use, and a
10,000-layer spec uses a handful of types; building the spelling index and
the coercion plan afresh each time was a visible share of a run.  The key is
``id(params)``, not the tuple itself, because hashing a tuple of
:class:`~convcalc.core.params.Param` hashes every field of every entry.  Each
entry keeps its tuple alive and is checked with ``is``, so an id is never
mistaken for another object's.  Nothing but speed depends on these caches.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..errors import SpecError

Param = Any  # convcalc.core.params.Param (not imported: params imports this module)

_NAMES: dict[int, tuple[Sequence[Param], dict[str, str]]] = {}
_KNOWN: dict[int, tuple[Sequence[Param], frozenset[str]]] = {}


def names_index(params: Sequence[Param]) -> dict[str, str]:
    """Every accepted spelling (lower case) -> parameter name; computed once per layer type."""
    hit = _NAMES.get(id(params))
    if hit is not None and hit[0] is params:
        return hit[1]
    by_name: dict[str, str] = {}
    for p in params:
        for n in p.names:
            by_name.setdefault(n.lower(), p.name)
    _NAMES[id(params)] = (params, by_name)  # keeps `params` alive, so the id stays its own
    return by_name


def param_names(params: Sequence[Param]) -> frozenset[str]:
    """The parameters' own names; computed once per layer type."""
    hit = _KNOWN.get(id(params))
    if hit is not None and hit[0] is params:
        return hit[1]
    names = frozenset(names_index(params).values())
    _KNOWN[id(params)] = (params, names)  # keeps `params` alive, so the id stays its own
    return names


_PLANS: dict[tuple[int, str], tuple[Sequence[Param], tuple[tuple[str, Any, Any], ...]]] = {}


def coerce_plan(params: Sequence[Param], framework: str) -> tuple[tuple[str, Any, Any], ...]:
    """(name, coerce, default) of each parameter; computed once per layer type and framework."""
    key = (id(params), framework)
    hit = _PLANS.get(key)
    if hit is not None and hit[0] is params:
        return hit[1]
    plan = tuple((p.name, p.kind.coerce, p.default_for(framework)) for p in params)
    _PLANS[key] = (params, plan)  # keeps `params` alive, so the id stays its own
    return plan


_DEFAULTS: dict[tuple[int, str, int | None, str], tuple[Sequence[Param], dict[str, Any]]] = {}


def coerced_defaults(params: Sequence[Param], framework: str, rank: int | None,
                     spelling: str) -> dict[str, Any]:
    """The checked values of the parameters' defaults, filled in as ``coerce_all`` meets them
    (:func:`coerce_default`).  A default is a constant, so its value depends on nothing but the
    framework and the rank (and the spelling, in a refusal's words): one table per layer type and those."""
    key = (id(params), framework, rank, spelling)
    hit = _DEFAULTS.get(key)
    if hit is not None and hit[0] is params:
        return hit[1]
    known: dict[str, Any] = {}
    _DEFAULTS[key] = (params, known)  # keeps `params` alive, so the id stays its own
    return known


_CONSTANT = (int, bool, float, str, tuple)  # what a default's checked value may be shared as


def coerce_default(known: dict[str, Any], name: str, coerce: Callable[..., Any], default: Any,
                   ctx: Any) -> Any:
    """A default's checked value, kept in ``known`` (see :func:`coerced_defaults`) unless checking it
    said something (an explain step, a condition), which every use must say again."""
    said = len(ctx.steps), len(ctx.constraints)
    value = coerce(default, ctx, name)
    if type(value) in _CONSTANT and said == (len(ctx.steps), len(ctx.constraints)):
        known[name] = value
    return value


# (type, framework, rank, spelling, names of the arguments given) -> the values of the other
# parameters, in the parameters' order, the given ones' coercions, and the checked values of the
# whole numbers given so far, by parameter and number (see coerce_by_template)
_Template = tuple[Sequence[Param], dict[str, Any], tuple[tuple[str, Any], ...], dict[tuple[str, int], Any]]
_TEMPLATES: dict[tuple[Any, ...], _Template] = {}


def coerce_by_template(bound: Mapping[str, Any], params: Sequence[Param], ctx: Any,
                       where: Callable[[str], Any] | None) -> dict[str, Any] | None:
    """``coerce_all``'s answer from the template an earlier use of the type kept (:func:`keep_template`),
    or None.  A use that names the same arguments takes the same defaults, each of which an earlier
    use found to be one constant that said nothing (see :func:`coerce_default`): only the given
    arguments are checked, in the parameters' order as ``coerce_all`` checks them, so a wrong one is
    the same error.  A distinct 10,000-layer spec has few ways of writing each type.

    A whole number given is checked once per parameter and number, as a default is (its checked
    value depends on the framework, the rank and the spelling alone, all in the key; only text is
    read with the spec's vars): kept when it is a constant and checking it said nothing."""
    hit = _TEMPLATES.get((id(params), ctx.framework, ctx.rank, ctx.spelling, tuple(bound)))
    if hit is None or hit[0] is not params:
        return None
    values = dict(hit[1])  # the parameters' order, as coerce_all makes it
    known = hit[3]
    for name, coerce in hit[2]:
        raw = bound[name]
        whole = type(raw) is int  # not a bool: True is not 1 here
        if whole:
            value = known.get((name, raw), _MISSING)
            if value is not _MISSING:
                values[name] = value
                continue
            said = len(ctx.steps), len(ctx.constraints)
        try:
            value = values[name] = coerce(raw, ctx, name)
        except SpecError as e:
            if where is None:
                raise
            raise e.with_location(where(name)) from None
        if whole and type(value) in _CONSTANT and said == (len(ctx.steps), len(ctx.constraints)) \
                and len(known) < 1000:
            known[(name, raw)] = value
    return values


_MISSING: Any = object()


def keep_template(params: Sequence[Param], ctx: Any, bound: Mapping[str, Any], values: dict[str, Any],
                  coercers: tuple[tuple[str, Any], ...]) -> None:
    """Keep a use's ``values`` for :func:`coerce_by_template`: every parameter it did not give took a
    default that is the same for every use (``coercers``: the given ones', in the parameters' order)."""
    if len(_TEMPLATES) < 10_000:
        key = (id(params), ctx.framework, ctx.rank, ctx.spelling, tuple(bound))
        # keeps `params` alive, so the id stays its own
        _TEMPLATES[key] = (params, dict(values), coercers, {})


_BINDINGS: dict[tuple[int, Any], tuple[Sequence[Param], tuple[tuple[str, int | str], ...]]] = {}


def bind_plan(params: Sequence[Param], written: tuple[Any, ...],
              match: Callable[[], tuple[tuple[str, int | str], ...]]) -> tuple[tuple[str, int | str], ...]:
    """Which parameter each argument binds to, ``match()`` once per layer type and way of writing
    (``written``: the positional order, ignored keys, call form, number of arguments and the keys):
    a distinct 10,000-layer spec writes `conv2d: {out: …, kernel: 3, padding: 1}` 3,334 times."""
    key = (id(params), written)
    hit = _BINDINGS.get(key)
    if hit is not None and hit[0] is params:
        return hit[1]
    plan = match()  # a mistake raises here, and nothing is kept
    if len(_BINDINGS) < 10_000:
        _BINDINGS[key] = (params, plan)  # keeps `params` alive, so the id stays its own
    return plan
