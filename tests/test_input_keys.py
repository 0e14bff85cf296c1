"""Keras's ``input_shape=`` and its relatives on a first layer: one key list, one rule."""

from __future__ import annotations

import pytest

from convcalc import analyze
from convcalc.spec.model import INPUT_KEYS, input_from_keys


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"input_shape": [20]}, (20,)),
    ({"input_shape": "3x32x32"}, ("3", "32", "32")),
    ({"batch_input_shape": [None, 8, 4]}, (8, 4)),
    ({"input_dim": 7}, (7,)),
    ({"input_shape": [5], "input_dim": 7}, (5,)),
    ({"units": 3}, None),
])
def test_input_from_keys(kwargs: dict, expected: tuple | None) -> None:
    assert input_from_keys(kwargs, ()) == expected


def test_a_key_the_type_takes_itself_is_its_argument() -> None:
    assert input_from_keys({"input_dim": 1000}, {"input_dim"}) is None


def test_first_layer_gives_the_input_and_the_key_is_no_argument() -> None:
    r = analyze({"framework": "keras", "layers": [{"Dense": {"units": 4, "input_dim": 6}}]})
    assert r.input == (6,) and r.output == (4,) and r.total_params == 28


def test_embeddings_input_dim_is_its_vocabulary() -> None:
    r = analyze({"framework": "keras", "input": [10],
                 "layers": [{"Embedding": {"input_dim": 1000, "output_dim": 8}}]})
    assert r.output == (10, 8) and r.total_params == 8000


def test_the_schema_lists_the_keys() -> None:
    from convcalc.schema import schema

    ignored = schema()["$defs"]["ignored_args"]["properties"]
    assert set(INPUT_KEYS) <= set(ignored)
