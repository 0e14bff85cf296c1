"""Output streams whose encoding cannot write every character (a Windows pipe in cp1252,
``PYTHONIOENCODING=ascii``): never a ``UnicodeEncodeError`` traceback.

convcalc writes its own signs (``×``, ``—``, ``⌊⌋``) and a spec's names, which may be
any text.  On such a stream a character it cannot encode is written as ``\\uXXXX`` (a
surrogate pair beyond the BMP): inside JSON that is the same string, so the data never
changes.  ``--format plain`` is ASCII throughout; the table takes rich's ASCII box for a
stream that is not UTF and writes its cells as :func:`as_written` makes them.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable
from typing import Any

from .ascii import SIGNS

ESCAPE = "convcalc-escape"


def _escape(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    out = []
    for ch in error.object[error.start:error.end]:
        code = ord(ch)
        if code > 0xFFFF:
            code -= 0x10000
            out.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
        else:
            out.append(f"\\u{code:04x}")
    return "".join(out), error.end


def is_utf(stream: Any) -> bool:
    """Whether ``stream`` writes every character: a UTF encoding, or no encoding (a str buffer)."""
    encoding = getattr(stream, "encoding", None)
    if not isinstance(encoding, str) or encoding.lower().startswith("utf"):
        return True
    try:
        return codecs.lookup(encoding).name.startswith("utf")
    except LookupError:
        return False


def escape_unencodable(stream: Any) -> None:
    """From now on, ``stream`` writes what its encoding lacks as ``\\uXXXX`` (a no-op for UTF)."""
    reconfigure = getattr(stream, "reconfigure", None)
    if is_utf(stream) or reconfigure is None:
        return
    _register()
    reconfigure(errors=ESCAPE)


def as_written(encoding: str) -> Callable[[str], str]:
    """``text`` as it will be written in ``encoding``: convcalc's signs that the encoding lacks
    in ASCII (``−`` as ``-``, ``⌊x⌋`` as ``floor(x)``; cp1252 keeps ``×``), anything else it lacks
    as ``\\uXXXX``.

    Why: the table measures its cells before they are written, and an escape is six columns
    for a character of one; text measured as written keeps the box aligned.
    """
    _register()
    signs = {}
    for code, spelling in SIGNS.items():
        try:
            chr(code).encode(encoding)
        except UnicodeEncodeError:
            signs[code] = spelling

    def written(text: str) -> str:
        if text.isascii():
            return text
        return text.translate(signs).encode(encoding, ESCAPE).decode(encoding)

    return written


def _register() -> None:
    try:
        codecs.lookup_error(ESCAPE)
    except LookupError:
        codecs.register_error(ESCAPE, _escape)

