"""The one-line spec language of SPEC §3.

``1x28x28 | conv(32,5) | maxpool(2) | dense(10)``: an optional leading
shape, then layers separated by ``|``, ``->``, ``;``, newlines or spaces
outside parentheses.  A layer is ``type`` or ``type(args)`` with positional
and ``key=value`` arguments.  Values are kept raw (ints, expressions as
text, ``3x3``, tuples, words, quoted strings, booleans, nested layers); the
layer's parameter kinds give them meaning.  Nothing is evaluated here.
``name=``, ``from=``, ``trainable=``, ``share=``, ``tie=`` and ``if=`` say how a layer
is used (the YAML entry's keys of the same names), not what it is.
"""

from __future__ import annotations

import bisect
import sys
from collections.abc import Callable
from typing import Any

from .._regex import NAME_START
from ..errors import Loc, SpecError
from .model import EMPTY, NO_ARG_LOCS, FixedArgLocs, LayerSpec, Spec, names_in

_SEPARATORS = ("->", "|", ";")
_CLOSE = {"(": ")", "[": "]"}
MAX_LENGTH = 100_000
MAX_NESTING = 50  # brackets inside brackets (the parser below recurses on them)
_META = ("share", "tie", "if")  # keys that say how a layer is used, not what it is (SPEC §11)

# The readers below are written by hand: each reads what the regex in its docstring matches
# (``\w`` a Unicode word character, ``\d`` a Unicode digit, ``$`` the end or a last newline),
# which took ~2 M instructions to compile on every one-line run (issue 20;
# tests/test_patterns.py checks each against its regex on random text).
_DIM_SIGNS = frozenset("*/+%-")


def _end(s: str) -> int:
    """Where ``$`` lets a match end: before a last newline, else at the end."""
    return len(s) - 1 if s.endswith("\n") else len(s)


def _is_int(s: str) -> bool:
    """``^[+-]?\\d+$``"""
    return (s[1:_end(s)] if s[:1] in ("+", "-") else s[:_end(s)]).isdecimal()


def _digits_end(s: str, start: int, end: int) -> int:
    while start < end and s[start].isdecimal():
        start += 1
    return start


def _is_float(s: str) -> bool:
    """``^[+-]?(\\d+\\.\\d*|\\.\\d+|\\d+)([eE][+-]?\\d+)?$``"""
    end = _end(s)
    start = 1 if s[:1] in ("+", "-") else 0
    i = _digits_end(s, start, end)
    if i < end and s[i] == ".":
        fraction = _digits_end(s, i + 1, end)
        if i == start and fraction == i + 1:  # "." alone
            return False
        i = fraction
    elif i == start:
        return False
    if i < end and s[i] in "eE":
        sign = i + 2 if s[i + 1:i + 2] in ("+", "-") and i + 1 < end else i + 1
        i = _digits_end(s, sign, end)
        if i == sign:
            return False
    return i == end


def _name_end(s: str, start: int) -> int:
    """The end of ``[\\w.]*`` from ``start``."""
    i = start
    while i < len(s) and (s[i].isalnum() or s[i] in "_."):
        i += 1
    return i


def _is_type(s: str) -> bool:
    """``^[A-Za-z_][\\w.]*$``"""
    return s[:1] in NAME_START and _name_end(s, 1) == _end(s)


def _is_dim(s: str) -> bool:
    """``^[\\w*/+%-]+$``"""
    end = _end(s)
    return end > 0 and all(ch.isalnum() or ch == "_" or ch in _DIM_SIGNS for ch in s[:end])


def _call(s: str) -> tuple[str, str, int] | None:
    """``^([A-Za-z_][\\w.]*)\\s*\\((.*)\\)$`` (dot-all): the type, the arguments' text and where it starts."""
    if not s or s[0] not in NAME_START:
        return None
    name_end = _name_end(s, 1)
    opening = name_end
    while opening < len(s) and s[opening].isspace():
        opening += 1
    closing = len(s) - 1 if s.endswith(")") else len(s) - 2 if s.endswith(")\n") else -1
    if opening >= len(s) or s[opening] != "(" or closing <= opening:
        return None
    return s[:name_end], s[opening + 1:closing], opening + 1


def _key(s: str) -> tuple[str, str, int] | None:
    """``^\\s*([A-Za-z_]\\w*)\\s*=(?!=)(.*)$`` (dot-all): the key, the value's text and where it starts."""
    start = len(s) - len(s.lstrip())
    if start == len(s) or s[start] not in NAME_START:
        return None
    end = start + 1
    while end < len(s) and (s[end].isalnum() or s[end] == "_"):
        end += 1
    equals = end
    while equals < len(s) and s[equals].isspace():
        equals += 1
    if equals >= len(s) or s[equals] != "=" or s[equals + 1:equals + 2] == "=":
        return None
    return s[start:end], s[equals + 1:], equals + 1


