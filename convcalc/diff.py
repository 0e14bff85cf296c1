"""``convcalc --diff OLD NEW``: what changed between two versions of an architecture (SPEC §13).

Layers are matched by name; a row for every layer added, removed, or whose output
shape, weights or parameter count changed (MACs too when ``-c`` asks for them), in
the order of the new spec with removed layers where they were; then the totals with
their deltas.  ``OLD`` (or ``NEW``) may be ``REV:path``, read with ``git show``.
Expectations are not checked: a diff is a report (exit 0; 2 when a side is invalid).
The text, markdown and JSON forms are written by :mod:`convcalc.render.diff`.
"""

from __future__ import annotations

import difflib
import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

from ._regex import LazyPattern
from .arith import num
from .core.result import LayerResult, Result
from .errors import Loc, SpecError

_REV_PATH = LazyPattern(r"([^:\s|()]+):([^\s|()]+\.ya?ml)")


@dataclass(frozen=True)
class LayerChange:
    """One row: a layer added, removed or changed (``old``/``new`` None when absent)."""

    change: str  # "added" | "removed" | "changed"
    name: str
    old: LayerResult | None
    new: LayerResult | None


@dataclass(frozen=True)
class Total:
    """A total on both sides: ``params``, ``trainable``, ``macs``, ``memory``."""

    key: str
    old: num.Value
    new: num.Value

    @property
    def delta(self) -> num.Value:
        return self.new - self.old

    @property
    def percent(self) -> float | None:
        """The change in percent of the old value; None when either is symbolic or old is 0."""
        if not (num.is_int(self.old) and num.is_int(self.new)) or self.old == 0:
            return None
        return round(100 * (int(self.new) - int(self.old)) / int(self.old), 1)


@dataclass(frozen=True)
class Diff:
    old: Result
    new: Result
    rows: list[LayerChange]
    totals: list[Total]
    macs: bool  # compare MACs per layer (asked for with -c)


def _weights(row: LayerResult) -> list[tuple[str, tuple[Any, ...], bool]]:
    return [(w.name, tuple(str(d) for d in w.shape), w.trainable) for w in row.weights]


def _changed(a: LayerResult, b: LayerResult, macs: bool) -> bool:
    same = ([str(d) for d in a.output] == [str(d) for d in b.output] and _weights(a) == _weights(b)
            and str(a.params) == str(b.params) and a.label == b.label)
    return not same or (macs and str(a.macs) != str(b.macs))


def compare(old: Result, new: Result, columns: tuple[str, ...] = ()) -> Diff:
    """The rows and totals of ``old`` → ``new``; MACs and activation memory when in ``columns``."""
    macs = "macs" in columns
    before = {layer.name: layer for layer in old.layers}
    after = {layer.name: layer for layer in new.layers}
    rows: list[LayerChange] = []
    matcher = difflib.SequenceMatcher(None, list(before), list(after), autojunk=False)
    for _, i1, i2, j1, j2 in matcher.get_opcodes():
        for name in list(before)[i1:i2]:
            if name not in after:
                rows.append(LayerChange("removed", name, before[name], None))
        for name in list(after)[j1:j2]:
            if name not in before:
                rows.append(LayerChange("added", name, None, after[name]))
            elif _changed(before[name], after[name], macs):
                rows.append(LayerChange("changed", name, before[name], after[name]))
    totals = [Total("params", old.total_params, new.total_params),
              Total("trainable", old.trainable_params, new.trainable_params)]
    if macs:
        totals.append(Total("macs", old.total_macs, new.total_macs))
    if "memory" in columns:
        totals.append(Total("memory", old.memory, new.memory))
    return Diff(old, new, rows, totals, macs)


def rev_path(spec: str) -> tuple[str, str] | None:
    """``HEAD~1:models/net.yaml`` -> (revision, path); None for a file, ``-`` or an inline spec."""
    m = _REV_PATH.fullmatch(spec)
    if m is None:
        return None
    try:
        if os.path.exists(spec):
            return None
    except (OSError, ValueError):
        return None
    return m.group(1), m.group(2)


def git_show(rev: str, path: str) -> str:
    """The text of ``path`` (relative to the current folder, as NEW is) at ``rev``."""
    where = path if path.startswith(("/", "./", "../")) else f"./{path}"
    try:
        done = subprocess.run(["git", "show", f"{rev}:{where}"], capture_output=True, text=True,
                              check=False)
    except FileNotFoundError:
        raise SpecError("--diff: cannot read it: git is not installed (or not on PATH)",
                        code="git-missing", loc=Loc(f"{rev}:{path}")) from None
    if done.returncode != 0:
        why = (done.stderr.strip().splitlines() or ["git show failed"])[-1].removeprefix("fatal: ")
        raise SpecError(f"--diff: cannot read it with git show: {why}",
                        code="git-show", loc=Loc(f"{rev}:{path}"))
    return done.stdout


def read_side(spec: str, analyze: Callable[[str, str | None], Result | SpecError]) -> Result | SpecError:
    """One side of the diff: a file, ``-``, an inline spec, or ``REV:path`` read with git."""
    found = rev_path(spec)
    if found is None:
        return analyze(spec, None)
    try:
        text = git_show(*found)
    except SpecError as e:
        return e
    if not text.strip():
        return SpecError("the spec is empty", code="empty-spec", loc=Loc(spec, 1, 1))
    return analyze(text, spec)


def run_diff(old_spec: str, new_spec: str, opts: Any, out: TextIO, err: TextIO,
             analyze: Callable[[str, str | None], Result | SpecError]) -> int:
    """Print the diff of two specs in ``opts.format``; the exit status (0, or 2 if a side is invalid)."""
    from .render import diff as render_diff
    from .render.common import error_line

    sides = [read_side(old_spec, analyze), read_side(new_spec, analyze)]
    errors = [s for s in sides if isinstance(s, SpecError)]
    for e in errors:
        err.write(error_line(e) + "\n")
    if errors:
        return 2
    old, new = sides
    assert isinstance(old, Result) and isinstance(new, Result)
    render_diff.render(compare(old, new, opts.columns), opts, out)
    return 0
