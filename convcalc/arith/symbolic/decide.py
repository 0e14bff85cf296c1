"""Fast decisions on symbolic sizes: comparisons settled from interval bounds.

Exists so that most conditions (``⌊29/s⌋ + 1 ≥ 1``, ``H − 2 ≥ 1`` for ``H ≥ 3``)
are decided as they are made and never reach the exact reduction in :mod:`.valid`.
Bounds are over the values each name may take: positive integers, or its declared range.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from functools import lru_cache
from typing import Any

import sympy

from .canonical import _CEIL, _FLOOR, _expr
from .names import name_range

Bound = tuple[Fraction | None, Fraction | None]  # (low, high); None is unbounded


def _add_b(a: Fraction | None, b: Fraction | None) -> Fraction | None:
    return None if a is None or b is None else a + b


@lru_cache(maxsize=4096)
def bounds(e: Any) -> Bound:
    """Bounds of ``e`` over all positive integer values of its names (sound, not tight)."""
    if e.is_Number:
        v = Fraction(int(e.p), int(e.q)) if e.is_Rational else None
        return (v, v)
    if e.is_Symbol:
        lo, hi = name_range(e)
        return (Fraction(lo), None if hi is None else Fraction(hi))
    if isinstance(e, sympy.Add):
        lo: Fraction | None = Fraction(0)
        hi: Fraction | None = Fraction(0)
        for a in _pair_floors(e.args, (lo, hi)):
            if isinstance(a, tuple):
                lo, hi = _add_b(lo, a[0]), _add_b(hi, a[1])
                continue
            alo, ahi = bounds(a)
            lo, hi = _add_b(lo, alo), _add_b(hi, ahi)
        return (lo, hi)
    if isinstance(e, sympy.Mul):
        lo, hi = Fraction(1), Fraction(1)
        for a in e.args:
            alo, ahi = bounds(a)
            if alo is not None and alo >= 0 and lo is not None and lo >= 0:
                lo = lo * alo
                hi = None if hi is None or ahi is None else hi * ahi
            elif alo is not None and ahi is not None and alo == ahi and alo < 0 and lo is not None:
                lo, hi = (None if hi is None else hi * alo), lo * alo
            else:
                return (None, None)
        return (lo, hi)
    if isinstance(e, _FLOOR | _CEIL):
        rnd = math.floor if isinstance(e, _FLOOR) else math.ceil
        lo, hi = bounds(e.args[0])
        return (None if lo is None else Fraction(rnd(lo)), None if hi is None else Fraction(rnd(hi)))
    if isinstance(e, sympy.Mod) and e.args[1].is_Integer and e.args[1] > 0:
        return (Fraction(0), Fraction(int(e.args[1]) - 1))
    if isinstance(e, sympy.Max | sympy.Min | sympy.Piecewise):
        parts = [bounds(a if not isinstance(e, sympy.Piecewise) else a[0]) for a in e.args]
        if isinstance(e, sympy.Max):
            lo = max((p[0] for p in parts if p[0] is not None), default=None)
            hi = None if any(p[1] is None for p in parts) else max(p[1] for p in parts)  # type: ignore[type-var]
        elif isinstance(e, sympy.Min):
            hi = min((p[1] for p in parts if p[1] is not None), default=None)
            lo = None if any(p[0] is None for p in parts) else min(p[0] for p in parts)  # type: ignore[type-var]
        else:
            lo = None if any(p[0] is None for p in parts) else min(p[0] for p in parts)  # type: ignore[type-var]
            hi = None if any(p[1] is None for p in parts) else max(p[1] for p in parts)  # type: ignore[type-var]
        return (lo, hi)
    if isinstance(e, sympy.Pow) and e.exp.is_Integer and e.exp > 0:
        lo, hi = bounds(e.base)
        if lo is not None and lo >= 0:
            k = int(e.exp)
            return (lo**k, None if hi is None else hi**k)
    if isinstance(e, sympy.Pow) and e.exp.is_Integer and e.exp < 0:  # 1/s for a stride s ≥ 1
        lo, hi = bounds(e.base)
        if lo is not None and lo > 0:
            k = -int(e.exp)
            return (Fraction(0) if hi is None else 1 / hi**k, 1 / lo**k)
    return (None, None)


def _pair_floors(args: Sequence[Any], _: Any) -> list[Any]:
    """Terms of a sum, with ``c·⌊(P + c1)/m⌋ − c·⌊(P + c2)/m⌋`` pairs replaced by their bounds.

    For reals u, v: ⌊u⌋ − ⌊v⌋ lies in [⌊u − v⌋, ⌈u − v⌉], and here u − v = (c1 − c2)/m.
    """
    keyed: dict[Any, list[tuple[Any, Any, Any]]] = {}
    out: list[Any] = []
    for a in args:
        c, f = a.as_coeff_Mul()
        if isinstance(f, _FLOOR) and c.is_Integer:
            arg = f.args[0]
            k, body = arg.as_coeff_Add()
            keyed.setdefault(body, []).append((int(c), Fraction(int(k.p), int(k.q)), a))
        else:
            out.append(a)
    for group in keyed.values():
        pos = [g for g in group if g[0] > 0]
        neg = [g for g in group if g[0] < 0]
        while pos and neg and pos[-1][0] == -neg[-1][0]:
            (c, k1, _), (_, k2, _) = pos.pop(), neg.pop()
            lo, hi = Fraction(math.floor(k1 - k2)), Fraction(math.ceil(k1 - k2))
            out.append((c * lo, c * hi))
        out.extend(g[2] for g in pos + neg)
    return out


def extremum(kind: str, xs: Sequence[Any]) -> Any:
    """max/min of sizes, dropping those the bounds show can never win."""
    keep: list[Any] = []
    for x in xs:
        if any(ge(k, x) is True if kind == "max" else ge(x, k) is True for k in keep):
            continue
        keep = [k for k in keep if not (ge(x, k) is True if kind == "max" else ge(k, x) is True)]
        keep.append(x)
    if len(keep) == 1:
        return keep[0]
    return sympy.Max(*keep) if kind == "max" else sympy.Min(*keep)


def ge(a: Any, b: Any) -> Any:
    """``a ≥ b``: True/False when the bounds decide it, else an unevaluated relation."""
    lo, hi = bounds(_expr(a - b))
    if lo is not None and lo >= 0:
        return True
    if hi is not None and hi < 0:
        return False
    return sympy.Ge(a, b, evaluate=False)


def eq(a: Any, b: Any) -> Any:
    d = _expr(a - b)
    if d == 0:
        return True
    lo, hi = bounds(d)
    if (lo is not None and lo > 0) or (hi is not None and hi < 0):
        return False
    return sympy.Eq(a, b, evaluate=False)


def divides(a: Any, b: Any) -> Any:
    """``b`` is a multiple of ``a`` (True/False/an open condition)."""
    r = sympy.Mod(b, a)
    if r.is_Integer:
        return bool(r == 0)
    return sympy.Eq(r, 0, evaluate=False)
