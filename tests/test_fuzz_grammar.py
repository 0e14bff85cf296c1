"""Grammar-aware fuzzing through every format and the API (issue 19).

Hypothesis writes YAML spec files from the spec grammar: random registry types
with plausible and implausible arguments, blocks (which may use each other in
a cycle), repeats, ``from:`` references, ``expect:`` with wrong types, random
YAML tags and scalars, control characters in names, and random bytes.  Each
case runs as a file through the command line (the table, JSON and one more
format) and through :func:`convcalc.analyze`, and must hold:

- exit status 0, 1 or 2 only, never a traceback; the API returns a Result or
  raises SpecError;
- exit 2 says ``error: FILE:LINE:COL: …`` (or ``FILE:LINE:``, or the file), one paragraph;
- JSON is strict (no NaN/Infinity) and parses;
- no control character from the spec in any output;
- the table and the JSON agree on the totals;
- each case ends within a time bound.

The default run tries a small sample; ``pytest -m slow`` runs 20,000 examples or
about eight minutes, whichever comes first (a time budget: cases past it return
at once, so Hypothesis finishes quickly).
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import convcalc
from convcalc import Result, SpecError
from convcalc.cli import command
from convcalc.layers.registry import all_names
from convcalc.textsafe import CONTROL

TYPES = all_names()
OTHER_FORMATS = ["plain", "markdown", "csv", "mermaid", "dot", "github"]
# a generous bound on one case (every format and the API), in this process's CPU time: the
# wall clock failed it on a loaded machine, where waiting for a core is not convcalc's time
CASE_SECONDS = 20.0
# the slow run's time budget (CONVCALC_FUZZ_SECONDS to change it)
BUDGET_SECONDS = float(os.environ.get("CONVCALC_FUZZ_SECONDS", "600"))  # issue 19: 10 minutes

# Text a spec may contain where a scalar goes: plausible, implausible, tags, odd numbers.
SCALARS = [
    "3", "16", "0", "-1", "1.5", ".5", "1e400", ".nan", ".inf", "-.inf", "0x1f", "0o17", "1:2:3",
    "0b101", "true", "maybe", "null", "~", "'3'", '"H"', "H", "C*2", "2**2**2**2**2", "9" * 400,
    "!!int abc", "!!int 3", "!!bool maybe", "!!timestamp abc", "!!timestamp 2024-01-01", "2024-01-01",
    "!!binary aGVsbG8=", "!!float x", "!!str 3", "!!null x", "!foo 3", "!!set {a: null}",
    "'²'", "'in.²'", "'3x3'", "'(3, 3)'", "[3, 3]", "[]", "{}", "{a: 1}", "same", "valid", "'$out'",
    "'\\x1b]0;t\\x07'", "&a 3", "*a",
]
NAMES = ["a", "b", "c", "conv", "in", "input", "x.0", "b.1", "a\x1b[31m", "n\x07", "q\"uote", "p|ipe",
         "bk`tick", "ü", "a b", "-1"]
KEYS = ["out", "kernel", "stride", "padding", "hidden", "layers", "p", "dim", "groups", "bias",
        "units", "filters", "in_channels", "num_heads", "name", "from", "trainable", "kernal", "x"]


def _q(text: str) -> str:
    """A YAML double-quoted scalar: control characters as escapes, so the file stays valid text."""
    return json.dumps(text)


@st.composite
def layer_line(draw: Any, blocks: list[str]) -> str:
    t = draw(st.sampled_from(TYPES + blocks + blocks + ["nosuch", "Conv2d", "repeat"]))
    form = draw(st.integers(0, 3))
    if form == 0:
        return t
    if form == 1:
        return f"{t}: {draw(st.sampled_from(SCALARS))}"
    items = []
    for key in draw(st.lists(st.sampled_from(KEYS), max_size=4)):
        if key == "name":
            items.append(f"name: {_q(draw(st.sampled_from(NAMES)))}")
        elif key == "from":
            refs = draw(st.lists(st.one_of(st.sampled_from(NAMES), st.integers(-4, 3).map(str)),
                                 min_size=1, max_size=3))
            items.append("from: [" + ", ".join(_q(r) if not r.lstrip("-").isdigit() else r for r in refs)
                         + "]")
        else:
            items.append(f"{key}: {draw(st.sampled_from(SCALARS))}")
    if form == 2:
        return f"{t}: {{{', '.join(items)}}}"
    return "{" + ", ".join([f"{t}: {draw(st.sampled_from(SCALARS))}", *items]) + "}"


@st.composite
def spec_text(draw: Any) -> bytes:
    blocks = draw(st.lists(st.sampled_from(["b1", "b2", "b3"]), max_size=2, unique=True))
    shape = draw(st.sampled_from(["[3, 16, 16]", "[8, 4]", "[10]", "3x16x16", "[1, 8, 8]", "[]",
                                  "[0, 4]", "[" + "9" * 320 + ", 8]", "'²x3'", "!!binary aGk="]))
    lines = [f"input: {shape}"]
    if draw(st.booleans()):
        lines.append(f"name: {_q(draw(st.sampled_from(NAMES)))}")
    if draw(st.booleans()):
        lines.append(f"framework: {draw(st.sampled_from(['pytorch', 'keras', 'jax', '3']))}")
    if blocks:
        lines.append("blocks:")
        for b in blocks:
            lines.append(f"  {b}:")
            if draw(st.booleans()):
                lines.append(f"    args: {draw(st.sampled_from(['[out]', '{out: 4}', '[[out]]', '3']))}")
            body = draw(st.lists(layer_line(blocks), min_size=1, max_size=3))  # may use itself
            lines.append("    layers:")
            lines += [f"      - {x}" for x in body]
    lines.append("layers:")
    for _ in range(draw(st.integers(1, 5))):
        if draw(st.integers(0, 6)) == 0:
            times = draw(st.sampled_from(["2", "0", "-1", "H", "10**9", "3"]))
            inner = draw(layer_line(blocks))
            lines.append(f"  - repeat: {{times: {times}, layers: [{inner}]}}")
        else:
            lines.append(f"  - {draw(layer_line(blocks))}")
    if draw(st.booleans()):
        key = draw(st.sampled_from(["params", "output", "macs_max", "layers", "nosuch"]))
        lines.append(f"expect: {{{key}: {draw(st.sampled_from(SCALARS))}}}")
    data = ("\n".join(lines) + "\n").encode("utf-8")
    if draw(st.integers(0, 9)) == 0:  # random bytes somewhere (often not UTF-8)
        pos = draw(st.integers(0, len(data)))
        data = data[:pos] + draw(st.binary(max_size=6)) + data[pos:]
    return data


def _strict(name: str) -> None:
    raise AssertionError(f"{name} in JSON output")


_ERROR_AT = re.compile(r"^error: (?P<file>[^:]+)(?::(?P<line>\d+)(?::(?P<col>\d+))?)?: ")
_TOTAL = re.compile(r"^Total params: ([\d,]+)$", re.M)


def _invoke(args: list[str]) -> tuple[int, str, str]:
    r = CliRunner().invoke(command, args, catch_exceptions=True)
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    return r.exit_code, r.stdout, r.stderr


def check_case(text: bytes, fmt: str, folder: Path) -> None:
    path = folder / "fuzz.yaml"
    path.write_bytes(text)
    start = time.process_time()
    outputs: dict[str, tuple[int, str, str]] = {}
    for f in ("table", "json", fmt):
        rc, out, err = _invoke([str(path), "-f", f, "--no-color", "--width", "120"])
        assert rc in (0, 1, 2), (f, rc, err)
        assert "Traceback" not in out + err, (f, err)
        assert not CONTROL.search(out + err), (f, repr((out + err)[:400]))  # none is convcalc's own
        outputs[f] = (rc, out, err)
    statuses = {rc for rc, _, _ in outputs.values()}
    assert len(statuses) == 1, {f: v[0] for f, v in outputs.items()}
    rc, out, err = outputs["json"]
    doc = json.loads(out, parse_constant=_strict) if out.strip() else None
    if rc == 2:
        line = outputs["table"][2].strip().splitlines()[0]
        m = _ERROR_AT.match(line)
        assert m and m.group("file") == str(path), line
        assert m.group("line") is not None, line  # a file's error says where
        assert doc is not None and doc["error"]["code"], doc
        assert "\n\n" not in doc["error"]["message"], doc["error"]["message"]
    elif doc is not None:
        table_total = _TOTAL.search(outputs["table"][1])
        if table_total and isinstance(doc["totals"]["params"], int):
            assert int(table_total.group(1).replace(",", "")) == doc["totals"]["params"]
    try:
        result = convcalc.analyze(path)
        assert isinstance(result, Result)
    except SpecError as e:
        assert e.code and "\n\n" not in e.message
    assert time.process_time() - start < CASE_SECONDS, text


@given(text=spec_text(), fmt=st.sampled_from(OTHER_FORMATS))
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_fuzz_grammar_sample(tmp_path_factory: pytest.TempPathFactory, text: bytes, fmt: str) -> None:
    check_case(text, fmt, tmp_path_factory.mktemp("fuzz"))


_START: list[float] = []
_RAN: list[int] = []  # cases checked within the budget


@pytest.mark.slow
@given(text=spec_text(), fmt=st.sampled_from(OTHER_FORMATS))
@settings(max_examples=20_000, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_fuzz_grammar_slow(tmp_path_factory: pytest.TempPathFactory, text: bytes, fmt: str) -> None:
    if not _START:
        _START.append(time.monotonic())
    if time.monotonic() - _START[0] > BUDGET_SECONDS:  # the time budget: the rest pass at once
        return
    _RAN.append(1)
    check_case(text, fmt, tmp_path_factory.mktemp("fuzz"))
