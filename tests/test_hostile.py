"""Hostile input: nothing hangs, eats memory, runs code or loses a digit.

Each case must answer (a result or a SpecError) within a time limit; numbers
far beyond 64 bits are exact; text that would be code in Python is refused
and never executed.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

import convcalc
import convcalc.spec.yamlread  # the YAML reader loads on first use: not inside a time limit
from convcalc import SpecError

HEAD = "input: [1, 8, 8]\nlayers:\n"
HANG_FACTOR = 10


def _billion_laughs(where: str) -> str:
    lines = ["a0: &a0 [relu, relu, relu, relu, relu, relu, relu, relu, relu]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    block = "\n".join("  " + line for line in lines)
    if where == "vars":
        return f"input: [1, 8, 8]\nvars:\n{block}\nlayers:\n  - relu\n"
    # the anchors first (in `expect`, read before use), then a layer list made of the bomb
    return f"input: [1, 8, 8]\nexpect:\n{block}\nlayers: *a9\n"


def _nested(open_: str, close: str, n: int, inner: str = "1") -> str:
    return open_ * n + inner + close * n


def _flat_chain(n: int) -> str:
    return "".join(f"  v{i}: v{i + 1} + 1\n" for i in range(n)) + f"  v{n}: 1\n"


HOSTILE = [
    # (id, spec, the error's code or None for a result, seconds allowed)
    ("billion-laughs-vars", _billion_laughs("vars"), "too-many-values", 1.0),
    ("billion-laughs-layers", _billion_laughs("layers"), "too-many-values", 1.0),
    ("deep-yaml-list-5k", "input: [1, 8, 8]\nlayers: " + _nested("[", "]", 5_000), "too-deep", 1.0),
    ("deep-yaml-list-200k", "input: [1, 8, 8]\nlayers: " + _nested("[", "]", 200_000), "too-deep",
     1.0),
    ("deep-yaml-map", "input: [1, 8, 8]\nlayers: " + _nested("{a: ", "}", 20_000), "too-deep", 1.0),
    ("deep-yaml-block", "input: [1, 8, 8]\nlayers:\n" + "  " + "- " * 20_000 + "relu\n", "too-deep",
     1.0),
    ("deep-yaml-150", "input: [1, 8, 8]\nlayers: " + _nested("[", "]", 150), "too-deep", 1.0),
    ("deep-expression", "input: [1, 8, 8]\nlayers:\n  - conv2d: {out: 3, kernel: '"
     + _nested("(", ")", 500) + "'}\n", "too-deep", 1.0),
    ("long-expression", "input: [1, 8, 8]\nlayers:\n  - conv2d: {out: 3, kernel: '"
     + _nested("(", ")", 5_000) + "'}\n", "too-long", 1.0),
    ("deep-unary-minus", "input: [1, 8, 8]\nlayers:\n  - conv2d: {out: 3, kernel: '" + "-" * 1500 + "1'}\n",
     "too-deep", 1.0),
    ("inline-deep-parens", "1x8x8 | conv(3, " + _nested("(", ")", 5_000, "3") + ")", "too-deep", 1.0),
    ("inline-deep-brackets", "1x8x8 | conv(3, " + _nested("[", "]", 5_000, "3") + ")", "too-deep",
     1.0),
    ("inline-deep-layers", "1x8x8 | " + "a(" * 5_000 + ")" * 5_000, "too-deep", 1.0),
    ("inline-too-long", "1x8x8 " + "| relu " * 20_000, "too-long", 1.0),
    ("huge-exponent", HEAD + "  - conv2d: {out: 3, kernel: 10**10**10}\n", "too-large", 0.5),
    ("power-tower", HEAD + "  - conv2d: {out: 3, kernel: 2**2**2**2**2**2}\n", "too-large", 0.5),
    ("huge-product", "input: [1, 8, 8]\nlayers:\n  - conv2d: {out: '"
     + "*".join(["10**3000"] * 5) + "', kernel: 3}\n", "too-large", 0.5),
    ("huge-literal-yaml", "input: [1, 8, 8]\nlayers:\n  - dense: " + "9" * 50_000 + "\n", "too-large", 0.5),
    ("huge-literal-inline", "1x8x8 | dense(" + "9" * 50_000 + ")", "too-large", 0.5),
    ("vars-squaring", "input: [1, 8, 8]\nvars:\n  v0: 2\n"
     + "".join(f"  v{i + 1}: v{i} * v{i}\n" for i in range(60))
     + "layers:\n  - conv2d: {out: v60, kernel: 3}\n", "too-large", 0.5),
    ("params-too-long-to-print", "input: [10]\nlayers:\n  - dense: 10**2900\n  - dense: 10**2900\n",
     "too-large", 0.5),
    ("vars-long-chain", "input: [1, 8, 8]\nvars:\n" + _flat_chain(5_000)
     + "layers:\n  - conv2d: {out: v0, kernel: 3}\n", "vars-chain", 1.0),
    ("many-anchors-fine", "input: [1, 8, 8]\nvars: {k: &k 3}\nlayers:\n"
     + "  - conv2d: {out: 4, kernel: *k, padding: 1}\n" * 50, None, 1.0),
]


@pytest.mark.parametrize(("spec", "code", "limit"), [pytest.param(s, c, t, id=i) for i, s, c, t in HOSTILE])
def test_hostile_input_answers_quickly(spec: str, code: str | None, limit: float) -> None:
    gc.collect()  # the session's garbage so far is collected outside the limit, not inside it
    start = time.process_time()
    try:
        result = convcalc.analyze(spec)
        outcome, kind = f"result {result.output}", None
    except SpecError as e:
        outcome, kind = str(e), e.code
    elapsed = time.process_time() - start
    # A guard against hangs and blow-ups (which take minutes), not a benchmark: the bound is
    # ten times what a quiet machine needs, and in this process's CPU time (time.process_time),
    # so that a loaded CI machine, where the wait for a core is not convcalc's, does not fail it.
    assert elapsed < limit * HANG_FACTOR, f"took {elapsed:.2f}s: {outcome[:200]}"
    assert kind == code, outcome[:300]


@pytest.mark.parametrize("where", ["yaml-kernel", "yaml-vars", "yaml-input", "yaml-name-of-type",
                                   "inline-kernel", "inline-type", "define"])
def test_code_is_never_executed(where: str, tmp_path: Path) -> None:
    marker = tmp_path / "PWNED"
    code = f"__import__('os').system('touch {marker}')"
    eval_code = f"eval(\"open('{marker}', 'w')\")"
    specs = {
        "yaml-kernel": f'input: [1, 8, 8]\nlayers:\n  - conv2d: {{out: 3, kernel: "{code}"}}\n',
        "yaml-vars": f'input: [1, 8, 8]\nvars:\n  C: "{code}"\nlayers:\n  - conv2d: {{out: C, kernel: 3}}\n',
        "yaml-input": f'input: ["{code}", 8, 8]\nlayers:\n  - relu\n',
        "yaml-name-of-type": f'input: [1, 8, 8]\nlayers:\n  - "{eval_code}"\n',
        "inline-kernel": f"1x8x8 | conv(3, {code})",
        "inline-type": f"1x8x8 | {eval_code}",
        "define": "1x8x8 | conv(C, 3)",
    }
    with pytest.raises(SpecError):
        if where == "define":
            convcalc.analyze(specs[where], defines={"C": code})
        else:
            convcalc.analyze(specs[where])
    assert not marker.exists()


def test_python_yaml_tags_are_not_constructed(tmp_path: Path) -> None:
    marker = tmp_path / "PWNED"
    spec = ("input: [1, 8, 8]\nlayers:\n"
            f"  - conv2d: {{out: !!python/object/apply:os.system ['touch {marker}'], kernel: 3}}\n")
    with pytest.raises(SpecError) as info:
        convcalc.analyze(spec)
    assert (info.value.code, info.value.line, info.value.column) == ("yaml-tag", 3, 19)
    assert not marker.exists()


def test_cli_does_not_execute_code(tmp_path: Path) -> None:
    marker = tmp_path / "PWNED"
    spec = f"1x8x8 | conv(3, __import__('os').system('touch {marker}'))"
    proc = subprocess.run([sys.executable, "-m", "convcalc", spec], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert not marker.exists()


EXACT = [
    # (spec, output, total params): worked out with Python ints, far beyond 64 bits
    pytest.param("10 | dense(10**25)", (10**25,), 11 * 10**25, id="dense-1e25"),
    pytest.param("(10**25) | dense(10**25)", (10**25,), (10**25 + 1) * 10**25, id="dense-1e25-in-out"),
    pytest.param("3 | dense(10**50) | dense(7)", (7,), 4 * 10**50 + (10**50 + 1) * 7, id="dense-1e50"),
    pytest.param("(2**70, 9, 9) | conv(2**65, 3)", (2**65, 7, 7), (9 * 2**70 + 1) * 2**65, id="conv-2^70"),
    pytest.param("5x10**30 | flatten", (5 * 10**30,), 0, id="flatten-1e30"),
    pytest.param("7 | dense(10**1000)", (10**1000,), 8 * 10**1000, id="dense-1e1000"),
]


@pytest.mark.parametrize(("spec", "output", "params"), EXACT)
def test_huge_numbers_are_exact(spec: str, output: tuple[int, ...], params: int) -> None:
    result = convcalc.analyze(spec)
    assert result.output == output
    assert result.total_params == params
    assert type(result.total_params) is int
    doc = result.to_dict()
    assert doc["totals"]["params"] == params


def test_huge_numbers_print_in_every_format() -> None:
    from click.testing import CliRunner

    from convcalc.cli import command

    for fmt in ("plain", "json", "table"):
        res = CliRunner().invoke(command, ["3 | dense(10**50) | dense(7)", "-f", fmt, "--width", "400"])
        assert res.exit_code == 0, res.output
        digits = str(4 * 10**50 + (10**50 + 1) * 7)
        assert digits in res.output.replace(",", "")


@pytest.mark.parametrize("args", [
    ["7 | dense(10**400)"],  # params size beyond a float's range (was an OverflowError)
    ["7 | dense(10**400)", "-c", "memory"],
    ["7 | dense(10**400)", "-f", "csv"],
])
def test_sizes_beyond_a_float_print(args: list[str]) -> None:
    from click.testing import CliRunner

    from convcalc.cli import command

    res = CliRunner().invoke(command, [*args, "--width", "200"], catch_exceptions=False)
    assert res.exit_code == 0, res.output


@pytest.mark.parametrize("fmt", ["json", "csv", "plain"])
def test_an_activation_too_large_to_print_is_refused(fmt: str) -> None:
    from click.testing import CliRunner

    from convcalc.cli import command

    res = CliRunner().invoke(command, ["10**1500 x 10**1500 x 10**1500 | relu", "-f", fmt, "-c", "memory"],
                             catch_exceptions=False)
    assert res.exit_code == 2
    if fmt == "json":
        assert json.loads(res.stdout)["error"]["code"] == "too-large"
    else:
        assert "error: <inline>:1:34: layer 1 'relu_1' (relu): " in res.stderr
