"""The spec's ``vars:`` and the free names met while evaluating sizes."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from functools import lru_cache
from typing import Any

from ..arith import expr, num
from ..core import params as A
from ..errors import Loc, SpecError, did_you_mean

Value = num.Value


class Names:
    """Free names met while evaluating: each becomes a symbol, a positive integer unless
    ``vars:`` gives it a range.

    ``declared`` (a spec read as YAML) is the set of names the spec declares, in ``vars:``
    or in its input shapes; any other name is an error, so that a typo is not a symbol.
    None (a one-line spec): every name may be free.
    """

    def __init__(self, ranges: Mapping[str, tuple[int, int | None]] | None = None,
                 declared: set[str] | None = None, locs: Mapping[str, Loc] | None = None,
                 quoted: frozenset[str] = frozenset()) -> None:
        self.free: dict[str, None] = {}
        self.symbols: dict[str, Value] = {}
        self.ranges = dict(ranges or {})
        self.declared = declared
        self.locs = locs or {}
        self.quoted = quoted  # a one-liner's names written only in quotes: text, never free

    def __call__(self, name: str) -> Value:
        if name.startswith("$"):
            raise SpecError(f"{name} is a block argument, used outside a block",
                            code="block-argument-outside")
        if name.lower() in ("nan", "inf", "infinity"):
            raise SpecError(f"{name} is not a whole number", code="not-whole")
        if self.declared is not None and name not in self.declared:
            close = did_you_mean(name, self.declared)
            raise SpecError(f"unknown name `{name}`{close}; to leave it free, declare it: "
                            f"`vars: {{{name}: null}}`", code="unknown-name", loc=self.locs.get(name))
        if name in self.quoted:
            raise SpecError(f"'{name}' is written in quotes, so it is text, not a size: write a number, "
                            f"a word this argument takes, or {name} without quotes to leave it free",
                            code="quoted-name")
        self.free.setdefault(name)
        s = self.symbols.get(name)
        if s is None:
            s = self.symbols[name] = num.symbol(name, *self.ranges.get(name, (1, None)))
        return s


def var_ranges(raw: Mapping[str, Any]) -> dict[str, tuple[int, int | None]]:
    """``vars: {p: {min: 0}}`` -> {"p": (0, None)} (the loader has checked the ranges)."""
    return {k: (v.get("min", 1), v.get("max")) for k, v in raw.items() if isinstance(v, Mapping)}


def declared_names(spec_vars: Mapping[str, Any], inputs: Mapping[str, Sequence[Any]]) -> set[str]:
    """The names a YAML spec declares: its ``vars:`` and every name in its input shapes."""
    names = set(spec_vars)
    for shape in inputs.values():
        for raw in shape:
            if isinstance(raw, str):
                with suppress(SpecError):  # the input's own check reports it
                    names |= expr.names(expr.parse(raw))
    return names


def check_defines(defines: Mapping[str, Any], spec_vars: Mapping[str, Any], used: set[str],
                  ranges: Mapping[str, tuple[int, int | None]], loc: Loc | None = None) -> None:
    """``-D h=64`` must bind a name the spec has (a typo would bind nothing), within its range."""
    known = set(spec_vars) | used
    for name, value in defines.items():
        if name not in known:
            listed = ", ".join(sorted(known)) if known else "none"
            raise SpecError(f"{name}={value} binds nothing: the spec has no name `{name}`"
                            f"{did_you_mean(name, known)} (its names: {listed})", code="unknown-define",
                            loc=loc)
        lo, hi = ranges.get(name, (None, None))
        if type(value) is int and ((lo is not None and value < lo) or (hi is not None and value > hi)):
            span = f"{lo} to {hi}" if hi is not None else f"at least {lo}"
            raise SpecError(f"{name}={value} is outside its declared range ({span})",
                            code="out-of-range", loc=loc)


MAX_VAR_CHAIN = 64  # links of vars naming vars; each link costs ~10 Python frames of evaluation


def resolve_vars(
    raw: Mapping[str, Any],
    defines: Mapping[str, Any],
    free: Names,
    locs: Mapping[str, Loc] | None = None,
    used: set[str] | None = None,
) -> dict[str, Value]:
    """Evaluate ``vars:`` in dependency order; ``-D`` bindings win; cycles are errors.

    ``locs`` (name -> where the var is written) locates an error at its var; ``used``
    collects the names the vars read.  A var that is null or a range is free.
    """
    env: dict[str, Value] = {}
    defined = {k: (None if isinstance(v, Mapping) else v) for k, v in {**raw, **defines}.items()}
    state: dict[str, str] = {}
    where = locs or {}

    def get(name: str, chain: tuple[str, ...]) -> Value:
        if used is not None and chain:  # read by another var's expression
            used.add(name)
        if name in env:
            return env[name]
        if name not in defined or defined[name] is None:
            return free(name)
        loc = where.get(name)
        if state.get(name) == "busy":
            cycle = " -> ".join((*chain[chain.index(name):], name))
            raise SpecError(f"vars refer to each other in a circle: {cycle}", loc=loc, code="vars-cycle")
        if len(chain) >= MAX_VAR_CHAIN:  # each link costs Python stack frames
            raise SpecError(f"vars: more than {MAX_VAR_CHAIN} vars refer to one another in a "
                            f"chain ({' -> '.join(chain[:3])} -> ... -> {name})", loc=loc, code="vars-chain")
        state[name] = "busy"
        value = defined[name]
        label = f"-D {name}" if name in defines else f"vars: {name}"  # a -D binding is not in the file
        if name in defines:
            loc = None
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise SpecError(f"{label} must be a whole number or an expression, not {A.describe(value)}",
                            loc=loc, code="not-whole")
        if isinstance(value, int):
            v: Value = value
        else:
            ctx_names = _Lookup(lambda n: _inner(get, n, (*chain, name)))
            try:
                v = A.evaluate_text(value, ctx_names, ctx_names.missing)
            except SpecError as e:  # the expression's own error, said of this var (same kind)
                raise SpecError(f"{label}: {e.message}", loc=loc, hint=e.hint, code=e.code) from None
        env[name] = v
        state[name] = "done"
        return v

    for name in defined:
        if defined[name] is not None:
            try:
                get(name, ())
            except _Finished as f:  # a var this one names is wrong: its error, at its place
                raise f.error from None
    return env


class UsedEnv(dict):  # type: ignore[type-arg]
    """The evaluated vars, noting each name an expression finds here (see :func:`check_defines`)."""

    def __init__(self, values: Mapping[str, Value], used: set[str]) -> None:
        super().__init__(values)
        self.used = used

    def __contains__(self, key: object) -> bool:
        hit = dict.__contains__(self, key)
        if hit:
            self.used.add(key)  # type: ignore[arg-type]
        return hit


class _Finished(Exception):
    """A var's finished error, passed unchanged through the expression of the var that names it."""

    def __init__(self, error: SpecError) -> None:
        super().__init__(error.message)
        self.error = error


