"""Shared test setup: Keras runs on the torch backend; differential figures are printed at the end.

The suite runs on every core (pytest-xdist, ``-n auto`` in pyproject's addopts; ``-p no:xdist``
runs it in one process): each worker sends the agreement figures of the differential tests it
ran to the controller, which prints them all.
"""

from __future__ import annotations

import os
import sys

import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
# The table's width follows $COLUMNS when it is set (a terminal's width): the tests that want one
# set it themselves, so the caller's terminal (or pytest-xdist's workers, which set 80x24) does
# not change what the others see.
os.environ.pop("COLUMNS", None)
os.environ.pop("LINES", None)

_FROM_WORKERS: list[str] = []


def _figures() -> list[str]:
    """The agreement figures this process collected (tests/oracle.py), and its workers'."""
    oracle = sys.modules.get("oracle")
    return [*getattr(oracle, "SUMMARY", ()), *_FROM_WORKERS]


def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # a pytest-xdist worker: its figures go to the controller
        workeroutput["differential_agreement"] = _figures()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: object, error: object) -> None:
    """pytest-xdist: a worker has finished; keep the figures it sent."""
    _FROM_WORKERS.extend(getattr(node, "workeroutput", {}).get("differential_agreement", ()))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the agreement figures of the differential tests."""
    lines = _figures()
    if lines:
        terminalreporter.section("differential agreement")
        for line in sorted(lines):
            terminalreporter.write_line(line)
