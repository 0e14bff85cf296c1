"""``convcalc --schema``: a JSON Schema (draft 2020-12) generated from the layer registry."""

from __future__ import annotations

import json

import pytest
import yaml
from _cli import EXAMPLES, run

from convcalc.importers import sniff
from convcalc.layers.registry import REGISTRY, all_names
from convcalc.schema import schema
from convcalc.spec.loader import TOP_KEYS

jsonschema = pytest.importorskip("jsonschema")


@pytest.fixture(scope="module")
def doc() -> dict:
    return schema()


@pytest.fixture(scope="module")
def validator(doc: dict) -> object:
    return jsonschema.Draft202012Validator(doc)


@pytest.mark.slow  # meta-validating ~190 KB of schema takes seconds
def test_is_a_valid_draft_2020_12_schema(doc: dict) -> None:
    jsonschema.Draft202012Validator.check_schema(doc)


def _errors(validator: object, data: object) -> list[str]:
    return [e.message for e in validator.iter_errors(data)]  # type: ignore[attr-defined]


def test_is_draft_2020_12_and_strict_at_the_top(doc: dict) -> None:
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert list(doc["properties"]) == list(TOP_KEYS)
    assert doc["additionalProperties"] is False


def test_cli_prints_the_same_schema(doc: dict) -> None:
    assert json.loads(run("--schema").out) == doc


@pytest.mark.parametrize("path", [p for p in sorted(EXAMPLES.glob("*.y*ml"))  # convcalc's own specs: not
                                  if sniff(p.read_text(), p.name) is None],  # an Ultralytics model YAML
                         ids=lambda p: p.name)
def test_every_example_validates(validator: object, path: object) -> None:
    data = yaml.safe_load(path.read_text())  # type: ignore[attr-defined]
    assert _errors(validator, data) == []


def test_every_layer_spelling_is_listed(doc: dict) -> None:
    entry = doc["$defs"]["layer"]["anyOf"][1]["properties"]
    assert set(all_names()) <= set(entry)
    assert set(all_names()) <= set(doc["$defs"]["layer"]["anyOf"][0]["anyOf"][0]["enum"])


def test_every_argument_name_is_listed(doc: dict) -> None:
    entry = doc["$defs"]["layer"]["anyOf"][1]["properties"]
    for layer in REGISTRY.values():
        ref = entry[layer.kind]["$ref"].rsplit("/", 1)[1]
        mapping = next(o for o in doc["$defs"][ref]["anyOf"] if o.get("type") == "object")
        for p in layer.params:
            assert set(p.names) <= set(mapping["properties"]), (layer.kind, p.name)


def _spec(*layers: object, **top: object) -> dict:
    return {"input": [3, 32, 32], "layers": list(layers), **top}


VALID = [
    pytest.param(_spec("flatten"), id="bare-type"),
    pytest.param(_spec("Conv2d(3, 16, 3)"), id="call-text"),
    pytest.param(_spec({"maxpool2d": 2}), id="scalar"),
    pytest.param(_spec({"conv2d": [16, 3, 2, "same"]}), id="positional"),
    pytest.param(_spec({"Conv2d": [3, 16, 3, 1, 1, 1, 1, False]}), id="torch-positional"),
    pytest.param(_spec({"conv2d": {"out": "2*C", "kernel": "3x3", "name": "c1", "from": "input"}},
                       vars={"C": 8}), id="expressions"),
    pytest.param(_spec({"Conv2D": {"filters": 8, "kernel_size": [3, 3], "activation": "relu",
                                   "input_shape": [32, 32, 3]}}), id="keras-ignored-args"),
    pytest.param(_spec({"conv2d": {"out": 8, "kernel": 3, "padding": [[1, 2], [0, 1]]}}),
                 id="per-side-padding"),
    pytest.param(_spec({"repeat": {"times": 2, "layers": [{"conv2d": [8, 3]}]}}), id="repeat"),
    pytest.param(_spec({"basic": {"out": 8}}, blocks={"basic": {"args": {"out": 4},
                                                               "layers": [{"conv2d": ["$out", 3]}]}}),
                 id="block-use"),
    pytest.param(_spec("relu", expect={"output": [3, 32, 32], "params_max": "25M", "params": 0,
                                       "layers": {"relu_1": {"output": "3x32x32", "params": 0}}}),
                 id="expect"),
]

INVALID = [
    pytest.param(_spec("relu", lyers=[]), id="unknown-top-key"),
    pytest.param(_spec({"conv2d": {"out": 8, "kernal": 3}}), id="unknown-argument"),
    pytest.param(_spec({"conv2d": {"out": 8, "kernel": True}}), id="bool-kernel"),
    pytest.param(_spec({"conv2d": {"out": 8.5, "kernel": 3}}), id="float-out"),
    pytest.param(_spec({"conv2d": [8, 3, 1, 0, 1, 1, True, 5]}), id="too-many-positionals"),
    pytest.param(_spec({"maxpool2d": {"kernel": 2, "ceil_mode": "yes"}}), id="bad-bool"),
    pytest.param(_spec("relu", framework="jax"), id="bad-framework"),
    pytest.param(_spec("relu", expect={"parms": 3}), id="unknown-expect-key"),
    pytest.param(_spec("relu", expect={"params_max": "lots"}), id="bad-budget"),
    pytest.param({"input": [3, 32, 32], "layers": []}, id="empty-layers"),
    pytest.param(_spec({"repeat": {"times": 2, "layers": ["relu"], "count": 3}}),
                 id="repeat-unknown-key"),
]


@pytest.mark.parametrize("data", VALID)
def test_accepts(validator: object, data: dict) -> None:
    assert _errors(validator, data) == []


@pytest.mark.parametrize("data", INVALID)
def test_rejects(validator: object, data: dict) -> None:
    assert _errors(validator, data)
