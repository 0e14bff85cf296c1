"""Side branches in a lane under the main path: ResNet's downsample, U-Net's crops, Inception's arms.

The main path is the longest chain of drawn tensors from an input to an output
(through the ``from:`` edges).  A *branch* is a short chain of other tensors
that leaves the main path at one tensor and joins it again at one merge: it is
drawn in a lane below the row of that merge, right-aligned before it, with an
arrow down from the tensor it really reads and an arrow up into the merge it
really feeds.  Everything else (chains that never rejoin, such as a detection
head's second output, or heads read from inputs of their own) stays in line.

Stages are renumbered so that the main row's stages come first, in their order,
and the lane stages after them: ``b == a + 1`` still means neighbours in a row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from xml.sax.saxutils import quoteattr

from ..core.result import Result
from ..textsafe import visible
from .layout import Stage, gap, kernel_edge, text_width

MAX_BRANCH = 8  # stages in one lane chain; a longer detour stays in line
CLEAR = 10.0  # room each side of a connector that runs between two labels


@dataclass
class Branch:
    """A lane chain: its stages (in order), the main stages it reads, the merge it feeds."""

    stages: list[int]
    sources: list[int]
    consumer: int
    lane: int = 1
    span: tuple[float, float] = (0.0, 0.0)  # x from its first connector to the merge
    yc: float = 0.0
    extra: dict[str, float] = field(default_factory=dict)


def _output_stages(result: Result, stages: list[Stage]) -> set[int]:
    from ..render.mermaid import aliases

    alias = aliases(result)
    owner = {lr.name: st.index for st in stages for lr in st.layers}
    owner.update({st.name: st.index for st in stages if st.main is None})
    return {owner[alias.get(n, n)] for n in result.outputs if alias.get(n, n) in owner}


def main_path(stages: list[Stage], outputs: set[int]) -> set[int]:
    """The longest chain of stages ending at an output (ties: the later reader, so the nearer one)."""
    best: dict[int, int] = {}
    for st in stages:  # stages come in a topological order: sources before readers
        best[st.index] = 1 + max((best[s] for s in st.sources), default=0)
    ends = sorted(outputs) or [st.index for st in stages]
    if not ends:
        return set()
    cur: int | None = max(ends, key=lambda i: (best[i], -i))
    path = set()
    while cur is not None:
        path.add(cur)
        srcs = stages[cur].sources
        cur = max(srcs, key=lambda s: (best[s], s)) if srcs else None
    return path


def find_branches(result: Result, stages: list[Stage]) -> list[Branch]:
    """Every short chain off the main path that leaves it and joins it again (old stage numbers)."""
    outputs = _output_stages(result, stages)
    main = main_path(stages, outputs)
    readers: dict[int, list[int]] = {st.index: [] for st in stages}
    for st in stages:
        for s in st.sources:
            readers[s].append(st.index)
    branches, taken = [], set(main)
    for st in stages:
        i = st.index
        if i in taken or not st.sources or not all(s in main for s in st.sources):
            continue
        chain = [i]
        while (len(readers[chain[-1]]) == 1 and chain[-1] not in outputs
               and readers[chain[-1]][0] not in main
               and stages[readers[chain[-1]][0]].sources == [chain[-1]]):
            chain.append(readers[chain[-1]][0])
        last = chain[-1]
        if (len(chain) <= MAX_BRANCH and last not in outputs and len(readers[last]) == 1
                and readers[last][0] in main):
            branches.append(Branch(chain, list(st.sources), readers[last][0]))
            taken.update(chain)
    return branches


def separate(result: Result, stages: list[Stage]) -> tuple[list[Stage], list[Branch], int]:
    """The stages renumbered (main row first, lanes after), the branches, the number in rows."""
    branches = find_branches(result, stages)
    in_lane = {i for br in branches for i in br.stages}
    order = [st for st in stages if st.index not in in_lane] + [
        stages[i] for br in branches for i in br.stages]
    new = {st.index: k for k, st in enumerate(order)}
    for st in order:
        st.index = new[st.index]
        st.sources = sorted(new[s] for s in st.sources)
    for br in branches:
        br.stages = [new[i] for i in br.stages]
        br.sources = sorted(new[s] for s in br.sources)
        br.consumer = new[br.consumer]
    for br in branches:  # room between labels for the connectors down and up
        for s in br.sources:
            if s + 1 < len(stages) - len(in_lane):
                order[s + 1].pad = max(order[s + 1].pad, CLEAR)
        order[br.consumer].pad = max(order[br.consumer].pad, CLEAR + _deficit(order, br))
    return order, branches, len(stages) - len(in_lane)


def chain_width(stages: list[Stage], br: Branch) -> float:
    sts = [stages[i] for i in br.stages]
    return sum(st.width for st in sts) + sum(gap(a, b) for a, b in pairwise(sts))


def _label_edges(st: Stage) -> tuple[float, float]:
    """Left and right of a stage's box and labels together."""
    c, half = st.x + st.width / 2, text_width(st.label_lines) / 2
    return min(st.x, c - half), max(st.x + st.width, c + half)


