"""``--format github``: GitHub Actions annotations, so failures show inline in a pull request's diff.

One ``::error file=…,line=…,col=…,title=…::message`` line per invalid spec and per
failed expectation (at the key that failed), and a ``::warning …`` line per warning
(a layer nothing reads, a batch axis read as a spatial one); nothing else.  See
GitHub's "workflow commands" for the escaping of properties and messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from ..errors import Loc, SpecError
from .options import Options
from .run import Item, failed


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(loc: Loc | None, title: str, message: str, level: str = "error") -> str:
    """``::error file=models/net.yaml,line=8,col=3,title=convcalc expect.params::expected …``."""
    props = []
    if loc is not None and not (loc.file.startswith("<") or loc.file.startswith("-")):
        props.append(f"file={_prop(loc.file)}")  # <inline>, <stdin>, --input: no file to point at
        if loc.line is not None:
            props.append(f"line={loc.line}")
            if loc.column is not None:
                props.append(f"col={loc.column}")
    props.append(f"title={_prop(title)}")
    return f"::{level} {','.join(props)}::{_data(message)}"


def item_lines(item: Item) -> list[str]:
    if isinstance(item, SpecError):
        text = f"{item.layer}: {item.message}" if item.layer is not None else item.message
        if item.hint:
            text += f"\nhint: {item.hint}"
        return [annotation(item.loc, f"convcalc {item.code}", text)]
    lines = [annotation(w.loc, f"convcalc {w.code}",
                        f"{w.layer}: {w.message}" if w.layer is not None else w.message, "warning")
             for w in item.warnings]
    if failed(item):
        lines += [annotation(f.loc or Loc(item.source), f"convcalc {f.key}",
                             f"expected {f.expected_text()}, got {f.actual_text()}")
                  for f in item.expect.failures]
    return lines


def render(items: Sequence[Item], opts: Options, out: TextIO, err: TextIO) -> None:
    for item in items:
        out.write("".join(line + "\n" for line in item_lines(item)))
