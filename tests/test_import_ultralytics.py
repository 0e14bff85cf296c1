"""Ultralytics model YAML: the installed package's own files read against Ultralytics's own figures.

tests/data/ultralytics_table.json holds what Ultralytics 8.4.190 itself reports for each shipped
YAML and scale (parameters, trainable, ``get_flops`` at 640, eval-mode output shapes), written by
tests/make_ultralytics_table.py in a venv with ultralytics and its torch.  The YAML files are read
from the installed ``ultralytics`` package (``pip install ultralytics==8.4.190 --no-deps`` is
enough: it is located without being imported); without it these tests skip.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from _cli import run
from roundtrip import assert_round_trip

from convcalc import api
from convcalc.errors import SpecError
from convcalc.importers import sniff
from convcalc.importers.ultralytics import make_divisible
from convcalc.importers.ultralytics_report import gflops

TABLE = json.loads((Path(__file__).parent / "data" / "ultralytics_table.json").read_text())
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "ultralytics_tiny.yaml"


def _models_dir() -> Path | None:
    try:
        spec = importlib.util.find_spec("ultralytics")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "cfg" / "models"
    return path if path.is_dir() else None


MODELS = _models_dir()
needs_yamls = pytest.mark.skipif(MODELS is None,
                                 reason="the ultralytics package (its YAML files) is not installed")
# Every model/scale convcalc reads (the rest are refused with a code: see test_unread_modules_are_refused)
READ = sorted(k for k, row in TABLE["models"].items() if "error" not in row)
FAST = ["yolov8n.yaml", "yolov8s.yaml", "yolov8m.yaml", "yolo11n.yaml", "yolo11m.yaml", "yolo11x.yaml",
        "yolov5n.yaml", "yolov5l.yaml", "yolov8n-seg.yaml", "yolo11s-seg.yaml", "yolov8n-pose.yaml",
        "yolo11n-pose.yaml", "yolov8n-cls.yaml", "yolo11l-cls.yaml", "yolov8n-obb.yaml", "yolo11n-obb.yaml",
        "yolov3-tiny.yaml", "yolov6n.yaml", "yolov8n-p2.yaml", "yolov5n-p6.yaml", "yolov8n-ghost.yaml",
        "yolov10n.yaml", "yolov10b.yaml", "yolo26n.yaml", "yolo26s-cls.yaml",
        "yolov9t.yaml", "yolov9c.yaml", "yolo12n.yaml", "yolo12l.yaml"]


def _analyse(key: str, **kw: object) -> object:
    row = TABLE["models"][key]
    assert MODELS is not None
    path = MODELS / row["yaml"]  # the scale as Ultralytics took it: from the scaled name (yolov8n.yaml)
    return api.analyze(str(path), scale=row["scale"] if row["file"] != path.name else None, **kw)


def _figures(result: object) -> tuple[object, ...]:
    shapes = [[int(v) for v in s] for s in result.outputs.values()]  # type: ignore[attr-defined]
    return (int(result.total_params), int(result.trainable_params),  # type: ignore[attr-defined]
            round(gflops(result), 6), shapes[0] if len(shapes) == 1 else shapes)


def _want(key: str) -> tuple[object, ...]:
    row = TABLE["models"][key]
    return row["params"], row["trainable"], round(row["gflops"], 6), row["output"]


def test_the_table_was_written_by_ultralytics_and_covers_the_fast_set() -> None:
    assert TABLE["ultralytics"] == "8.4.190"
    assert set(FAST) <= set(READ)
    v8n = TABLE["models"]["yolov8n.yaml"]
    assert (v8n["params"], v8n["trainable"], round(v8n["gflops"], 1), v8n["output"]) == \
        (3157200, 3157184, 8.9, [84, 8400])


@needs_yamls
@pytest.mark.parametrize("key", FAST)
def test_figures_equal_ultralytics(key: str) -> None:
    assert _figures(_analyse(key)) == _want(key)


@needs_yamls
@pytest.mark.slow
@pytest.mark.parametrize("key", READ)
def test_every_read_model_and_scale_equals_ultralytics(key: str) -> None:
    assert _figures(_analyse(key)) == _want(key)


@needs_yamls
def test_issue_figures_and_a_larger_input() -> None:
    v8n = _analyse("yolov8n.yaml")
    assert round(gflops(v8n), 1) == 8.9
    assert round(gflops(_analyse("yolo11n.yaml")), 1) == 6.7
    big = _analyse("yolov8n.yaml", input="3x1024x1024")
    assert round(gflops(big), 6) == round(TABLE["models"]["yolov8n.yaml"]["gflops_1024"], 6)
    assert round(gflops(big), 1) == 22.7
    assert [int(v) for v in big.output] == [84, 21504]  # (32² + 64² + 128²) anchors
    seg = _analyse("yolov8n-seg.yaml")
    assert {k: [int(v) for v in s] for k, s in seg.outputs.items()} == \
        {"22.out": [116, 8400], "22.proto": [32, 160, 160]}
    names = [row.name for row in v8n.table_rows()]  # Ultralytics's module rows with their layers beneath
    assert names[:4] == ["0", "0.conv", "0.bn", "0.act"]
    assert {"22.box.0", "22.cls.2", "22.dfl.conv", "22.out"} <= set(names)
    dfl = v8n.layer("22.dfl.conv")
    assert (int(dfl.params), int(dfl.trainable)) == (16, 0)  # DFL's conv is frozen


@needs_yamls
def test_the_scale_from_the_file_name_and_from_the_option() -> None:
    assert MODELS is not None
    by_name = api.analyze(str(MODELS / "v8" / "yolov8s.yaml"))  # absent: yolov8.yaml at s
    assert int(by_name.total_params) == TABLE["models"]["yolov8s.yaml"]["params"]
    assert by_name.imported["scale"] == "s"
    option = api.analyze(str(MODELS / "v8" / "yolov8.yaml"), scale="m")
    assert int(option.total_params) == TABLE["models"]["yolov8m.yaml"]["params"]
    over = api.analyze(str(MODELS / "v8" / "yolov8n.yaml"), scale="x")  # the option wins over the name
    assert int(over.total_params) == TABLE["models"]["yolov8x.yaml"]["params"]
    first = api.analyze(str(MODELS / "v8" / "yolov8.yaml"))  # neither: the first listed, with a note
    assert first.imported["scale"] == "n"
    assert any("first listed" in n for n in first.imported["notes"])
    with pytest.raises(SpecError) as e:
        api.analyze(str(MODELS / "v8" / "yolov8.yaml"), scale="q")
    assert e.value.code == "ultralytics-unknown-scale"


def test_scale_on_a_convcalc_spec_is_refused() -> None:
    with pytest.raises(SpecError) as e:
        api.analyze("3x8x8 | conv(4, 3)", scale="n")
    assert e.value.code == "scale-not-ultralytics"


def test_the_example_reads_by_content_with_the_cli_option() -> None:
    assert sniff(EXAMPLE.read_text(), "x.txt") == "ultralytics"
    r = run("-f", "plain", str(EXAMPLE), "--scale", "s")
    out, err = r.out, r.err
    assert r.status == 0, err
    assert "Total params: 601,028" in out  # Ultralytics 8.4.190's DetectionModel of this file at s
    assert "GFLOPs 17.9" in err


@pytest.mark.parametrize("scale, depth, c2", [("n", 1, 16), ("s", 2, 32)])
def test_parse_model_rules_on_the_example(scale: str, depth: int, c2: int) -> None:
    result = api.analyze(str(EXAMPLE), scale=scale)
    assert int(result.layer("0.conv").output[0]) == c2  # make_divisible(min(64, 64) · width, 8)
    c2f = [r.name for r in result.table_rows() if r.name.startswith("2.m.") and r.name.count(".") == 2]
    assert len(c2f) == depth  # max(round(3 · depth), 1) bottlenecks


def test_make_divisible_is_ultralytics_ceil() -> None:
    assert make_divisible(1024 * 0.25, 8) == 256
    assert make_divisible(100 * 0.33, 8) == 40  # ceil(33 / 8) · 8, not the nearest multiple
    assert make_divisible(min(1024, 512) * 1.25, 8) == 640


def test_an_unknown_module_is_an_error_at_its_place(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("nc: 2\nbackbone:\n  - [-1, 1, Conv, [16, 3, 2]]\n  - [-1, 1, FancyBlock, [32]]\n"
                    "head:\n  - [-1, 1, Classify, [nc]]\n")
    r = run(str(path))
    err = r.err
    assert r.status == 2
    assert f"{path}:4:13: Ultralytics module FancyBlock is not read" in err
    with pytest.raises(SpecError) as e:
        api.analyze(str(path))
    assert e.value.code == "ultralytics-unknown-module"


@needs_yamls
@pytest.mark.parametrize("yaml_file, module", [
    ("v8/yolov8-world.yaml", "C2fAttn"), ("v9/yolov9e.yaml", "CBLinear"), ("26/yolo26-seg.yaml", "Segment26"),
    ("rt-detr/rtdetr-l.yaml", "HGStem")])
def test_unread_modules_are_refused(yaml_file: str, module: str) -> None:
    assert MODELS is not None
    with pytest.raises(SpecError) as e:
        api.analyze(str(MODELS / yaml_file))
    assert e.value.code == "ultralytics-unknown-module"
    assert module in e.value.message and e.value.loc is not None and e.value.loc.line is not None


@needs_yamls
@pytest.mark.parametrize("key", ["yolov8n.yaml", "yolo11n-seg.yaml", "yolov5n.yaml", "yolov8n-cls.yaml",
                                 "yolo12n.yaml", "yolov3-tiny.yaml"])
def test_format_yaml_round_trip(key: str) -> None:
    assert_round_trip(_analyse(key, input="3x64x64"))


def test_example_round_trip() -> None:
    assert_round_trip(api.analyze(str(EXAMPLE)))


def test_json_lists_ultralytics_rows_with_from_n_params_and_output() -> None:
    r = run("-f", "json", str(EXAMPLE))
    assert r.status == 0, r.err
    imported = json.loads(r.out)["imported"]
    assert imported["format"] == "ultralytics" and imported["scale"] == "n"
    rows = imported["rows"]
    assert [row["module"] for row in rows] == ["Conv", "Conv", "C2f", "Conv", "SPPF", "nn.Upsample", "Concat",
                                               "C2f", "Detect"]
    assert rows[2] == {"index": 2, "from": -1, "n": 1, "module": "C2f", "params": 7360,
                       "output": [32, 160, 160]}
    assert rows[8]["from"] == [7, 4] and rows[8]["output"] == [14, 32000]  # 160² + 80² anchors
    assert sum(row["params"] for row in rows) == 235764  # Ultralytics's DetectionModel of this file
