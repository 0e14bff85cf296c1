"""``--draw FILE.svg``: a paper-style picture of the feature maps, in plain SVG.

In the manner of the LeNet and AlexNet figures: every feature map is a box
drawn in oblique projection whose height, receding depth and thickness grow
with its height, width and channels (log-scaled, so a 224×224×3 input and a
7×7×512 map both stay readable); the kernel a conv or pool layer slides is a
small box on the map it reads, with lines to the map it makes; vectors
(flatten, dense) are bars; merges such as ``add`` are circles; skips and
branches are arrows over the top.

Shape-preserving, single-input layers without a window (activations,
normalisation, dropout) are folded into the box of the layer before them
and named under it: one box per tensor a reader of the paper would draw.
Long networks wrap onto several rows, breaking only where a single tensor
flows on (so no skip arrow crosses a row break).

The SVG is text written here (no drawing library, no fonts embedded) and
the same spec always gives the same bytes.  Symbolic sizes are labelled
with their expressions; the geometry uses the smallest valid size of each
free name (``result.valid``), or 32 when that is unknown.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from . import num
from .render import common as C
from .result import LayerResult, Result, Shape

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
    "other": "#e5e5e5",
}
FAMILY_NAMES = {
    "input": "input", "conv": "convolution", "up": "upsampling", "pool": "pooling",
    "norm": "normalisation", "dense": "dense", "flat": "reshape", "merge": "merge",
    "other": "other",
}
MERGE_SYMBOLS = {"add": "+", "sum": "+", "multiply": "×", "mul": "×", "subtract": "−",
                 "sub": "−", "average": "avg", "mean": "avg", "maximum": "max", "max": "max",
                 "minimum": "min", "min": "min"}


# ---------------------------------------------------------------- sizes
def representative_sizes(result: Result) -> dict[str, int]:
    """The value drawn for each free name: its smallest valid value, else DEFAULT_SIZE."""
    sizes: dict[str, int] = {}
    for name in result.free_names:
        info = result.valid.get(name) if isinstance(result.valid, Mapping) else None
        low = info.get("min") if isinstance(info, Mapping) else None
        sizes[name] = low if num.is_int(low) and low >= 1 else DEFAULT_SIZE
    return sizes


def concrete(v: num.Value, sizes: Mapping[str, int]) -> int:
    """A size as a positive int for the geometry (symbolic ones at the representative sizes)."""
    if num.is_int(v):
        return max(v, 1)
    try:
        value = v.subs({num.symbol(k): s for k, s in sizes.items()})
        return max(int(value), 1)
    except (TypeError, ValueError, AttributeError):
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
    if layer is None:
        return "input"
    t = layer.type.lower()
    if len(layer.sources) > 1:
        return "merge"
    if "transpose" in t or "upsampl" in t or "deconv" in t:
        return "up"
    if "pool" in t:
        return "pool"
    if t.startswith("conv"):
        return "conv"
    if "norm" in t or t in ("bn",):
        return "norm"
    if t in ("dense", "linear", "embedding") or "rnn" in t or "lstm" in t or "gru" in t:
        return "dense"
    if t in ("flatten", "reshape", "permute", "squeeze", "unsqueeze"):
        return "flat"
    return "other"


def _split(shape: Shape, layout: str) -> tuple[num.Value, tuple[num.Value, ...]]:
    if layout == "channels_last":
        return shape[-1], tuple(shape[:-1])
    return shape[0], tuple(shape[1:])


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
        and layer.block == main.block
    )


def build_stages(result: Result, sizes: Mapping[str, int]) -> list[Stage]:
    from .render.mermaid import aliases

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
        c, spatial = _split(st.shape, layout)
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
    for part in text.replace(", ", ",\x00").split("\x00"):
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


def _labels(st: Stage) -> list[tuple[str, str]]:
    lines = [("shape", t) for t in shape_lines(C.shape(st.shape, C.Options()))]
    main = st.main
    if main is None:
        lines.append(("op", "input" if st.name == "input" else f"input {st.name}"))
        return lines
    lines.extend(("op", t) for t in wrap(short_label(main.label)))
    if len(st.layers) > 1:
        folded = " + ".join(short_label(lr.label) for lr in st.layers[1:])
        lines.extend(("fold", t) for t in wrap("+ " + folded))
    return lines


CHAR_W = {"shape": 7.0, "op": 5.6, "fold": 5.3}
LINE_H = {"shape": 15.0, "op": 12.0, "fold": 11.5}


def text_width(lines: Iterable[tuple[str, str]]) -> float:
    return max((len(t) * CHAR_W[k] for k, t in lines), default=0.0)


def text_height(lines: Iterable[tuple[str, str]]) -> float:
    return sum(LINE_H[k] for k, _ in lines)


# ---------------------------------------------------------------- layout
def _edges(stages: list[Stage]) -> list[tuple[int, int]]:
    return [(s, st.index) for st in stages for s in st.sources]


def _kernel_edge(a: Stage, b: Stage) -> bool:
    main = b.main
    return (b.sources == [a.index] and a.kind == "map" and main is not None
            and main.windows is not None and b.row == a.row)


def split_rows(stages: list[Stage], edges: list[tuple[int, int]], max_width: float) -> None:
    """Assign rows of about equal width, breaking only where one tensor flows on.

    A break after stage ``i`` is allowed when every edge across it starts at
    ``i`` (its readers in the next row are reached from the row link).
    """
    n = len(stages)
    if not n:
        return
    cuts = {i for i in range(n - 1)
            if all(a == i for a, b in edges if a <= i < b) and (i, i + 1) in edges}
    cum = [0.0]
    for j in range(n):
        cum.append(cum[-1] + stages[j].width + (_gap(stages[j - 1], stages[j]) if j else 0.0))
    total = cum[-1]
    k = max(1, math.ceil(total / max_width))
    target = total / k
    row, start = 0, 0
    while start < n:
        end = n - 1
        if cum[n] - cum[start] > max_width:
            options = [c for c in sorted(cuts) if c >= start and cum[c + 1] - cum[start] <= 1.3 * target]
            if options:
                best = min(options, key=lambda c: (abs(cum[c + 1] - cum[start] - target), c))
                if cum[best + 1] - cum[start] >= 0.45 * target:
                    end = best
        for j in range(start, end + 1):
            stages[j].row = row
        row, start = row + 1, end + 1


def _gap(a: Stage, b: Stage) -> float:
    """Space between two neighbouring boxes: room for the kernel lines and both labels."""
    base = 46.0 if b.main is not None and b.main.windows is not None else 30.0
    need = (text_width(a.label_lines) + text_width(b.label_lines)) / 2 + 12.0
    return max(base, need - (a.width + b.width) / 2)


def _arc_levels(arcs: list[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """Nested skips get higher arcs: level 1 + the highest arc inside (or overlapping) a span."""
    levels: dict[tuple[int, int], int] = {}
    for a, b in sorted(arcs, key=lambda e: (e[1] - e[0], e)):
        inner = [lv for (c, d), lv in levels.items() if c < b and d > a]
        levels[(a, b)] = 1 + max(inner, default=0)
    return levels


# ---------------------------------------------------------------- svg pieces
def _f(v: float) -> str:
    text = f"{v:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _pts(points: Iterable[tuple[float, float]]) -> str:
    return " ".join(f"{_f(x)},{_f(y)}" for x, y in points)


def _shade(colour: str, factor: float) -> str:
    """Lighter (factor > 0, towards white) or darker (factor < 0) version of ``#rrggbb``."""
    rgb = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    if factor >= 0:
        rgb = [round(c + (255 - c) * factor) for c in rgb]
    else:
        rgb = [round(c * (1 + factor)) for c in rgb]
    return "#" + "".join(f"{c:02x}" for c in rgb)


