"""The error type itself: immutable, a required code, locations filled in from the inside out,
one formatter for every text output, a hint worked out only when shown, and the README's code table
matching the codes the package raises.
"""

from __future__ import annotations

import ast
import io
import json
import pickle
import re
from pathlib import Path

import pytest
from _cli import EXAMPLES, run

import convcalc
from convcalc.errors import LayerRef, Loc, SpecError, format_error
from convcalc.render.options import Options

ROOT = Path(__file__).resolve().parent.parent


# ------------------------------------------------------------------ the type


def test_a_code_is_required() -> None:
    with pytest.raises(TypeError):
        SpecError("no code")  # type: ignore[call-arg]


def test_an_error_is_immutable() -> None:
    e = SpecError("kernel 5 is larger than the padded input 3", code="size-below-1")
    for field in ("message", "code", "loc", "layer", "_hint"):
        with pytest.raises(AttributeError):
            setattr(e, field, None)
        with pytest.raises(AttributeError):
            delattr(e, field)
    assert (e.message, e.code, e.loc, e.layer, e.hint) == (
        "kernel 5 is larger than the padded input 3", "size-below-1", None, None, None)


def test_with_location_returns_a_new_error_and_the_innermost_place_wins() -> None:
    bare = SpecError("out must be positive, not 0", code="size-below-1", hint="give 1 or more")
    arg, layer_loc, ref = Loc("m.yaml", 3, 19), Loc("m.yaml", 3, 5), LayerRef(1, "conv2d_1", "conv2d")
    at_arg = bare.with_location(arg)
    assert at_arg is not bare and bare.loc is None  # the original is unchanged
    located = at_arg.with_location(layer_loc, ref)  # the layer is added; the argument's place stays
    assert (located.loc, located.layer) == (arg, ref)
    assert (located.code, located.message, located.hint) == (bare.code, bare.message, bare.hint)
    assert located.with_location(Loc("other.yaml", 9, 9), LayerRef(2, "x", "relu")) is located
    # a place with a line replaces a file name alone
    assert SpecError("x", loc=Loc("m.yaml"), code="c").with_location(layer_loc).loc == layer_loc


def test_with_hint_keeps_a_hint_already_given() -> None:
    e = SpecError("x", code="c")
    hinted = e.with_hint("do y")
    assert (e.hint, hinted.hint) == (None, "do y")
    assert hinted.with_hint("do z") is hinted


def test_an_error_survives_pickling() -> None:
    e = SpecError("x", loc=Loc("m.yaml", 2, 3), layer=LayerRef(1, "a", "relu"), hint="h", code="c")
    back = pickle.loads(pickle.dumps(e))
    assert (back.message, back.code, back.loc, back.layer, back.hint) == \
        (e.message, e.code, e.loc, e.layer, e.hint)


def test_the_json_object_keeps_the_sentence_and_the_place_apart() -> None:
    e = SpecError("kernel 5 is larger than the padded input 3", loc=Loc("m.yaml", 4, 5),
                  layer=LayerRef(2, "c", "conv2d"), code="size-below-1")
    assert e.to_dict() == {"code": "size-below-1", "message": "kernel 5 is larger than the padded input 3",
                           "file": "m.yaml", "line": 4, "column": 5,
                           "layer": {"index": 2, "name": "c", "type": "conv2d"}, "hint": None}
    assert str(e) == "m.yaml:4:5: layer 2 'c' (conv2d): kernel 5 is larger than the padded input 3"


# ---------------------------------------------------------------- formatter

HINTED = SpecError("kernel 5 is larger than the padded input 1", loc=Loc("m.yaml", 6, 5),
                   layer=LayerRef(1, "c1", "conv2d"), hint="add --layout channels_first", code="size-below-1")


def test_the_formatter_prints_the_place_the_layer_the_message_and_the_hint() -> None:
    assert format_error(HINTED) == [
        "error: m.yaml:6:5: layer 1 'c1' (conv2d): kernel 5 is larger than the padded input 1",
        "  hint: add --layout channels_first",
    ]
    assert format_error(SpecError("no such file", loc=Loc("x.yaml"), code="no-such-file")) == [
        "error: x.yaml: no such file"]


@pytest.mark.parametrize("fmt", ["table", "plain", "markdown", "csv", "mermaid", "dot"])
def test_every_text_format_writes_the_same_error_lines_to_stderr(fmt: str) -> None:
    from convcalc.render import renderer

    out, err = io.StringIO(), io.StringIO()
    renderer(fmt)([HINTED], Options(format=fmt, color=False, width=200), out, err)
    assert err.getvalue() == "".join(line + "\n" for line in format_error(HINTED))


