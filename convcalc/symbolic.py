"""Symbolic sizes: canonical floors, readable printing, and the valid values of free names.

Only imported once a spec has a free name, so concrete specs never load sympy.

Canonical form.  Every rounded division is kept as one atom ``floor(P/m)``
with ``P`` an integer-coefficient polynomial and ``m > 1`` (a ceiling is
``⌈P/m⌉ = ⌊(P + m − 1)/m⌋``), built here without sympy's slow automatic
evaluation.  Nested divisions collapse by the identity, for integers
``a``, ``b`` and positive integers ``m``, ``n``::

    ⌊(⌊a/m⌋ + b)/n⌋ = ⌊(a + b·m)/(m·n)⌋

Proof: write ``a = q·m + r`` with ``0 ≤ r < m``, so ``⌊a/m⌋ = q``.  Then
``(a + b·m)/(m·n) = (N + r/m)/n`` with the integer ``N = q + b``.  Write
``N = u·n + v`` with ``0 ≤ v < n``: ``(N + r/m)/n = u + (v + r/m)/n`` and
``0 ≤ v + r/m < n``, so both sides equal ``u``.  ∎  (Printing picks
whichever of ``⌊P/m⌋`` and ``⌈(P − m + 1)/m⌉`` reads simpler.)

Validity.  Each open condition that mentions one name ``x`` is built from
floors, ceilings, ``Mod``, ``Max``/``Min`` and ``Piecewise`` of expressions
that are linear in ``x``.  Such an expression ``e`` has a rate ``ρ`` with
``e(x + L) = e(x) + ρ·L`` (for ``x`` beyond some point) as soon as ``ρ·L``
is a whole number at every floor and a multiple of the modulus at every
``Mod``: ``L`` is the lcm of those denominators.  A comparison is then
periodic with period ``L`` (``ρ = 0``) or eventually constant (``ρ ≠ 0``,
with a threshold computed per residue class).  Beyond the largest
threshold the set of valid values repeats with period ``L``; below it every
value is evaluated exactly.  Monotone lower bounds (``⌊(x − 3)/4⌋ ≥ 1``) are
solved by bisection first, so huge thresholds cost nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from fractions import Fraction
from functools import lru_cache
from typing import Any

import sympy
from sympy.printing.str import StrPrinter

from .errors import LayerRef, SpecError

S = sympy.S
_FLOOR = sympy.floor
_CEIL = sympy.ceiling


# ------------------------------------------------------------------ canonical floors


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
        return _FLOOR(_expr(a) / b)
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
        if c > 0 and m % c == 0 and all(v % c == 0 for v in others.values()):
            inner, m1 = _num_den(f)
            for t, v in others.items():
                inner[t] = inner.get(t, 0) + (v // c) * m1
            return _make_floor(inner, m1 * (m // c))
    return _make_floor(terms, m)


def ceildiv(a: Any, b: Any) -> Any:
    """⌈a / b⌉ = ⌊(a + b − 1) / b⌋ for integer a and positive integer b."""
    b = _expr(b)
    if b.is_Integer and b > 0 and _terms(a) is not None:
        return floordiv(_expr(a) + (b - 1), b)
    return _CEIL(_expr(a) / b)


def total(xs: Iterable[Any]) -> Any:
    """A sum of sizes or counts as one expanded polynomial (``18*C**2 + 30*C``).

    Expanded in plain Python over monomials: sympy's ``expand`` on a
    thousand-term sum takes seconds.
    """
    acc: dict[tuple[Any, ...], Any] = {}
    for x in xs:
        if type(x) is int:
            acc[()] = acc.get((), 0) + x
            continue
        for mono, c in _polydict(_expr(x)).items():
            acc[mono] = acc.get(mono, 0) + c
    out = [c * sympy.Mul(*(a**k for a, k in mono)) for mono, c in acc.items() if c]
    return sympy.Add(*out) if out else 0


Poly = dict[tuple[Any, ...], Any]  # monomial ((atom, power), ...) -> coefficient


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


# ------------------------------------------------------------------ fast decisions


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
        return (Fraction(1), None)
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


# ------------------------------------------------------------------ printing


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


class _Printer(StrPrinter):
    """sympy syntax, with ⌊P/m⌋ written ``floor((T - 3)/4)`` (it parses back)."""

    pretty = False

    def __init__(self, settings: dict[str, Any]) -> None:
        super().__init__(settings)
        self._memo: dict[Any, str] = {}

    def _print(self, expr: Any, **kwargs: Any) -> str:
        """Memoised: shapes repeat the same sub-expressions layer after layer."""
        if kwargs:
            return super()._print(expr, **kwargs)
        try:
            return self._memo[expr]
        except (KeyError, TypeError):
            pass
        text = super()._print(expr)
        if len(self._memo) > 50_000:
            self._memo.clear()
        self._memo[expr] = text
        return text

    def _round(self, e: Any) -> str:
        terms, m = _num_den(e)
        if not all(_intlike(t) for t in terms):
            return f"{'⌊' if self.pretty else 'floor('}{self._print(e.args[0])}" + (
                "⌋" if self.pretty else ")") if isinstance(e, _FLOOR) else (
                f"{'⌈' if self.pretty else 'ceiling('}{self._print(e.args[0])}"
                + ("⌉" if self.pretty else ")"))
        if isinstance(e, _CEIL):  # not canonical (made by sympy itself): print it as it is
            return self._rounded("ceiling", _poly(*_split_const(terms)), m)
        kind, numer, _ = _round_choice(terms, m, None)
        return self._rounded(kind, numer, m)

    def _rounded(self, kind: str, numer: Any, m: int) -> str:
        text = self._print(numer)
        if m != 1:
            if isinstance(numer, sympy.Add) or (isinstance(numer, sympy.Mul) and numer.args[0] == -1):
                text = f"({text})"
            text = f"{text}/{m}"
        if self.pretty:
            return f"⌊{text}⌋" if kind == "floor" else f"⌈{text}⌉"
        return f"{kind}({text})"

    _print_floor = _round
    _print_ceiling = _round

    def _print_Mul(self, e: Any) -> str:
        """``8*H*W``, ``3*T/2``, ``-(T - 3)``: sympy's own is slow on long expressions."""
        c, rest = e.as_coeff_Mul()
        if c < 0:
            inner = -e
            text = self._print(inner)
            return f"-({text})" if isinstance(inner, sympy.Add) else f"-{text}"
        num, den = [], []
        for f in sorted(sympy.Mul.make_args(rest), key=lambda f: (-_degree(f), self._print(f))):
            if isinstance(f, sympy.Pow) and f.exp.is_Integer and f.exp < 0:
                den.append(f.base if f.exp == -1 else f.base ** (-f.exp))
            else:
                num.append(f)
        parts = [str(c.p)] if c.p != 1 or not num else []
        parts += [f"({self._print(f)})" if isinstance(f, sympy.Add) else self._print(f) for f in num]
        text = "*".join(parts)
        dens = ([str(c.q)] if c.q != 1 else []) + [
            f"({self._print(f)})" if isinstance(f, sympy.Add | sympy.Mul) else self._print(f) for f in den]
        if dens:
            text += "/" + (dens[0] if len(dens) == 1 else "(" + "*".join(dens) + ")")
        return text

    def _print_Add(self, e: Any, order: Any = None) -> str:
        """Highest degree first, constants last: ``18*C**2 + 30*C``, ``T - 3`` (and fast)."""
        terms = sorted(e.args, key=lambda t: (-_degree(t), self._print(t.as_coeff_Mul()[1])))
        out = ""
        for i, t in enumerate(terms):
            neg = t.as_coeff_Mul()[0] < 0
            text = self._print(-t if neg else t)
            if isinstance(-t if neg else t, sympy.Add):
                text = f"({text})"
            if i == 0:
                out = f"-{text}" if neg else text
            else:
                out += f" - {text}" if neg else f" + {text}"
        return out

    def doprint(self, expr: Any) -> str:  # type: ignore[override]
        e = _expr(expr)
        if isinstance(e, sympy.Add):
            atoms = [a for a in e.args if isinstance(a, _FLOOR)]
            others = [a for a in e.args if not isinstance(a, _FLOOR)]
            if (len(atoms) == 1 and len(others) == 1 and others[0].is_Integer
                    and all(_intlike(t) for t in atoms[0].args[0].as_coefficients_dict())):
                terms, m = _num_den(atoms[0])
                kind, numer, q = _round_choice(terms, m, int(others[0]))
                text = self._rounded(kind, numer, m)
                if q:
                    text += f" + {q}" if q > 0 else f" - {-q}"
                return self._finish(text)
        return self._finish(super().doprint(e))

    def _finish(self, text: str) -> str:
        return text


