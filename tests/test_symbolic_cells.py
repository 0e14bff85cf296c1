"""Symbolic sizes in cells and explain lines: axes grouped, sums parenthesised, the table's notation."""

from __future__ import annotations

import pytest
from _cli import run

import convcalc
from convcalc.render.cells import axes
from convcalc.render.explain import explain_lines

SYMBOLIC = "2*C x T x 80 | conv(C, 3, 2) | conv(2*C, 3, 2) | flatten | dense(10)"


@pytest.mark.parametrize(("texts", "joined"), [
    (["32", "1", "5", "5"], "32×1×5×5"),
    (["2·C", "C", "3", "3"], "2·C × C × 3 × 3"),
    (["10", "W − 2"], "10 × (W − 2)"),  # a size that is a sum is bracketed (issue 12)
    ([], "()"),
])
def test_axes_rule(texts: list[str], joined: str) -> None:
    assert axes(texts) == joined


@pytest.mark.parametrize(("fmt", "cell"), [
    ("table", "2·C × C × 3 × 3, 2·C"),
    ("markdown", "2·C × C × 3 × 3, 2·C"),
    ("plain", "2*C x C x 3 x 3, 2*C"),
    ("csv", "weight:2*C x C x 3 x 3 bias:2*C"),
])
def test_symbolic_weight_shapes_are_grouped(fmt: str, cell: str) -> None:
    r = run("-f", fmt, "--no-color", "--width", "300", SYMBOLIC)
    assert cell in r.out


def test_explain_sums_parenthesise_compound_factors() -> None:
    dense = convcalc.analyze("3xHxW | conv(16,3) | dense(10)").layers[-1]
    assert explain_lines(dense)[-1] == "params: weight 10·(W − 2) = 10·W − 20, bias 10, total 10·W − 10"


def test_explain_writes_symbolic_values_as_the_table_does() -> None:
    # The value after "=" uses the table's notation (⌈T/2⌉), not sympy's (ceiling(T/2)).
    table = run("-x", "1xTx80 | conv(8, 3, stride=2, padding=1)")
    assert "+ 1 = ⌈T/2⌉" in table.out and "ceiling" not in table.out
    plain = run("-x", "-f", "plain", "1xTx80 | conv(8, 3, stride=2, padding=1)")
    assert "+ 1 = ceil(T/2)" in plain.out


def test_explain_total_is_written_like_the_params_cell() -> None:
    r = run("-x", "-f", "plain", "1x8xT | conv(4,3,2) | flatten | dense(2)")
    cell = next(line for line in r.out.splitlines() if line.startswith("3 "))
    total = next(line for line in r.out.splitlines() if "params: weight" in line and "2*" in line)
    assert total.rsplit("total ", 1)[1].strip() in cell