def cuboid(x: float, y0: float, t: float, h: float, dx: float, colour: str, cls: str) -> list[str]:
    """Front face, top and right side of a box whose front face has top-left corner (x, y0)."""
    front = [(x, y0), (x + t, y0), (x + t, y0 + h), (x, y0 + h)]
    top = [(x, y0), (x + dx, y0 - dx), (x + t + dx, y0 - dx), (x + t, y0)]
    right = [(x + t, y0), (x + t + dx, y0 - dx), (x + t + dx, y0 + h - dx), (x + t, y0 + h)]
    out = []
    for face, fill in ((top, _shade(colour, 0.45)), (right, _shade(colour, -0.18)), (front, colour)):
        if face is not front and dx <= 0:
            continue
        out.append(f'<polygon class="{cls}" points="{_pts(face)}" fill="{fill}"/>')
    return out


@dataclass
class Canvas:
    parts: list[str] = field(default_factory=list)
    width: float = 0.0
    height: float = 0.0

    def add(self, *items: str) -> None:
        self.parts.extend(items)

    def text(self, x: float, y: float, text: str, cls: str, anchor: str = "middle") -> None:
        self.parts.append(f'<text class="{cls}" x="{_f(x)}" y="{_f(y)}" text-anchor="{anchor}">'
                          f"{escape(text)}</text>")


