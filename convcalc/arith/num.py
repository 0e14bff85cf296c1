"""Numbers that are either Python ints or sympy expressions.

Concrete specs never leave ``int`` and never import sympy: every helper
checks ``type(x) is int`` first.  sympy is imported the first time a spec
mentions a free name (:func:`symbol`), so one set of formulas serves both.
"""

from __future__ import annotations

from functools import cache
from math import prod as _product
from typing import TYPE_CHECKING, Any, Union

from ..errors import SpecError

if TYPE_CHECKING:  # pragma: no cover
    import sympy

Value = Union[int, "sympy.Expr"]

# Numbers beyond this many bits (about 3,000 digits) are refused rather than computed
# or printed: 10**50 is 167 bits, 10**10**10 would hang the process, and Python will
# not turn an int of more than 4,300 digits into text.
MAX_BITS = 10_000


def check_size(v: Value, what: str) -> Value:
    """``v`` itself, or a SpecError when it is an int too large to work with."""
    if type(v) is int and v.bit_length() > MAX_BITS:
        raise SpecError(f"{what} is too large (more than {MAX_BITS:,} bits, about "
                        f"{MAX_BITS * 3 // 10:,} digits)", code="too-large")
    return v


def is_int(x: object) -> bool:
    return type(x) is int


def is_symbolic(x: object) -> bool:
    return type(x) is not int and not isinstance(x, int)


def sympy_module() -> Any:
    """Import sympy on first use only."""
    import sympy

    return sympy


@cache
def symbol(name: str, lo: int = 1, hi: int | None = None) -> Any:
    """A free dimension or hyperparameter: a positive integer, or an integer in [lo, hi]."""
    from .symbolic.names import symbol as make

    return make(name, lo, hi)


def _nonzero(b: Value, what: str) -> None:
    if is_int(b):
        if b == 0:
            raise SpecError(f"division by zero in {what}", code="division-by-zero")
    elif resolve(b == 0) is True:  # pragma: no cover - sympy folds this
        raise SpecError(f"division by zero in {what}", code="division-by-zero")


def floordiv(a: Value, b: Value) -> Value:
    """⌊a / b⌋; expressions come back in convcalc's canonical form (nested floors collapsed)."""
    if type(a) is int and type(b) is int and b:
        return a // b
    _nonzero(b, "//")
    from .symbolic import floordiv as symbolic_floordiv

    return symbolic_floordiv(a, b)


def ceildiv(a: Value, b: Value) -> Value:
    """⌈a / b⌉ for ints and sympy expressions alike."""
    _nonzero(b, "ceildiv")
    if is_int(a) and is_int(b):
        return -((-a) // b)
    from .symbolic import ceildiv as symbolic_ceildiv

    return symbolic_ceildiv(a, b)


def div_exact(a: Value, b: Value) -> Value:
    """``/`` in a spec: sizes are whole numbers, so the division must be exact."""
    _nonzero(b, "/")
    if is_int(a) and is_int(b):
        if a % b:
            raise SpecError(f"{a} / {b} is not a whole number (use // to round down)", code="not-whole")
        return a // b
    return sympy_module().Rational(1, 1) * a / b


def mod(a: Value, b: Value) -> Value:
    _nonzero(b, "%")
    return a % b


def power(a: Value, b: Value) -> Value:
    if is_int(b) and b < 0:
        raise SpecError(f"negative exponent {b}: sizes are whole numbers", code="negative-exponent")
    if is_int(a) and is_int(b) and abs(a) > 1 and b * max(abs(a).bit_length(), 1) > MAX_BITS:
        raise SpecError(f"{a}**{b} is too large (more than {MAX_BITS:,} bits)", code="too-large")
    return a**b  # a symbolic exponent stays symbolic


def maximum(*xs: Value) -> Value:
    if all(is_int(x) for x in xs):
        return max(xs)
    from .symbolic import extremum

    return extremum("max", xs)


def minimum(*xs: Value) -> Value:
    if all(is_int(x) for x in xs):
        return min(xs)
    from .symbolic import extremum

    return extremum("min", xs)


def total(xs: Any) -> Value:
    """A sum of sizes or counts: ints add plainly, expressions become one polynomial."""
    items = list(xs)
    for x in items:  # a loop, not all(...): asked several times for every layer
        if type(x) is not int:
            from .symbolic import total as symbolic_total

            return symbolic_total(items)
    return sum(items)


def ge(a: Value, b: Value) -> Any:
    """``a >= b``: a bool for ints; for expressions a bool when cheaply decided, else a relation."""
    if is_int(a) and is_int(b):
        return a >= b
    from .symbolic import ge as symbolic_ge

    return symbolic_ge(a, b)


def eq(a: Value, b: Value) -> Any:
    """``a == b`` as a condition (see :func:`ge`)."""
    if is_int(a) and is_int(b):
        return a == b
    from .symbolic import eq as symbolic_eq

    return symbolic_eq(a, b)


def divides(a: Value, b: Value) -> Any:
    """``b`` is a multiple of ``a``, as a condition (see :func:`ge`)."""
    if is_int(a) and is_int(b):
        return b % a == 0
    from .symbolic import divides as symbolic_divides

    return symbolic_divides(a, b)


# The product of sizes, ints or expressions, multiplied left to right from 1: math.prod does
# exactly that, in C (asked several times for every layer).
prod = _product


def resolve(cond: Any) -> bool | None:
    """Decide a comparison: True, False, or None when sympy cannot tell."""
    if cond is True or cond is False:
        return cond
    sympy = sympy_module()
    if cond == sympy.true:
        return True
    if cond == sympy.false:
        return False
    return None


def fmt(x: Value) -> str:
    """A size as text: ints plainly, expressions in sympy's syntax."""
    if is_int(x):
        return str(x)
    from .symbolic import sstr

    return sstr(x)
