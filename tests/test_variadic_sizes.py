"""reshape and permute take their sizes positionally, as ``x.view(3, 5)`` and ``x.permute(0, 2, 1)``."""

from __future__ import annotations

from typing import Any

import pytest

import convcalc
from convcalc.errors import SpecError


def error(spec: Any, **kw: Any) -> SpecError:
    with pytest.raises(SpecError) as info:
        convcalc.analyze(spec, **kw)
    return info.value



VARIADIC = [
    # (input, layer entry or inline text, output)
    ([2, 15], {"reshape": [3, 10]}, (3, 10)),
    ([2, 15], {"reshape": [3, -1]}, (3, 10)),
    ([2, 15], {"reshape": [[3, 10]]}, (3, 10)),
    ([2, 15], {"reshape": 30}, (30,)),
    ([2, 15], {"reshape": {"shape": [5, 6]}}, (5, 6)),
    ([2, 15], "reshape(3, 5, 2)", (3, 5, 2)),
    ([2, 15], "Reshape((3, 10))", (3, 10)),
    ([2, 15], "reshape(shape=(30,))", (30,)),
    ([2, 15], "Reshape((30,))", (30,)),  # Python's one-element tuple
    ([2, 3, 5], {"permute": [0, 2, 1, 3]}, (3, 2, 5)),
    ([2, 15], {"permute": [0, 2, 1]}, (15, 2)),
    ([2, 15], {"permute": [2, 1]}, (15, 2)),
    ([2, 15], "permute(0, 2, 1)", (15, 2)),
    ([2, 15], "Permute((2, 1))", (15, 2)),
]


@pytest.mark.parametrize(("shape", "entry", "out"), VARIADIC)
def test_reshape_and_permute_take_their_sizes_positionally(shape: list[int], entry: Any,
                                                            out: tuple[int, ...]) -> None:
    result = convcalc.analyze({"input": shape, "layers": [entry]})
    assert result.output == out


@pytest.mark.parametrize(("entry", "code"), [
    ({"reshape": [[3, 5], 2]}, "too-many-arguments"),  # a list and a size: not sizes
    ({"reshape": [4, 4]}, "element-count-mismatch"),
    ({"permute": [0, 1, 1]}, "bad-axis"),
    ("reshape((3,,10))", "empty-argument"),
])
def test_variadic_sizes_are_still_checked(entry: Any, code: str) -> None:
    assert error({"input": [2, 15], "layers": [entry]}).code == code


def test_variadic_list_form_is_valid_for_the_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    from convcalc.schema import schema

    jsonschema.Draft202012Validator.check_schema(schema())
    validator = jsonschema.Draft202012Validator(schema())
    good = {"input": [2, 15], "layers": [{"reshape": [3, 5, 2]}, {"permute": [0, 2, 1, 3]},
                                         {"reshape": [[30]]}]}
    assert not list(validator.iter_errors(good))
