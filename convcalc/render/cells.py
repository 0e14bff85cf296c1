"""The text of every table cell, and the column registry the table, plain, markdown and CSV share.

A column is one registry entry (header, cell function, footer total).  Cells are
written for people (``2·C × C × 3 × 3``, ``⌈T/4⌉``); ``--format plain`` passes
every line through :func:`convcalc.render.ascii.ascii_text`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .._record import NamedTuple, replace
from ..arith import num
from ..core.result import BYTES_PER_ELEMENT, LayerResult, Result
from .options import Options

Value = num.Value


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
    expression, and a size that is a sum in brackets: ``2·C × C × 3 × 3``, ``16 × (H − 2) × (W − 2)``."""
    if not texts:
        return "()"
    spaced = any(not t.isdigit() for t in texts)
    if not spaced:
        return times.join(texts)
    return f" {times} ".join(factor(t) for t in texts)


def factor(text: str) -> str:
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



def whole_axes(s: Sequence[Value]) -> str | None:
    """``32×1×5×5``: what ``axes([dim(d) for d in s])`` writes of sizes that are all exact ints
    of no sign (their texts all digits), without a call per size; None for any other shape."""
    for d in s:
        if type(d) is not int or d < 0:
            return None
    return "×".join(map(str, s)) if s else "()"


def shape(s: Sequence[Value], opts: Options, at: int | None = 0) -> str:
    """A shape for people (``16 × ⌊H/2⌋ × 8``); --format plain converts whole lines to ASCII.
    ``at``: where --batch puts the batch axis (a row's ``batch_axis``; None, not known: first)."""
    if opts.batch is None:  # most tables: sizes that are whole numbers
        text = whole_axes(s)
        if text is not None:
            return text
    dims = [dim(d) for d in s]
    if opts.batch is not None:
        dims.insert(min(at or 0, len(dims)), str(opts.batch))
    return axes(dims)


def weights(row: LayerResult, opts: Options) -> str:
    """``32×1×5×5, 32``; frozen weights in brackets; another layer's weights by its name
    (``shared with cls_p3.0``, ``tied to wte``), since they are counted there."""
    if row.shared_with is not None:  # a layer's, or a block use's (each of its layers is too)
        return f"shared with {row.shared_with}"
    if row.is_block:
        return ""
    parts = []
    for w in row.weights:
        text = f"tied to {w.shared}" if w.shared is not None else \
            whole_axes(w.shape) or axes([dim(d) for d in w.shape])
        text = text if w.trainable else f"({text})"
        parts.append(text if w.repeat == 1 else f"{text} ×{w.repeat:,}")
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
    text = _ACTIVATIONS.get(n)  # an exact int: equal ones write alike
    if text is None:
        text = f"{count(n)} ({human_bytes(n * BYTES_PER_ELEMENT)})"
        if len(_ACTIVATIONS) >= 1_000:
            _ACTIVATIONS.clear()
        _ACTIVATIONS[n] = text
    return text


# elements -> their cell (a conv's output, its norm's and its activation's are the same size)
_ACTIVATIONS: dict[int, str] = {}


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


def output_cell(row: LayerResult, opts: Options) -> str:
    """The output shape; a layer with several outputs lists them (``2 of 16×8×8``, or ``a, b``).
    A `parameter` has no batch axis: with --batch it shows as 1 (it broadcasts over the batch)."""
    if row.batchless and opts.batch is not None:
        opts = replace(opts, batch=1)
    if row.parts is None:
        return shape(row.output, opts, row.batch_axis)
    texts = [shape(p, opts, row.batch_axis) for p in row.parts]
    return f"{len(texts)} of {texts[0]}" if len(set(texts)) == 1 else ", ".join(texts)


def _memory_total(res: Result, opts: Options) -> str:
    """The forward pass's activations; --batch multiplies all but the batchless tensors (parameters)."""
    if opts.batch is None:
        return activations(res.memory, opts)
    free = num.total([r.memory for r in res.layers if r.batchless and r.memory is not None])
    return activations(batched(res.memory - free, opts) + free, replace(opts, batch=None))


column(Column("shape", "Output shape",
              lambda r, res, o: output_cell(r, o) if r.shape_known else "unknown"))
column(Column("weights", "Weights", lambda r, res, o: weights(r, o)))
column(Column("params", "Params", lambda r, res, o: count(r.params),
              lambda res, o: count(res.total_params), numeric=True))
column(Column("macs", "MACs", lambda r, res, o: count(batched(r.macs, o)),
              lambda res, o: count(batched(res.total_macs, o)), numeric=True))
# the propagator stores these two on each row (the receptive field by convcalc.engine.receptive_field)
column(Column("memory", "Activations",
              lambda r, res, o: activations(r.memory, replace(o, batch=None) if r.batchless else o),
              _memory_total, numeric=True))
column(Column("rf", "RF /stride", lambda r, res, o: receptive_field(r)))


def parse_columns(text: str) -> tuple[str, ...]:
    """``shape,params,macs`` -> checked column keys."""
    from ..errors import SpecError, did_you_mean

    keys = tuple(k.strip().lower() for k in text.split(",") if k.strip())
    for k in keys:
        if k not in COLUMNS:
            raise SpecError(f"--columns: unknown column `{k}`" + did_you_mean(k, COLUMNS)
                            + f"; choose from {', '.join(COLUMNS)}", code="bad-columns")
    return keys


def visible_rows(result: Result, opts: Options) -> list[LayerResult]:
    rows = result.table_rows()
    if opts.depth is None:
        return rows
    return [r for r in rows if r.depth <= opts.depth]




def title(result: Result) -> str:
    """``models/net.yaml — tiny — pytorch, channels first, input 1×28×28``: file, name, how it is read."""
    parts = [result.source]
    if result.name and result.name != result.source:
        parts.append(result.name)
    inputs = ", ".join(
        f"{k} {shape(v, Options())}" if len(result.inputs) > 1 else shape(v, Options())
        for k, v in result.inputs.items()
    )
    framework = result.framework
    if result.framework_inferred_from is not None:  # "keras, inferred from Conv2D at 1:1"
        framework += f", inferred from {result.framework_inferred_from}"
    parts.append(f"{framework}, {result.layout.replace('_', ' ')}, input {inputs}")
    return " — ".join(parts)
