"""A catalogue of bad inputs: each must exit 2 with one located error of a stable kind.

Every case runs the real command (click's CliRunner on ``convcalc.cli.command``;
a few through a subprocess) and checks: exit status 2, no traceback, the error's
code and the ``line:col`` of the offending argument or key (in the JSON object and
in the ``file:line:col:`` of the text output), and the numbers of the message.
The English of the messages is free to change; codes and places are not.  YAML
cases are written to ``m.yaml`` in a temporary directory and passed by name;
inline cases are passed as the argument itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from convcalc.cli import command


def Y(id: str, text: str, code: str, loc: str, *numbers: str) -> object:
    """A YAML case: the error's ``code``, ``loc`` (``line:col`` in m.yaml) and numbers of its message."""
    return pytest.param("yaml", text, code, loc, numbers, id=id)


def I(id: str, text: str, code: str, loc: str, *numbers: str) -> object:  # noqa: E743
    """An inline case: ``loc`` is ``line:col`` in <inline>."""
    return pytest.param("inline", text, code, loc, numbers, id=id)


HEAD = "input: [1, 28, 28]\nlayers:\n"

CASES = [
    # ---- the document itself
    Y("malformed-flow", HEAD + "  - conv2d: {out: 32, kernel: 3\n", "yaml-syntax", "4:1"),
    Y("malformed-tab", HEAD + "\t- relu\n", "yaml-syntax", "3:1"),
    Y("malformed-unclosed-quote", HEAD + '  - conv2d: {out: "32, kernel: 3}\n', "yaml-syntax", "4:1"),
    Y("empty-file", "", "empty-spec", "1:1"),
    Y("only-comment", "# nothing here\n", "empty-spec", "1:1"),
    Y("top-level-list", "- conv2d: [32, 3]\n- relu\n", "not-a-mapping", "1:1"),
    Y("top-level-string", '"just a string"\n', "not-a-mapping", "1:1"),
    Y("top-level-int", "42\n", "not-a-mapping", "1:1", "42"),
    Y("duplicate-key", "input: [1, 8, 8]\ninput: [1, 9, 9]\nlayers: [relu]\n", "duplicate-key", "2:1"),
    Y("merge-key", "a: &a {input: [1, 8, 8]}\n<<: *a\nlayers: [relu]\n", "yaml-merge-key", "2:1"),
    # ---- missing or misspelled keys
    Y("misspelled-layers", "input: [1, 28, 28]\nlayer:\n  - relu\n", "unknown-key", "2:1"),
    Y("misspelled-first-key", "inputt: [1, 28, 28]\nlayers:\n  - relu\n", "unknown-key", "1:1"),
    Y("misspelled-framework-key", "input: [1, 8, 8]\nframwork: keras\nlayers: [relu]\n",
      "unknown-key", "2:1"),
    Y("missing-layers", "input: [1, 28, 28]\nname: x\n", "no-layers", "1:1"),
    Y("missing-input", "layers:\n  - relu\n", "no-input", "1:1"),
    Y("layers-not-list", "input: [1, 28, 28]\nlayers: {conv2d: 3}\n", "bad-layer-list", "2:1"),
    Y("layers-empty", "input: [1, 28, 28]\nlayers: []\n", "no-layers", "2:1"),
    Y("two-types-one-entry", HEAD + "  - conv2d: {out: 32, kernel: 3}\n    relu:\n", "bad-layer", "4:5"),
    Y("layer-is-number", HEAD + "  - 5\n", "bad-layer", "3:5", "5"),
    Y("layer-is-null", HEAD + "  - null\n", "bad-layer", "3:5"),
    Y("framework-typo", "input: [1, 8, 8]\nframework: pytroch\nlayers: [relu]\n", "bad-framework", "2:1"),
    Y("layout-bad", "input: [1, 8, 8]\nlayout: nchw\nlayers: [relu]\n", "bad-layout", "2:1"),
    Y("expect-unknown-key", HEAD + "  - relu\nexpect: {parms: 3}\n", "unknown-key", "4:10"),
    Y("expect-bad-count", HEAD + "  - relu\nexpect: {params: 5Q}\n", "expect-type", "4:10"),
    # ---- unknown layer types and arguments
    Y("unknown-type", HEAD + "  - conx2d: [32, 3]\n", "unknown-type", "3:5"),
    Y("unknown-arg", HEAD + "  - conv2d: {out: 32, kernal: 3}\n", "unknown-argument", "3:23"),
    I("inline-unknown-type", "1x28x28 | maxpoll(2)", "unknown-type", "1:11"),
    I("inline-unknown-arg", "1x28x28 | conv(32, 3, strid=2)", "unknown-argument", "1:23"),
    I("inline-arg-twice", "1x28x28 | conv(32, 3, kernel=3)", "duplicate-argument", "1:23"),
    I("inline-fractional-input", "3x32.5x32 | conv(8, 3)", "not-whole", "1:1"),
    I("inline-fractional-spaced", "3 x 32.5 x 32 | conv(8, 3)", "not-whole", "1:5"),
    I("too-many-arguments", "1x28x28 | conv(32, 3, 1, 0, 1, 1, true, 9)", "too-many-arguments", "1:41"),
    Y("missing-required-arg", HEAD + "  - conv2d: {out: 32}\n", "missing-argument", "3:5"),
    # ---- wrong kinds of values where a whole number belongs
    Y("kernel-true", HEAD + "  - conv2d: {out: 32, kernel: true}\n", "not-whole", "3:31"),
    I("inline-kernel-false", "1x28x28 | conv(32, false)", "not-whole", "1:20"),
    Y("kernel-float-whole", HEAD + "  - conv2d: {out: 32, kernel: 3.0}\n", "not-whole", "3:31", "3.0"),
    I("inline-kernel-float", "1x28x28 | conv(32, 2.5)", "not-whole", "1:20", "2.5"),
    Y("kernel-text", HEAD + "  - conv2d: {out: 32, kernel: 3 apples}\n", "bad-expression", "3:31"),
    Y("kernel-text-decimal", HEAD + '  - conv2d: {out: 32, kernel: "3.5"}\n',
      "not-whole", "3:31", "3.5"),
    Y("kernel-negative", HEAD + "  - conv2d: {out: 32, kernel: -3}\n", "size-below-1", "3:31", "-3"),
    Y("out-zero", HEAD + "  - conv2d: {out: 0, kernel: 3}\n", "size-below-1", "3:19", "0"),
    Y("stride-zero", HEAD + "  - conv2d: {out: 4, kernel: 3, stride: 0}\n", "size-below-1", "3:41", "0"),
    Y("padding-negative", HEAD + "  - conv2d: {out: 4, kernel: 3, padding: -1}\n",
      "negative-value", "3:42", "-1"),
    Y("kernel-nan", HEAD + "  - conv2d: {out: 32, kernel: .nan}\n", "not-whole", "3:31"),
    Y("kernel-inf", HEAD + "  - conv2d: {out: 32, kernel: .inf}\n", "not-whole", "3:31"),
    I("inline-kernel-nan", "1x28x28 | conv(32, nan)", "not-whole", "1:20"),
    I("inline-kernel-inf", "1x28x28 | conv(32, inf)", "not-whole", "1:20"),
    Y("kernel-null", HEAD + "  - conv2d: {out: 32, kernel: null}\n", "not-whole", "3:31"),
    Y("kernel-mapping", HEAD + "  - conv2d: {out: 32, kernel: {a: 1}}\n", "not-whole", "3:31"),
    Y("kernel-too-many-axes", HEAD + "  - conv2d: {out: 32, kernel: [3, 3, 3]}\n",
      "wrong-axis-count", "3:31"),
    Y("bias-number", HEAD + "  - conv2d: {out: 3, kernel: 3, bias: 1}\n", "not-boolean", "3:39"),
    Y("padding-word-typo", HEAD + "  - conv2d: {out: 3, kernel: 3, padding: sam}\n", "bad-padding", "3:42"),
    Y("input-zero", "input: [0, 28, 28]\nlayers:\n  - relu\n", "size-below-1", "1:1", "0"),
    Y("input-negative", "input: [-1, 28, 28]\nlayers:\n  - relu\n", "size-below-1", "1:1", "-1"),
    Y("input-bool", "input: [true, 28, 28]\nlayers:\n  - relu\n", "not-whole", "1:1"),
    Y("input-float", "input: 1.5\nlayers:\n  - relu\n", "bad-shape", "1:1", "1.5"),
    # `input: []` is a 0-d (scalar) input: element-wise layers take it (tests/test_pasted_calls.py).
    Y("input-empty", "input: []\nlayers:\n  - conv2d: [8, 3]\n", "scalar-input", "3:5"),
    Y("division-by-zero", HEAD + "  - conv2d: {out: 32, kernel: 3/0}\n", "division-by-zero", "3:31"),
    Y("inexact-division", HEAD + "  - conv2d: {out: 32, kernel: 7 / 2}\n", "not-whole", "3:31"),
    Y("negative-exponent", HEAD + "  - conv2d: {out: 32, kernel: 2**-1}\n", "negative-exponent", "3:31"),
    # ---- sizes that do not work out
    Y("kernel-larger-than-input", HEAD + "  - conv2d: {out: 32, kernel: 29}\n", "size-below-1", "3:5",
      "29", "28"),
    Y("dilated-kernel-too-big", HEAD + "  - conv2d: {out: 3, kernel: 3, dilation: 20}\n",
      "size-below-1", "3:5", "41", "20", "28"),
    I("inline-stride-to-zero", "1x4x4 | conv(8,3,stride=2) | conv(8,3,stride=2)", "size-below-1", "1:30"),
    Y("pool-shrinks-to-nothing", "input: [1, 5, 5]\nlayers:\n" + "  - avgpool2d: 2\n" * 3,
      "size-below-1", "5:5"),
    Y("groups-in-channels", HEAD + "  - conv2d: {out: 6, kernel: 3, groups: 4}\n", "not-divisible", "3:41"),
    Y("groups-out-channels", "input: [4, 28, 28]\nlayers:\n  - conv2d: {out: 6, kernel: 3, groups: 4}\n",
      "not-divisible", "3:41"),
    Y("in-channels-mismatch", HEAD + "  - conv2d: {out: 32, kernel: 3}\n  - Conv2d: [16, 8, 3]\n",
      "in-channels-mismatch", "4:14", "16", "32"),
    I("inline-in-channels", "3x8x8 | Conv2d(4, 8, 3)", "in-channels-mismatch", "1:16"),
    I("inline-in-features", "10 | Linear(11, 5)", "in-channels-mismatch", "1:13", "11", "10"),
    Y("in-features-last-axis",
      "input: [3, 28, 28]\nlayers:\n  - Linear: {in_features: 27, out_features: 5}\n",
      "in-channels-mismatch", "3:27", "28"),
    Y("rank-mismatch", HEAD + "  - batchnorm1d\n", "wrong-rank", "3:5"),
    # ---- PyTorch's refusals
    I("same-with-stride", "3x8x8 | conv(4, 3, stride=2, padding=same)", "bad-padding", "1:38"),
    Y("pool-padding-too-big", HEAD + "  - maxpool2d: {kernel: 3, stride: 2, padding: 2}\n",
      "bad-padding", "3:48"),
    I("inline-pool-padding", "1x8x8 | maxpool(2, padding=2)", "bad-padding", "1:28"),
    Y("output-padding-too-big",
      HEAD + "  - conv_transpose2d: {out: 6, kernel: 3, stride: 2, output_padding: 2}\n",
      "bad-argument", "3:5"),
    Y("causal-on-2d", HEAD + "  - conv2d: {out: 3, kernel: 3, padding: causal}\n", "bad-padding", "3:42"),
    # ---- reshape / permute / flatten
    Y("reshape-count", HEAD + "  - reshape: {shape: [3, 5]}\n",
      "element-count-mismatch", "3:5", "15", "784"),
    Y("reshape-two-unknown", HEAD + "  - reshape: {shape: [-1, -1]}\n",
      "bad-shape", "3:5", "-1"),
    Y("reshape-not-multiple", HEAD + "  - reshape: {shape: [5, -1]}\n",
      "not-divisible", "3:5", "784"),
    Y("permute-repeated-axis", HEAD + "  - permute: {dims: [0, 1, 1, 2]}\n",
      "bad-axis", "3:5", "[0, 1, 1, 2]"),
    Y("permute-out-of-range", HEAD + "  - permute: {dims: [0, 1, 2, 5]}\n",
      "bad-axis", "3:5", "[0, 1, 2, 5]"),
    Y("flatten-out-of-range", HEAD + "  - flatten\n  - flatten: {start_dim: 2}\n", "bad-axis", "4:5"),
    Y("flatten-batch-axis", HEAD + "  - flatten: {start_dim: 0}\n", "bad-axis", "3:5"),
    Y("flatten-reversed", HEAD + "  - flatten: {start_dim: 3, end_dim: 1}\n", "bad-axis", "3:5"),
    # ---- merges and references
    Y("add-shape-mismatch", HEAD + "  - conv2d: {out: 4, kernel: 3, name: a}\n"
      "  - conv2d: {out: 4, kernel: 5, name: b, from: input}\n  - add: {from: [a, b]}\n",
      "shape-mismatch", "5:5", "4×26×26", "4×24×24"),
    Y("concat-shape-mismatch", HEAD + "  - conv2d: {out: 32, kernel: 3, name: a}\n"
      "  - concat: {from: [a, input]}\n", "shape-mismatch", "4:5", "32×26×26", "1×28×28"),
    Y("merge-unknown-ref", "input: [10]\nlayers:\n  - dense: {out: 5, name: x}\n  - add: {from: [x, nope]}\n",
      "bad-reference", "4:17"),
    Y("one-input-layer-two-sources", "input: [10]\nlayers:\n  - dense: {out: 5, name: x}\n"
      "  - dense: {out: 5, from: [x, x]}\n", "wrong-input-count", "4:27", "2"),
    Y("unknown-ref", HEAD + "  - relu: {name: a}\n  - relu: {from: b}\n", "bad-reference", "4:18"),
    Y("ref-typo-suggests", HEAD + "  - relu: {name: encoder}\n  - relu: {from: encodr}\n",
      "bad-reference", "4:18"),
    Y("duplicate-name", HEAD + "  - conv2d: {out: 32, kernel: 3, name: a}\n"
      "  - conv2d: {out: 32, kernel: 3, name: a}\n", "duplicate-name", "4:40"),
    Y("forward-ref-by-name", HEAD + "  - conv2d: {out: 32, kernel: 3, from: b}\n"
      "  - conv2d: {out: 32, kernel: 3, name: b}\n", "forward-reference", "3:40"),
    Y("forward-ref-by-index", HEAD + "  - conv2d: {out: 32, kernel: 3, from: 3}\n  - relu\n  - relu\n",
      "forward-reference", "3:40"),
    Y("ref-before-input", HEAD + "  - conv2d: {out: 32, kernel: 3, from: -5}\n",
      "bad-reference", "3:40", "-5"),
    Y("cyclic-refs", HEAD + "  - relu: {name: a, from: b}\n  - relu: {name: b, from: a}\n",
      "forward-reference", "3:27"),
    Y("name-clashes-with-input", HEAD + "  - relu: {name: input}\n", "duplicate-name", "3:18"),
    Y("outputs-unknown", HEAD + "  - relu\noutputs: [nope]\n", "bad-reference", "4:1"),
    Y("block-bad-arg",
      "input: [1, 28, 28]\nblocks:\n  b: {args: {out: 4}, layers: [{conv2d: {out: $out, kernel: 3}}]}\n"
      "layers:\n  - b: {ot: 3}\n", "unknown-argument", "5:9"),
    Y("block-recursive",
      "input: [1, 28, 28]\nblocks:\n  b: {args: {out: 4}, layers: [{b: 3}]}\nlayers:\n  - b: 3\n",
      "block-recursion", "3:32"),
    Y("block-arg-outside-block", HEAD + "  - conv2d: {out: $out, kernel: 3}\n",
      "block-argument-outside", "3:19"),
    Y("repeat-negative", HEAD + "  - repeat: {times: -1, layers: [relu]}\n",
      "negative-value", "3:21", "-1"),
    Y("repeat-bool", HEAD + "  - repeat: {times: true, layers: [relu]}\n",
      "not-whole", "3:21"),
    # ---- vars
    Y("vars-circle",
      "input: [1, 28, 28]\nvars:\n  A: B + 1\n  B: A * 2\nlayers:\n  - conv2d: {out: A, kernel: 3}\n",
      "vars-cycle", "3:3"),
    Y("vars-self", "input: [1, 28, 28]\nvars: {A: A + 1}\nlayers:\n  - relu\n", "vars-cycle", "2:8"),
    Y("vars-float", "input: [1, 28, 28]\nvars:\n  C: 1.5\nlayers:\n  - relu\n", "not-whole", "3:3", "1.5"),
    Y("vars-bad-name", "input: [1, 28, 28]\nvars: {1x: 1}\nlayers:\n  - relu\n", "bad-vars", "2:8", "1x"),
    Y("vars-not-mapping", "input: [1, 28, 28]\nvars: [1, 2]\nlayers:\n  - relu\n", "bad-vars", "2:1"),
    Y("vars-code", "input: [1, 28, 28]\nvars:\n  C: \"__import__('os').getcwd()\"\nlayers:\n  - relu\n",
      "bad-expression", "3:3"),
    # ---- inline syntax
    I("inline-unclosed", "1x8x8 | conv(3, 3", "unclosed", "1:13"),
    I("inline-stray-close", "1x8x8 | conv(3, 3))", "unexpected-character", "1:19"),
    I("inline-unclosed-quote", "1x8x8 | conv(3, 'a)", "unclosed", "1:17"),
    I("inline-only-shape", "1x8x8", "no-layers", "1:1"),
    I("inline-blank", "   ", "empty-spec", "1:1"),
    I("inline-positional-after-named", "1x8x8 | conv(3, k=3, 1)", "positional-after-named", "1:22"),
]

