"""``convcalc --diff OLD NEW`` on pairs made from the examples, and with ``REV:path`` read by git."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from _cli import EXAMPLES, run

LENET = (EXAMPLES / "lenet5.yaml").read_text()
RESNET = (EXAMPLES / "resnet18.yaml").read_text()


def pair(tmp_path: Path, old: str, new: str) -> tuple[str, str]:
    a, b = tmp_path / "old.yaml", tmp_path / "new.yaml"
    a.write_text(old)
    b.write_text(new)
    return str(a), str(b)


def test_a_widened_conv(tmp_path: Path) -> None:
    # c1 6 -> 12 filters: c1 156 -> 312, c3 (reads 12 channels) 2,416 -> 4,816: +2,556 of 61,706
    old, new = pair(tmp_path, LENET, LENET.replace("{name: c1, out: 6,", "{name: c1, out: 12,"))
    r = run("--diff", "-f", "plain", old, new)
    assert r.status == 0 and r.err == ""
    rows = {line.split()[1]: line for line in r.out.splitlines()
            if line[:2] in ("+ ", "- ", "~ ") and set(line) - {"-", " "}}  # not the rule under the header
    assert sorted(rows) == ["c1", "c3", "s2", "tanh_1"]
    assert "6x28x28 -> 12x28x28" in rows["c1"] and "156 -> 312" in rows["c1"]
    assert "16x6x5x5, 16 -> 16x12x5x5, 16" in rows["c3"] and "2,416 -> 4,816" in rows["c3"]
    assert "Total params: 61,706 -> 64,262: +2,556 params (+4.1%)" in r.out.splitlines()


def test_an_added_block(tmp_path: Path) -> None:
    # a third BasicBlock in layer1: 2 convs of 64x64x3x3 and 2 batch norms of 64: +73,984
    old, new = pair(tmp_path, RESNET, RESNET.replace("{name: layer1, times: 2,", "{name: layer1, times: 3,"))
    r = run("--diff", "-f", "json", old, new)
    doc = json.loads(r.out)
    assert r.status == 0
    assert {row["change"] for row in doc["layers"]} == {"added"}
    assert [row["name"] for row in doc["layers"]] == [
        "layer1.2.conv1", "layer1.2.bn1", "layer1.2.relu_1", "layer1.2.conv2", "layer1.2.bn2",
        "layer1.2.add_1", "layer1.2.relu_2"]
    assert sum(row["new"]["params"] for row in doc["layers"]) == 73_984
    assert doc["totals"]["params"] == {"old": 11_689_512, "new": 11_763_496, "delta": 73_984, "percent": 0.6}
    assert (doc["old"]["file"], doc["new"]["name"]) == (old, "resnet18")


def test_a_removed_layer_in_markdown_with_macs(tmp_path: Path) -> None:
    # f6 (10,164 params) and its tanh go; the output layer reads 120 values: 850 -> 1,210
    new_text = LENET.replace("  - dense: {name: f6, out: 84}\n  - tanh\n", "")
    old, new = pair(tmp_path, LENET, new_text)
    r = run("--diff", "-f", "markdown", "-c", "shape,params,macs,memory", old, new)
    assert r.status == 0
    lines = r.out.splitlines()
    assert lines[0] == f"### convcalc --diff: {old} → {new} (lenet5)"
    assert "| - | f6 | `dense(84)` | removed | 84 | 84×120, 84 | 10,164 | 10,080 |" in lines
    assert "| - | tanh_4 | `tanh` | removed | 84 |  | 0 | 0 |" in lines
    assert ("| ~ | output | `dense(10)` | changed | 10 | 10×84, 10 → 10×120, 10 | 850 → 1,210 "
            "| 840 → 1,200 |") in lines
    assert "- Total params: 61,706 → 51,902: **-9,804 params (-15.9%)**" in lines
    assert "- Total MACs: 416,520 → 406,800: **-9,720 MACs (-2.3%)**" in lines
    assert any(line.startswith("- Activations, forward pass: ") and "-168 activation elements" in line
               for line in lines)


def test_no_change_and_an_invalid_side(tmp_path: Path) -> None:
    same = run("--diff", "-f", "plain", str(EXAMPLES / "lenet5.yaml"), str(EXAMPLES / "lenet5.yaml"))
    assert same.status == 0 and "No layer added, removed or changed." in same.out
    assert "Total params: 61,706 -> 61,706: no change" in same.out
    bad = run("--diff", str(EXAMPLES / "lenet5.yaml"), "1x4x4 | conv(8, 5)")
    assert bad.status == 2 and bad.out == "" and bad.err.startswith("error: <inline>:1:9:")
    assert run("--diff", str(EXAMPLES / "lenet5.yaml")).status == 2  # two specs, not one
    assert "--diff writes" in run("--diff", "-f", "csv", "a.yaml", "b.yaml").err


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_rev_path_is_read_with_git(tmp_path: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=tmp_path,
                       check=True, capture_output=True)

    (tmp_path / "models").mkdir()
    net = tmp_path / "models" / "net.yaml"
    net.write_text(LENET)
    git("init", "-q")
    git("add", "-A")
    git("commit", "-q", "-m", "lenet5")
    net.write_text(LENET.replace("{name: c1, out: 6,", "{name: c1, out: 12,"))
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        r = run_here("--diff", "-f", "plain", "HEAD:models/net.yaml", "models/net.yaml")
        assert r.status == 0, r.err
        assert r.out.splitlines()[0] == "HEAD:models/net.yaml -> models/net.yaml (lenet5)"
        assert "Total params: 61,706 -> 64,262: +2,556 params (+4.1%)" in r.out
        missing = run_here("--diff", "nosuchrev:models/net.yaml", "models/net.yaml")
        assert missing.status == 2
        assert missing.err.startswith(
            "error: nosuchrev:models/net.yaml: --diff: cannot read it with git show")
        os.environ["PATH"], path = "", os.environ["PATH"]
        try:
            nogit = run_here("--diff", "HEAD:models/net.yaml", "models/net.yaml")
        finally:
            os.environ["PATH"] = path
        assert nogit.status == 2 and "git is not installed" in nogit.err
    finally:
        os.chdir(cwd)


def run_here(*args: str):  # type: ignore[no-untyped-def]
    """``run`` without changing to the repository root."""
    from _cli import Run
    from click.testing import CliRunner

    from convcalc.cli import command

    r = CliRunner().invoke(command, list(args), catch_exceptions=False)
    return Run(r.exit_code, r.stdout, r.stderr)
