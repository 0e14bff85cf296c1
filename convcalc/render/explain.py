"""``--explain``: a layer's formulas with the numbers put in, then how its parameters add up."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..arith import num
from ..core.result import LayerResult
from ..core.types import Weight
from .ascii import ascii_text
from .cells import count, dim, factor
from .options import Options


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


_STACK = re.compile(r"_(l\d+(?:-l\d+)?(?:_reverse)?)$")


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
    terms = [f"{w.name} {'' if w.repeat == 1 else f'{w.repeat:,}·'}"
             f"{'·'.join(factor(dim(d)) for d in w.shape)}" for w in group]
    sizes = [w.size for w in group]
    total = num.total(sizes)  # the form the Params column shows
    partial = ""
    if len(group) > 1 and all(num.is_int(n) for n in sizes):
        partial = " = " + " + ".join(count(n) for n in sizes)
    return f"{label}: {' + '.join(terms)}{partial} = {count(total)}"


