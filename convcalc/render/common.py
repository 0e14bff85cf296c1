"""What every text renderer shares: options, columns, cell text, explain lines.

A column is one registry entry (header, cell function, footer total);
the table, plain, markdown and CSV renderers lay out the same cells.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .. import num
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
column(Column("macs", "MACs", lambda r, res, o: "" if r.is_block else count(r.macs),
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


def explain_lines(row: LayerResult) -> list[str]:
    """The formulas of a layer with its numbers, then how its parameters add up."""
    lines = [step.text() for step in row.steps]
    if row.is_block:
        return lines
    trainable = [w for w in row.weights if w.trainable]
    frozen = [w for w in row.weights if not w.trainable]
    for label, group in (("params" if not frozen else "trainable", trainable), ("non-trainable", frozen)):
        if not group:
            continue
        terms = [f"{w.name} {'·'.join(dim(d) for d in w.shape)}" for w in group]
        total = sum((w.size for w in group), 0)
        lines.append(f"{label}: {' + '.join(terms)} = {count(total)}")
    return lines


def totals_lines(result: Result, opts: Options) -> list[str]:
    lines = [
        f"Total params: {count(result.total_params)}",
        f"Trainable params: {count(result.trainable_params)}",
        f"Non-trainable params: {count(result.non_trainable_params)}",
        f"Params size (float32): {megabytes(result.total_params)}",
    ]
    lines.extend(result_notes(result, opts))
    return lines


def result_notes(result: Result, opts: Options) -> list[str]:
    """Lines under the totals: validity of free names, open constraints, expectations."""
    lines: list[str] = []
    if result.free_names:
        from ..symbolic import valid_text

        lines.extend(valid_text(result))
    if result.expect is not None and not result.expect.ok:
        lines.append("Expectations FAILED:")
        lines.extend(f"  {f}" for f in result.expect.failures)
    return lines


def title(result: Result) -> str:
    parts = [result.name or result.source]
    inputs = ", ".join(
        f"{k} {shape(v, Options())}" if len(result.inputs) > 1 else shape(v, Options())
        for k, v in result.inputs.items()
    )
    parts.append(f"{result.framework}, {result.layout.replace('_', ' ')}, input {inputs}")
    return " — ".join(parts)
