"""Cheap scans of YAML text that keep the limits before libyaml reads it.

The nesting depth is bounded from the text (libyaml's scanner takes time quadratic in
deep flow nesting), and so, cheaply, is the number of values a file can write: only a
file whose bound passes the limit has its values counted as its events are read.
"""

from __future__ import annotations

import re

from .._regex import LazyPattern

MAX_WRITTEN = 2_000_000  # values a file may write (200,000 layers of up to ten values each)

# libyaml's scanner takes time quadratic in the depth of nested flow collections (20,000
# levels of `[`: seconds), and its composer (no longer used) recursed in C without a depth
# check.  A cheap scan bounds the nesting first: a document that might nest deeper than
# SAFE_DEPTH is refused before libyaml reads it.
SAFE_DEPTH = 1_000
_FLOW_TOKEN = LazyPattern(r"[\[\]{}\"'#]")
_DEEP_BLOCK = LazyPattern(rf"^[ \t?-]{{{SAFE_DEPTH},}}", re.M)
_DQ_END = LazyPattern(r'(?:[^"\\]|\\.)*"', re.S)
_SQ_END = LazyPattern(r"(?:[^']|'')*'")


def deep_nesting_at(text: str) -> int | None:
    """Where the text may nest SAFE_DEPTH collections deep, or None when it surely does not.

    Block nesting needs indentation or `- `/`? ` indicators at the start of a line;
    flow nesting is bracket depth outside quoted strings and comments.  It errs on the
    side of "deep": such a document is refused, and SAFE_DEPTH is far above MAX_DEPTH.
    """
    if sum(text.count(c) for c in " \t?-") >= SAFE_DEPTH:  # else no line can start with that many
        m = _DEEP_BLOCK.search(text)
        if m:
            return m.start()
    if text.count("[") + text.count("{") < SAFE_DEPTH:
        return None
    depth = 0
    pos = 0
    n = len(text)
    while pos < n:
        m = _FLOW_TOKEN.search(text, pos)
        if m is None:
            return None
        ch, i = m.group(), m.start()
        pos = i + 1
        if ch in "[{":
            depth += 1
            if depth > SAFE_DEPTH:
                return i
        elif ch in "]}":
            depth = max(depth - 1, 0)
        elif ch == "#":
            if i == 0 or text[i - 1] in " \t\n":
                nl = text.find("\n", i)
                pos = n if nl < 0 else nl + 1
        elif _starts_quote(text, i):
            end = (_DQ_END if ch == '"' else _SQ_END).match(text, i + 1)
            if end is None:
                return None  # an unclosed quote: the rest is one string, YAML says where
            pos = end.end()
    return None


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
