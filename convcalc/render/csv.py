"""``--format csv``: one row per layer with a header row, for spreadsheets and scripts.

Fixed columns (every number the JSON has, without thousands separators),
whatever ``--columns`` says, so a script can rely on them; a ``spec`` column
tells the rows of several specs apart.  Shapes are written ``32x24x24``.
"""

from __future__ import annotations

import csv
from typing import Any, TextIO

from ..errors import SpecError
from ..result import Result
from .common import Options

HEADER = (
    "spec", "index", "name", "type", "block", "from", "output", "weights", "params",
    "trainable", "non_trainable", "macs", "activations", "activation_bytes",
    "receptive_field", "effective_stride",
)


def _axes(values: Any) -> str:
    if values is None:
        return ""
    return "x".join(str(v) for v in values)


def rows(result: Result) -> list[list[Any]]:
    doc = result.to_dict()
    spec = result.name or result.source
    out = []
    for layer in doc["layers"]:
        weights = " ".join(f"{k}:{_axes(v)}" for k, v in layer["weights"].items())
        out.append([
            spec, layer["index"], layer["name"], layer["type"], layer.get("block", ""),
            " ".join(map(str, layer["from"])), _axes(layer["output"]), weights, layer["params"],
            layer["trainable"], layer["non_trainable"], layer["macs"],
            layer["memory"]["elements"], layer["memory"]["bytes"],
            _axes(layer["receptive_field"]), _axes(layer["effective_stride"]),
        ])
    return out


def render(items: list[tuple[str, Any]], opts: Options, out: TextIO, err: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for _, item in items:
        if isinstance(item, SpecError):
            err.write(f"error: {item}\n")
            continue
        writer.writerows(rows(item))
