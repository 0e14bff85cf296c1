"""What every text renderer shares: options, columns, cell text, explain lines.

A column is one registry entry (header, cell function, footer total);
the table, plain, markdown and CSV renderers lay out the same cells.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TextIO

from .. import num
from ..layers.base import Weight
from ..result import LayerResult, Result

Value = num.Value


@dataclass(frozen=True)
class Options:
    """How to render: chosen on the command line, defaults for the API."""

    format: str = "table"
    columns: tuple[str, ...] = ("shape", "weights", "params")
    explain: bool = False
    depth: int | None = None
    batch: int | None = None
    width: int | None = None
    color: bool | None = None  # None: when the output is a terminal
    quiet: bool = False
    pretty: bool = True  # unicode (× ⌊⌋); plain output turns it off
    extra: dict[str, object] = field(default_factory=dict)


def count(v: Value) -> str:
    """``217,706`` for ints; an expression otherwise."""
    return f"{v:,}" if num.is_int(v) else dim(v)


def dim(v: Value, pretty: bool = True) -> str:
    if num.is_int(v):
        return str(v)
    from ..symbolic import pretty as pretty_expr

    return pretty_expr(v) if pretty else num.fmt(v)


def shape(s: Sequence[Value], opts: Options) -> str:
    sep = "×" if opts.pretty else "x"
    dims = [dim(d, opts.pretty) for d in s]
    if opts.batch is not None:
        dims.insert(0, str(opts.batch))
    if not dims:
        return "()"
    if any(not num.is_int(d) for d in s):
        sep = f" {sep} "
    return sep.join(dims)


def weights(row: LayerResult, opts: Options) -> str:
    if row.is_block:
        return ""
    sep = "×" if opts.pretty else "x"
    parts = []
    for w in row.weights:
        text = sep.join(dim(d, opts.pretty) for d in w.shape)
        parts.append(text if w.trainable else f"({text})")
    return ", ".join(parts)


def megabytes(n_params: Value) -> str:
    if not num.is_int(n_params):
        return f"4·({dim(n_params)}) bytes"
    return f"{n_params * 4 / 1e6:,.2f} MB"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    cell: Callable[[LayerResult, Result, Options], str]
    total: Callable[[Result, Options], str] | None = None
    numeric: bool = False


COLUMNS: dict[str, Column] = {}


def column(col: Column) -> Column:
    COLUMNS[col.key] = col
    return col


column(Column("shape", "Output shape", lambda r, res, o: shape(r.output, o)))
column(Column("weights", "Weights", lambda r, res, o: weights(r, o)))
column(Column("params", "Params", lambda r, res, o: count(r.params),
              lambda res, o: count(res.total_params), numeric=True))
column(Column("macs", "MACs", lambda r, res, o: count(r.macs),
              lambda res, o: count(res.total_macs), numeric=True))


def parse_columns(text: str) -> tuple[str, ...]:
    """``shape,params,macs`` -> checked column keys."""
    from ..errors import SpecError, did_you_mean

    _load_extra_columns()
    keys = tuple(k.strip().lower() for k in text.split(",") if k.strip())
    for k in keys:
        if k not in COLUMNS:
            raise SpecError(f"--columns: unknown column `{k}`" + did_you_mean(k, COLUMNS)
                            + f"; choose from {', '.join(COLUMNS)}")
    return keys


def _load_extra_columns() -> None:
    """Columns defined next to the analyses that compute them."""
    import importlib

    for module in ("convcalc.analysis",):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as e:  # pragma: no cover - optional analyses
            if e.name != module:
                raise


def visible_rows(result: Result, opts: Options) -> list[LayerResult]:
    rows = result.table_rows()
    if opts.depth is None:
        return rows
    return [r for r in rows if r.depth <= opts.depth]


_ASCII = str.maketrans({"⌊": "floor(", "⌋": ")", "⌈": "ceil(", "⌉": ")", "−": "-", "·": "*",
                        "≥": ">=", "≤": "<=", "×": "x", "≈": "~", "—": "-"})


def ascii_text(text: str) -> str:
    """The same text in ASCII (``⌊a / b⌋`` → ``floor(a / b)``), for --format plain."""
    return text.translate(_ASCII)


def explain_lines(row: LayerResult, opts: Options | None = None) -> list[str]:
    """The formulas of a layer with its numbers, then how its parameters add up."""
    lines = _explain(row)
    return lines if opts is None or opts.pretty else [ascii_text(line) for line in lines]


def _explain(row: LayerResult) -> list[str]:
    lines = [step.text() for step in row.steps]
    if row.is_block:
        return lines
    trainable = [w for w in row.weights if w.trainable]
    frozen = [w for w in row.weights if not w.trainable]
    for label, group in (("params" if not frozen else "trainable", trainable), ("non-trainable", frozen)):
        if not group:
            continue
        stacks = _stacks(group)
        if len(stacks) == 1:
            lines.append(_sum_line(label, group))
            continue
        # Stacked or bidirectional recurrent layers: one line per layer and direction, then the sum.
        subtotals = []
        for suffix, weights in stacks.items():
            lines.append(_sum_line(f"{label} {suffix}", weights))
            subtotals.append(sum((w.size for w in weights), 0))
        total = sum(subtotals, 0)
        lines.append(f"{label}: {' + '.join(count(n) for n in subtotals)} = {count(total)}")
    return lines


_STACK = re.compile(r"_(l\d+(?:_reverse)?)$")


def _stacks(weights: Sequence[Weight]) -> dict[str, list[Weight]]:
    """Weights grouped by PyTorch's per-layer suffix (``_l0``, ``_l0_reverse``) or by Keras's
    sublayer prefix (``forward_lstm/``), when every weight has one."""
    groups: dict[str, list[Weight]] = {}
    for w in weights:
        m = _STACK.search(w.name)
        key = m.group(1) if m else w.name.rpartition("/")[0]
        groups.setdefault(key, []).append(w)
    return groups if "" not in groups else {"": list(weights)}


def _sum_line(label: str, group: Sequence[Weight]) -> str:
    """``params: weight 32·1·5·5 + bias 32 = 800 + 32 = 832``."""
    terms = [f"{w.name} {'·'.join(dim(d) for d in w.shape)}" for w in group]
    sizes = [w.size for w in group]
    total = sum(sizes, 0)
    partial = ""
    if len(group) > 1 and all(num.is_int(n) for n in sizes):
        partial = " = " + " + ".join(count(n) for n in sizes)
    return f"{label}: {' + '.join(terms)}{partial} = {count(total)}"


def totals_lines(result: Result, opts: Options) -> list[str]:
    lines = [
        f"Total params: {count(result.total_params)}",
        f"Trainable params: {count(result.trainable_params)}",
        f"Non-trainable params: {count(result.non_trainable_params)}",
        f"Params size (float32): {megabytes(result.total_params)}",
    ]
    lines.extend(column_totals(result, opts))
    lines.extend(result_notes(result, opts))
    return lines


FOOTERS = {"macs": "Total MACs (FLOPs ≈ 2·MACs)", "memory": "Activations, forward pass (float32)"}


def column_totals(result: Result, opts: Options) -> list[str]:
    """Footer lines for the chosen columns that add up (MACs, activation memory)."""
    lines = []
    for key in opts.columns:
        col = COLUMNS[key]
        if col.total is not None and key != "params":
            label = FOOTERS.get(key, "Total " + col.header)
            if not opts.pretty:
                label = label.replace("≈", "~").replace("·", "*")
            lines.append(f"{label}: {col.total(result, opts)}")
    return lines


def result_notes(result: Result, opts: Options) -> list[str]:
    """Lines under the totals: validity of free names, open constraints, expectations."""
    lines: list[str] = []
    if result.free_names:
        from ..symbolic import valid_text

        lines.extend(valid_text(result, pretty=opts.pretty))
    lines.extend(expect_lines(result, opts))
    return lines


def expect_lines(result: Result, opts: Options) -> list[str]:
    """Failed expectations as a small aligned table: check, expected, actual side by side."""
    outcome = result.expect
    if outcome is None or not outcome.checked:
        return []
    if outcome.ok:
        n = outcome.checked
        return [f"Expectations: {'all ' if n > 1 else ''}{n} check{'s' if n > 1 else ''} passed"]
    rows = [["check", "expected", "actual"]]
    rows += [[f.what, f.expected_text(opts.pretty), f.actual_text()] for f in outcome.failures]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    n = len(outcome.failures)
    lines = [f"Expectations FAILED ({n} of {outcome.checked} check{'s' if outcome.checked != 1 else ''}):"]
    lines += ["  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return lines


def quiet_report(items: Sequence[tuple[str, object]], opts: Options, out: TextIO, err: TextIO) -> None:
    """``-q``: nothing for a spec that passes; errors, and a failed spec's expectations only."""
    from ..errors import SpecError

    for _, item in items:
        if isinstance(item, SpecError):
            err.write(f"error: {item}\n")
        elif isinstance(item, Result) and item.expect is not None and not item.expect.ok:
            out.write(f"{item.name or item.source}:\n")
            out.write("\n".join("  " + line for line in expect_lines(item, opts)) + "\n")


def title(result: Result) -> str:
    parts = [result.name or result.source]
    inputs = ", ".join(
        f"{k} {shape(v, Options())}" if len(result.inputs) > 1 else shape(v, Options())
        for k, v in result.inputs.items()
    )
    parts.append(f"{result.framework}, {result.layout.replace('_', ' ')}, input {inputs}")
    return " — ".join(parts)
