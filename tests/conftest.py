"""Shared test setup: Keras runs on the torch backend; differential figures are printed at the end."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
# The table's width follows $COLUMNS when it is set (a terminal's width): the tests that want one
# set it themselves, so the caller's terminal (or pytest-xdist's workers, which set 80x24) does
# not change what the others see.
os.environ.pop("COLUMNS", None)
os.environ.pop("LINES", None)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the agreement figures of the differential tests (tests/oracle.py collects them)."""
    import sys

    oracle = sys.modules.get("oracle")
    lines = getattr(oracle, "SUMMARY", None)
    if lines:
        terminalreporter.section("differential agreement")
        for line in lines:
            terminalreporter.write_line(line)
