"""How an invalid spec is written in every text output: the one error line.

Kept in one function so that every format (and ``-q``) prints an error the same way.
"""

from __future__ import annotations

from ..errors import SpecError, format_error


def error_line(error: SpecError) -> str:
    """``error: file:line:col: layer …: message`` and an optional ``hint:`` line (no final newline):
    :func:`convcalc.errors.format_error`, the one formatter of every text output."""
    return "\n".join(format_error(error))
