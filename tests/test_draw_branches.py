"""``--draw``: side branches in a lane beside the main path, arrows where they really join.

ResNet's downsample, U-Net's crops and SqueezeNet's expand1x1 leave the main
path at one tensor and rejoin it at one merge: they are drawn in a lane under
their row, and every arrow (``path.branch`` and ``path.skip``) names, in
``data-from`` and ``data-to``, the layer whose tensor it carries and the layer
that reads it, which the test checks against the graph itself.  The layout-made
text boxes (the same estimate as tests/test_draw_pictures.py) must not overlap,
and no connector may run through a label.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from _cli import EXAMPLES
from test_draw import _points
from test_draw_pictures import _segments, text_boxes, text_clashes

import convcalc
from convcalc.draw import draw
from convcalc.draw.lanes import find_branches, main_path
from convcalc.draw.layout import build_stages, representative_sizes, stage_labels
from convcalc.render.mermaid import aliases

SVG = "{http://www.w3.org/2000/svg}"
BRANCHY = ["resnet18", "unet", "squeezenet1_0", "llama_block", "shufflenet_v2_x1_0", "resnet50",
           "mobilenet_v2", "densenet121", "yolov8n_backbone", "efficientnet_b0", "transformer"]

PROJECTION = """
input: [8, 16, 16]
layers:
  - conv2d: {name: stem, out: 8, kernel: 3, padding: 1}
  - conv2d: {name: a, out: 16, kernel: 3, stride: 2, padding: 1}
  - relu
  - conv2d: {name: b, out: 16, kernel: 3, padding: 1}
  - conv2d: {name: proj, out: 16, kernel: 1, stride: 2, from: stem}
  - add: {name: join, from: [b, proj]}
  - flatten
  - linear: 10
