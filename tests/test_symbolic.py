"""Symbolic shapes (SPEC §4, §7 `valid`/`constraints`): exact simplest forms, valid sets.

Every symbolic answer is checked against convcalc's own concrete propagation:
substituting values into the symbolic result must give exactly the concrete
shapes, parameters, MACs and memory (the printed JSON text, read back, too),
and the valid set must match a brute-force run of the concrete spec over
1..512 (invalid = the concrete run raises SpecError).
"""

from __future__ import annotations

import json
import math
import os
import random
import re
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

import convcalc
from convcalc.arith import num
from convcalc.arith.symbolic import ValidSet, floordiv, pretty, sstr
from convcalc.arith.symbolic.valid import _compile
from convcalc.errors import SpecError

sympy = pytest.importorskip("sympy")
ROOT = Path(__file__).resolve().parent.parent  # the repository: paths never depend on the working directory


def value(e: Any, **names: int) -> int:
    if num.is_int(e):
        return e
    v = sympy.sympify(e).subs({num.symbol(k): n for k, n in names.items()})
    assert v.is_Integer, (e, names, v)
    return int(v)


def concrete(spec: Any, **names: int) -> convcalc.Result | None:
    try:
        return convcalc.analyze(spec, **names)
    except SpecError:
        return None


# ------------------------------------------------------------------ the examples

PYTORCH_T = "3 x T x 80 | conv(32, 3, 2) | conv(32, 3, 2)"
KERAS_T = ("T x 80 x 3 -> Conv2D(32, 3, strides=2, padding=same) -> "
           "Conv2D(32, 3, strides=2, padding=same)")


@pytest.mark.parametrize(
    ("spec", "framework", "json_out", "pretty_out", "valid", "text"),
    [
        (PYTORCH_T, None, [32, "floor((T - 3)/4)", 19], "⌊(T − 3)/4⌋",
         {"T": {"min": 7, "period": 1, "first": [7, 8, 9, 10]}}, "Valid for T ≥ 7"),
        (KERAS_T, "keras", ["ceiling(T/4)", 20, 32], "⌈T/4⌉",
         {"T": {"min": 1, "period": 1, "first": [1, 2, 3, 4]}}, "Valid for every T ≥ 1"),
    ],
)
def test_speech_encoders(spec: str, framework: str | None, json_out: list[Any], pretty_out: str,
                         valid: dict[str, Any], text: str) -> None:
    r = convcalc.analyze(spec, framework=framework)
    d = r.to_dict()
    assert d["output"] == json_out
    assert d["valid"] == valid
    assert d["constraints"] == []
    assert pretty_out in [pretty(x) for x in r.output]
    from convcalc.arith.symbolic import valid_text

    assert valid_text(r) == [text]


def test_free_hyperparameter_params_polynomial() -> None:
    r = convcalc.analyze("3x32x32 | conv(C, 3) | conv(2*C, 3)")
    d = r.to_dict()
    assert d["totals"]["params"] == "18*C**2 + 30*C"
    assert d["totals"]["non_trainable"] == 0
    assert pretty(r.total_params) == "18·C^2 + 30·C"
    for c in (1, 2, 7, 64):
        assert value(r.total_params, C=c) == convcalc.analyze("3x32x32 | conv(C, 3) | conv(2*C, 3)",
                                                              C=c).total_params


def test_vars_left_null_are_free_and_defines_bind() -> None:
    spec = {"input": [3, "H", "H"], "vars": {"C": None, "H": 32},
            "layers": [{"conv2d": {"out": "C", "kernel": 3}}, {"conv2d": {"out": "2*C", "kernel": 3}}]}
    r = convcalc.analyze(spec)
    assert r.free_names == ("C",)
    assert r.output == (2 * num.symbol("C"), 28, 28)
    bound = convcalc.analyze(spec, C=8)
    assert bound.free_names == () and bound.output == (16, 28, 28)


