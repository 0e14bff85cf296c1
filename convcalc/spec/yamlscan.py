"""Cheap scans of YAML text and nodes that keep the limits before and after libyaml builds a tree.

The nesting depth and the number of values a file writes are bounded from the text
(libyaml would crash or take gigabytes first); what aliases add is measured on the
node graph without copying it out.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from ..errors import Loc, SpecError

MAX_WRITTEN = 2_000_000  # values a file may write (200,000 layers of up to ten values each)

# libyaml's composer recurses in C without a depth check (some 30,000 levels overflow
# the C stack: a segfault, not an exception), and its scanner takes time quadratic in
# the depth of nested flow collections (20,000 levels of `[`: seconds).  A cheap scan
# bounds the nesting first; a document that might nest deeper than SAFE_DEPTH goes to
# the pure-Python loader, whose recursion limit stops it early and cleanly.
SAFE_DEPTH = 1_000
_FLOW_TOKEN = re.compile(r"[\[\]{}\"'#]")
_DEEP_BLOCK = re.compile(rf"^[ \t?-]{{{SAFE_DEPTH},}}", re.M)
_DQ_END = re.compile(r'(?:[^"\\]|\\.)*"', re.S)
_SQ_END = re.compile(r"(?:[^']|'')*'")


def deep_nesting_at(text: str) -> int | None:
    """Where the text may nest SAFE_DEPTH collections deep, or None when it surely does not.

    Block nesting needs indentation or `- `/`? ` indicators at the start of a line;
    flow nesting is bracket depth outside quoted strings and comments.  It errs on the
    side of "deep": such a document is refused, and SAFE_DEPTH is far above MAX_DEPTH.
    """
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


def expanded_size(root: yaml.Node, limit: int) -> int:
    """How many values aliases add to the node tree once copied out (stops past limit).

    Each distinct node is sized once, so a billion-laughs document is measured in
    microseconds instead of being expanded.
    """
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if key in sizes:
            continue
        if isinstance(node, yaml.ScalarNode):
            sizes[key] = 1
            continue
        children = [c for pair in node.value for c in pair] if isinstance(node, yaml.MappingNode) \
            else list(node.value)
        if done:
            sizes[key] = min(1 + sum(sizes[id(c)] for c in children), limit + len(sizes) + 1)
            continue
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in sizes)
    return sizes[id(root)] - len(sizes)  # each distinct node is written once in the file


def _written_bound(text: str) -> int:
    """More than the values the text can write: two values are always apart by a newline, a
    comma or a colon, and a collection opens with a bracket, a brace or a dash (str.count: fast)."""
    return 1 + 2 * sum(text.count(c) for c in "\n,:[{-")


def check_written(text: str, source: str, loader: Any) -> None:
    """Refuse a file that writes more than MAX_WRITTEN values before libyaml builds its nodes
    (a 50 MB list of `- relu` would take gigabytes and a minute before any limit could be told).

    Most files are far below the cheap bound; one that is not has its values counted from
    the parser's events, stopping at the first value past the limit.
    """
    if _written_bound(text) <= MAX_WRITTEN:
        return
    parser = loader(text)
    values = 0
    try:
        while True:
            event = parser.get_event()
            if event is None or isinstance(event, yaml.StreamEndEvent):
                return
            if isinstance(event, yaml.ScalarEvent | yaml.SequenceStartEvent | yaml.MappingStartEvent):
                values += 1
                if values > MAX_WRITTEN:
                    mark = event.start_mark
                    raise SpecError(f"the document writes more than {MAX_WRITTEN:,} values (the limit "
                                    "of a spec file)", loc=Loc(source, mark.line + 1, mark.column + 1),
                                    code="too-many-values")
    except yaml.YAMLError:
        return  # composing reports it, with its place
    finally:
        parser.dispose()


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
