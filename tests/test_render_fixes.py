"""Rendering fixes: failures reported by every format, ASCII plain output, grouped symbolic shapes,
byte sizes, one wording for ceilings, --explain outside the table, piped width, one render loop."""

from __future__ import annotations

import csv
import io
import json

import pytest
from _cli import run

import convcalc
from convcalc.render import table
from convcalc.render.ascii import ascii_text
from convcalc.render.cells import axes, human_bytes
from convcalc.render.explain import explain_lines
from convcalc.render.options import Options

FAILING = ("name: failing\ninput: [1, 28, 28]\n"
           "layers: [{conv2d: {name: c1, out: 32, kernel: 5}}, flatten, {dense: 10}]\n"
           "expect: {output: [12]}\n")
PASSING = "1x8x8 | conv(4, 3)"
SYMBOLIC = "2*C x T x 80 | conv(C, 3, 2) | conv(2*C, 3, 2) | flatten | dense(10)"
KERAS_SAME = "T x 80 x 3 | Conv2D(32, 3, strides=2, padding=same) | Conv2D(32, 3, strides=2, padding=same)"
ALL_COLUMNS = ("-c", "shape,weights,params,macs,memory,rf")


# ---------------------------------------------------------------- 1. why the exit status is 1


@pytest.mark.parametrize(("fmt", "where"), [
    ("table", "out"), ("plain", "out"), ("markdown", "out"),
    ("csv", "err"), ("mermaid", "err"), ("dot", "err"),
])
def test_every_format_says_why_it_exits_1(fmt: str, where: str) -> None:
    r = run("-f", fmt, "--no-color", "-", stdin=FAILING)
    assert r.status == 1
    # every format: the failed check compiler-style on stderr, at the key (SPEC §13)
    assert r.err == "<stdin>:4:10: expect.output: expected [12], got [10]\n"
    if where == "out":  # the interactive formats keep the side-by-side table
        assert "Expectations FAILED" in r.out and "(1 of 1 check)" in r.out
    else:  # the document on stdout stays what its format says it is
        assert "FAILED" not in r.out


def test_csv_stdout_stays_clean_when_expectations_fail() -> None:
    r = run("-f", "csv", "-", stdin=FAILING)
    rows = list(csv.reader(io.StringIO(r.out)))
    assert rows[0][:4] == ["file", "spec", "index", "name"]
    assert [row[3] for row in rows[1:]] == ["c1", "flatten_1", "dense_1"]


def test_json_carries_failures_in_the_document() -> None:
    r = run("-f", "json", "-", stdin=FAILING)
    assert r.status == 1 and r.err == "<stdin>:4:10: expect.output: expected [12], got [10]\n"
    assert json.loads(r.out)["expect"]["ok"] is False


# ---------------------------------------------------------------- 2, 5. plain is ASCII, one word for ceilings


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


# ---------------------------------------------------------------- 3. symbolic axes grouped


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
    assert explain_lines(dense)[-1] == "params: weight 10·(W − 2) + bias 10 = 10·W − 10"


# ---------------------------------------------------------------- 4. human-readable sizes


@pytest.mark.parametrize(("spec", "size"), [
    ("1x8x8 | conv(4, 3)", "160 B"),
    ("1x28x28 | conv(32,5) | maxpool(2) | flatten | dense(10)", "187.69 kB"),
    ("1x8 | dense(1000000)", "36.00 MB"),
    ("CxHxW | conv(4, 3)", "4·(36·C + 4) bytes"),
])
def test_params_size_footer(spec: str, size: str) -> None:
    assert f"Params size (float32): {size}\n" in run("--no-color", spec).out


# ---------------------------------------------------------------- 6. --explain outside the table


@pytest.mark.parametrize("fmt", ["csv", "mermaid", "dot"])
def test_explain_warns_where_it_does_not_apply(fmt: str) -> None:
    r = run("-f", fmt, "-x", PASSING)
    assert r.status == 0
    assert r.err == f"warning: --explain applies to table, plain, markdown, json and html, not {fmt}\n"
    assert run("-f", fmt, PASSING).err == ""


