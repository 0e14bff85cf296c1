"""Shared check: a Result's spec written by --format yaml reads back to the same network."""

from __future__ import annotations

from typing import Any

from convcalc import api
from convcalc.render.yaml import _order
from convcalc.spec.write import dumps


def assert_round_trip(result: Any) -> None:
    """Totals and every layer's name, shape and weights survive spec -> YAML -> spec."""
    back = api.analyze(dumps(result.spec, _order), source="written.yaml")
    before, after = result.to_dict(), back.to_dict()
    assert after["totals"] == before["totals"]
    assert [(la["name"], la["output"], la["weights"]) for la in after["layers"]] == \
        [(la["name"], la["output"], la["weights"]) for la in before["layers"]]
