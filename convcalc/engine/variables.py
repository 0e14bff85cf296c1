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
            raise SpecError(f"{name} is a block argument, used outside a block")
        if name.lower() in ("nan", "inf", "infinity"):
            raise SpecError(f"{name} is not a whole number")
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

    def get(name: str, chain: tuple[str, ...]) -> Value:
        if name in env:
            return env[name]
        if name not in defined or defined[name] is None:
            return free(name)
        if state.get(name) == "busy":
            cycle = " -> ".join((*chain[chain.index(name):], name))
            raise SpecError(f"vars refer to each other in a circle: {cycle}")
        if len(chain) >= MAX_VAR_CHAIN:  # each link costs Python stack frames
            raise SpecError(f"vars: more than {MAX_VAR_CHAIN} vars refer to one another in a "
                            f"chain ({' -> '.join(chain[:3])} -> ... -> {name})")
        state[name] = "busy"
        value = defined[name]
        ctx_names = _Lookup(lambda n: get(n, (*chain, name)))
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise SpecError(f"vars: {name} must be a whole number or an expression, not {A.describe(value)}")
        v = value if isinstance(value, int) else A.evaluate_text(value, ctx_names, ctx_names.missing)
        env[name] = v
        state[name] = "done"
        return v

    for name in defined:
        if defined[name] is not None:
            try:
                get(name, ())
            except SpecError as e:
                if not e.message.startswith("vars"):
                    e.message = f"vars: {name}: {e.message}"
                raise e.located((locs or {}).get(name)) from None
    return env


class _Lookup(dict):  # type: ignore[type-arg]
    """An env whose every name is looked up lazily (vars may name later vars)."""

    def __init__(self, get: Callable[[str], Value]) -> None:
        super().__init__()
        self.get_value = get

    def __contains__(self, key: object) -> bool:
        return False

    def missing(self, name: str) -> Value:
        return self.get_value(name)
