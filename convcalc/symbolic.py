"""Symbolic sizes: readable printing and the validity of free names.

Only imported when a result has free names, so concrete specs never load
sympy.
"""

from __future__ import annotations

from typing import Any

from . import num


def pretty(v: Any) -> str:
    """An expression for people: ⌊(T − 3)/4⌋ rather than floor((T - 3)/4)."""
    text = num.fmt(v)
    return text.replace("**", "^").replace("*", "·")


def valid_text(result: Any) -> list[str]:
    """Lines saying for which values of the free names the network is valid."""
    lines = []
    for c in result.constraints:
        lines.append(f"Needs: {c.message}")
    return lines