STYLE = f"""
  text {{ font-family: {FONT}; fill: #222; }}
  .title {{ font-size: 17px; font-weight: bold; }}
  .subtitle {{ font-size: 11px; fill: #555; }}
  .shape {{ font-size: 12px; font-weight: bold; }}
  .op {{ font-size: 10px; fill: #444; }}
  .fold {{ font-size: 9.5px; fill: #777; font-style: italic; }}
  .kernel-label {{ font-size: 9.5px; fill: #b2182b; }}
  .block-label {{ font-size: 10px; fill: #555; }}
  .legend {{ font-size: 10px; fill: #444; }}
  .merge-symbol {{ font-size: 15px; font-weight: bold; }}
  polygon, circle, rect.bar {{ stroke: #333; stroke-width: 0.7; stroke-linejoin: round; }}
  polygon.kernel {{ stroke: #b2182b; stroke-width: 0.9; }}
  line.proj {{ stroke: #b2182b; stroke-width: 0.6; stroke-dasharray: 3 2; }}
  path.flow, line.flow {{ fill: none; stroke: #555; stroke-width: 1.2; }}
  path.skip {{ fill: none; stroke: #2166ac; stroke-width: 1.3; }}
  path.bracket {{ fill: none; stroke: #888; stroke-width: 1; }}
"""


def _title(result: Result, sizes: Mapping[str, int]) -> tuple[str, str]:
    name = result.name or result.source
    title = f"{name} — {C.count(result.total_params)} parameters"
    inputs = ", ".join(C.shape(s, C.Options()) for s in result.inputs.values())
    sub = f"{result.framework}, {result.layout.replace('_', ' ')}, input {inputs}"
    if result.trainable_params != result.total_params:
        sub += f"; {C.count(result.trainable_params)} trainable"
    if sizes:
        drawn = ", ".join(f"{k} = {v}" for k, v in sizes.items())
        sub += f"; drawn with {drawn}"
    return title, sub


def _block_spans(result: Result, stages: list[Stage]) -> list[tuple[str, int, list[Stage]]]:
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


