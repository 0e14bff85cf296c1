"""Column layout shared by the table and plain renderers.

One place decides how wide each column is and how a cell sits in it: the plain
renderer uses the natural widths as they are; the table renderer also squeezes
them into the console width with rich's own rule (``fit``), so the grid it
draws itself wraps exactly where ``rich.table.Table`` used to.  Pure string
arithmetic: no rich import, so ``--format plain`` stays rich-free.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def column_widths(lengths: Iterable[Sequence[int]]) -> list[int]:
    """The widest cell of each column, given every row's cell lengths (the header is a row)."""
    return [max(column) for column in zip(*lengths, strict=True)]


def align(cell: str, length: int, width: int, right: bool) -> str:
    """``cell`` (``length`` columns on screen) padded with spaces to ``width``.

    Numeric columns are right-aligned (padded on the left), text columns left-aligned.
    """
    pad = " " * (width - length)
    return pad + cell if right else cell + pad


def ratio_reduce(total: int, ratios: list[int], maximums: list[int], values: list[int]) -> list[int]:
    """Take ``total`` off ``values`` in proportion to ``ratios``, at most ``maximums`` each.

    The same rounding as ``rich._ratio.ratio_reduce`` (which is private), so a wrapped
    table keeps rich's column widths to the character.
    """
    ratios = [ratio if cap else 0 for ratio, cap in zip(ratios, maximums, strict=True)]
    total_ratio = sum(ratios)
    if not total_ratio:
        return values[:]
    remaining = total
    result: list[int] = []
    for ratio, cap, value in zip(ratios, maximums, values, strict=True):
        if ratio and total_ratio > 0:
            taken = min(cap, round(ratio * remaining / total_ratio))
            result.append(value - taken)
            remaining -= taken
            total_ratio -= ratio
        else:
            result.append(value)
    return result


def fit(widths: list[int], wrapable: list[bool], max_width: int) -> list[int]:
    """Column widths whose sum is at most ``max_width``, chosen as ``rich.table`` chooses them.

    First the widest wrapable column shrinks to the next widest, repeatedly (text columns
    wrap, a no-wrap column keeps its width); if that is not enough, every column gives up
    the excess evenly.
    """
    if sum(widths) <= max_width:
        return widths
    total = sum(widths)
    excess = total - max_width
    if any(wrapable):
        while total and excess > 0:
            widest = max(w for w, ok in zip(widths, wrapable, strict=True) if ok)
            second = max(w if ok and w != widest else 0 for w, ok in zip(widths, wrapable, strict=True))
            ratios = [1 if (w == widest and ok) else 0 for w, ok in zip(widths, wrapable, strict=True)]
            if not any(ratios) or not widest - second:
                break
            widths = ratio_reduce(excess, ratios, [min(excess, widest - second)] * len(widths), widths)
            total = sum(widths)
            excess = total - max_width
    if total > max_width:
        widths = ratio_reduce(total - max_width, [1] * len(widths), widths, widths)
    return widths
