"""Issue 14, the language: functions, decimals, comparisons, `if:`, `$i`, `for:` and `size()`."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import pytest

import convcalc
from convcalc.arith import expr, num
from convcalc.errors import SpecError


def torchvision_make_divisible(v: float, divisor: int, min_value: int | None = None) -> int:
    """torchvision.models._utils._make_divisible, as torchvision writes it."""
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def value(text: str, env: dict[str, Any] | None = None) -> Any:
    return expr.evaluate(expr.parse(text), env or {}, num.symbol)


WIDTHS = ["0.1", "0.25", "0.35", "0.5", "0.75", "0.9", "1.0", "1.1", "1.3", "1.4", "1.5", "1.75", "2.0"]


@pytest.mark.parametrize("step", [pytest.param(1, marks=pytest.mark.slow), 9])
def test_issue14_make_divisible_is_torchvisions_over_many_values(step: int) -> None:
    """Every channel count up to 999 under the slow marker; every ninth by default."""
    compared = differ = 0
    for w in WIDTHS:
        for c in range(1, 1000, step):
            for divisor, min_value in ((8, None), (8, 16), (4, None), (3, None), (16, None), (1, None)):
                call = f"make_divisible({c} * {w}, {divisor}" + (f", {min_value})" if min_value else ")")
                ours = value(call)
                theirs = torchvision_make_divisible(c * float(w), divisor, min_value)
                if Fraction(c * float(w)) == c * Fraction(w):  # the float product is the exact one
                    assert ours == theirs, call
                    compared += 1
                elif ours != theirs:
                    # torchvision's float product fell just below a half: exact arithmetic rounds up
                    exact = torchvision_make_divisible(c * Fraction(w), divisor, min_value)  # type: ignore[arg-type]
                    assert ours == exact, call
                    differ += 1
    assert compared > 40_000 // step and differ < 100


@pytest.mark.parametrize(("text", "expected"), [
    ("round(2.5)", 2), ("round(3.5)", 4), ("round(-2.5)", -2), ("round(7/2)", 4), ("round(0.33 * 100)", 33),
    ("floor(7/2)", 3), ("ceil(7/2)", 4), ("floor(-7/2)", -4), ("ceildiv(7, 2)", 4), ("ceil(0.25 * 5)", 2),
    ("min(3, 1, 2)", 1), ("max(3, 1 + 4)", 5), ("64 * 0.25", 16), ("floor(64 * 0.33)", 21),
    ("make_divisible(32 * 0.75, 8)", 24), ("make_divisible(10, 8, 16)", 16),
    ("1 if 2 > 1 else 0", 1), ("3 if 1 == 2 else 4 if 2 == 2 else 5", 4), ("2 >= 2 and not 1 != 1", True),
    ("1 < 2 or 1 / 0 == 3", True),  # `or` does not evaluate what it does not need
])
def test_issue14_functions_and_conditions(text: str, expected: Any) -> None:
    assert value(text) == expected
    # what it prints (--explain, labels) reads back to the same value
    assert value(expr.render(expr.parse(text), pretty=False)) == expected


def test_issue14_round_is_pythons_banker_rounding() -> None:
    for n in range(-40, 41):
        assert value(f"round({n} / 4)") == round(Fraction(n, 4))
        assert value(f"floor({n} / 3)") == math.floor(Fraction(n, 3))
        assert value(f"ceil({n} / 3)") == math.ceil(Fraction(n, 3))


@pytest.mark.parametrize(("text", "code"), [
    ("7 / 2", None),  # a size stays whole: / outside the rounding functions must divide evenly
    ("0.3 * 5", "not-whole"),
    ("make_divisible(C, 8)", "unbound-name"),
    ("round(C / 3)", "unbound-name"),
    ("C == 3", "unbound-name"),
    ("round(1, 2)", "bad-expression"),
    ("size(in, 0)", "size-outside-layer"),
    ("1 < 2 < 3", "bad-expression"),
    ("1 + (2 > 1)", "condition-not-number"),
    ("1 if 2 else 3", "number-not-condition"),
])
def test_issue14_expression_errors(text: str, code: str | None) -> None:
    with pytest.raises(SpecError) as info:
        value(text)
    if code is not None:
        assert info.value.code == code


def test_issue14_symbolic_floor_and_ceil_of_a_division() -> None:
    def first(out: str) -> Any:
        return convcalc.analyze({"input": [3, "H", "H"], "layers": [{"conv2d": {"out": out, "kernel": 1}}]})

    r = first("floor(H/4)")
    assert r.layers[0].output[0] == num.floordiv(num.symbol("H"), 4)
    r = first("max(8, ceil(H/2))")
    assert r.layers[0].output[0] == num.maximum(8, num.ceildiv(num.symbol("H"), 2))


# ---------------------------------------------------------------- if:, $i, for:, size()


def test_issue14_conditional_block_adds_its_skip_only_when_shapes_allow() -> None:
    spec = {"input": [16, 8, 8], "blocks": {"ir": {"args": {"out": None, "stride": 1}, "layers": [
        {"conv2d": {"out": "$out", "kernel": 3, "stride": "$stride", "padding": 1}},
        {"add": {"name": "skip", "from": [-1, "in"], "if": "$stride == 1 and size(in, 0) == $out"}}]}},
        "layers": [{"ir": {"name": "a", "out": 16}}, {"ir": {"name": "b", "out": 32}},
                   {"ir": {"name": "c", "out": 32, "stride": 2}}]}
    r = convcalc.analyze(spec)
    assert [r.layer(f"{n}.skip").skipped for n in "abc"] == [False, True, True]
    assert r.layer("c.skip").output == (32, 4, 4)  # a skipped layer passes its (first) input through
    assert r.layer("c.skip").to_dict()["skipped"] is True
    assert r.layer("b.skip").label.endswith("(skipped: if false)")


def test_issue14_if_on_a_block_use_skips_all_its_layers() -> None:
    # the use's `if:` is written where the use is: it sees vars: (and the enclosing block's $args)
    spec = {"input": [8], "vars": {"on": 0}, "blocks": {"mlp": {"layers": [{"dense": 8}, "relu"]}},
            "layers": [{"mlp": {"name": "x", "if": "on == 1"}}, {"mlp": {"name": "y"}}]}
    r = convcalc.analyze(spec)
    assert r.layer("x").params == 0 and r.layer("y").params == 72
    assert [row.skipped for row in r.layers] == [True, True, False, False]


def test_issue14_repeat_index_and_for_lists() -> None:
    spec = {"input": [3, 32, 32], "blocks": {"stage": {"args": {"out": None, "stride": 1}, "layers": [
        {"conv2d": {"out": "$out", "kernel": 3, "stride": "$stride", "padding": 1}}]}},
        "layers": [
            {"repeat": {"for": {"out": [16, 24, 40], "stride": [1, 2, 2]}, "layers": ["stage"]}},
            {"repeat": {"times": 3, "layers": [{"conv2d": {"out": "8 * ($i + 1)", "kernel": 1}}]}},
        ]}
    r = convcalc.analyze(spec)
    assert [row.output for row in r.layers] == [(16, 32, 32), (24, 16, 16), (40, 8, 8),
                                                (8, 8, 8), (16, 8, 8), (24, 8, 8)]


def test_issue14_nested_repeats_each_have_their_own_i() -> None:
    spec = {"input": [4], "layers": [{"repeat": {"times": 2, "layers": [
        {"repeat": {"times": 2, "layers": [{"dense": "$i + 1"}]}}, {"dense": "10 + $i"}]}}]}
    r = convcalc.analyze(spec)
    assert [row.output[0] for row in r.layers] == [1, 2, 10, 1, 2, 11]


def test_issue14_repeat_inside_a_block_sees_i_and_the_blocks_arguments() -> None:
    spec = {"input": [4], "blocks": {"stage": {"args": {"n": 2, "c": 8}, "layers": [
        {"repeat": {"times": "$n", "layers": [{"dense": "$c if $i == 0 else 2 * $c"}]}}]}},
        "layers": [{"stage": {"n": 3}}]}
    assert [row.output[0] for row in convcalc.analyze(spec).layers] == [8, 16, 16]


def test_issue14_for_errors() -> None:
    with pytest.raises(SpecError) as info:
        convcalc.analyze({"input": [4], "layers": [{"repeat": {"for": {"out": [1, 2], "s": [1]},
                                                               "layers": ["relu"]}}]})
    assert info.value.code == "for-lengths-differ"
    with pytest.raises(SpecError) as info:
        convcalc.analyze({"input": [4], "layers": [{"repeat": {"for": {"out": [1, 2]}, "layers": ["relu"]}}]})
    assert info.value.code == "for-unused"


def test_issue14_size_in_reshape_and_in_dot_one() -> None:
    r = convcalc.analyze({"input": [8, 4, 5], "layers": [
        {"reshape": {"shape": [-1, "size(in, 1) * size(in, 2)"]}}]})
    assert r.output == (8, 20)
    spec = {"inputs": {"a": [6, 4], "b": [3, 4]}, "blocks": {"two": {"layers": [
        {"dense": {"out": "size(in.1, 0)", "from": "in.0"}}]}},
        "layers": [{"two": {"from": ["a", "b"]}}]}
    assert convcalc.analyze(spec).output == (6, 3)
    with pytest.raises(SpecError) as info:
        convcalc.analyze({"input": [8], "layers": [{"dense": "size(in, 3)"}]})
    assert info.value.code == "bad-axis"


def test_issue14_size_of_a_symbolic_size_in_arguments() -> None:
    r = convcalc.analyze({"input": ["C", "H", "W"], "layers": [
        {"reshape": {"shape": [-1, "size(in, 1) * size(in, 2)"]}}, {"dense": "2 * size(in, 0)"}]})
    c, h, w = (num.symbol(n) for n in "CHW")
    assert r.layers[0].output == (c, h * w) and r.output == (c, 2 * c)
    assert r.layers[0].label == "reshape(-1×H*W)"


def test_issue14_share_of_a_block_use_in_a_for_repeat_is_the_same_module_each_level() -> None:
    spec = {"inputs": {"p3": [8, 8, 8], "p4": [8, 4, 4]},
            "blocks": {"head": {"layers": [{"conv2d": {"out": 8, "kernel": 3, "padding": 1}}]}},
            "layers": [{"head": {"name": "h3", "from": "p3"}},
                       {"head": {"name": "h4", "from": "p4", "share": "h3"}}]}
    r = convcalc.analyze(spec)
    assert r.total_params == 8 * 8 * 9 + 8
    assert r.layer("h4").params == 0 and r.layer("h4").macs == r.layer("h3").macs // 4