def test_json_carries_explain_steps_per_layer() -> None:
    doc = json.loads(run("-f", "json", "-x", "1x28x28 | conv(32,5) | flatten").out)
    conv, flat = doc["layers"]
    assert conv["explain"] == [
        "H: floor((28 + 0 + 0 - 1*(5 - 1) - 1) / 1) + 1 = 24",
        "W: floor((28 + 0 + 0 - 1*(5 - 1) - 1) / 1) + 1 = 24",
        "params: weight 32*1*5*5 + bias 32 = 800 + 32 = 832",
    ]
    assert flat["explain"] == []
    assert "explain" not in json.loads(run("-f", "json", PASSING).out)["layers"][0]


# ---------------------------------------------------------------- 7. piped output is not wrapped


def test_piped_table_has_its_natural_width() -> None:
    wide = run("--no-color", *ALL_COLUMNS, SYMBOLIC).out
    assert max(map(len, wide.splitlines())) > 120
    assert wide == run("--no-color", "--width", "1000", *ALL_COLUMNS, SYMBOLIC).out


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_still_wraps_at_its_width(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    out = _Terminal()
    opts = Options(columns=tuple(ALL_COLUMNS[1].split(",")), color=False)
    table.render([convcalc.analyze(SYMBOLIC)], opts, out, io.StringIO())
    assert max(len(line) for line in out.getvalue().splitlines()) <= 80


# ---------------------------------------------------------------- 8. one loop: --quiet and errors alike


@pytest.mark.parametrize("fmt", ["plain", "markdown", "csv", "mermaid", "dot"])
def test_quiet_shows_only_the_failing_spec(fmt: str) -> None:
    r = run("-q", "-f", fmt, PASSING, "-", "1x4x4 | conv(4, 5)", stdin=FAILING)
    assert r.status == 2
    assert r.out == ""  # -q is the same in every format: only the error and failure lines
    assert r.err.splitlines()[0] == "<stdin>:4:10: expect.output: expected [12], got [10]"
    assert r.err.count("error: <inline>:1:") == 1


def test_explain_writes_symbolic_values_as_the_table_does() -> None:
    # The value after "=" uses the table's notation (⌈T/2⌉), not sympy's (ceiling(T/2)).
    table = run("-x", "1xTx80 | conv(8, 3, stride=2, padding=1)")
    assert "+ 1 = ⌈T/2⌉" in table.out and "ceiling" not in table.out
    plain = run("-x", "-f", "plain", "1xTx80 | conv(8, 3, stride=2, padding=1)")
    assert "+ 1 = ceil(T/2)" in plain.out


def test_symbolic_activations_show_elements_only() -> None:
    r = run("-f", "plain", "-c", "memory", "3xHxW | conv(8, 3) | maxpool(2)")
    assert "8*(H - 2)*(W - 2)" in r.out and " B)" not in r.out
    concrete = run("-f", "plain", "-c", "memory", "3x8x8 | conv(8, 3)")
    assert "288 (1.15 kB)" in concrete.out  # 8·6·6 elements, 4 bytes each


@pytest.mark.parametrize(("n", "text"), [
    (0, "0 B"), (999, "1.00 kB"), (1_000, "1.00 kB"), (249_999 * 4, "1.00 MB"),
    (123_456_789, "123.46 MB"), (10**15, "1,000.00 TB"),
])
def test_human_bytes_picks_the_unit_after_rounding(n: int, text: str) -> None:
    assert human_bytes(n) == text


def test_explain_total_is_written_like_the_params_cell() -> None:
    r = run("-x", "-f", "plain", "1x8xT | conv(4,3,2) | flatten | dense(2)")
    cell = next(line for line in r.out.splitlines() if line.startswith("3 "))
    total = next(line for line in r.out.splitlines() if "params: weight" in line and "2*" in line)
    assert total.rsplit("= ", 1)[1].strip() in cell


def test_piped_table_follows_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    r = run("examples/alexnet.yaml")
    assert max(len(line) for line in r.out.splitlines()) <= 60
