"""Reading YAML safely: plain data, where each part is written, and limits.

PyYAML's safe loader is used at the node level, so every list item and
mapping key keeps its line and column (:class:`Locator`).  The node tree is
turned into plain data with a budget (YAML alias "bombs" stop with an error
instead of eating memory) and a depth limit, after a cheap scan that keeps
libyaml away from documents nested deep enough to crash it.
"""

from __future__ import annotations

import math
import re
from array import array
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from ..errors import Loc, SpecError
from .yamlscan import check_written, deep_nesting_at, expanded_size

MAX_NODES = 200_000  # values that YAML aliases add beyond what the file writes
MAX_DEPTH = 100
MAX_DIGITS = 3_000  # a number written with more digits is refused (about MAX_BITS, arith.num's limit)
MAX_BITS = 10_000


class Locator:
    """Where list items and mapping keys came from (by object identity).

    Each list or mapping made from YAML keeps its node's children (the node's own
    list, not a copy); a :class:`Loc` is made only for what is asked about, as most
    mapping keys never are.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        # id(container) -> (the container, which it keeps alive so the id stays its own,
        # and its YAML children: item nodes of a list, (key, value) node pairs of a mapping)
        self.nodes: dict[int, tuple[Any, list[Any]]] = {}
        self.key_index: dict[int, dict[str, tuple[Any, Any]]] = {}
        self.names: dict[str, Loc] = {}  # each word in a text value -> where it is first written

    def words(self, node: yaml.ScalarNode) -> None:
        """Remember where each name in a text value is written (an undeclared one is reported there)."""
        value = node.value
        if not _WORD.search(value) or _PROSE.search(value):  # a description is no expression
            return
        line, column = node.start_mark.line + 1, node.start_mark.column + 1
        shift = 1 if node.style in ("'", '"') else 0  # past the opening quote
        one_line = "\n" not in value
        for m in _WORD.finditer(value):
            if m.group() not in self.names:
                col = column + shift + m.start() if one_line else column
                self.names[m.group()] = Loc(self.source, line, col)

    def add(self, container: Any, children: list[Any]) -> None:
        """Keep where ``container``'s children are written: compact records, not the YAML nodes
        (whose marks cost about a kilobyte a layer and would live as long as the spec)."""
        kept = array("q")
        for child in children:
            if isinstance(child, tuple):  # a mapping's (key, value)
                kept.extend(_At.packed(child[0]))
                kept.extend(_At.packed(child[1]))
            else:
                kept.extend(_At.packed(child))
        self.nodes[id(container)] = (container, _Places(kept, 2 if isinstance(container, dict) else 1))

    def item(self, container: Any, index: int, fallback: Loc | None = None) -> Loc:
        hit = self.nodes.get(id(container))
        if hit is not None and hit[0] is container and 0 <= index < len(hit[1]):
            return hit[1][index].loc(self.source)
        return fallback or Loc(self.source)

    def key(self, container: Any, key: str, fallback: Loc | None = None) -> Loc:
        """Where a mapping's key is written."""
        index = self._key_index(container)
        if index is not None and key in index:
            return index[key][0].loc(self.source)
        return fallback or Loc(self.source)

    def value(self, container: Any, key: str, fallback: Loc | None = None) -> Loc:
        """Where the value of a mapping's key is written."""
        index = self._key_index(container)
        if index is not None and key in index:
            return index[key][1].loc(self.source)
        return fallback or Loc(self.source)

    def knows(self, container: Any) -> bool:
        """Whether ``container`` was read from the YAML (a dict built in code was not)."""
        hit = self.nodes.get(id(container))
        return hit is not None and hit[0] is container

    def text_offsets(self, container: Any, index: int) -> Callable[[int], Loc] | None:
        """For a text item written on one line without escapes: offset in its text -> location.

        ``- "Conv2d(1, 32, 5)"`` is parsed by the inline parser, which counts offsets in
        the text; this turns them into the file's columns (None when they would not match).
        """
        hit = self.nodes.get(id(container))
        if hit is None or hit[0] is not container or not 0 <= index < len(hit[1]):
            return None
        at = hit[1][index]
        if at.length < 0 or at.line != at.end_line:  # not a scalar, or on several lines
            return None
        quoted = at.style in ("'", '"')
        if at.end_column - at.column != at.length + (2 if quoted else 0):
            return None  # escapes or folding: the text is not the file's characters
        source, line, first = self.source, at.line + 1, at.column + 1 + quoted
        return lambda offset: Loc(source, line, first + offset)

    def _key_index(self, container: Any) -> dict[str, tuple[Any, Any]] | None:
        """Key text -> (key node, value node) of a mapping, built once on first use (asking about
        every key of a large mapping would otherwise scan it once per key)."""
        cached = self.key_index.get(id(container))
        if cached is not None:
            return cached
        hit = self.nodes.get(id(container))
        if hit is None or hit[0] is not container or len(hit[1]) != len(container):
            return None
        # The mapping's keys are in the order of its YAML pairs.
        places = hit[1]
        index = {str(k): (places.at(2 * i), places.at(2 * i + 1)) for i, k in enumerate(container)}
        self.key_index[id(container)] = index
        return index


