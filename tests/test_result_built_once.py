"""The Result is built once by the engine, frozen, with the solver's findings and ``expect:`` passed in."""

from __future__ import annotations

import pytest

from convcalc import analyze
from convcalc._record import FrozenInstanceError
from convcalc.arith.symbolic import reduce_constraints
from convcalc.core.types import Constraint
from convcalc.errors import SpecError
from convcalc.spec.model import Spec


def test_result_is_frozen() -> None:
    r = analyze("3x8x8 | conv(4, 3)")
    with pytest.raises(FrozenInstanceError):
        r.valid = {}  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        r.expect = None  # type: ignore[misc]


def test_expect_and_valid_arrive_with_the_result() -> None:
    r = analyze({"input": [3, "H", "H"], "layers": [{"conv": [4, 3, 2]}], "expect": {"params": 112}})
    assert r.expect is not None and r.expect.ok
    assert r.valid["H"].text == "H ≥ 3" and r.constraints == []


def test_the_solver_returns_its_findings_and_changes_nothing() -> None:
    import sympy

    from convcalc.arith.num import symbol

    h = symbol("H")
    kept = Constraint(sympy.Ge(h + symbol("W"), 5), "H + W >= 5", "conv2d_1")
    one = Constraint(sympy.Ge(h, 4), "H >= 4", "conv2d_1")
    given = [one, kept]
    valid, left = reduce_constraints(("H", "W"), given, lambda name: (None, None))
    assert given == [one, kept]
    assert set(valid) == {"H", "W"} and 4 in valid["H"] and 3 not in valid["H"]
    assert left == [kept]


def test_no_valid_value_is_located_at_the_layer() -> None:
    text = ("input: [3, H]\nlayers:\n  - maxpool1d: {kernel: 2, name: p}\n"
            "  - concat: {from: [p, input], axis: 1}\n")
    with pytest.raises(SpecError, match="no value of H") as e:
        analyze(text)
    assert e.value.layer is not None and (e.value.layer.index, e.value.layer.name) == (2, "concat_1")
    assert e.value.line == 4


def test_a_spec_object_runs_as_written() -> None:
    spec = Spec(source="<obj>", layers=(), inputs={"input": (3, 4)})
    r = analyze(spec)
    assert r.output == (3, 4) and r.layers == []
