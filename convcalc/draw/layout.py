"""Where each feature map of the drawing goes: sizes, stages (one box per tensor), labels, rows."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ..arith import num
from ..core.framework import split_channels
from ..core.result import LayerResult, Result, Shape
from ..render.cells import shape
from ..render.options import Options

DEFAULT_SIZE = 32
MAX_ROW_WIDTH = 1400.0
MARGIN = 30.0
OBLIQUE = math.sqrt(0.5)  # receding axis at 45°
FONT = "Helvetica, Arial, sans-serif"
LABEL_CHARS = 18  # wrap layer labels at about this many characters

# fill colours per layer family (ColorBrewer-like, readable in print)
COLOURS = {
    "input": "#d9d9d9",
    "conv": "#9ecae1",
    "up": "#80cdc1",
    "pool": "#fdae6b",
    "norm": "#dadaeb",
    "dense": "#a1d99b",
    "flat": "#c6b6dd",
    "merge": "#fee391",
    "other": "#f1b6da",  # not the input's grey: a reader must tell them apart
}
FAMILY_NAMES = {
    "input": "input", "conv": "convolution", "up": "upsampling", "pool": "pooling",
    "norm": "normalisation", "dense": "dense", "flat": "reshape", "merge": "merge",
    "other": "other",
}


# ---------------------------------------------------------------- sizes
def representative_sizes(result: Result) -> dict[str, int]:
    """The value drawn for each free name: its smallest valid value, else DEFAULT_SIZE."""
    sizes: dict[str, int] = {}
    for name in result.free_names:
        info = result.valid.get(name) if isinstance(result.valid, Mapping) else None
        low = info.get("min") if isinstance(info, Mapping) else None
        sizes[name] = low if num.is_int(low) and low >= 1 else DEFAULT_SIZE if low is None else max(low, 1)
    return sizes


# The largest size the geometry uses: the pixels grow with its logarithm, and beyond a float's
# range (1.8e308) the arithmetic would overflow; the labels still show the exact sizes.
MAX_GEOMETRY = 2**1000


def concrete(v: num.Value, sizes: Mapping[str, int]) -> int:
    """A size as a positive int for the geometry (symbolic ones at the representative sizes)."""
    if num.is_int(v):
        return min(max(v, 1), MAX_GEOMETRY)
    try:
        value = v.subs({s: sizes[str(s)] for s in v.free_symbols if str(s) in sizes})  # ranged names too
        return min(max(int(value), 1), MAX_GEOMETRY)
    except (TypeError, ValueError, AttributeError, OverflowError):
        return DEFAULT_SIZE


def _log(n: int) -> float:
    return math.log2(max(n, 1))


def side(n: int) -> float:
    """Pixels for a spatial size (front-face height, and depth before projection)."""
    return 8.0 + 15.0 * _log(n)


def thickness(c: int) -> float:
    return 3.0 + 5.0 * math.log2(c + 1)


def bar_height(n: int) -> float:
    return 8.0 + 9.0 * math.log2(n + 1)


# ---------------------------------------------------------------- stages
@dataclass
class Stage:
    """One drawn tensor: an input, or a layer with the shape-preserving layers folded into it."""

    index: int
    name: str
    layers: list[LayerResult]  # empty for an input
    shape: Shape
    kind: str  # "map" | "vector" | "merge"
    family: str
    sources: list[int] = field(default_factory=list)
    # geometry (pixels); for a merge, t is the diameter
    t: float = 0.0
    h: float = 0.0
    dx: float = 0.0
    rows_hw: tuple[int, int] = (1, 1)  # concrete (H, W) drawn
    x: float = 0.0
    row: int = 0
    pad: float = 0.0  # extra room before this box (a branch's connector passes there)
    label_lines: list[tuple[str, str]] = field(default_factory=list)  # (css class, text)

    @property
    def main(self) -> LayerResult | None:
        return self.layers[0] if self.layers else None

    @property
    def width(self) -> float:
        return self.t + self.dx

    def top(self, yc: float) -> float:
        return yc - self.h / 2 - self.dx

    def bottom(self, yc: float) -> float:
        return yc + self.h / 2


def family(layer: LayerResult | None) -> str:
    """The colour family of a drawn layer: its type's own (``Layer.drawing``), or ``input``."""
    if layer is None:
        return "input"
    if len(layer.sources) > 1:  # a layer reading several tensors draws as where they meet
        return "merge"
    return layer.drawing if layer.drawing in COLOURS else "other"


