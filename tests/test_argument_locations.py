"""Errors are located at the offending argument or key, not only at the layer.

Each case says where in the text the error must point (the first occurrence of a
marker, or of a marker after a given text), so the expected line and column are
read off the spec itself rather than counted by hand.
"""

from __future__ import annotations

from typing import Any

import pytest

import convcalc
from convcalc import SpecError


def at(text: str, marker: str, after: str = "") -> tuple[int, int]:
    """(line, column) of ``marker`` in ``text`` (the first one after ``after``), 1-based."""
    offset = text.index(marker, text.index(after) + len(after) if after else 0)
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def error(spec: Any, **kw: Any) -> SpecError:
    with pytest.raises(SpecError) as info:
        convcalc.analyze(spec, **kw)
    return info.value


HEAD = "input: [1, 28, 28]\nlayers:\n"
WRAP = "input: [4, 1, 8, 8]\nlayers:\n"
BLOCK = "input: [1, 8, 8]\nblocks:\n  b: {args: {out: 4}, layers: [{conv2d: [$out, 3]}]}\n"

YAML = [
    # (id, spec, code, marker, text the marker comes after)
    ("misspelt-key-flow", HEAD + "  - conv2d: {out: 32, kernel: 3, strid: 2}\n", "unknown-argument", "strid",
     ""),
    ("misspelt-key-block", HEAD + "  - conv2d:\n      out: 8\n      kernel: 3\n      strid: 2\n",
     "unknown-argument", "strid", ""),
    ("bad-value", HEAD + "  - conv2d: {out: 32, kernel: 3, stride: 0}\n", "size-below-1", "0", "stride: "),
    ("bad-value-block", HEAD + "  - conv2d:\n      out: 8\n      kernel: true\n", "not-whole", "true", ""),
    ("bad-positional", HEAD + "  - conv2d: [8, 0]\n", "size-below-1", "0", "[8, "),
    ("bad-scalar", "input: [10]\nlayers:\n  - dense: 0\n", "size-below-1", "0", "dense: "),
    ("surplus-positional", HEAD + "  - conv2d: [8, 3, 1, 0, 1, 1, true, 9]\n", "too-many-arguments", "9", ""),
    ("alias-twice", HEAD + "  - conv2d: {out: 8, kernel: 3, k: 3}\n", "duplicate-argument", "k: 3", ""),
    ("bad-expression", HEAD + "  - conv2d: {out: 8, kernel: 3 // 0}\n", "division-by-zero", "3 //", ""),
    ("padding-word", HEAD + "  - conv2d: {out: 8, kernel: 3, padding: sme}\n", "bad-padding", "sme", ""),
    ("in-channels", HEAD + "  - Conv2d: {in_channels: 3, out_channels: 8, kernel_size: 3}\n",
     "in-channels-mismatch", "3", "in_channels: "),
    ("groups", "input: [6, 8, 8]\nlayers:\n  - conv2d: {out: 8, kernel: 3, groups: 4}\n",
     "not-divisible", "4", "groups: "),
    ("from-unknown", HEAD + "  - relu: {name: a}\n  - relu: {from: b}\n", "bad-reference", "b", "from: "),
    ("from-beside-type", HEAD + "  - relu\n  - relu:\n    from: nope\n", "bad-reference", "nope", ""),
    ("name-twice", HEAD + "  - relu: {name: a}\n  - relu: {name: a}\n", "duplicate-name", "a",
     "relu: {name: a}\n  - relu: {name: "),
    ("two-types", HEAD + "  - conv2d: {out: 8, kernel: 3}\n    relu:\n", "bad-layer", "relu", ""),
    ("string-layer-quoted", HEAD + '  - "conv2d(8, 3, strid=2)"\n', "unknown-argument", "strid", ""),
    ("string-layer-plain", HEAD + "  - conv2d(8, 3, padding=sme)\n", "bad-padding", "sme", ""),
    ("block-use-argument", BLOCK + "layers:\n  - b: {ot: 3}\n", "unknown-argument", "ot", "- b: {"),
    ("block-use-positional", BLOCK + "layers:\n  - b: [4, 5]\n", "too-many-arguments", "5", "- b: [4, "),
    ("repeat-times", HEAD + "  - repeat:\n      layers: [relu]\n      times: -2\n", "negative-value", "-2",
     ""),
    ("wrapped-layer-key", WRAP + "  - timedistributed:\n      layer: {conv2d: {out: 8, kernel: 3, strid: 2}}"
     "\n",
     "unknown-argument", "strid", ""),
    ("wrapped-layer-value", WRAP + "  - timedistributed:\n      layer:\n        conv2d: [8, 0]\n",
     "size-below-1", "0", "[8, "),
    ("wrapped-layer-type", WRAP + "  - timedistributed: [{conv2dd: [8, 3]}]\n", "unknown-type", "{conv2dd",
     ""),
    ("expect-key", HEAD + "  - relu\nexpect:\n  layers:\n    relu_1: {parms: 3}\n", "unknown-key", "parms",
     ""),
]


@pytest.mark.parametrize(("spec", "code", "marker", "after"), [pytest.param(*c[1:], id=c[0]) for c in YAML])
def test_yaml_errors_point_at_the_argument(spec: str, code: str, marker: str, after: str) -> None:
    e = error(spec, source="m.yaml")
    assert (e.code, e.file, (e.line, e.column)) == (code, "m.yaml", at(spec, marker, after)), str(e)


