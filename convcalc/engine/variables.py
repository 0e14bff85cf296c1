"""The spec's ``vars:`` and the free names met while evaluating sizes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..arith import num
from ..core import params as A
from ..errors import Loc, SpecError

Value = num.Value


class Names:
    """Free names met while evaluating: each becomes a positive-integer symbol."""

    def __init__(self) -> None:
        self.free: dict[str, None] = {}

    def __call__(self, name: str) -> Value:
        if name.startswith("$"):
            raise SpecError(f"{name} is a block argument, used outside a block",
                            code="block-argument-outside")
        if name.lower() in ("nan", "inf", "infinity"):
            raise SpecError(f"{name} is not a whole number", code="not-whole")
        self.free.setdefault(name)
        return num.symbol(name)


MAX_VAR_CHAIN = 100


def resolve_vars(
    raw: Mapping[str, Any],
    defines: Mapping[str, Any],
    free: Names,
    locs: Mapping[str, Loc] | None = None,
) -> dict[str, Value]:
    """Evaluate ``vars:`` in dependency order; ``-D`` bindings win; cycles are errors.

    ``locs`` (name -> where the var is written) locates an error at its var.
    """
    env: dict[str, Value] = {}
    defined = {**raw, **defines}
    state: dict[str, str] = {}
    where = locs or {}

    def get(name: str, chain: tuple[str, ...]) -> Value:
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
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise SpecError(f"vars: {name} must be a whole number or an expression, not {A.describe(value)}",
                            loc=loc, code="not-whole")
        if isinstance(value, int):
            v: Value = value
        else:
            ctx_names = _Lookup(lambda n: _inner(get, n, (*chain, name)))
            try:
                v = A.evaluate_text(value, ctx_names, ctx_names.missing)
            except SpecError as e:  # the expression's own error, said of this var (same kind)
                raise SpecError(f"vars: {name}: {e.message}", loc=loc, hint=e.hint, code=e.code) from None
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
