"""From text (a YAML file, an inline string) or a dict to a :class:`Spec`.

YAML is read with PyYAML's safe loader at the node level, so every layer
entry keeps its line and column.  The node tree is turned into plain data
with a budget (YAML alias "bombs" stop with an error instead of eating
memory) and a depth limit; :func:`from_data` then builds the spec from plain
data, which is also what the Python API accepts directly.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from .errors import Loc, SpecError, did_you_mean
from .spec import EMPTY, BlockSpec, LayerSpec, RepeatSpec, Spec

MAX_NODES = 200_000
MAX_DEPTH = 100
YAML_SUFFIXES = (".yaml", ".yml", ".json")
TOP_KEYS = (
    "name", "description", "framework", "layout", "input", "inputs", "vars",
    "layers", "blocks", "outputs", "expect",
)
FRAMEWORKS = ("pytorch", "keras")
LAYOUTS = ("channels_first", "channels_last")
LAYER_META = ("name", "from")


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
        self.key_index: dict[int, dict[str, Any]] = {}

    def add(self, container: Any, children: list[Any]) -> None:
        self.nodes[id(container)] = (container, children)

    def item(self, container: Any, index: int, fallback: Loc | None = None) -> Loc:
        hit = self.nodes.get(id(container))
        if hit is not None and hit[0] is container and 0 <= index < len(hit[1]):
            return _loc(self.source, hit[1][index])
        return fallback or Loc(self.source)

    def key(self, container: Any, key: str, fallback: Loc | None = None) -> Loc:
        index = self._key_index(container)
        if index is not None and key in index:
            return _loc(self.source, index[key])
        return fallback or Loc(self.source)

    def _key_index(self, container: Any) -> dict[str, Any] | None:
        """Key text -> key node of a mapping, built once on first use (asking about
        every key of a large mapping would otherwise scan it once per key)."""
        cached = self.key_index.get(id(container))
        if cached is not None:
            return cached
        hit = self.nodes.get(id(container))
        if hit is None or hit[0] is not container or len(hit[1]) != len(container):
            return None
        # The mapping's keys are in the order of its YAML pairs.
        index = {str(k): key_node for k, (key_node, _) in zip(container, hit[1], strict=True)}
        self.key_index[id(container)] = index
        return index


def _loc(source: str, node: yaml.Node) -> Loc:
    return Loc(source, node.start_mark.line + 1, node.start_mark.column + 1)


# ----------------------------------------------------------------- reading


def read_file(path: str) -> str:
    """The text of a spec file, with clear errors for what is not one."""
    p = Path(path)
    if p.is_dir():
        raise SpecError("is a directory, not a spec file", loc=Loc(path))
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise SpecError("no such file", loc=Loc(path)) from None
    except OSError as e:
        raise SpecError(f"cannot read the file: {e.strerror or e}", loc=Loc(path)) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise SpecError(f"the file is not UTF-8 text (byte 0x{data[e.start]:02x} at offset {e.start})",
                        loc=Loc(path, line)) from None


def looks_like_path(arg: str) -> bool:
    return arg.lower().endswith(YAML_SUFFIXES) or (os.sep in arg and "(" not in arg and "|" not in arg)


def load_text(text: str, source: str) -> Spec:
    """A YAML document or an inline spec: YAML when it looks like YAML or comes from a .yaml file.

    A file named ``*.yaml`` is always read as YAML, so a list or a scalar at its top
    level gets "a spec must be a mapping", not an inline-parse error.
    """
    stripped = text.lstrip()
    if (source.lower().endswith(YAML_SUFFIXES) or stripped.startswith(("{", "#", "---", "- "))
            or _first_line_is_key(stripped)):
        return load_yaml(text, source)
    from .inline import parse_inline

    return parse_inline(text, source)


_YAML_KEY = re.compile(r"^[A-Za-z_][\w-]*\s*:(\s|$)")


def _first_line_is_key(text: str) -> bool:
    """``input: ...`` or a misspelt ``inputt: ...``: a YAML mapping, never an inline spec."""
    first = text.split("\n", 1)[0]
    return bool(_YAML_KEY.match(first))


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


# libyaml's composer recurses in C without a depth check (some 30,000 levels overflow
# the C stack: a segfault, not an exception), and its scanner takes time quadratic in
# the depth of nested flow collections (20,000 levels of `[`: seconds).  A cheap scan
# bounds the nesting first; a document that might nest deeper than SAFE_DEPTH goes to
# the pure-Python loader, whose recursion limit stops it early and cleanly.
SAFE_DEPTH = 1_000
_FLOW_TOKEN = re.compile(r"[\[\]{}\"'#]")
_DEEP_BLOCK = re.compile(rf"^[ \t?-]{{{SAFE_DEPTH},}}", re.M)
_DQ_END = re.compile(r'(?:[^"\\]|\\.)*"', re.S)
_SQ_END = re.compile(r"(?:[^']|'')*'")


def _deep_nesting_at(text: str) -> int | None:
    """Where the text may nest SAFE_DEPTH collections deep, or None when it surely does not.

    Block nesting needs indentation or `- `/`? ` indicators at the start of a line;
    flow nesting is bracket depth outside quoted strings and comments.  It errs on the
    side of "deep": such a document is refused, and SAFE_DEPTH is far above MAX_DEPTH.
    """
    m = _DEEP_BLOCK.search(text)
    if m:
        return m.start()
    if text.count("[") + text.count("{") < SAFE_DEPTH:
        return None
    depth = 0
    pos = 0
    n = len(text)
    while pos < n:
        m = _FLOW_TOKEN.search(text, pos)
        if m is None:
            return None
        ch, i = m.group(), m.start()
        pos = i + 1
        if ch in "[{":
            depth += 1
            if depth > SAFE_DEPTH:
                return i
        elif ch in "]}":
            depth = max(depth - 1, 0)
        elif ch == "#":
            if i == 0 or text[i - 1] in " \t\n":
                nl = text.find("\n", i)
                pos = n if nl < 0 else nl + 1
        elif _starts_quote(text, i):
            end = (_DQ_END if ch == '"' else _SQ_END).match(text, i + 1)
            if end is None:
                return None  # an unclosed quote: the rest is one string, YAML says where
            pos = end.end()
    return None


def _expanded_size(root: yaml.Node, limit: int) -> int:
    """How many values the node tree becomes once aliases are copied out (stops past limit).

    Each distinct node is sized once, so a billion-laughs document is measured in
    microseconds instead of being expanded.
    """
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if key in sizes:
            continue
        if isinstance(node, yaml.ScalarNode):
            sizes[key] = 1
            continue
        children = [c for pair in node.value for c in pair] if isinstance(node, yaml.MappingNode) \
            else list(node.value)
        if done:
            sizes[key] = min(1 + sum(sizes[id(c)] for c in children), limit + 1)
            continue
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in sizes)
    return sizes[id(root)]


def _starts_quote(text: str, i: int) -> bool:
    """Whether a quote at ``i`` opens a quoted scalar (not one inside a plain scalar)."""
    j = i - 1
    while j >= 0 and text[j] in " \t":
        j -= 1
    if j < 0 or text[j] in ":-?[{,\n":
        return True
    k = j
    while k >= 0 and text[k] not in " \t\n":
        k -= 1
    return text[k + 1] in "!&"  # after a tag or an anchor


def load_yaml(text: str, source: str) -> Spec:
    deep = _deep_nesting_at(text)
    if deep is not None:
        line = text.count("\n", 0, deep) + 1
        col = deep - (text.rfind("\n", 0, deep) + 1) + 1
        raise SpecError(f"the document is nested more than {MAX_DEPTH} levels deep",
                        loc=Loc(source, line, col))
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
        raise SpecError(f"invalid YAML: {what}", loc=loc) from None
    except yaml.YAMLError as e:
        raise SpecError(f"invalid YAML: {e}", loc=Loc(source)) from None
    except RecursionError:
        raise SpecError("invalid YAML: nested too deeply", loc=Loc(source)) from None
    finally:
        loader.dispose()
    if node is None:
        raise SpecError("the spec is empty", loc=Loc(source, 1, 1))
    if "&" in text and "*" in text and _expanded_size(node, MAX_NODES) > MAX_NODES:
        raise SpecError(f"the document expands to more than {MAX_NODES:,} values "
                        "(YAML aliases repeating each other?)", loc=_loc(source, node))
    locator = Locator(source)
    data = _Plain(loader, locator).convert(node)
    return from_data(data, source, locator, _loc(source, node))


_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_COLLECTION_TAGS = ("tag:yaml.org,2002:seq", "tag:yaml.org,2002:map")


class _Plain:
    """YAML nodes -> Python data, counting nodes (aliases included) as it goes."""

    def __init__(self, loader: Any, locator: Locator) -> None:
        self.loader = loader
        self.locator = locator
        self.count = 0

    def convert(self, node: yaml.Node, depth: int = 0) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise SpecError(
                f"the document expands to more than {MAX_NODES:,} values "
                "(YAML aliases repeating each other?)",
                loc=_loc(self.locator.source, node),
            )
        if depth > MAX_DEPTH:
            raise SpecError(f"the document is nested more than {MAX_DEPTH} levels deep",
                            loc=_loc(self.locator.source, node))
        src = self.locator.source
        if isinstance(node, yaml.ScalarNode):
            tag = node.tag
            if tag == _STR:  # the common cases directly: construct_object is slow
                return node.value
            try:
                if tag == _INT:
                    value = node.value
                    if value.isdigit() and (value[0] != "0" or len(value) == 1):
                        return int(value)  # plain decimal (YAML 1.1 reads 010 as octal)
                    return self.loader.construct_yaml_int(node)
                return self.loader.construct_object(node)
            except (yaml.YAMLError, ValueError) as e:
                shown = node.value if len(node.value) <= 40 else node.value[:37] + "..."
                why = f"a number of {len(node.value):,} digits is too large" if \
                    isinstance(e, ValueError) else str(e)
                raise SpecError(f"invalid value {shown!r}: {why}", loc=_loc(src, node)) from None
        if isinstance(node, yaml.CollectionNode) and node.tag not in _COLLECTION_TAGS:
            raise SpecError(f"the YAML tag {node.tag} is not supported in specs", loc=_loc(src, node))
        if isinstance(node, yaml.SequenceNode):
            out = [self.convert(child, depth + 1) for child in node.value]
            self.locator.add(out, node.value)
            return out
        if isinstance(node, yaml.MappingNode):
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise SpecError("YAML merge keys (<<) are not supported in specs",
                                    loc=_loc(src, key_node))
                key = self.convert(key_node, depth + 1)
                if isinstance(key, list | dict):
                    raise SpecError("a mapping key must be a word or number", loc=_loc(src, key_node))
                if key in result:
                    raise SpecError(f"key `{key}` appears twice", loc=_loc(src, key_node))
                result[key] = self.convert(value_node, depth + 1)
            self.locator.add(result, node.value)
            return result
        raise SpecError("unsupported YAML node", loc=_loc(src, node))  # pragma: no cover


# ----------------------------------------------------------- data -> spec


def from_data(data: Any, source: str, locator: Locator | None = None, loc: Loc | None = None) -> Spec:
    """Build a :class:`Spec` from plain data (a parsed YAML document or a dict)."""
    locator = locator or Locator(source)
    loc = loc or Loc(source)
    if not isinstance(data, Mapping):
        kind = "a list" if isinstance(data, list) else f"{type(data).__name__} {data!r}"
        raise SpecError(
            f"a spec must be a mapping with `input` and `layers`, not {kind}", loc=loc
        )
    for key in data:
        if str(key) not in TOP_KEYS:
            raise SpecError(f"unknown key `{key}`" + did_you_mean(str(key), TOP_KEYS),
                            loc=locator.key(data, str(key), loc))

    def where(key: str) -> Loc:
        return locator.key(data, key, loc)

    framework = data.get("framework", "pytorch")
    if not isinstance(framework, str) or framework.lower() not in (*FRAMEWORKS, "torch", "tensorflow"):
        raise SpecError(f"framework must be pytorch or keras, not {framework!r}"
                        + (did_you_mean(framework, FRAMEWORKS) if isinstance(framework, str) else ""),
                        loc=where("framework"))
    framework = {"torch": "pytorch", "tensorflow": "keras"}.get(framework.lower(), framework.lower())
    layout = data.get("layout")
    if layout is not None and layout not in LAYOUTS:
        raise SpecError(f"layout must be channels_first or channels_last, not {layout!r}",
                        loc=where("layout"))
    name = data.get("name")
    if name is not None and not isinstance(name, str | int):
        raise SpecError("name must be a text", loc=where("name"))

    inputs: dict[str, tuple[Any, ...]] = {}
    if "input" in data and "inputs" in data:
        raise SpecError("give either `input` or `inputs`, not both", loc=where("inputs"))
    if "input" in data:
        inputs["input"] = _raw_shape(data["input"], where("input"), "input")
    if "inputs" in data:
        raw = data["inputs"]
        if not isinstance(raw, Mapping) or not raw:
            raise SpecError("inputs must map names to shapes: {image: [3, 224, 224], meta: [10]}",
                            loc=where("inputs"))
        for k, v in raw.items():
            inputs[str(k)] = _raw_shape(v, locator.key(raw, str(k), where("inputs")), f"input {k}")

    vars_ = data.get("vars") or {}
    if not isinstance(vars_, Mapping):
        raise SpecError("vars must be a mapping of names to values: {C: 64}", loc=where("vars"))
    for k in vars_:
        if not isinstance(k, str) or not k.isidentifier():
            raise SpecError(f"vars: {k!r} is not a valid name", loc=locator.key(vars_, str(k), where("vars")))

    if "layers" not in data:
        raise SpecError("the spec has no `layers`", loc=loc)
    layers = layer_list(data["layers"], locator, where("layers"), "layers")

    blocks: dict[str, BlockSpec] = {}
    raw_blocks = data.get("blocks") or {}
    if not isinstance(raw_blocks, Mapping):
        raise SpecError("blocks must map block names to {args: ..., layers: [...]}", loc=where("blocks"))
    for bname, body in raw_blocks.items():
        bloc = locator.key(raw_blocks, str(bname), where("blocks"))
        blocks[str(bname)] = _block(str(bname), body, locator, bloc)

    outputs = data.get("outputs")
    if outputs is not None:
        outputs = tuple(outputs) if isinstance(outputs, list) else (outputs,)
    expect = data.get("expect")
    if expect is not None and not isinstance(expect, Mapping):
        raise SpecError("expect must be a mapping such as {output: [10], params: 1234}", loc=where("expect"))
    return Spec(
        source=source,
        layers=layers,
        inputs=inputs,
        name=None if name is None else str(name),
        framework=framework,
        layout=layout,
        vars=dict(vars_),
        var_locs={str(k): locator.key(vars_, str(k), where("vars")) for k in vars_},
        blocks=blocks,
        outputs=outputs,
        expect=expect,
        loc=loc,
        input_loc=where("inputs" if "inputs" in data else "input"),
        expect_loc=where("expect") if expect is not None else None,
        expect_locs=_key_locs(locator, expect, "", 3) if expect is not None else {},
        outputs_loc=where("outputs") if outputs is not None else None,
    )


def _key_locs(locator: Locator, mapping: Mapping[Any, Any], prefix: str, depth: int) -> dict[str, Loc]:
    """Dotted key path -> location, ``depth`` mappings deep (for errors inside ``expect:``)."""
    out: dict[str, Loc] = {}
    for k, v in mapping.items():
        path = f"{prefix}{k}"
        out[path] = locator.key(mapping, str(k))
        if depth > 1 and isinstance(v, Mapping):
            out.update(_key_locs(locator, v, path + ".", depth - 1))
    return out


def _raw_shape(raw: Any, loc: Loc, what: str) -> tuple[Any, ...]:
    from .args import split_axes

    raw = split_axes(raw)
    if isinstance(raw, int | str) and not isinstance(raw, bool):
        return (raw,)
    if isinstance(raw, list) and raw:
        return tuple(raw)
    raise SpecError(f"{what} must be a shape such as [3, 224, 224] or 3x224x224, not {raw!r}", loc=loc)


def _block(name: str, body: Any, locator: Locator, loc: Loc) -> BlockSpec:
    if isinstance(body, list):
        body = {"layers": body}
    if not isinstance(body, Mapping):
        raise SpecError(f"block {name} must be a mapping with `layers` (and optional `args`)", loc=loc)
    for key in body:
        if key not in ("args", "layers"):
            raise SpecError(f"block {name}: unknown key `{key}`" + did_you_mean(str(key), ("args", "layers")),
                            loc=locator.key(body, str(key), loc))
    args = body.get("args") or {}
    if isinstance(args, list):
        args = dict.fromkeys(args)
    if not isinstance(args, Mapping):
        raise SpecError(f"block {name}: args must map names to defaults", loc=loc)
    if "layers" not in body:
        raise SpecError(f"block {name} has no `layers`", loc=loc)
    layers = layer_list(body["layers"], locator, locator.key(body, "layers", loc), f"block {name}")
    return BlockSpec(name, {str(k): v for k, v in args.items()}, layers, loc)


def layer_list(raw: Any, locator: Locator, loc: Loc, what: str) -> tuple[LayerSpec | RepeatSpec, ...]:
    if not isinstance(raw, list):
        raise SpecError(f"{what} must be a list of layers (each line starting with `- `)", loc=loc)
    if not raw:
        raise SpecError(f"{what} is empty", loc=loc)
    return tuple(layer_entry(item, locator.item(raw, i, loc), locator) for i, item in enumerate(raw))


def layer_entry(entry: Any, loc: Loc, locator: Locator | None = None) -> LayerSpec | RepeatSpec:
    """One item of a layer list, in any of the forms of SPEC §1."""
    locator = locator or Locator(loc.file)
    if isinstance(entry, LayerSpec | RepeatSpec):
        return entry
    if isinstance(entry, str):
        return _from_call_text(entry, loc)
    if not isinstance(entry, Mapping) or not entry:
        raise SpecError(f"a layer must be a type (`- relu`) or `- type: arguments`, not {entry!r}", loc=loc)
    meta = {k: entry[k] for k in LAYER_META if k in entry}
    types = [k for k in entry if k not in LAYER_META]
    if len(types) != 1:
        if not types:
            raise SpecError("a layer entry needs a type, e.g. `- conv2d: [32, 3]`", loc=loc)
        raise SpecError(
            f"a layer entry has one type, but this one has {len(types)} keys: {', '.join(map(str, types))} "
            "(is the indentation right?)", loc=loc,
        )
    type_ = str(types[0])
    value = entry[types[0]]
    if type_ == "repeat" and isinstance(value, Mapping) and "layers" in value:
        return _repeat(value, loc, locator, meta)
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = {}
    if value is None:
        pass
    elif isinstance(value, list):
        args = tuple(value)
    elif isinstance(value, Mapping):
        for k, v in value.items():
            if not isinstance(k, str):
                raise SpecError(f"{type_}: argument names are words, not {k!r}", loc=loc)
            kwargs[k] = v
        for k in LAYER_META:
            if k in kwargs:
                if k in meta:
                    raise SpecError(f"{type_}: `{k}` is given twice", loc=loc)
                meta[k] = kwargs.pop(k)
    else:
        args = (value,)
    return LayerSpec(
        type=type_,
        args=args,
        kwargs=kwargs or EMPTY,
        name=_name(meta.get("name"), loc),
        sources=_sources(meta.get("from"), loc),
        loc=loc,
    )


def _from_call_text(text: str, loc: Loc) -> LayerSpec:
    """``- flatten`` or ``- Conv2d(1, 32, 5)`` written as a string."""
    if "(" in text:
        from .inline import parse_layer_text

        return parse_layer_text(text, loc)
    return LayerSpec(type=text.strip(), loc=loc)


def _name(raw: Any, loc: Loc) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str | int) or isinstance(raw, bool) or not str(raw).strip():
        raise SpecError(f"name must be a word, not {raw!r}", loc=loc)
    return str(raw)


def _sources(raw: Any, loc: Loc) -> tuple[str | int, ...] | None:
    if raw is None:
        return None
    items = raw if isinstance(raw, list) else [raw]
    for item in items:
        if isinstance(item, bool) or not isinstance(item, str | int):
            raise SpecError(f"from: entries are layer names or indices, not {item!r}", loc=loc)
    if not items:
        raise SpecError("from: is empty", loc=loc)
    return tuple(items)


def _repeat(value: Mapping[str, Any], loc: Loc, locator: Locator, meta: Mapping[str, Any]) -> RepeatSpec:
    for key in value:
        if key not in ("times", "layers", "name"):
            raise SpecError(f"repeat: unknown key `{key}`" + did_you_mean(str(key), ("times", "layers")),
                            loc=loc)
    if "times" not in value:
        raise SpecError("repeat needs `times`", loc=loc)
    layers = layer_list(value["layers"], locator, locator.key(value, "layers", loc), "repeat")
    return RepeatSpec(value["times"], layers, _name(meta.get("name") or value.get("name"), loc), loc)
