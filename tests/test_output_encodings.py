"""An output that cannot encode every character (a Windows pipe in cp1252, PYTHONIOENCODING=ascii)
gets escapes, never a UnicodeEncodeError traceback; JSON stays valid and says the same."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from _cli import ROOT

SPEC = '3x32x32 | conv(8, 3, name="é中😀") | relu'


def convcalc(encoding: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": encoding}
    env.pop("PYTHONUTF8", None)
    return subprocess.run([sys.executable, "-m", "convcalc", *args], capture_output=True, env=env, cwd=ROOT,
                          timeout=120, check=False, text=True, encoding=encoding, errors="strict")


@pytest.mark.parametrize("encoding", ["ascii", "latin-1", "cp1252"])
@pytest.mark.parametrize("fmt", ["table", "plain", "json", "markdown", "csv", "mermaid", "dot"])
def test_no_traceback_whatever_the_output_encodes(encoding: str, fmt: str) -> None:
    r = convcalc(encoding, "-f", fmt, SPEC)
    assert r.returncode == 0 and r.stderr == "", r.stderr[-400:]
    assert "224" in r.stdout  # the numbers are all there


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_yaml_written_to_such_an_output_reads_back_the_same(encoding: str) -> None:
    import yaml

    escaped, utf = convcalc(encoding, "-f", "yaml", SPEC), convcalc("utf-8", "-f", "yaml", SPEC)
    assert escaped.returncode == 0 and escaped.stderr == ""
    assert yaml.safe_load(escaped.stdout) == yaml.safe_load(utf.stdout)


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_json_says_the_same_in_escapes(encoding: str) -> None:
    escaped, utf = convcalc(encoding, "-f", "json", SPEC), convcalc("utf-8", "-f", "json", SPEC)
    assert "\\u4e2d" in escaped.stdout and "\\ud83d\\ude00" in escaped.stdout  # CJK; beyond the BMP
    assert json.loads(escaped.stdout) == json.loads(utf.stdout)


def test_an_error_about_a_name_it_cannot_encode_is_written_too() -> None:
    r = convcalc("ascii", "3x32x32 | conv(8, 3) | nosuchlayér")
    assert r.returncode == 2 and "Traceback" not in r.stderr and "nosuchlay\\u00e9r" in r.stderr


def test_a_utf_output_is_left_alone() -> None:
    assert "é中😀" in convcalc("utf-8", "-f", "json", SPEC).stdout


def _box_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(("+", "|"))]


@pytest.mark.parametrize("encoding", ["ascii", "latin-1", "cp1252"])
@pytest.mark.parametrize("spec", [SPEC, "3 x H x W | conv(8, 3, stride=2) | relu | maxpool(2)"])
def test_a_table_it_cannot_write_in_full_stays_aligned(encoding: str, spec: str) -> None:
    r = convcalc(encoding, "--width", "200", "-x", spec)
    assert r.returncode == 0 and r.stderr == "", r.stderr[-400:]
    lines = _box_lines(r.stdout)
    assert len(lines) > 5 and len({len(line) for line in lines}) == 1, r.stdout  # every line of the box
    utf = convcalc("utf-8", "--width", "200", "-x", spec).stdout
    if "H" in spec:  # convcalc's signs in ASCII where the encoding lacks them: ⌊ → floor(, − → -
        assert "floor((H - 1)/2)" in r.stdout and ("⌊(H − 1)/2⌋" in utf)
        assert ("×" in r.stdout) is (encoding != "ascii")  # latin-1 and cp1252 write × themselves
    else:  # a name it cannot write: escaped, and measured as escaped
        assert ("\\u4e2d" in r.stdout) and ("é" in r.stdout) is (encoding != "ascii")


def test_a_name_cut_short_on_an_ascii_output_is_marked_in_ascii() -> None:
    r = convcalc("ascii", "--width", "60", '3x32x32 | conv(8, 3, name="a_rather_long_layer_name_") | relu')
    assert "~" in r.stdout and "\\u2026" not in r.stdout and r.returncode == 0
    assert len({len(line) for line in _box_lines(r.stdout)}) == 1
