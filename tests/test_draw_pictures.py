"""``--draw`` on the bundled examples: golden SVGs, a width bound, no text over text, every layer once.

Text boxes are computed from the SVG's own coordinates with the font sizes of
its stylesheet and a generous width per character (Helvetica averages about
0.55 em), so two labels that would touch on screen fail the test.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from _cli import EXAMPLES, golden, run

import convcalc
from convcalc.draw import draw
from convcalc.draw.layout import COLOURS

SVG = "{http://www.w3.org/2000/svg}"
NAMES = ["lenet5", "resnet18", "unet", "retinanet_head", "alexnet", "vgg16", "mobilenet_v2",
         "densenet121", "yolov8n_backbone"]
SYMBOLIC = "3 x H x W | conv(8, 3) | relu | maxpool(2) | conv(16, 3, stride=2)"
GOLDEN = {"lenet5": str(EXAMPLES / "lenet5.yaml"), "resnet18": str(EXAMPLES / "resnet18.yaml"),
          "unet": str(EXAMPLES / "unet.yaml"), "retinanet_head": str(EXAMPLES / "retinanet_head.yaml"),
          "symbolic": SYMBOLIC}
FONT = {"title": 17, "subtitle": 11, "shape": 12, "op": 10, "fold": 9.5, "kernel-label": 9.5,
        "block-label": 10, "legend": 10, "merge-symbol": 15}
BOLD = {"title", "shape", "merge-symbol"}


def _tree(spec: str) -> tuple[convcalc.Result, str, ET.Element]:
    result = convcalc.analyze(spec)
    text = draw(result)
    return result, text, ET.fromstring(text)


def text_boxes(root: ET.Element) -> list[tuple[float, float, float, float, str]]:
    """(left, top, right, bottom, text) of every <text>, from its anchor, font size and length."""
    boxes = []
    for t in root.iter(SVG + "text"):
        cls = t.get("class", "")
        size = FONT[cls]
        w = len(t.text or "") * size * (0.6 if cls in BOLD else 0.55)
        x, y = float(t.get("x", 0)), float(t.get("y", 0))
        anchor = t.get("text-anchor", "start")
        left = x - w / 2 if anchor == "middle" else x - w if anchor == "end" else x
        boxes.append((left, y - 0.75 * size, left + w, y + 0.2 * size, t.text or ""))
    return boxes


def text_clashes(root: ET.Element) -> list[tuple[str, str]]:
    """The pairs of texts whose boxes overlap; each text must also lie within the drawing's width."""
    width = float(root.get("width", 0))
    boxes = sorted(text_boxes(root))
    clashes = []
    for i, a in enumerate(boxes):
        assert a[0] >= -1 and a[2] <= width + 1, f"{a[4]!r} leaves the drawing ({a[0]:.0f}..{a[2]:.0f})"
        for b in boxes[i + 1:]:
            if b[0] >= a[2] - 1:
                break
            if a[1] < b[3] - 1 and b[1] < a[3] - 1:
                clashes.append((a[4], b[4]))
    return clashes


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden_svg(name: str) -> None:
    golden(f"draw/{name}.svg", draw(convcalc.analyze(GOLDEN[name])))


@pytest.mark.parametrize("name", NAMES)
def test_width_bound_and_every_layer_once(name: str) -> None:
    result, _, root = _tree(str(EXAMPLES / f"{name}.yaml"))
    width = float(root.get("width", 0))
    assert width <= 2000, width  # long networks wrap onto rows
    drawn = [n for g in root.iter(SVG + "g") if g.get("class") == "stage"
             for n in g.get("data-layers", "").split()]
    names = [lr.name for lr in result.layers]
    assert sorted(drawn) == sorted(names + [n for n in result.inputs if n not in names])


@pytest.mark.parametrize("name", [*NAMES, "symbolic"])
def test_no_text_overlaps_text(name: str) -> None:
    spec = SYMBOLIC if name == "symbolic" else str(EXAMPLES / f"{name}.yaml")
    _, _, root = _tree(spec)
    clashes = text_clashes(root)
    assert not clashes, clashes[:10]