def _inner(get: Callable[[str, tuple[str, ...]], Value], name: str, chain: tuple[str, ...]) -> Value:
    """The value of a var named in another var's expression (its errors are its own)."""
    try:
        return get(name, chain)
    except SpecError as e:
        raise _Finished(e) from None


class _Lookup(dict):  # type: ignore[type-arg]
    """An env whose every name is looked up lazily (vars may name later vars)."""

    def __init__(self, get: Callable[[str], Value]) -> None:
        super().__init__()
        self.get_value = get

    def __contains__(self, key: object) -> bool:
        return False

    def missing(self, name: str) -> Value:
        return self.get_value(name)


class _Free(Exception):
    pass


def _refuse(name: str) -> Value:
    raise _Free(name)


def known(raw: Any, env: Mapping[str, Value]) -> Any:
    """``raw`` with each text expression that needs nothing but the vars replaced by its value."""
    if isinstance(raw, list | tuple):
        return type(raw)(known(r, env) for r in raw)
    if not isinstance(raw, str) or (raw.isascii() and raw.isdigit()):
        return raw
    try:
        v = expr.evaluate(_parsed(raw), env, _refuse)
    except (SpecError, _Free):
        return raw
    return v if num.is_int(v) else raw


@lru_cache(maxsize=4096)
def _parsed(text: str) -> Any:
    return expr.parse(text)
