"""Where errors point: the `outputs:` key, and a layer written as deeply nested text."""

from __future__ import annotations

from typing import Any

import pytest

import convcalc
from convcalc.errors import SpecError


def error(spec: Any, **kw: Any) -> SpecError:
    with pytest.raises(SpecError) as info:
        convcalc.analyze(spec, **kw)
    return info.value



def test_outputs_error_points_at_the_outputs_key() -> None:
    text = "input: [3]\nlayers:\n  - dense: 4\noutputs: [nope]\n"
    e = error(text)
    assert (e.code, e.line, e.column) == ("bad-reference", 4, 1)
    assert "outputs: no layer or input named 'nope'" in e.message


@pytest.mark.parametrize("inner", [
    "(" * 500 + "1" + ")" * 500,  # balanced
    "(" * 500,  # never closed
    "[" * 80 + "]" * 80,
])
def test_deep_brackets_in_a_yaml_layer_string_are_located(inner: str) -> None:
    text = f'input: [3, 8, 8]\nlayers:\n  - relu\n  - "conv(3, {inner})"\n'
    e = error(text)
    assert (e.code, e.line, e.column) == ("too-deep", 4, 14), str(e)  # at the argument, in the text


def test_deeply_nested_layer_calls_are_located() -> None:
    text = "input: [3]\nlayers:\n  - \"" + "timedistributed(" * 300 + "relu" + ")" * 300 + "\"\n"
    e = error(text)
    assert (e.code, e.line, e.column) == ("too-deep", 3, 6 + 50 * len("timedistributed(")), str(e)  # the 51st
