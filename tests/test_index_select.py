"""index_select: torch.index_select / ``table[index]`` by a fixed index (Swin's relative-position bias)."""

from __future__ import annotations

import pytest

import convcalc
from convcalc.errors import SpecError

# torchvision's ShiftedWindowAttention.get_relative_position_bias, on a window of 7 with 3 heads:
# table[index] (169, 3) -> (2401, 3) -> view (49, 49, 3) -> permute (3, 49, 49), added to the scores.
BIAS = {"input": [4, 3, 49, 49], "layers": [
    {"parameter": {"name": "table", "shape": [169, 3]}},
    {"index_select": {"name": "gathered", "axis": 1, "size": 2401}},
    {"reshape": {"shape": [49, 49, 3]}},
    {"permute": {"name": "bias", "dims": [0, 3, 1, 2]}},
    {"add": {"from": ["input", "bias"]}},
]}


def test_bias_table_gathered_as_torchvision_does() -> None:
    r = convcalc.analyze(BIAS)
    rows = {row.name: row for row in r.layers}
    assert rows["gathered"].output == (2401, 3) and rows["gathered"].params == 0
    assert rows["gathered"].batchless and rows["bias"].batchless  # made of a parameter only
    assert rows["bias"].output == (3, 49, 49)
    assert r.output == (4, 3, 49, 49) and r.total_params == 169 * 3 and r.total_macs == 0


def test_bias_table_against_torch() -> None:
    torch = pytest.importorskip("torch")
    table = torch.nn.Parameter(torch.zeros(169, 3))
    index = torch.randint(0, 169, (2401,))
    bias = table[index].view(49, 49, -1).permute(2, 0, 1).contiguous().unsqueeze(0)
    scores = torch.zeros(2, 4, 3, 49, 49)
    assert tuple((scores + bias).shape[1:]) == convcalc.analyze(BIAS).output
    assert tuple(torch.index_select(table, 0, index).shape) == (2401, 3)


def test_batched_axes_and_spellings() -> None:
    assert convcalc.analyze("6x5x4 | index_select(2, 9)").output == (6, 9, 4)
    assert convcalc.analyze("6x5x4 | index_select(dim=-1, size=2)").output == (6, 5, 2)
    assert convcalc.analyze("L x 8 | index_select(1, 3)").output == (3, 8)


@pytest.mark.parametrize(("spec", "code"), [
    ("6x5 | index_select(0, 3)", "batch-axis"),       # x[index] of a batch: convcalc describes one sample
    ("6x5 | index_select(3, 3)", "bad-axis"),
    ("6x5 | index_select(1, 0)", None),                # an empty index: PyTorch gives an empty tensor
])
def test_refusals(spec: str, code: str | None) -> None:
    with pytest.raises(SpecError) as err:
        convcalc.analyze(spec)
    if code is not None:
        assert err.value.code == code


def test_explain_says_the_values_are_unknown() -> None:
    row = convcalc.analyze("6x5 | index_select(1, 9)").layers[0]
    assert any("does not know" in (s.note or "") for s in row.steps)