def _degree(t: Any) -> int:
    if t.is_Number:
        return 0
    if isinstance(t, sympy.Mul):
        return sum(_degree(a) for a in t.args)
    if isinstance(t, sympy.Pow) and t.exp.is_Integer and t.exp > 0:
        return _degree(t.base) * int(t.exp)
    return 1


class _Pretty(_Printer):
    """For people: ⌊(T − 3)/4⌋, 18·C^2, H mod 2, ≥."""

    pretty = True

    def _print_Mod(self, e: Any) -> str:
        return f"({self._print(e.args[0])} mod {self._print(e.args[1])})"

    def _print_Relational(self, e: Any) -> str:
        if e.rel_op == "==" and isinstance(e.lhs, sympy.Mod) and e.rhs == 0:
            return f"{self._print(e.lhs.args[0])} divisible by {self._print(e.lhs.args[1])}"
        op = {"==": "=", "!=": "≠", ">=": "≥", "<=": "≤"}.get(e.rel_op, e.rel_op)
        return f"{self._print(e.lhs)} {op} {self._print(e.rhs)}"

    def _finish(self, text: str) -> str:
        return text.replace("**", "^").replace("*", "·").replace(" - ", " − ")


_SSTR = _Printer({"order": None})
_PRETTY = _Pretty({"order": None})


