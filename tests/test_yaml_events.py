"""The event-based YAML reader against PyYAML's own loader: the same values, and every place
where PyYAML's node tree puts it.

convcalc builds plain data straight from parser events (no node tree, for memory), so it must
give exactly what ``yaml.safe_load`` gives for every document it accepts — with anchors and
aliases, every scalar style — and each key, value and list item at the line and column of the
node that ``yaml.compose`` makes for it.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
import yaml
from _typed import same as _same

from convcalc.errors import SpecError
from convcalc.spec.yamlread import read_yaml

EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "examples").glob("*.yaml"))


def _places(node: yaml.Node, value: Any, locator: Any, source: str) -> int:
    """Check every key, value and item of ``value`` against the node tree; the number checked."""
    def at(n: yaml.Node) -> str:
        return f"{source}:{n.start_mark.line + 1}:{n.start_mark.column + 1}"

    checked = 0
    if isinstance(node, yaml.MappingNode) and isinstance(value, dict):
        for key_node, value_node in node.value:
            key = yaml.safe_load(yaml.serialize(key_node))
            assert str(locator.key(value, key)) == at(key_node), key
            assert str(locator.value(value, key)) == at(value_node), key
            checked += 2 + _places(value_node, value[key], locator, source)
    elif isinstance(node, yaml.SequenceNode) and isinstance(value, list):
        for i, item_node in enumerate(node.value):
            assert str(locator.item(value, i)) == at(item_node), i
            checked += 1 + _places(item_node, value[i], locator, source)
    return checked


def _compare(text: str, source: str = "doc.yaml") -> int:
    data, locator, _ = read_yaml(text, source)
    assert _same(data, yaml.safe_load(text)), text
    return _places(yaml.compose(text), data, locator, source)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_examples_read_as_pyyaml_reads_them(path: Path) -> None:
    assert _compare(path.read_text(), path.name) > 0


_SCALARS = [0, 7, -3, 10**12, 0.5, -2.25, 1e-3, True, False, None, "relu", "conv2d(8, 3)", "a b",
            "x: y", "- dash", "#hash", "'quoted'", '"dq"', "ümlaut", "3x32x32", "", "null", "1_000",
            "0x1f", "1e3", "~", "yes", "on", "2 * k + 1"]


def _value(rng: random.Random, depth: int, shared: list[Any]) -> Any:
    roll = rng.random()
    if shared and roll < 0.08:
        return rng.choice(shared)  # the same object twice: safe_dump writes an anchor and an alias
    if depth > 3 or roll < 0.45:
        return rng.choice(_SCALARS)
    if roll < 0.72:
        out: Any = [_value(rng, depth + 1, shared) for _ in range(rng.randint(0, 4))]
    else:
        out = {f"k{rng.randint(0, 9)}_{i}": _value(rng, depth + 1, shared) for i in range(rng.randint(0, 4))}
    if isinstance(out, list | dict) and out:
        shared.append(out)
    return out


@pytest.mark.parametrize("seed", range(40))
def test_generated_documents_read_as_pyyaml_reads_them(seed: int) -> None:
    """Flow and block styles, anchors and aliases, every scalar kind: values and places agree."""
    rng = random.Random(seed)
    doc = {f"top{i}": _value(rng, 0, []) for i in range(rng.randint(1, 6))}
    for flow in (False, True, None):
        text = yaml.safe_dump(doc, default_flow_style=flow, sort_keys=False, allow_unicode=True)
        _compare(text)


def test_alias_values_are_equal_copies() -> None:
    text = "a: &x [relu, {dense: 4}]\nb: *x\nc: [*x, *x]\n"
    data, _, _ = read_yaml(text, "alias.yaml")
    assert _same(data, yaml.safe_load(text))
    assert data["b"] == data["a"] and data["c"] == [data["a"], data["a"]]


@pytest.mark.parametrize(("text", "code", "line"), [
    ("a: [1, 2\n", "yaml-syntax", 2),
    ("a: 1\na: 2\n", "duplicate-key", 2),
    ("layers: &a [relu, *a]\n", "too-deep", 1),  # a recursive alias (hung the node reader)
    ("a: *missing\n", "yaml-syntax", 1),
    ("a: 1\n---\nb: 2\n", "yaml-syntax", 2),
])
def test_errors_have_codes_and_places(text: str, code: str, line: int) -> None:
    with pytest.raises(SpecError) as e:
        read_yaml(text, "e.yaml")
    assert (e.value.code, e.value.line, e.value.file) == (code, line, "e.yaml"), e.value.message