def draw(result: Result) -> str:
    """The SVG text of a result's drawing."""
    sizes = representative_sizes(result)
    stages = build_stages(result, sizes)
    for st in stages:
        st.label_lines = _labels(st)
    edges = _edges(stages)
    split_rows(stages, edges, MAX_ROW_WIDTH)
    n_rows = stages[-1].row + 1 if stages else 0
    blocks = _block_spans(result, stages)

    cv = Canvas()
    title, sub = _title(result, sizes)
    cv.text(MARGIN, 32, title, "title", "start")
    cv.text(MARGIN, 50, sub, "subtitle", "start")
    y = 66.0
    left = MARGIN + (24.0 if n_rows > 1 else 0.0)
    row_yc: dict[int, float] = {}
    row_top: dict[int, float] = {}
    for r in range(n_rows):
        members = [st for st in stages if st.row == r]
        x = left
        for i, st in enumerate(members):
            if i:
                x += _gap(members[i - 1], st)
            st.x = x
            x += st.width
        cv.width = max(cv.width, x + MARGIN)
        arcs = [(a, b) for a, b in edges if stages[b].row == r and b != a + 1]
        levels = _arc_levels(arcs)
        up = max(st.h / 2 + st.dx for st in members)
        down = max(st.h / 2 for st in members)
        arc_room = 16.0 + 14.0 * max(levels.values(), default=0) if arcs else 0.0
        has_kernel_label = any(_kernel_edge(stages[a], stages[b]) for a, b in edges
                               if stages[b].row == r and b == a + 1)
        yc = y + arc_room + up + (16.0 if has_kernel_label else 6.0)
        row_yc[r] = yc
        row_top[r] = y
        ty = yc + down + 20.0
        _draw_row(cv, stages, members, edges, levels, (yc, ty), sizes, (left - 16.0, y + 4.0))
        label_h = max(text_height(st.label_lines) for st in members)
        cv.width = max(cv.width, *(st.x + (st.width + text_width(st.label_lines)) / 2 + MARGIN
                                   for st in members))
        y = ty + label_h
        y = _draw_brackets(cv, blocks, members, y)
        y += 26.0
    _draw_row_links(cv, stages, row_yc, row_top, left)
    y = _draw_legend(cv, stages, y)
    cv.height = y + 14.0
    cv.width = max(cv.width, 460.0)
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{_f(cv.width)}" '
            f'height="{_f(cv.height)}" viewBox="0 0 {_f(cv.width)} {_f(cv.height)}">')
    defs = ('<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
            'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
            'fill="#555"/></marker><marker id="arrow-skip" viewBox="0 0 10 10" refX="9" refY="5" '
            'markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path '
            'd="M0,0 L10,5 L0,10 z" fill="#2166ac"/></marker></defs>')
    body = "\n".join(cv.parts)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n{head}\n<title>{escape(title)}</title>\n'
            f'<style>{STYLE}</style>\n{defs}\n'
            f'<rect width="100%" height="100%" fill="white"/>\n{body}\n</svg>\n')


def _stage_title(st: Stage) -> str:
    shape_text = C.shape(st.shape, C.Options())
    if st.main is None:
        return f"{st.name}: {shape_text}"
    return "; ".join(f"{lr.name}: {lr.label} → {C.shape(lr.output, C.Options())}" for lr in st.layers)


