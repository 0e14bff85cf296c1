"""The command runs with Python's cyclic garbage collector off, and frozen before the exit.

Why this exists: a run builds its specs' data, prints it and exits, leaving
no cyclic garbage worth collecting; the collector would only re-scan the
growing tree of layers, a fifth of the time of a 10,000-layer spec.  And
Python's shutdown ends with a full collection over every object alive, most
of them click's and rich's (about 10 ms, an eighth of a run); frozen objects
are skipped.  Nothing is lost: files, atexit handlers and output are finished
as usual.  Only the ``convcalc`` command does this; the Python API leaves the
collector alone.
"""

from __future__ import annotations

import gc
from collections.abc import Callable


def run_without_collector(run: Callable[[], object]) -> None:
    """``run()`` with the collector off; everything alive is frozen afterwards, even on exit."""
    gc.disable()
    try:
        run()
    finally:
        gc.freeze()
