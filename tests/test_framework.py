"""Framework and layout names: one normaliser, str choices that print and compare as their values."""

from __future__ import annotations

import copy
import json
import pickle

import pytest

from convcalc import analyze
from convcalc.core.framework import (
    Framework,
    Layout,
    Spelling,
    parse_framework,
    parse_layout,
    split_channels,
)
from convcalc.errors import SpecError


@pytest.mark.parametrize(("written", "expected"), [
    ("pytorch", Framework.PYTORCH), ("PyTorch", Framework.PYTORCH), ("torch", Framework.PYTORCH),
    ("keras", Framework.KERAS), ("Keras", Framework.KERAS), ("tensorflow", Framework.KERAS),
])
def test_parse_framework_accepts_names_and_aliases(written: str, expected: Framework) -> None:
    assert parse_framework(written) is expected


@pytest.mark.parametrize("written", ["jax", "", 3, None])
def test_parse_framework_refuses_others(written: object) -> None:
    with pytest.raises(SpecError) as e:
        parse_framework(written)
    assert e.value.code == "bad-framework"


def test_parse_layout() -> None:
    assert parse_layout("channels_last") is Layout.CHANNELS_LAST
    with pytest.raises(SpecError) as e:
        parse_layout("NHWC")
    assert e.value.code == "bad-layout"


def test_members_are_their_values() -> None:
    k = Framework.KERAS
    assert k == "keras" and hash(k) == hash("keras") and {"keras": 1}[k] == 1
    assert (str(k), f"{k}", f"{k:>6}", json.dumps(k)) == ("keras", "keras", " keras", '"keras"')
    assert Framework.PYTORCH.layout is Layout.CHANNELS_FIRST and k.layout is Layout.CHANNELS_LAST


def test_members_behave_as_enum_members_did() -> None:
    """What code and users relied on when these were Enums: one object per value, its name and value."""
    k = Framework.KERAS
    assert Framework("keras") is k and Layout("channels_last") is Layout.CHANNELS_LAST
    assert Spelling("keras") is Spelling.KERAS and k == Spelling.KERAS  # equal as texts, as before
    assert (k.name, k.value, type(k.value)) == ("KERAS", "keras", str)
    assert repr(k) == "<Framework.KERAS: 'keras'>"
    assert copy.copy(k) is k and copy.deepcopy(k) is k and pickle.loads(pickle.dumps(k)) is k
    assert isinstance(k, Framework) and isinstance(k, str) and not isinstance(k, Layout)
    with pytest.raises(ValueError, match="'jax' is not a valid Framework"):
        Framework("jax")
    with pytest.raises(ValueError):
        Layout(3)  # type: ignore[arg-type]


def test_split_channels() -> None:
    assert split_channels((3, 5, 7), Layout.CHANNELS_FIRST) == (3, (5, 7))
    assert split_channels((5, 7, 3), "channels_last") == (3, (5, 7))


def test_the_file_and_the_override_read_names_alike() -> None:
    by_file = analyze({"framework": "tensorflow", "input": [8, 8, 3], "layers": [{"conv": [4, 3]}]})
    by_override = analyze("3x8x8 | conv(4, 3)", framework="tensorflow", input="8x8x3")
    assert by_file.framework is by_override.framework is Framework.KERAS
    assert by_file.layout is Layout.CHANNELS_LAST
    assert by_file.to_dict()["framework"] == "keras" and by_file.to_dict()["layout"] == "channels_last"
