"""How each format reports failed expectations and errors, and what --quiet leaves."""

from __future__ import annotations

import csv
import io
import json

import pytest
from _cli import run

FAILING = ("name: failing\ninput: [1, 28, 28]\n"
           "layers: [{conv2d: {name: c1, out: 32, kernel: 5}}, flatten, {dense: 10}]\n"
           "expect: {output: [12]}\n")
PASSING = "1x8x8 | conv(4, 3)"


@pytest.mark.parametrize(("fmt", "where"), [
    ("table", "out"), ("plain", "out"), ("markdown", "out"),
    ("csv", "err"), ("mermaid", "err"), ("dot", "err"),
])
def test_every_format_says_why_it_exits_1(fmt: str, where: str) -> None:
    r = run("-f", fmt, "--no-color", "-", stdin=FAILING)
    assert r.status == 1
    # every format: the failed check compiler-style on stderr, at the key (SPEC §13)
    assert r.err == "<stdin>:4:10: expect.output: expected [12], got [10]\n"
    if where == "out":  # the interactive formats keep the side-by-side table
        assert "Expectations FAILED" in r.out and "(1 of 1 check)" in r.out
    else:  # the document on stdout stays what its format says it is
        assert "FAILED" not in r.out


def test_csv_stdout_stays_clean_when_expectations_fail() -> None:
    r = run("-f", "csv", "-", stdin=FAILING)
    rows = list(csv.reader(io.StringIO(r.out)))
    assert rows[0][:4] == ["file", "spec", "index", "name"]
    assert [row[3] for row in rows[1:]] == ["c1", "flatten_1", "dense_1"]


def test_json_carries_failures_in_the_document() -> None:
    r = run("-f", "json", "-", stdin=FAILING)
    assert r.status == 1 and r.err == "<stdin>:4:10: expect.output: expected [12], got [10]\n"
    assert json.loads(r.out)["expect"]["ok"] is False


@pytest.mark.parametrize("fmt", ["plain", "markdown", "csv", "mermaid", "dot"])
def test_quiet_shows_only_the_failing_spec(fmt: str) -> None:
    r = run("-q", "-f", fmt, PASSING, "-", "1x4x4 | conv(4, 5)", stdin=FAILING)
    assert r.status == 2
    assert r.out == ""  # -q is the same in every format: only the error and failure lines
    assert r.err.splitlines()[0] == "<stdin>:4:10: expect.output: expected [12], got [10]"
    assert r.err.count("error: <inline>:1:") == 1