class _At(NamedTuple):
    """Where a YAML node is written (0-based, as PyYAML's marks), and for a scalar its style
    and length (``length`` -1: a collection)."""

    line: int
    column: int
    end_line: int
    end_column: int
    style: str | None
    length: int

    @staticmethod
    def packed(node: yaml.Node) -> tuple[int, ...]:
        start, end = node.start_mark, node.end_mark
        if isinstance(node, yaml.ScalarNode):
            style = _STYLES.get(node.style, 0)
            return start.line, start.column, end.line, end.column, style, len(node.value)
        return start.line, start.column, end.line, end.column, 0, -1

    def loc(self, source: str) -> Loc:
        return Loc(source, self.line + 1, self.column + 1)


_STYLES = {"'": 1, '"': 2}
_STYLE_OF = {0: None, 1: "'", 2: '"'}


class _Places:
    """The places of a container's children, six ints each in one array (a tuple of records
    per child would cost several times the memory, for every layer of a long spec)."""

    __slots__ = ("flat", "per_child")

    def __init__(self, flat: array[int], per_child: int) -> None:
        self.flat = flat
        self.per_child = per_child  # 2 for a mapping: its key's place, then its value's

    def __len__(self) -> int:
        return len(self.flat) // (6 * self.per_child)

    def __getitem__(self, index: int) -> _At:
        return self.at(index * self.per_child)

    def at(self, k: int) -> _At:
        f = self.flat[6 * k: 6 * k + 6]
        return _At(f[0], f[1], f[2], f[3], _STYLE_OF[f[4]], f[5])


# what an empty file is shown, to start from (SPEC §1)
EMPTY_HINT = "a spec as small as it gets:\n    input: [1, 28, 28]\n    layers:\n      - dense: 10"

_WORD = re.compile(r"(?<![$\w])[A-Za-z_]\w*")
_PROSE = re.compile(r"[A-Za-z_]\w*\s+[A-Za-z_]")  # two words in a row: text, not an expression


def _loc(source: str, node: yaml.Node) -> Loc:
    return Loc(source, node.start_mark.line + 1, node.start_mark.column + 1)


