"""Printing symbolic sizes: sympy syntax for machines, ⌊(T − 3)/4⌋ for people.

Exists because sympy's own printers are slow on thousand-term expressions and
print a canonical atom such as ``floor(T/4 + 1/4) - 1`` where
``floor((T - 3)/4)`` reads better.  Each ``⌊P/m⌋`` is printed as whichever of
``⌊P/m⌋`` and ``⌈(P − m + 1)/m⌉`` reads simpler; the text parses back.

A size reads the same wherever it appears: in a shape, and as a factor of a
MAC count or a memory size, where sympy has distributed the number over it
(``8*floor(T/4 + 1/4) - 8`` is written ``8*floor((T - 3)/4)``).
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import sympy
from sympy.printing.str import StrPrinter

from .canonical import (
    _CEIL,
    _FLOOR,
    _expr,
    _intlike,
    _num_den,
    _poly,
    _polydict,
    _round_atom,
    _round_choice,
    _split_const,
    ceildiv,
    floordiv,
    size_of,
)


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
            size = size_of(numer)  # one rounded atom needs no parentheses: floor(floor((H - 1)/2)/2)
            atom = size is not None and size[0] == 1 and _round_atom(size[1]) and self._shown(*size[1:])[1]
            if not atom and (isinstance(numer, sympy.Add)
                             or (isinstance(numer, sympy.Mul) and numer.args[0] == -1)):
                text = f"({text})"
            text = f"{text}/{m}"
        if self.pretty:
            return f"⌊{text}⌋" if kind == "floor" else f"⌈{text}⌉"
        return f"{kind}({text})"

    _print_floor = _round
    _print_ceiling = _round

    def _print_Mul(self, e: Any) -> str:
        """``8*H*W``, ``3*T/2``, ``-(T - 3)``: sympy's own is slow on long expressions.

        A factor sympy stored as ``8*H - 16`` is written ``8*(H - 2)``, the size it multiplies.
        """
        c, rest = e.as_coeff_Mul()
        if c < 0:
            inner = -e
            text = self._print(inner)
            return f"-({text})" if isinstance(inner, sympy.Add) else f"-{text}"
        powers: dict[Any, int] = {}  # factor (a size as (t, q)) -> power
        den = []
        for f in sympy.Mul.make_args(rest):
            base, k = (f.base, int(f.exp)) if isinstance(f, sympy.Pow) and f.exp.is_Integer else (f, 1)
            if k < 0:
                den.append(base if k == -1 else base ** (-k))
                continue
            size = size_of(base)
            if size is not None:
                c *= size[0] ** k
                base = size[1:]
            elif not isinstance(base, sympy.Add):
                base, k = f, 1
            else:  # (264 − 8·k)·(33 − k) is 8·(33 − k)^2
                g = _content(base)
                if g > 1:
                    c *= g**k
                    base = sympy.Add(*(a / g for a in base.args))
            powers[base] = powers.get(base, 0) + k
        num = []
        for f, k in powers.items():
            if isinstance(f, tuple):
                text, bare = self._shown(*f)
                degree = _degree(f[0]) * k
            else:
                text, bare, degree = self._print(f), not isinstance(f, sympy.Add), _degree(f) * k
            if not bare:
                text = f"({text})"
            num.append((-degree, _order(text), text if k == 1 else f"{text}**{k}"))
        num.sort()
        den.sort(key=lambda f: (-_degree(f), self._print(f)))
        parts = [str(c.p)] if c.p != 1 or not num else []
        parts += [text for _, _, text in num]
        text = "*".join(parts)
        dens = ([str(c.q)] if c.q != 1 else []) + [
            f"({self._print(f)})" if isinstance(f, sympy.Add | sympy.Mul) else self._print(f) for f in den]
        if dens:
            text += "/" + (dens[0] if len(dens) == 1 else "(" + "*".join(dens) + ")")
        return text

    def _shown(self, t: Any, q: int) -> tuple[str, bool]:
        """The size ``t + q`` as text (a rounded ``t`` written as the shapes write it), and if one atom.

        A rounding of a negative numerator is written negated, ``16 − ⌊k/2⌋`` rather than
        ``⌈(−k)/2⌉ + 16``: ⌊P/m⌋ = −⌈−P/m⌉ and ⌈P/m⌉ = −⌊−P/m⌋.
        """
        if not _round_atom(t):
            text = self._print(t)
        else:
            terms, m = _num_den(t)
            kind, numer, q = _round_choice(terms, m, q)
            body = [c for a, c in _split_const(dict(numer.as_coefficients_dict()))[0].items()]
            if body and all(c < 0 for c in body):
                g = (ceildiv if kind == "floor" else floordiv)(-numer, m)  # = −(the rounding)
                size = size_of(g)
                atom, k0 = (size[1], size[2]) if size is not None and size[0] == 1 else (g, 0)
                if _round_atom(atom):
                    text, _ = self._shown(atom, 0)
                    q -= k0
                    if not q:
                        return f"-{text}", False
                    return (f"{q} - {text}" if q > 0 else f"-{text} - {-q}"), False
            text = self._rounded(kind, numer, m)
        if not q:
            return text, True
        return (f"{text} + {q}" if q > 0 else f"{text} - {-q}"), False

    def _size(self, e: Any) -> str | None:
        """``c·(f + q)``, ``f`` a rounded atom, written as the shapes write ``f + q``; None if not that."""
        size = size_of(e)
        if size is None or not _round_atom(size[1]):
            return None
        c, f, q = size
        text, bare = self._shown(f, q)
        if c == 1:
            return text
        # 8*floor((H - 6)/4), not 8*ceiling((H - 1)/4) - 16; but 8*floor(H/2) - 8 keeps sympy's form,
        # whose atom already reads as in the shape floor(H/2) - 1.
        return f"{c}*{text}" if bare else None

    def _print_Add(self, e: Any, order: Any = None) -> str:
        """Highest degree first, constants last: ``18*C**2 + 30*C``, ``T - 3`` (and fast).

        A rounded size plus a number reads as in the shapes: ``floor((T - 3)/4)``,
        not ``floor((T + 1)/4) - 1``.
        """
        shown = self._size(e)
        if shown is not None:
            return shown
        flipped = [_negated(t.as_coeff_Mul()[1]) for t in e.args]
        if any(g is not None for g in flipped):  # p − ⌈k/2⌉ + 16, not p + ⌊(−k)/2⌋ + 16
            return self._print(sympy.Add(*(
                t if g is None else -t.as_coeff_Mul()[0] * g for t, g in zip(e.args, flipped, strict=True))))
        terms = sorted(e.args, key=lambda t: (-_degree(t), self._print(t.as_coeff_Mul()[1])))
        positive = [t for t in terms if t.as_coeff_Mul()[0] > 0]
        if positive and terms[0] is not positive[0]:  # 33 − k, not −k + 33
            terms.remove(positive[0])
            terms.insert(0, positive[0])
        factored = self._factored(e)
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
        return factored if factored is not None and len(factored) < len(out) else out

    def _factored(self, e: Any) -> str | None:
        """``160*(floor(H/2) - 1)*(floor(W/2) - 1) + 618`` for a total whose top term is a product
        of distinct sizes: the polynomial is tried as K·Π(aᵢ + qᵢ) + r, with qᵢ read off the
        terms one degree lower and every other term checked."""
        if len(e.args) < 4:
            return None
        poly = _polydict(e)
        degree = max(sum(k for _, k in mono) for mono in poly)
        tops = [mono for mono in poly if sum(k for _, k in mono) == degree]
        if not 2 <= degree <= 4 or len(tops) != 1 or any(k != 1 for _, k in tops[0]):
            return None
        top = tops[0]
        big = poly[top]
        if not big.is_Integer:
            return None
        shifts = []
        for i in range(len(top)):
            c = poly.get(tuple(m for j, m in enumerate(top) if j != i), 0)
            if not (c / big).is_Integer:
                return None
            shifts.append(int(c / big))
        guess = _polydict(sympy.Mul(big, *(a + q for (a, _), q in zip(top, shifts, strict=True)),
                                    evaluate=False).expand())
        if any(guess.get(mono, 0) != c for mono, c in poly.items() if mono) or \
                any(mono and mono not in poly for mono in guess if guess[mono]):
            return None
        rest = int(poly.get((), 0) - guess.get((), 0))
        factors = []
        for (a, _), q in zip(top, shifts, strict=True):
            text, bare = self._shown(a, q) if _round_atom(a) else (
                (self._print(a + q), not q) if q else (self._print(a), True))
            factors.append((_order(text), text if bare else f"({text})"))
        factors.sort()
        body = "*".join([*([str(big)] if big != 1 else []), *(t for _, t in factors)])
        if not rest:
            return body
        return f"{body} + {rest}" if rest > 0 else f"{body} - {-rest}"

    def doprint(self, expr: Any) -> str:  # type: ignore[override]
        return self._finish(super().doprint(_expr(expr)))

    def _finish(self, text: str) -> str:
        return text


_UNROUND = str.maketrans("", "", "()⌊⌋⌈⌉")


def _order(text: str) -> str:
    """Sort key of a factor: its names as read, so ``floor((H - 6)/4)*(W - 2)`` keeps H before W."""
    return text.replace("floor(", "").replace("ceiling(", "").translate(_UNROUND)


def _negated(f: Any) -> Any:
    """``−f`` for a rounded atom shown with a numerator of negative terms only (⌊(−k)/2⌋ is
    −⌈k/2⌉), so that it prints with a positive one; None for any other term."""
    if not _round_atom(f):
        return None
    terms, m = _num_den(f)
    kind, numer, _ = _round_choice(terms, m, None)
    body = _split_const(dict(numer.as_coefficients_dict()))[0]
    if not body or any(c >= 0 for c in body.values()):
        return None
    return (ceildiv if kind == "floor" else floordiv)(-numer, m)


def _content(e: Any) -> int:
    """The gcd of a sum's integer coefficients (1 when any is not an integer)."""
    coeffs = [a.as_coeff_Mul()[0] for a in e.args]
    if not all(c.is_Integer for c in coeffs):
        return 1
    return math.gcd(*(int(c) for c in coeffs))


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
