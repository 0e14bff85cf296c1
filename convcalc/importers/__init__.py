"""Readers of the files people already have (SPEC §12), one module per foreign format.

Each reader turns its text into a convcalc :class:`~convcalc.spec.model.Spec`
and never imports a framework: the data flows one way, text → Spec → Result.
:func:`sniff` is the one place that recognises a format, by content first and
the file name second; :func:`read_path` and :func:`read_text` are what
:func:`convcalc.api.load` calls.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .._regex import NAME_START
from ..errors import Loc, SpecError
from ..spec.model import Spec

if TYPE_CHECKING:  # pragma: no cover
    from ..core.result import Result

ZIP_MAGIC = b"PK\x03\x04"
# The patterns are compiled when first used (re caches them): a convcalc spec passes the cheap
# substring checks in sniff() and compiles none of them (start-up: issue 20).
_DARKNET = r"^\s*\[(net|network)\]\s*$"
_SECTION = r"^\s*\[[a-z_]+\]\s*$"
_REPR_CHILD = r"^\s+\((\w+|\d+-\d+)\): \S"
_REPR_HEAD = r"^[A-Za-z_]\w*\(\s*$"
_REPR_FRAGMENT = r"^\((\w+|\d+-\d+)\): (\d+ x )?[A-Za-z_]\w*\("
_CALL = r"^[A-Za-z_][\w.]*\s*\(.*\)$"
_CODE = r"^\s*(\w+\s*=\s*)?((torch\.)?nn\.|(tf\.)?keras\.(models\.)?)?Sequential\s*\("

# The last text sniff() had to parse and its data: the reader then takes it, not parsing it again.
_parsed: list[Any] = [None, None]


def parse_json(text: str, source: str, what: str) -> Any:
    """A foreign JSON file's data; invalid JSON is an error at its line and column."""
    if _parsed[0] is text:
        data, _parsed[:] = _parsed[1], [None, None]
        return data
    import json

    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise SpecError(f"the {what} is not valid JSON: {e.msg}", code="bad-json",
                        loc=Loc(source, e.lineno, e.colno)) from None


def sniffed_json(text: str) -> Any:
    """``text``'s JSON data for a sniffer that must see the top-level keys (None if it is no JSON);
    kept for the reader, which then does not parse the text a second time."""
    import json

    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return None
    _parsed[:] = [text, data]
    return data


def sniff(text: str, source: str) -> str | None:
    """Which foreign format ``text`` is (``hf-config``, ``keras-json``, ``darknet``, ``ultralytics``,
    ``torch-repr``, ``code``), or None."""
    stripped = text.lstrip()
    if stripped.startswith("{"):
        head = stripped[:4096]
        keras = '"class_name"' in head  # Keras writes it first; transformers writes the keys sorted,
        # so an HF "model_type" may follow a label map of 1,000 entries (the whole text is searched)
        if '"model_type"' in head or (not keras and '"model_type"' in stripped):
            from .hf_config import sniff as hf_sniff  # only then import the reader

            if hf_sniff(text):
                return "hf-config"
        if keras:
            return "keras-json"
    if "[" in text and (("[net" in text and re.search(_DARKNET, text, re.M))
                        or (source.lower().endswith(".cfg") and re.search(_SECTION, text, re.M))):
        return "darknet"
    if "backbone:" in text and "head:" in text:
        from .ultralytics_files import sniff as ultralytics_yaml

        if ultralytics_yaml(text):
            return "ultralytics"
    if "(" not in stripped:  # every format below calls or prints a module
        return None
    if stripped.startswith("#"):
        stripped = _after_comment_lines(stripped)  # pasted code may start with comment lines
    if stripped.startswith(("import", "from")):  # and with its imports (keras.io's examples do)
        stripped = stripped[preamble_end(stripped):]
    first = stripped.split("\n", 1)[0].rstrip()
    if (first.endswith("(") and re.match(_REPR_HEAD, first) and re.search(_REPR_CHILD, stripped, re.M)) \
            or (stripped.startswith("(") and re.match(_REPR_FRAGMENT, stripped)):
        return "torch-repr"
    if ("Sequential" in stripped and re.match(_CODE, stripped)) or _is_call_list(stripped):
        return "code"
    return None


def _after_comment_lines(text: str) -> str:
    """``text`` without the comment lines it starts with: what ``^(\\s*#[^\\n]*\\n)+`` takes off."""
    pos, end = 0, len(text)
    while True:
        i = pos
        while i < end and text[i].isspace():
            i += 1
        newline = text.find("\n", i) if i < end and text[i] == "#" else -1
        if newline < 0:
            return text[pos:]
        pos = newline + 1


_IMPORT = r"[ \t]*(import[ \t]+[\w.]|from[ \t]+[\w.]+[ \t]+import[ \t(])"


