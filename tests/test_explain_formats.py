"""--explain per output format: in the JSON per layer, a warning where a format cannot show it."""

from __future__ import annotations

import json

import pytest
from _cli import run

PASSING = "1x8x8 | conv(4, 3)"


@pytest.mark.parametrize("fmt", ["csv", "mermaid", "dot"])
def test_explain_warns_where_it_does_not_apply(fmt: str) -> None:
    r = run("-f", fmt, "-x", PASSING)
    assert r.status == 0
    assert r.err == f"warning: --explain applies to table, plain, markdown, json and html, not {fmt}\n"
    assert run("-f", fmt, PASSING).err == ""


def test_json_carries_explain_steps_per_layer() -> None:
    doc = json.loads(run("-f", "json", "-x", "1x28x28 | conv(32,5) | flatten").out)
    conv, flat = doc["layers"]
    assert conv["explain"] == [
        "rule: out = floor((n + p_l + p_r - d*(k - 1) - 1) / s) + 1   n input size, p_l padding left, "
        "p_r padding right, d dilation, k kernel, s stride",
        "H: floor((28 + 0 + 0 - 1*(5 - 1) - 1) / 1) + 1 = 24",
        "W: floor((28 + 0 + 0 - 1*(5 - 1) - 1) / 1) + 1 = 24",
        "params: weight 32*1*5*5 = 800, bias 32, total 832",
    ]
    assert flat["explain"] == ["rule: out = n_1*n_2*n_3   n_1/n_2/n_3 sizes of the merged axes",
                               "axes 1-3: 32*24*24 = 18432"]
    assert "explain" not in json.loads(run("-f", "json", PASSING).out)["layers"][0]