def _foldable(layer: LayerResult, stage: Stage, readers: Mapping[str, int],
              alias: Mapping[str, str]) -> bool:
    """A layer that a paper figure would not draw as a box of its own."""
    main = stage.main
    source = alias.get(layer.sources[0], layer.sources[0]) if layer.sources else ""
    return (
        main is not None
        and len(layer.sources) == 1
        and source == stage.layers[-1].name
        and readers.get(source, 0) == 1
        and layer.windows is None
        and layer.output == layer.input_shapes[0]
        and (not layer.weights or family(layer) == "norm")
        # a weightless layer (dropout, an activation) folds even as the first of a block
        and (layer.block == main.block or not layer.weights)
    )


def build_stages(result: Result, sizes: Mapping[str, int]) -> list[Stage]:
    from ..render.mermaid import aliases

    alias = aliases(result)
    readers: dict[str, int] = {}
    for layer in result.layers:
        for s in layer.sources:
            readers[alias.get(s, s)] = readers.get(alias.get(s, s), 0) + 1
    for name in result.outputs:
        readers[alias.get(name, name)] = readers.get(alias.get(name, name), 0) + 1
    stages: list[Stage] = []
    owner: dict[str, int] = {}  # tensor name -> stage index
    for name, shp in result.inputs.items():
        owner[name] = len(stages)
        stages.append(Stage(len(stages), name, [], shp, "", "input"))
    for layer in result.layers:
        last = stages[-1] if stages else None
        if last is not None and _foldable(layer, last, readers, alias):
            last.layers.append(layer)
            owner[layer.name] = last.index
            continue
        st = Stage(len(stages), layer.name, [layer], layer.output, "", family(layer))
        st.sources = sorted({owner[alias.get(s, s)] for s in layer.sources})
        owner[layer.name] = st.index
        stages.append(st)
    for st in stages:
        _geometry(st, result.layout, sizes)
    return stages


def _geometry(st: Stage, layout: str, sizes: Mapping[str, int]) -> None:
    main = st.main
    if (main is not None and st.family == "merge" and len(main.input_shapes) > 1
            and all(s == main.output for s in main.input_shapes)):
        st.kind, st.t, st.h = "merge", 24.0, 24.0
        return
    if len(st.shape) >= 2:
        c, spatial = split_channels(st.shape, layout)
        hw = [concrete(v, sizes) for v in spatial[-2:]]
        hh, ww = (hw[0], hw[1]) if len(hw) == 2 else (hw[0], 1)
        st.kind, st.rows_hw = "map", (hh, ww)
        st.t = thickness(concrete(c, sizes))
        st.h = side(hh)
        st.dx = 0.45 * side(ww) * OBLIQUE
        return
    n = concrete(num.prod(st.shape), sizes) if st.shape else 1
    st.kind, st.t, st.h, st.dx = "vector", 9.0, bar_height(n), 4.0


# ---------------------------------------------------------------- text
def wrap(text: str, width: int = LABEL_CHARS) -> list[str]:
    """Break a label after commas so it fits under a box."""
    if len(text) <= width:
        return [text]
    out, line = [], ""
    for part in text.replace(", ", ",\x00").replace(" + ", "\x00+ ").split("\x00"):
        if line and len(line) + len(part) > width:
            out.append(line.rstrip())
            line = ""
        line += part + " "
    out.append(line.rstrip())
    return out


KEEP_KEYWORDS = ("stride", "groups", "dilation")


def _top_level_split(text: str) -> list[str]:
    """``64, [1, 2], stride=2`` -> its top-level comma-separated parts."""
    parts, depth, cur = [], 0, ""
    for ch in text:
        depth += ch in "([{"
        depth -= ch in ")]}"
        if ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    parts.append(cur.strip())
    return [p for p in parts if p]


def short_label(label: str) -> str:
    """A layer label for a figure: the required arguments, and stride/groups/dilation."""
    head, paren, rest = label.partition("(")
    if not paren or not rest.endswith(")"):
        return label
    kept = [p for p in _top_level_split(rest[:-1])
            if "=" not in p or p.split("=", 1)[0].strip() in KEEP_KEYWORDS]
    return f"{head}({', '.join(kept)})" if kept else head


def shape_lines(text: str, width: int = 14) -> list[str]:
    """A long (symbolic) shape broken after its ``×`` signs."""
    if len(text) <= width or " × " not in text:
        return [text]
    dims = text.split(" × ")
    out, line = [], ""
    for d in dims:
        if line and len(line) + len(d) > width:
            out.append(line + " ×")
            line = ""
        line = f"{line} × {d}" if line else d
    out.append(line)
    return out


def stage_labels(st: Stage) -> list[tuple[str, str]]:
    lines = [("shape", t) for t in shape_lines(shape(st.shape, Options()))]
    main = st.main
    if main is None:
        lines.append(("op", "input" if st.name == "input" else f"input {st.name}"))
        return lines
    lines.extend(("op", t) for t in wrap(main.label))  # the whole label, wrapped, never cut
    if len(st.layers) > 1:
        folded = " + ".join(lr.label for lr in st.layers[1:])
        lines.extend(("fold", t) for t in wrap("+ " + folded))
    return lines


