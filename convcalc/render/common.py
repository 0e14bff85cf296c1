"""How an invalid spec is written in every text output: the one error line.

Kept in one function so that every format (and ``-q``) prints an error the same way.
"""

from __future__ import annotations

from ..errors import SpecError


def error_line(error: SpecError) -> str:
    """``error: file:line:col: layer …: message`` and an optional ``hint:`` line (no final newline)."""
    return f"error: {error}" + (f"\nhint: {error.hint}" if error.hint else "")
