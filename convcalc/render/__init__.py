"""Renderers: one module per output format, each with ``render(items, opts, out, err)``.

``items`` is a list of ``(source, Result | SpecError)``.  Modules are
imported only when their format is asked for, so ``--format json`` never
loads rich.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, TextIO

FORMATS: dict[str, str] = {
    "table": "convcalc.render.table",
    "plain": "convcalc.render.plain",
    "json": "convcalc.render.json",
    "markdown": "convcalc.render.markdown",
    "csv": "convcalc.render.csv",
    "mermaid": "convcalc.render.mermaid",
    "dot": "convcalc.render.dot",
    "yaml": "convcalc.render.yaml",
}


def renderer(fmt: str) -> Callable[[list[tuple[str, Any]], Any, TextIO, TextIO], None]:
    return importlib.import_module(FORMATS[fmt]).render  # type: ignore[no-any-return]
