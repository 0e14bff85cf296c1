"""The SVG itself: boxes in oblique projection, kernels, arrows, brackets and the legend."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from xml.sax.saxutils import escape as _xml_escape
from xml.sax.saxutils import quoteattr as _xml_quoteattr

from ..core.result import Result
from ..errors import SpecError
from ..render.cells import axes, count, dim, shape
from ..render.options import Options
from ..textsafe import visible
from . import lanes
from .layout import (
    COLOURS,
    FAMILY_NAMES,
    FONT,
    LINE_H,
    MARGIN,
    MAX_ROW_WIDTH,
    Stage,
    arc_levels,
    block_spans,
    build_stages,
    concrete,
    gap,
    kernel_edge,
    representative_sizes,
    split_rows,
    stage_edges,
    stage_labels,
    text_height,
    text_width,
)


# ---------------------------------------------------------------- svg pieces
def escape(text: str) -> str:
    """Text for XML: control characters (invalid in XML 1.0) shown as ``\\x1b``, then ``&<>`` escaped."""
    return _xml_escape(visible(text))


def quoteattr(text: str) -> str:
    return _xml_quoteattr(visible(text))


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
  path.flow, line.flow, path.branch {{ fill: none; stroke: #555; stroke-width: 1.2; }}
  path.skip {{ fill: none; stroke: #2166ac; stroke-width: 1.3; }}
  path.bracket {{ fill: none; stroke: #888; stroke-width: 1; }}
"""


def _title(result: Result, sizes: Mapping[str, int]) -> tuple[str, str]:
    name = result.name or result.source
    title = f"{name} — {count(result.total_params)} parameters"
    inputs = ", ".join(shape(s, Options()) for s in result.inputs.values())
    sub = f"{result.framework}, {result.layout.replace('_', ' ')}, input {inputs}"
    if result.trainable_params != result.total_params:
        sub += f"; {count(result.trainable_params)} trainable"
    if sizes:
        drawn = ", ".join(f"{k} = {v}" for k, v in sizes.items())
        sub += f"; drawn with {drawn}"
    return title, sub


