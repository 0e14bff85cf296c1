"""Names of block uses and of the layers inside them, as torchvision names its modules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import convcalc
from convcalc.errors import SpecError

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def error(spec: Any, **kw: Any) -> SpecError:
    with pytest.raises(SpecError) as info:
        convcalc.analyze(spec, **kw)
    return info.value



def names(result: convcalc.Result) -> list[str]:
    return [r.name for r in result.table_rows()]


@pytest.mark.parametrize(("example", "groups"), [
    ("resnet18.yaml", ["layer1.0", "layer1.1", "layer2.0", "layer2.1", "layer4.1"]),
    ("resnet50.yaml", ["layer1.2", "layer2.3", "layer3.5", "layer4.2"]),
    # issue 14: the stage table of the paper (features.STAGE.BLOCK), no longer torchvision's flat list
    ("mobilenet_v2.yaml", ["stem", "last", *(f"features.{i}" for i in range(7)), "features.1.1.expand"]),
])
def test_examples_name_their_blocks_as_torchvision_does(example: str, groups: list[str]) -> None:
    result = convcalc.analyze(EXAMPLES / example)
    blocks = {r.name for r in result.table_rows() if r.is_block}
    assert set(groups) <= blocks
    assert not [n for n in blocks if "_" in n.rpartition(".")[2] and n.count(".")], blocks


def test_unnamed_block_uses_inside_a_block_are_numbered_by_position() -> None:
    blocks = {
        "unit": {"layers": [{"conv2d": [8, 1]}]},
        "stage": {"layers": [
            {"unit": {"name": 0}},
            {"repeat": {"times": 2, "layers": ["unit"]}},  # rounds are entries 1 and 2
            "relu",  # entry 3
            "unit",  # entry 4
            {"repeat": {"name": "tail", "times": 2, "layers": ["unit"]}},  # entry 5, one group
            "unit",  # entry 6
        ]},
    }
    result = convcalc.analyze({"input": [8, 4, 4], "blocks": blocks,
                               "layers": ["stage", "unit", {"stage": {"name": "s"}}]})
    groups = [r.name for r in result.table_rows() if r.is_block]
    assert groups[:8] == ["stage_1", "stage_1.0", "stage_1.1", "stage_1.2", "stage_1.4",
                          "stage_1.tail", "stage_1.tail.0", "stage_1.tail.1"]
    assert "stage_1.6" in groups
    assert "unit_1" in groups  # at the top level: <block>_<n>, like layers
    assert {"s.0", "s.1", "s.2", "s.4", "s.6"} <= set(groups)
    assert "stage_1.relu_1" in names(result)


def test_explicit_name_clashing_with_a_position_is_reported() -> None:
    blocks = {"unit": {"layers": ["relu"]},
              "pair": {"layers": [{"unit": {"name": 1}}, "unit"]}}
    e = error({"input": [4], "blocks": blocks, "layers": [{"pair": {"name": "p"}}]})
    assert (e.code, e.layer and e.layer.name) == ("duplicate-name", "p.1")
