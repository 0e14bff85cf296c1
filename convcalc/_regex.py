"""Regular expressions compiled the first time they are used, not when their module is imported.

Why this exists: ``re.compile`` runs the pure-Python regex compiler, 50–400 µs a
pattern; convcalc's modules hold about thirty patterns, and a run uses few of
them (a YAML spec never reaches the one-liner's, a one-liner never the YAML
scanner's).  Compiled at import, they cost 1–2 ms of every run (issue 20).  A
:class:`LazyPattern` is written where the pattern is, reads as one, and
compiles on the first call of any of its methods; from then on its methods are
the compiled pattern's own bound methods, so a pattern used in a loop costs
what a compiled one does.  :data:`NAME_START` is the one set the readers written
by hand in place of a pattern (the arithmetic tokenizer, ``$arg`` substitution,
the one-line parser, the sniffer) read ``[A-Za-z_]`` with.
"""

from __future__ import annotations

import re
from typing import Any

NAME_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")  # what [A-Za-z_] matches

# What a first use copies from the compiled pattern onto the instance (then found without
# __getattr__): re.Pattern's methods and attributes.
_COPIED = ("match", "fullmatch", "search", "finditer", "findall", "sub", "subn", "split",
           "pattern", "flags", "groups", "groupindex")


class LazyPattern:
    """``re.compile(source, flags)``, done when first used.  Use it as the compiled pattern."""

    def __init__(self, source: str, flags: int = 0) -> None:
        self._source = source
        self._flags = flags

    def __getattr__(self, name: str) -> Any:  # only while a name is not copied yet: the first use
        if name.startswith("__"):  # copy, pickle and friends ask for dunders: not the pattern's
            raise AttributeError(name)
        compiled = re.compile(self._source, self._flags)
        for attr in _COPIED:
            setattr(self, attr, getattr(compiled, attr))
        return getattr(compiled, name)

    def __repr__(self) -> str:
        return f"LazyPattern({self._source!r}{f', {self._flags!r}' if self._flags else ''})"