BLOCK_VALUES = """\
input: [4, 8, 8]
blocks:
  b:
    args: {out: 8, k: 3}
    layers:
      - conv2d: {out: $out, kernel: $k}
      - repeat: {times: $k, layers: [relu]}
  outer:
    args: {kk: 3}
    layers:
      - b: {k: $kk}
layers:
  - b: {out: 4}
"""


@pytest.mark.parametrize(("use", "code", "marker"), [
    ("  - b: {out: 4, k: 0}\n", "size-below-1", "0"),  # the use's value, not the block's `kernel: $k`
    ("  - b: [4, 0]\n", "size-below-1", "0"),  # a positional value of the use
    ("  - outer: {kk: 0}\n", "size-below-1", "0"),  # through a block used inside a block
    ("  - b: {out: 4, k: -1}\n", "negative-value", "-1"),  # `repeat: {times: $k}`, met while expanding
])
def test_a_block_argument_s_bad_value_is_located_at_the_use(use: str, code: str, marker: str) -> None:
    spec = BLOCK_VALUES + use
    e = error(spec, source="m.yaml")
    assert (e.code, e.line, e.column) == (code, *at(spec, marker, use[:6])), str(e)


def test_two_uses_with_the_same_arguments_are_located_apart() -> None:
    spec = ("input: [4, 8, 8]\nblocks:\n  b:\n    args: {c: 4}\n    layers:\n"
            "      - conv2d: {in_channels: $c, out: 8, kernel: 1}\nlayers:\n  - b: {c: 4}\n  - b: {c: 4}\n")
    e = error(spec, source="m.yaml")  # the second use fails (8 channels arrive), not the first
    assert (e.code, e.line, e.column) == ("in-channels-mismatch", 9, 12)


def test_a_yaml_string_with_escapes_falls_back_to_the_layer() -> None:
    spec = HEAD + '  - "conv2d(8, 3, \\x73trid=2)"\n'  # \x73 is `s`: the text is not the file's characters
    e = error(spec, source="m.yaml")
    assert (e.code, e.line, e.column) == ("unknown-argument", 3, 5)


def test_the_issue_example_a_misspelt_stride_at_column_33() -> None:
    spec = HEAD + "  - conv2d: {out: 32, kernel: 3,strid: 2}\n"
    e = error(spec, source="m.yaml")
    assert (e.code, e.line, e.column) == ("unknown-argument", 3, 33)
    assert str(e).startswith("m.yaml:3:33: layer 1 'conv2d_1' (conv2d): ")


INLINE = [
    ("misspelt-key", "1x28x28 | conv(32, 3, strid=2)", "unknown-argument", "strid", ""),
    ("bad-named-value", "1x28x28 | conv(32, 3, stride=0)", "size-below-1", "0", "stride="),
    ("bad-named-value-spaced", "1x28x28 | conv(32, 3, stride =  0)", "size-below-1", "0", "stride =  "),
    ("bad-positional", "1x28x28 | conv(32, true)", "not-whole", "true", ""),
    ("surplus-positional", "1x28x28 | conv(32, 3, 1, 0, 1, 1, true, 9)", "too-many-arguments", "9", ""),
    ("twice", "1x28x28 | conv(32, 3, kernel=3)", "duplicate-argument", "kernel", ""),
    ("positional-after-named", "1x8x8 | conv(3, k=3, 1)", "positional-after-named", "1)", ""),
    ("second-line", "1x28x28\n  | conv(32, 3)\n  | conv(8, 3, dilaton=2)", "unknown-argument", "dilaton", ""),
    ("in-features", "10 | Linear(11, 5)", "in-channels-mismatch", "11", ""),
    ("wrapped-layer", "4x1x8x8 | timedistributed(conv(4, 3, strid=2))", "unknown-argument", "strid", ""),
    ("wrapped-type", "4x1x8x8 | timedistributed(cnv(4, 3))", "unknown-type", "cnv", ""),
    ("from", "1x8x8 | relu(name=a) | relu(from=b)", "bad-reference", "b", "from="),
]


@pytest.mark.parametrize(("spec", "code", "marker", "after"), [pytest.param(*c[1:], id=c[0]) for c in INLINE])
def test_inline_errors_point_at_the_argument(spec: str, code: str, marker: str, after: str) -> None:
    e = error(spec)
    assert (e.code, e.file, (e.line, e.column)) == (code, "<inline>", at(spec, marker, after)), str(e)


def test_an_error_about_the_layer_stays_at_the_layer() -> None:
    spec = HEAD + "  - relu\n  - conv2d: {out: 8, kernel: 29}\n"
    e = error(spec, source="m.yaml")
    assert (e.code, e.line, e.column) == ("size-below-1", 4, 5)
    assert e.layer is not None and (e.layer.index, e.layer.name) == (2, "conv2d_1")


def test_a_spec_built_in_code_has_no_argument_places() -> None:
    e = error({"input": [1, 8, 8], "layers": [{"conv2d": {"out": 8, "kernel": 3, "strid": 2}}]})
    assert (e.code, e.file, e.line, e.column) == ("unknown-argument", "<dict>", None, None)
    assert e.layer is not None and e.layer.index == 1
