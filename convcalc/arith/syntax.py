"""The spec expression language's syntax: tokens, the tree, the parser (never eval).

:mod:`convcalc.arith.expr` evaluates and prints these trees; this module only reads
text.  Grammar: integers, decimals (``0.25``), names (``C``, ``$width``, dotted tensor
names such as ``in.1`` inside ``size()``), ``+ - * / // % **``, parentheses, the calls
of :mod:`convcalc.arith.functions` and ``size(tensor, axis)``, comparisons
(``== != < <= > >=``, not chained), ``and``/``or``/``not`` and ``a if c else b``.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import NamedTuple

from ..errors import SpecError
from . import functions as fn

MAX_LENGTH = 2000
MAX_DEPTH = 64


class Num(NamedTuple):
    value: int | Fraction
    text: str | None = None  # a decimal as written (0.25)


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


class Not(NamedTuple):
    operand: Node


class Cond(NamedTuple):
    """``then if test else other``."""

    test: Node
    then: Node
    other: Node


Node = Num | Name | Neg | Bin | Call | Not | Cond

_TOKEN = re.compile(
    r"\s*(?:(?P<dec>\d*\.\d+)|(?P<int>\d+)|(?P<name>\$?[A-Za-z_][A-Za-z_0-9]*(?:\.[A-Za-z_0-9]+)*)"
    r"|(?P<op>\*\*|//|==|!=|<=|>=|[-+*/%(),<>]))"
)
_COMPARE = ("==", "!=", "<", "<=", ">", ">=")
_BINARY = {"or": 2, "and": 3, **dict.fromkeys(_COMPARE, 5),
           "+": 10, "-": 10, "*": 20, "/": 20, "//": 20, "%": 20, "**": 40}
_NOT_PRECEDENCE = 4
_COND_PRECEDENCE = 1
_UNARY_PRECEDENCE = 30
FUNCTIONS = ("ceildiv", "max", "min", "floor", "ceil", "round", "make_divisible", "size")


def _tokenize(text: str) -> list[tuple[str, str, int]]:
    if len(text) > MAX_LENGTH:
        raise SpecError(f"expression is {len(text)} characters long; at most {MAX_LENGTH}")
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
                " (allowed: numbers, names, + - * / // % **, comparisons, and/or/not, "
                "`a if c else b`, parentheses and function calls)", code="bad-expression"
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

    def fail(self, what: str) -> SpecError:
        return SpecError(f"cannot read expression {self.text!r}: {what}", code="bad-expression")

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
            raise self.fail(f"nested more than {MAX_DEPTH} deep")
        left = self.atom(depth)
        while True:
            tok = self.peek()
            if tok is None:
                return left
            if tok[:2] == ("name", "if"):
                if min_prec > _COND_PRECEDENCE:
                    return left
                self.pos += 1
                test = self.expression(_COND_PRECEDENCE + 1, depth + 1)
                if self.take()[1] != "else":
                    raise self.fail("`a if condition else b` needs its `else`")
                left = Cond(test, left, self.expression(_COND_PRECEDENCE, depth + 1))
                continue
            if tok[1] not in _BINARY or (tok[0] == "name") != (tok[1] in ("and", "or")):
                return left
            prec = _BINARY[tok[1]]
            if prec < min_prec:
                return left
            self.pos += 1
            # ** is right-associative; everything else is left-associative.
            right = self.expression(prec if tok[1] == "**" else prec + 1, depth + 1)
            if tok[1] in _COMPARE and isinstance(left, Bin) and left.op in _COMPARE:
                raise self.fail("chained comparisons (a < b < c) are not allowed; use `and`")
            left = Bin(tok[1], left, right)

    def atom(self, depth: int) -> Node:
        kind, text, _ = self.take()
        if kind == "int":
            return Num(int(text))
        if kind == "dec":
            return Num(Fraction(text), text)
        if kind == "name":
            if text == "not":
                return Not(self.expression(_NOT_PRECEDENCE, depth + 1))
            if text in ("and", "or", "if", "else"):
                raise self.fail(f"unexpected {text!r}")
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
                low, high = fn.ARITY[text]
                if not low <= len(args) <= high:
                    want = str(low) if low == high else f"{low} to {high}" if high < 99 else f"{low} or more"
                    raise self.fail(f"{text}() takes {want} argument{'s' if high > 1 else ''}, "
                                    f"got {len(args)}")
                if text == "size" and not isinstance(args[0], Name):
                    raise self.fail("size(tensor, axis) names a tensor first: size(in, 0)")
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


def parse(text: str, *, functions: bool = True) -> Node:
    """Parse ``text`` (``functions=False``: no function calls)."""
    return _Parser(text, functions).parse()


def names(node: Node) -> set[str]:
    """Every name the expression mentions."""
    if isinstance(node, Name):
        return {node.id}
    if isinstance(node, Neg | Not):
        return names(node.operand)
    if isinstance(node, Bin):
        return names(node.left) | names(node.right)
    if isinstance(node, Cond):
        return names(node.test) | names(node.then) | names(node.other)
    if isinstance(node, Call):
        out: set[str] = set()
        for a in node.args[1:] if node.func == "size" else node.args:  # size's tensor is no name
            out |= names(a)
        return out
    return set()


def tensors(node: Node) -> list[str]:
    """The tensors ``size(tensor, axis)`` reads, in order."""
    out: list[str] = []
    if isinstance(node, Call):
        if node.func == "size" and isinstance(node.args[0], Name):
            out.append(node.args[0].id)
        for a in node.args:
            out.extend(tensors(a))
    elif isinstance(node, Neg | Not):
        out.extend(tensors(node.operand))
    elif isinstance(node, Bin):
        out.extend(tensors(node.left) + tensors(node.right))
    elif isinstance(node, Cond):
        out.extend(tensors(node.test) + tensors(node.then) + tensors(node.other))
    return out
