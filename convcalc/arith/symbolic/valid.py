"""The valid values of each free name: exact, periodic descriptions of the conditions.

Exists so that a symbolic result says for which values it holds (``T ≥ 7``,
``H = 16m, m ≥ 1``) instead of listing raw conditions.

Each open condition that mentions one name ``x`` is built from
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
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from typing import Any

import sympy

from ...errors import LayerRef, Loc, SpecError
from .canonical import _CEIL, _FLOOR, S
from .eventual import Unsettled, settle
from .names import name_range, symbol
from .printing import pretty
from .validset import ValidSet, describe


class Unreducible(Exception):
    """The conditions are outside what the exact reduction handles."""


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
            c, var = _split_mul(e)
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


def _split_mul(e: Any) -> tuple[Fraction, list[Any]]:
    """A product as its rational coefficient and its other factors."""
    c, var = Fraction(1), []
    for a in e.args:
        if a.is_Rational:
            c *= Fraction(int(a.p), int(a.q))
        else:
            var.append(a)
    return c, var


def _monotone(e: Any, x: Any) -> int | None:
    """+1 nondecreasing, -1 nonincreasing, 0 constant in x, None unknown."""
    if e.is_Number:
        return 0
    if e == x:
        return 1
    if isinstance(e, sympy.Mul):
        c, var = _split_mul(e)
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


def _lower_bound(cond: Any, x: Any, low: int) -> int | None:
    """Smallest x ≥ low satisfying a monotone ``g ≥ 0``-type condition, or None if not of that kind."""
    if not isinstance(cond, sympy.core.relational.Relational) or cond.rel_op in ("==", "!="):
        return None
    g = cond.lhs - cond.rhs if cond.rel_op in (">=", ">") else cond.rhs - cond.lhs
    if _monotone(g, x) != 1:
        return None
    test = _compile(cond, x)
    if test(low):
        return low
    lo, hi = low, low + 1  # test(lo) is false
    while not test(hi):
        lo, hi = hi, low + 2 * (hi - low)
        if (hi - low).bit_length() > 4096:
            return None
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if test(mid):
            hi = mid
        else:
            lo = mid
    return hi


def _holds(tests: Sequence[Fn], v: int) -> bool:
    try:
        return all(t(v) for t in tests)
    except ZeroDivisionError:  # a name that may be 0, in a divisor: the layer refuses it
        return False


def solve_one(x: Any, conditions: Sequence[Any]) -> ValidSet | None:
    """The valid values of one name (in its declared range) under ``conditions``; None when none is."""
    low, high = name_range(x)
    if high is not None:  # a bounded range: every value is checked
        if high - low > SCAN_LIMIT:
            raise Unreducible("too many values to check")
        tests = [_compile(c, x) for c in conditions]
        values = [v for v in range(low, high + 1) if _holds(tests, v)]
        return describe(x, None, [], low, values) if values else None
    settled, beyond = [], 0
    for c in conditions:
        try:
            s, t = settle(c, x)
        except Unsettled as e:
            raise Unreducible(str(e)) from None
        settled.append(s)
        beyond = max(beyond, t)
    floor_n = low
    general = []
    for c, s in zip(conditions, settled, strict=True):
        n = _lower_bound(c, x, low) if s is c else None
        if n is None:
            general.append(s)
        else:
            floor_n = max(floor_n, n)
    if not general:
        return describe(x, 1, [True], floor_n, ())
    an = _Analysis(x)
    for c in general:
        an.rate(c)
    start = max([floor_n, beyond + 1, *(an.threshold(c) for c in general)])
    end = start + an.L
    if end - floor_n > SCAN_LIMIT:
        raise Unreducible("too many values to check")
    tests = [an.fn(c) for c in conditions]
    member = {v: _holds(tests, v) for v in range(floor_n, end)}
    pattern = [member[v] for v in range(start, end)]
    head = [v for v in range(floor_n, start) if member[v]]
    if not any(pattern):
        return describe(x, None, [], start, head) if head else None
    period = next(p for p in range(1, an.L + 1)
                  if an.L % p == 0 and all(pattern[i] == pattern[i % p] for i in range(an.L)))

    def at(v: int) -> bool:
        return v >= floor_n and member.get(v, pattern[(v - start) % an.L] if v >= start else False)

    frm = start
    while frm > low and at(frm - 1) == at(frm - 1 + period):
        frm -= 1
    head = [v for v in range(floor_n, frm) if at(v)]
    residues = [at(v) for v in range(frm, frm + period)]
    out = describe(x, period, residues, frm, head)
    offs = [i for i, ok in enumerate(residues) if ok]
    if head and len(offs) == 1:  # one residue class, plus a few values below it: say so
        lo = frm + offs[0]
        while lo - period >= low and at(lo - period):
            lo -= period
        extras = [v for v in head if (v - lo) % period or v < lo]
        cls = describe(x, period, [True] + [False] * (period - 1), lo, ())
        if len(extras) <= 3:
            name = str(x)
            listed = ", ".join(map(str, extras))
            more = f"{name} = {listed}" if len(extras) == 1 else f"{name} ∈ {{{listed}}}"
            out.text = f"{cls.text} or {more}" if extras else cls.text
    return out


Locate = Callable[[str | None], tuple[Loc | None, LayerRef | None]]


def reduce_constraints(
    free_names: Sequence[str], constraints: Sequence[Any], locate: Locate,
    symbols: Mapping[str, Any] | None = None,
) -> tuple[dict[str, ValidSet], list[Any]]:
    """The valid values of each free name, and the conditions left that no name's set expresses.

    ``symbols`` (name -> symbol) carries declared ranges; a name missing there is a positive integer.
    Conditions met twice (the same rule on H and on W of a square input) are kept once.  No valid
    value at all is an error, located by ``locate`` (a layer's name -> where it is written) at the
    layer of the last condition.
    """
    valid: dict[str, ValidSet] = {}
    symbols = {name: (symbols or {}).get(name) or symbol(name) for name in free_names}
    unique: dict[Any, Any] = {}
    for c in constraints:
        unique.setdefault(c.condition, c)
    constraints = list(unique.values())
    groups: dict[str, list[Any]] = {name: [] for name in symbols}
    for c in constraints:
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
            _no_value(name, cons, locate)
        valid[name] = found
        done.update(id(c) for c in cons)
    return valid, [c for c in constraints if id(c) not in done]


def _no_value(name: str, cons: Sequence[Any], locate: Locate) -> None:
    last = cons[-1]
    loc, ref = locate(last.layer)
    if len(cons) == 1:
        raise SpecError(f"no value of {name} makes this valid: {last.message}", loc=loc, layer=ref,
                        code="no-valid-value")
    needs = "; ".join(pretty(c.condition) for c in cons)
    raise SpecError(f"no value of {name} satisfies every condition together: {needs}", loc=loc, layer=ref,
                    code="no-valid-value")


def valid_text(result: Any) -> list[str]:
    """A line saying for which values of the free names the network is valid, then open conditions
    (in the table's notation; --format plain converts every line to ASCII itself)."""
    lines = []
    parts = [v.text for v in result.valid.values() if isinstance(v, ValidSet) and v.text]
    reduced = [n for n in result.free_names if n in result.valid]
    if parts:
        lines.append("Valid for " + "; ".join(parts))
    elif reduced and not result.constraints:
        lows = {n: getattr(result.valid[n], "low", 1) for n in reduced}
        if len(set(lows.values())) == 1:
            lines.append(f"Valid for every {', '.join(reduced)} ≥ {lows[reduced[0]]}")
        else:
            lines.append("Valid for every " + ", ".join(f"{n} ≥ {lo}" for n, lo in lows.items()))
    for c in result.constraints:
        where = f" ({c.layer})" if c.layer else ""
        lines.append(f"Needs {pretty(c.condition)}{where}")
    return lines