def _segments(d: str) -> list[tuple[float, float, float, float]]:
    """The straight pieces of an ``M x,y H x V y ...`` path."""
    x = y = 0.0
    out = []
    for op, a, b in re.findall(r"([MHV])([-\d.]+)(?:,([-\d.]+))?", d):
        nx, ny = (float(a), float(b)) if op == "M" else (float(a), y) if op == "H" else (x, float(a))
        if op != "M":
            out.append((min(x, nx), min(y, ny), max(x, nx), max(y, ny)))
        x, y = nx, ny
    return out


@pytest.mark.parametrize("name", ["unet", "retinanet_head", "densenet121", "mobilenet_v2"])
def test_row_links_cross_no_label(name: str) -> None:
    _, _, root = _tree(str(EXAMPLES / f"{name}.yaml"))
    links = [p.get("d", "") for p in root.iter(SVG + "path") if p.get("class") == "flow"]
    assert links  # these wrap
    boxes = text_boxes(root)
    for d in links:
        for x1, y1, x2, y2 in _segments(d):
            for left, top, right, bottom, text in boxes:
                assert not (x1 < right and left < x2 and y1 < bottom and top < y2), (text, d)


def test_the_overlap_check_sees_overlaps() -> None:
    root = ET.fromstring('<svg xmlns="http://www.w3.org/2000/svg"><text class="op" x="10" y="20">'
                         'conv2d(64, 3)</text><text class="op" x="40" y="24">relu</text></svg>')
    (a, b) = sorted(text_boxes(root))
    assert a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_full_labels_and_folded_dropout() -> None:
    _, _, root = _tree(str(EXAMPLES / "alexnet.yaml"))
    ops = " ".join(t.text or "" for t in root.iter(SVG + "text") if t.get("class") == "op")
    assert all(p in ops for p in ("conv2d(64, 11,", "stride=4,", "padding=2)"))  # wrapped, whole
    boxes = [g.get("data-layers", "") for g in root.iter(SVG + "g") if g.get("class") == "stage"]
    assert not any(b.split()[0].rpartition(".")[2].startswith("dropout") for b in boxes if b)
    assert any("dropout" in b for b in boxes)  # folded into the box before it


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_example_draws(path: Path) -> None:
    root = ET.fromstring(draw(convcalc.analyze(str(path))))  # llama_block's attention: windows ()
    assert float(root.get("width", 0)) <= 2000


def test_input_and_other_differ() -> None:
    assert COLOURS["input"] != COLOURS["other"]


def test_symbolic_title_fits() -> None:
    spec = "3 x Height x Width | conv(8, 3) | maxpool(2)"
    _, _, root = _tree(spec)
    width = float(root.get("width", 0))
    for _, _, right, _, text in text_boxes(root):
        assert right <= width, (text, right, width)


def test_png_refused_or_written(tmp_path: Path) -> None:
    import importlib.util

    out = tmp_path / "x.png"
    r = run(str(EXAMPLES / "lenet5.yaml"), "--draw", str(out))
    if importlib.util.find_spec("cairosvg") is None:
        assert r.status == 2 and not out.exists()
        assert ".svg" in r.err and 'convcalc[png]' in r.err and "draw-png-needs-cairosvg" in r.err
    else:
        assert r.status == 0 and out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    r = run(str(EXAMPLES / "lenet5.yaml"), "--draw", str(tmp_path / "x.jpg"))
    assert r.status == 2 and ".svg" in r.err and not (tmp_path / "x.jpg").exists()
    assert re.search(r"not \.jpg", r.err)


def test_legend_only_of_what_appears() -> None:
    _, text, _ = _tree("1x28x28 | flatten | dense(32) | relu | dense(10)")
    assert "kernel (size /stride)" not in text and ">convolution<" not in text
    assert ">dense<" in text and ">reshape<" in text
    assert "kernel (size /stride)" in draw(convcalc.analyze(GOLDEN["lenet5"]))


def test_stride_2_at_a_stage_start_is_shown() -> None:
    _, _, root = _tree(GOLDEN["resnet18"])
    labels = [t.text for t in root.iter(SVG + "text") if t.get("class") == "kernel-label"]
    # the max-pool, and the 3x3 /2 convolutions that read a stage's ⊕ (layer2.0, layer3.0;
    # layer4.0 starts a row here, where the row link brings its input)
    assert labels.count("3×3 /2") >= 3, labels
