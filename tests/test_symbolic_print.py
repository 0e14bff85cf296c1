"""Issue 12, item 3: symbolic sizes print unambiguously in every format.

A size that is a sum is bracketed inside a shape or a product; no printed
expression starts with a minus when it has a positive term; parameter totals
are factored when that is shorter; JSON keeps sympy's syntax, parses back and
equals the concrete runs; labels show the values the vars fix.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import convcalc
from convcalc.render import cells as C

sympy = pytest.importorskip("sympy")
from _cli import EXAMPLES, run  # noqa: E402

CONV = "3xHxW | conv(16,3)"
KERNEL = "3x32x32 | conv(8, k) | maxpool(2)"


def test_sums_are_bracketed_in_shapes() -> None:
    r = convcalc.analyze(CONV)
    assert C.shape(r.layers[0].output, C.Options()) == "16 × (H − 2) × (W − 2)"
    r = convcalc.analyze(KERNEL)
    assert C.shape(r.layers[0].output, C.Options()) == "8 × (33 − k) × (33 − k)"
    assert C.shape(r.layers[1].output, C.Options()) == "8 × (16 − ⌊k/2⌋) × (16 − ⌊k/2⌋)"


@pytest.mark.parametrize(("fmt", "wanted"), [
    ("table", ["16 × (H − 2) × (W − 2)"]),
    ("plain", ["16 x (H - 2) x (W - 2)"]),
    ("markdown", ["16 × (H − 2) × (W − 2)"]),
    ("mermaid", ["16 × (H − 2) × (W − 2)"]),
    ("dot", ["16 × (H − 2) × (W − 2)"]),
])
def test_every_format_brackets_sums(fmt: str, wanted: list[str]) -> None:
    out = run(CONV, "-f", fmt, "--columns", "shape").out
    for w in wanted:
        assert w in out
    assert "16 × H − 2" not in out and "16 x H - 2" not in out


def test_kernel_sizes_read_positive_first() -> None:
    out = run(KERNEL, "-f", "plain").out
    assert "8 x (33 - k) x (33 - k)" in out
    assert "8 x (16 - floor(k/2)) x (16 - floor(k/2))" in out
    assert "-k + 33" not in out and "ceil((-k)/2)" not in out


def test_explain_and_draw_bracket_sums(tmp_path: Path) -> None:
    out = run(KERNEL, "--explain", "-f", "plain").out
    assert "floor(((33 - k) + 0 + 0 - 1*(2 - 1) - 1) / 2) + 1 = 16 - floor(k/2)" in out
    svg = tmp_path / "k.svg"
    run(KERNEL, "--draw", str(svg), "-q")
    text = svg.read_text(encoding="utf-8")
    assert "8 × (33 − k) × (33 − k)" in text and "(16 − ⌊k/2⌋)" in text


def test_totals_are_factored_when_shorter() -> None:
    r = convcalc.analyze("3xHxW | conv(16,3) | maxpool(2) | flatten | dense(10)")
    assert C.count(r.total_params) == "160·(⌊H/2⌋ − 1)·(⌊W/2⌋ − 1) + 458"
    assert r.to_dict()["totals"]["params"] == "160*(floor(H/2) - 1)*(floor(W/2) - 1) + 458"
    # a polynomial that is no product stays expanded
    assert C.count(convcalc.analyze({"input": [3, 8, 8], "vars": {"C": None},
                                     "layers": [{"conv2d": ["C", 3]}, {"conv2d": ["C", 3]}]})
                   .total_params) == "9·C^2 + 29·C"


def test_products_take_the_common_factor_out() -> None:
    d = convcalc.analyze(KERNEL).to_dict()
    assert d["layers"][0]["memory"]["elements"] == "8*(33 - k)**2"


SPECS = [
    ("3xHxW | conv(16,3) | maxpool(2) | flatten | dense(10)", {"H": 13, "W": 9}),
    (KERNEL, {"k": 5}),
    ("3x32x32 | conv(8, 3, s) | conv(8, 3) | avgpool(2)", {"s": 3}),
    ("3x32x32 | maxpool(k) | conv(4, 3)", {"k": 7}),
    ("3xTx40 | conv(8, 5, 2, 1) | conv(8, 3, 2) | flatten | dense(4)", {"T": 57}),
    ("8xH | conv1d(8, k, 2) | maxpool1d(3)", {"H": 50, "k": 4}),
]


def _values(json_value: object, names: dict[str, int]) -> object:
    if isinstance(json_value, list):
        return [_values(v, names) for v in json_value]
    if isinstance(json_value, dict):
        return {k: _values(v, names) for k, v in json_value.items()}
    if isinstance(json_value, str):
        local = {n: sympy.Symbol(n, integer=True, positive=True) for n in names}
        e = sympy.parse_expr(json_value, local_dict=local)
        return int(e.subs({local[n]: v for n, v in names.items()}))
    return json_value


@pytest.mark.parametrize(("spec", "names"), SPECS)
def test_json_parses_back_and_equals_the_concrete_run(spec: str, names: dict[str, int]) -> None:
    symbolic = convcalc.analyze(spec).to_dict()
    concrete = convcalc.analyze(spec, **names).to_dict()
    for key in ("output",):
        assert _values(symbolic[key], names) == concrete[key]
    for a, b in zip(symbolic["layers"], concrete["layers"], strict=True):
        for key in ("output", "weights", "params", "macs", "memory"):
            assert _values(a[key], names) == b[key], (a["name"], key)
    assert _values(symbolic["totals"], names) == concrete["totals"]


def _texts(spec: str) -> list[str]:
    r = convcalc.analyze(spec)
    out = []
    for row in r.layers:
        out += [C.dim(d) for d in row.output] + [C.count(row.params), C.count(row.macs)]
    return out


@pytest.mark.parametrize(("spec", "names"), SPECS)
def test_no_expression_starts_with_a_minus(spec: str, names: dict[str, int]) -> None:
    for text in _texts(spec):
        assert not text.startswith(("-", "−")), text


def test_labels_show_the_values_the_vars_fix() -> None:
    r = convcalc.analyze(EXAMPLES / "densenet121.yaml")
    labels = {row.name: row.label for row in r.layers}
    assert labels["denseblock1.0.conv1"] == "conv2d(128, 1, bias=false)"
    r = convcalc.analyze({"input": [3, 8, 8], "vars": {"C": None, "m": 2},
                          "layers": [{"conv2d": {"out": "m*C", "kernel": "m + 1"}}]})
    assert r.layers[0].label == "conv2d(m*C, 3)"  # a free name keeps the expression
    explain = run(str(EXAMPLES / "densenet121.yaml"), "--explain", "-f", "plain").out
    assert "conv2d(128, 1, bias=false)" in explain


def test_json_of_a_concrete_spec_is_unchanged() -> None:
    d = json.loads(run("3x32x32 | conv(8, 3)", "-f", "json").out)
    assert d["layers"][0]["output"] == [8, 30, 30]
