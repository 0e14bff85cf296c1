"""A small arithmetic language: parsed, never executed.

Two users share it.  Spec files write numbers as expressions (``out: 2*C``,
``input: [3, H, H]``); convcalc's own formulas are written in the same
language (``(n + pl + pr - d*(k - 1) - 1) // s + 1``), so one expression
tree both computes a size and prints it with the numbers put in for
``--explain``.  Evaluation works on ints and, unchanged, on sympy
expressions: ``//`` is floor division and ``ceildiv`` ceiling division.

Grammar: integers, decimals (``0.25``), names (``C``, ``$width``), ``+ - * /
// % **``, parentheses, the calls of :mod:`convcalc.arith.functions` (``min``,
``max``, ``round``, ``floor``, ``ceil``, ``ceildiv``, ``make_divisible``) and
``size(tensor, axis)``, comparisons (``== != < <= > >=``), ``and``/``or``/``not``
and the conditional value ``a if condition else b``.  Decimals and inexact ``/``
inside ``floor``/``ceil``/``round``/``make_divisible`` are exact fractions; every
other value must come out a whole number (or a condition, in ``if:``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..errors import SpecError
from . import functions as fn
from . import num
from .syntax import (  # the tree and its reading live in syntax; re-exported, expr is the one import
    _COMPARE,
    FUNCTIONS,
    MAX_DEPTH,
    MAX_LENGTH,
    Bin,
    Call,
    Cond,
    Name,
    Neg,
    Node,
    Not,
    Num,
    names,
    parse,
    render,
    tensors,
)

Value = num.Value

_OPS: dict[str, Callable[[Value, Value], Value]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": num.div_exact,
    "//": num.floordiv,
    "%": num.mod,
    "**": num.power,
}
_FUNCS: dict[str, Callable[..., Value]] = {
    "ceildiv": fn.ceildiv, "max": lambda *xs: fn.extremum("max", *xs),
    "min": lambda *xs: fn.extremum("min", *xs), "floor": fn.floor, "ceil": fn.ceil,
    "round": fn.round_half_even, "make_divisible": fn.make_divisible,
}
# Formulas (compiled, ints and sympy only) use num's versions directly.
_FORMULA_FUNCS: dict[str, Callable[..., Value]] = {"ceildiv": num.ceildiv, "max": num.maximum,
                                                   "min": num.minimum}


Sizes = Callable[[str, Value], Value]  # size(tensor, axis): the axis of a tensor's shape


def evaluate(node: Node, env: Mapping[str, Value], unknown: Callable[[str], Value] | None = None,
             sizes: Sizes | None = None) -> Any:
    """Value of ``node``; a name missing from ``env`` goes to ``unknown``.

    A whole number (or a sympy expression), or a bool for a condition; exact
    fractions live only inside the rounding functions and are refused when a
    value stays fractional.
    """
    return fn.whole(_Eval(env, unknown, sizes).value(node, False), "the value")


class _Eval:
    def __init__(self, env: Mapping[str, Value], unknown: Callable[[str], Value] | None,
                 sizes: Sizes | None) -> None:
        self.env, self.unknown, self.sizes = env, unknown, sizes

    def value(self, node: Node, exact: bool) -> Any:
        """``exact``: inside floor/ceil/round/make_divisible, where ``/`` may leave a fraction."""
        if isinstance(node, Num):
            return node.value
        if isinstance(node, Name):
            if node.id in self.env:
                return self.env[node.id]
            if self.unknown is None:
                raise SpecError(f"unknown name {node.id!r}", code="unbound-name")
            return self.unknown(node.id)
        if isinstance(node, Neg):
            return -self.number(node.operand, exact)
        if isinstance(node, Not):
            return not self.truth(node.operand)
        if isinstance(node, Cond):
            return self.value(node.then if self.truth(node.test) else node.other, exact)
        if isinstance(node, Bin):
            return self.binary(node, exact)
        return self.call(node, exact)

    def number(self, node: Node, exact: bool) -> Any:
        v = self.value(node, exact)
        if isinstance(v, bool):
            raise SpecError(f"a condition ({render(node, pretty=False)}) stands where a number belongs",
                            code="condition-not-number")
        return v

    def truth(self, node: Node) -> bool:
        v = self.value(node, False)
        if isinstance(v, bool):
            return v
        raise SpecError(f"{render(node, pretty=False)} is a number ({num.fmt(fn.whole(v, 'it'))}), not a "
                        "condition (compare it: == != < <= > >=)", code="number-not-condition")

    def binary(self, node: Bin, exact: bool) -> Any:
        op = node.op
        if op == "and":
            return self.truth(node.left) and self.truth(node.right)
        if op == "or":
            return self.truth(node.left) or self.truth(node.right)
        a, b = self.number(node.left, exact), self.number(node.right, exact)
        if op in _COMPARE:
            return _compare(op, a, b, node)
        if fn.is_fraction(a) or fn.is_fraction(b):
            if not (fn.is_exact(a) and fn.is_exact(b)):  # a decimal with a free name: sympy's Rational
                a, b = _sympy_rational(a), _sympy_rational(b)
            elif op == "/":
                _nonzero(b)
                q = a / b  # a Fraction, since one of them is
                return q if exact else fn.whole(q, f"{render(node, pretty=False)}")
        if op == "/" and exact and type(a) is int and type(b) is int:
            from fractions import Fraction

            _nonzero(b)
            return Fraction(a, b)
        v = _OPS[op](a, b)
        return num.check_size(v, "the value") if type(v) is int else v

    def call(self, node: Call, exact: bool) -> Any:
        f = node.func
        if f == "size":
            return self.size(node)
        arg = node.args[0]
        if f in fn.SYMBOLIC_DIVISION and isinstance(arg, Bin) and arg.op == "/":
            top, bottom = self.number(arg.left, True), self.number(arg.right, True)
            if not (fn.is_exact(top) and fn.is_exact(bottom)):  # ⌊a/b⌋, ⌈a/b⌉ with free names
                return fn.SYMBOLIC_DIVISION[f](_sympy_rational(top), _sympy_rational(bottom))
        args = [self.number(a, exact or f in fn.ROUNDING) for a in node.args]
        return _FUNCS[f](*args)

    def size(self, node: Call) -> Value:
        tensor = node.args[0].id  # type: ignore[union-attr]
        if self.sizes is None:
            raise SpecError(f"size({tensor}, ...) reads a tensor's shape: it can be used in a layer's "
                            "arguments and its `if:`", code="size-outside-layer")
        return self.sizes(tensor, fn.whole(self.number(node.args[1], False), "the axis of size()"))


def _nonzero(b: Any) -> None:
    if b == 0:
        raise SpecError("division by zero in /", code="division-by-zero")


def _sympy_rational(v: Any) -> Any:
    if fn.is_fraction(v):
        return num.sympy_module().Rational(v.numerator, v.denominator)
    return v


def _compare(op: str, a: Any, b: Any, node: Node) -> bool:
    if fn.is_exact(a) and fn.is_exact(b):
        return {"==": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
    sympy = num.sympy_module()
    a, b = _sympy_rational(a), _sympy_rational(b)
    rel = {"==": lambda: num.eq(a, b), "!=": lambda: sympy.Not(num.eq(a, b)),
           "<": lambda: num.ge(b, a + 1), "<=": lambda: num.ge(b, a),
           ">": lambda: num.ge(a, b + 1), ">=": lambda: num.ge(a, b)}[op]()
    verdict = num.resolve(rel)
    if verdict is None:
        raise SpecError(f"cannot decide {render(node, pretty=False)}: it depends on a free name "
                        f"({num.fmt(a)} {op} {num.fmt(b)}); bind it in `vars:` or with -D",
                        code="unbound-name")
    return verdict


def exact_divisions(
    node: Node, env: Mapping[str, Value], unknown: Callable[[str], Value] | None = None
) -> list[tuple[Value, Value]]:
    """The (dividend, divisor) of every ``/`` in ``node``: each must divide exactly."""
    out: list[tuple[Value, Value]] = []

    def walk(n: Node) -> None:
        if isinstance(n, Call) and n.func in fn.ROUNDING:
            return  # a `/` inside floor, ceil, round, make_divisible need not divide evenly
        if isinstance(n, Bin):
            if n.op == "/":
                out.append((evaluate(n.left, env, unknown), evaluate(n.right, env, unknown)))
            walk(n.left)
            walk(n.right)
        elif isinstance(n, Neg):
            walk(n.operand)
        elif isinstance(n, Call):
            for a in n.args:
                walk(a)

    walk(node)
    return out


def compile_node(node: Node) -> Callable[[Mapping[str, Value]], Value]:
    """Turn a tree into nested closures: the fast path for formulas."""
    if isinstance(node, Num):
        v = node.value
        return lambda env: v
    if isinstance(node, Name):
        key = node.id
        return lambda env: env[key]
    if isinstance(node, Neg):
        inner = compile_node(node.operand)
        return lambda env: -inner(env)
    if isinstance(node, Bin):
        op = _OPS[node.op]
        left, right = compile_node(node.left), compile_node(node.right)
        return lambda env: op(left(env), right(env))
    if not isinstance(node, Call) or node.func not in _FORMULA_FUNCS:
        raise SpecError(f"formulas use ceildiv, max and min only, not {render(node, pretty=False)}",
                        code="bad-expression")
    func = _FORMULA_FUNCS[node.func]
    args = tuple(compile_node(a) for a in node.args)
    return lambda env: func(*(a(env) for a in args))


# ---------------------------------------------------------------- rendering


__all__ = ["FUNCTIONS", "MAX_DEPTH", "MAX_LENGTH", "Bin", "Call", "Cond", "Name", "Neg", "Node", "Not", "Num",
           "compile_node", "evaluate", "exact_divisions", "names", "parse", "render", "tensors"]
