"""One naming rule for a layer's row and for the errors about it."""

from __future__ import annotations

from typing import Any

import pytest

from convcalc import analyze
from convcalc.errors import SpecError


def _error(spec: object) -> SpecError:
    with pytest.raises(SpecError) as e:
        analyze(spec)
    return e.value


def test_an_error_names_the_layer_as_its_row_would_be() -> None:
    good = analyze("3x16x16 | conv(4, 3) | relu | conv(4, 3)")
    assert [row.name for row in good.layers] == ["conv2d_1", "relu_1", "conv2d_2"]
    bad = _error("3x16x16 | conv(4, 3) | relu | conv(4, 99)")
    assert (bad.layer.index, bad.layer.name, bad.layer.type) == (3, "conv2d_2", "conv2d")


def test_before_the_rank_is_known_the_name_has_no_number() -> None:
    bad = _error("3x16x16 | conv(4, 3) | flatten | conv(4, 3)")  # conv cannot read a rank from 1 axis
    assert (bad.layer.index, bad.layer.name, bad.layer.type) == (3, "conv", "conv")


def test_a_ranked_type_is_numbered_even_when_it_fails() -> None:
    bad = _error("3x16x16 | conv2d(4, 3) | conv2d(4, 3, bogus=1)")
    assert (bad.layer.name, bad.layer.type) == ("conv2d_2", "conv2d")


def test_an_unknown_type_in_a_block_is_named_in_its_scope() -> None:
    spec = {"input": [3, 8, 8], "blocks": {"stage": {"layers": [{"conv": [4, 3, 1, 1]}, {"bogus": [3]}]}},
            "layers": [{"stage": {"name": "s1"}}]}
    bad = _error(spec)
    assert (bad.layer.index, bad.layer.name, bad.layer.type) == (2, "s1.bogus", "bogus")


def test_block_rows_number_their_layers_per_block_use() -> None:
    spec = {"input": [3, 8, 8], "blocks": {"stage": {"layers": [{"conv": [4, 3, 1, 1]}, {"relu": None}]}},
            "layers": [{"stage": {"name": "a"}}, {"stage": {"name": "b"}}]}
    assert [row.name for row in analyze(spec).layers] == ["a.conv2d_1", "a.relu_1", "b.conv2d_1", "b.relu_1"]


FROM_ERRORS = [
    # layers, the layer name the error must carry (the table's default name)
    ([{"conv2d": [4, 1]}, {"conv2d": {"out": 4, "kernel": 1, "from": "nope"}}], "conv2d_2"),
    ([{"conv2d": {"out": 4, "kernel": 1, "from": -5}}], "conv2d_1"),
    (["relu", {"relu": {"from": 7}}], "relu_2"),
    ([{"b": {"name": "x"}}], "x.conv2d_1"),  # inside a block: its scoped default name
]


@pytest.mark.parametrize(("layers", "name"), FROM_ERRORS)
def test_from_errors_name_the_layer_as_the_table_does(layers: list[Any], name: str) -> None:
    blocks = {"b": {"layers": ["relu", {"conv2d": {"out": 4, "kernel": 1, "from": -3}}]}}
    e = _error({"input": [3, 8, 8], "blocks": blocks, "layers": layers})
    assert e.layer is not None and e.layer.name == name, str(e)