@lru_cache(maxsize=8192)
def sstr(v: Any) -> str:
    """sympy syntax with floors as ``floor((T - 3)/4)`` (JSON, plain text)."""
    return _SSTR.doprint(v)


@lru_cache(maxsize=8192)
def pretty(v: Any) -> str:
    """An expression for people: ⌊(T − 3)/4⌋ rather than floor((T - 3)/4)."""
    if type(v) is int:
        return str(v)
    return _PRETTY.doprint(v)


# ------------------------------------------------------------------ valid values


class Unreducible(Exception):
    """The conditions are outside what the exact reduction handles."""


class ValidSet(dict):  # type: ignore[type-arg]
    """The JSON ``valid`` entry of one name, plus its sentence and an exact membership test."""

    text: str = ""
    head: frozenset[int] = frozenset()  # valid values below `start`
    start: int = 1  # from here on, validity repeats with `period`
    residues: tuple[bool, ...] = ()  # validity of start, start + 1, ... one period long

    def __contains__(self, v: object) -> bool:
        if not isinstance(v, int) or isinstance(v, bool):
            return dict.__contains__(self, v)
        if v in self.head:
            return True
        period = len(self.residues)
        return bool(period) and v >= self.start and self.residues[(v - self.start) % period]


Fn = Callable[[int], Any]
SCAN_LIMIT = 200_000  # values evaluated one by one, at most
PERIOD_LIMIT = 50_000
_REL = {"==": lambda g: g == 0, "!=": lambda g: g != 0, ">=": lambda g: g >= 0,
        ">": lambda g: g > 0, "<=": lambda g: g <= 0, "<": lambda g: g < 0}


def _compile(e: Any, x: Any) -> Fn:
    """Exact evaluation at an integer (ints and Fractions, never floats)."""
    if e is S.true or e is True:
        return lambda v: True
    if e is S.false or e is False:
        return lambda v: False
    if e.is_Integer:
        k = int(e)
        return lambda v: k
    if e.is_Rational:
        f = Fraction(int(e.p), int(e.q))
        return lambda v: f
    if e == x:
        return lambda v: v
    args = [_compile(a, x) for a in e.args] if not isinstance(e, sympy.Piecewise) else []
    if isinstance(e, sympy.Add):
        return lambda v: sum(a(v) for a in args)
    if isinstance(e, sympy.Mul):
        def mul(v: int) -> Any:
            out: Any = 1
            for a in args:
                out = out * a(v)
            return out
        return mul
    if isinstance(e, sympy.Pow) and e.exp.is_Integer:
        base, k = args[0], int(e.exp)
        return lambda v: Fraction(base(v)) ** k if k < 0 else base(v) ** k
    if isinstance(e, _FLOOR):
        return lambda v: math.floor(args[0](v))
    if isinstance(e, _CEIL):
        return lambda v: math.ceil(args[0](v))
    if isinstance(e, sympy.Mod):
        return lambda v: args[0](v) % args[1](v)
    if isinstance(e, sympy.Max):
        return lambda v: max(a(v) for a in args)
    if isinstance(e, sympy.Min):
        return lambda v: min(a(v) for a in args)
    if isinstance(e, sympy.Piecewise):
        pieces = [(_compile(p, x), _compile(c, x)) for p, c in e.args]

        def pw(v: int) -> Any:
            for p, c in pieces:
                if c(v):
                    return p(v)
            raise Unreducible("Piecewise without a default")
        return pw
    if isinstance(e, sympy.core.relational.Relational):
        test = _REL[e.rel_op]
        lhs, rhs = args
        return lambda v: test(lhs(v) - rhs(v))
    if isinstance(e, sympy.And):
        return lambda v: all(a(v) for a in args)
    if isinstance(e, sympy.Or):
        return lambda v: any(a(v) for a in args)
    if isinstance(e, sympy.Not):
        return lambda v: not args[0](v)
    raise Unreducible(f"cannot evaluate {type(e).__name__}")


