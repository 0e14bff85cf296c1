"""``--format yaml`` declares the names a one-liner or ``-D`` used, so the file reads back.

A one-liner may use names freely; a YAML file must declare them (SPEC §4). The writer adds a
``vars:`` entry for each free name the spec does not declare (``null``: still free) and for each
name ``-D`` bound (its value), so the file gives the same network and totals.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _cli import run

import convcalc


@pytest.mark.parametrize(("args", "vars_line"), [
    (("3xHxW | conv(C, 3, s)",), "vars: {C: null, s: null}"),
    (("3x32x32 | conv(C, 3)", "-D", "C=8"), "vars: {C: 8}"),
    (("1xHxH | conv(8, 3)", "-D", "H=32"), "vars: {H: 32}"),
    (("1xHxH | conv(8, 3)",), None),  # a name of the input shape is declared by it
    (("3x32x32 | conv(8, 3)",), None),
])
def test_written_yaml_declares_its_names(tmp_path: Path, args: tuple[str, ...],
                                         vars_line: str | None) -> None:
    written = run(*args, "-f", "yaml")
    assert written.status == 0, written.err
    lines = written.out.splitlines()
    assert (vars_line in lines) if vars_line else not any(v.startswith("vars:") for v in lines)
    path = tmp_path / "back.yaml"
    path.write_text(written.out)
    defines = dict(a.split("=") for a in args[2::2]) if len(args) > 1 else {}
    first = convcalc.analyze(args[0], **{k: int(v) for k, v in defines.items()})
    again = convcalc.analyze(path)
    assert (again.output, again.total_params) == (first.output, first.total_params)
    assert again.free_names == first.free_names


def test_written_vars_of_a_yaml_spec_are_kept(tmp_path: Path) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text("input: [3, 16, 16]\nvars: {k: 3, c: 2*k, n: null}\n"
                    "layers:\n  - conv2d: {out: c, kernel: k}\n  - dense: n\n")
    out = run(str(spec), "-f", "yaml", "-D", "n=5").out
    assert "vars: {k: 3, c: 2*k, n: 5}" in out.splitlines()
