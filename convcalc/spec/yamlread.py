"""Reading YAML safely: plain data, where each part is written, and limits.

PyYAML's parser gives events (libyaml's, when PyYAML has it); :mod:`.yamlevents`
builds plain data from them directly, with the place of every list item, mapping
key and value kept compactly (:class:`Locator`), with a budget (YAML alias "bombs"
stop with an error instead of eating memory) and a depth limit, after a cheap scan
that keeps libyaml away from documents nested deep enough to slow it down.  PyYAML is
imported only when a YAML document is read.
"""

from __future__ import annotations

import os
from typing import Any

from ..errors import Loc, SpecError
from .yamlplaces import Locator
from .yamlscan import deep_nesting_at

MAX_DEPTH = 100  # as yamlevents.MAX_DEPTH (which imports PyYAML)

# what an empty file is shown, to start from (SPEC §1)
EMPTY_HINT = "a spec as small as it gets:\n    input: [1, 28, 28]\n    layers:\n      - dense: 10"

__all__ = ["EMPTY_HINT", "Locator", "decode", "read_file", "read_yaml"]


def read_file(path: str) -> str:
    """The text of a spec file, with clear errors for what is not one."""
    if os.path.isdir(path):
        raise SpecError("is a directory, not a spec file", loc=Loc(path), code="not-a-file")
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise SpecError("no such file", loc=Loc(path), code="no-such-file") from None
    except OSError as e:
        raise SpecError(f"cannot read the file: {e.strerror or e}", loc=Loc(path),
                        code="unreadable-file") from None
    return decode(data, path)


def decode(data: bytes, source: str) -> str:
    """Bytes of a file or of standard input -> text, refused with where when not UTF-8."""
    try:
        return data.decode("utf-8").removeprefix("\ufeff")  # a BOM (utf-8-sig's codec costs an import)
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        what = "standard input is" if source == "<stdin>" else "the file is"
        raise SpecError(f"{what} not UTF-8 text (byte 0x{data[e.start]:02x} at offset {e.start})",
                        loc=Loc(source, line), code="not-utf8") from None


def read_yaml(text: str, source: str) -> tuple[Any, Locator, Loc]:
    """YAML text -> (plain data, where its parts are written, where the document starts)."""
    deep = deep_nesting_at(text)
    if deep is not None:
        line = text.count("\n", 0, deep) + 1
        col = deep - (text.rfind("\n", 0, deep) + 1) + 1
        raise SpecError(f"the document is nested more than {MAX_DEPTH} levels deep",
                        loc=Loc(source, line, col), code="too-deep")
    import yaml

    from .yamlevents import Reader

    try:
        reader = Reader(text, source)
        data, root = reader.read()
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        loc = Loc(source, mark.line + 1, mark.column + 1) if mark else Loc(source)
        what = " ".join(str(x) for x in (e.context, e.problem) if x)
        if e.context_mark is not None and mark is not e.context_mark and \
                e.context_mark.line != mark.line:
            what += f" (the {e.context.split()[-1] if e.context else 'part'} starts at line " \
                    f"{e.context_mark.line + 1}, column {e.context_mark.column + 1})"
        raise SpecError(f"invalid YAML: {what}", loc=loc, code="yaml-syntax") from None
    except yaml.reader.ReaderError as e:  # a character YAML does not allow: where, not PyYAML's text
        pos = e.position
        line = text.count("\n", 0, pos) + 1
        col = pos - (text.rfind("\n", 0, pos) + 1) + 1
        char = e.character if isinstance(e.character, str) else chr(e.character)
        raise SpecError(f"invalid YAML: the character U+{ord(char):04X} is not allowed in YAML text",
                        loc=Loc(source, line, col), code="yaml-syntax") from None
    except yaml.YAMLError as e:
        raise SpecError(f"invalid YAML: {e}", loc=Loc(source), code="yaml-syntax") from None
    except RecursionError:
        raise SpecError("invalid YAML: nested too deeply", loc=Loc(source), code="too-deep") from None
    if root is None:
        raise SpecError("the spec is empty: a spec needs `input:` (the shape of one sample) and `layers:`",
                        code="empty-spec", loc=Loc(source, 1, 1), hint=EMPTY_HINT)
    return data, reader.locator, Loc(source, root[0] + 1, root[1] + 1)
