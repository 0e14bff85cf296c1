"""Where YAML values are written, kept compactly, and the depth scan before libyaml reads a file.

The places are packed two ways (short ones in one of Python's one-digit ints, long ones
with a flag bit) and found again by the containers' identity through a table filled on
the first question; the flow-depth scan counts brackets in bulk between quotes and
comments.  These hold each to what it answered before it was made faster.
"""

from __future__ import annotations

import random

import pytest

from convcalc.errors import SpecError
from convcalc.spec import yamlscan
from convcalc.spec.loader import load_yaml
from convcalc.spec.yamlplaces import Locator


@pytest.mark.parametrize("line, colform", [
    (0, 0), (0, 4095), (0, 4096), (2**18 - 1, 4095), (2**18, 0), (7, 2**31 - 1), (7, 2**31),
    (2**31 - 1, 5), (2**31, 0), (10**12, 10**12),
])
def test_a_place_unpacks_to_what_was_packed(line: int, colform: int) -> None:
    locator = Locator("x.yaml")
    place = locator.pack(line, colform)
    assert locator.unpack(place) == (line, colform)
    assert -(2**63) <= place < 2**63  # it fits the flat array's items


def _error_at(text: str) -> tuple[int | None, int | None]:
    with pytest.raises(SpecError) as info:
        load_yaml(text, "x.yaml")
    loc = info.value.loc
    assert loc is not None
    return loc.line, loc.column


def test_a_value_far_out_on_a_line_is_located() -> None:
    """Columns past 1,024 make long places: the error is still where the value is."""
    pad = ", ".join(["1"] * 700)
    text = f"input: [3, 8, 8]\nlayers: [{{dense: [{pad}]}}, {{relu: null, conv2d: 4}}]\n"
    assert len(text.split("\n")[1]) > 2100
    line, column = _error_at(text)  # a layer entry with two types: the second one's key
    assert line == 2
    assert column == text.split("\n")[1].index("conv2d") + 1


def test_a_value_past_line_2_18_is_located() -> None:
    text = "input: [3, 8, 8]\n" + "#\n" * (2**18) + "layers:\n  - relu\n  - {relu: null, conv2d: 4}\n"
    line, column = _error_at(text)
    assert (line, column) == (2**18 + 4, text.split("\n")[-2].index("conv2d") + 1)


def test_every_entry_of_a_long_list_is_found_by_identity() -> None:
    """The table of containers is filled on the first question, in one pass: all found."""
    text = "input: [3, 8, 8]\nlayers:\n" + "".join(f"  - conv2d: {{out: {i + 1}, kernel: 3}}\n"
                                                for i in range(3000))
    from convcalc.spec.yamlread import read_yaml

    data, locator, _ = read_yaml(text, "x.yaml")
    for i, entry in enumerate(data["layers"]):
        assert locator.knows(entry) and locator.knows(entry["conv2d"])
        assert locator.value(entry["conv2d"], "out").line == i + 3
    assert not locator.knows({})


def _flow_depth_reference(text: str) -> int | None:
    """The scan as it was first written: token by token."""
    import re

    depth, pos, n = 0, 0, len(text)
    token = re.compile(r"[\[\]{}\"'#]")
    while pos < n:
        m = token.search(text, pos)
        if m is None:
            return None
        ch, i = m.group(), m.start()
        pos = i + 1
        if ch in "[{":
            depth += 1
            if depth > yamlscan.SAFE_DEPTH:
                return i
        elif ch in "]}":
            depth = max(depth - 1, 0)
        elif ch == "#":
            if i == 0 or text[i - 1] in " \t\n":
                nl = text.find("\n", i)
                pos = n if nl < 0 else nl + 1
        elif yamlscan._starts_quote(text, i):
            end = (yamlscan._DQ_END if ch == '"' else yamlscan._SQ_END).match(text, i + 1)
            if end is None:
                return None
            pos = end.end()
    return None


def test_the_flow_depth_scan_answers_as_token_by_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlscan, "SAFE_DEPTH", 4)
    rng = random.Random(20)
    deep = 0
    for _ in range(20_000):
        text = "".join(rng.choice("[]{}\"'#\n a:-\\é\t") for _ in range(rng.randint(0, 40)))
        expected = _flow_depth_reference(text)
        assert yamlscan._deep_flow_at(text) == expected, text
        deep += expected is not None
    assert deep > 300  # the deep answers were exercised too


@pytest.mark.parametrize("text, at", [
    ("[" * 1001, 1000),
    ("a: " + "{" * 999 + "}" * 999 + "[" * 1001, 3001),
    ("# c\n" * 5 + "x: " + "[" * 1200, 1023),
    ('x: "' + "[" * 2000 + '"', None),
    ("\n" + " " * 1000 + "- a", 1),
    (" " * 1000, 0),
])
def test_deep_nesting_is_found_where_it_starts(text: str, at: int | None) -> None:
    assert yamlscan.deep_nesting_at(text) == at
