"""``--format csv``: one row per layer with a header row, for spreadsheets and scripts.

Fixed columns (every number the JSON has, without thousands separators),
whatever ``--columns`` says, so a script can rely on them; the ``file`` and
``spec`` (its name) columns tell the rows of several specs apart.  Shapes are written ``32x24x24``
(``2*C x C x 3 x 3`` when a size is an expression).  Standard output is only
the CSV: errors and failed expectations go to standard error (``-q``: only they).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any, TextIO

from ..core.result import Result
from .cells import axes
from .options import Options
from .run import Item, render_each

HEADER = (
    "file", "spec", "index", "name", "type", "block", "from", "output", "weights", "params",
    "trainable", "non_trainable", "macs", "activations", "activation_bytes",
    "receptive_field", "effective_stride",
)


def _axes(values: Any) -> str:
    if values is None:
        return ""
    return axes([str(v) for v in values], "x")


def rows(result: Result) -> list[list[Any]]:
    doc = result.to_dict()
    spec = result.name or ""  # the spec's name; its file is the first column
    out = []
    for layer in doc["layers"]:
        repeats = layer.get("weight_repeats", {})  # a deep stack: how many tensors a name stands for
        weights = " ".join(f"{k}:{_axes(v)}" + (f"*{repeats[k]}" if k in repeats else "")
                           for k, v in layer["weights"].items())
        output = layer["output"]  # several outputs: name:shape each, as the weights are written
        if isinstance(output, dict):
            output = " ".join(f"{k}:{_axes(v)}" for k, v in output.items())
        else:
            output = _axes(output)
        if "shared_with" in layer:  # counted at that layer (SPEC §11)
            weights = f"shared with {layer['shared_with']}"
        elif "tied_to" in layer:
            weights = f"tied to {layer['tied_to']}; {weights}"
        out.append([
            result.source, spec, layer["index"], layer["name"], layer["type"], layer.get("block", ""),
            " ".join(map(str, layer["from"])), output, weights, layer["params"],
            layer["trainable"], layer["non_trainable"], layer["macs"],
            *(("", "", "", "") if "memory" not in layer else (  # a shape not known: none of these
                layer["memory"]["elements"], layer["memory"]["bytes"],
                _axes(layer["receptive_field"]), _axes(layer["effective_stride"]))),
        ])
    return out


def records(result: Result, opts: Options) -> list[str]:
    """The rows of one spec as CSV text (a single block: a quoted name may hold a line break)."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows(result))
    text = buf.getvalue()
    return [text.removesuffix("\n")] if text else []


def render(items: Sequence[Item], opts: Options, out: TextIO, err: TextIO) -> None:
    if not opts.quiet:
        csv.writer(out, lineterminator="\n").writerow(HEADER)
    render_each(items, opts, out, err, records, between="")
