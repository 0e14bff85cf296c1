"""The table's block rows: each block use's (and named repeat's) row, with its layers' totals,
above its layers.  Built once from the propagated layers, in O(1) a group when the counts are
whole numbers (prefix sums), however deep the nesting."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..arith import num
from ..core.result import LayerResult
from ..core.types import Shape

Value = num.Value


def block_rows(
    layers: Sequence[LayerResult],
    opening: Mapping[int, Sequence[Any]],
    group_sources: Mapping[str, tuple[str, ...]],
    tensors: Mapping[str, Shape],
) -> list[LayerResult]:
    """Table rows: each group's row (with its layers' totals) above its layers."""
    columns = {"params": [r.params for r in layers], "trainable": [r.trainable for r in layers],
               "macs": [r.macs for r in layers]}
    prefix = {k: _prefix_sums(v) for k, v in columns.items()}

    def total(key: str, first: int, last: int) -> Value:
        sums = prefix[key]
        if sums is not None:  # all whole numbers: O(1) per group, however deep the nesting
            return sums[last] - sums[first - 1]
        return sum(columns[key][first - 1 : last], 0)

    rows: list[LayerResult] = []
    for row in layers:
        for g in sorted(opening.get(row.index, ()), key=lambda g: g.depth):
            sources = group_sources[g.name]
            rows.append(LayerResult(
                index=g.first,
                name=g.name,
                type=g.type,
                label=g.label,
                sources=sources,
                input_shapes=tuple(tensors[s] for s in sources),
                output=layers[g.last - 1].output,
                parts=layers[g.last - 1].parts,
                weights=(),
                params=total("params", g.first, g.last),
                trainable=total("trainable", g.first, g.last),
                macs=total("macs", g.first, g.last),
                loc=g.loc,
                block=g.parent,
                depth=g.depth,
                span=(g.first, g.last),
                shared_with=g.shared_with,
                batch_axis=layers[g.last - 1].batch_axis,
            ))
        rows.append(row)
    return rows


def _prefix_sums(values: Sequence[Value]) -> list[int] | None:
    if not all(num.is_int(v) for v in values):
        return None
    out = [0]
    for v in values:
        out.append(out[-1] + v)
    return out