def _room(br: Branch, stages: list[Stage]) -> float:
    """Pixels a lane chain needs between its down connector and its merge's up connector."""
    sts = [stages[i] for i in br.stages]
    first_over = max(0.0, (text_width(sts[0].label_lines) - sts[0].width) / 2)
    last_over = max(0.0, (text_width(sts[-1].label_lines) - sts[-1].width) / 2)
    return chain_width(stages, br) + max(18.0, first_over + 8.0) + max(14.0, last_over + 8.0)


def _deficit(stages: list[Stage], br: Branch) -> float:
    """Extra room before the merge when the main stages between source and merge are too narrow."""
    src = max(br.sources)
    span = sum(stages[j].width + gap(stages[j], stages[j + 1]) for j in range(src, br.consumer)) \
        - stages[src].width - 2 * CLEAR
    return max(0.0, _room(br, stages) - span + 2 * CLEAR)


def down_x(stages: list[Stage], src: int) -> float:
    """Where the connector from ``src`` goes down: just right of its box and labels."""
    return _label_edges(stages[src])[1] + CLEAR


def up_x(stages: list[Stage], br: Branch) -> float:
    """Where the connector into the merge comes up: just left of its box and labels."""
    return _label_edges(stages[br.consumer])[0] - CLEAR


def stub(br: Branch, stages: list[Stage], labels: Mapping[int, str]) -> tuple[str, float]:
    """For a branch reading a tensor of an earlier row: its 'from NAME' label and the arrow's length.

    Such a tensor is not drawn near the lane (a U-Net's skip comes from several rows up), so the
    branch starts with a short labelled arrow, not a line from the margin across the whole row.
    """
    far = [labels[s] for s in br.sources if stages[s].row != stages[br.consumer].row]
    if not far:
        return "", 0.0
    text = "from " + ", ".join(far)
    return text, len(text) * CHAR + 14.0


CHAR = 5.6  # the width of a block-label character, as layout estimates text


def place(stages: list[Stage], branches: list[Branch], members: list[Stage], margin_x: float,
          labels: Mapping[int, str]) -> None:
    """x of every lane stage of one row, and its lane (1 just under the row), shifting the row if needed."""
    row = members[0].row
    pos = {st.index: k for k, st in enumerate(members)}
    for br in sorted(branches, key=lambda b: b.consumer):
        same = [s for s in br.sources if stages[s].row == row]
        start = max((down_x(stages, s) for s in same), default=margin_x)
        start = max(start, margin_x + stub(br, stages, labels)[1])
        need = start + _room(br, stages) - up_x(stages, br)
        if need > 0:  # the row moves right from the merge on
            for st in members[pos[br.consumer]:]:
                st.x += need
    placed: list[Branch] = []
    for br in sorted(branches, key=lambda b: b.consumer):
        same = [s for s in br.sources if stages[s].row == row]
        start = min((down_x(stages, s) for s in same), default=margin_x)
        end = up_x(stages, br)
        sts = [stages[i] for i in br.stages]
        last_over = max(0.0, (text_width(sts[-1].label_lines) - sts[-1].width) / 2)
        x = end - max(14.0, last_over + 8.0) - chain_width(stages, br)
        for k, st in enumerate(sts):
            if k:
                x += gap(sts[k - 1], st)
            st.x = x
            x += st.width
        if not same:  # a short labelled arrow, not a line from the margin
            start = sts[0].x - stub(br, stages, labels)[1]
        br.span = (start, stages[br.consumer].x + stages[br.consumer].width / 2)
        br.lane = 1
        while any(o.lane == br.lane and o.span[0] < br.span[1] + 6 and br.span[0] < o.span[1] + 6
                  for o in placed):
            br.lane += 1
        placed.append(br)


@dataclass
class RowGeometry:
    yc: float  # the main row's box centre
    margin_x: float  # the left margin, where tensors from an earlier row come down
    names: Mapping[int, str]  # stage -> the name of the layer whose tensor it shows
    labels: Mapping[int, str]  # stage -> the name a spec reads it by (a block's, when it ends one)


Box = Callable[[list[Stage], float, float], None]
Kernel = Callable[[Stage, Stage, float], None]


def _attr(text: str) -> str:
    return quoteattr(visible(text))


def _f(v: float) -> str:
    text = f"{v:.1f}"
    return text[:-2] if text.endswith(".0") else text


