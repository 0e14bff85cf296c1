"""The functions a spec's expressions may call, computed exactly (never with floats).

``round``, ``floor``, ``ceil`` and ``make_divisible`` take an exact fraction: a
decimal literal (``0.25``) or a ``/`` that does not divide evenly inside them is a
:class:`fractions.Fraction`, so ``make_divisible(32 * 0.75, 8)`` is worked out the
way torchvision means it, without a float's rounding.  The results are whole
numbers.  ``round`` is Python's: halves go to the even neighbour (``round(2.5)`` is 2).

With a free name (a sympy expression) ``floor(a / b)`` and ``ceil(a / b)`` become
convcalc's symbolic ``⌊a/b⌋`` and ``⌈a/b⌉``, ``min``/``max`` stay symbolic, and the
others, which depend on the digits of their argument, are refused with the name.
"""

from __future__ import annotations

import math
import sys
from typing import TYPE_CHECKING, Any

from ..errors import SpecError
from . import num

if TYPE_CHECKING:  # pragma: no cover
    from fractions import Fraction


def is_fraction(v: object) -> bool:
    """Whether ``v`` is a :class:`fractions.Fraction`, without importing the module (2 ms at
    start-up, issue 20): until some number is a fraction, none is."""
    fractions = sys.modules.get("fractions")
    return fractions is not None and type(v) is fractions.Fraction


def is_exact(v: object) -> bool:
    return type(v) is int or is_fraction(v)


def whole(v: Any, what: str) -> Any:
    """``v`` as an int when it is a whole fraction; an error when it is not a whole number."""
    if is_fraction(v):
        if v.denominator != 1:
            raise SpecError(f"{what} is {_text(v)}, not a whole number (sizes are whole numbers; "
                            "use floor, ceil or round)", code="not-whole")
        return int(v)
    return v


def _text(v: Fraction) -> str:
    if v.denominator in (2, 4, 5, 8, 10, 20, 25, 50, 100) and abs(v) < 10**15:  # a short decimal: 1.5, 0.25
        return f"{float(v):g}"
    return f"{v.numerator}/{v.denominator}"


def _concrete(func: str, *values: Any) -> None:
    for v in values:
        if not is_exact(v) and not (func != "make_divisible" and getattr(v, "is_integer", False)):
            names = sorted(str(s) for s in getattr(v, "free_symbols", ()))
            raise SpecError(f"{func}() needs numbers, but its argument depends on the free name"
                            f"{'s' if len(names) > 1 else ''} {', '.join(names) or v} (bind it in "
                            "`vars:` or with -D)", code="unbound-name")


def floor(v: Any) -> Any:
    if type(v) is int:
        return v
    _concrete("floor", v)
    return math.floor(v) if is_exact(v) else v


def ceil(v: Any) -> Any:
    if type(v) is int:
        return v
    _concrete("ceil", v)
    return math.ceil(v) if is_exact(v) else v


def round_half_even(v: Any, digits: Any = None) -> Any:
    """Python's ``round``: halves to the even neighbour."""
    if digits is not None:
        raise SpecError("round() takes one argument here: sizes are whole numbers", code="bad-expression")
    if type(v) is int:
        return v
    _concrete("round", v)
    return round(v) if is_exact(v) else v


def make_divisible(v: Any, divisor: Any, min_value: Any = None) -> Any:
    """torchvision's ``_make_divisible``, exactly: the nearest multiple of ``divisor``, at
    least ``min_value`` (default ``divisor``), raised by one ``divisor`` when that rounded
    ``v`` down by more than 10%."""
    _concrete("make_divisible", v, divisor, *(() if min_value is None else (min_value,)))
    if divisor <= 0 or int(divisor) != divisor:
        raise SpecError(f"make_divisible: the divisor must be a positive whole number, not {divisor}",
                        code="bad-argument")
    from fractions import Fraction

    divisor = int(divisor)
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + Fraction(divisor, 2)) // divisor * divisor)
    if new_v < Fraction(9, 10) * v:
        new_v += divisor
    return whole(Fraction(new_v), "make_divisible's min_value")


def ceildiv(a: Any, b: Any) -> Any:
    if is_exact(a) and is_exact(b) and (is_fraction(a) or is_fraction(b)):
        from fractions import Fraction

        return ceil(Fraction(a) / b)
    return num.ceildiv(a, b)


def extremum(which: str, *xs: Any) -> Any:
    if all(is_exact(x) for x in xs):
        return max(xs) if which == "max" else min(xs)
    return num.maximum(*xs) if which == "max" else num.minimum(*xs)


# Functions applied to ``a / b`` with a free name: the symbolic rounded division.
SYMBOLIC_DIVISION = {"floor": num.floordiv, "ceil": num.ceildiv}
# The functions whose arguments may be exact fractions (a `/` need not divide evenly in them).
ROUNDING = ("floor", "ceil", "round", "make_divisible")
ARITY = {"min": (1, 99), "max": (1, 99), "round": (1, 1), "floor": (1, 1), "ceil": (1, 1),
         "ceildiv": (2, 2), "make_divisible": (2, 3), "size": (2, 2)}