def preamble_end(text: str) -> int:
    """Where pasted code starts after its leading blank, comment and ``import``/``from … import``
    lines (an import in parentheses may span lines; a backslash continues a line)."""
    pos, end = 0, len(text)
    while pos < end:
        newline = text.find("\n", pos)
        line_end = end if newline < 0 else newline
        line = text[pos:line_end].strip()
        if line and not line.startswith("#"):
            if not re.match(_IMPORT, text[pos:line_end]):
                return pos
            if "(" in line and ")" not in line:  # from x import (a,\n b)
                close = text.find(")", line_end)
                line_end = end if close < 0 else close
                newline = text.find("\n", line_end)
                line_end = end if newline < 0 else newline
            while text[pos:line_end].rstrip().endswith("\\") and line_end < end:
                newline = text.find("\n", line_end + 1)
                line_end = end if newline < 0 else newline
        pos = line_end + 1
    return end


def _starts_with_call(text: str) -> bool:
    """``nn.Conv2d(...``: a dotted name, then ``(`` (what ``^[A-Za-z_][\\w.]*\\s*\\(`` matches)."""
    name, paren, _ = text.partition("(")
    name = name.rstrip()
    return bool(paren) and name[:1] in NAME_START and all(c.isalnum() or c in "._" for c in name[1:])


def _is_call_list(text: str) -> bool:
    """``nn.Conv2d(3, 16, 3), nn.ReLU()``: layer calls separated by commas (pasted without a wrapper)."""
    if not _starts_with_call(text):
        return False
    from .code import _items

    items = _items(text, 0, len(text))
    return len(items) > 1 and all(re.match(_CALL, raw, re.S) for raw, _ in items)


def reader(fmt: str) -> Callable[[str, str], Spec]:
    """The reader of one format (imported only when that format is read)."""
    if fmt == "hf-config":
        from .hf_config import read
    elif fmt == "keras-json":
        from .keras_json import read
    elif fmt == "darknet":
        from .darknet import read
    elif fmt == "torch-repr":
        from .torch_repr import read
    elif fmt == "ultralytics":
        from .ultralytics import read
    else:
        from .code import read
    return read


def read_text(text: str, source: str) -> Spec | None:
    """A foreign format's text as a Spec; None when it is none of them (a convcalc spec)."""
    fmt = sniff(text, source)
    return None if fmt is None else reader(fmt)(text, source)


def propagator(spec: Spec) -> Callable[..., Result]:
    """What turns ``spec`` into a Result: the engine, or for print(model) text its own chain."""
    if (spec.imported or {}).get("format") == "torch-repr":
        from .repr_chain import propagate_printed

        return propagate_printed
    from ..engine.propagate import analyse

    return analyse


def finish(spec: Spec, result: Result) -> dict[str, Any]:
    """The JSON ``"imported"`` object: the format, the reader's notes, and its own figures."""
    if result.imported is not None:  # the reader's own analysis made it
        return result.imported
    imported = spec.imported or {}
    out: dict[str, Any] = {"format": imported.get("format"), "notes": list(imported.get("notes", ()))}
    if out["format"] == "darknet":
        from .darknet import bflops

        out["darknet_bflops"] = round(bflops(result), 3)
        out["notes"].append(f"Darknet BFLOPs {out['darknet_bflops']:.3f} (as darknet prints them: "
                            "2·MACs of the convolutional and connected layers, no bias)")
    elif out["format"] == "hf-config":
        from .hf_config import check

        out["notes"] += check(spec)
    elif out["format"] == "ultralytics":
        from .ultralytics_report import gflops, summary

        out["scale"] = imported.get("scale")
        out["rows"] = summary(imported.get("rows", ()), result)
        out["gflops"] = gflops(result)
        out["notes"].append(f"GFLOPs {out['gflops']:.1f} (as Ultralytics prints them: 2 × thop's count, "
                            "which leaves out activations and pooling)")
    return out


def read_path(path: str) -> Spec | None:
    """A ``.keras`` archive (a zip holding ``config.json``); None for any other file.

    Only a regular file is looked into: a FIFO (or a device) can be read once, by the reader.
    """
    try:  # os.path, not pathlib: every run reads a file, and pathlib costs an import
        if not os.path.isfile(path):
            return None
        with open(path, "rb") as f:
            head = f.read(4)
    except OSError:
        return None
    if head != ZIP_MAGIC:
        if path.lower().endswith(".keras"):
            raise SpecError("a .keras file is a zip archive holding config.json, but this file is "
                            "not a zip archive", code="keras-not-zip", loc=Loc(path))
        return None
    if not path.lower().endswith(".keras"):
        import zipfile

        if not zipfile.is_zipfile(path):  # text that only starts as a zip does: read as the text it is
            return None
    from .keras_json import read_archive

    return read_archive(path)
