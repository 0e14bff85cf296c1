"""Cheap scans of YAML text that keep the limits before libyaml reads it.

The nesting depth is bounded from the text (libyaml's scanner takes time quadratic in
deep flow nesting), and so, cheaply, is the number of values a file can write: only a
file whose bound passes the limit has its values counted as its events are read.
"""

from __future__ import annotations

import re
from itertools import islice

from .._regex import LazyPattern

MAX_WRITTEN = 2_000_000  # values a file may write (200,000 layers of up to ten values each)

# libyaml's scanner takes time quadratic in the depth of nested flow collections (20,000
# levels of `[`: seconds), and its composer (no longer used) recursed in C without a depth
# check.  A cheap scan bounds the nesting first: a document that might nest deeper than
# SAFE_DEPTH is refused before libyaml reads it.
SAFE_DEPTH = 1_000
_QUOTES_AND_COMMENT = "\"'#"
_OPENING = LazyPattern(r"[\[{]")
_BRACKETS_ONLY = dict.fromkeys(c for c in range(128) if chr(c) not in "[]{}")  # str.translate: deleted
_DEEP_BLOCK = LazyPattern(rf"[ \t?-]{{{SAFE_DEPTH}}}")  # at the start of a line
_DEEP_BLOCK_AFTER_NEWLINE = LazyPattern(rf"\n[ \t?-]{{{SAFE_DEPTH}}}")
_DQ_END = LazyPattern(r'(?:[^"\\]|\\.)*"', re.S)
_SQ_END = LazyPattern(r"(?:[^']|'')*'")


def deep_nesting_at(text: str) -> int | None:
    """Where the text may nest SAFE_DEPTH collections deep, or None when it surely does not.

    Block nesting needs indentation or `- `/`? ` indicators at the start of a line;
    flow nesting is bracket depth outside quoted strings and comments.  It errs on the
    side of "deep": such a document is refused, and SAFE_DEPTH is far above MAX_DEPTH.
    """
    if sum(text.count(c) for c in " \t?-") >= SAFE_DEPTH:  # else no line can start with that many
        if _DEEP_BLOCK.match(text):
            return 0
        m = _DEEP_BLOCK_AFTER_NEWLINE.search(text)  # a literal first: found fast, as `^` is not
        if m:
            return m.start() + 1
    if text.count("[") + text.count("{") < SAFE_DEPTH:
        return None
    return _deep_flow_at(text)


def _deep_flow_at(text: str) -> int | None:
    """Where the bracket depth outside quoted strings and comments passes SAFE_DEPTH, if it does.

    The text is read from one quote or `#` to the next (found by str.find, fast), and the
    brackets between them counted in bulk: a spec of 10,000 `{...}` layers is not read
    token by token with a pattern, which took a sixth of the time of reading it.
    """
    depth = 0
    pos = 0
    n = len(text)
    ahead = [text.find(c) for c in _QUOTES_AND_COMMENT]  # the next of each at or after pos; -1 none
    while pos < n:
        for k, at in enumerate(ahead):
            if 0 <= at < pos:
                ahead[k] = text.find(_QUOTES_AND_COMMENT[k], pos)
        i = min((at for at in ahead if at >= 0), default=n)
        depth, deep = _brackets(text, pos, i, depth)
        if deep is not None or i == n:
            return deep
        ch = text[i]
        pos = i + 1
        if ch == "#":
            if i == 0 or text[i - 1] in " \t\n":
                nl = text.find("\n", i)
                pos = n if nl < 0 else nl + 1
        elif _starts_quote(text, i):
            end = (_DQ_END if ch == '"' else _SQ_END).match(text, i + 1)
            if end is None:
                return None  # an unclosed quote: the rest is one string, YAML says where
            pos = end.end()
    return None


def _brackets(text: str, start: int, end: int, depth: int) -> tuple[int, int | None]:
    """The bracket depth after ``text[start:end]`` (no quote or comment in it), and where it
    passes SAFE_DEPTH, if it does."""
    seen = 0
    for ch in text[start:end].translate(_BRACKETS_ONLY):  # what stays: brackets (and non-ASCII)
        if ch in "[{":
            seen += 1
            depth += 1
            if depth > SAFE_DEPTH:  # where: the seen-th opening bracket
                opening = (m.start() for m in _OPENING.finditer(text, start, end))
                return depth, next(islice(opening, seen - 1, None))
        elif ch in "]}":
            depth = max(depth - 1, 0)
    return depth, None


def written_bound(text: str) -> int:
    """More than the values the text can write: two values are always apart by a newline, a
    comma or a colon, and a collection opens with a bracket, a brace or a dash (str.count: fast)."""
    return 1 + 2 * sum(text.count(c) for c in "\n,:[{-")


def _starts_quote(text: str, i: int) -> bool:
    """Whether a quote at ``i`` opens a quoted scalar (not one inside a plain scalar)."""
    j = i - 1
    while j >= 0 and text[j] in " \t":
        j -= 1
    if j < 0 or text[j] in ":-?[{,\n":
        return True
    k = j
    while k >= 0 and text[k] not in " \t\n":
        k -= 1
    return text[k + 1] in "!&"  # after a tag or an anchor