"""


def _root(spec: str) -> tuple[convcalc.Result, ET.Element]:
    result = convcalc.analyze(spec)
    return result, ET.fromstring(draw(result))


def _example(name: str) -> str:
    return str(EXAMPLES / f"{name}.yaml")


def _stage_boxes(root: ET.Element) -> dict[str, tuple[float, float, float, float, str]]:
    """layer name -> (left, top, right, bottom, row) of the stage drawing it."""
    out = {}
    for g in root.iter(SVG + "g"):
        if g.get("class") != "stage":
            continue
        xs, ys = zip(*_points(g), strict=True)
        for name in g.get("data-layers", "").split():
            out[name] = (min(xs), min(ys), max(xs), max(ys), g.get("data-row", ""))
    return out


def _arrows(root: ET.Element, cls: str) -> list[tuple[str, str, str]]:
    return [(p.get("data-from", ""), p.get("data-to", ""), p.get("d", ""))
            for p in root.iter(SVG + "path") if p.get("class") == cls]


def _reads(result: convcalc.Result, layer: str) -> set[str]:
    alias = aliases(result)
    return {alias.get(s, s) for s in result.layer(layer).sources}


def test_the_main_path_leaves_the_projection_out() -> None:
    result = convcalc.analyze(PROJECTION)
    stages = build_stages(result, representative_sizes(result))
    main = main_path(stages, {len(stages) - 1})
    names = {lr.name for i in main for lr in stages[i].layers}
    assert "proj" not in names and {"stem", "a", "b", "join"} <= names
    (branch,) = find_branches(result, stages)
    assert [stages[i].name for i in branch.stages] == ["proj"]
    assert stages[branch.consumer].name == "join"
    assert [stages[i].name for i in branch.sources] == ["stem"]


def test_projection_drawn_in_a_lane_with_its_real_ends() -> None:
    _, root = _root(PROJECTION)
    boxes = _stage_boxes(root)
    proj, a, b, join = (boxes[n] for n in ("proj", "a", "b", "join"))
    assert proj[4] == join[4]  # in the row of its merge
    assert proj[1] > max(a[3], b[3], join[3])  # below the main row's boxes
    assert boxes["stem"][2] < proj[0] and proj[2] < join[0]  # between the source and the merge
    ends = {(f, t) for f, t, _ in _arrows(root, "branch")}
    assert ends == {("stem", "proj"), ("proj", "join")}
    # the main path is drawn in line: b's neighbour is the merge
    assert b[2] < join[0]


@pytest.mark.parametrize("stage", ["layer2", "layer3", "layer4"])
def test_resnet_downsample_beside_its_block(stage: str) -> None:
    result, root = _root(_example("resnet18"))
    boxes = _stage_boxes(root)
    down, conv1, add = (boxes[f"{stage}.0.{n}"] for n in ("downsample.0", "conv1", "add_1"))
    assert "downsample.1" in " ".join(boxes)  # the batch norm folded into it, drawn once
    assert down[4] == add[4] and down[1] > max(conv1[3], add[3])
    assert down[2] < add[0]
    branch = [(f, t) for f, t, _ in _arrows(root, "branch")]
    assert (f"{stage}.0.downsample.1", f"{stage}.0.add_1") in branch  # up into the add
    ins = [f for f, t in branch if t == f"{stage}.0.downsample.0"]
    assert len(ins) == 1 and ins[0] in _reads(result, f"{stage}.0.downsample.0")


def test_unet_crops_read_the_encoder_and_feed_the_concat() -> None:
    result, root = _root(_example("unet"))
    branch = _arrows(root, "branch")
    for dec in ("dec1", "dec2", "dec3", "dec4"):
        crop, concat = f"{dec}.crop", next(lr.name for lr in result.layers
                                           if lr.block == dec and lr.type == "concat")
        assert (crop, concat) in {(f, t) for f, t, _ in branch}
        (source,) = [f for f, t, _ in branch if t == crop]
        assert source in _reads(result, crop)
    # the skips that come from rows above are labelled with the name the spec reads them by
    texts = [t.text for t in root.iter(SVG + "text")]
    assert any(t and t.startswith("from enc") for t in texts)


@pytest.mark.parametrize("name", BRANCHY)
def test_every_arrow_joins_what_the_layer_reads(name: str) -> None:
    result, root = _root(_example(name))
    for cls in ("branch", "skip"):
        for source, target, _ in _arrows(root, cls):
            assert target and source, (cls, source, target)
            reads = _reads(result, target)
            for s in source.split(","):
                assert s in reads, (cls, s, target, reads)


@pytest.mark.parametrize("name", BRANCHY)
def test_lanes_keep_every_layer_once_and_no_boxes_overlap(name: str) -> None:
    result, root = _root(_example(name))
    drawn = [n for g in root.iter(SVG + "g") if g.get("class") == "stage"
             for n in g.get("data-layers", "").split()]
    names = [lr.name for lr in result.layers]
    assert sorted(drawn) == sorted(names + [n for n in result.inputs if n not in names])
    boxes = sorted(set(_stage_boxes(root).values()))
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (a, b)
    assert float(root.get("width", 0)) <= 2000


@pytest.mark.parametrize("name", BRANCHY)
def test_lane_text_overlaps_no_text(name: str) -> None:
    _, root = _root(_example(name))
    clashes = text_clashes(root)
    assert not clashes, clashes[:10]


@pytest.mark.parametrize("name", BRANCHY)
def test_branch_connectors_cross_no_label(name: str) -> None:
    _, root = _root(_example(name))
    boxes = text_boxes(root)
    for _, _, d in _arrows(root, "branch"):
        for x1, y1, x2, y2 in _segments(d):
            for left, top, right, bottom, text in boxes:
                assert not (x1 < right and left < x2 and y1 < bottom and top < y2), (text, d)


def test_a_head_that_never_rejoins_stays_in_line() -> None:
    """RetinaNet's box head reads P3 but feeds its own output: no lane, as before."""
    _, root = _root(_example("retinanet_head"))
    assert not _arrows(root, "branch")


def test_parallel_branches_stack_in_lanes() -> None:
    spec = """
input: [8, 8, 8]
layers:
  - conv2d: {name: s, out: 8, kernel: 1}
  - conv2d: {name: a1, out: 8, kernel: 3, padding: 1}
  - conv2d: {name: a2, out: 8, kernel: 3, padding: 1}
  - conv2d: {name: b, out: 8, kernel: 1, from: s}
  - conv2d: {name: c, out: 8, kernel: 1, from: s}
  - concat: {name: cat, from: [a2, b, c]}
"""
    _, root = _root(spec)
    boxes = _stage_boxes(root)
    assert boxes["b"][1] > boxes["a2"][3] and boxes["c"][1] > boxes["a2"][3]
    assert boxes["c"][1] > boxes["b"][3] or boxes["b"][1] > boxes["c"][3]  # one lane each
    ends = {(f, t) for f, t, _ in _arrows(root, "branch")}
    assert {("s", "b"), ("s", "c"), ("b", "cat"), ("c", "cat")} <= ends


def test_labels_of_lane_stages_are_whole() -> None:
    result = convcalc.analyze(_example("resnet18"))
    stages = build_stages(result, representative_sizes(result))
    (down,) = [st for st in stages if st.name == "layer2.0.downsample.0"]
    lines = " ".join(t for _, t in stage_labels(down))
    assert "stride=2" in lines and "batchnorm2d" in lines
