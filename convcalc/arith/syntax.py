"""The syntax of convcalc's arithmetic language: tokens, the expression tree, parsing and printing.

No evaluation here (:mod:`convcalc.arith.expr` computes); the grammar is described there.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from .._record import NamedTuple
from .._regex import NAME_START
from ..errors import SpecError
from . import functions as fn
from . import num

if TYPE_CHECKING:  # pragma: no cover
    from fractions import Fraction

MAX_LENGTH = 2000
MAX_DEPTH = 64

Value = num.Value


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

# The tokens, as the tokenizer below reads them (and as the README states the grammar):
#   dec   \d*\.\d+          int   \d+          (Unicode decimal digits, as Python's int() reads)
#   name  \$?[A-Za-z_][A-Za-z_0-9]*(\.[A-Za-z_0-9]+)*
#   op    ** // == != <= >= and one of - + * / % ( ) , < >
# between them any whitespace.  Read by hand, not by a regex: compiling that regex cost more
# (~0.3 ms) than a run spends tokenizing every formula it uses (start-up: issue 20).
# What a name may start with, as `[A-Za-z_]` in a regex (block arguments and the sniffer read names too).
_NAME_CHARS = NAME_START | frozenset("0123456789")
_OPS2 = frozenset(("**", "//", "==", "!=", "<=", ">="))
_OPS1 = frozenset("-+*/%(),<>")
_COMPARE = ("==", "!=", "<", "<=", ">", ">=")
_BINARY = {"or": 2, "and": 3, **dict.fromkeys(_COMPARE, 5),
           "+": 10, "-": 10, "*": 20, "/": 20, "//": 20, "%": 20, "**": 40}
_NOT_PRECEDENCE = 4
_COND_PRECEDENCE = 1
_UNARY_PRECEDENCE = 30
FUNCTIONS = ("ceildiv", "max", "min", "floor", "ceil", "round", "make_divisible", "size")


def _tokenize(text: str) -> list[tuple[str, str, int]]:
    """``(kind, text, offset)`` of each token: kind ``dec``, ``int``, ``name`` or ``op``."""
    if len(text) > MAX_LENGTH:
        raise SpecError(f"expression is {len(text)} characters long; at most {MAX_LENGTH}", code="too-long")
    tokens: list[tuple[str, str, int]] = []
    pos, end = 0, len(text)
    while pos < end:
        ch = text[pos]
        if ch.isspace():
            pos += 1
            continue
        start = pos
        if ch.isdecimal() or ch == ".":
            while pos < end and text[pos].isdecimal():
                pos += 1
            if pos + 1 < end and text[pos] == "." and text[pos + 1].isdecimal():
                pos += 2
                while pos < end and text[pos].isdecimal():
                    pos += 1
                kind = "dec"
            elif pos > start:
                kind = "int"
            else:
                raise _unexpected(text, start)
        elif ch in NAME_START or (ch == "$" and text[pos + 1:pos + 2] in NAME_START):
            pos += 1 if ch != "$" else 2
            while pos < end and text[pos] in _NAME_CHARS:
                pos += 1
            while pos + 1 < end and text[pos] == "." and text[pos + 1] in _NAME_CHARS:  # keras.layers.x
                pos += 2
                while pos < end and text[pos] in _NAME_CHARS:
                    pos += 1
            kind = "name"
        elif text[pos:pos + 2] in _OPS2:
            pos += 2
            kind = "op"
        elif ch in _OPS1:
            pos += 1
            kind = "op"
        else:
            raise _unexpected(text, start)
        tokens.append((kind, text[start:pos], start))
    return tokens


def _unexpected(text: str, pos: int) -> SpecError:
    return SpecError(
        f"cannot read expression {text!r}: unexpected {text[pos]!r} at position {pos + 1}"
        " (allowed: numbers, names, + - * / // % **, comparisons, and/or/not, "
        "`a if c else b`, parentheses and function calls)", code="bad-expression"
    )


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
            from fractions import Fraction  # only a decimal needs it (start-up: issue 20)

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


def _prec(node: Node, pretty: bool) -> int:
    if isinstance(node, Bin):
        return 100 if pretty and node.op == "//" else _BINARY[node.op]
    if isinstance(node, Neg):
        return _UNARY_PRECEDENCE
    if isinstance(node, Not):
        return _NOT_PRECEDENCE
    if isinstance(node, Cond):
        return _COND_PRECEDENCE
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
            return n.text or str(n.value)
        if isinstance(n, Not):
            inner = go(n.operand)
            return f"not {inner}" if _prec(n.operand, pretty) > _NOT_PRECEDENCE else f"not ({inner})"
        if isinstance(n, Cond):
            parts = [go(x) if _prec(x, pretty) > _COND_PRECEDENCE else f"({go(x)})"
                     for x in (n.then, n.test, n.other)]
            return f"{parts[0]} if {parts[1]} else {parts[2]}"
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


_ATOM = r"^(\d+|\$?[A-Za-z_][A-Za-z_0-9]*|\(.*\)|⌊.*⌋|⌈.*⌉)$"  # compiled when first printed


def _is_atom(text: str) -> bool:
    return bool(re.match(_ATOM, text))
