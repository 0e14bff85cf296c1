"""One name's valid values: the JSON ``valid`` entry, its sentence and a membership test."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .names import name_range


class ValidSet(dict):  # type: ignore[type-arg]
    """The JSON ``valid`` entry of one name, plus its sentence and an exact membership test."""

    text: str = ""
    low: int = 1  # the least value the name may take (its declared range)
    head: frozenset[int] = frozenset()  # valid values below `start`
    start: int = 1  # from here on, validity repeats with `period`
    residues: tuple[bool, ...] = ()  # validity of start, start + 1, ... one period long

    def __contains__(self, v: object) -> bool:
        if not isinstance(v, int) or isinstance(v, bool):
            return dict.__contains__(self, v)
        if v in self.head:
            return True
        period = len(self.residues)
        return bool(period) and v >= self.start and self.residues[(v - self.start) % period]


def describe(x: Any, period: int | None, residues: list[bool], frm: int,
              head: Sequence[int]) -> ValidSet:
    """The JSON entry and its sentence (``max`` only when the valid values are bounded)."""
    name = str(x)
    low = name_range(x)[0]
    if period is None:  # finite set
        values = list(head)
        out = ValidSet(min=values[0], max=values[-1], period=None, first=values[:4])
        out.head, out.low = frozenset(values), low
        if values == list(range(values[0], values[-1] + 1)):
            out.text = (f"{name} = {values[0]}" if len(values) == 1
                        else f"{values[0]} ≤ {name} ≤ {values[-1]}")
        elif len(values) <= 8:
            out.text = f"{name} ∈ {{{', '.join(map(str, values))}}}"
        else:
            out.text = (f"{name} ∈ {{{', '.join(map(str, values[:6]))}, …, {values[-1]}}} "
                        f"({len(values)} values)")
        return out
    first: list[int] = list(head[:4])
    v = frm
    while len(first) < 4:
        if residues[(v - frm) % period]:
            first.append(v)
        v += 1
    out = ValidSet(min=first[0], period=period, first=first)
    out.head, out.start, out.residues, out.low = frozenset(head), frm, tuple(residues), low
    offs = [i for i, ok in enumerate(residues) if ok]
    if head or len(offs) != 1:
        listed = [*head[:6]]
        v = frm
        while len(listed) < 6:
            if residues[(v - frm) % period]:
                listed.append(v)
            v += 1
        out.text = f"{name} ∈ {{{', '.join(map(str, listed))}, …}} (period {period} from {frm})"
        return out
    lo = frm + offs[0]
    r = lo % period
    if period == 1:
        out.text = f"{name} ≥ {lo}" if lo > low else ""
    elif period == 2:
        out.text = f"{name} {'even' if r == 0 else 'odd'}" + (f", {name} ≥ {lo}" if lo >= low + 2 else "")
    else:
        m0 = (lo - r) // period
        body = f"{period}m" + (f" + {r}" if r else "")
        out.text = f"{name} = {body}, m ≥ {m0}"
    return out