def read_file(path: str) -> str:
    """The text of a spec file, with clear errors for what is not one."""
    p = Path(path)
    if p.is_dir():
        raise SpecError("is a directory, not a spec file", loc=Loc(path), code="not-a-file")
    try:
        data = p.read_bytes()
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


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The safe loader, with the per-scalar tag resolution cached (a hot spot on big specs)."""

    _tags: dict[tuple[str, Any], str] = {}

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is not yaml.ScalarNode:
            return super().resolve(kind, value, implicit)
        key = (value, implicit)
        tag = self._tags.get(key)
        if tag is None:
            tag = super().resolve(kind, value, implicit)
            if len(self._tags) < 50_000:
                self._tags[key] = tag
        return tag

    def descend_resolver(self, *_: Any) -> None:  # safe loaders have no path resolvers
        return None

    def ascend_resolver(self, *_: Any) -> None:
        return None


def read_yaml(text: str, source: str) -> tuple[Any, Locator, Loc]:
    """YAML text -> (plain data, where its parts are written, where the document starts)."""
    deep = deep_nesting_at(text)
    if deep is not None:
        line = text.count("\n", 0, deep) + 1
        col = deep - (text.rfind("\n", 0, deep) + 1) + 1
        raise SpecError(f"the document is nested more than {MAX_DEPTH} levels deep",
                        loc=Loc(source, line, col), code="too-deep")
    check_written(text, source, _Loader)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
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
    finally:
        loader.dispose()
    if node is None:
        raise SpecError("the spec is empty: a spec needs `input:` (the shape of one sample) and `layers:`",
                        code="empty-spec", loc=Loc(source, 1, 1), hint=EMPTY_HINT)
    if "&" in text and "*" in text and expanded_size(node, MAX_NODES) > MAX_NODES:
        raise SpecError(f"YAML aliases add more than {MAX_NODES:,} values to what the document "
                        "writes (aliases repeating each other?)", loc=_loc(source, node),
                        code="too-many-values")
    locator = Locator(source)
    data = _Plain(loader, locator).convert(node)
    return data, locator, _loc(source, node)


_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_SCALAR_TAGS = tuple(f"tag:yaml.org,2002:{t}" for t in ("int", "float", "bool", "null", "str"))
_COLLECTION_TAGS = ("tag:yaml.org,2002:seq", "tag:yaml.org,2002:map")


class _Plain:
    """YAML nodes -> Python data, counting nodes (aliases included) as it goes."""

    def __init__(self, loader: Any, locator: Locator) -> None:
        self.loader = loader
        self.locator = locator
        self.seen: set[int] = set()  # the collections converted once: a second time is an alias's copy
        self.copying = 0  # > 0 inside such a copy
        self.added = 0  # values the copies added

    def convert(self, node: yaml.Node, depth: int = 0, is_key: bool = False) -> Any:
        if self.copying:
            self.added += 1
            if self.added > MAX_NODES:
                raise SpecError(
                    f"YAML aliases add more than {MAX_NODES:,} values to what the document writes "
                    "(aliases repeating each other?)",
                    loc=_loc(self.locator.source, node), code="too-many-values",
                )
        if isinstance(node, yaml.CollectionNode):
            if id(node) in self.seen:
                self.copying += 1
                try:
                    return self.node_value(node, depth)
                finally:
                    self.copying -= 1
            self.seen.add(id(node))
        return self.node_value(node, depth, is_key)

    def node_value(self, node: yaml.Node, depth: int, is_key: bool = False) -> Any:
        """One node's value (a collection's children converted through :meth:`convert`)."""
        if depth > MAX_DEPTH:
            raise SpecError(f"the document is nested more than {MAX_DEPTH} levels deep",
                            loc=_loc(self.locator.source, node), code="too-deep")
        src = self.locator.source
        if isinstance(node, yaml.ScalarNode):
            tag = node.tag
            if tag == _STR:  # the common cases directly: construct_object is slow
                if not is_key:
                    self.locator.words(node)
                return node.value
            return self.scalar(node, tag)
        if isinstance(node, yaml.CollectionNode) and node.tag not in _COLLECTION_TAGS:
            raise SpecError(f"the YAML tag {node.tag} is not supported in specs", loc=_loc(src, node),
                            code="yaml-tag")
        if isinstance(node, yaml.SequenceNode):
            out = [self.convert(child, depth + 1) for child in node.value]
            self.locator.add(out, node.value)
            return out
        if isinstance(node, yaml.MappingNode):
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise SpecError("YAML merge keys (<<) are not supported in specs",
                                    loc=_loc(src, key_node), code="yaml-merge-key")
                key = self.convert(key_node, depth + 1, is_key=True)
                if isinstance(key, list | dict):
                    raise SpecError("a mapping key must be a word or number", loc=_loc(src, key_node),
                                    code="bad-key")
                if key in result:
                    first = next(k for k, _ in node.value if k.value == key_node.value)
                    raise SpecError(f"key `{key}` appears twice (first at line {first.start_mark.line + 1}, "
                                    f"column {first.start_mark.column + 1})", loc=_loc(src, key_node),
                                    code="duplicate-key")
                result[key] = self.convert(value_node, depth + 1)
            self.locator.add(result, node.value)
            return result
        raise SpecError("unsupported YAML node", loc=_loc(src, node), code="yaml-syntax")  # pragma: no cover

    def scalar(self, node: yaml.ScalarNode, tag: str) -> Any:
        """A scalar other than text: a number, a truth value, null; a date stays its text.

        Whatever a tag makes of its text, a spec gets plain JSON values: a tag on text it
        does not fit, a number beyond the digit limit in any base (``0xfff…``, ``1:2:3…``),
        ``.nan``/``.inf`` and the tags of non-JSON types are refused, with where they are.
        """
        src, value = self.locator.source, node.value
        shown = value if len(value) <= 40 else value[:37] + "..."
        if tag == _INT:
            if value.isascii() and value.isdigit() and (value[0] != "0" or len(value) == 1):
                if len(value) > MAX_DIGITS:
                    raise _too_large(src, node, len(value))
                return int(value)  # plain decimal (YAML 1.1 reads 010 as octal)
            if len(value) > MAX_DIGITS:  # a long hex or sexagesimal number: refused before it is built
                raise _too_large(src, node, len(value))
        elif tag == _TIMESTAMP:
            return value  # no spec field is a date: `name: 2024-01-01` is that text
        elif tag not in _SCALAR_TAGS:
            raise SpecError(f"the YAML tag {_short(tag)} is not supported in specs", loc=_loc(src, node),
                            code="yaml-tag")
        try:
            out = self.loader.construct_object(node)
        except (yaml.YAMLError, ValueError, KeyError, AttributeError, TypeError, IndexError) as e:
            why = f"not a valid {_short(tag)}"
            if isinstance(e, yaml.MarkedYAMLError) and e.problem:
                why = e.problem  # PyYAML's own line `in "<unicode string>", line 2` left out
            raise SpecError(f"invalid value {shown!r}: {why}", loc=_loc(src, node),
                            code="bad-value") from None
        if isinstance(out, int) and not isinstance(out, bool) and out.bit_length() > MAX_BITS:
            raise SpecError(f"a number of {out.bit_length():,} bits is too large (the limit is "
                            f"{MAX_BITS:,} bits)", loc=_loc(src, node), code="too-large")
        if isinstance(out, float) and not math.isfinite(out):
            raise SpecError(f"invalid value {shown!r}: a spec's numbers are finite (a size, a count, "
                            f"a probability), not {out}", loc=_loc(src, node), code="not-whole")
        return out


def _short(tag: str) -> str:
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org,2002:") else tag


def _too_large(source: str, node: yaml.Node, digits: int) -> SpecError:
    return SpecError(f"a number of {digits:,} characters is too large (the limit is {MAX_DIGITS:,} "
                     "digits)", loc=_loc(source, node), code="too-large")