def _draw_row(cv: Canvas, stages: list[Stage], members: list[Stage],
              edges: list[tuple[int, int]], levels: Mapping[tuple[int, int], int],
              ys: tuple[float, float],
              sizes: Mapping[str, int], link: tuple[float, float]) -> None:
    """One row: boxes with their labels, then kernels, arrows and skips (``ys``: centre, labels)."""
    yc, ty = ys
    # boxes, left to right so nearer faces overlap correctly
    for st in members:
        names = " ".join(lr.name for lr in st.layers) or st.name
        cv.add(f'<g class="stage" data-layers={quoteattr(names)} data-row="{st.row}">',
               f"<title>{escape(_stage_title(st))}</title>")
        colour = COLOURS[st.family]
        if st.kind == "merge":
            r = st.t / 2
            cx = st.x + r
            sym = MERGE_SYMBOLS.get(st.main.type.lower() if st.main else "", "")
            sym = sym or (st.main.type[:3] if st.main else "?")
            cv.add(f'<circle cx="{_f(cx)}" cy="{_f(yc)}" r="{_f(r)}" fill="{colour}"/>')
            cv.text(cx, yc + 5, sym, "merge-symbol")
        else:
            cv.add(*cuboid(st.x, yc - st.h / 2, st.t, st.h, st.dx, colour, st.kind))
        yy = ty
        for cls, text in st.label_lines:
            cv.text(st.x + st.width / 2, yy, text, cls)
            yy += LINE_H[cls]
        cv.add("</g>")
    # flow between neighbours: kernel + projection lines, or an arrow
    for a, b in edges:
        sa, sb = stages[a], stages[b]
        if sb.row != members[0].row or sa.row != sb.row or b != a + 1:
            continue
        if _kernel_edge(sa, sb):
            _draw_kernel(cv, sa, sb, yc, sizes)
        else:
            x1 = sa.x + sa.t + sa.dx / 2
            y1 = yc - sa.dx / 2
            x2 = sb.x - 2
            cv.add(f'<line class="flow" x1="{_f(x1)}" y1="{_f(y1)}" x2="{_f(x2)}" y2="{_f(yc)}" '
                   'marker-end="url(#arrow)"/>')
    # skips and branches over the top
    outs: dict[int, int] = {}
    ins: dict[int, int] = {}
    for (a, b), level in sorted(levels.items()):
        sa, sb = stages[a], stages[b]
        span = [st for st in stages[a:b + 1] if st.row == sb.row]
        peak = min(st.top(yc) for st in span) - 12.0 - 14.0 * (level - 1)
        oa, ob = outs.get(a, 0), ins.get(b, 0)
        outs[a], ins[b] = oa + 1, ob + 1
        x1 = sa.x + sa.t / 2 + sa.dx / 2 + 5.0 * oa
        x2 = sb.x + sb.t / 2 + sb.dx / 2 - 5.0 * ob
        y1 = sa.top(yc) + sa.dx / 2 if sa.kind != "merge" else yc - sa.t / 2
        y2 = sb.top(yc) + sb.dx / 2 if sb.kind != "merge" else yc - sb.t / 2
        rr = 6.0
        if sa.row != sb.row:  # the tensor arrives by the row link, at the left margin
            start = f"M{_f(link[0])},{_f(peak)} "
        else:
            start = (f"M{_f(x1)},{_f(y1)} V{_f(peak + rr)} Q{_f(x1)},{_f(peak)} "
                     f"{_f(x1 + rr)},{_f(peak)} ")
        d = (f"{start}H{_f(x2 - rr)} Q{_f(x2)},{_f(peak)} {_f(x2)},{_f(peak + rr)} "
             f"V{_f(y2 - 1)}")
        cv.add(f'<path class="skip" d="{d}" marker-end="url(#arrow-skip)"/>')


def _draw_kernel(cv: Canvas, sa: Stage, sb: Stage, yc: float, sizes: Mapping[str, int]) -> None:
    """The window of ``sb``'s layer as a small box on ``sa``, with lines to ``sb``."""
    main = sb.main
    if main is None or main.windows is None:
        return
    ks = [concrete(w.kernel, sizes) for w in main.windows]
    strides = [w.stride for w in main.windows]
    kh = ks[-2] if len(ks) >= 2 else ks[0]
    kw = ks[-1] if len(ks) >= 2 else 1
    hh, ww = sa.rows_hw
    kh_px = min(max(sa.h * kh / hh, 5.0), sa.h * 0.8)
    kd = min(max(sa.dx * kw / ww, 2.5), sa.dx * 0.8) if sa.dx > 0 else 0.0
    kt = min(sa.t, 9.0 if sb.family == "conv" else 4.0)
    y0 = yc - sa.h / 2
    kx = sa.x + sa.t - kt
    ky = y0 + (sa.h - kh_px) * 0.3
    cv.add('<g class="kernel">', *cuboid(kx, ky, kt, kh_px, kd, "#f4a3a3", "kernel"))
    apex_x = sb.x + min(sb.t * 0.35, 8.0) if sb.kind != "merge" else sb.x
    apex_y = yc - sb.h / 2 + sb.h * 0.35 if sb.kind != "merge" else yc
    for px, py in ((kx + kt, ky), (kx + kt + kd, ky - kd), (kx + kt, ky + kh_px)):
        cv.add(f'<line class="proj" x1="{_f(px)}" y1="{_f(py)}" x2="{_f(apex_x)}" '
               f'y2="{_f(apex_y)}"/>')
    cv.add("</g>")
    label = "×".join(C.dim(w.kernel) for w in main.windows)
    if any(s != 1 for s in strides):
        stride = strides[0] if len(set(map(str, strides))) == 1 else "×".join(map(C.dim, strides))
        label += f" /{C.dim(stride) if not isinstance(stride, str) else stride}"
    mid = (sa.x + sa.width + sb.x) / 2
    cv.text(mid, min(ky - kd, apex_y) - 5.0, label, "kernel-label")


