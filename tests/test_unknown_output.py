"""When no output's shape can be known, the result says so: null, not an empty object.

A ``print(model)`` text whose printed order stops fitting (here the CIFAR tutorial's ``Net``,
whose one ``pool`` module is called twice) leaves the later shapes unknown; an empty ``{}``
read as "no outputs" (SPEC §7 writes several outputs as an object).
"""

from __future__ import annotations

import json
from pathlib import Path

from _cli import run

import convcalc

NET = Path(__file__).resolve().parent / "data" / "review_importers" / "cifar_net_print.txt"


def test_unknown_output_is_none_in_the_api() -> None:
    r = convcalc.analyze(NET, input="3x32x32")
    assert r.output is None and r.outputs == {}
    assert r.total_params == 545_290  # the text's own sizes: exact (PyTorch counts 545,290)


def test_unknown_output_is_null_in_json() -> None:
    doc = json.loads(run(str(NET), "-i", "3x32x32", "-f", "json").out)
    assert doc["output"] is None
    assert doc["layers"][-1]["output"] is None
    assert doc["input"] == [3, 32, 32]