class _Text:
    """The source text with offsets turned into line:column."""

    def __init__(self, text: str, source: str) -> None:
        self.text = text
        self.source = source
        self.line_starts = [0]  # each argument asks
        at = text.find("\n")
        while at >= 0:
            self.line_starts.append(at + 1)
            at = text.find("\n", at + 1)

    def loc(self, offset: int) -> Loc:
        line = bisect.bisect_right(self.line_starts, offset)
        return Loc(self.source, line, offset - self.line_starts[line - 1] + 1)


def _items(t: _Text) -> list[tuple[str, int]]:
    """Split at top-level separators; keep balanced brackets and quotes together."""
    text = t.text
    items: list[tuple[str, int]] = []
    start, i, stack = None, 0, []
    while i < len(text):
        ch = text[i]
        if ch in "\"'":
            end = text.find(ch, i + 1)
            if end < 0:
                raise SpecError(f"a quote {ch} is never closed", loc=t.loc(i), code="unclosed")
            if start is None:
                start = i
            i = end + 1
            continue
        if ch in _CLOSE:
            if start is None:
                start = i
            stack.append((ch, i))
            if len(stack) > MAX_NESTING:
                raise SpecError(f"brackets are nested more than {MAX_NESTING} deep", loc=t.loc(i),
                                code="too-deep")
        elif ch in ")]":
            if not stack or _CLOSE[stack[-1][0]] != ch:
                raise SpecError(f"unexpected {ch!r}", loc=t.loc(i), code="unexpected-character")
            stack.pop()
        elif not stack:
            sep = next((s for s in _SEPARATORS if text.startswith(s, i)), None)
            if sep or ch.isspace():
                # `conv (32, 3)`: a space before an opening parenthesis joins.
                if ch.isspace() and start is not None:
                    j = i
                    while j < len(text) and text[j] in " \t":
                        j += 1
                    if j < len(text) and text[j] == "(" and _is_type(text[start:i]):
                        i = j
                        continue
                if start is not None:
                    items.append((text[start:i], start))
                    start = None
                if sep:
                    items.append((sep, i))
                i += len(sep) if sep else 1
                continue
            if start is None:
                start = i
        i += 1
    if stack:
        raise SpecError(f"{stack[-1][0]!r} is never closed", loc=t.loc(stack[-1][1]), code="unclosed")
    if start is not None:
        items.append((text[start:], start))
    return items


def _split_top(text: str, sep: str = ",") -> list[str]:
    """Split at commas that are not inside brackets or quotes."""
    return [part for part, _ in split_top_at(text, sep)]


def split_top_at(text: str, sep: str = ",", brackets: str = "()[]") -> list[tuple[str, int]]:
    """:func:`_split_top`, each part with its offset in ``text``.

    ``brackets``: the opening and closing pairs that nest (pasted Python code adds ``{}``)."""
    opening, closing = brackets[0::2], brackets[1::2]
    parts, depth, quote, start = [], 0, None, 0
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = None
            continue
        if ch in "\"'":
            quote = ch
        elif ch in opening:
            depth += 1
        elif ch in closing:
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append((text[start:i], start))
            start = i + 1
    parts.append((text[start:], start))
    if len(parts) == 1 and not parts[0][0].strip():
        return []
    return parts


def _too_deep(loc: Loc) -> SpecError:
    return SpecError(f"brackets are nested more than {MAX_NESTING} deep", loc=loc, code="too-deep")


def parse_value(text: str, loc: Loc, depth: int = 0,
                locate: Callable[[int], Loc] | None = None) -> Any:
    """A raw argument value; see the module docstring.  ``depth``: brackets around it;
    ``locate``: an offset in ``text`` -> its location (for the arguments of a nested layer)."""
    s = text.strip()
    if not s:
        raise SpecError("an argument is empty (two commas in a row?)", loc=loc, code="empty-argument")
    if s[0] in "([" and s[-1] == _CLOSE[s[0]]:
        if depth >= MAX_NESTING:
            raise _too_deep(loc)
        parts = _split_top(s[1:-1])
        if len(parts) > 1 and not parts[-1].strip():  # Python's one-element tuple: (30,)
            parts.pop()
        return [parse_value(p, loc, depth + 1) for p in parts]
    if s[0] in "\"'" and s[-1] == s[0] and len(s) >= 2:
        return s[1:-1]
    low = s.lower()
    if low in ("true", "false"):
        return low == "true"
    if low in ("none", "null"):
        return None
    if _is_int(s):
        if len(s) > 3000:
            raise SpecError(f"a number of {len(s):,} digits is too large", loc=loc, code="too-large")
        return int(s)
    if _is_float(s):
        return float(s)
    call = _call(s)
    if call and call[0] not in ("ceildiv", "max", "min"):
        lead = len(text) - len(text.lstrip())
        return parse_layer_text(s, loc, depth, None if locate is None else lambda k: locate(lead + k))
    return s


