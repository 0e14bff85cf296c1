"""The table copies rich's layout rules, so rich is pinned to the major version they are checked against."""

from __future__ import annotations

import re
from importlib.metadata import version
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def test_installed_rich_is_the_pinned_major_version() -> None:
    pin = re.search(r'"rich>=(\d+)[^,"]*,<(\d+)"', PYPROJECT.read_text())
    assert pin, "pyproject.toml must pin rich to one major version (rich>=N,<N+1)"
    low, high = int(pin.group(1)), int(pin.group(2))
    assert high == low + 1
    installed = int(version("rich").split(".")[0])
    assert installed == low, (f"rich {version('rich')} is installed but the table layout is "
                              f"verified for rich {low}: run tests/test_table_layout.py and move the pin")
