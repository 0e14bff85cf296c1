"""A small arithmetic language: parsed, never executed.

Two users share it.  Spec files write numbers as expressions (``out: 2*C``,
``input: [3, H, H]``); convcalc's own formulas are written in the same
language (``(n + pl + pr - d*(k - 1) - 1) // s + 1``), so one expression
tree both computes a size and prints it with the numbers put in for
``--explain``.  Evaluation works on ints and, unchanged, on sympy
expressions: ``//`` is floor division and ``ceildiv`` ceiling division.

Grammar: integers, names (``C``, ``$width``), ``+ - * / // % **``,
parentheses, and in formulas the calls ``ceildiv``, ``max``, ``min``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import NamedTuple

from ..errors import SpecError
from . import num

MAX_LENGTH = 2000
MAX_DEPTH = 64

Value = num.Value


class Num(NamedTuple):
    value: int


class Name(NamedTuple):
    id: str


class Neg(NamedTuple):
    operand: Node


class Bin(NamedTuple):
    op: str
    left: Node
    right: Node


class Call(NamedTuple):
    func: str
    args: tuple[Node, ...]


Node = Num | Name | Neg | Bin | Call

_TOKEN = re.compile(
    r"\s*(?:(?P<int>\d+)|(?P<name>\$?[A-Za-z_][A-Za-z_0-9]*)|(?P<op>\*\*|//|[-+*/%(),]))"
)
_BINARY = {"+": 10, "-": 10, "*": 20, "/": 20, "//": 20, "%": 20, "**": 40}
_UNARY_PRECEDENCE = 30
FUNCTIONS = ("ceildiv", "max", "min")


def _tokenize(text: str) -> list[tuple[str, str, int]]:
    if len(text) > MAX_LENGTH:
        raise SpecError(f"expression is {len(text)} characters long; at most {MAX_LENGTH}", code="too-long")
    tokens: list[tuple[str, str, int]] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            rest = text[pos:].strip()
            if not rest:
                break
            col = pos + (len(text[pos:]) - len(text[pos:].lstrip()))
            raise SpecError(
                f"cannot read expression {text!r}: unexpected {rest[0]!r} at position {col + 1}"
                " (allowed: integers, names, + - * / // % ** and parentheses)", code="bad-expression"
            )
        kind = m.lastgroup or "op"
        tokens.append((kind, m.group(kind), m.start(kind)))
        pos = m.end()
    return tokens


class _Parser:
    def __init__(self, text: str, functions: bool) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.pos = 0
        self.functions = functions

    def fail(self, what: str, code: str = "bad-expression") -> SpecError:
        return SpecError(f"cannot read expression {self.text!r}: {what}", code=code)

    def peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str, int]:
        tok = self.peek()
        if tok is None:
            raise self.fail("it ends too early")
        self.pos += 1
        return tok

    def expect(self, op: str) -> None:
        tok = self.take()
        if tok[1] != op:
            raise self.fail(f"expected {op!r} but found {tok[1]!r}")

    def parse(self) -> Node:
        if not self.tokens:
            raise self.fail("it is empty")
        node = self.expression(0, 0)
        tok = self.peek()
        if tok is not None:
            raise self.fail(f"unexpected {tok[1]!r} at position {tok[2] + 1}")
        return node

    def expression(self, min_prec: int, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise self.fail(f"nested more than {MAX_DEPTH} deep", code="too-deep")
        left = self.atom(depth)
        while True:
            tok = self.peek()
            if tok is None or tok[0] != "op" or tok[1] not in _BINARY:
                return left
            prec = _BINARY[tok[1]]
            if prec < min_prec:
                return left
            self.pos += 1
            # ** is right-associative; everything else is left-associative.
            right = self.expression(prec if tok[1] == "**" else prec + 1, depth + 1)
            left = Bin(tok[1], left, right)

    def atom(self, depth: int) -> Node:
        kind, text, _ = self.take()
        if kind == "int":
            return Num(int(text))
        if kind == "name":
            nxt = self.peek()
            if nxt is not None and nxt[1] == "(":
                if not self.functions or text not in FUNCTIONS:
                    raise self.fail(f"function calls such as {text}(...) are not allowed")
                self.pos += 1
                args = [self.expression(0, depth + 1)]
                while self.peek() is not None and self.peek()[1] == ",":  # type: ignore[index]
                    self.pos += 1
                    args.append(self.expression(0, depth + 1))
                self.expect(")")
                return Call(text, tuple(args))
            return Name(text)
        if text == "(":
            node = self.expression(0, depth + 1)
            self.expect(")")
            return node
        if text == "-":
            return Neg(self.expression(_UNARY_PRECEDENCE, depth + 1))
        if text == "+":
            return self.expression(_UNARY_PRECEDENCE, depth + 1)
        raise self.fail(f"unexpected {text!r}")


def parse(text: str, *, functions: bool = False) -> Node:
    """Parse ``text``; ``functions`` allows ``ceildiv/max/min`` (formulas only)."""
    return _Parser(text, functions).parse()


def names(node: Node) -> set[str]:
    """Every name the expression mentions."""
    if isinstance(node, Name):
        return {node.id}
    if isinstance(node, Neg):
        return names(node.operand)
    if isinstance(node, Bin):
        return names(node.left) | names(node.right)
    if isinstance(node, Call):
        out: set[str] = set()
        for a in node.args:
            out |= names(a)
        return out
    return set()


_OPS: dict[str, Callable[[Value, Value], Value]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": num.div_exact,
    "//": num.floordiv,
    "%": num.mod,
    "**": num.power,
}
_FUNCS: dict[str, Callable[..., Value]] = {"ceildiv": num.ceildiv, "max": num.maximum, "min": num.minimum}


def evaluate(node: Node, env: Mapping[str, Value], unknown: Callable[[str], Value] | None = None) -> Value:
    """Value of ``node``; a name missing from ``env`` goes to ``unknown``."""
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Name):
        if node.id in env:
            return env[node.id]
        if unknown is None:
            raise SpecError(f"unknown name {node.id!r}", code="unbound-name")
        return unknown(node.id)
    if isinstance(node, Neg):
        return -evaluate(node.operand, env, unknown)
    if isinstance(node, Bin):
        v = _OPS[node.op](evaluate(node.left, env, unknown), evaluate(node.right, env, unknown))
        return num.check_size(v, "the value") if type(v) is int else v
    return _FUNCS[node.func](*(evaluate(a, env, unknown) for a in node.args))


def exact_divisions(
    node: Node, env: Mapping[str, Value], unknown: Callable[[str], Value] | None = None
) -> list[tuple[Value, Value]]:
    """The (dividend, divisor) of every ``/`` in ``node``: each must divide exactly."""
    out: list[tuple[Value, Value]] = []

    def walk(n: Node) -> None:
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
    func = _FUNCS[node.func]
    args = tuple(compile_node(a) for a in node.args)
    return lambda env: func(*(a(env) for a in args))


# ---------------------------------------------------------------- rendering


def _prec(node: Node, pretty: bool) -> int:
    if isinstance(node, Bin):
        return 100 if pretty and node.op == "//" else _BINARY[node.op]
    if isinstance(node, Neg):
        return _UNARY_PRECEDENCE
    return 100


def render(node: Node, subst: Mapping[str, str] | None = None, *, pretty: bool = True) -> str:
    """Print ``node``, replacing names by ``subst`` (numbers for --explain).

    ``pretty`` uses ⌊a / b⌋, ⌈a / b⌉, · and −; otherwise plain ASCII in the
    input language, so the text parses back to the same tree.
    """
    table = subst or {}

    def wrap(child: Node, parent: Bin | Neg, right: bool) -> str:
        text = go(child)
        p, q = _prec(child, pretty), _prec(parent, pretty)
        if p < q:
            return f"({text})"
        if p == q and isinstance(child, Bin) and isinstance(parent, Bin):
            if parent.op == "**":
                return f"({text})" if not right else text
            if right and not (child.op == parent.op and parent.op in ("+", "*")):
                return f"({text})"
        return text

    def _frac(top: Node, bottom: Node) -> str:
        a, b = go(top), go(bottom)
        if _prec(top, pretty) < _BINARY["*"]:
            a = f"({a})"
        if _prec(bottom, pretty) <= _BINARY["*"]:
            b = f"({b})"
        return f"{a} / {b}"

    def go(n: Node) -> str:
        if isinstance(n, Num):
            return str(n.value)
        if isinstance(n, Name):
            s = table.get(n.id, n.id)
            # A substituted negative number or expression must stay one operand.
            return s if s == n.id or _is_atom(s) else f"({s})"
        if isinstance(n, Neg):
            return ("−" if pretty else "-") + wrap(n.operand, n, False)
        if isinstance(n, Bin):
            if pretty and n.op == "//":
                return f"⌊{_frac(n.left, n.right)}⌋"
            op = n.op
            if pretty:
                op = {"*": "·", "-": " − ", "+": " + ", "**": "^"}.get(op, f" {op} ")
            else:
                op = op if op in ("*", "**") else f" {op} "
            return f"{wrap(n.left, n, False)}{op}{wrap(n.right, n, True)}"
        if pretty and n.func == "ceildiv":
            return f"⌈{_frac(n.args[0], n.args[1])}⌉"
        return f"{n.func}({', '.join(go(a) for a in n.args)})"

    return go(node)


_ATOM = re.compile(r"^(\d+|\$?[A-Za-z_][A-Za-z_0-9]*|\(.*\)|⌊.*⌋|⌈.*⌉)$")


def _is_atom(text: str) -> bool:
    return bool(_ATOM.match(text))