def parse_layer_text(text: str, loc: Loc, depth: int = 0,
                     locate: Callable[[int], Loc] | None = None) -> LayerSpec:
    """``Conv2d(3, 64, 11, stride=4)`` -> a :class:`LayerSpec`.

    Also the entry point for a YAML layer written as text (``- "Conv2d(1, 32, 5)"``), so
    it shares the nesting limit of the inline parser (``depth``: brackets around it).
    ``locate`` turns an offset in ``text`` into a location: each argument is located
    (without it, every argument is at ``loc``).
    """
    lead = len(text) - len(text.lstrip())
    s = text.strip()
    call = _call(s)
    if call is not None and depth >= MAX_NESTING:
        raise _too_deep(loc)
    if call is None:
        if _is_type(s):
            return LayerSpec(type=s, loc=loc)
        raise SpecError(f"cannot read layer {s!r}: expected `type` or `type(arguments)`", loc=loc,
                        code="bad-layer")

    def at(offset: int) -> Loc:
        return loc if locate is None else locate(lead + body_at + offset)

    type_, body, body_at = call
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    arg_locs: list[Loc] = []
    key_locs: dict[str, Loc] = {}
    value_locs: dict[str, Loc] = {}
    name = None
    sources = None
    trainable: bool | None = None
    meta: dict[str, Any] = {}  # share=, tie=, if= (SPEC §11, issue 14)
    for part, offset in split_top_at(body):
        keyed = _key(part)
        where = at(offset + len(part) - len(part.lstrip()))
        if keyed:
            key, value, value_start = keyed
            value_at = offset + value_start + len(value) - len(value.lstrip())
            if key == "if":  # a condition is text for the expression parser, not a value
                raw = _condition(value, type_, at(value_at))
            else:
                raw = parse_value(value, at(value_at), depth + 1,
                                  None if locate is None else lambda k, v=value_at: at(v + k))
            if key in key_locs:
                first = f" (first as {name!r}, then {str(raw)!r})" if key == "name" and name else ""
                raise SpecError(f"{type_}: argument `{key}` is given twice{first}", loc=where,
                                code="duplicate-argument")
            key_locs[key], value_locs[key] = where, at(value_at)
            if key == "name":
                name = str(raw)
            elif key == "from":
                sources = tuple(raw) if isinstance(raw, list) else (raw,)
            elif key == "trainable":  # Keras's trainable=False: a property of the layer use
                if not isinstance(raw, bool):
                    raise SpecError(f"{type_}: trainable must be True or False, not {raw!r}",
                                    code="not-boolean", loc=at(value_at))
                trainable = raw
            elif key in _META:
                if depth:
                    raise SpecError(f"{type_}: {key}= goes on the outer layer; a layer passed as an "
                                    "argument (a wrapped layer) is part of it", loc=where,
                                    code="wrapped-layer-meta")
                meta[key] = raw if key == "if" else _layer_name(raw, type_, key, at(value_at))
            else:
                kwargs[key] = raw
        else:
            if kwargs:
                raise SpecError(f"{type_}: a positional argument comes after a named one", loc=where,
                                code="positional-after-named")
            args.append(parse_value(part, where, depth + 1,
                                    None if locate is None else lambda k, o=offset: at(o + k)))
            arg_locs.append(where)
    return LayerSpec(type=sys.intern(type_), args=tuple(args), kwargs=kwargs or EMPTY, name=name,
                     sources=sources, loc=loc, trainable=trainable, share=meta.get("share"),
                     tie=meta.get("tie"), when=meta.get("if"),
                     arg_locs=NO_ARG_LOCS if locate is None else FixedArgLocs(tuple(arg_locs),
                                                                              key_locs or EMPTY,
                                                                              value_locs or EMPTY))


def _layer_name(raw: Any, type_: str, key: str, loc: Loc) -> str:
    """``share=``/``tie=``: the name of an earlier layer (as YAML's ``share:``)."""
    if isinstance(raw, bool) or not isinstance(raw, str | int) or not str(raw).strip():
        raise SpecError(f"{type_}: {key}= names an earlier layer, not {raw!r}", code="bad-name", loc=loc)
    return str(raw)


