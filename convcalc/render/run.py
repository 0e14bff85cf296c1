"""The loop over specs every format shares: what goes to stderr, what ``-q`` leaves out, the summary.

Renderers receive ``Sequence[Result | SpecError]``; each item carries its source
file (``Result.source``, ``SpecError.file``).  The rules live here once, for
every format (SPEC §13):

- stderr, in the order of the specs: ``error: …`` for an invalid spec (the one
  error line, :func:`convcalc.render.common.error_line`), and one compiler-style
  line per failed expectation, at the key that failed;
- ``-q``: no document for a spec that passes, and none at all for the text
  formats (their stderr lines say everything); JSON keeps the failing specs' objects;
- with several specs, a last stderr line sums up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TextIO

from ..core.result import Result
from ..errors import SpecError
from ..textsafe import visible
from .common import error_line
from .options import Options

Item = Result | SpecError


def failed(result: Result) -> bool:
    return result.expect is not None and not result.expect.ok


def failing(item: Item) -> bool:
    """An invalid spec, or one whose expectations fail: what ``-q`` reports."""
    return isinstance(item, SpecError) or failed(item)


def failure_lines(result: Result, opts: Options) -> list[str]:
    """``net.yaml:8:3: expect.params: expected 185,163, got 185,162``: one line per failed check."""
    if not failed(result):
        return []
    return [opts.text(f.report(result.source)) for f in result.expect.failures]


def stderr_lines(item: Item, opts: Options) -> list[str]:
    """What stderr says about one spec: its error, or its warnings and failed checks.

    Warnings are left out with ``-q`` and in JSON, whose document lists them (``"warnings"``).
    """
    if isinstance(item, SpecError):
        return [error_line(item)]
    lines = failure_lines(item, opts)
    if not (opts.quiet or opts.format == "json"):  # JSON lists them in the document
        notes = [f"note: {n}" for n in item.imported["notes"]] if item.imported is not None else []
        # (notes: what a reader of a foreign format assumed, SPEC §12)
        lines = [*(opts.text(f"warning: {w} [{w.code}]") for w in item.warnings),
                 *(opts.text(n) for n in notes), *lines]
    return [visible(line) for line in lines]  # spec text: no raw ESC


def each(items: Sequence[Item], opts: Options, err: TextIO | Callable[[str], None]) -> Iterator[Item]:
    """Every spec's stderr lines, in order; yields the specs whose document is shown.

    ``err``: stderr, or a function that writes one line to it (the table flushes its
    buffered output first, so stdout and stderr keep the order of the specs, and
    colours the error).  With ``-q`` a text format shows no document at all; JSON
    the failing specs'.
    """
    write = err if callable(err) else (lambda line: err.write(line + "\n"))
    for item in items:
        for line in stderr_lines(item, opts):
            write(line)
        if not opts.quiet or (opts.format == "json" and failing(item)):
            yield item


def summary(items: Sequence[Item], opts: Options) -> str | None:
    """``3 specs: 1 ok, 1 failed an expectation, 1 invalid``; None for one spec, or ``-q`` and all ok."""
    if len(items) < 2:
        return None
    invalid = sum(isinstance(i, SpecError) for i in items)
    expect = sum(isinstance(i, Result) and failed(i) for i in items)
    ok = len(items) - invalid - expect
    if opts.quiet and ok == len(items):
        return None
    parts = [f"{n} {what}" for n, what in ((ok, "ok"), (expect, "failed an expectation"),
                                           (invalid, "invalid")) if n]
    return f"{len(items)} specs: {', '.join(parts)}"


EXPLAINED = ("table", "plain", "markdown", "json", "html")  # the formats that show --explain


def warn_explain(opts: Options, err: TextIO) -> None:
    """``--explain`` on a format that cannot show it gets a warning."""
    if opts.explain and opts.format not in EXPLAINED:
        err.write(f"warning: --explain applies to {', '.join(EXPLAINED[:-1])} and {EXPLAINED[-1]}, "
                  f"not {opts.format}\n")


def render_each(items: Sequence[Item], opts: Options, out: TextIO, err: TextIO,
                lines: Callable[[Result, Options], list[str]], *, between: str = "\n",
                error_lines: Callable[[SpecError], list[str]] | None = None) -> None:
    """The loop of the formats that write each spec as lines of text.

    An invalid spec is also shown in the output by ``error_lines``, if the format
    has a way to show it; the specs' lines are written ``between`` apart.
    """
    warn_explain(opts, err)
    first = True
    for item in each(items, opts, err):
        if isinstance(item, SpecError):
            if error_lines is None:
                continue
            piece = error_lines(item)
        else:
            piece = lines(item, opts)
        if not first:
            out.write(between)
        first = False
        out.write("".join(line + "\n" for line in piece))