def lane_heights(stages: list[Stage], branches: list[Branch], lane: int,
                 edges: list[tuple[int, int]]) -> tuple[float, float, float]:
    """(room above the box centre, below it, label height) of one lane."""
    from .layout import text_height

    sts = [stages[i] for br in branches if br.lane == lane for i in br.stages]
    kernels = any(kernel_edge(stages[a], stages[b]) for a, b in edges
                  if stages[b] in sts and b == a + 1 and stages[a] in sts)
    up = max(st.h / 2 + st.dx for st in sts) + (16.0 if kernels else 6.0)
    return up, max(st.h / 2 for st in sts), max(text_height(st.label_lines) for st in sts)


def draw_lanes(parts: list[str], stages: list[Stage], branches: list[Branch],
               edges: list[tuple[int, int]], geo: RowGeometry, y: float,
               box: Box, kernel: Kernel, window: Callable[[Stage], str],
               text: Callable[[float, float, str, str, str], None]) -> float:
    """The lanes under a row (boxes, labels, connectors); returns the y below them."""
    lanes = sorted({br.lane for br in branches})
    lane_yc: dict[int, float] = {}
    for lane in lanes:
        up, down, label_h = lane_heights(stages, branches, lane, edges)
        yc = y + 10.0 + up
        lane_yc[lane] = yc
        sts = [stages[i] for br in branches if br.lane == lane for i in br.stages]
        box(sts, yc, yc + down + 20.0)
        y = yc + down + 20.0 + label_h
    yc = geo.yc
    for br in branches:
        ly = br.yc = lane_yc[br.lane]
        sts = [stages[i] for i in br.stages]
        for a, b in pairwise(br.stages):  # flow inside the chain
            sa, sb = stages[a], stages[b]
            if kernel_edge(sa, sb):
                kernel(sa, sb, ly)
            else:
                parts.append(f'<line class="flow" x1="{_f(sa.x + sa.t + sa.dx / 2)}" '
                             f'y1="{_f(ly - sa.dx / 2)}" x2="{_f(sb.x - 2)}" y2="{_f(ly)}" '
                             'marker-end="url(#arrow)"/>')
        first, last, cons = sts[0], sts[-1], stages[br.consumer]
        far_text, far_len = stub(br, stages, geo.labels)
        x0 = first.x - far_len
        for s in br.sources:  # down from the real source, under its box and beside its labels
            sa = stages[s]
            if sa.row == cons.row:
                sx, bottom = sa.x + (sa.width / 2 if sa.kind == "merge" else sa.t / 2), yc + sa.h / 2
                x0 = min(x0, down_x(stages, s))
                d = (f"M{_f(sx)},{_f(bottom)} V{_f(bottom + 7)} H{_f(down_x(stages, s))} "
                     f"V{_f(ly)} H{_f(first.x - 3)}")
                parts.append(f'<path class="branch" data-from={_attr(geo.names[s])} '
                             f'data-to={_attr(head(first))} d="{d}" marker-end="url(#arrow)"/>')
        if far_text:  # from an earlier row: a short arrow under its source's name
            far = ",".join(geo.names[s] for s in br.sources if stages[s].row != cons.row)
            start = first.x - far_len
            text(start, ly - 5, far_text, "block-label", "start")
            parts.append(f'<path class="branch" data-from={_attr(far)} '
                         f'data-to={_attr(head(first))} '
                         f'd="M{_f(start)},{_f(ly)} H{_f(first.x - 3)}" marker-end="url(#arrow)"/>')
        label = window(first) if first.family in ("conv", "pool", "up") and first.main.windows else ""
        if label and not far_text and (first.x - x0) > len(label) * 5.3 + 14:
            text((x0 + first.x) / 2, ly - 5, label, "kernel-label", "middle")
        cx = cons.x + (cons.width / 2 if cons.kind == "merge" else cons.t / 2)
        bottom = yc + cons.h / 2
        d = (f"M{_f(last.x + last.t + last.dx / 2)},{_f(ly - last.dx / 2)} H{_f(up_x(stages, br))} "
             f"V{_f(bottom + 8)} H{_f(cx)} V{_f(bottom + 1)}")
        parts.append(f'<path class="branch" data-from={_attr(geo.names[br.stages[-1]])} '
                     f'data-to={_attr(head(cons))} d="{d}" marker-end="url(#arrow)"/>')
    return y


def read_as(result: Result, names: Mapping[int, str]) -> dict[int, str]:
    """The name a spec reads each stage's tensor by: the outermost block it ends, else its layer's."""
    from ..render.mermaid import aliases

    ends: dict[str, str] = {}
    for block, layer in aliases(result).items():
        if layer not in ends or len(block) < len(ends[layer]):
            ends[layer] = block
    return {i: ends.get(n, n) for i, n in names.items()}


def head(st: Stage) -> str:
    """The name of the layer that reads a stage's input (its first; the input's own name)."""
    return st.layers[0].name if st.layers else st.name


def shown(st: Stage) -> str:
    """The name of the tensor a stage shows: its last layer's (or the input's)."""
    return st.layers[-1].name if st.layers else st.name
