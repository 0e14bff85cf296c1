"""Mermaid and DOT: one graph per spec (``--output-dir``), labels that tell outputs from layers, one font."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from _cli import EXAMPLES, run

LENET = str(EXAMPLES / "lenet5.yaml")
RESNET = str(EXAMPLES / "resnet18.yaml")
TWO_OUTPUTS = """
name: two-heads
inputs: {image: [3, 32, 32], meta: [10]}
outputs: [cls, output]
layers:
  - conv2d: {name: c1, from: image, out: 8, kernel: 3, stride: 2}
  - flatten
  - concat: {name: joined, from: [-1, meta]}
  - dense: {name: cls, out: 5}
  - dense: {name: output, from: joined, out: 4}
"""


@pytest.mark.parametrize("fmt", ["mermaid", "dot"])
def test_several_specs_need_an_output_dir(fmt: str) -> None:
    r = run(LENET, RESNET, "-f", fmt)
    assert r.status == 2 and r.out == ""
    assert "--output-dir DIR" in r.err and "[several-graphs-need-output-dir]" in r.err


@pytest.mark.parametrize(("fmt", "ext"), [("mermaid", ".mmd"), ("dot", ".dot")])
def test_output_dir_writes_one_file_per_spec(fmt: str, ext: str, tmp_path: Path) -> None:
    out = tmp_path / "graphs"
    r = run(LENET, RESNET, LENET, "1x8x8 | conv(2, 3)", "1x8x8 | conv(2, 30)", "-f", fmt,
            "--output-dir", str(out))
    assert r.status == 2 and r.out == ""  # the invalid spec: exit 2, said on stderr, no file
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(["lenet5" + ext, "resnet18" + ext, "lenet5-2" + ext, "inline-4" + ext])
    assert "kernel 30 is larger" in r.err and f"graph written to {out / ('resnet18' + ext)}" in r.err
    # each file is exactly what the spec alone gives on stdout
    assert (out / ("resnet18" + ext)).read_text(encoding="utf-8") == run(RESNET, "-f", fmt).out
    assert (out / ("lenet5-2" + ext)).read_text(encoding="utf-8") == run(LENET, "-f", fmt).out


def test_output_dir_only_for_graphs(tmp_path: Path) -> None:
    r = run(LENET, "-f", "json", "--output-dir", str(tmp_path))
    assert r.status == 2 and "mermaid" in r.err


def _labels(text: str, fmt: str) -> list[str]:
    if fmt == "mermaid":
        return re.findall(r'^\s*[A-Za-z]\w*(?:\[/"|\["|\(\[")([^"]*)', text, re.M)
    return re.findall(r'^\s*\w+ \[label="((?:[^"\\]|\\.)*)"', text, re.M)


@pytest.mark.parametrize("fmt", ["mermaid", "dot"])
@pytest.mark.parametrize("spec", [LENET, TWO_OUTPUTS])
def test_outputs_labelled_apart_from_layers(fmt: str, spec: str) -> None:
    text = run(spec, "-f", fmt).out
    labels = _labels(text, fmt)
    outputs = [lab for lab in labels if lab.startswith("network output")]
    assert len(outputs) == len(set(outputs)) == (1 if spec == LENET else 2)
    assert not set(outputs) & {lab for lab in labels if lab not in outputs}  # no layer says the same
    # the layer called `output` keeps its own label; the terminal node says it is the network's output
    assert any(lab.startswith("output") for lab in labels)


def test_dot_one_font() -> None:
    text = run(RESNET, "-f", "dot").out
    fonts = set(re.findall(r'fontname="([^"]+)"', text))
    assert fonts == {"Helvetica"}
    assert 'graph [fontname="Helvetica"' in text  # the title and cluster titles too
    assert text.count("margin=12;") == text.count("subgraph cluster_") > 0
