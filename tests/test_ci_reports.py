"""Reports for CI (SPEC §13): file names in every format, compiler-style failures, the summary line,
``-q`` alike in every format, GitHub annotations, and the messages that help a new user start.

Three files in a ``models/`` folder: one good, one whose ``expect:`` fails, one invalid.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from _cli import Run
from click.testing import CliRunner

from convcalc.cli import command

GOOD = """\
name: good
input: [1, 28, 28]
layers:
  - conv2d: {name: conv1, out: 32, kernel: 3}
  - flatten
  - dense: 10
"""
NET = """\
name: tiny
input: [1, 28, 28]
layers:
  - conv2d: {name: conv1, out: 32, kernel: 3}
  - flatten
  - dense: 10
expect:
  params: 216651
  layers:
    conv1: {output: [32, 24, 24]}
"""
BAD = """\
input: [1, 28, 28]
layers:
  - conv2d: {out: 32, kernel: 30}
"""
FILES = ["models/good.yaml", "models/net.yaml", "models/bad.yaml"]
PARAMS_LINE = "models/net.yaml:8:3: expect.params: expected 216,651, got 216,650"
OUTPUT_LINE = "models/net.yaml:10:13: expect.layers.conv1.output: expected [32, 24, 24], got [32, 26, 26]"
ERROR_LINE = ("error: models/bad.yaml:3:5: layer 1 'conv2d_1' (conv2d): kernel 30 is larger than the "
              "padded input 28 (28 + 2*0) on axis H")
SUMMARY = "3 specs: 1 ok, 1 failed an expectation, 1 invalid"
FORMATS = ["table", "plain", "markdown", "json", "csv", "mermaid", "dot", "github"]


@pytest.fixture()
def repo(tmp_path: Path) -> Iterator[Path]:
    """A folder with the three files, made the current folder (reports name them relative)."""
    (tmp_path / "models").mkdir()
    for name, text in (("good", GOOD), ("net", NET), ("bad", BAD)):
        (tmp_path / "models" / f"{name}.yaml").write_text(text)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(cwd)


def cc(*args: str, env: dict[str, str] | None = None) -> Run:
    r = CliRunner().invoke(command, list(args), catch_exceptions=False, env=env)
    return Run(r.exit_code, r.stdout, r.stderr)


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "github"])
def test_every_format_reports_each_file_and_sums_up(repo: Path, fmt: str) -> None:
    graphs = ["--output-dir", str(repo / "graphs")] if fmt in ("mermaid", "dot") else []  # a file each
    r = cc("-f", fmt, "--width", "120", *FILES, *graphs)
    assert r.status == 2
    lines = [line for line in r.err.splitlines() if not line.startswith("graph written to")]
    assert lines == [PARAMS_LINE, OUTPUT_LINE, ERROR_LINE, SUMMARY]
    if fmt in ("table", "plain"):
        dash = "—" if fmt == "table" else "-"
        assert f"models/good.yaml {dash} good {dash} pytorch, channels first" in r.out
        assert f"models/net.yaml {dash} tiny {dash} pytorch" in r.out
        assert "Expectations FAILED (2 of 2 checks)" in r.out  # the side-by-side table stays
    elif fmt == "markdown":
        assert "### models/good.yaml — good — pytorch" in r.out
        assert "### models/net.yaml — tiny — pytorch" in r.out
        assert "> **Error:** `models/bad.yaml:3:5:" in r.out
    elif fmt == "json":
        docs = json.loads(r.out)
        assert [d["file"] for d in docs] == FILES
        fails = docs[1]["expect"]["failures"]
        assert [(f["key"], f["line"], f["column"]) for f in fails] == [
            ("expect.params", 8, 3), ("expect.layers.conv1.output", 10, 13)]
        assert docs[2]["error"]["file"] == "models/bad.yaml"
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(r.out)))
        assert sorted({row["file"] for row in rows}) == ["models/good.yaml", "models/net.yaml"]
        assert {row["spec"] for row in rows} == {"good", "tiny"}
    for line in r.out.splitlines():
        if line.startswith(("models/", "###")):  # titles and headings
            assert line == line.rstrip(), line


def test_trailing_spaces_never_end_a_title(repo: Path) -> None:
    for width in ("40", "80", "200"):
        out = cc("--no-color", "--width", width, *FILES).out
        titles = [line for line in out.splitlines() if line.startswith("models/")]
        assert len(titles) >= 2 and all(line == line.rstrip() for line in titles)


@pytest.mark.parametrize("fmt", FORMATS)
def test_quiet_is_the_same_in_every_format(repo: Path, fmt: str) -> None:
    r = cc("-q", "-f", fmt, *FILES)
    assert r.status == 2
    if fmt == "github":
        assert r.err == SUMMARY + "\n"
        assert [line.split("::")[1] for line in r.out.splitlines()] == [
            "error file=models/net.yaml,line=8,col=3,title=convcalc expect.params",
            "error file=models/net.yaml,line=10,col=13,title=convcalc expect.layers.conv1.output",
            "error file=models/bad.yaml,line=3,col=5,title=convcalc size-below-1"]
    elif fmt == "json":  # only the failing specs' objects
        assert [d["file"] for d in json.loads(r.out)] == ["models/net.yaml", "models/bad.yaml"]
        assert r.err.splitlines() == [PARAMS_LINE, OUTPUT_LINE, ERROR_LINE, SUMMARY]
    else:
        assert r.out == ""
        assert r.err.splitlines() == [PARAMS_LINE, OUTPUT_LINE, ERROR_LINE, SUMMARY]
    passing = cc("-q", "-f", fmt, "models/good.yaml", "models/good.yaml")
    assert (passing.status, passing.out, passing.err) == (0, "", "")  # no summary when all passed


def test_summary_without_quiet_when_all_passed(repo: Path) -> None:
    r = cc("-f", "json", "models/good.yaml", "1x8x8 | conv(4, 3)")
    assert r.status == 0 and r.err == "2 specs: 2 ok\n"
    assert [d["file"] for d in json.loads(r.out)] == ["models/good.yaml", "<inline>"]
    one = cc("-f", "json", "models/good.yaml")
    assert one.err == ""  # one spec: no summary


def test_stdin_and_inline_are_named(repo: Path) -> None:
    r = CliRunner().invoke(command, ["-f", "json", "-", "1x8x8 | conv(4, 3)"], input=NET)
    docs = json.loads(r.stdout)
    assert [d["file"] for d in docs] == ["<stdin>", "<inline>"]
    assert r.stderr.splitlines()[0] == "<stdin>:8:3: expect.params: expected 216,651, got 216,650"


def test_github_annotations(repo: Path) -> None:
    r = cc("-f", "github", *FILES)
    assert r.status == 2
    assert r.out.splitlines() == [
        "::error file=models/net.yaml,line=8,col=3,title=convcalc expect.params::"
        "expected 216,651, got 216,650",
        "::error file=models/net.yaml,line=10,col=13,title=convcalc expect.layers.conv1.output::"
        "expected [32, 24, 24], got [32, 26, 26]",
        "::error file=models/bad.yaml,line=3,col=5,title=convcalc size-below-1::"
        "layer 1 'conv2d_1' (conv2d): kernel 30 is larger than the padded input 28 (28 + 2*0) on axis H",
    ]
    ok = cc("-f", "github", "models/good.yaml")
    assert (ok.status, ok.out, ok.err) == (0, "", "")


def test_github_escapes_what_would_end_a_property(repo: Path) -> None:
    Path("models/a,b.yaml").write_text(BAD)
    line = cc("-f", "github", "models/a,b.yaml").out
    assert line.startswith("::error file=models/a%2Cb.yaml,line=3,col=5,title=convcalc ")


def test_an_empty_file_says_what_a_spec_needs(repo: Path) -> None:
    Path("models/empty.yaml").write_text("# nothing yet\n")
    r = cc("models/empty.yaml")
    assert r.status == 2
    assert r.err.splitlines() == [
        "error: models/empty.yaml:1:1: the spec is empty: a spec needs `input:` (the shape of one "
        "sample) and `layers:`",
        "  hint: a spec as small as it gets:", "    input: [1, 28, 28]", "    layers:", "      - dense: 10",
    ]
    start = "\n".join(line[4:] for line in r.err.splitlines()[2:])
    Path("models/start.yaml").write_text(start + "\n")
    assert cc("models/start.yaml").status == 0  # the example in the hint runs as written


def test_an_unknown_type_names_the_closest_and_the_catalogue() -> None:
    r = cc("1x28x28 | lstmm(8)")
    assert r.status == 2
    first, hint = r.err.splitlines()
    assert first.endswith("unknown layer type `lstmm` (did you mean `lstm`?)")
    assert hint == ("  hint: `convcalc --list-layers` lists every type; "
                    "`convcalc --list-layers --only lstm` shows one type or family")


@pytest.mark.parametrize(("only", "family", "present", "absent"), [
    ("lstm", "recurrent:", "  lstm", "gru"),
    ("nn.LSTM", "recurrent:", "  lstm", "conv1d"),
    ("recurrent", "recurrent:", "gru", "conv1d"),
    ("Conv2d", "convolution:", "conv2d", "lstm"),
])
def test_list_layers_only(only: str, family: str, present: str, absent: str) -> None:
    r = cc("--list-layers", "--only", only)
    assert r.status == 0
    lines = r.out.splitlines()
    assert family in lines and present in r.out and absent not in r.out
    assert len(lines) < 90  # one type or family, not the whole catalogue
    full = cc("--list-layers").out
    assert len(full.splitlines()) > 5 * len(lines)


def test_list_layers_only_unknown() -> None:
    r = cc("--list-layers", "--only", "lstmm")
    assert r.status == 2
    assert "`lstmm` is neither a layer type nor a family (did you mean `lstm`?)" in r.err


def test_bundled_examples() -> None:
    listing = cc("--examples")
    assert listing.status == 0
    assert listing.out.splitlines()[0].startswith("alexnet  ")
    assert any(line.startswith("lenet5 ") and "LeNet-5" in line for line in listing.out.splitlines())
    r = cc("-f", "json", "--example", "lenet5")
    doc = json.loads(r.out)
    assert (r.status, doc["name"], doc["totals"]["params"]) == (0, "lenet5", 61706)
    assert doc["file"].endswith(os.path.join("examples", "lenet5.yaml"))
    wrong = cc("--example", "lenet")
    assert wrong.status == 2 and "no example named `lenet` (did you mean `lenet5`?)" in wrong.err


def test_the_depth_tip_when_the_table_is_longer_than_the_screen() -> None:
    from _cli import EXAMPLES

    spec = str(EXAMPLES / "resnet18.yaml")
    tall = cc("--no-color", spec, env={"LINES": "40"}).out.splitlines()
    assert tall[-1] == "81 rows, more than the screen: `--depth 1` shows 19 (a row per block)"
    assert "--depth 1" not in cc("--no-color", spec, env={"LINES": "200"}).out
    assert "--depth 1" not in cc("--no-color", "--depth", "1", spec, env={"LINES": "10"}).out
    assert "--depth 1" not in cc("--no-color", spec).out  # a pipe has no screen