FILE_CASES = [
    # (id, how to make it, the argument, code, where the text output says it is)
    ("no-such-yaml", None, "missing.yaml", "no-such-file", "missing.yaml: "),
    ("no-such-path", None, "models/net.yml", "no-such-file", "models/net.yml: "),
    ("directory", "dir", "adir", "not-a-file", "adir: "),
    ("not-utf8", "latin1", "latin.yaml", "not-utf8", "latin.yaml:3: "),
    ("unreadable", "unreadable", "secret.yaml", "unreadable-file", "secret.yaml: "),
    ("empty-arg", None, "", "empty-spec", "<inline>:1:1: "),
]


def _run(args: list[str]) -> tuple[int, str, object]:
    result = CliRunner().invoke(command, args)
    return result.exit_code, result.stderr + result.stdout, result.exception


def _run_json(args: list[str]) -> tuple[int, str, object, object]:
    """``-f json``: the exit status, everything printed, the exception, and the JSON document (stdout)."""
    result = CliRunner().invoke(command, [*args, "-f", "json"])
    return result.exit_code, result.stderr + result.stdout, result.exception, json.loads(result.stdout)


def _check(code: int, text: str, exc: object, where: str, words: tuple[str, ...]) -> None:
    assert "Traceback" not in text, text
    assert isinstance(exc, SystemExit), repr(exc)  # not an exception escaping the command
    assert code == 2, text
    assert where in text, f"expected location {where!r} in:\n{text}"
    for w in words:
        assert w in text, f"expected {w!r} in:\n{text}"


