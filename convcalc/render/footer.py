"""The lines under a table: totals, the chosen columns' sums, free names, expectations."""

from __future__ import annotations

from ..core.result import Result
from .cells import COLUMNS, count, params_size
from .options import Options


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
    lines.extend(batch_axis_lines(result, opts))
    return lines


def batch_axis_lines(result: Result, opts: Options) -> list[str]:
    """--batch: the layers whose batch axis position convcalc does not know (shown first)."""
    if opts.batch is None:
        return []
    unknown = [r.name for r in result.layers if r.batch_axis is None]
    if not unknown:
        return []
    names = ", ".join(unknown[:3]) + (f" and {len(unknown) - 3:,} more" if len(unknown) > 3 else "")
    return [f"Batch axis shown first, but not known, for {names}: they read a tensor whose batch axis is "
            "second (PyTorch's batch_first=False layout), and convcalc does not model how they read it"]


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