def draw(result: Result) -> str:
    """The SVG text of a result's drawing."""
    sizes = representative_sizes(result)
    stages = build_stages(result, sizes)
    for st in stages:
        st.label_lines = stage_labels(st)
    stages, branches, n_main = lanes.separate(result, stages)
    all_edges = stage_edges(stages)
    edges = [(a, b) for a, b in all_edges if b < n_main]  # the rows' own (lane stages come last)
    edges = [(a, b) for a, b in edges if a < n_main]
    # a branch's detour counts as an edge from its source to its merge: rows break elsewhere
    split_rows(stages[:n_main], sorted({*edges, *((s, br.consumer) for br in branches
                                                   for s in br.sources)}), MAX_ROW_WIDTH)
    for br in branches:
        for i in br.stages:
            stages[i].row = stages[br.consumer].row
    n_rows = stages[n_main - 1].row + 1 if stages else 0
    names = {st.index: lanes.shown(st) for st in stages}
    labels = lanes.read_as(result, names)
    blocks = block_spans(result, stages)

    cv = Canvas()
    title, sub = _title(result, sizes)
    cv.text(MARGIN, 32, title, "title", "start")
    cv.text(MARGIN, 50, sub, "subtitle", "start")
    y = 66.0
    left = MARGIN + (24.0 if n_rows > 1 else 0.0)
    row_yc: dict[int, float] = {}
    row_top: dict[int, float] = {}
    for r in range(n_rows):
        members = [st for st in stages[:n_main] if st.row == r]
        # the first label clear of the row link coming down the left margin
        x = left + (max(0.0, (text_width(members[0].label_lines) - members[0].width) / 2 - 8.0)
                    if n_rows > 1 else 0.0)
        for i, st in enumerate(members):
            if i:
                x += gap(members[i - 1], st)
            st.x = x
            x += st.width
        row_branches = [br for br in branches if stages[br.consumer].row == r]
        lanes.place(stages, row_branches, members, left - 16.0, labels)
        lane_members = [stages[i] for br in row_branches for i in br.stages]
        x = members[-1].x + members[-1].width
        cv.width = max(cv.width, x + MARGIN)
        arcs = [(a, b) for a, b in edges if stages[b].row == r and b != a + 1]
        levels = arc_levels(arcs)
        up = max(st.h / 2 + st.dx for st in members)
        down = max(st.h / 2 for st in members)
        arc_room = 16.0 + 14.0 * max(levels.values(), default=0) if arcs else 0.0
        has_kernel_label = any(kernel_edge(stages[a], stages[b]) for a, b in edges
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
        if row_branches:
            y = lanes.draw_lanes(cv.parts, stages, row_branches, all_edges,
                                 lanes.RowGeometry(yc, left - 16.0, names, labels), y,
                                 lambda sts, yc_, ty_: _draw_boxes(cv, sts, yc_, ty_),
                                 lambda sa, sb, yc_: _draw_kernel(cv, sa, sb, yc_, sizes),
                                 _window_label, cv.text)
        y = _draw_brackets(cv, blocks, members + lane_members, y)
        y += 26.0
    _draw_row_links(cv, stages, edges, row_yc, row_top, left)
    y = _draw_legend(cv, stages, y)
    cv.height = y + 14.0
    # titles that fit: the bold title at about 0.6 em a character, the subtitle likewise
    cv.width = max(cv.width, 460.0, 2 * MARGIN + len(title) * 10.2, 2 * MARGIN + len(sub) * 6.2)
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
    shape_text = shape(st.shape, Options())
    if st.main is None:
        return f"{st.name}: {shape_text}"
    return "; ".join(f"{lr.name}: {lr.label} → {shape(lr.output, Options())}" for lr in st.layers)


def _draw_row(cv: Canvas, stages: list[Stage], members: list[Stage],
              edges: list[tuple[int, int]], levels: Mapping[tuple[int, int], int],
              ys: tuple[float, float],
              sizes: Mapping[str, int], link: tuple[float, float]) -> None:
    """One row: boxes with their labels, then kernels, arrows and skips (``ys``: centre, labels)."""
    yc, ty = ys
    _draw_boxes(cv, members, yc, ty)
    _draw_flow(cv, stages, members, edges, yc, sizes)
    _draw_skips(cv, stages, levels, yc, link)


def _draw_boxes(cv: Canvas, members: list[Stage], yc: float, ty: float) -> None:
    """Boxes with their labels, left to right so nearer faces overlap correctly."""
    for st in members:
        names = " ".join(lr.name for lr in st.layers) or st.name
        cv.add(f'<g class="stage" data-layers={quoteattr(names)} data-row="{st.row}">',
               f"<title>{escape(_stage_title(st))}</title>")
        colour = COLOURS[st.family]
        if st.kind == "merge":
            r = st.t / 2
            cx = st.x + r
            # the type's own sign (Layer.glyph), else the start of its name
            sym = (st.main.glyph or st.main.type[:3]) if st.main else "?"
            cv.add(f'<circle cx="{_f(cx)}" cy="{_f(yc)}" r="{_f(r)}" fill="{colour}"/>')
            cv.text(cx, yc + 5, sym, "merge-symbol")
        else:
            cv.add(*cuboid(st.x, yc - st.h / 2, st.t, st.h, st.dx, colour, st.kind))
        yy = ty
        for cls, text in st.label_lines:
            cv.text(st.x + st.width / 2, yy, text, cls)
            yy += LINE_H[cls]
        cv.add("</g>")


def _draw_flow(cv: Canvas, stages: list[Stage], members: list[Stage], edges: list[tuple[int, int]],
               yc: float, sizes: Mapping[str, int]) -> None:
    """Flow between neighbours: kernel + projection lines, or an arrow."""
    for a, b in edges:
        sa, sb = stages[a], stages[b]
        if sb.row != members[0].row or sa.row != sb.row or b != a + 1:
            continue
        if kernel_edge(sa, sb):
            _draw_kernel(cv, sa, sb, yc, sizes)
        else:
            x1 = sa.x + sa.t + sa.dx / 2
            y1 = yc - sa.dx / 2
            x2 = sb.x - 2
            cv.add(f'<line class="flow" x1="{_f(x1)}" y1="{_f(y1)}" x2="{_f(x2)}" y2="{_f(yc)}" '
                   'marker-end="url(#arrow)"/>')
            if sb.main is not None and sb.main.windows and sb.sources == [sa.index]:
                # a window read from a merge (a ResNet stage's stride-2 start): its size and stride
                cv.text((x1 + x2) / 2, min(y1, yc) - 8.0, _window_label(sb), "kernel-label")


def _draw_skips(cv: Canvas, stages: list[Stage], levels: Mapping[tuple[int, int], int], yc: float,
                link: tuple[float, float]) -> None:
    """Skips over the top of the row (from the left margin when they come from an earlier row)."""
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
        ends = f"data-from={quoteattr(lanes.shown(sa))} data-to={quoteattr(lanes.head(sb))}"
        cv.add(f'<path class="skip" {ends} d="{d}" marker-end="url(#arrow-skip)"/>')


def _draw_kernel(cv: Canvas, sa: Stage, sb: Stage, yc: float, sizes: Mapping[str, int]) -> None:
    """The window of ``sb``'s layer as a small box on ``sa``, with lines to ``sb``."""
    main = sb.main
    if main is None or not main.windows:
        return
    ks = [concrete(w.kernel, sizes) for w in main.windows]
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
    mid = (sa.x + sa.width + sb.x) / 2
    cv.text(mid, min(ky - kd, apex_y) - 5.0, _window_label(sb), "kernel-label")


def _window_label(sb: Stage) -> str:
    """``3×3 /2``: the window's size, and its stride when not 1."""
    windows = sb.main.windows if sb.main is not None and sb.main.windows else ()
    strides = [w.stride for w in windows]
    label = axes([dim(w.kernel) for w in windows])
    if any(s != 1 for s in strides):
        stride = strides[0] if len(set(map(str, strides))) == 1 else axes([dim(s) for s in strides])
        label += f" /{dim(stride) if not isinstance(stride, str) else stride}"
    return label


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


def _draw_row_links(cv: Canvas, stages: list[Stage], edges: list[tuple[int, int]],
                    row_yc: Mapping[int, float], row_top: Mapping[int, float], left: float) -> None:
    """The arrow from the end of one row to the start of the next."""
    for a, b in edges:
        sa, sb = stages[a], stages[b]
        if sa.row == sb.row or b != a + 1:
            continue
        x1, y1 = sa.x + sa.width + 4.0, row_yc[sa.row] - sa.dx / 2
        x2, y2 = sb.x - 3.0, row_yc[sb.row]
        # down the right of the row's last labels, never through them
        xr = max(x1 + 12.0, sa.x + (sa.width + text_width(sa.label_lines)) / 2 + 8.0)
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
    if any(kernel_edge(stages[a], stages[b]) for a, b in stage_edges(stages) if b == a + 1):
        cv.add(f'<rect x="{_f(x)}" y="{_f(y - 9)}" width="11" height="11" fill="#f4a3a3" '
               'stroke="#b2182b"/>')
        cv.text(x + 16, y, "kernel (size /stride)", "legend", "start")  # only when one is drawn
    return y + 6.0


# Above this many layers --draw refuses (a 200,000-layer drawing took minutes and nobody could
# read it); 2,000 layers draw in about a second.
MAX_DRAWN_LAYERS = 2_000


def write(result: Result, path: str) -> None:
    """Write the drawing (UTF-8, ``\\n`` line ends, whatever the platform; a ``.png`` rasterised).

    Written to a temporary file beside ``path`` and renamed onto it: an interrupted run
    leaves the old drawing (or none), never an empty or half-written one.
    """
    import os
    import tempfile

    from .png import is_png, write_png

    if len(result.layers) > MAX_DRAWN_LAYERS:  # before any layout: a huge picture nobody can read
        raise SpecError(f"the network has {len(result.layers):,} layers; drawings are made of networks "
                        f"of up to {MAX_DRAWN_LAYERS:,} layers", code="too-large-to-draw")
    text = draw(result)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".convcalc-", suffix=os.path.splitext(path)[1] or ".svg", dir=folder)
    try:
        if is_png(path):
            os.close(fd)
            write_png(text, tmp)
        else:
            with open(fd, "w", encoding="utf-8", newline="\n") as f:
                f.write(text)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)  # as open() would have made it (mkstemp makes it private)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
