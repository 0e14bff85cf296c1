"""``convcalc --diff`` written out: an aligned text table (table, plain), markdown for a PR, JSON."""

from __future__ import annotations

from typing import Any, TextIO

from ..core.result import BYTES_PER_ELEMENT, LayerResult, jsonable, shape_json
from ._table_layout import align, column_widths
from .cells import count, human_bytes, shape, weights
from .options import Options

# The diff's records (convcalc.diff.Diff, LayerChange, Total) are read by attribute: this module
# does not import convcalc.diff, which imports it.
Diff = LayerChange = Total = Any

FORMATS = ("table", "plain", "markdown", "json")
MARK = {"added": "+", "removed": "-", "changed": "~"}
UNITS = {"params": "params", "trainable": "trainable params", "macs": "MACs", "memory": "activation elements"}
LABELS = {"params": "Total params", "trainable": "Trainable params", "macs": "Total MACs",
          "memory": "Activations, forward pass"}


def delta_text(t: Total) -> str:
    """``+185,152 params (+100.0%)``; ``no change``."""
    d = t.delta
    if str(d) == "0":  # ints and sympy alike
        return "no change"
    unit = UNITS[t.key]
    text = count(d)
    if not text.startswith("-"):
        text = "+" + text
    pct = t.percent
    return f"{text} {unit}" + (f" ({pct:+.1f}%)" if pct is not None else "")


def _value(t: Total, v: Any) -> str:
    if t.key == "memory" and isinstance(v, int):
        return f"{count(v)} ({human_bytes(v * BYTES_PER_ELEMENT)})"
    return count(v)


def _side(layer: LayerResult | None, key: str, opts: Options) -> str:
    if layer is None:
        return ""
    if key == "label":
        return layer.label
    if key == "shape":
        return shape(layer.output, opts, layer.batch_axis)
    if key == "weights":
        return weights(layer, opts)  # as the table writes them: frozen ones in brackets
    return count(layer.params if key == "params" else layer.macs)


def _cell(row: LayerChange, key: str, opts: Options) -> str:
    a, b = _side(row.old, key, opts), _side(row.new, key, opts)
    if row.change != "changed":
        return a or b
    return a if a == b else f"{a} → {b}"


def _keys(d: Diff) -> list[tuple[str, str]]:
    keys = [("shape", "Output shape"), ("weights", "Weights"), ("params", "Params")]
    return [*keys, ("macs", "MACs")] if d.macs else keys


def _rows(d: Diff, opts: Options) -> list[list[str]]:
    return [[MARK[r.change], r.name, _cell(r, "label", opts), r.change,
             *(_cell(r, k, opts) for k, _ in _keys(d))] for r in d.rows]


def _heading(d: Diff) -> str:
    names = {d.old.name, d.new.name} - {None}
    return f"{d.old.source} → {d.new.source}" + (f" ({', '.join(sorted(names))})" if names else "")  # type: ignore[arg-type]


def text_lines(d: Diff, opts: Options) -> list[str]:
    headers = ["", "Name", "Layer", "Change", *(h for _, h in _keys(d))]
    body = [[opts.text(c) for c in r] for r in _rows(d, opts)]  # ASCII before measuring (-> is 2 wide)
    out = [_heading(d), ""]
    if body:
        widths = column_widths([len(c) for c in r] for r in (headers, *body))
        numeric = [False, False, False, False, *(k in ("params", "macs") for k, _ in _keys(d))]

        def line(cells: list[str]) -> str:
            return "  ".join(align(c, len(c), w, right)
                             for c, w, right in zip(cells, widths, numeric, strict=True)).rstrip()

        out += [line(headers), "  ".join("-" * w for w in widths), *(line(r) for r in body), ""]
    else:
        out += ["No layer added, removed or changed.", ""]
    out += [f"{LABELS[t.key]}: {_value(t, t.old)} → {_value(t, t.new)}: {delta_text(t)}" for t in d.totals]
    return [opts.text(x) for x in out]


def markdown_lines(d: Diff, opts: Options) -> list[str]:
    from .markdown import code, table

    out = [f"### convcalc --diff: {_heading(d)}", ""]
    if d.rows:
        headers = ["", "Name", "Layer", "Change", *(h for _, h in _keys(d))]
        rows = [[r[0], r[1], code(r[2]), r[3], *r[4:]] for r in _rows(d, opts)]
        out += [*table(headers, rows, [False] * 4 + [k in ("params", "macs") for k, _ in _keys(d)]), ""]
    else:
        out += ["No layer added, removed or changed.", ""]
    out += [f"- {LABELS[t.key]}: {_value(t, t.old)} → {_value(t, t.new)}: **{delta_text(t)}**"
            for t in d.totals]
    return out


def _layer_json(layer: LayerResult | None, macs: bool) -> dict[str, Any] | None:
    if layer is None:
        return None
    d: dict[str, Any] = {"type": layer.type, "label": layer.label, "output": shape_json(layer.output),
                         "weights": {w.name: shape_json(w.shape) for w in layer.weights},
                         "params": jsonable(layer.params)}
    if macs:
        d["macs"] = jsonable(layer.macs)
    return d


def to_dict(d: Diff) -> dict[str, Any]:
    return {
        "old": {"file": d.old.source, "name": d.old.name},
        "new": {"file": d.new.source, "name": d.new.name},
        "layers": [{"change": r.change, "name": r.name, "old": _layer_json(r.old, d.macs),
                    "new": _layer_json(r.new, d.macs)} for r in d.rows],
        "totals": {t.key: {"old": jsonable(t.old), "new": jsonable(t.new), "delta": jsonable(t.delta),
                           "percent": t.percent} for t in d.totals},
    }


def render(d: Diff, opts: Options, out: TextIO) -> None:
    if opts.format == "json":
        from ._json_writer import dumps

        out.write(dumps(to_dict(d)) + "\n")
        return
    lines = markdown_lines(d, opts) if opts.format == "markdown" else text_lines(d, opts)
    out.write("".join(line + "\n" for line in lines))
