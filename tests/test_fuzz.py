"""Fuzzing: whatever the spec, convcalc returns a Result or raises SpecError — nothing else.

Hypothesis builds random specs from the real layer registry (valid and
invalid: random argument names and values, garbage text, broken YAML) as
YAML text, as dicts, and as inline strings.  The default run keeps a small
example count; ``pytest -m slow`` (run by ``.ci/run``) runs each property
over 10,000 examples.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import convcalc
from convcalc import Result, SpecError
from convcalc.core.params import ALIASES
from convcalc.layers.registry import REGISTRY, all_names

TYPES = all_names()
ARG_NAMES = sorted(
    {p.name for layer in REGISTRY.values() for p in layer.params}
    | {a for names in ALIASES.values() for a in names}
    | {"name", "from", "input_shape", "kernal", "stride_", "", "x y"}
)
WORDS = ["same", "valid", "causal", "true", "false", "none", "C", "H", "T", "in", "input", "$out",
         "channels_last", "channels_first", "nan", "inf", "-1", "3x3", "2*C", "H//2", "(3, 3)"]

small_ints = st.integers(min_value=-3, max_value=40)
ints = st.one_of(small_ints, small_ints, st.integers(min_value=-(10**30), max_value=10**30))
expressions = st.builds(
    lambda a, op, b: f"{a}{op}{b}",
    st.one_of(small_ints.map(str), st.sampled_from(["C", "H", "T", "W", "$k"])),
    st.sampled_from(["+", "-", "*", "//", "/", "%", "**", " x ", "("]),
    st.one_of(small_ints.map(str), st.sampled_from(["C", "H", "2", "0"])),
)
scalars = st.one_of(
    ints, ints, st.booleans(), st.none(),
    st.floats(allow_nan=True, allow_infinity=True, width=32),
    st.sampled_from(WORDS), expressions,
    st.text(alphabet="abcx0123456789()[]{},:|-+*/ '\"=$#\n", max_size=12),
)
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(ARG_NAMES), inner, max_size=3)),
    max_leaves=8)
type_names = st.one_of(st.sampled_from(TYPES), st.sampled_from(TYPES), st.sampled_from(TYPES),
                       st.text(alphabet="abcdefghijklmnopqrstuvwxyz_.2", min_size=1, max_size=10))


@st.composite
def layer_entries(draw: Any) -> Any:
    t = draw(type_names)
    form = draw(st.integers(0, 4))
    if form == 0:
        return t
    if form == 1:
        return {t: draw(scalars)}
    if form == 2:
        return {t: draw(st.lists(values, max_size=5))}
    kwargs = draw(st.dictionaries(st.sampled_from(ARG_NAMES), values, max_size=4))
    if form == 4 and draw(st.booleans()):
        kwargs["from"] = draw(st.one_of(st.integers(-4, 4), st.sampled_from(["input", "a", "b", "in"]),
                                        st.lists(st.one_of(st.integers(-3, 3), st.sampled_from(["a", "b"])),
                                                 max_size=3)))
        kwargs["name"] = draw(st.sampled_from(["a", "b", "c", "input"]))
    return {t: kwargs}


shapes = st.one_of(
    st.lists(st.one_of(st.integers(1, 64), st.integers(1, 64), scalars), min_size=1, max_size=4),
    st.sampled_from(["3x32x32", "1x28x28", "T x 80", "16", "10x20"]),
    scalars,
)


@st.composite
def spec_dicts(draw: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    if draw(st.integers(0, 9)):
        spec["input"] = draw(shapes)
    if not draw(st.integers(0, 5)):
        spec["framework"] = draw(st.sampled_from(["pytorch", "keras", "torch", "jax", 3]))
    if not draw(st.integers(0, 5)):
        spec["vars"] = draw(st.dictionaries(st.sampled_from(["C", "H", "T", "k", "1x"]), scalars, max_size=3))
    if not draw(st.integers(0, 8)):
        spec["blocks"] = {"blk": {"args": {"k": 3},
                                  "layers": draw(st.lists(layer_entries(), min_size=1, max_size=3))}}
    layers = draw(st.lists(layer_entries(), min_size=0, max_size=6))
    if "blocks" in spec and draw(st.booleans()):
        layers.append({"blk": draw(st.one_of(scalars, st.dictionaries(st.just("k"), scalars)))})
    if not draw(st.integers(0, 8)):
        body = draw(st.lists(layer_entries(), max_size=2))
        layers.append({"repeat": {"times": draw(scalars), "layers": body}})
    if draw(st.integers(0, 9)):
        spec["layers"] = layers
    if not draw(st.integers(0, 8)):
        spec[draw(st.sampled_from(["outputs", "expect", "layout", "inptu", "name"]))] = draw(values)
    return spec


def _yaml_text(spec: dict[str, Any]) -> str:
    return yaml.safe_dump(spec, default_flow_style=None, sort_keys=False, allow_unicode=True)


@st.composite
def yaml_texts(draw: Any) -> str:
    text = _yaml_text(draw(spec_dicts()))
    for _ in range(draw(st.integers(0, 2))):  # break it a little, now and then
        if not text:
            break
        i = draw(st.integers(0, len(text) - 1))
        junk = draw(st.sampled_from(["", ":", "- ", "[", "]", "{", "\t", "'", '"', "&a ", "*a", "\n  ", "#"]))
        text = text[:i] + junk + text[i + draw(st.integers(0, 2)):]
    return text


def _inline_value(v: Any) -> str:
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, float):
        return repr(v) if math.isfinite(v) else str(v)
    if isinstance(v, list):
        return "(" + ", ".join(_inline_value(x) for x in v) + ")"
    if isinstance(v, dict):
        return "(" + ", ".join(f"{k}={_inline_value(x)}" for k, x in v.items()) + ")"
    return "None" if v is None else str(v)


@st.composite
def inline_texts(draw: Any) -> str:
    parts = []
    if draw(st.integers(0, 5)):
        parts.append(draw(st.sampled_from(["1x28x28", "3x32x32", "(3, 64, 64)", "input(8, 20)", "10",
                                           "T x 80 x 3", "3 x H x W", "0x5", "x3", "(1, (2, 3))"])))
    for _ in range(draw(st.integers(0, 5))):
        t = draw(type_names)
        args = draw(st.lists(values, max_size=4))
        kwargs = draw(st.dictionaries(st.sampled_from(ARG_NAMES), values, max_size=3))
        body = [_inline_value(a) for a in args] + [f"{k}={_inline_value(v)}" for k, v in kwargs.items()]
        parts.append(t if not body and draw(st.booleans()) else f"{t}({', '.join(body)})")
    sep = draw(st.sampled_from([" | ", " -> ", "; ", "\n", " ", "|"]))
    text = sep.join(parts)
    if draw(st.integers(0, 4)) == 0:
        text += draw(st.text(alphabet="()[],|-=>x'\"3aT ", max_size=6))
    return text


def _check(spec: Any, **kw: Any) -> None:
    if isinstance(spec, str) and spec.strip() == "-":
        spec = spec.replace("-", "<")  # a lone "-" means standard input, not an inline spec
    try:
        result = convcalc.analyze(spec, **kw)
    except SpecError as e:
        str(e)  # the message itself must render
        e.to_dict()
        return
    assert isinstance(result, Result)
    result.to_dict()  # and so must the JSON


FAST = settings(max_examples=25, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SLOW = settings(max_examples=10_000, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@FAST
@given(yaml_texts())
def test_yaml_text_gives_result_or_spec_error(text: str) -> None:
    _check(text, source="fuzz.yaml")


@FAST
@given(spec_dicts())
def test_dict_gives_result_or_spec_error(spec: dict[str, Any]) -> None:
    _check(spec)


@FAST
@given(inline_texts(), st.sampled_from([None, "pytorch", "keras"]))
def test_inline_gives_result_or_spec_error(text: str, framework: str | None) -> None:
    _check(text, framework=framework)


@pytest.mark.slow
@SLOW
@given(yaml_texts())
def test_yaml_text_fuzz_10k(text: str) -> None:
    _check(text, source="fuzz.yaml")


@pytest.mark.slow
@SLOW
@given(spec_dicts())
def test_dict_fuzz_10k(spec: dict[str, Any]) -> None:
    _check(spec)


@pytest.mark.slow
@SLOW
@given(inline_texts(), st.sampled_from([None, "pytorch", "keras"]))
def test_inline_fuzz_10k(text: str, framework: str | None) -> None:
    _check(text, framework=framework)
