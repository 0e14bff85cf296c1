"""``expect:`` blocks (SPEC §8): every kind of check, passing and failing, and the mistakes."""

from __future__ import annotations

from typing import Any

import pytest

import convcalc
from convcalc import SpecError
from convcalc.core.expect import count

# Keras: conv (3·3·3 + 1)·4 = 112; batchnorm 4 gamma + 4 beta trainable, 4 + 4 moving stats
# non-trainable; dense (144 + 1)·2 = 290.  Totals 418 = 410 trainable + 8 non-trainable.
# MACs: 3·3·3·4 · 6·6 = 3,888 for the conv, 144·2 = 288 for the dense: 4,176.
BASE: dict[str, Any] = {
    "name": "small",
    "framework": "keras",
    "input": [8, 8, 3],
    "layers": [{"Conv2D": {"name": "conv", "filters": 4, "kernel_size": 3}},
               {"BatchNormalization": {"name": "bn"}}, "Flatten", {"Dense": {"name": "head", "units": 2}}],
}


def outcome(expect: dict[str, Any]) -> Any:
    return convcalc.analyze({**BASE, "expect": expect}).expect


HOLDS = [
    pytest.param({"output": [2]}, id="output"),
    pytest.param({"output": "2"}, id="output-text"),
    pytest.param({"output": {"head": [2]}}, id="output-by-name"),
    pytest.param({"params": 418, "trainable": 410, "non_trainable": 8}, id="totals"),
    pytest.param({"params": "418"}, id="count-as-text"),
    pytest.param({"params_max": "1K", "macs_max": 4176}, id="budgets-at-the-limit"),
    pytest.param({"macs": 4176}, id="macs"),
    pytest.param({"layers": {"conv": {"output": [6, 6, 4], "params": 112, "macs": 3888},
                             "bn": {"trainable": 8, "non_trainable": 8},
                             "head": {"output": "2"}}}, id="layers"),
]


@pytest.mark.parametrize("expect", HOLDS)
def test_expectations_that_hold(expect: dict[str, Any]) -> None:
    result = outcome(expect)
    assert result.ok and result.failures == []
    assert result.checked >= 1


FAILS = [
    pytest.param({"output": [3]}, ("output", [3], [2], "=="), id="output"),
    pytest.param({"output": {"head": [2, 1]}}, ("output head", [2, 1], [2], "=="), id="output-by-name"),
    pytest.param({"params": 417}, ("params", 417, 418, "=="), id="params"),
    pytest.param({"trainable": 418}, ("trainable", 418, 410, "=="), id="trainable"),
    pytest.param({"non_trainable": 0}, ("non_trainable", 0, 8, "=="), id="non-trainable"),
    pytest.param({"params_max": "0.4K"}, ("params_max", 400, 418, "<="), id="budget"),
    pytest.param({"macs_max": 4175}, ("macs_max", 4175, 4176, "<="), id="macs-budget"),
    pytest.param({"macs": 4000}, ("macs", 4000, 4176, "=="), id="macs"),
    pytest.param({"layers": {"conv": {"output": [7, 7, 4]}}}, ("conv output", [7, 7, 4], [6, 6, 4], "=="),
                 id="layer-output"),
    pytest.param({"layers": {"bn": {"non_trainable": 16}}}, ("bn non_trainable", 16, 8, "=="),
                 id="layer-non-trainable"),
    pytest.param({"layers": {"head": {"macs": 2}}}, ("head macs", 2, 288, "=="), id="layer-macs"),
]


@pytest.mark.parametrize(("expect", "failure"), FAILS)
def test_expectations_that_fail(expect: dict[str, Any], failure: tuple[Any, ...]) -> None:
    result = outcome(expect)
    assert not result.ok
    [f] = result.failures
    assert (f.what, f.expected, f.actual, f.relation) == failure


