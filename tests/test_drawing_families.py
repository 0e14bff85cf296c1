"""How --draw shows each layer type comes from the type's class, never from its name."""

from __future__ import annotations

import pytest

from convcalc import analyze
from convcalc.draw import draw
from convcalc.draw.layout import COLOURS, build_stages, family
from convcalc.layers import REGISTRY, Layer


def _declared(cls: type, attribute: str) -> bool:
    """Whether a class below Layer in ``cls``'s ancestry sets ``attribute`` itself."""
    return any(attribute in c.__dict__ for c in cls.__mro__ if c is not Layer and issubclass(c, Layer))


@pytest.mark.parametrize("kind", sorted(REGISTRY))
def test_every_type_declares_its_drawing(kind: str) -> None:
    cls = type(REGISTRY[kind])
    assert _declared(cls, "drawing"), f"{cls.__name__} ({kind}) declares no `drawing` family"
    assert cls.drawing in COLOURS and cls.drawing != "input"


def test_merge_types_have_a_glyph_or_none() -> None:
    for layer in REGISTRY.values():
        assert layer.glyph == "" or layer.drawing == "merge", layer.kind


@pytest.mark.parametrize(("spec", "expected"), [
    ("3x16x16 | depthwise_conv(3)", "conv"),
    ("3x16x16 | separable_conv(8, 3)", "conv"),
    ("3x16x16 | conv(8, 3)", "conv"),
    ("3x16x16 | conv_transpose(8, 2, 2)", "up"),
    ("3x16x16 | maxpool(2)", "pool"),
    ("48 | unflatten(1, [3, 4, 4])", "flat"),
])
def test_family_comes_from_the_class(spec: str, expected: str) -> None:
    row = analyze(spec).layers[-1]
    assert row.drawing == expected and family(row) == expected


def test_a_depthwise_conv_is_drawn_as_a_convolution() -> None:
    r = analyze("3x16x16 | depthwise_conv(3) | relu")
    stages = build_stages(r, {})
    assert [st.family for st in stages] == ["input", "conv"]
    assert COLOURS["conv"] in draw(r)


def test_merge_circles_show_the_types_glyph() -> None:
    spec = {"input": [4, 8, 8], "layers": [
        {"conv": [4, 3, 1, 1], "name": "a"},
        {"conv": [4, 3, 1, 1], "name": "b", "from": "input"},
        {"multiply": None, "from": ["a", "b"]},
    ]}
    svg = draw(analyze(spec))
    assert '<circle' in svg and ">×</text>" in svg