def _draw_brackets(cv: Canvas, blocks: list[tuple[str, int, list[Stage]]], members: list[Stage],
                   y: float) -> float:
    row = members[0].row
    spans = [(t, lv, [s for s in sts if s.row == row]) for t, lv, sts in blocks]
    spans = [(t, lv, sts) for t, lv, sts in spans if sts]
    if not spans:
        return y
    top_level = max(lv for _, lv, _ in spans)
    for t, lv, sts in spans:
        by = y + 8.0 + 26.0 * lv
        x1 = min(s.x for s in sts) - 6.0
        x2 = max(s.x + s.width for s in sts) + 6.0
        cv.add(f'<path class="bracket" d="M{_f(x1)},{_f(by - 5)} V{_f(by)} H{_f(x2)} '
               f'V{_f(by - 5)}"/>')
        cv.text((x1 + x2) / 2, by + 12.0, _fit(t, x2 - x1 + 16.0), "block-label")
    return y + 8.0 + 26.0 * top_level + 16.0


def _fit(title: str, width: float, char_w: float = 5.6) -> str:
    """A block title that fits its bracket: whole, else its name, else cut short."""
    if len(title) * char_w <= width:
        return title
    name = title.split(": ", 1)[0]
    if len(name) * char_w <= width:
        return name
    keep = max(int(width / char_w) - 1, 1)
    return name[:keep] + "…"


def _draw_row_links(cv: Canvas, stages: list[Stage], row_yc: Mapping[int, float],
                    row_top: Mapping[int, float], left: float) -> None:
    """The arrow from the end of one row to the start of the next."""
    for a, b in _edges(stages):
        sa, sb = stages[a], stages[b]
        if sa.row == sb.row or b != a + 1:
            continue
        x1, y1 = sa.x + sa.width + 4.0, row_yc[sa.row] - sa.dx / 2
        x2, y2 = sb.x - 3.0, row_yc[sb.row]
        xr = x1 + 12.0
        mid = row_top[sb.row] + 4.0
        xl = left - 16.0
        d = (f"M{_f(x1)},{_f(y1)} H{_f(xr)} V{_f(mid)} H{_f(xl)} V{_f(y2)} H{_f(x2)}")
        cv.add(f'<path class="flow" d="{d}" marker-end="url(#arrow)"/>')


def _draw_legend(cv: Canvas, stages: list[Stage], y: float) -> float:
    families = [f for f in COLOURS if any(st.family == f for st in stages)]
    x = MARGIN
    for fam in families:
        cv.add(f'<rect class="bar" x="{_f(x)}" y="{_f(y - 9)}" width="11" height="11" '
               f'fill="{COLOURS[fam]}"/>')
        cv.text(x + 16, y, FAMILY_NAMES[fam], "legend", "start")
        x += 26.0 + len(FAMILY_NAMES[fam]) * 5.6
    cv.add(f'<rect x="{_f(x)}" y="{_f(y - 9)}" width="11" height="11" fill="#f4a3a3" '
           'stroke="#b2182b"/>')
    cv.text(x + 16, y, "kernel (size /stride)", "legend", "start")
    return y + 6.0


def write(result: Result, path: str) -> None:
    """Write the drawing; UTF-8, ``\\n`` line ends, whatever the platform."""
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(draw(result))
