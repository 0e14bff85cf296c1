"""``--draw FILE.svg``: the drawing is well-formed SVG that shows every layer, without overlaps.

The SVG is read with xml.etree: each drawn tensor is a ``<g class="stage">``
naming the layers it shows (``data-layers``), holding its shape (polygons or
a circle) and its text labels.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from _cli import EXAMPLES, run
from test_diagrams import BRANCHES, RESIDUAL

import convcalc
from convcalc.draw import draw, short_label, wrap
from convcalc.render.cells import count, shape
from convcalc.render.options import Options

SVG = "{http://www.w3.org/2000/svg}"

UNET = """
name: tiny-unet
input: [1, H, H]
layers:
  - conv2d: {name: e1, out: 8, kernel: 3, padding: 1}
  - maxpool2d: 2
  - conv2d: {name: e2, out: 16, kernel: 3, padding: 1}
  - maxpool2d: 2
  - conv2d: {out: 32, kernel: 3, padding: 1}
  - conv_transpose2d: {out: 16, kernel: 2, stride: 2}
  - concat: {from: [-1, e2]}
  - conv2d: {out: 16, kernel: 3, padding: 1}
  - conv_transpose2d: {out: 8, kernel: 2, stride: 2}
  - concat: {from: [-1, e1]}
  - conv2d: {out: 2, kernel: 1}
"""

# long enough to wrap onto several rows
DEEP = "3x64x64 | " + " | ".join(["conv(64, 3, padding=1) | relu"] * 24) + " | flatten | dense(10)"

SPECS = {
    "lenet5": str(EXAMPLES / "lenet5.yaml"),
    "residual": RESIDUAL,
    "branches": BRANCHES,
    "unet": UNET,
    "deep": DEEP,
    "keras": "framework: keras\ninput: [28, 28, 1]\nlayers: [Conv2D: [32, 5, 2, same], "
             "MaxPooling2D: 2, Flatten, Dense: 10]\n",
    "conv1d": "4x50 | conv1d(8, 5, stride=3) | maxpool1d(2)",
}


def _svg(name: str) -> tuple[convcalc.Result, str, ET.Element]:
    result = convcalc.analyze(SPECS[name])
    text = draw(result)
    return result, text, ET.fromstring(text)


def _points(g: ET.Element) -> list[tuple[float, float]]:
    pts: list[tuple[float, float]] = []
    for poly in g.iter(f"{SVG}polygon"):
        for pair in poly.get("points", "").split():
            x, y = pair.split(",")
            pts.append((float(x), float(y)))
    for c in g.iter(f"{SVG}circle"):
        cx, cy, r = (float(c.get(k, "0")) for k in ("cx", "cy", "r"))
        pts += [(cx - r, cy - r), (cx + r, cy + r)]
    return pts


def _stages(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == "stage"]


@pytest.mark.parametrize("name", list(SPECS))
def test_every_layer_has_a_labelled_shape(name: str) -> None:
    result, _, root = _svg(name)
    shown: dict[str, ET.Element] = {}
    for g in _stages(root):
        assert _points(g), "a stage without a shape"
        for layer in g.get("data-layers", "").split():
            assert layer not in shown, f"{layer} drawn twice"
            shown[layer] = g
    assert set(shown) == {lr.name for lr in result.layers} | set(result.inputs)
    # each stage is labelled with the shape of the tensor it shows (its last layer's output)
    for layer in result.layers:
        g = shown[layer.name]
        last = g.get("data-layers", "").split()[-1]
        want = shape(result.layer(last).output, Options()).replace(" × ", "")
        texts = "".join(t.text or "" for t in g.iter(f"{SVG}text")).replace(" × ", "").replace(" ×", "")
        assert want.replace(" ", "") in texts.replace(" ", ""), (layer.name, want, texts)


@pytest.mark.parametrize("name", list(SPECS))
def test_no_boxes_overlap(name: str) -> None:
    _, _, root = _svg(name)
    boxes = []
    for g in _stages(root):
        xs, ys = zip(*_points(g), strict=True)
        boxes.append((min(xs), max(xs), min(ys), max(ys), g.get("data-layers")))
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            overlap_x = a[0] < b[1] and b[0] < a[1]
            overlap_y = a[2] < b[3] and b[2] < a[3]
            assert not (overlap_x and overlap_y), f"{a[4]} overlaps {b[4]}"


@pytest.mark.parametrize("name", list(SPECS))
def test_deterministic_bytes(name: str) -> None:
    _, first, _ = _svg(name)
    _, second, _ = _svg(name)
    assert first == second


def test_title_kernels_and_rows() -> None:
    result, _, root = _svg("lenet5")
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert f"lenet5 — {count(result.total_params)} parameters" in texts
    kernels = [g for g in root.iter(f"{SVG}g") if g.get("class") == "kernel"]
    assert len(kernels) == 4  # c1, s2, c3, s4 slide a window
    assert {"5×5", "2×2 /2"} <= set(texts)
    _, _, deep = _svg("deep")
    assert len({g.get("data-row") for g in _stages(deep)}) > 1
    _, _, res = _svg("residual")
    skips = [p for p in res.iter(f"{SVG}path") if p.get("class") == "skip"]
    assert len(skips) == 3  # one per residual block


def test_symbolic_sizes_are_labelled_with_expressions() -> None:
    result, _, root = _svg("unet")
    texts = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert "H" in texts
    size = result.valid.get("H", {}).get("min", 32) if result.valid else 32
    assert f"drawn with H = {size}" in texts


@pytest.mark.parametrize(("label", "expected"), [
    ("conv2d(64, 7, stride=2, padding=3, bias=false)", "conv2d(64, 7, stride=2)"),
    ("conv2d(4, [3, 5], [2, 1], padding=[[1, 0], [2, 2]])", "conv2d(4, [3, 5], [2, 1])"),
    ("relu", "relu"),
    ("dropout(rate=0.5)", "dropout"),
])
def test_short_label(label: str, expected: str) -> None:
    assert short_label(label) == expected


def test_wrap_keeps_every_part() -> None:
    text = "conv2d(512, 3, stride=2, groups=4)"
    lines = wrap(text, 12)
    assert len(lines) > 1
    assert " ".join(lines) == text


def test_cli_writes_the_file(tmp_path: Path) -> None:
    out = tmp_path / "net.svg"
    r = run(SPECS["lenet5"], "--draw", str(out), "-f", "json")
    assert r.status == 0
    assert f"drawing written to {out}" in r.err
    assert out.read_bytes() == draw(convcalc.analyze(SPECS["lenet5"])).encode("utf-8")


def test_cli_draw_needs_one_valid_spec(tmp_path: Path) -> None:
    out = tmp_path / "net.svg"
    r = run(SPECS["lenet5"], SPECS["keras"], "--draw", str(out))
    assert r.status == 2 and "single SPEC" in r.err and not out.exists()
    r = run("1x4x4 | conv(8, 5)", "--draw", str(out))
    assert r.status == 2 and not out.exists()
    r = run(SPECS["lenet5"], "--draw", str(tmp_path / "missing" / "net.svg"))
    assert r.status == 2 and re.search(r"--draw: cannot write", r.err)