@pytest.mark.parametrize(("kind", "text", "code", "loc", "numbers"), CASES)
def test_bad_input(kind: str, text: str, code: str, loc: str, numbers: tuple[str, ...],
                   tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    if kind == "yaml":
        Path("m.yaml").write_text(text, encoding="utf-8")
        arg, file = "m.yaml", "m.yaml"
    else:
        arg, file = text, "<inline>"
    status, out, exc, doc = _run_json([arg])
    _check(status, out, exc, '"error"', ())
    error = doc["error"]
    line, column = (int(n) for n in loc.split(":"))
    assert (error["code"], error["file"], error["line"], error["column"]) == (code, file, line, column), error
    for n in numbers:
        assert n in error["message"], error
    status, out, exc = _run([arg, "-f", "plain"])
    _check(status, out, exc, f"error: {file}:{loc}: ", numbers)  # the same place in the text


@pytest.mark.parametrize(("make", "arg", "code", "where"),
                         [pytest.param(m, a, c, w, id=i) for i, m, a, c, w in FILE_CASES])
def test_bad_file(make: str | None, arg: str, code: str, where: str, tmp_path: Path,
                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    if make == "dir":
        Path(arg).mkdir()
    elif make == "latin1":
        Path(arg).write_bytes(b"input: [1, 8, 8]\nlayers:\n  - relu # caf\xe9\n")
    elif make == "unreadable":
        Path(arg).write_text("input: [1, 8, 8]\nlayers: [relu]\n")
        Path(arg).chmod(0)
        if os.access(arg, os.R_OK):
            pytest.skip("running as a user who can read any file")
    status, out, exc = _run([arg])
    _check(status, out, exc, f"error: {where}", ())
    status, out, exc, doc = _run_json([arg])
    assert doc["error"]["code"] == code


def test_several_files_report_each_and_exit_with_the_worst(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("good.yaml").write_text("input: [10]\nlayers: [{dense: 5}]\n")
    Path("bad.yaml").write_text("input: [10]\nlayers: [{dense: 0}]\n")
    code, out, exc = _run(["good.yaml", "bad.yaml", "nope.yaml", "-f", "plain"])
    _check(code, out, exc, "error: bad.yaml:2:18: ", ("error: nope.yaml: ",))
    assert "dense(5)" in out  # the good file is still reported
    code, out, exc, docs = _run_json(["good.yaml", "bad.yaml", "nope.yaml"])
    assert [d.get("error", {}).get("code") for d in docs] == [None, "size-below-1", "no-such-file"]


SUBPROCESS_CASES = [
    pytest.param(["1x28x28 | conv(32, true)"], "error: <inline>:1:20: ", id="inline-bool"),
    pytest.param(["nope.yaml"], "error: nope.yaml: ", id="missing-file"),
    pytest.param(["1x4x4 | conv(8, 5)", "-f", "json"], '"code": "size-below-1"', id="json-error"),
]


@pytest.mark.parametrize(("args", "where"), SUBPROCESS_CASES)
def test_bad_input_in_a_real_process(args: list[str], where: str) -> None:
    proc = subprocess.run([sys.executable, "-m", "convcalc", *args], capture_output=True, text=True,
                          timeout=60)
    text = proc.stdout + proc.stderr
    assert proc.returncode == 2, text
    assert "Traceback" not in text
    assert where in text, text