def test_markdown_keeps_the_error_and_its_hint_in_the_document() -> None:
    from convcalc.render import markdown

    assert markdown.error_lines(HINTED) == [
        "> **Error:** `m.yaml:6:5: layer 1 'c1' (conv2d): kernel 5 is larger than the padded input 1`",
        ">",
        "> hint: add --layout channels_first",
    ]


def test_the_layout_hint_reaches_every_output() -> None:
    lenet = str(EXAMPLES / "lenet5.yaml")
    hint = ("the spec is written for pytorch, channels first; as keras its shapes are read channels last: "
            "add --layout channels_first to keep them as written")
    plain = run("--framework", "keras", "-f", "plain", lenet)
    assert plain.status == 2
    assert plain.err.splitlines() == [
        f"error: {lenet}:6:5: layer 1 'c1' (conv2d): kernel 5 is larger than the padded input 1 (1 + 2*0) "
        "on axis H", f"  hint: {hint}"]
    assert run("--framework", "keras", "-q", lenet).err == plain.err
    assert run("--framework", "keras", "-f", "table", "--no-color", "--width", "300", lenet).err == plain.err
    error = json.loads(run("--framework", "keras", "-f", "json", lenet).out)["error"]
    assert (error["code"], error["line"], error["column"], error["hint"]) == ("size-below-1", 6, 5, hint)


def test_the_layout_hint_is_worked_out_only_when_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    from convcalc.engine import propagate as engine

    runs = []
    real = engine.propagate

    def counting(*args: object, **kwargs: object) -> object:
        runs.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "propagate", counting)
    with pytest.raises(SpecError) as info:
        convcalc.analyze(EXAMPLES / "lenet5.yaml", framework="keras")
    assert len(runs) == 1  # analyze propagated once; the hint is not decided yet
    assert info.value.hint is not None and "--layout channels_first" in info.value.hint
    assert len(runs) == 2  # deciding it took one run in the written layout ...
    assert info.value.hint == info.value.hint and len(runs) == 2  # ... once


def test_no_layout_hint_when_the_written_layout_fails_too() -> None:
    spec = "framework: pytorch\ninput: [3, 8, 8]\nlayers:\n  - conv2d: {out: 4, kernel: 30}\n"
    with pytest.raises(SpecError) as info:
        convcalc.analyze(spec, framework="keras")
    assert (info.value.code, info.value.hint) == ("size-below-1", None)
    assert info.value.to_dict()["hint"] is None


# --------------------------------------------------------- the code table

_KEBAB = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def codes_raised() -> dict[str, list[str]]:
    """Every code written in the package: ``code=`` keywords (all their string values, so
    ``code="a" if ... else "b"`` counts both) and defaults of parameters named ``code``."""
    found: dict[str, list[str]] = {}
    for path in sorted((ROOT / "convcalc").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            values: list[ast.expr] = []
            if isinstance(node, ast.keyword) and node.arg == "code":
                values.append(node.value)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                a = node.args
                values += [d for arg, d in zip(a.kwonlyargs, a.kw_defaults, strict=True)
                           if arg.arg == "code" and d is not None]
                positional = a.args[len(a.args) - len(a.defaults):]
                values += [d for arg, d in zip(positional, a.defaults, strict=True) if arg.arg == "code"]
            for value in values:
                for c in ast.walk(value):
                    if isinstance(c, ast.Constant) and isinstance(c.value, str):
                        found.setdefault(c.value, []).append(f"{path.relative_to(ROOT)}:{c.lineno}")
    return found


def codes_documented() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("### Error codes"):]
    section = section[:section.index("\n#")]
    return re.findall(r"^\| `([^`]+)` \|", section, re.M)


def test_every_code_raised_is_in_the_readme_table_and_every_row_is_raised() -> None:
    raised, documented = codes_raised(), codes_documented()
    assert len(documented) == len(set(documented)), "a code is listed twice"
    assert documented == sorted(documented), "keep the table in alphabetical order"
    missing = {c: raised[c] for c in raised if c not in documented}
    assert not missing, f"codes raised but not in the README's table: {missing}"
    unused = [c for c in documented if c not in raised]
    assert not unused, f"codes in the README's table that nothing raises: {unused}"
    assert all(_KEBAB.match(c) for c in raised), [c for c in raised if not _KEBAB.match(c)]


def test_every_raise_in_the_package_names_its_code() -> None:
    # SpecError's code is a required keyword, so a raise without one fails when it runs; this
    # finds the ones no test runs.
    bare = []
    for path in sorted((ROOT / "convcalc").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) \
                    == "SpecError" and not any(k.arg in ("code", None) for k in node.keywords):
                bare.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not bare, bare
