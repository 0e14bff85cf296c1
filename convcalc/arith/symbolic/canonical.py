"""Canonical floors and fast decisions on symbolic sizes.

Exists so that every layer formula builds rounded divisions in one canonical
form, cheaply: sympy's own automatic evaluation of ``floor`` is slow on long
networks and leaves equal sizes in different forms.

Every rounded division is kept as one atom ``floor(P/m)``
with ``P`` an integer-coefficient polynomial and ``m > 1`` (a ceiling is
``⌈P/m⌉ = ⌊(P + m − 1)/m⌋``), built here without sympy's slow automatic
evaluation.  Nested divisions collapse by the identity, for integers
``a``, ``b`` and positive integers ``m``, ``n``::

    ⌊(⌊a/m⌋ + b)/n⌋ = ⌊(a + b·m)/(m·n)⌋

Proof: write ``a = q·m + r`` with ``0 ≤ r < m``, so ``⌊a/m⌋ = q``.  Then
``(a + b·m)/(m·n) = (N + r/m)/n`` with the integer ``N = q + b``.  Write
``N = u·n + v`` with ``0 ≤ v < n``: ``(N + r/m)/n = u + (v + r/m)/n`` and
``0 ≤ v + r/m < n``, so both sides equal ``u``.  ∎

The fast decisions on comparisons live in :mod:`.decide`; the free names
themselves (and their declared ranges) in :mod:`.names`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import sympy

from .names import symbol  # noqa: F401  (re-exported: num.symbol imports it from here)

S = sympy.S
_FLOOR = sympy.floor
_CEIL = sympy.ceiling


# ------------------------------------------------------------------ canonical floors


Poly = dict[tuple[Any, ...], Any]  # monomial ((atom, power), ...) -> coefficient


def _intlike(t: Any) -> bool:
    """Structurally integer-valued (free names are integers)."""
    if t.is_Integer or t.is_Symbol:
        return True
    if isinstance(t, _FLOOR | _CEIL):
        return True
    if isinstance(t, sympy.Mod | sympy.Max | sympy.Min | sympy.Mul | sympy.Add):
        return all(_intlike(a) for a in t.args)
    if isinstance(t, sympy.Pow):
        return _intlike(t.base) and t.exp.is_Integer and t.exp >= 0
    if isinstance(t, sympy.Piecewise):
        return all(_intlike(e) for e, _ in t.args)
    return False


def _expr(x: Any) -> Any:
    """An int or a sympy expression as a sympy expression.

    Only values convcalc computed arrive here (never spec text), so no parsing
    is needed: ``sympify`` would also parse strings, which specs must never reach.
    """
    return sympy.Integer(x) if isinstance(x, int) else x


def _terms(a: Any) -> dict[Any, Any] | None:
    """``a`` as {term: integer coefficient}, or None if it is not that simple."""
    d = dict(_expr(a).as_coefficients_dict())
    for t, c in d.items():
        if not c.is_Integer or not _intlike(t):
            return None
    return {t: int(c) for t, c in d.items() if c}


def _num_den(f: Any) -> tuple[dict[Any, int], int]:
    """``floor(P/m)`` -> ({term: coefficient} of P, m)."""
    d = f.args[0].as_coefficients_dict()
    m = math.lcm(*(int(c.q) for c in d.values()))
    return {t: int(c * m) for t, c in d.items()}, m


def _make_floor(terms: dict[Any, int], m: int) -> Any:
    """⌊Σ c·t / m⌋ for integer-valued terms, reduced to the canonical atom."""
    const = terms.pop(S.One, 0)
    out: list[Any] = []
    rest: dict[Any, int] = {}
    for t, c in terms.items():
        if c % m == 0:
            out.append((c // m) * t)
        elif c:
            rest[t] = c
    if rest:
        g = math.gcd(m, *rest.values())
        if g > 1:  # ⌊(g·P + r)/(g·m')⌋ = ⌊(P + ⌊r/g⌋)/m'⌋ (the identity above with n = m')
            rest = {t: c // g for t, c in rest.items()}
            const //= g
            m //= g
            if m > 1 and any(isinstance(t, _FLOOR) for t in rest):  # a nested floor may collapse now
                return sympy.Add(floordiv(_poly(rest, const), m), *out)
    if not rest or m == 1:
        out.extend(c * t for t, c in rest.items())
        return sympy.Add(*out, const // m if not rest else const)
    q, r = divmod(const, m)
    arg = sympy.Add(*(sympy.Rational(c, m) * t for t, c in rest.items()), sympy.Rational(r, m))
    return sympy.Add(_FLOOR(arg, evaluate=False), *out, q)


def floordiv(a: Any, b: Any) -> Any:
    """⌊a / b⌋ in canonical form (nested floors collapsed)."""
    b = _expr(b)
    if not (b.is_Integer and b > 0):
        return _by_expression(_FLOOR, a, b)
    m = int(b)
    terms = _terms(a)
    if terms is None:
        return _FLOOR(_expr(a) / b)
    if m == 1:
        return _expr(a)
    floors = [t for t in terms if isinstance(t, _FLOOR)]
    if len(floors) == 1:
        f = floors[0]
        c = terms[f]
        others = {t: v for t, v in terms.items() if t is not f}
        inner, m1 = _num_den(f)
        # The identity holds for a whole-number numerator only (not ⌊9/s⌋'s 9/s).
        if c > 0 and m % c == 0 and all(v % c == 0 for v in others.values()) \
                and all(_intlike(t) for t in inner if t is not S.One):
            for t, v in others.items():
                inner[t] = inner.get(t, 0) + (v // c) * m1
            return _make_floor(inner, m1 * (m // c))
    return _make_floor(terms, m)


def ceildiv(a: Any, b: Any) -> Any:
    """⌈a / b⌉ = ⌊(a + b − 1) / b⌋ for integer a and positive integer b."""
    b = _expr(b)
    if b.is_Integer and b > 0 and _terms(a) is not None:
        return floordiv(_expr(a) + (b - 1), b)
    return _by_expression(_CEIL, a, b)


def _by_expression(rnd: Any, a: Any, b: Any) -> Any:
    """⌊a/b⌋ (or ⌈a/b⌉) for a divisor ``b = c·t`` with a name in it: the whole multiples of
    ``b`` in ``a`` come out, ⌊(32 − k)/k⌋ = ⌊32/k⌋ − 1 (a pool whose stride is its kernel)."""
    terms = _terms(a)
    c, t = b.as_coeff_Mul()
    if terms is None or not (c.is_Integer and c > 0) or t.is_Number:
        return rnd(_expr(a) / b)
    whole, rest = [], []
    for term, v in terms.items():
        ratio = term / t
        if v % int(c) == 0 and sympy.fraction(ratio)[1] == 1 and _intlike(ratio):
            whole.append((v // int(c)) * ratio)
        else:
            rest.append(v * term)
    if not rest:
        return sympy.Add(*whole)
    return sympy.Add(rnd(sympy.Add(*rest) / b), *whole)


def total(xs: Iterable[Any]) -> Any:
    """A sum of sizes or counts as one expanded polynomial (``18*C**2 + 30*C``).

    Expanded in plain Python over monomials: sympy's ``expand`` on a
    thousand-term sum takes seconds.  Each rounded atom is then written as the
    rounded size the terms multiply (``⌊(H − 6)/4⌋`` rather than
    ``⌊(H + 2)/4⌋ − 2``), so a total reads like the shapes it sums.
    """
    acc: Poly = {}
    exprs = []
    for x in xs:
        if type(x) is int:
            acc[()] = acc.get((), 0) + x
            continue
        e = _expr(x)
        exprs.append(e)
        for mono, c in _polydict(e).items():
            acc[mono] = acc.get(mono, 0) + c
    if any(_round_atom(a) for mono in acc for a, _ in mono):
        seen: dict[Any, dict[int, int]] = {}  # rounded atom -> {shown shift: times}
        for e in exprs:
            for f, s in _dims(e):
                counts = seen.setdefault(f, {})
                counts[s] = counts.get(s, 0) + 1
        shifts = {}
        for f, counts in seen.items():
            s = max(counts, key=counts.__getitem__)  # the most common form; the first on a tie
            if s:
                shifts[f] = s
        if shifts:
            acc = _shift_atoms(acc, shifts)
    out = [c * sympy.Mul(*(a**k for a, k in mono)) for mono, c in acc.items() if c]
    return sympy.Add(*out) if out else 0


def _shift_atoms(p: Poly, shifts: dict[Any, int]) -> Poly:
    """``p`` with each rounded atom ``f`` replaced by ``(f + s) − s``, ``f + s`` one atom.

    ``⌊P/m⌋ + s = ⌊(P + s·m)/m⌋``, kept unevaluated so it prints as the shapes do.
    """
    new = {f: {((_FLOOR(f.args[0] + s, evaluate=False), 1),): S.One, (): -s} for f, s in shifts.items()}
    out: Poly = {}
    for mono, c in p.items():
        q: Poly = {(): c}
        for a, k in mono:
            if a not in new:
                q = _poly_mul(q, {((a, k),): S.One})
            for _ in range(k if a in new else 0):
                q = _poly_mul(q, new[a])
        for m, v in q.items():
            out[m] = out.get(m, 0) + v
    return out


def _round_atom(t: Any) -> bool:
    """``t`` is ``⌊P/m⌋`` with ``P`` an integer polynomial (the form convcalc builds)."""
    if not isinstance(t, _FLOOR):
        return False
    d = t.args[0].as_coefficients_dict()
    return all(c.is_Rational for c in d.values()) and all(_intlike(a) for a in d)


def size_of(e: Any) -> tuple[int, Any, int] | None:
    """``e = c·(t + q)`` with one non-numeric term ``t`` and integers ``c ≥ 1``, ``q``: (c, t, q).

    sympy distributes a number over a sum (``8·(⌊H/2⌋ − 1)`` is stored as
    ``8·⌊H/2⌋ − 8``); this recovers the size that was multiplied.
    """
    if not isinstance(e, sympy.Add) or len(e.args) != 2:
        return None
    k, rest = e.args
    if not k.is_Integer:
        k, rest = rest, k
    if not k.is_Integer or rest.is_Number:
        return None
    c, t = rest.as_coeff_Mul()
    if not (c.is_Integer and c > 0):
        return None
    c, q = int(c), int(k)
    return None if q % c else (c, t, q // c)


@lru_cache(maxsize=8192)
def _dims(e: Any) -> tuple[tuple[Any, int], ...]:
    """The rounded sizes ``c·(f + q)`` that ``e`` multiplies or adds, as (atom f, shown shift)."""
    if isinstance(e, _FLOOR):
        return ((e, 0),) if _round_atom(e) else ()
    size = size_of(e)
    if size is not None and _round_atom(size[1]):
        return ((size[1], shown_shift(size[1], size[2])),)
    if isinstance(e, sympy.Add | sympy.Mul):
        return tuple(d for a in e.args for d in _dims(a))
    if isinstance(e, sympy.Pow) and e.exp.is_Integer and e.exp > 0:
        return _dims(e.base)
    return ()


@lru_cache(maxsize=8192)
def _polydict(e: Any) -> Poly:
    if e.is_Number:
        return {(): e}
    if isinstance(e, sympy.Add):
        out: Poly = {}
        for a in e.args:
            for m, c in _polydict(a).items():
                out[m] = out.get(m, 0) + c
        return out
    if isinstance(e, sympy.Mul):
        out = {(): S.One}
        for a in e.args:
            out = _poly_mul(out, _polydict(a))
        return out
    if isinstance(e, sympy.Pow) and e.exp.is_Integer and 0 < e.exp <= 8 and isinstance(e.base, sympy.Add):
        out = {(): S.One}
        for _ in range(int(e.exp)):
            out = _poly_mul(out, _polydict(e.base))
        return out
    if isinstance(e, sympy.Pow) and e.exp.is_Integer and e.exp > 0:
        return {((e.base, int(e.exp)),): S.One}
    return {((e, 1),): S.One}


def _poly_mul(p: Poly, q: Poly) -> Poly:
    out: Poly = {}
    for m1, c1 in p.items():
        for m2, c2 in q.items():
            powers = dict(m1)
            for a, k in m2:
                powers[a] = powers.get(a, 0) + k
            mono = tuple(sorted(powers.items(), key=lambda ak: hash(ak[0])))
            out[mono] = out.get(mono, 0) + c1 * c2
    return out


# ------------------------------------------------------------------ shown forms


def _split_const(terms: dict[Any, int]) -> tuple[dict[Any, int], int]:
    t = dict(terms)
    return t, t.pop(S.One, 0)


def _poly(terms: dict[Any, int], const: int) -> Any:
    return sympy.Add(*(c * t for t, c in terms.items()), const)


def _round_choice(terms: dict[Any, int], m: int, outer: int | None) -> tuple[str, Any, int]:
    """The simplest of ⌊P/m⌋ + q and ⌈Q/m⌉ + q with the same value: (kind, numerator, q).

    ``outer`` is an integer added to the atom (None: the atom alone, q stays 0).
    ⌊P/m⌋ = ⌈(P − m + 1)/m⌉ for integer P, and ⌊P/m⌋ + j = ⌊(P + j·m)/m⌋.
    """
    body, const = _split_const(terms)
    const += (outer or 0) * m
    cands: list[tuple[tuple[int, int, bool], str, int, int]] = []
    for kind, c0 in (("floor", const), ("ceiling", const - m + 1)):
        shifts = {0} if outer is None else {0, c0 // m, -((-c0) // m)}
        for j in shifts:
            inner = c0 - j * m
            score = (int(inner != 0) + int(j != 0), abs(inner) + abs(j), kind != "floor")
            cands.append((score, kind, inner, j))
    _, kind, inner, q = min(cands)
    return kind, _poly(body, inner), q


def shown_shift(f: Any, q: int) -> int:
    """How the size ``f + q`` (``f`` a rounded atom) is shown: as the atom ``f + s`` plus ``q − s``; s."""
    terms, m = _num_den(f)
    return q - _round_choice(terms, m, q)[2]
