"""print(model) of every torchvision model, read back: never a confident wrong number.

The texts and the true figures are tests/data/torchvision_print/ (the 80 classifiers, 6 segmentation
and 12 detection models, written once by
tests/make_torchvision_print.py with torch 2.14.1 and torchvision 0.29.1, each model built on
the meta device); these tests need neither.  For every model: the parameter total is exact,
or a note says parameters may be hidden; every shape convcalc shows as known is the one
PyTorch's forward produced for that module, and the others are unknown with a note; the
figures the README states are the ones measured here.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from convcalc import api
from convcalc.core.result import Result

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "torchvision_print"
FIGURES: dict[str, Any] = json.loads((DATA / "figures.json").read_text())["models"]
CLASSIFIERS = sorted(n for n, row in FIGURES.items() if row["group"] == "classification")


@cache
def _result(name: str) -> Result:
    row = FIGURES[name]
    return api.analyze(str(DATA / f"{name}.txt"), input="x".join(map(str, row["input"])))


def _shape(layer: Any) -> str:
    return "x".join(map(str, layer.output))


def _wrong_shapes(name: str) -> list[tuple[str, str, list[str]]]:
    """Rows shown with a known shape that is not what the module produced (any of its calls)."""
    truth = FIGURES[name]["leaf_outputs"]
    return [(r.name, _shape(r), truth[r.name]) for r in _result(name).layers
            if r.shape_known and r.name in truth and _shape(r) not in truth[r.name]]


def _fully_known(name: str) -> bool:
    """Every row's shape known (the rows of parameters alone have none) and the output PyTorch's."""
    r = _result(name)
    rows = [lay for lay in r.layers if lay.type != "parameter"]
    output_right = bool(r.outputs) and list(r.output) == FIGURES[name]["output"]
    return all(lay.shape_known for lay in rows) and output_right


def test_every_classifier_has_a_fixture() -> None:
    """torchvision 0.29.1 lists 80 classification models; 6 segmentation and 12 detection models come along
    (a detection model's forward is not run on the meta device: its backbone's leaves are the shapes)."""
    groups = [row["group"] for row in FIGURES.values()]
    assert (groups.count("classification"), groups.count("segmentation"), groups.count("detection")) == \
        (80, 6, 12)
    assert all((DATA / f"{name}.txt").is_file() for name in FIGURES)


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_never_a_confident_wrong_number(name: str) -> None:
    row = FIGURES[name]
    r = _result(name)
    notes = r.imported["notes"]
    hidden = any("may be hidden" in n for n in notes)
    assert r.total_params == row["params"] or hidden, (r.total_params, row["params"])
    assert r.trainable_params == row["trainable"] or hidden
    assert _wrong_shapes(name) == []
    if r.outputs:  # every shape known: the output is PyTorch's
        assert list(r.output) == row["output"]
    else:
        assert any("unknown" in n for n in notes), notes
        assert r.to_dict()["layers"][-1]["output"] is None


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_every_class_is_known(name: str) -> None:
    """Every class in torchvision's texts is one convcalc knows: no 'may be hidden' note, no unknown layer."""
    notes = _result(name).imported["notes"]
    assert not any("may be hidden" in n or "not a layer convcalc knows" in n for n in notes), notes


def test_figures_stated_in_readme() -> None:
    """The README's figure is the one measured here (and the parameters are exact for every model)."""
    exact = sum(_result(n).total_params == FIGURES[n]["params"] for n in CLASSIFIERS)
    shapes = sum(_fully_known(n) for n in CLASSIFIERS)
    assert exact == len(CLASSIFIERS) == 80
    assert all(_result(n).total_params == row["params"] for n, row in FIGURES.items())
    readme = (ROOT / "README.md").read_text()
    m = re.search(r"parameters exact for (\d+) of (\d+) torchvision classifiers; shapes for (\d+)", readme)
    assert m is not None
    assert (int(m.group(1)), int(m.group(2)), int(m.group(3))) == (exact, len(CLASSIFIERS), shapes)


@pytest.mark.parametrize("name", ["resnet18", "vgg11", "densenet121"])
def test_hand_rebuilt_examples_are_torchvisions_text(name: str) -> None:
    """examples/*_print.txt (printed from tests/torchvision_like.py's rebuilt trees) equal the real texts."""
    assert (ROOT / "examples" / f"{name}_print.txt").read_text() == (DATA / f"{name}.txt").read_text()


@pytest.mark.parametrize("name", ["resnet18", "densenet121", "regnet_y_400mf", "googlenet", "efficientnet_b0",
                                  "mobilenet_v3_small", "squeezenet1_1", "fcn_resnet50"])
def test_yaml_round_trip(name: str) -> None:
    """--format yaml of a text whose shapes are all known reads back to the same network."""
    from roundtrip import assert_round_trip

    assert _result(name).imported["writable"]
    assert_round_trip(_result(name))


@pytest.mark.slow
def test_yaml_round_trip_every_writable() -> None:
    from roundtrip import assert_round_trip

    writable = [n for n in sorted(FIGURES) if _result(n).imported["writable"]]
    assert len(writable) >= 61
    for name in writable:
        assert_round_trip(_result(name))


def test_cli_reads_a_real_text_cleanly() -> None:
    from click.testing import CliRunner

    from convcalc.cli import command

    r = CliRunner().invoke(command, [str(DATA / "densenet121.txt"), "-i", "3x224x224", "-f", "plain"])
    assert r.exit_code == 0 and "Traceback" not in r.output
    assert "7,978,856" in r.stdout


def test_an_unknown_class_is_named(tmp_path: Path) -> None:
    """A class convcalc does not know, container or leaf, is named in a note; the total is not claimed."""
    text = (DATA / "resnet18.txt").read_text()
    path = tmp_path / "model.txt"
    path.write_text(text.replace("(layer1): Sequential(", "(layer1): MyStage(", 1)
                    .replace("(relu): ReLU(inplace=True)", "(relu): MyAct()", 1))
    r = api.analyze(str(path), input="3x224x224")
    notes = " ".join(r.imported["notes"])
    assert "MyStage" in notes and "may be hidden" in notes
    assert "relu (MyAct) is not a layer convcalc knows" in notes
    assert not r.outputs and not r.layer("fc").shape_known
