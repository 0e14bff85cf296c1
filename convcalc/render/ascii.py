"""The one ASCII conversion: ``--format plain`` and the JSON explain lines pass text through it."""

from __future__ import annotations

# convcalc's signs, spelled in ASCII
SIGNS = str.maketrans({"⌊": "floor(", "⌋": ")", "⌈": "ceil(", "⌉": ")", "−": "-", "·": "*", "×": "x",
                        "≥": ">=", "≤": "<=", "≠": "!=", "≈": "~", "∈": "in", "…": "...", "—": "-",
                        "→": "->", "←": "<-", "–": "-", "²": "^2", "ᵀ": "^T"})


def ascii_text(text: str) -> str:
    """The same text in ASCII (``⌊a / b⌋`` → ``floor(a / b)``), for --format plain.

    One word for a ceiling: ``⌈x⌉`` and sympy's ``ceiling(x)`` (in numbers the layers
    print themselves) both become ``ceil(x)``, as ``⌊x⌋`` becomes ``floor(x)``.
    """
    if text.isascii():
        return text.replace("ceiling(", "ceil(") if "ceiling(" in text else text
    return text.translate(SIGNS).replace("ceiling(", "ceil(")
