"""The table's width: natural when piped, the terminal's (or $COLUMNS) when there is one."""

from __future__ import annotations

import io

import pytest
from _cli import run

import convcalc
from convcalc.render import table
from convcalc.render.options import Options

SYMBOLIC = "2*C x T x 80 | conv(C, 3, 2) | conv(2*C, 3, 2) | flatten | dense(10)"
ALL_COLUMNS = ("-c", "shape,weights,params,macs,memory,rf")


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


def test_piped_table_follows_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    r = run("examples/alexnet.yaml")
    assert max(len(line) for line in r.out.splitlines()) <= 60