class _Analysis:
    """Rates, the period L and thresholds of one name's conditions (see module doc)."""

    def __init__(self, x: Any) -> None:
        self.x = x
        self.L = 1
        self.rates: dict[Any, Fraction] = {}
        self.fns: dict[Any, Fn] = {}

    def fn(self, e: Any) -> Fn:
        if e not in self.fns:
            self.fns[e] = _compile(e, self.x)
        return self.fns[e]

    def need(self, q: Fraction) -> None:
        self.L = math.lcm(self.L, q.denominator)
        if self.L > PERIOD_LIMIT:
            raise Unreducible("period too long")

    def rate(self, e: Any) -> Fraction:
        if e in self.rates:
            return self.rates[e]
        r = self._rate(e)
        self.rates[e] = r
        return r

    def _rate(self, e: Any) -> Fraction:
        if e.is_Number or isinstance(e, bool) or e in (S.true, S.false):
            return Fraction(0)
        if e == self.x:
            return Fraction(1)
        if isinstance(e, sympy.Add):
            return sum((self.rate(a) for a in e.args), Fraction(0))
        if isinstance(e, sympy.Mul):
            c, var = Fraction(1), []
            for a in e.args:
                if a.is_Rational:
                    c *= Fraction(int(a.p), int(a.q))
                else:
                    var.append(a)
            if len(var) != 1:
                raise Unreducible("not linear")
            return c * self.rate(var[0])
        if isinstance(e, _FLOOR | _CEIL):
            r = self.rate(e.args[0])
            self.need(r)
            return r
        if isinstance(e, sympy.Mod):
            k = e.args[1]
            if not (k.is_Integer and k > 0):
                raise Unreducible("Mod by an expression")
            self.need(self.rate(e.args[0]) / int(k))
            return Fraction(0)
        if isinstance(e, sympy.Max | sympy.Min):
            rs = [self.rate(a) for a in e.args]
            return max(rs) if isinstance(e, sympy.Max) else min(rs)
        if isinstance(e, sympy.Piecewise):
            rs = {self.rate(p) for p, _ in e.args}
            for _, c in e.args:
                self.rate(c)
            if len(rs) != 1:
                raise Unreducible("pieces grow at different rates")
            return rs.pop()
        if isinstance(e, sympy.core.relational.Relational | sympy.And | sympy.Or | sympy.Not):
            for a in e.args:
                self.rate(a)
            return Fraction(0)
        raise Unreducible(f"cannot reduce {type(e).__name__}")

    def threshold(self, e: Any) -> int:
        """From this value of x on, ``e`` shifts by rate·L when x shifts by L."""
        if e.is_Atom or isinstance(e, bool):
            return 1
        if isinstance(e, sympy.Piecewise):
            return max(max(self.threshold(p), self.threshold(c)) for p, c in e.args)
        t = max(self.threshold(a) for a in e.args)
        if isinstance(e, sympy.Max | sympy.Min):
            rs = [self.rate(a) for a in e.args]
            best = max(rs) if isinstance(e, sympy.Max) else min(rs)
            top = e.args[rs.index(best)]
            for a, r in zip(e.args, rs, strict=True):
                if r != best:
                    g = top - a if isinstance(e, sympy.Max) else a - top
                    t = max(t, self.eventual(self.fn(g), abs(r - best), t))
        elif isinstance(e, sympy.core.relational.Relational):
            r = self.rate(e.lhs) - self.rate(e.rhs)
            if r:
                g = self.fn(e.lhs - e.rhs)
                t = max(t, self.eventual(lambda v: g(v) * (1 if r > 0 else -1), abs(r), t))
        return t

    def eventual(self, g: Fn, r: Fraction, start: int) -> int:
        """First x from which g (growing by r·L each L) stays positive, on every residue."""
        step = r * self.L
        worst = start
        for x0 in range(start, start + self.L):
            g0 = g(x0)
            j = 0 if g0 > 0 else math.floor(Fraction(-g0) / step) + 1
            worst = max(worst, x0 + j * self.L)
        return worst


