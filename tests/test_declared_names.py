"""Issue 12, item 4: a typo in a YAML spec is an error, not a new free name.

In a spec read as YAML (a file, standard input, a YAML string, a dict), every
name is declared: in ``vars:`` (``null`` leaves it free, a mapping gives it a
range) or in ``input``/``inputs``.  One-line specs keep implicit free names.
``-D``/keyword bindings must name a name the spec has.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _cli import run

import convcalc
from convcalc.errors import SpecError

TYPO = """\
input: [3, 32, 32]
vars: {C: 64}
layers:
  - conv2d: {out: 2*Cc, kernel: 3}
"""
MESSAGE = "unknown name `Cc` (did you mean `C`?); to leave it free, declare it: `vars: {Cc: null}`"


def test_a_typo_in_a_file_is_an_error_at_its_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "typo.yaml"
    path.write_text(TYPO, encoding="utf-8")
    with pytest.raises(SpecError) as e:
        convcalc.analyze(path)
    assert MESSAGE in e.value.message
    assert e.value.code == "unknown-name"
    assert (e.value.line, e.value.column) == (4, 21)  # the `Cc` of `2*Cc`
    r = run(str(path))
    assert r.status == 2
    assert f"{path}:4:21:" in r.err and MESSAGE in r.err


def test_standard_input_and_yaml_strings_too() -> None:
    r = run("-", stdin=TYPO)
    assert r.status == 2 and MESSAGE in r.err and "<stdin>:4:21" in r.err
    with pytest.raises(SpecError, match="unknown name `Cc`") as e:
        convcalc.analyze(TYPO)
    assert e.value.line == 4


def test_dicts_too() -> None:
    spec = {"input": [3, 32, 32], "vars": {"C": 64}, "layers": [{"conv2d": {"out": "2*Cc", "kernel": 3}}]}
    with pytest.raises(SpecError, match="unknown name `Cc` \\(did you mean `C`\\?\\)") as e:
        convcalc.analyze(spec)
    assert e.value.code == "unknown-name"


def test_declared_names_are_free() -> None:
    declared = TYPO.replace("vars: {C: 64}", "vars: {C: 64, Cc: null}")
    r = convcalc.analyze(declared)
    assert r.free_names == ("Cc",)
    assert str(r.layers[0].output[0]) == "2*Cc"
    # names in the input shapes are declared by being there
    r = convcalc.analyze({"input": [3, "H", "W"], "layers": [{"conv2d": {"out": 8, "kernel": 3}},
                                                          {"maxpool2d": "H // 8"}]})
    assert set(r.free_names) == {"H", "W"}
    r = convcalc.analyze({"inputs": {"x": ["T", 8]}, "layers": [{"dense": {"out": "T", "from": "x"}}]})
    assert r.free_names == ("T",)


def test_vars_may_not_read_undeclared_names() -> None:
    with pytest.raises(SpecError, match="unknown name `Hh`") as e:
        convcalc.analyze("input: [3, H, H]\nvars: {C: 2*Hh}\nlayers:\n  - conv2d: [C, 3]\n")
    assert (e.value.line, e.value.column) == (2, 13)


def test_one_liners_keep_implicit_free_names() -> None:
    r = convcalc.analyze("3x32x32 | conv(Cout, k)")
    assert set(r.free_names) == {"Cout", "k"}
    assert run("3x32x32 | conv(8, k)").status == 0


def test_block_arguments_are_not_free_names() -> None:
    spec = {"input": [4, 8, 8], "blocks": {"unit": {"args": {"c": 8}, "layers": [{"conv2d": ["$c", 3]}]}},
            "layers": [{"unit": {"c": 16}}, {"unit": None}]}
    r = convcalc.analyze(spec)
    assert r.output == (8, 4, 4) and r.free_names == ()


def test_a_define_must_name_a_name_of_the_spec() -> None:
    r = run("3xHxW | conv(16, 3)", "-D", "h=64")
    assert r.status == 2
    assert "the spec has no name `h` (did you mean `H`?) (its names: H, W)" in r.err
    with pytest.raises(SpecError, match="its names: H, W") as e:
        convcalc.analyze("3xHxW | conv(16, 3)", h=64)
    assert e.value.code == "unknown-define"
    with pytest.raises(SpecError, match=r"its names: none"):
        convcalc.analyze("3x8x8 | conv(16, 3)", H=8)
    # a var may be overridden, and a name read only by vars counts
    assert convcalc.analyze("input: [3, 8, 8]\nvars: {C: 4}\nlayers:\n  - conv2d: [C, 3]\n",
                            C=6).output == (6, 6, 6)
    spec = "input: [3, 8, 8]\nvars: {g: null, C: 2*g}\nlayers:\n  - conv2d: [C, 3]\n"
    assert convcalc.analyze(spec, g=3).output == (6, 6, 6)


def test_keras_input_shape_declares_its_names() -> None:
    r = convcalc.analyze("framework: keras\nlayers:\n  - Conv2D(8, 3, input_shape=(H, W, 3))\n")
    assert set(r.free_names) == {"H", "W"}
    with pytest.raises(SpecError, match="unknown name `k`"):
        convcalc.analyze("framework: keras\nlayers:\n  - Conv2D(8, k, input_shape=(H, W, 3))\n")


def test_the_schema_accepts_ranges() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    from convcalc.schema import schema

    v = jsonschema.Draft202012Validator(schema())
    assert v.is_valid({"input": [3, 8, 8], "vars": {"p": {"min": 0, "max": 4}, "k": None},
                       "layers": [{"conv2d": {"out": 4, "kernel": "k", "padding": "p"}}]})
    assert not v.is_valid({"input": [3, 8, 8], "vars": {"p": {"mn": 0}}, "layers": ["flatten"]})


def test_the_location_is_the_expression_not_a_description() -> None:
    text = "description: a net with Cc channels\n" + TYPO
    with pytest.raises(SpecError) as e:
        convcalc.analyze(text)
    assert (e.value.line, e.value.column) == (5, 21)
    with pytest.raises(SpecError) as e:  # a layer written as a call: the name inside it
        convcalc.analyze("input: [3, 32, 32]\nvars: {C: 8}\nlayers:\n  - Conv2d(3, C, kk)\n")
    assert (e.value.line, e.value.column) == (4, 18) and "unknown name `kk`" in e.value.message
