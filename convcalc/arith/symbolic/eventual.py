"""Conditions with a name in a divisor, rewritten for large values of the name.

Exists because a free stride or pool size puts the name under a division
(``⌊29/s⌋ ≥ 2``) and a free group count under a modulus (``64 mod g = 0``),
where the rates of :mod:`.valid` do not apply.  For every ``x`` beyond a
threshold ``T`` such an expression equals one without negative powers of
``x``, which :mod:`.valid` then reduces as usual; below ``T`` it evaluates
every value exactly.

The rule: write the argument of a floor (or the two sides of a comparison)
as ``A + ε`` with ``ε = Σ c_j·x^(−j)`` and ``A`` a sum of integer-valued
terms with rational coefficients of common denominator ``q``, so that ``A``
takes values in ``ℤ/q``.  Once ``|ε| < 1/q`` and ε has the sign of its
leading term, ``A + ε`` lies strictly between two neighbours of ``ℤ/q``, so
``⌊A + ε⌋ = ⌊A + σ/(2q)⌋`` and ``A + ε ≥ 0 ⟺ A + σ/(2q) ≥ 0`` with ``σ``
that sign.  For ``x ≥ 1``, ``|ε| ≤ Σ|c_j|/x``, which is below ``1/q`` for
``x > q·Σ|c_j|``; the leading term wins for ``x > Σ_{j>j0}|c_j| / |c_j0|``.
``c mod (αx + β)`` is ``c`` (``c ≥ 0``) or ``αx + β + c`` once ``αx + β > |c|``.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import sympy

from .canonical import _CEIL, _FLOOR, _intlike


class Unsettled(Exception):
    """The expression is outside what the rewriting handles."""


def _inverse(e: Any, x: Any) -> bool:
    """``e`` has a negative power of ``x`` (or ``x`` in a modulus) somewhere."""
    for node in sympy.preorder_traversal(e):
        if isinstance(node, sympy.Pow) and node.base.has(x) and node.exp.is_negative:
            return True
        if isinstance(node, sympy.Mod) and node.args[1].has(x):
            return True
    return False


def settle(e: Any, x: Any) -> tuple[Any, int]:
    """``(e', T)``: ``e'`` equals ``e`` for every integer ``x > T`` and has no ``x`` in a divisor."""
    if isinstance(e, bool) or e in (sympy.true, sympy.false) or not _inverse(e, x):
        return e, 0
    return _Settler(x).go(e)


class _Settler:
    def __init__(self, x: Any) -> None:
        self.x = x
        self.T = 0

    def go(self, e: Any) -> tuple[Any, int]:
        out = self.walk(e)
        if _inverse(out, self.x):
            raise Unsettled("a name stays in a divisor")
        return out, self.T

    def walk(self, e: Any) -> Any:
        x = self.x
        if not _inverse(e, x):
            return e
        if isinstance(e, sympy.Pow):
            if e.base == x and e.exp.is_Integer:
                return e  # a small term: its parent floor or comparison settles it
            raise Unsettled("a power of an expression in a divisor")
        if isinstance(e, _FLOOR | _CEIL):
            arg = self.small_terms(self.walk(e.args[0]))
            return (sympy.floor if isinstance(e, _FLOOR) else sympy.ceiling)(arg)
        if isinstance(e, sympy.core.relational.Relational):
            if e.rel_op in ("==", "!=") and isinstance(e.lhs, sympy.Mod) and e.rhs == 0:
                return e.func(self.walk(e.lhs), 0)
            g = self.small_terms(self.walk(e.lhs) - self.walk(e.rhs))
            return e.func(g, 0)
        if isinstance(e, sympy.Mod):
            return self.mod(self.walk(e.args[0]), self.walk(e.args[1]))
        if isinstance(e, sympy.Add):
            return sympy.Add(*(self.walk(a) for a in e.args))
        if isinstance(e, sympy.Mul):
            return sympy.expand(sympy.Mul(*(self.walk(a) for a in e.args)), deep=False)
        if isinstance(e, sympy.And | sympy.Or | sympy.Not | sympy.Max | sympy.Min):
            args = [self.walk(a) for a in e.args]
            for a in args:
                if _small(a, x):
                    raise Unsettled("a small term outside a floor")
            return e.func(*args)
        raise Unsettled(f"cannot settle {type(e).__name__}")

    def small_terms(self, e: Any) -> Any:
        """``A + ε`` as ``A + σ/(2q)`` (see the module doc), raising T as needed."""
        x = self.x
        e = sympy.expand(e, deep=False)
        whole, small = [], {}
        for t in sympy.Add.make_args(e):
            c, rest = t.as_coeff_Mul()
            if isinstance(rest, sympy.Pow) and rest.base == x and rest.exp.is_Integer and rest.exp < 0:
                small[-int(rest.exp)] = small.get(-int(rest.exp), 0) + Fraction(int(c.p), int(c.q))
            elif _inverse(t, x):
                raise Unsettled("a name in a divisor of a product")
            else:
                whole.append(t)
        small = {j: c for j, c in small.items() if c}
        if not small:
            return e
        q = 1
        for t in whole:
            c, rest = t.as_coeff_Mul()
            if not c.is_Rational or not (rest.is_Number or _intlike(rest)):
                raise Unsettled("a term that is not a whole number")
            q = math.lcm(q, int(c.q))
        j0 = min(small)
        total = sum(abs(c) for c in small.values())
        rest = sum((abs(c) for j, c in small.items() if j != j0), Fraction(0))
        self.T = max(self.T, math.floor(q * total) + 1, math.floor(rest / abs(small[j0])) + 1)
        sign = 1 if small[j0] > 0 else -1
        return sympy.Add(*whole, sympy.Rational(sign, 2 * q))

    def mod(self, a: Any, b: Any) -> Any:
        x = self.x
        if not b.has(x):
            return sympy.Mod(a, b)
        if a.has(x) or not a.is_Integer:
            raise Unsettled("a name on both sides of a modulus")
        poly = sympy.Poly(b, x)
        if poly.degree() != 1 or not all(c.is_Integer for c in poly.all_coeffs()):
            raise Unsettled("a modulus that is not linear in the name")
        alpha, beta = (int(c) for c in poly.all_coeffs())
        if alpha <= 0:
            raise Unsettled("a modulus that shrinks")
        c = int(a)
        # b > |c| from x > (|c| − β)/α on
        self.T = max(self.T, (abs(c) - beta) // alpha + 1)
        return sympy.Integer(c) if c >= 0 else b + c


def _small(e: Any, x: Any) -> bool:
    return any(isinstance(n, sympy.Pow) and n.base == x and n.exp.is_negative
               for n in sympy.preorder_traversal(e))
