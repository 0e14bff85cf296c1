"""``--explain``: a layer's formulas with the numbers put in, then how its parameters add up."""

from __future__ import annotations

from collections.abc import Sequence

from .._regex import LazyPattern
from ..arith import num
from ..core.result import LayerResult
from ..core.types import Weight
from ..errors import SpecError
from .ascii import ascii_text
from .cells import count, dim, factor
from .options import Options


def explain_lines(row: LayerResult, opts: Options | None = None,
                  named: set[tuple[str, str]] | None = None) -> list[str]:
    """The rule of each formula of a layer (once), the formula with its numbers on each axis,
    then how its parameters add up.  ``named``: the symbols already named earlier in the same
    output (a renderer passes one set for a whole table, so each symbol is named once)."""
    lines = _explain(row, set() if named is None else named)
    return lines if opts is None or opts.pretty else [ascii_text(line) for line in lines]


def explained_rows(rows: Sequence[LayerResult], opts: Options, pretty: bool = True) -> dict[int, list[str]]:
    """The explain lines of a table, by position in ``rows``: the layers ``--explain-layer``
    chose (all with ``--explain``), each symbol named once for the whole table."""
    if not opts.explain:
        return {}
    named: set[tuple[str, str]] = set()
    out = {}
    for i, row in enumerate(rows):
        if not chosen(row, opts):
            continue
        lines = explain_lines(row, opts if not pretty else None, named)
        if lines:
            out[i] = lines
    return out


def chosen(row: LayerResult, opts: Options) -> bool:
    """Whether ``--explain-layer`` (when given) names this row, by name or row number."""
    wanted = opts.explain_layers
    return not wanted or row.name in wanted or (not row.is_block and str(row.index) in wanted)


def check_selection(rows: Sequence[LayerResult], wanted: Sequence[str]) -> None:
    """Every ``--explain-layer`` names a layer (by name or row number), else an error naming the
    closest names."""
    names = [r.name for r in rows]
    numbers = {str(r.index) for r in rows if not r.is_block}
    for w in wanted:
        if w in names or w in numbers:
            continue
        import difflib  # only for a name that is no layer's

        close = difflib.get_close_matches(w, names, n=3, cutoff=0.5)
        hint = f"; the closest: {', '.join(close)}" if close else ""
        what = f"no row {w}: the rows are 1 to {len(numbers)}" if w.isdigit() else f"no layer is named {w!r}"
        raise SpecError(f"--explain-layer {w}: {what}{hint}", code="unknown-explain-layer")


def _explain(row: LayerResult, named: set[tuple[str, str]]) -> list[str]:
    lines: list[str] = []
    ruled: set[str] = set()
    for step in row.steps:
        if step.formula is not None and step.formula.name not in ruled:
            ruled.add(step.formula.name)
            lines.append(f"rule: {step.formula.rule(named)}")
        lines.append(step.text(dim))
    if row.is_block:
        if row.span is not None:
            first, last = row.span
            lines.append(f"params: the sum of its layers {first} to {last}, {count(row.params)}")
        return lines
    for w in row.weights:
        if w.shared is not None:
            lines.append(f"{w.name}: {'shared with' if row.shared_with else 'tied to'} {w.shared} "
                         "(counted there)")
    own = [w for w in row.weights if w.shared is None]
    trainable = [w for w in own if w.trainable]
    frozen = [w for w in own if not w.trainable]
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


_STACK = LazyPattern(r"_(l\d+(?:-l\d+)?(?:_reverse)?)$")


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
    """``params: weight 32·1·5·5 = 800, bias 32, total 832``: each weight's shape multiplied
    out, then the sum (the form the Params column shows); a weight repeated N times (a deep
    stack of equal layers) is written ``N·…``."""
    terms = []
    for w in group:
        times = "" if w.repeat == 1 else f"{w.repeat:,}·"
        term = f"{w.name} {times}{'·'.join(factor(dim(d)) for d in w.shape) or 1}"  # a 0-d weight: 1
        if len(w.shape) > 1 or w.repeat != 1:
            term += f" = {count(w.size)}"
        terms.append(term)
    if len(group) > 1:
        terms.append(f"total {count(num.total([w.size for w in group]))}")
    return f"{label}: {', '.join(terms)}"


