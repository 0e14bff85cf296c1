"""What every text renderer shares: options, columns, cell text, explain lines, the loop over specs.

A column is one registry entry (header, cell function, footer total);
the table, plain, markdown and CSV renderers lay out the same cells.  Cells
are written for people (``2·C × C × 3 × 3``, ``⌈T/4⌉``); ``--format plain``
passes every line through :func:`ascii_text`, the one ASCII conversion.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple, TextIO

from ..arith import num
from ..core.result import BYTES_PER_ELEMENT, LayerResult, Result
from ..core.types import Weight

if TYPE_CHECKING:
    from ..errors import SpecError

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
    pretty: bool = True  # unicode (× ⌊⌋ ·); False for plain output: every line in ASCII

    def __post_init__(self) -> None:
        if self.format == "plain":  # SPEC §6: the table in ASCII, whoever builds the options
            object.__setattr__(self, "pretty", False)

    def text(self, s: str) -> str:
        """``s`` as this output shows it: as written, or in ASCII (``--format plain``)."""
        return s if self.pretty else ascii_text(s)


def count(v: Value) -> str:
    """``217,706`` for ints; an expression otherwise."""
    return f"{v:,}" if num.is_int(v) else dim(v)


def dim(v: Value) -> str:
    """A size for people: ``24``, ``⌊(T − 3)/4⌋``."""
    if num.is_int(v):
        return str(v)
    from ..arith.symbolic import pretty as pretty_expr

    return pretty_expr(v)


def axes(texts: Sequence[str], times: str = "×") -> str:
    """Sizes of a shape joined by ``times``: ``32×1×5×5``; spaced out when any of them is an
    expression, so that ``2·C × C × 3 × 3`` and ``10 × W − 2`` read one way only."""
    if not texts:
        return "()"
    spaced = any(not t.isdigit() for t in texts)
    return (f" {times} " if spaced else times).join(texts)


def shape(s: Sequence[Value], opts: Options) -> str:
    """A shape for people (``16 × ⌊H/2⌋ × 8``); --format plain converts whole lines to ASCII."""
    dims = [dim(d) for d in s]
    if opts.batch is not None:
        dims.insert(0, str(opts.batch))
    return axes(dims)


def weights(row: LayerResult, opts: Options) -> str:
    if row.is_block:
        return ""
    parts = []
    for w in row.weights:
        text = axes([dim(d) for d in w.shape])
        parts.append(text if w.trainable else f"({text})")
    return ", ".join(parts)


def human_bytes(n: int) -> str:
    """``1.2 MB``: decimal units, two decimals, the unit chosen after rounding (``1.00 MB``,
    not ``1,000.00 kB``); integer arithmetic, so sizes beyond a float's range print too."""
    for unit, scale in (("TB", 10**12), ("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        hundredths = (n * 100 + scale // 2) // scale
        if hundredths >= 100:  # at least 1.00 of this unit, once rounded
            return f"{hundredths // 100:,}.{hundredths % 100:02d} {unit}"
    return f"{n:,} B"


def params_size(n_params: Value) -> str:
    """``187.69 kB``; ``4·(18·C^2 + 30·C) bytes`` for a polynomial."""
    if not num.is_int(n_params):
        return f"{BYTES_PER_ELEMENT}·({dim(n_params)}) bytes"
    return human_bytes(n_params * BYTES_PER_ELEMENT)


def batched(v: Value, opts: Options) -> Value:
    """A per-sample number for the whole batch (``--batch N``): activations, MACs."""
    return v * opts.batch if opts.batch is not None else v


def activations(n: Value | None, opts: Options) -> str:
    """``25,088 (100.35 kB)``: elements of an activation and their float32 size (concrete sizes)."""
    if n is None:
        return ""
    n = batched(n, opts)
    if not num.is_int(n):  # an expression: its float32 size is just 4· it, not worth a second one
        return count(n)
    return f"{count(n)} ({human_bytes(n * BYTES_PER_ELEMENT)})"


def receptive_field(row: LayerResult) -> str:
    """``11×11 /4×4``: the receptive field and, after the slash, the effective stride."""
    if row.receptive_field is None or row.effective_stride is None:
        return ""
    rf = axes([count(v) for v in row.receptive_field])
    return f"{rf} /{axes([count(v) for v in row.effective_stride])}"


class Column(NamedTuple):
    """A table column: its header, the text of a row's cell, and of the footer total."""

    key: str
    header: str
    cell: Callable[[LayerResult, Result, Options], str]
    total: Callable[[Result, Options], str] | None = None
    numeric: bool = False


COLUMNS: dict[str, Column] = {}


def column(col: Column) -> Column:
    COLUMNS[col.key] = col
    return col


column(Column("shape", "Output shape",
              lambda r, res, o: shape(r.output, o) if r.shape_known else "unknown"))
column(Column("weights", "Weights", lambda r, res, o: weights(r, o)))
column(Column("params", "Params", lambda r, res, o: count(r.params),
              lambda res, o: count(res.total_params), numeric=True))
column(Column("macs", "MACs", lambda r, res, o: count(batched(r.macs, o)),
              lambda res, o: count(batched(res.total_macs, o)), numeric=True))
# the propagator stores these two on each row (the receptive field by convcalc.engine.receptive_field)
column(Column("memory", "Activations", lambda r, res, o: activations(r.memory, o),
              lambda res, o: activations(res.memory, o), numeric=True))
column(Column("rf", "RF /stride", lambda r, res, o: receptive_field(r)))


def parse_columns(text: str) -> tuple[str, ...]:
    """``shape,params,macs`` -> checked column keys."""
    from ..errors import SpecError, did_you_mean

    keys = tuple(k.strip().lower() for k in text.split(",") if k.strip())
    for k in keys:
        if k not in COLUMNS:
            raise SpecError(f"--columns: unknown column `{k}`" + did_you_mean(k, COLUMNS)
                            + f"; choose from {', '.join(COLUMNS)}")
    return keys


def visible_rows(result: Result, opts: Options) -> list[LayerResult]:
    rows = result.table_rows()
    if opts.depth is None:
        return rows
    return [r for r in rows if r.depth <= opts.depth]


_ASCII = str.maketrans({"⌊": "floor(", "⌋": ")", "⌈": "ceil(", "⌉": ")", "−": "-", "·": "*", "×": "x",
                        "≥": ">=", "≤": "<=", "≠": "!=", "≈": "~", "∈": "in", "…": "...", "—": "-",
                        "→": "->", "²": "^2"})


def ascii_text(text: str) -> str:
    """The same text in ASCII (``⌊a / b⌋`` → ``floor(a / b)``), for --format plain.

    One word for a ceiling: ``⌈x⌉`` and sympy's ``ceiling(x)`` (in numbers the layers
    print themselves) both become ``ceil(x)``, as ``⌊x⌋`` becomes ``floor(x)``.
    """
    if text.isascii():
        return text.replace("ceiling(", "ceil(") if "ceiling(" in text else text
    return text.translate(_ASCII).replace("ceiling(", "ceil(")


def explain_lines(row: LayerResult, opts: Options | None = None) -> list[str]:
    """The formulas of a layer with its numbers, then how its parameters add up."""
    lines = _explain(row)
    return lines if opts is None or opts.pretty else [ascii_text(line) for line in lines]


def _explain(row: LayerResult) -> list[str]:
    lines = [step.text(dim) for step in row.steps]
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
            subtotals.append(num.total([w.size for w in weights]))
        total = num.total(subtotals)
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


def _factor(text: str) -> str:
    """A size as a factor of a product: ``(W − 2)`` in brackets, ``2·C`` and ``⌊T/4⌋`` as they are."""
    depth = 0
    for i, ch in enumerate(text):
        if ch in "(⌊⌈":
            depth += 1
        elif ch in ")⌋⌉":
            depth -= 1
        elif depth == 0 and ch == " " and text[i + 1:i + 3] in ("+ ", "− ", "- "):
            return f"({text})"
    return text


def _sum_line(label: str, group: Sequence[Weight]) -> str:
    """``params: weight 32·1·5·5 + bias 32 = 800 + 32 = 832``."""
    terms = [f"{w.name} {'·'.join(_factor(dim(d)) for d in w.shape)}" for w in group]
    sizes = [w.size for w in group]
    total = num.total(sizes)  # the form the Params column shows
    partial = ""
    if len(group) > 1 and all(num.is_int(n) for n in sizes):
        partial = " = " + " + ".join(count(n) for n in sizes)
    return f"{label}: {' + '.join(terms)}{partial} = {count(total)}"


def totals_lines(result: Result, opts: Options) -> list[str]:
    lines = [
        f"Total params: {count(result.total_params)}",
        f"Trainable params: {count(result.trainable_params)}",
        f"Non-trainable params: {count(result.non_trainable_params)}",
        f"Params size (float32): {params_size(result.total_params)}",
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
            lines.append(f"{label}: {col.total(result, opts)}")
    return lines


def result_notes(result: Result, opts: Options) -> list[str]:
    """Lines under the totals: validity of free names, open constraints, expectations."""
    lines: list[str] = []
    if result.free_names:
        from ..arith.symbolic import valid_text

        lines.extend(valid_text(result))
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
    rows += [[opts.text(f.what), opts.text(f.expected_text()), opts.text(f.actual_text())]
             for f in outcome.failures]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = [f"Expectations FAILED {failed_of(result)}:"]
    lines += ["  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return lines


def failed_of(result: Result) -> str:
    """``(3 of 5 checks)``: how many expectations failed."""
    n, checked = len(result.expect.failures), result.expect.checked
    return f"({n} of {checked} check{'s' if checked != 1 else ''})"


def failed(result: Result) -> bool:
    return result.expect is not None and not result.expect.ok


def failure_report(result: Result, opts: Options) -> str:
    """A failed spec's expectations under its name (``-q``, and the formats whose stdout is a
    document with no room for them: csv, mermaid, dot)."""
    lines = [f"{result.name or result.source}:", *("  " + line for line in expect_lines(result, opts))]
    return opts.text("\n".join(lines) + "\n")


def quiet_report(items: Sequence[tuple[str, object]], opts: Options, out: TextIO, err: TextIO) -> None:
    """``-q``: nothing for a spec that passes; errors, and a failed spec's expectations only."""
    from ..errors import SpecError

    for _, item in items:
        if isinstance(item, SpecError):
            err.write(f"error: {item}\n")
        elif isinstance(item, Result) and failed(item):
            out.write(failure_report(item, opts))


EXPLAINED = ("table", "plain", "markdown", "json")  # the formats that show --explain


def render_each(items: Sequence[tuple[str, object]], opts: Options, out: TextIO, err: TextIO,
                lines: Callable[[Result, Options], list[str]], *, between: str = "\n",
                error_lines: Callable[[SpecError], list[str]] | None = None,
                failures_to_err: bool = False) -> None:
    """The loop of the formats that write each spec as lines of text.

    An invalid spec: ``error: ...`` on stderr (and ``error_lines`` in the output, if the
    format has a way to show it); with ``--quiet``, a spec that passes is left out; the
    specs' lines are written ``between`` apart.  ``failures_to_err``: the output is a
    document (CSV, a diagram) with no place for failed expectations, so stderr says why
    the exit status is 1.  ``--explain`` on a format that cannot show it gets a warning.
    """
    from ..errors import SpecError

    if opts.explain and opts.format not in EXPLAINED:
        err.write(f"warning: --explain applies to {', '.join(EXPLAINED[:-1])} and {EXPLAINED[-1]}, "
                  f"not {opts.format}\n")
    first = True
    for _, item in items:
        if isinstance(item, SpecError):
            err.write(f"error: {item}\n")
            if error_lines is None:
                continue
            piece = error_lines(item)
        elif not isinstance(item, Result) or (opts.quiet and not failed(item)):
            continue
        else:
            piece = lines(item, opts)
            if failures_to_err and failed(item):
                err.write(failure_report(item, opts))
        if not first:
            out.write(between)
        first = False
        out.write("".join(line + "\n" for line in piece))


def write_warnings(items: Sequence[tuple[str, object]], err: TextIO) -> None:
    """Every result's warnings (SpecWarning), one ``warning: ...`` line each, on stderr."""
    for _, item in items:
        if isinstance(item, Result):
            err.write("".join(f"warning: {w} [{w.code}]\n" for w in item.warnings))
            if item.imported is not None:  # what a reader of a foreign format assumed (SPEC §12)
                err.write("".join(f"note: {n}\n" for n in item.imported["notes"]))


def title(result: Result) -> str:
    parts = [result.name or result.source]
    inputs = ", ".join(
        f"{k} {shape(v, Options())}" if len(result.inputs) > 1 else shape(v, Options())
        for k, v in result.inputs.items()
    )
    framework = result.framework
    if result.framework_inferred_from is not None:  # "keras, inferred from Conv2D at 1:1"
        framework += f", inferred from {result.framework_inferred_from}"
    parts.append(f"{framework}, {result.layout.replace('_', ' ')}, input {inputs}")
    return " — ".join(parts)