def test_cli_define_and_input(tmp_path: Any) -> None:
    from click.testing import CliRunner

    from convcalc.cli import command as main

    runner = CliRunner()
    res = runner.invoke(main, ["-f", "json", "-D", "H=224", "--input", "3xHxW",
                               "conv(8, 3, 2) | maxpool(2)"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert d["output"] == [8, 55, "floor((W - 1)/4)"]
    assert d["valid"] == {"W": {"min": 5, "period": 1, "first": [5, 6, 7, 8]}}
    res = runner.invoke(main, ["-f", "plain", "--input", "3xHxW", "conv(8, 3, 2) | maxpool(2)"])
    assert res.exit_code == 0
    assert "Valid for H >= 5; W >= 5" in res.output


def test_provably_invalid_is_an_error() -> None:
    spec = {"input": [3, "H"], "layers": [
        {"maxpool1d": {"kernel": 2, "name": "p"}},
        {"concat": {"from": ["p", "input"], "axis": 1}},
    ]}
    with pytest.raises(SpecError) as info:
        convcalc.analyze(spec)
    assert (info.value.code, info.value.layer and info.value.layer.name) == ("no-valid-value", "concat_1")


def test_mixed_names_stay_constraints() -> None:
    r = convcalc.analyze("3 x H x W | conv(8, 3) | flatten | dense(10)")
    assert set(r.valid) == {"H", "W"}
    r2 = convcalc.analyze("C x 8 x 8 | conv(D, 3, groups=G)")
    d = r2.to_dict()
    # C and D divisible by G: each condition mixes two names and is kept as text.
    assert d["constraints"] == ["input channels C are not divisible by groups G",
                                "output channels D are not divisible by groups G"]
    from convcalc.arith.symbolic import valid_text

    assert valid_text(r2) == ["Needs C divisible by G (conv2d_1)", "Needs D divisible by G (conv2d_1)"]


# ------------------------------------------------------------------ simplification


def test_nested_floor_identity_by_substitution() -> None:
    """⌊(⌊a/m⌋ + b)/n⌋ = ⌊(a + b·m)/(m·n)⌋, checked on the canonical forms over many values."""
    rng = random.Random(4)
    x = num.symbol("X")
    for _ in range(200):
        a = rng.randint(-5, 5) * x + rng.randint(-20, 20)
        m, n, b = rng.randint(1, 7), rng.randint(1, 7), rng.randint(-9, 9)
        nested = floordiv(floordiv(a, m) + b, n)
        assert len(nested.atoms(sympy.floor)) <= 1
        fast = _compile(nested, x)
        for v in range(1, 40):
            av = int(a.subs(x, v)) if v < 3 else a.coeff(x) * v + a.subs(x, 0)
            assert fast(v) == (av // m + b) // n
        assert value(nested, X=5) == (int(a.subs(x, 5)) // m + b) // n  # sympy agrees


def test_nested_floor_with_a_multiple_by_substitution() -> None:
    """⌊(c·⌊a/m⌋ + b)/n⌋: correct for every c, and collapsed once c·… shares a factor with n."""
    rng = random.Random(5)
    x = num.symbol("X")
    for _ in range(300):
        k, k0 = rng.randint(1, 5), rng.randint(-20, 20)
        c, m, n, b = rng.randint(1, 4), rng.randint(1, 7), rng.randint(1, 8), rng.randint(-9, 9)
        nested = floordiv(c * floordiv(k * x + k0, m) + b, n)
        fast = _compile(nested, x)
        for v in range(1, 40):
            assert fast(v) == (c * ((k * v + k0) // m) + b) // n, (k, k0, c, m, n, b, v)
    # Keras: same, transposed ×3, same, valid: ⌊(⌊(3·⌈H/2⌉ + 1)/2⌋ − 5)/3⌋ + 1 = ⌊(H − 1)/4⌋
    h = num.symbol("H")
    out = floordiv(floordiv(3 * floordiv(h + 1, 2) + 1, 2) - 5, 3) + 1
    assert sstr(out) == "floor((H - 1)/4)"
    assert len(out.atoms(sympy.floor)) == 1


@pytest.mark.parametrize(("expr", "plain", "nice"), [
    ("floor((T - 3)/4)", "floor((T - 3)/4)", "⌊(T − 3)/4⌋"),
    ("floor((T + 3)/4)", "ceiling(T/4)", "⌈T/4⌉"),
    ("floor((T + 1)/4) - 1", "floor((T - 3)/4)", "⌊(T − 3)/4⌋"),
    ("18*C**2 + 30*C", "18*C**2 + 30*C", "18·C^2 + 30·C"),
])
def test_printing(expr: str, plain: str, nice: str) -> None:
    names = {n: num.symbol(n) for n in "TC"}
    e = sympy.sympify(expr, locals=names)
    if e.atoms(sympy.floor):  # rebuild in canonical form
        f = next(iter(e.atoms(sympy.floor)))
        e = e.subs(f, floordiv(f.args[0] * 4, 4))
    assert sstr(e) == plain
    assert pretty(e) == nice
    back = sympy.sympify(sstr(e), locals=names)
    for v in range(1, 30):
        assert back.subs(names["T"], v).subs(names["C"], v) == e.subs(names["T"], v).subs(names["C"], v)


def _sizes() -> dict[str, Any]:
    h, w = num.symbol("H"), num.symbol("W")
    return {"H": h, "W": w, "A": floordiv(h + 2, 4), "F": floordiv(h, 2), "C": floordiv(h + 1, 2)}


@pytest.mark.parametrize(("make", "plain", "nice"), [
    # sympy stores 8·(A − 2) as 8·A − 16; the size multiplied reads as in the shape ⌊(H − 6)/4⌋
    (lambda s: 8 * (s["A"] - 2), "8*floor((H - 6)/4)", "8·⌊(H − 6)/4⌋"),
    (lambda s: s["A"] - 2, "floor((H - 6)/4)", "⌊(H − 6)/4⌋"),
    (lambda s: (8 * s["A"] - 16) * (s["W"] - 2), "8*floor((H - 6)/4)*(W - 2)", "8·⌊(H − 6)/4⌋·(W − 2)"),
    (lambda s: (8 * s["H"] - 16) * (s["W"] - 2), "8*(H - 2)*(W - 2)", "8·(H − 2)·(W − 2)"),
    (lambda s: (8 * s["F"] - 8) * (s["F"] - 1), "8*(floor(H/2) - 1)**2", "8·(⌊H/2⌋ − 1)^2"),
    (lambda s: 8 * (s["C"] - 1), "8*floor((H - 1)/2)", "8·⌊(H − 1)/2⌋"),
    # the atom already reads as in the shape ⌊H/2⌋ − 1: sympy's form is kept
    (lambda s: 8 * (s["F"] - 1), "8*floor(H/2) - 8", "8·⌊H/2⌋ − 8"),
    (lambda s: 2 * s["H"] - 2, "2*H - 2", "2·H − 2"),
    (lambda s: 36 * s["H"] + 4, "36*H + 4", "36·H + 4"),
])
def test_printing_multiples_of_sizes(make: Any, plain: str, nice: str) -> None:
    s = _sizes()
    e = make(s)
    assert sstr(e) == plain
    assert pretty(e) == nice
    back = sympy.sympify(plain, locals=s)
    for hv in range(1, 30):
        for wv in (1, 5, 8):
            env = {s["H"]: hv, s["W"]: wv}
            assert back.subs(env) == e.subs(env)


def test_concrete_specs_never_import_sympy() -> None:
    code = ("import convcalc, sys; r = convcalc.analyze('1x28x28|conv(8,3)'); r.to_dict(); "
            "print('sympy' in sys.modules)")
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=ROOT, env=env)
    assert out.stdout.strip() == "False"


# ------------------------------------------------------------------ property: symbolic = concrete

def _random_layer(rng: random.Random, framework: str) -> str:
    k = rng.randint(1, 5)
    s = rng.randint(1, 3)
    d = rng.randint(1, 2)
    choice = rng.choice(["conv", "conv", "maxpool", "avgpool", "same", "transpose"])
    if framework == "keras":
        if choice == "transpose":
            return f"Conv2DTranspose(4, {k}, strides={s}, padding={rng.choice(['same', 'valid'])})"
        if choice in ("maxpool", "avgpool"):
            return f"MaxPooling2D({k}, strides={s}, padding={rng.choice(['same', 'valid'])})"
        dil = 1 if s > 1 else d
        return f"Conv2D(4, {k}, strides={s}, padding={rng.choice(['same', 'valid'])}, dilation_rate={dil})"
    if choice == "conv":
        return f"conv(4, {k}, {s}, padding={rng.randint(0, 2)}, dilation={d})"
    if choice == "same":
        return f"conv(4, {k}, padding=same, dilation={d})"
    if choice == "maxpool":
        return (f"maxpool({k}, {s}, padding={rng.randint(0, k // 2)}, dilation={d}, "
                f"ceil_mode={rng.choice(['true', 'false'])})")
    if choice == "avgpool":
        return (f"avgpool({k}, {s}, padding={rng.randint(0, k // 2)}, "
                f"ceil_mode={rng.choice(['true', 'false'])})")
    return f"conv_transpose(4, {k}, {s}, padding={rng.randint(0, 1)}, dilation={d})"


def _random_spec(rng: random.Random, framework: str, width: str = "40") -> str:
    head = f"3 x H x {width}" if framework == "pytorch" else f"H x {width} x 3"
    return " | ".join([head, *(_random_layer(rng, framework) for _ in range(rng.randint(1, 5)))])


def _read(text: int | str, names: str) -> Any:
    """A count as convcalc printed it, read back by sympy (so the text itself is checked)."""
    if isinstance(text, int):
        return sympy.Integer(text)
    return sympy.sympify(text, locals={n: num.symbol(n) for n in names})


def _exact(e: Any, env: dict[Any, int]) -> Any:
    """The value of ``e`` at integer names, exactly (Fractions, never floats) and fast."""
    if e.is_Symbol:
        return env[e]
    if e.is_Rational:
        return Fraction(int(e.p), int(e.q))
    args = [_exact(a, env) for a in e.args]
    ops = {sympy.Add: sum, sympy.Mul: math.prod, sympy.Pow: lambda a: a[0] ** a[1],
           sympy.floor: lambda a: math.floor(a[0]), sympy.ceiling: lambda a: math.ceil(a[0]),
           sympy.Max: max, sympy.Min: min}
    return ops[type(e)](args)


def _counts(d: dict[str, Any]) -> list[tuple[str, Any]]:
    """Every size and count in a result's JSON, labelled: shapes, params, MACs, memory; per layer, total."""
    out: list[tuple[str, Any]] = []
    for layer in d["layers"]:
        name = layer["name"]
        out += [(f"{name} output[{i}]", x) for i, x in enumerate(layer["output"])]
        out += [(f"{name} params", layer["params"]), (f"{name} macs", layer["macs"]),
                (f"{name} memory", layer["memory"]["elements"]), (f"{name} bytes", layer["memory"]["bytes"])]
    t = d["totals"]
    return [*out, ("params", t["params"]), ("macs", t["macs"]), ("memory", t["memory"]["elements"]),
            ("bytes", t["memory"]["bytes"])]


def _printed_equals_concrete(sym: convcalc.Result, runs: dict[tuple[tuple[str, int], ...], Any]) -> None:
    """Every printed size and count of ``sym``, at each point, is the concrete run's there."""
    printed = _counts(sym.to_dict())
    exprs = [_read(text, "".join(sym.free_names)) for _, text in printed]
    assert runs
    for point, con in runs.items():
        env = {num.symbol(n): v for n, v in point}
        for (label, text), e, (_, want) in zip(printed, exprs, _counts(con.to_dict()), strict=True):
            assert _exact(e, env) == want, (point, label, text)


_ROUNDED = re.compile(r"(?:floor|ceiling)\(")


def _rounded(text: Any) -> set[str]:
    """The ``floor(...)`` and ``ceiling(...)`` terms of a printed expression."""
    out = set()
    for m in _ROUNDED.finditer(str(text)):
        depth = 0
        for j in range(m.end() - 1, len(text)):
            depth += {"(": 1, ")": -1}.get(text[j], 0)
            if depth == 0:
                out.add(text[m.start():j + 1])
                break
    return out


def _forms_match_shapes(spec: str, framework: str) -> None:
    """Each rounded term in the MACs and memory (per layer and in total) is written as in some shape."""
    d = convcalc.analyze(spec, framework=framework).to_dict()
    shapes = set().union(*(_rounded(x) for layer in d["layers"] for x in layer["output"]))
    for label, text in _counts(d):
        assert _rounded(text) <= shapes, (spec, label, text, shapes)


SLOW_SEEDS = [pytest.param(s, marks=pytest.mark.slow) for s in range(24, 300)]


@pytest.mark.parametrize("seed", [*range(24), *SLOW_SEEDS])
def test_symbolic_equals_concrete(seed: int) -> None:
    rng = random.Random(seed)
    framework = "keras" if seed % 3 == 2 else "pytorch"
    spec = _random_spec(rng, framework)
    try:
        sym = convcalc.analyze(spec, framework=framework)
    except SpecError:
        # Invalid whatever H is (e.g. the fixed width 40 fails): so is every concrete run.
        for h in (1, 7, 64, 300):
            assert concrete(spec.replace("H", str(h)), framework=framework) is None, spec
        return
    valid = sym.valid["H"]
    runs = {}
    for h in [*range(1, 41), *rng.sample(range(41, 513), 10)]:
        con = concrete(spec, framework=framework, H=h)
        assert (con is not None) == (h in valid), (spec, h, dict(valid))
        if con is None:
            continue
        runs[("H", h),] = con
        for layer_s, layer_c in zip(sym.layers, con.layers, strict=True):
            assert tuple(value(d, H=h) for d in layer_s.output) == layer_c.output, (spec, h)
            assert value(layer_s.params, H=h) == layer_c.params
        assert value(sym.total_params, H=h) == con.total_params
    _printed_equals_concrete(sym, runs)
    _forms_match_shapes(spec, framework)


TWO_NAME_SEEDS = [*range(10), *(pytest.param(s, marks=pytest.mark.slow) for s in range(10, 150))]


@pytest.mark.parametrize("seed", TWO_NAME_SEEDS)
def test_two_names_macs_and_memory_equal_concrete(seed: int) -> None:
    """H and W free: every printed shape, MAC count and memory size is the concrete run's on a grid."""
    rng = random.Random(1000 + seed)
    framework = "keras" if seed % 3 == 2 else "pytorch"
    spec = _random_spec(rng, framework, width="W")
    try:
        sym = convcalc.analyze(spec, framework=framework)
    except SpecError:
        return
    points = [(h, w) for h in range(1, 25) for w in (1, 2, 3, 5, 8, 13, 24)] + [
        (rng.randint(25, 400), rng.randint(1, 400)) for _ in range(10)]
    runs = {}
    for h, w in points:
        con = concrete(spec, framework=framework, H=h, W=w)
        if con is not None:
            runs[("H", h), ("W", w)] = con
    _printed_equals_concrete(sym, runs)
    _forms_match_shapes(spec, framework)


def test_macs_and_memory_read_like_the_shapes() -> None:
    """The issue's example: one canonical form for one quantity, in shapes, MACs and memory alike."""
    spec = "3xHxW | conv(8, 3) | maxpool(2) | conv(8, 3) | maxpool(2)"
    r = convcalc.analyze(spec)
    d = r.to_dict()
    assert d["output"] == [8, "floor((H - 6)/4)", "floor((W - 6)/4)"]
    layers = d["layers"]
    assert layers[1]["memory"]["elements"] == "8*(floor(H/2) - 1)*(floor(W/2) - 1)"
    assert layers[2]["macs"] == "576*(floor(H/2) - 3)*(floor(W/2) - 3)"
    assert layers[3]["memory"] == {"elements": "8*floor((H - 6)/4)*floor((W - 6)/4)",
                                   "bytes": "32*floor((H - 6)/4)*floor((W - 6)/4)"}
    assert "8*floor((H - 6)/4)*floor((W - 6)/4)" in d["totals"]["memory"]["elements"]
    assert "ceiling" not in json.dumps(d)
    # the table writes the same quantity the same way in the shape and the MACs columns
    strided = convcalc.analyze("3xHxW | conv(8, 3, 2) | maxpool(3, 2)")
    assert pretty(strided.layers[0].output[1]) == "⌊(H − 1)/2⌋"
    assert pretty(strided.layers[0].macs) == "216·⌊(H − 1)/2⌋·⌊(W − 1)/2⌋"
    assert pretty(strided.total_macs) == "216·⌊(H − 1)/2⌋·⌊(W − 1)/2⌋"


def _fast(spec: Any, name: str, fixed: dict[str, int], upto: int = 512) -> None:
    """The valid set of `name` equals a brute-force run of the concrete spec over 1..upto."""
    sym = convcalc.analyze(spec)
    valid = sym.valid[name]
    assert isinstance(valid, ValidSet)
    brute = [v for v in range(1, upto + 1) if concrete(spec, **fixed, **{name: v}) is not None]
    mine = [v for v in range(1, upto + 1) if v in valid]
    assert mine == brute
    assert valid["min"] == brute[0] and valid["first"] == brute[:4]


def unet(depth: int = 4, up: str = "conv_transpose") -> dict[str, Any]:
    layers: list[Any] = []
    width = 4
    for i in range(depth):
        layers.append({"conv2d": {"out": width << i, "kernel": 3, "padding": 1, "name": f"e{i}"}})
        layers.append({"maxpool2d": 2})
    layers.append({"conv2d": {"out": width << depth, "kernel": 3, "padding": 1}})
    for i in reversed(range(depth)):
        if up == "conv_transpose":
            layers.append({"conv_transpose2d": {"out": width << i, "kernel": 2, "stride": 2}})
        else:
            layers.append({"upsample": {"scale_factor": 2}})
        layers.append({"concat": {"from": [-1, f"e{i}"]}})
        layers.append({"conv2d": {"out": width << i, "kernel": 3, "padding": 1}})
    return {"input": [1, "H", "W"], "layers": layers}


@pytest.mark.parametrize("up", ["conv_transpose", "upsample"])
def test_unet_valid_exactly_for_multiples_of_16(up: str) -> None:
    spec = unet(4, up)
    r = convcalc.analyze(spec)
    want = {"min": 16, "period": 16, "first": [16, 32, 48, 64]}
    assert r.to_dict()["valid"] == {"H": want, "W": want}
    assert r.valid["H"].text == "H = 16m, m ≥ 1"
    _fast(spec, "H", {"W": 16})


def test_residual_stride2_conv_and_pool_is_h_even() -> None:
    spec = {"input": [3, "H", 16], "layers": [
        {"conv2d": {"out": 8, "kernel": 3, "stride": 2, "padding": 1, "name": "a"}},
        {"maxpool2d": {"kernel": 2, "from": "input"}},
        {"conv2d": {"out": 8, "kernel": 1}},
        {"add": {"from": ["a", -1]}},
    ]}
    r = convcalc.analyze(spec)
    # ⌈H/2⌉ and ⌊H/2⌋ agree for even H; at H = 3 they are 2 and 1, which broadcasts.
    assert r.valid["H"].text == "H even or H = 3"
    assert r.to_dict()["valid"]["H"] == {"min": 2, "period": 2, "first": [2, 3, 4, 6]}
    _fast(spec, "H", {})


BRUTE = [
    ("3 x H x 8 | conv(8, 3, 2) | conv(8, 3, 2)", "H"),
    ("3 x H x 64 | maxpool(3, 2, 1, ceil_mode=true) | maxpool(2, ceil_mode=true) | conv(4, 5, 3)", "H"),
    ("3 x H x 64 | conv(8, 7, 2, padding=3) | maxpool(3, 2, 1) | conv(8, 3, dilation=3)", "H"),
    ("C x 8 x 8 | conv(12, 3, groups=3) | conv(24, 1, groups=4)", "C"),
    ("3 x H x 8 | conv(4, 3, padding=same, dilation=2) | avgpool(4, 3, 2, ceil_mode=true)", "H"),
]


@pytest.mark.parametrize(("spec", "name"), BRUTE)
def test_valid_set_brute_force(spec: str, name: str) -> None:
    _fast(spec, name, {})


def test_transposed_and_keras_brute_force() -> None:
    _fast("3 x H x 8 | conv(4, 3, 2) | conv_transpose(4, 3, 2, padding=1) | conv(4, 5)", "H", {})


@pytest.mark.slow
def test_symbolic_1000_layers_is_fast() -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import symbolic_specs

    for make in symbolic_specs.SPECS.values():
        text = make()
        t0 = time.process_time()
        convcalc.analyze(text).to_dict()
        assert time.process_time() - t0 < 4.0