def _condition(text: str, type_: str, loc: Loc) -> str | bool:
    """``if=``: true, false, or an expression (``size(in, 0) == 64``), quoted or not."""
    s = text.strip()
    if len(s) >= 2 and s[0] in "\"'" and s[-1] == s[0]:
        s = s[1:-1].strip()
    if s.lower() in ("true", "false"):
        return s.lower() == "true"
    if not s:
        raise SpecError(f"{type_}: if= takes a condition such as `size(in, 0) == 64`, not nothing",
                        code="bad-expression", loc=loc)
    return s


def _shape_prefix(items: list[tuple[str, int]], t: _Text,
                  is_type: Callable[[str], bool] | None) -> tuple[tuple[Any, ...] | None, int]:
    """A leading input shape, and how many items it used (``is_type``: a word names a layer type)."""

    if not items:
        return None, 0
    first, off = items[0]
    call = _call(first)
    if first[0] in "([":
        return tuple(parse_value(first, t.loc(off))), 1
    if call and call[0].lower() == "input":
        return tuple(parse_value(f"({call[1]})", t.loc(off))), 1
    dims: list[str] = []
    used = 0
    expect_dim = True
    for written, at in items:
        if written in _SEPARATORS:
            break
        text = written.replace("×", "x")  # the form convcalc prints shapes in
        parts = text.split("x")
        if expect_dim:
            if not dims and is_type is not None and is_type(text):
                return None, 0
            fractional = [p for p in parts if not _is_dim(p) and _is_float(p)]
            if fractional and all(_is_dim(p) or _is_float(p) for p in parts):  # never a layer type
                raise SpecError(f"the input size {fractional[0]} is not a whole number",
                                loc=t.loc(at), code="not-whole")
            if not all(_is_dim(p) for p in parts) or (len(parts) == 1 and not dims and
                                                           not _is_int(text) and
                                                           not _next_is_x(items, used)):
                break
            dims += parts
            used += 1
            expect_dim = False
        elif text == "x":
            used += 1
            expect_dim = True
        elif text.startswith("x") and all(_is_dim(p) for p in text[1:].split("x")):
            dims += text[1:].split("x")
            used += 1
        else:
            break
    if not dims or expect_dim:
        return None, 0
    return tuple(int(d) if _is_int(d) else d for d in dims), used


def _next_is_x(items: list[tuple[str, int]], i: int) -> bool:
    return i + 1 < len(items) and items[i + 1][0] in ("x", "×")


def parse_inline(text: str, source: str = "<inline>", is_type: Callable[[str], bool] | None = None) -> Spec:
    """Parse an inline spec (SPEC §3) into a :class:`Spec`."""
    if len(text) > MAX_LENGTH:
        raise SpecError(f"the inline spec is {len(text):,} characters long; an inline spec is at most "
                        f"{MAX_LENGTH:,} characters (write a longer network as a YAML file, with "
                        "`repeat:` for what repeats)", loc=Loc(source), code="too-long")
    t = _Text(text, source)
    items = _items(t)
    shape, used = _shape_prefix(items, t, is_type)
    layers = []
    for raw, off in items[used:]:
        if raw in _SEPARATORS:
            continue
        layers.append(parse_layer_text(raw, t.loc(off), locate=lambda k, off=off: t.loc(off + k)))
    if not layers and shape is None:
        raise SpecError("the spec is empty", loc=Loc(source, 1, 1), code="empty-spec")
    if not layers:
        raise SpecError("the spec has an input shape but no layers", loc=t.loc(items[0][1]), code="no-layers")
    return Spec(
        source=source,
        layers=tuple(layers),
        inputs={"input": shape} if shape else {},
        loc=Loc(source, 1, 1),
        input_loc=Loc(source, 1, 1),
        quoted=quoted_only(text),
    )


def quoted_only(text: str) -> frozenset[str]:
    """The names written only inside quotes: text, never a free name (``padding='full'`` is a
    word PyTorch refuses, not a size to solve for; a name used freely is written bare)."""
    if "'" not in text and '"' not in text:  # most one-liners
        return frozenset()
    inside, outside, quote, start = [], [], "", 0
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                inside.append(text[start:i])
                quote, start = "", i + 1
        elif ch in "'\"":
            outside.append(text[start:i])
            quote, start = ch, i + 1
    outside.append(text[start:])
    return frozenset(names_in(" ".join(inside))) - frozenset(names_in(" ".join(outside)))
