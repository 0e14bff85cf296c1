"""``--output-dir DIR``: one file per spec for the graph formats (``-f mermaid``, ``-f dot``).

A Mermaid or DOT document holds one graph; several specs written one after the
other would make a stream no renderer reads, so each spec gets its own file,
named after the spec (``lenet5.mmd``; ``inline-2.dot`` for an inline spec) and
kept apart when two specs share a name.  stderr still says what every spec's
errors, warnings and failed checks are.
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Sequence
from typing import TextIO

from ..core.result import Result
from ..textsafe import visible
from .options import Options
from .run import Item, stderr_lines

EXTENSIONS = {"mermaid": ".mmd", "dot": ".dot"}


def stem(result: Result, n: int) -> str:
    """A file name for a spec: its file's stem, else its name, else ``inline-N``; safe characters only."""
    base = ""
    if result.source and not result.source.startswith("<"):
        base = os.path.splitext(os.path.basename(result.source))[0]
    base = base or result.name or f"inline-{n}"
    return re.sub(r"[^A-Za-z0-9._-]+", "-", base).strip("-.") or f"spec-{n}"


def write_each(items: Sequence[Item], opts: Options, directory: str, err: TextIO) -> list[str]:
    """Write every valid spec's graph into ``directory``; returns the paths written, in order."""
    lines = importlib.import_module(f"convcalc.render.{opts.format}").lines
    os.makedirs(directory, exist_ok=True)
    taken: set[str] = set()
    written = []
    for n, item in enumerate(items, 1):
        for line in stderr_lines(item, opts):
            err.write(line + "\n")
        if not isinstance(item, Result):
            continue
        name, k = stem(item, n), 1
        while (name if k == 1 else f"{name}-{k}") in taken:
            k += 1
        name = name if k == 1 else f"{name}-{k}"
        taken.add(name)
        path = os.path.join(directory, name + EXTENSIONS[opts.format])
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write("".join(visible(line) + "\n" for line in lines(item, opts)))  # no raw control codes
        written.append(path)
    return written
