"""How to render: the options the command line chooses, with defaults for the API."""

from __future__ import annotations

from .._record import record
from .ascii import ascii_text


@record(frozen=True)
class Options:
    """How to render: chosen on the command line, defaults for the API."""

    format: str = "table"
    columns: tuple[str, ...] = ("shape", "weights", "params")
    explain: bool = False
    explain_layers: tuple[str, ...] = ()  # --explain-layer: only these (names or row numbers)
    depth: int | None = None
    batch: int | None = None
    width: int | None = None
    color: bool | None = None  # None: when the output is a terminal
    quiet: bool = False
    pretty: bool = True  # unicode (× ⌊⌋ ·); False for plain output: every line in ASCII

    def __post_init__(self) -> None:
        if self.explain_layers and not self.explain:
            object.__setattr__(self, "explain", True)
        if self.format == "plain":  # SPEC §6: the table in ASCII, whoever builds the options
            object.__setattr__(self, "pretty", False)

    def text(self, s: str) -> str:
        """``s`` as this output shows it: as written, or in ASCII (``--format plain``)."""
        return s if self.pretty else ascii_text(s)
