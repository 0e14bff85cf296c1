"""The command line: exit statuses, several files, quiet mode and every output format.

Rendered output is compared with golden files at a fixed width
(``--width 100 --no-color``); regenerate them with ``CONVCALC_REGEN=1 pytest``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _cli import EXAMPLES, FIXED, golden, run

FAILING = """\
name: failing
input: [1, 28, 28]
layers:
  - conv2d: {name: c1, out: 32, kernel: 5}
  - flatten
  - dense: 10
expect:
  output: [12]
  params: 185162
  params_max: 1K
  layers:
    c1: {output: [32, 20, 20], params: 832}
"""
INVALID = "1x4x4 | conv(8, 5)"
VALID = "examples/lenet5.yaml"
MNIST = "1x28x28 | conv(32,5) | maxpool(2) | conv(32,3) | maxpool(2) | flatten | dense(256) | dense(10)"


@pytest.fixture()
def failing(tmp_path: Path) -> str:
    path = tmp_path / "failing.yaml"
    path.write_text(FAILING)
    return str(path)


@pytest.mark.parametrize(
    ("specs", "status"),
    [
        pytest.param([VALID], 0, id="valid"),
        pytest.param(["FAILING"], 1, id="expect-fails"),
        pytest.param([INVALID], 2, id="invalid"),
        pytest.param([VALID, "FAILING"], 1, id="ok+failing"),
        pytest.param(["FAILING", VALID, INVALID], 2, id="failing+ok+invalid"),
        pytest.param([INVALID, VALID], 2, id="invalid-first"),
        pytest.param([VALID, MNIST], 0, id="two-valid"),
    ],
)
@pytest.mark.parametrize("fmt", ["table", "plain", "json", "markdown", "csv"])
def test_exit_status_is_the_worst(specs: list[str], status: int, fmt: str, failing: str) -> None:
    specs = [failing if s == "FAILING" else s for s in specs]
    r = run("-f", fmt, *FIXED, *specs)
    assert r.status == status
    assert "Traceback" not in r.out + r.err
    if INVALID in specs:  # JSON carries the error in its document; the others on stderr
        if fmt == "json":
            docs = json.loads(r.out)
            assert [d["error"]["code"] for d in (docs if isinstance(docs, list) else [docs])
                    if "error" in d] == ["size-below-1"]
        else:
            assert "error: <inline>:1:9: layer 1 'conv2d_1' (conv2d): " in r.err


def test_every_file_is_reported(failing: str) -> None:
    r = run("-f", "plain", VALID, failing, INVALID, MNIST)
    assert r.status == 2
    assert r.out.count("Total params:") == 3  # lenet5, failing, the inline MNIST net
    assert "lenet5 - pytorch" in r.out and "failing - pytorch" in r.out
    assert r.err.count("error:") == 1


def test_json_for_several_specs_is_a_list(failing: str) -> None:
    r = run("-f", "json", VALID, failing, INVALID)
    docs = json.loads(r.out)
    assert [d.get("name") for d in docs] == ["lenet5", "failing", None]
    assert docs[0]["expect"] == {"ok": True, "failures": []}
    assert docs[1]["expect"]["ok"] is False
    error = docs[2]["error"]
    assert set(error) == {"code", "message", "file", "line", "column", "layer", "hint"}
    assert (error["code"], error["file"], error["line"], error["column"]) == \
        ("size-below-1", "<inline>", 1, 9)
    assert not error["message"].startswith("<inline>")  # the bare sentence: the place has its own fields
    assert error["layer"] == {"index": 1, "name": "conv2d_1", "type": "conv2d"}


def test_failed_expectations_side_by_side(failing: str) -> None:
    r = run("-f", "plain", failing)
    assert r.status == 1
    block = r.out[r.out.index("Expectations FAILED"):].splitlines()
    assert block == [
        "Expectations FAILED (3 of 5 checks):",
        "  check       expected      actual",
        "  output      [12]          [10]",
        "  params_max  <= 1,000      185,162",
        "  c1 output   [32, 20, 20]  [32, 24, 24]",
    ]


@pytest.mark.parametrize("fmt", ["table", "plain", "json", "markdown", "csv"])
def test_quiet_prints_nothing_on_success(fmt: str) -> None:
    r = run("-q", "-f", fmt, VALID, MNIST)
    assert (r.status, r.out, r.err) == (0, "", "")


def test_quiet_prints_only_failures_and_errors(failing: str) -> None:
    r = run("-q", VALID, failing, INVALID)
    assert r.status == 2
    assert r.out == ""  # -q: only the error and failure lines, on stderr (SPEC §13)
    lines = r.err.splitlines()
    assert lines[0] == f"{failing}:8:3: expect.output: expected [12], got [10]"
    assert lines[1] == f"{failing}:10:3: expect.params_max: expected ≤ 1,000, got 185,162"
    assert lines[2] == f"{failing}:12:10: expect.layers.c1.output: expected [32, 20, 20], got [32, 24, 24]"
    assert lines[3].startswith("error: <inline>:1:9: layer 1 'conv2d_1' (conv2d): kernel 5")
    assert lines[-1] == "3 specs: 1 ok, 1 failed an expectation, 1 invalid"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["-c", "shape,flops", VALID], "unknown column `flops`", id="unknown-column"),
        pytest.param([], "give at least one SPEC", id="no-spec"),
        pytest.param(["-f", "toml", VALID], "Invalid value for '-f'", id="unknown-format"),
    ],
)
def test_command_line_mistakes_exit_2(args: list[str], message: str) -> None:
    r = run(*args)
    assert r.status == 2
    assert message in r.err


def test_stdin_spec() -> None:
    r = run("-f", "json", "-", stdin=FAILING)
    assert r.status == 1
    assert json.loads(r.out)["output"] == [10]


GOLDEN_CASES = [
    pytest.param("lenet5", [VALID], id="lenet5"),
    pytest.param("mnist-columns", ["-c", "shape,params,macs,memory,rf", MNIST], id="columns"),
    pytest.param("failing", ["-"], id="failing-expect"),
    pytest.param("explain", ["-x", "1x28x28 | conv(32,5) | maxpool(2,ceil_mode=true) | flatten | dense(10)"],
                 id="explain"),
]


@pytest.mark.parametrize(("name", "args"), GOLDEN_CASES)
@pytest.mark.parametrize(("fmt", "suffix"), [("table", "txt"), ("plain", "txt"), ("markdown", "md"),
                                             ("csv", "csv"), ("json", "json")])
def test_golden(name: str, args: list[str], fmt: str, suffix: str) -> None:
    r = run("-f", fmt, *FIXED, *args, stdin=FAILING)
    golden(f"{name}.{fmt}.{suffix}", r.out)
    # failed expectations: one compiler-style line each on stderr, in every format (SPEC §13)
    le = "<=" if fmt == "plain" else "≤"
    failure = ("<stdin>:8:3: expect.output: expected [12], got [10]\n"
               f"<stdin>:10:3: expect.params_max: expected {le} 1,000, got 185,162\n"
               "<stdin>:12:10: expect.layers.c1.output: expected [32, 20, 20], got [32, 24, 24]\n"
               ) if name == "failing" else ""
    if fmt == "csv":  # CSV keeps stdout to the table: warnings go to stderr too
        assert r.err.startswith(failure)
        assert ("--explain applies to" in r.err) == ("-x" in args)
    else:
        assert r.err == failure


def test_markdown_is_a_github_table_with_totals() -> None:
    r = run("-f", "markdown", "-c", "shape,params,macs", MNIST)
    rows = [line for line in r.out.splitlines() if line.startswith("|")]
    assert rows[0] == "| # | Name | Layer | Output shape | Params | MACs |"
    assert rows[1] == "| ---: | --- | --- | --- | ---: | ---: |"
    # MACs: 5·5·1·32·24·24 + 3·3·32·32·10·10 + 800·256 + 256·10 = 1,589,760
    assert rows[-1] == "|  | **Total** |  |  | **217,706** | **1,589,760** |"
    assert all(row.count(" | ") == 5 for row in rows)


def test_csv_has_a_header_and_one_row_per_layer() -> None:
    import csv
    import io

    r = run("-f", "csv", VALID, MNIST)
    table = list(csv.DictReader(io.StringIO(r.out)))
    assert len(table) == 12 + 7
    first = table[0]
    assert (first["file"], first["spec"], first["name"], first["output"], first["params"], first["macs"]) == (
        "examples/lenet5.yaml", "lenet5", "c1", "6x28x28", "156", "117600")
    assert (first["receptive_field"], first["effective_stride"]) == ("5x5", "1x1")
    assert (table[-1]["file"], table[-1]["spec"], table[-1]["output"]) == ("<inline>", "", "10")


def test_schema_option_prints_draft_2020_12() -> None:
    r = run("--schema")
    assert r.status == 0
    doc = json.loads(r.out)
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_examples_pass_their_own_expectations() -> None:
    files = sorted(str(p.relative_to(EXAMPLES.parent)) for p in EXAMPLES.glob("*.y*ml"))
    r = run("-q", *files)
    assert (r.status, r.out, r.err) == (0, "", "")


@pytest.mark.parametrize(
    ("path", "matched"),
    [("models/resnet18.yaml", True), ("src/nets/unet.yml", True), ("configs/encoder.arch.yaml", True),
     ("architectures/vgg.yaml", True), (".github/workflows/ci.yaml", False), ("models/README.md", False),
     ("docker-compose.yaml", False)],
)
def test_pre_commit_hook(path: str, matched: bool) -> None:
    import re

    import yaml

    [hook] = yaml.safe_load((EXAMPLES.parent / ".pre-commit-hooks.yaml").read_text())
    assert (hook["id"], hook["entry"], hook["language"]) == ("convcalc", "convcalc -q", "python")
    assert bool(re.search(hook["files"], path)) == matched


def test_framework_override_says_how_the_layout_changed() -> None:
    lenet = str(EXAMPLES / "lenet5.yaml")
    r = run("--framework", "keras", lenet)
    assert r.status == 2
    assert r.err.splitlines()[1] == (  # the error's hint line
        "  hint: the spec is written for pytorch, channels first; as keras its shapes are read channels "
        "last: add --layout channels_first to keep them as written")
    error = json.loads(run("--framework", "keras", "-f", "json", lenet).out)["error"]
    assert error["hint"].endswith("add --layout channels_first to keep them as written")
    assert "--layout" not in error["message"]
    r = run("--framework", "keras", "--layout", "channels_first", "-f", "json", lenet)
    assert r.status == 0, r.err
    doc = json.loads(r.out)
    assert (doc["framework"], doc["layout"], doc["output"]) == ("keras", "channels_first", [10])
    layers = {layer["name"]: layer for layer in doc["layers"]}
    assert layers["c1"]["weights"]["kernel"] == [5, 5, 1, 6]  # Keras's own kernel layout


def test_the_installed_command_finishes_its_output_and_status(tmp_path: Path) -> None:
    # main() freezes the collector before the interpreter exits; output, files and the
    # status must still be complete.
    import subprocess
    import sys

    svg = tmp_path / "r.svg"
    proc = subprocess.run([sys.executable, "-m", "convcalc", str(EXAMPLES / "resnet50.yaml"), "-f", "json",
                           "--draw", str(svg)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["totals"]["params"] == 25_557_032
    assert svg.read_text().rstrip().endswith("</svg>")
    failing = subprocess.run([sys.executable, "-m", "convcalc", "-"], input=FAILING, capture_output=True,
                             text=True, timeout=60)
    assert failing.returncode == 1 and "FAILED" in failing.stdout


def test_no_layout_note_when_the_layout_is_chosen_or_the_spec_names_no_framework() -> None:
    lenet = str(EXAMPLES / "lenet5.yaml")
    chosen = run("--framework", "keras", "--layout", "channels_last", lenet)
    assert chosen.status == 2 and "hint:" not in chosen.err
    inline = run("--framework", "keras", "28x28x1 | conv(8, 30)")
    assert inline.status == 2 and "hint:" not in inline.err


def test_the_layout_note_only_when_the_written_layout_would_work() -> None:
    misspelt = "framework: pytorch\ninput: [3, 8, 8]\nlayers:\n  - conv2d: {out: 4, kernal: 3}\n"
    r = run("--framework", "keras", "-", stdin=misspelt)
    assert r.status == 2 and "kernal" in r.err and "hint:" not in r.err
