"""Issue 12 item 6: ``expect:`` shapes take every form ``input:`` takes, and ``input:`` takes ``×``."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from _cli import run

import convcalc
from convcalc import SpecError


def spec_file(tmp_path: Path, expect: str, *, input_: str = "3x32x32", extra: str = "") -> str:
    path = tmp_path / "net.yaml"
    path.write_text(textwrap.dedent(f"""\
        input: {input_}
        {extra}
        layers:
          - conv2d: [8, 3]
        expect:
          {expect}
        """))
    return str(path)


@pytest.mark.parametrize("shape", [
    '"8×30×30"', "8×30×30", "8x30x30", '"8 × 30 × 30"', "[8, 30, 30]", '["8", "30", "30"]', "[8, 2*15, 30]",
])
def test_output_shape_forms(tmp_path: Path, shape: str) -> None:
    r = convcalc.analyze(spec_file(tmp_path, f"output: {shape}"))
    assert r.expect.ok and r.expect.checked == 1


def test_the_issue_example_fails_no_more(tmp_path: Path) -> None:
    ok = run(spec_file(tmp_path, 'output: "8×30×30"'), "-f", "plain")
    assert ok.status == 0 and "1 check passed" in ok.out
    wrong = run(spec_file(tmp_path, 'output: "8×30×31"'), "-f", "plain")
    assert wrong.status == 1
    assert "[8, 30, 31]" in wrong.out and "[8, 30, 30]" in wrong.out


def test_layer_shapes_and_names_from_vars(tmp_path: Path) -> None:
    path = spec_file(tmp_path, "layers: {conv2d_1: {output: C×30×30}}", extra="vars: {C: 8}")
    assert convcalc.analyze(path).expect.ok
    assert not convcalc.analyze(path, C=4).expect.ok  # -D rebinds the name: 8 is then wrong


@pytest.mark.parametrize("input_", ["3×32×32", '"3 × 32 × 32"', "[3, 32, 32]", "3x32x32"])
def test_input_takes_the_printed_form(tmp_path: Path, input_: str) -> None:
    r = convcalc.analyze(spec_file(tmp_path, "output: [8, 30, 30]", input_=input_))
    assert r.input == (3, 32, 32) and r.expect.ok


def test_inline_and_command_line_inputs_take_it_too() -> None:
    assert convcalc.analyze("3×32×32 | conv(8, 3)").output == (8, 30, 30)
    assert convcalc.analyze("3 × 32 × 32 | conv(8, 3)").output == (8, 30, 30)
    assert convcalc.analyze("conv(8, 3)", input="3×32×32").output == (8, 30, 30)
    r = run("conv(8, 3)", "-i", "3×32×32", "-f", "plain")
    assert r.status == 0 and "8x30x30" in r.out


def test_symbolic_shapes(tmp_path: Path) -> None:
    path = spec_file(tmp_path, "output: 8 × (H - 2) × (W - 2)", input_="3xHxW")
    assert convcalc.analyze(path).expect.ok
    wrong = spec_file(tmp_path, "output: 8 × (H - 3) × (W - 2)", input_="3xHxW")
    assert not convcalc.analyze(wrong).expect.ok


def test_a_size_that_is_no_number_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as e:
        convcalc.analyze(spec_file(tmp_path, "output: [8, 30, [30]]"))
    assert "expect.output" in e.value.message
