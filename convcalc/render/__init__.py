"""Renderers: one module per output format, each with ``render(items, opts, out, err)``.

``items`` is a sequence of ``Result | SpecError``, each carrying its source file.  Modules are
imported only when their format is asked for, so ``--format json`` never
loads rich.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import Any, TextIO

FORMATS: dict[str, str] = {
    "table": "convcalc.render.table",
    "plain": "convcalc.render.plain",
    "json": "convcalc.render.json",
    "markdown": "convcalc.render.markdown",
    "csv": "convcalc.render.csv",
    "mermaid": "convcalc.render.mermaid",
    "dot": "convcalc.render.dot",
    "github": "convcalc.render.github",
    "yaml": "convcalc.render.yaml",
    "html": "convcalc.render.html",
}


def renderer(fmt: str) -> Callable[[Sequence[Any], Any, TextIO, TextIO], None]:
    return importlib.import_module(FORMATS[fmt]).render  # type: ignore[no-any-return]
