"""The loop over specs every text format shares: quiet mode, failed expectations, the error line.

Renderers receive ``Sequence[Result | SpecError]``; each item carries its source
file (``Result.source``, ``SpecError.file``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TextIO

from ..core.result import Result
from ..errors import SpecError
from .common import error_line
from .footer import expect_lines
from .options import Options

Item = Result | SpecError


def failed(result: Result) -> bool:
    return result.expect is not None and not result.expect.ok


def failure_report(result: Result, opts: Options) -> str:
    """A failed spec's expectations under its name (``-q``, and the formats whose stdout is a
    document with no room for them: csv, mermaid, dot)."""
    lines = [f"{result.name or result.source}:", *("  " + line for line in expect_lines(result, opts))]
    return opts.text("\n".join(lines) + "\n")


def quiet_report(items: Sequence[Item], opts: Options, out: TextIO, err: TextIO) -> None:
    """``-q``: nothing for a spec that passes; errors, and a failed spec's expectations only."""
    for item in items:
        if isinstance(item, SpecError):
            err.write(error_line(item) + "\n")
        elif isinstance(item, Result) and failed(item):
            out.write(failure_report(item, opts))


EXPLAINED = ("table", "plain", "markdown", "json")  # the formats that show --explain


def render_each(items: Sequence[Item], opts: Options, out: TextIO, err: TextIO,
                lines: Callable[[Result, Options], list[str]], *, between: str = "\n",
                error_lines: Callable[[SpecError], list[str]] | None = None,
                failures_to_err: bool = False) -> None:
    """The loop of the formats that write each spec as lines of text.

    An invalid spec: ``error: ...`` on stderr (and ``error_lines`` in the output, if the
    format has a way to show it); with ``--quiet``, a spec that passes is left out; the
    specs' lines are written ``between`` apart.  ``failures_to_err``: the output is a
    document (CSV, a diagram) with no place for failed expectations, so stderr says why
    the exit status is 1.  ``--explain`` on a format that cannot show it gets a warning.
    """
    if opts.explain and opts.format not in EXPLAINED:
        err.write(f"warning: --explain applies to {', '.join(EXPLAINED[:-1])} and {EXPLAINED[-1]}, "
                  f"not {opts.format}\n")
    first = True
    for item in items:
        if isinstance(item, SpecError):
            err.write(error_line(item) + "\n")
            if error_lines is None:
                continue
            piece = error_lines(item)
        elif not isinstance(item, Result) or (opts.quiet and not failed(item)):
            continue
        else:
            piece = lines(item, opts)
            if failures_to_err and failed(item):
                err.write(failure_report(item, opts))
        if not first:
            out.write(between)
        first = False
        out.write("".join(line + "\n" for line in piece))


