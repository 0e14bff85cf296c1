"""Issue 12 items 9 and 10: warnings (exit 0) for the batch-axis pitfall and for layers nothing reads.

A warning is a :class:`convcalc.errors.SpecWarning` (code, message, location, layer) on
``Result.warnings``; the CLI prints it on stderr for the text formats and JSON lists it
under ``"warnings"``.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from _cli import run

import convcalc

PITFALL = "1x3x224x224 | conv(64, 7, 2, 3)"


def codes(spec: object, **kw: object) -> list[str]:
    return [w.code for w in convcalc.analyze(spec, **kw).warnings]  # type: ignore[arg-type]


# ---- item 9: a leading 1 read as channels


def test_the_batch_axis_pitfall_is_computed_and_noted() -> None:
    r = convcalc.analyze(PITFALL)
    assert r.layers[0].type == "conv3d" and r.output == (64, 2, 112, 112)  # what PyTorch's Conv3d gives
    (w,) = r.warnings
    assert w.code == "leading-1-read-as-axis"
    assert "C×D×H×W" in w.message and "C = 1" in w.message and "--batch" in w.message
    assert w.layer is not None and (w.layer.index, w.layer.name) == (1, "conv3d_1")
    assert (w.loc.line, w.loc.column) == (1, 15)


def test_the_pitfall_is_what_pytorch_computes() -> None:
    torch = pytest.importorskip("torch")
    conv = torch.nn.Conv3d(1, 64, 7, 2, 3, device="meta")  # what `conv` on C×D×H×W builds
    y = conv(torch.empty(1, 1, 3, 224, 224, device="meta"))
    r = convcalc.analyze(PITFALL)
    assert tuple(y.shape[1:]) == r.output
    assert sum(p.numel() for p in conv.parameters()) == r.total_params == 64 * 7**3 + 64


@pytest.mark.parametrize("fmt", ["table", "plain", "markdown", "csv", "mermaid", "dot"])
def test_text_formats_print_it_on_stderr(fmt: str) -> None:
    r = run(PITFALL, "-f", fmt)
    assert r.status == 0
    assert r.err.startswith("warning: <inline>:1:15: layer 1 'conv3d_1' (conv3d): ")
    assert "[leading-1-read-as-axis]" in r.err and "warning" not in r.out


def test_json_lists_it_and_stderr_stays_empty() -> None:
    r = run(PITFALL, "-f", "json")
    assert r.status == 0 and r.err == ""
    (w,) = json.loads(r.out)["warnings"]
    assert w["code"] == "leading-1-read-as-axis"
    assert (w["file"], w["line"], w["column"]) == ("<inline>", 1, 15)
    assert w["layer"] == {"index": 1, "name": "conv3d_1", "type": "conv3d"}
    assert "C×D×H×W" in w["message"] and "<inline>" not in w["message"]


def test_quiet_prints_no_warning() -> None:
    r = run(PITFALL, "-q")
    assert (r.status, r.out, r.err) == (0, "", "")


@pytest.mark.parametrize("spec", [
    "3x224x224 | conv(64, 7, 2, 3)",  # 2-d as meant
    "1x16x16x16 | conv3d(4, 3)",  # conv3d written: the rank is the user's
    "1x16x16 | conv(4, 3)",  # rank 2 from a 1-channel image
    "2x3x16x16 | conv(4, 3)",  # the first axis is not 1
])
def test_no_note_when_nothing_was_guessed(spec: str) -> None:
    assert codes(spec) == []


def test_pooling_and_keras_layout() -> None:
    assert codes("1x3x8x8 | maxpool(2)") == ["leading-1-read-as-axis"]
    (w,) = convcalc.analyze("1x3x8x8 | conv(4, 1)", framework="keras").warnings
    assert "D×H×W×C" in w.message and "D = 1" in w.message


# ---- item 10: layers no output depends on


def yaml_spec(tmp_path: Path, text: str) -> str:
    path = tmp_path / "net.yaml"
    path.write_text(textwrap.dedent(text))
    return str(path)


def test_a_layer_nothing_reads_is_counted_and_named(tmp_path: Path) -> None:
    path = yaml_spec(tmp_path, """\
        input: [3, 8, 8]
        layers:
          - conv2d: {out: 4, kernel: 3, name: side}   # 4*27 + 4 = 112, read by nothing
          - conv2d: {out: 4, kernel: 1, from: input}  # 16
          - relu
        """)
    r = convcalc.analyze(path)
    assert r.total_params == 112 + 16  # PyTorch counts every module
    (w,) = r.warnings
    assert w.code == "unused-layer" and w.layer is not None and w.layer.name == "side"
    assert "112 parameters are counted" in w.message
    assert (w.loc.line, w.loc.column) == (3, 5)
    cli = run(path, "-f", "plain")
    assert cli.status == 0 and f"warning: {path}:3:5: layer 1 'side' (conv2d): no output depends" in cli.err
    doc = json.loads(run(path, "-f", "json").out)
    assert [x["layer"]["name"] for x in doc["warnings"]] == ["side"]
    assert doc["totals"]["params"] == 128


def test_a_mis_wired_branch_is_named_layer_by_layer(tmp_path: Path) -> None:
    path = yaml_spec(tmp_path, """\
        input: [3, 8, 8]
        layers:
          - conv2d: {out: 4, kernel: 1, name: a}
          - conv2d: {out: 4, kernel: 1, name: b}
          - conv2d: {out: 4, kernel: 1, name: c, from: input}
          - add: {from: [c, c]}
        """)
    assert [(w.code, w.layer.name) for w in convcalc.analyze(path).warnings] == [  # type: ignore[union-attr]
        ("unused-layer", "a"), ("unused-layer", "b")]


def test_outputs_and_blocks_count_as_read(tmp_path: Path) -> None:
    path = yaml_spec(tmp_path, """\
        input: [3, 8, 8]
        blocks:
          unit:
            layers: [{conv2d: [4, 1]}, relu]
        layers:
          - unit: {name: stem}
          - conv2d: {out: 2, kernel: 1, name: head_a}
          - conv2d: {out: 3, kernel: 1, name: head_b, from: stem}
        outputs: [head_a, head_b]
        """)
    assert codes(path) == []


def test_keras_is_told_that_its_model_would_leave_it_out() -> None:
    spec = {"framework": "keras", "input": [8, 8, 3], "layers": [
        {"Conv2D": [4, 1], "name": "unused"}, {"Conv2D": [4, 1], "from": "input"}]}
    (w,) = convcalc.analyze(spec).warnings
    assert "Keras Model built from the outputs leaves them out" in w.message


def test_a_layer_without_parameters_is_named_too() -> None:
    spec = {"input": [3, 8, 8], "layers": [{"relu": None, "name": "r"}, {"conv2d": [4, 1], "from": "input"}]}
    (w,) = convcalc.analyze(spec).warnings
    assert w.layer is not None and w.layer.name == "r" and "parameters" not in w.message


def test_examples_have_no_warnings() -> None:
    from _cli import EXAMPLES

    for path in sorted(EXAMPLES.glob("*.yaml")):
        assert convcalc.analyze(str(path)).warnings == (), path.name


def test_github_format_writes_warnings_as_annotations(tmp_path) -> None:
    """-f github: a warning is a ::warning annotation at the layer, beside the ::error lines."""
    from click.testing import CliRunner

    from convcalc.cli import command

    spec = tmp_path / "net.yaml"
    spec.write_text("input: [1, 3, 32, 32]\nlayers:\n  - conv: [8, 3]\n")
    res = CliRunner().invoke(command, [str(spec), "-f", "github"])
    assert res.exit_code == 0
    lines = res.output.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"::warning file={spec},line=3,col=5,title=convcalc leading-1-read-as-axis::")