CHAR_W = {"shape": 7.0, "op": 5.6, "fold": 5.3}
LINE_H = {"shape": 15.0, "op": 12.0, "fold": 11.5}


def text_width(lines: Iterable[tuple[str, str]]) -> float:
    return max((len(t) * CHAR_W[k] for k, t in lines), default=0.0)


def text_height(lines: Iterable[tuple[str, str]]) -> float:
    return sum(LINE_H[k] for k, _ in lines)


# ---------------------------------------------------------------- layout
def stage_edges(stages: list[Stage]) -> list[tuple[int, int]]:
    return [(s, st.index) for st in stages for s in st.sources]


def kernel_edge(a: Stage, b: Stage) -> bool:
    main = b.main
    return (b.sources == [a.index] and a.kind == "map" and main is not None
            and bool(main.windows) and b.row == a.row)  # a window-less attention has ()


def split_rows(stages: list[Stage], edges: list[tuple[int, int]], max_width: float) -> None:
    """Assign rows of about equal width, each at most ``max_width`` where a break can be found.

    A break after stage ``i`` is best where every edge across it starts at ``i``
    (one tensor flows on, reached from the row link); failing that (a U-Net's
    skips span the whole network) where ``i`` feeds ``i + 1``, the skips then
    arriving from the left margin; failing that anywhere.
    """
    n = len(stages)
    if not n:
        return
    clean = {i for i in range(n - 1)
             if all(a == i for a, b in edges if a <= i < b) and (i, i + 1) in edges}
    flowing = {i for i in range(n - 1) if (i, i + 1) in edges}
    cum = [0.0]
    for j in range(n):
        cum.append(cum[-1] + stages[j].width + (gap(stages[j - 1], stages[j]) if j else 0.0))
    total = cum[-1]
    k = max(1, math.ceil(total / max_width))
    target = total / k
    row, start = 0, 0
    while start < n:
        end = n - 1
        if cum[n] - cum[start] > max_width:
            end = _cut(start, cum, target, max_width, (clean, flowing, set(range(n - 1))))
        for j in range(start, end + 1):
            stages[j].row = row
        row, start = row + 1, end + 1


def _cut(start: int, cum: list[float], target: float, max_width: float,
         pools: tuple[set[int], ...]) -> int:
    """The last stage of the row starting at ``start``: the first pool with a break near ``target``."""
    width = lambda c: cum[c + 1] - cum[start]  # noqa: E731
    high = min(1.3 * target, max_width)
    for pool in pools:
        options = [c for c in pool if c >= start and 0.45 * target <= width(c) <= high]
        if options:
            return min(options, key=lambda c: (abs(width(c) - target), c))
    fits = [c for c in range(start, len(cum) - 2) if width(c) <= max_width]
    return max(fits, default=start)


def gap(a: Stage, b: Stage) -> float:
    """Space between two neighbouring boxes: room for the kernel lines and both labels."""
    base = 46.0 if b.main is not None and b.main.windows is not None else 30.0
    need = (text_width(a.label_lines) + text_width(b.label_lines)) / 2 + 12.0
    return max(base, need - (a.width + b.width) / 2) + b.pad


def arc_levels(arcs: list[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """Nested skips get higher arcs: level 1 + the highest arc inside (or overlapping) a span."""
    levels: dict[tuple[int, int], int] = {}
    for a, b in sorted(arcs, key=lambda e: (e[1] - e[0], e)):
        inner = [lv for (c, d), lv in levels.items() if c < b and d > a]
        levels[(a, b)] = 1 + max(inner, default=0)
    return levels


def block_spans(result: Result, stages: list[Stage]) -> list[tuple[str, int, list[Stage]]]:
    """(block title, nesting level, stages) for every block row, innermost level 0."""
    rows = [r for r in result.table_rows() if r.is_block]
    if not rows:
        return []
    parent = {r.name: r.block for r in rows}
    members: dict[str, list[Stage]] = {r.name: [] for r in rows}
    for st in stages:
        b = st.main.block if st.main is not None else None
        while b is not None and b in members:
            members[b].append(st)
            b = parent.get(b)

    def height(name: str) -> int:
        kids = [r.name for r in rows if r.block == name]
        return 1 + max((height(k) for k in kids), default=-1)

    out = []
    for r in rows:
        if members[r.name]:
            title = r.name if r.label in (r.name, "") else f"{r.name}: {r.label}"
            out.append((title, height(r.name), members[r.name]))
    return out
