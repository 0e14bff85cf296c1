"""The one exception family of convcalc.

Every user mistake becomes a :class:`SpecError` that knows where it happened
(file, line, column) and in which layer, so the CLI can print one clear
paragraph and the Python API can hand the same facts to a program.  Layer
code raises a bare ``SpecError("kernel 5 is larger than ...")``; the
propagator fills in the location and the layer as the error passes through.
"""

from __future__ import annotations

from typing import NamedTuple


class Loc(NamedTuple):
    """A position in a spec: 1-based line and column, as editors count."""

    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


class LayerRef(NamedTuple):
    """Which layer an error is about: its 1-based index, name and type."""

    index: int
    name: str
    type: str

    def __str__(self) -> str:
        return f"layer {self.index} '{self.name}' ({self.type})"


class ConvcalcError(Exception):
    """Base class of every error convcalc raises on purpose."""


class SpecError(ConvcalcError):
    """A spec (or the command line) is invalid.  Exit status 2."""

    def __init__(
        self,
        message: str,
        *,
        code: str = "invalid-spec",
        loc: Loc | None = None,
        layer: LayerRef | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code  # stable, kebab-case: what kind of mistake (`unknown-type`, `size-below-1`, ...)
        self.loc = loc
        self.layer = layer
        self.hint = hint  # an optional `hint:` line: how to fix it

    @property
    def file(self) -> str | None:
        return self.loc.file if self.loc else None

    @property
    def line(self) -> int | None:
        return self.loc.line if self.loc else None

    @property
    def column(self) -> int | None:
        return self.loc.column if self.loc else None

    def located(self, loc: Loc | None = None, layer: LayerRef | None = None) -> SpecError:
        """Fill in location and layer where they are still unknown (innermost wins)."""
        if self.loc is None or (self.loc.line is None and loc is not None and loc.line):
            self.loc = loc or self.loc
        if self.layer is None:
            self.layer = layer
        return self

    def __str__(self) -> str:
        prefix = []
        if self.loc is not None:
            prefix.append(str(self.loc))
        if self.layer is not None:
            prefix.append(str(self.layer))
        return ": ".join([*prefix, self.message])

    def to_dict(self) -> dict[str, object]:
        """The ``{"error": ...}`` object of the JSON output (SPEC §7)."""
        return {
            "message": str(self),
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "layer": None
            if self.layer is None
            else {"index": self.layer.index, "name": self.layer.name, "type": self.layer.type},
        }


def did_you_mean(word: str, choices: object) -> str:
    """`` (did you mean `kernel`?)`` for the closest spelling, or ``""``."""
    import difflib

    options = sorted(str(c) for c in choices)  # type: ignore[attr-defined]
    lowered = {o.lower(): o for o in options}
    close = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return f" (did you mean `{lowered[close[0]]}`?)" if close else ""


class SpecWarning(NamedTuple):
    """Something convcalc computed but a reader should know (exit status stays 0).

    Structured like :class:`SpecError` (a stable ``code``, the message without the
    location, and where): the CLI prints ``warning: ...`` on stderr for the text
    formats, and the JSON output lists them under ``"warnings"``.
    """

    code: str  # stable, kebab-case: `unused-layer`, `leading-1-read-as-channels`
    message: str
    loc: Loc | None = None
    layer: LayerRef | None = None

    def __str__(self) -> str:
        prefix = [str(p) for p in (self.loc, self.layer) if p is not None]
        return ": ".join([*prefix, self.message])

    def to_dict(self) -> dict[str, object]:
        """One entry of the JSON ``"warnings"`` list."""
        loc = self.loc
        return {
            "code": self.code,
            "message": self.message,
            "file": loc.file if loc else None,
            "line": loc.line if loc else None,
            "column": loc.column if loc else None,
            "layer": None
            if self.layer is None
            else {"index": self.layer.index, "name": self.layer.name, "type": self.layer.type},
        }
