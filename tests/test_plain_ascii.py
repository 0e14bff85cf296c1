"""``--format plain`` is ASCII: one conversion of the table's notation, one word for ceilings."""

from __future__ import annotations

import pytest
from _cli import run

from convcalc.render.ascii import ascii_text
from convcalc.render.options import Options

FAILING = ("name: failing\ninput: [1, 28, 28]\n"
           "layers: [{conv2d: {name: c1, out: 32, kernel: 5}}, flatten, {dense: 10}]\n"
           "expect: {output: [12]}\n")
SYMBOLIC = "2*C x T x 80 | conv(C, 3, 2) | conv(2*C, 3, 2) | flatten | dense(10)"
KERAS_SAME = "T x 80 x 3 | Conv2D(32, 3, strides=2, padding=same) | Conv2D(32, 3, strides=2, padding=same)"
ALL_COLUMNS = ("-c", "shape,weights,params,macs,memory,rf")


@pytest.mark.parametrize("args", [
    pytest.param(["3xHxW | conv(16,3) | dense(10)"], id="symbolic-params"),
    pytest.param([*ALL_COLUMNS, "-x", SYMBOLIC], id="symbolic-all-columns-explain"),
    pytest.param(["--framework", "keras", "-x", *ALL_COLUMNS, KERAS_SAME], id="keras-ceil"),
    pytest.param(["-x", "3x9x9 | conv(4, (3, 5)) | maxpool(2, ceil_mode=true)"], id="label-kernel-3x5"),
    pytest.param(["--batch", "8", "-c", "shape,macs", "3xHxW | conv(16,3)"], id="batch-macs-footer"),
    pytest.param(["-", "examples/lenet5.yaml"], id="failing-and-title"),
    pytest.param(["-q", "-"], id="quiet-failing"),
])
def test_plain_output_is_ascii(args: list[str]) -> None:
    r = run("-f", "plain", *args, stdin=FAILING.replace("output: [12]", "params_max: 1K"))
    said = r.out or r.err  # -q: only the stderr lines
    assert said and said.isascii(), [line for line in said.splitlines() if not line.isascii()]


def test_ceilings_have_one_name() -> None:
    r = run("-f", "plain", "--framework", "keras", "-x", *ALL_COLUMNS, KERAS_SAME)
    assert "ceiling" not in r.out
    assert "H: ceil(T / 2) = ceil(T/2)" in r.out and " ceil(T/2) x 40 x 32 " in r.out


def test_one_ascii_conversion() -> None:
    assert ascii_text("⌈T/4⌉ × 20 − 1 ≥ 2·C — ceiling(T/4)") == "ceil(T/4) x 20 - 1 >= 2*C - ceil(T/4)"
    assert Options(format="plain").text("2·C") == "2*C"
    assert Options().text("2·C") == "2·C"
