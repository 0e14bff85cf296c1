"""The JSON writer writes what ``json.dumps(indent=2, ensure_ascii=False)`` writes, without json.

Only two differences are meant: a list of plain values stays on one line, and DEL
and C1 characters are escaped (``\\u0085``) rather than written raw.
"""

from __future__ import annotations

import enum
import json
import random
import re

import pytest

from convcalc.render._json_writer import _scalar, _string, dumps


def _json_string(s: str) -> str:
    return re.sub("[\x7f-\x9f]", lambda m: f"\\u{ord(m.group()):04x}", json.dumps(s, ensure_ascii=False))


def _random_strings(n: int) -> list[str]:
    rng = random.Random(19)
    alphabet = [chr(c) for c in range(0xA0)]
    alphabet += ["é", "×", "\u2028", "\u00a0", "𝑥", "\ud800", "\ufeff", "\u200b"]
    return [''.join(rng.choice(alphabet) for _ in range(rng.randrange(12))) for _ in range(n)]


def test_strings_are_escaped_as_json_escapes_them() -> None:
    for s in [*_random_strings(3000), "", '"', "\\", "relu_1", "conv2d.weight", "a\tb\nc"]:
        assert _string(s) == _json_string(s), repr(s)


class Colour(str, enum.Enum):
    RED = "red"

    def __str__(self) -> str:
        return "not what json writes"


class Count(enum.IntEnum):
    TWO = 2


@pytest.mark.parametrize("value", [None, True, False, 0.5, -0.0, 1e300, 1e-7, 3.0, 1 / 3,
                                   Colour.RED, Count.TWO])
def test_other_scalars_are_written_as_json_writes_them(value: object) -> None:
    assert _scalar(value) == json.dumps(value)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), object(), b"x"])
def test_what_json_refuses_is_refused(value: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        _scalar(value)


def test_documents_read_back_as_they_were_written() -> None:
    rng = random.Random(7)
    strings = _random_strings(200)

    def value(depth: int) -> object:
        pick = rng.randrange(8 if depth < 4 else 5)
        if pick == 0:
            return rng.choice([None, True, False])
        if pick == 1:
            return rng.randrange(-10**30, 10**30)
        if pick == 2:
            return rng.random() * 10 ** rng.randrange(-5, 5)
        if pick in (3, 4):
            return rng.choice(strings)
        if pick == 5:
            return [value(depth + 1) for _ in range(rng.randrange(4))]
        if pick == 6:
            return [rng.randrange(100) for _ in range(rng.randrange(5))]
        return {rng.choice(strings): value(depth + 1) for _ in range(rng.randrange(4))}

    for _ in range(300):
        doc = value(0)
        assert json.loads(dumps(doc)) == doc
        flat = json.dumps(doc, indent=2, ensure_ascii=False)
        assert re.sub(r"\s+", "", dumps(doc)) == re.sub(r"\s+", "", _c1(flat))


def _c1(text: str) -> str:
    return re.sub("[\x7f-\x9f]", lambda m: f"\\u{ord(m.group()):04x}", text)
