"""The one exception family of convcalc.

Every user mistake becomes a :class:`SpecError`: a stable ``code`` saying what
kind of mistake it is (``unknown-type``, ``size-below-1``: the README lists
them), the bare sentence saying what is wrong with the numbers, where it is
written (file, line, column of the offending argument or key) and in which
layer, and optionally a hint on how to fix it.  An error is immutable: code
that knows more about where it happened makes a new one with
:meth:`SpecError.with_location`; nothing edits a message after it is raised.
One formatter, :func:`format_error`, prints it for every text output.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._record import NamedTuple


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


Hint = str | Callable[[], "str | None"] | None  # a callable: worked out only when shown

_FIELDS = frozenset({"message", "code", "loc", "layer", "_hint"})


class SpecError(ConvcalcError):
    """A spec (or the command line) is invalid.  Exit status 2.

    ``code`` is required, so a raise site without one fails at once.  ``hint``
    may be a function, called the first time the hint is read (when the error is
    printed): deciding on some hints costs a second look at the spec.
    """

    message: str
    code: str
    loc: Loc | None
    layer: LayerRef | None

    def __init__(
        self,
        message: str,
        *,
        loc: Loc | None = None,
        layer: LayerRef | None = None,
        hint: Hint = None,
        code: str,
    ) -> None:
        super().__init__(message)
        set_ = object.__setattr__
        set_(self, "message", message)  # the bare sentence, without the location
        set_(self, "code", code)  # stable, kebab-case: what kind of mistake (README, "Error codes")
        set_(self, "loc", loc)
        set_(self, "layer", layer)
        set_(self, "_hint", hint)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _FIELDS:
            raise AttributeError(f"a SpecError is immutable: make a new one instead of setting {name}")
        super().__setattr__(name, value)  # Python's own (__traceback__, __notes__, ...)

    def __delattr__(self, name: str) -> None:
        if name in _FIELDS:
            raise AttributeError(f"a SpecError is immutable: {name} cannot be deleted")
        super().__delattr__(name)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.message, self.code, self.loc, self.layer, self.hint))

    @property
    def hint(self) -> str | None:
        """How to fix it, or None (a deferred hint is worked out once, on first reading)."""
        hint = self._hint
        if callable(hint):
            hint = hint()
            object.__setattr__(self, "_hint", hint)  # the same value from now on
        return hint

    @property
    def file(self) -> str | None:
        return self.loc.file if self.loc else None

    @property
    def line(self) -> int | None:
        return self.loc.line if self.loc else None

    @property
    def column(self) -> int | None:
        return self.loc.column if self.loc else None

    def with_location(self, loc: Loc | None = None, layer: LayerRef | None = None) -> SpecError:
        """A new error with location and layer filled in where still unknown (the innermost wins).

        A location with a line replaces one without (a file name alone); the
        error itself is returned when there is nothing to add.
        """
        new_loc = self.loc
        if loc is not None and (new_loc is None or (new_loc.line is None and loc.line)):
            new_loc = loc
        new_layer = self.layer if self.layer is not None else layer
        if new_loc is self.loc and new_layer is self.layer:
            return self
        return SpecError(self.message, loc=new_loc, layer=new_layer, hint=self._hint, code=self.code)

    def with_hint(self, hint: Hint) -> SpecError:
        """A new error with ``hint``, unless it has one already."""
        if self._hint is not None or hint is None:
            return self
        return SpecError(self.message, loc=self.loc, layer=self.layer, hint=hint, code=self.code)

    def __str__(self) -> str:
        prefix = []
        if self.loc is not None:
            prefix.append(str(self.loc))
        if self.layer is not None:
            prefix.append(str(self.layer))
        return ": ".join([*prefix, self.message])

    def __repr__(self) -> str:
        return f"SpecError({self.message!r}, code={self.code!r}, loc={self.loc!r}, layer={self.layer!r})"

    def to_dict(self) -> dict[str, object]:
        """The ``{"error": ...}`` object of the JSON output (SPEC §7): the location in its own fields."""
        return {
            "code": self.code,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "layer": None
            if self.layer is None
            else {"index": self.layer.index, "name": self.layer.name, "type": self.layer.type},
            "hint": self.hint,
        }


def _rebuild(message: str, code: str, loc: Loc | None, layer: LayerRef | None,
             hint: str | None) -> SpecError:
    return SpecError(message, loc=loc, layer=layer, hint=hint, code=code)


def format_error(error: SpecError) -> list[str]:
    """The lines every text output prints for an error (stderr of table, plain, markdown, CSV, ...).

    ``error: file:line:col: layer N 'name' (type): message``, then ``  hint: ...`` when
    there is a hint.
    """
    from .textsafe import visible  # a message quotes the spec: its control characters shown, not sent

    lines = [visible(f"error: {error}")]
    hint = error.hint
    if hint:
        lines.append(visible(f"  hint: {hint}"))
    return lines


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