def _monotone(e: Any, x: Any) -> int | None:
    """+1 nondecreasing, -1 nonincreasing, 0 constant in x, None unknown."""
    if e.is_Number:
        return 0
    if e == x:
        return 1
    if isinstance(e, sympy.Mul):
        c = Fraction(1)
        var = []
        for a in e.args:
            if a.is_Rational:
                c *= Fraction(int(a.p), int(a.q))
            else:
                var.append(a)
        if len(var) != 1:
            return None
        m = _monotone(var[0], x)
        return None if m is None else m * (1 if c > 0 else -1 if c < 0 else 0)
    if isinstance(e, _FLOOR | _CEIL):
        return _monotone(e.args[0], x)
    if isinstance(e, sympy.Add | sympy.Max | sympy.Min):
        ms = {_monotone(a, x) for a in e.args} - {0}
        if None in ms or len(ms) > 1:
            return None
        return ms.pop() if ms else 0
    return None


def _lower_bound(cond: Any, x: Any) -> int | None:
    """Smallest x satisfying a monotone ``g ≥ 0``-type condition, or None if not of that kind."""
    if not isinstance(cond, sympy.core.relational.Relational) or cond.rel_op in ("==", "!="):
        return None
    g = cond.lhs - cond.rhs if cond.rel_op in (">=", ">") else cond.rhs - cond.lhs
    if _monotone(g, x) != 1:
        return None
    test = _compile(cond, x)
    if test(1):
        return 1
    hi = 2
    while not test(hi):
        hi *= 2
        if hi.bit_length() > 4096:
            return None
    lo = hi // 2  # test(lo) is false, test(hi) true
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if test(mid):
            hi = mid
        else:
            lo = mid
    return hi


def solve_one(x: Any, conditions: Sequence[Any]) -> ValidSet | None:
    """The valid values of one name under ``conditions``; None when none is valid."""
    floor_n = 1
    general = []
    for c in conditions:
        n = _lower_bound(c, x)
        if n is None:
            general.append(c)
        else:
            floor_n = max(floor_n, n)
    if not general:
        return _describe(x, floor_n, 1, [True], floor_n, ())
    an = _Analysis(x)
    for c in general:
        an.rate(c)
    start = max([floor_n, *(an.threshold(c) for c in general)])
    end = start + an.L
    if end - floor_n > SCAN_LIMIT:
        raise Unreducible("too many values to check")
    tests = [an.fn(c) for c in conditions]
    member = {v: all(t(v) for t in tests) for v in range(floor_n, end)}
    pattern = [member[v] for v in range(start, end)]
    head = [v for v in range(floor_n, start) if member[v]]
    if not any(pattern):
        if not head:
            return None
        return _describe(x, head[0], None, [], start, head)
    period = next(p for p in range(1, an.L + 1)
                  if an.L % p == 0 and all(pattern[i] == pattern[i % p] for i in range(an.L)))

    def at(v: int) -> bool:
        return v >= floor_n and member.get(v, pattern[(v - start) % an.L] if v >= start else False)

    frm = start
    while frm > 1 and at(frm - 1) == at(frm - 1 + period):
        frm -= 1
    head = [v for v in range(floor_n, frm) if at(v)]
    residues = [at(v) for v in range(frm, frm + period)]
    out = _describe(x, None, period, residues, frm, head)
    offs = [i for i, ok in enumerate(residues) if ok]
    if head and len(offs) == 1:  # one residue class, plus a few values below it: say so
        lo = frm + offs[0]
        while lo - period >= 1 and at(lo - period):
            lo -= period
        extras = [v for v in head if (v - lo) % period or v < lo]
        cls = _describe(x, None, period, [True] + [False] * (period - 1), lo, ())
        if len(extras) <= 3:
            name = str(x)
            listed = ", ".join(map(str, extras))
            more = f"{name} = {listed}" if len(extras) == 1 else f"{name} ∈ {{{listed}}}"
            out.text = f"{cls.text} or {more}" if extras else cls.text
    return out


