"""Running the ``convcalc`` command in-process, and golden files of its output.

``run("spec", "-f", "json")`` invokes the click command with click's
CliRunner and returns (exit status, stdout, stderr).  Golden files live in
tests/golden/; set ``CONVCALC_REGEN=1`` to rewrite them from the current
output (then review the diff).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from convcalc.cli import command

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
GOLDEN = Path(__file__).resolve().parent / "golden"
REGEN = os.environ.get("CONVCALC_REGEN", "") not in ("", "0")
FIXED = ("--width", "100", "--no-color")


@dataclass(frozen=True)
class Run:
    status: int
    out: str
    err: str


def run(*args: str, stdin: str | None = None) -> Run:
    """Invoke ``convcalc *args`` from the repository root (examples/ paths are relative)."""
    runner = CliRunner()
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        result = runner.invoke(command, list(args), input=stdin, catch_exceptions=False)
    finally:
        os.chdir(cwd)
    return Run(result.exit_code, result.stdout, result.stderr)


def golden(name: str, text: str) -> None:
    """Compare ``text`` with tests/golden/NAME (or write it when CONVCALC_REGEN=1)."""
    path = GOLDEN / name
    if REGEN or not path.exists():
        if not REGEN:
            raise AssertionError(f"no golden file {path}; run with CONVCALC_REGEN=1 to create it")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert text == path.read_text(encoding="utf-8"), (
        f"output differs from {path}; if the change is intended, rerun with CONVCALC_REGEN=1"
    )
