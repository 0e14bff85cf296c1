"""A catalogue of bad inputs: each must exit 2 with one clear, located message.

Every case runs the real command (click's CliRunner on ``convcalc.cli.command``;
a few through a subprocess) and checks: exit status 2, no traceback, the
``file:line:col`` of the offending entry, and the numbers and key words of the
message.  YAML cases are written to ``m.yaml`` in a temporary directory and
passed by name; inline cases are passed as the argument itself.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from convcalc.cli import command
from convcalc.errors import SpecError
from convcalc.layers.registry import lookup


def Y(id: str, text: str, loc: str, *words: str, needs: str | None = None) -> object:
    """A YAML case: ``loc`` is ``line:col`` in m.yaml ("" = the file itself)."""
    return pytest.param("yaml", textwrap.dedent(text).lstrip("\n"), loc, words, needs, id=id)


def I(id: str, text: str, loc: str, *words: str, needs: str | None = None) -> object:  # noqa: E743
    """An inline case: ``loc`` is ``line:col`` in <inline>."""
    return pytest.param("inline", text, loc, words, needs, id=id)


HEAD = "input: [1, 28, 28]\nlayers:\n"

CASES = [
    # ---- the document itself
    Y("malformed-flow", HEAD + "  - conv2d: {out: 32, kernel: 3\n", "4:1", "invalid YAML", "'}'"),
    Y("malformed-tab", HEAD + "\t- relu\n", "3:1", "invalid YAML", "token"),
    Y("malformed-unclosed-quote", HEAD + '  - conv2d: {out: "32, kernel: 3}\n', "4:1", "invalid YAML",
      "starts at line 3, column 19"),
    Y("empty-file", "", "1:1", "empty"),
    Y("only-comment", "# nothing here\n", "1:1", "empty"),
    Y("top-level-list", "- conv2d: [32, 3]\n- relu\n", "1:1", "must be a mapping", "a list"),
    Y("top-level-string", '"just a string"\n', "1:1", "must be a mapping", "just a string"),
    Y("top-level-int", "42\n", "1:1", "must be a mapping", "42"),
    Y("duplicate-key", "input: [1, 8, 8]\ninput: [1, 9, 9]\nlayers: [relu]\n", "2:1", "`input`", "twice"),
    Y("merge-key", "a: &a {input: [1, 8, 8]}\n<<: *a\nlayers: [relu]\n", "2:1", "merge keys"),
    # ---- missing or misspelled keys
    Y("misspelled-layers", "input: [1, 28, 28]\nlayer:\n  - relu\n", "2:1", "unknown key `layer`",
      "did you mean `layers`"),
    Y("misspelled-first-key", "inputt: [1, 28, 28]\nlayers:\n  - relu\n", "1:1", "unknown key `inputt`",
      "did you mean `input`"),
    Y("misspelled-framework-key", "input: [1, 8, 8]\nframwork: keras\nlayers: [relu]\n", "2:1",
      "`framwork`", "did you mean `framework`"),
    Y("missing-layers", "input: [1, 28, 28]\nname: x\n", "1:1", "no `layers`"),
    Y("missing-input", "layers:\n  - relu\n", "", "no input shape"),
    Y("layers-not-list", "input: [1, 28, 28]\nlayers: {conv2d: 3}\n", "2:1", "must be a list"),
    Y("layers-empty", "input: [1, 28, 28]\nlayers: []\n", "2:1", "empty"),
    Y("two-types-one-entry", HEAD + "  - conv2d: {out: 32, kernel: 3}\n    relu:\n", "3:5",
      "2 keys", "conv2d, relu", "indentation"),
    Y("layer-is-number", HEAD + "  - 5\n", "3:5", "a layer must be a type", "5"),
    Y("layer-is-null", HEAD + "  - null\n", "3:5", "a layer must be a type", "None"),
    Y("framework-typo", "input: [1, 8, 8]\nframework: pytroch\nlayers: [relu]\n", "2:1",
      "pytroch", "did you mean `pytorch`"),
    Y("layout-bad", "input: [1, 8, 8]\nlayout: nchw\nlayers: [relu]\n", "2:1", "nchw",
      "channels_first or channels_last"),
    Y("expect-unknown-key", HEAD + "  - relu\nexpect: {parms: 3}\n", "4:1", "parms"),
    Y("expect-bad-count", HEAD + "  - relu\nexpect: {params: 5Q}\n", "4:1", "5Q"),
    # ---- unknown layer types and arguments
    Y("unknown-type", HEAD + "  - conx2d: [32, 3]\n", "3:5", "unknown layer type `conx2d`",
      "did you mean `conv2d`"),
    Y("unknown-arg", HEAD + "  - conv2d: {out: 32, kernal: 3}\n", "3:5", "no argument `kernal`",
      "did you mean `kernel`"),
    I("inline-unknown-type", "1x28x28 | maxpoll(2)", "1:11", "unknown layer type `maxpoll`",
      "did you mean `maxpool`"),
    I("inline-unknown-arg", "1x28x28 | conv(32, 3, strid=2)", "1:11", "no argument `strid`",
      "did you mean `stride`"),
    I("inline-arg-twice", "1x28x28 | conv(32, 3, kernel=3)", "1:11", "`kernel`", "twice"),
    I("inline-fractional-input", "3x32.5x32 | conv(8, 3)", "1:1", "input size 32.5", "whole number"),
    I("inline-fractional-spaced", "3 x 32.5 x 32 | conv(8, 3)", "1:5", "input size 32.5", "whole number"),
    I("too-many-positional", "1x28x28 | conv(32, 3, 1, 0, 1, 1, true, 9)", "1:11",
      "at most 7 positional", "got 8"),
    Y("missing-required-arg", HEAD + "  - conv2d: {out: 32}\n", "3:5", "needs the argument `kernel`"),
    # ---- wrong kinds of values where a whole number belongs
    Y("kernel-true", HEAD + "  - conv2d: {out: 32, kernel: true}\n", "3:5", "kernel", "boolean true"),
    I("inline-kernel-false", "1x28x28 | conv(32, false)", "1:11", "kernel", "boolean false"),
    Y("kernel-float-whole", HEAD + "  - conv2d: {out: 32, kernel: 3.0}\n", "3:5", "kernel", "3.0",
      "write 3"),
    I("inline-kernel-float", "1x28x28 | conv(32, 2.5)", "1:11", "kernel", "2.5"),
    Y("kernel-text", HEAD + "  - conv2d: {out: 32, kernel: 3 apples}\n", "3:5", "kernel",
      "cannot read expression '3 apples'"),
    Y("kernel-text-decimal", HEAD + '  - conv2d: {out: 32, kernel: "3.5"}\n', "3:5", "kernel", "3.5"),
    Y("kernel-negative", HEAD + "  - conv2d: {out: 32, kernel: -3}\n", "3:5", "kernel", "positive", "-3"),
    Y("out-zero", HEAD + "  - conv2d: {out: 0, kernel: 3}\n", "3:5", "out", "positive", "0"),
    Y("stride-zero", HEAD + "  - conv2d: {out: 4, kernel: 3, stride: 0}\n", "3:5", "stride",
      "positive", "0"),
    Y("padding-negative", HEAD + "  - conv2d: {out: 4, kernel: 3, padding: -1}\n", "3:5", "padding", "-1"),
    Y("kernel-nan", HEAD + "  - conv2d: {out: 32, kernel: .nan}\n", "3:5", "kernel", "nan"),
    Y("kernel-inf", HEAD + "  - conv2d: {out: 32, kernel: .inf}\n", "3:5", "kernel", "inf"),
    I("inline-kernel-nan", "1x28x28 | conv(32, nan)", "1:11", "kernel", "nan", "not a whole number"),
    I("inline-kernel-inf", "1x28x28 | conv(32, inf)", "1:11", "kernel", "inf", "not a whole number"),
    Y("kernel-null", HEAD + "  - conv2d: {out: 32, kernel: null}\n", "3:5", "kernel", "null"),
    Y("kernel-mapping", HEAD + "  - conv2d: {out: 32, kernel: {a: 1}}\n", "3:5", "kernel", "mapping"),
    Y("kernel-too-many-axes", HEAD + "  - conv2d: {out: 32, kernel: [3, 3, 3]}\n", "3:5",
      "3 values", "2 spatial axes"),
    Y("bias-number", HEAD + "  - conv2d: {out: 3, kernel: 3, bias: 1}\n", "3:5", "bias", "true or false"),
    Y("padding-word-typo", HEAD + "  - conv2d: {out: 3, kernel: 3, padding: sam}\n", "3:5", "sam",
      "did you mean `same`"),
    Y("input-zero", "input: [0, 28, 28]\nlayers:\n  - relu\n", "1:1", "input[0]", "positive", "0"),
    Y("input-negative", "input: [-1, 28, 28]\nlayers:\n  - relu\n", "1:1", "input[0]", "-1"),
    Y("input-bool", "input: [true, 28, 28]\nlayers:\n  - relu\n", "1:1", "input[0]", "boolean true"),
    Y("input-float", "input: 1.5\nlayers:\n  - relu\n", "1:1", "input", "1.5"),
    # `input: []` is a 0-d (scalar) input: element-wise layers take it (tests/test_framework_signatures.py).
    Y("input-empty", "input: []\nlayers:\n  - conv2d: [8, 3]\n", "3:5", "conv2d", "0-d (scalar)"),
    Y("division-by-zero", HEAD + "  - conv2d: {out: 32, kernel: 3/0}\n", "3:5", "division by zero"),
    Y("inexact-division", HEAD + "  - conv2d: {out: 32, kernel: 7 / 2}\n", "3:5", "7 / 2",
      "not a whole number"),
    Y("negative-exponent", HEAD + "  - conv2d: {out: 32, kernel: 2**-1}\n", "3:5", "negative exponent"),
    # ---- sizes that do not work out
    Y("kernel-larger-than-input", HEAD + "  - conv2d: {out: 32, kernel: 29}\n", "3:5",
      "kernel 29", "larger", "28"),
    Y("dilated-kernel-too-big", HEAD + "  - conv2d: {out: 3, kernel: 3, dilation: 20}\n", "3:5",
      "41", "dilation 20", "28"),
    I("inline-stride-to-zero", "1x4x4 | conv(8,3,stride=2) | conv(8,3,stride=2)", "1:30",
      "layer 2", "kernel 3", "padded input 1"),
    Y("pool-shrinks-to-nothing", "input: [1, 5, 5]\nlayers:\n" + "  - avgpool2d: 2\n" * 3, "5:5",
      "layer 3", "kernel 2", "input 1"),
    Y("groups-in-channels", HEAD + "  - conv2d: {out: 6, kernel: 3, groups: 4}\n", "3:5",
      "input channels 1", "groups 4"),
    Y("groups-out-channels", "input: [4, 28, 28]\nlayers:\n  - conv2d: {out: 6, kernel: 3, groups: 4}\n",
      "3:5", "output channels 6", "groups 4"),
    Y("in-channels-mismatch", HEAD + "  - conv2d: {out: 32, kernel: 3}\n  - Conv2d: [16, 8, 3]\n", "4:5",
      "layer 2", "in_channels is 16", "32 channels"),
    I("inline-in-channels", "3x8x8 | Conv2d(4, 8, 3)", "1:9", "in_channels is 4", "3 channels"),
    I("inline-in-features", "10 | Linear(11, 5)", "1:6", "in_features is 11", "10 features"),
    Y("in-features-last-axis",
      "input: [3, 28, 28]\nlayers:\n  - Linear: {in_features: 27, out_features: 5}\n",
      "3:5", "in_features is 27", "28"),
    Y("rank-mismatch", HEAD + "  - batchnorm1d\n", "3:5", "batchnorm1d", "2 axes", "3 axes"),
    # ---- PyTorch's refusals
    I("same-with-stride", "3x8x8 | conv(4, 3, stride=2, padding=same)", "1:9", "same", "stride 2"),
    Y("pool-padding-too-big", HEAD + "  - maxpool2d: {kernel: 3, stride: 2, padding: 2}\n", "3:5",
      "padding 2", "kernel 3", "kernel // 2"),
    I("inline-pool-padding", "1x8x8 | maxpool(2, padding=2)", "1:9", "padding 2", "kernel 2"),
    Y("output-padding-too-big",
      HEAD + "  - conv_transpose2d: {out: 6, kernel: 3, stride: 2, output_padding: 2}\n",
      "3:5", "output_padding 2", "stride 2"),
    Y("causal-on-2d", HEAD + "  - conv2d: {out: 3, kernel: 3, padding: causal}\n", "3:5", "causal", "1-D"),
    # ---- reshape / permute / flatten
    Y("reshape-count", HEAD + "  - reshape: {shape: [3, 5]}\n", "3:5", "15", "784", needs="reshape"),
    Y("reshape-two-unknown", HEAD + "  - reshape: {shape: [-1, -1]}\n", "3:5", "-1", "at most one",
      needs="reshape"),
    Y("reshape-not-multiple", HEAD + "  - reshape: {shape: [5, -1]}\n", "3:5", "784", "multiple of 5",
      needs="reshape"),
    Y("permute-repeated-axis", HEAD + "  - permute: {dims: [0, 1, 1, 2]}\n", "3:5", "[0, 1, 1, 2]",
      "permutation", needs="permute"),
    Y("permute-out-of-range", HEAD + "  - permute: {dims: [0, 1, 2, 5]}\n", "3:5", "[0, 1, 2, 5]",
      "out of range", needs="permute"),
    Y("flatten-out-of-range", HEAD + "  - flatten\n  - flatten: {start_dim: 2}\n", "4:5",
      "start_dim 2", "out of range"),
    Y("flatten-batch-axis", HEAD + "  - flatten: {start_dim: 0}\n", "3:5", "start_dim 0", "batch"),
    Y("flatten-reversed", HEAD + "  - flatten: {start_dim: 3, end_dim: 1}\n", "3:5", "end_dim 1",
      "start_dim 3"),
    # ---- merges and references
    Y("add-shape-mismatch", HEAD + "  - conv2d: {out: 4, kernel: 3, name: a}\n"
      "  - conv2d: {out: 4, kernel: 5, name: b, from: input}\n  - add: {from: [a, b]}\n", "5:5",
      "4×26×26", "4×24×24", needs="add"),
    Y("concat-shape-mismatch", HEAD + "  - conv2d: {out: 32, kernel: 3, name: a}\n"
      "  - concat: {from: [a, input]}\n", "4:5", "32×26×26", "1×28×28", needs="concat"),
    Y("merge-unknown-ref", "input: [10]\nlayers:\n  - dense: {out: 5, name: x}\n  - add: {from: [x, nope]}\n",
      "4:5", "nope", needs="add"),
    Y("one-input-layer-two-sources", "input: [10]\nlayers:\n  - dense: {out: 5, name: x}\n"
      "  - dense: {out: 5, from: [x, x]}\n", "4:5", "reads one tensor", "2"),
    Y("unknown-ref", HEAD + "  - relu: {name: a}\n  - relu: {from: b}\n", "4:5", "'b'"),
    Y("ref-typo-suggests", HEAD + "  - relu: {name: encoder}\n  - relu: {from: encodr}\n", "4:5",
      "encodr", "did you mean `encoder`"),
    Y("duplicate-name", HEAD + "  - conv2d: {out: 32, kernel: 3, name: a}\n"
      "  - conv2d: {out: 32, kernel: 3, name: a}\n", "4:5", "'a'", "used twice"),
    Y("forward-ref-by-name", HEAD + "  - conv2d: {out: 32, kernel: 3, from: b}\n"
      "  - conv2d: {out: 32, kernel: 3, name: b}\n", "3:5", "'b'"),
    Y("forward-ref-by-index", HEAD + "  - conv2d: {out: 32, kernel: 3, from: 3}\n  - relu\n  - relu\n",
      "3:5", "from: 3", "layer 3"),
    Y("ref-before-input", HEAD + "  - conv2d: {out: 32, kernel: 3, from: -5}\n", "3:5", "-5",
      "reaches back 5"),
    Y("cyclic-refs", HEAD + "  - relu: {name: a, from: b}\n  - relu: {name: b, from: a}\n", "3:5", "'b'"),
    Y("name-clashes-with-input", HEAD + "  - relu: {name: input}\n", "3:5", "'input'", "taken by an input"),
    Y("outputs-unknown", HEAD + "  - relu\noutputs: [nope]\n", "", "outputs", "nope"),
    Y("block-bad-arg",
      "input: [1, 28, 28]\nblocks:\n  b: {args: {out: 4}, layers: [{conv2d: {out: $out, kernel: 3}}]}\n"
      "layers:\n  - b: {ot: 3}\n", "5:5", "`ot`", "did you mean `out`", needs="repeat"),
    Y("block-recursive",
      "input: [1, 28, 28]\nblocks:\n  b: {args: {out: 4}, layers: [{b: 3}]}\nlayers:\n  - b: 3\n",
      "3:", "b -> b", needs="repeat"),
    Y("block-arg-outside-block", HEAD + "  - conv2d: {out: $out, kernel: 3}\n", "3:5", "$out", "block"),
    Y("repeat-negative", HEAD + "  - repeat: {times: -1, layers: [relu]}\n", "3:5", "times", "-1",
      needs="repeat"),
    Y("repeat-bool", HEAD + "  - repeat: {times: true, layers: [relu]}\n", "3:5", "times", "boolean",
      needs="repeat"),
    # ---- vars
    Y("vars-circle",
      "input: [1, 28, 28]\nvars:\n  A: B + 1\n  B: A * 2\nlayers:\n  - conv2d: {out: A, kernel: 3}\n",
      "3:3", "circle", "A -> B -> A"),
    Y("vars-self", "input: [1, 28, 28]\nvars: {A: A + 1}\nlayers:\n  - relu\n", "2:8", "circle", "A -> A"),
    Y("vars-float", "input: [1, 28, 28]\nvars:\n  C: 1.5\nlayers:\n  - relu\n", "3:3", "C", "1.5"),
    Y("vars-bad-name", "input: [1, 28, 28]\nvars: {1x: 1}\nlayers:\n  - relu\n", "2:8", "1x"),
    Y("vars-not-mapping", "input: [1, 28, 28]\nvars: [1, 2]\nlayers:\n  - relu\n", "2:1", "vars",
      "mapping"),
    Y("vars-code", "input: [1, 28, 28]\nvars:\n  C: \"__import__('os').getcwd()\"\nlayers:\n  - relu\n",
      "3:3", "cannot read expression"),
    # ---- inline syntax
    I("inline-unclosed", "1x8x8 | conv(3, 3", "1:13", "never closed"),
    I("inline-stray-close", "1x8x8 | conv(3, 3))", "1:19", "unexpected"),
    I("inline-unclosed-quote", "1x8x8 | conv(3, 'a)", "1:17", "quote"),
    I("inline-only-shape", "1x8x8", "1:1", "no layers"),
    I("inline-blank", "   ", "1:1", "empty"),
    I("inline-positional-after-named", "1x8x8 | conv(3, k=3, 1)", "1:9", "positional", "named"),
]

FILE_CASES = [
    # (id, how to make it, the argument, words)
    ("no-such-yaml", None, "missing.yaml", ("missing.yaml", "no such file")),
    ("no-such-path", None, "models/net.yml", ("models/net.yml", "no such file")),
    ("directory", "dir", "adir", ("adir", "directory")),
    ("not-utf8", "latin1", "latin.yaml", ("latin.yaml:3", "not UTF-8", "0xe9")),
    ("unreadable", "unreadable", "secret.yaml", ("secret.yaml", "cannot read")),
    ("empty-arg", None, "", ("empty",)),
]


def _registered(type_name: str) -> bool:
    try:
        lookup(type_name, "pytorch")
    except SpecError:
        return False
    return True


def _run(args: list[str]) -> tuple[int, str, object]:
    result = CliRunner().invoke(command, args)
    return result.exit_code, result.stderr + result.stdout, result.exception


def _check(code: int, text: str, exc: object, where: str, words: tuple[str, ...]) -> None:
    assert "Traceback" not in text, text
    assert isinstance(exc, SystemExit), repr(exc)  # not an exception escaping the command
    assert code == 2, text
    assert where in text, f"expected location {where!r} in:\n{text}"
    for w in words:
        assert w in text, f"expected {w!r} in:\n{text}"


@pytest.mark.parametrize(("kind", "text", "loc", "words", "needs"), CASES)
def test_bad_input(kind: str, text: str, loc: str, words: tuple[str, ...], needs: str | None,
                   tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if needs and not _registered(needs):
        pytest.skip(f"layer type {needs!r} is not registered yet")
    monkeypatch.chdir(tmp_path)
    if kind == "yaml":
        Path("m.yaml").write_text(text, encoding="utf-8")
        arg, where = "m.yaml", f"m.yaml:{loc}" if loc else "m.yaml"
    else:
        arg, where = text, f"<inline>:{loc}"
    for fmt in ("plain", "json"):
        code, out, exc = _run([arg, "-f", fmt])
        if fmt == "json":
            assert '"error"' in out
            where_json = where.split(":")[0]  # the JSON error carries file, line, column apart
            _check(code, out, exc, where_json, ())
        else:
            _check(code, out, exc, where, words)


@pytest.mark.parametrize(("make", "arg", "words"), [pytest.param(m, a, w, id=i) for i, m, a, w in FILE_CASES])
def test_bad_file(make: str | None, arg: str, words: tuple[str, ...], tmp_path: Path,
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
    code, out, exc = _run([arg])
    _check(code, out, exc, words[0], words[1:])


def test_several_files_report_each_and_exit_with_the_worst(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("good.yaml").write_text("input: [10]\nlayers: [{dense: 5}]\n")
    Path("bad.yaml").write_text("input: [10]\nlayers: [{dense: 0}]\n")
    code, out, exc = _run(["good.yaml", "bad.yaml", "nope.yaml", "-f", "plain"])
    _check(code, out, exc, "bad.yaml:2:", ("out", "positive", "nope.yaml", "no such file"))
    assert "dense(5)" in out  # the good file is still reported


SUBPROCESS_CASES = [
    pytest.param(["1x28x28 | conv(32, true)"], "<inline>:1:11", "boolean true", id="inline-bool"),
    pytest.param(["nope.yaml"], "nope.yaml", "no such file", id="missing-file"),
    pytest.param(["1x4x4 | conv(8, 5)", "-f", "json"], '"line": 1', "kernel 5", id="json-error"),
]


@pytest.mark.parametrize(("args", "where", "word"), SUBPROCESS_CASES)
def test_bad_input_in_a_real_process(args: list[str], where: str, word: str) -> None:
    proc = subprocess.run([sys.executable, "-m", "convcalc", *args], capture_output=True, text=True,
                          timeout=60)
    text = proc.stdout + proc.stderr
    assert proc.returncode == 2, text
    assert "Traceback" not in text
    assert where in text and word in text, text