def test_failures_are_collected_and_counted() -> None:
    result = outcome({"output": [2], "params": 1, "params_max": 100, "layers": {"conv": {"params": 112}}})
    assert result.checked == 4
    assert [f.what for f in result.failures] == ["params", "params_max"]
    d = convcalc.analyze({**BASE, "expect": {"params_max": "100"}}).to_dict()["expect"]
    assert d == {"ok": False, "failures": [
        {"what": "params_max", "relation": "<=", "expected": 100, "actual": 418,
         "key": "expect.params_max", "line": None, "column": None}]}  # a dict spec: no lines


def test_text_of_a_failure() -> None:
    [f] = outcome({"params_max": "0.1K"}).failures
    assert str(f) == "params_max: expected ≤ 100, got 418"
    from convcalc.render.ascii import ascii_text

    assert ascii_text(f.expected_text()) == "<= 100"  # what --format plain prints


@pytest.mark.parametrize(
    ("raw", "value"),
    [(217706, 217706), ("217706", 217706), ("217,706", 217706), ("25M", 25_000_000),
     ("25m", 25_000_000), ("1.5K", 1500), ("2G", 2 * 10**9), ("1_000", 1000), (3.0, 3)],
)
def test_counts(raw: Any, value: int) -> None:
    assert count(raw, "params") == value


@pytest.mark.parametrize("raw", [True, "lots", 1.5, [1], "1.5.2K", "-3"])
def test_bad_counts(raw: Any) -> None:
    with pytest.raises(SpecError) as info:
        count(raw, "params")
    assert info.value.code == "expect-type"


def test_symbolic_totals_never_meet_an_exact_count() -> None:
    r = convcalc.analyze({"input": [3, "H", "H"], "vars": {"C": None},  # C declared free (issue 12)
                          "layers": [{"conv2d": {"out": "C", "kernel": 3}}],
                          "expect": {"params": 28, "params_max": 100}})
    assert [f.what for f in r.expect.failures] == ["params", "params_max"]
    assert r.expect.failures[0].actual == "28*C"


MISTAKES = [
    pytest.param({"parms": 3}, "unknown-key", id="unknown-key"),
    pytest.param({"layers": {"cnv": {"params": 1}}}, "bad-reference", id="unknown-layer"),
    pytest.param({"layers": {"conv": {"param": 1}}}, "unknown-key", id="unknown-layer-key"),
    pytest.param({"layers": {"conv": 112}}, "expect-type", id="layer-not-mapping"),
    pytest.param({"output": {"tail": [2]}}, "bad-reference", id="unknown-output"),
    pytest.param({"params_max": "big"}, "expect-type", id="bad-budget"),
    pytest.param({"output": True}, "expect-type", id="bad-shape"),
]


@pytest.mark.parametrize(("expect", "code"), MISTAKES)
def test_mistakes_in_expect_are_spec_errors(expect: dict[str, Any], code: str) -> None:
    with pytest.raises(SpecError) as info:
        outcome(expect)
    assert info.value.code == code


@pytest.mark.parametrize(("body", "where"), [
    ("  parms: 10\n", (5, 3)),
    ("  params: 10\n  params_max: big\n", (6, 3)),
    ("  layers:\n    dense_1: {params: 10}\n    dense_9: {params: 10}\n", (7, 5)),
    ("  layers:\n    dense_1: {params: 10, parms: 3}\n", (6, 27)),
    ("  layers:\n    dense_1:\n      output: [2]\n      macs: lots\n", (8, 7)),
    ("  output: {dense_1: [2], tail: [3]}\n", (5, 26)),
])
def test_expect_errors_point_at_the_key(tmp_path: Any, body: str, where: tuple[int, int]) -> None:
    path = tmp_path / "net.yaml"
    path.write_text("input: [4]\nlayers:\n  - dense: 2\nexpect:\n" + body)
    with pytest.raises(SpecError) as info:
        convcalc.analyze(path)
    assert (info.value.file, info.value.line, info.value.column) == (str(path), *where)


def test_expect_errors_in_a_dict_spec_point_at_the_expect_block() -> None:
    with pytest.raises(SpecError) as info:
        convcalc.analyze({"input": [4], "layers": [{"dense": 2}], "expect": {"parms": 10}})
    assert (info.value.code, info.value.file, info.value.line) == ("unknown-key", "<dict>", None)
