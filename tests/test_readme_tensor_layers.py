"""The README's section on learnable tensors, slicing and splitting runs as written.

Every YAML snippet is analysed (its `expect:` must hold) and every `convcalc` line of its bash block
runs through the CLI with exit status 0, its output holding the shapes its comment names.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

import convcalc
from convcalc.cli import command

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _section() -> str:
    start = README.index("## Learnable tensors, slicing, splitting")
    return README[start : README.index("\n## ", start + 1)]


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", _section(), flags=re.S)


def test_the_section_has_snippets() -> None:
    assert len(_blocks("yaml")) == 3 and len(_blocks("bash")) == 1


@pytest.mark.parametrize("text", _blocks("yaml"))
def test_yaml_snippets_hold_their_expectations(text: str) -> None:
    result = convcalc.analyze(text)
    assert result.expect is not None and result.expect.ok, result.expect.failures


@pytest.mark.parametrize("line", [ln for b in _blocks("bash") for ln in b.splitlines() if ln.strip()])
def test_command_lines_run(line: str) -> None:
    code, _, comment = line.partition("#")
    argv = shlex.split(code)
    assert argv[0] == "convcalc"
    out = CliRunner().invoke(command, [*argv[1:], "-f", "plain"])
    assert out.exit_code == 0, out.output
    for shape in re.findall(r"\d+×\d+|L×L", comment):
        assert shape.replace("×", "x").replace("LxL", "L x L") in out.output, (shape, out.output)