def _describe(x: Any, low: int | None, period: int | None, residues: list[bool], frm: int,
              head: Sequence[int]) -> ValidSet:
    """The JSON entry and its sentence."""
    name = str(x)
    if period is None:  # finite set
        values = list(head)
        out = ValidSet(min=values[0], period=None, first=values[:4])
        out.head = frozenset(values)
        out.text = f"{name} ∈ {{{', '.join(map(str, values[:8]))}{', …' if len(values) > 8 else ''}}}"
        return out
    first: list[int] = list(head[:4])
    v = frm
    while len(first) < 4:
        if residues[(v - frm) % period]:
            first.append(v)
        v += 1
    out = ValidSet(min=first[0], period=period, first=first)
    out.head, out.start, out.residues = frozenset(head), frm, tuple(residues)
    offs = [i for i, ok in enumerate(residues) if ok]
    if head or len(offs) != 1:
        listed = [*head[:6]]
        v = frm
        while len(listed) < 6:
            if residues[(v - frm) % period]:
                listed.append(v)
            v += 1
        out.text = f"{name} ∈ {{{', '.join(map(str, listed))}, …}} (period {period} from {frm})"
        return out
    lo = frm + offs[0]
    r = lo % period
    if period == 1:
        out.text = f"{name} ≥ {lo}" if lo > 1 else ""
    elif period == 2:
        out.text = f"{name} {'even' if r == 0 else 'odd'}" + (f", {name} ≥ {lo}" if lo > 2 else "")
    else:
        m0 = (lo - r) // period
        body = f"{period}m" + (f" + {r}" if r else "")
        out.text = f"{name} = {body}, m ≥ {m0}"
    return out


def reduce_constraints(result: Any) -> None:
    """Fill ``result.valid`` per free name; keep what cannot be reduced in ``result.constraints``."""
    symbols = {name: _symbol(name) for name in result.free_names}
    groups: dict[str, list[Any]] = {name: [] for name in symbols}
    for c in result.constraints:
        cond = c.condition
        names = getattr(cond, "free_symbols", set())
        if len(names) == 1:
            (s,) = names
            if str(s) in groups and symbols[str(s)] == s:
                groups[str(s)].append(c)
    done: set[int] = set()
    for name, cons in groups.items():
        x = symbols[name]
        try:
            found = solve_one(x, [c.condition for c in cons])
        except Unreducible:
            continue
        if found is None:
            _no_value(result, name, cons)
        result.valid[name] = found
        done.update(id(c) for c in cons)
    result.constraints[:] = [c for c in result.constraints if id(c) not in done]


def _no_value(result: Any, name: str, cons: Sequence[Any]) -> None:
    last = cons[-1]
    loc, ref = None, None
    for row in result.layers:
        if row.name == last.layer:
            loc, ref = row.loc, LayerRef(row.index, row.name, row.type)
    if len(cons) == 1:
        raise SpecError(f"no value of {name} makes this valid: {last.message}", loc=loc, layer=ref)
    needs = "; ".join(pretty(c.condition) for c in cons)
    raise SpecError(f"no value of {name} satisfies every condition together: {needs}", loc=loc, layer=ref)


def _symbol(name: str) -> Any:
    from .num import symbol

    return symbol(name)


_ASCII = str.maketrans({"≥": ">=", "≤": "<=", "≠": "!=", "∈": "in", "−": "-", "·": "*", "…": "...",
                        "⌊": "floor(", "⌋": ")", "⌈": "ceil(", "⌉": ")"})


def valid_text(result: Any, pretty: bool = True) -> list[str]:
    """A line saying for which values of the free names the network is valid, then open conditions.

    ``pretty=False`` keeps to ASCII (the plain format).
    """
    lines = _valid_lines(result)
    return lines if pretty else [line.translate(_ASCII) for line in lines]


def _valid_lines(result: Any) -> list[str]:
    lines = []
    parts = [v.text for v in result.valid.values() if isinstance(v, ValidSet) and v.text]
    reduced = [n for n in result.free_names if n in result.valid]
    if parts:
        lines.append("Valid for " + "; ".join(parts))
    elif reduced and not result.constraints:
        lines.append(f"Valid for every {', '.join(reduced)} ≥ 1")
    for c in result.constraints:
        where = f" ({c.layer})" if c.layer else ""
        lines.append(f"Needs {pretty(c.condition)}{where}")
    return lines
