"""The free names: positive-integer symbols, or integers in a range a spec declares."""

from __future__ import annotations

from typing import Any

import sympy


def symbol(name: str, lo: int = 1, hi: int | None = None) -> Any:
    """A free dimension or hyperparameter: a positive integer, or one in a declared range."""
    if lo == 1 and hi is None:
        return sympy.Symbol(name, integer=True, positive=True)
    return Ranged(name, lo, hi)


class Ranged(sympy.Symbol):
    """A free name declared with a range (``vars: {p: {min: 0}}``): an integer in [lo, hi].

    A class of its own so that ``p`` in [0, ∞) and ``p`` in [0, 8] are different symbols
    (every cache keyed by expressions stays right); it prints as its name.
    """

    __slots__ = ("hi", "lo")

    def __new__(cls, name: str, lo: int, hi: int | None) -> Ranged:
        assumptions = {"integer": True}
        if lo >= 1:
            assumptions["positive"] = True
        elif lo >= 0:
            assumptions["nonnegative"] = True
        if hi is not None and hi <= 0:
            assumptions["nonpositive" if hi == 0 else "negative"] = True
        obj = sympy.Symbol.__xnew__(cls, name, **assumptions)  # uncached: the range is part of it
        obj.lo, obj.hi = lo, hi
        return obj

    def __getnewargs_ex__(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        return (self.name, self.lo, self.hi), {}

    def _hashable_content(self) -> tuple[Any, ...]:
        return (*super()._hashable_content(), self.lo, self.hi)


def name_range(s: Any) -> tuple[int, int | None]:
    """The values a free name may take: (lowest, highest or None)."""
    return getattr(s, "lo", 1), getattr(s, "hi", None)
