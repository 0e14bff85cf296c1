"""From text (a YAML file, an inline string) or a dict to a :class:`Spec`.

YAML text is read into plain data with locations by :mod:`convcalc.spec.yamlread`;
:func:`from_data` then builds the spec from plain data, which is also what the
Python API accepts directly.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .._regex import LazyPattern
from ..core.framework import Framework, parse_framework, parse_layout
from ..errors import Loc, SpecError, did_you_mean
from . import meta as meta_keys
from .model import EMPTY, NO_ARG_LOCS, ArgLocs, BlockSpec, LayerSpec, RepeatSpec, Spec, split_axes
from .yamlargs import YamlArgLocs

if TYPE_CHECKING:  # pragma: no cover
    from .yamlread import Locator

YAML_SUFFIXES = (".yaml", ".yml", ".json")
TOP_KEYS = (
    "name", "description", "framework", "layout", "input", "inputs", "vars",
    "layers", "blocks", "outputs", "expect",
)
LAYER_META = ("name", "from", "trainable", "share", "tie", "if")


# ----------------------------------------------------------------- text -> spec


def looks_like_path(arg: str) -> bool:
    return arg.lower().endswith(YAML_SUFFIXES) or (os.sep in arg and "(" not in arg and "|" not in arg)


def load_text(text: str, source: str, is_type: Callable[[str], bool] | None = None) -> Spec:
    """A YAML document or an inline spec: YAML when it looks like YAML or comes from a .yaml file.

    A file named ``*.yaml`` is always read as YAML, so a list or a scalar at its top
    level gets "a spec must be a mapping", not an inline-parse error.  ``is_type`` tells
    the inline parser which words name layer types (``maxpool`` is no ``ma × pool`` input).
    """
    stripped = text.lstrip()
    if (source.lower().endswith(YAML_SUFFIXES) or stripped.startswith(("{", "#", "---", "- "))
            or _first_line_is_key(stripped)):
        return load_yaml(text, source)
    from .inline import parse_inline

    return parse_inline(text, source, is_type)


_YAML_KEY = LazyPattern(r"^[A-Za-z_][\w-]*\s*:(\s|$)")


def _first_line_is_key(text: str) -> bool:
    """``input: ...`` or a misspelt ``inputt: ...``: a YAML mapping, never an inline spec."""
    first = text.split("\n", 1)[0]
    return ":" in first and bool(_YAML_KEY.match(first))


def load_yaml(text: str, source: str) -> Spec:
    from .yamlread import read_yaml  # PyYAML is imported only when a YAML document is read

    data, locator, loc = read_yaml(text, source)
    spec = from_data(data, source, locator, loc)
    if isinstance(data, dict):  # asked about no more: the entries they hold can be freed (issue 19)
        locator.release(data.get("layers"))
        locator.release(data)
    return spec


# ----------------------------------------------------------- data -> spec


def _no_nodes(source: str) -> Locator:
    """The locator of data not read from YAML (a dict, a wrapped layer): it knows no places."""
    from .yamlread import Locator

    return Locator(source)


def from_data(data: Any, source: str, locator: Locator | None = None, loc: Loc | None = None) -> Spec:
    """Build a :class:`Spec` from plain data (a parsed YAML document or a dict)."""
    locator = locator or _no_nodes(source)
    loc = loc or Loc(source)
    if not isinstance(data, Mapping):
        kind = "a list" if isinstance(data, list) else f"{type(data).__name__} {data!r}"
        raise SpecError(
            f"a spec must be a mapping with `input` and `layers`, not {kind}", loc=loc, code="not-a-mapping"
        )
    for key in data:
        if str(key) not in TOP_KEYS:
            raise SpecError(f"unknown key `{key}`" + did_you_mean(str(key), TOP_KEYS),
                            loc=locator.key(data, str(key), loc), code="unknown-key")

    def where(key: str) -> Loc:
        return locator.key(data, key, loc)

    framework = Framework.PYTORCH
    if "framework" in data:
        framework = parse_framework(data["framework"], where("framework"))
    layout = data.get("layout")
    if layout is not None:
        layout = parse_layout(layout, where("layout"))
    name = data.get("name")
    if name is not None and not isinstance(name, str | int):
        raise SpecError("name must be a text", loc=where("name"), code="bad-name")

    inputs: dict[str, tuple[Any, ...]] = {}
    if "input" in data and "inputs" in data:
        raise SpecError("give either `input` or `inputs`, not both", loc=where("inputs"),
                        code="conflicting-keys")
    if "input" in data:
        inputs["input"] = _raw_shape(data["input"], where("input"), "input")
    if "inputs" in data:
        raw = data["inputs"]
        if not isinstance(raw, Mapping) or not raw:
            raise SpecError("inputs must map names to shapes: {image: [3, 224, 224], meta: [10]}",
                            loc=where("inputs"), code="bad-shape")
        for k, v in raw.items():
            inputs[str(k)] = _raw_shape(v, locator.key(raw, str(k), where("inputs")), f"input {k}")

    vars_ = data.get("vars") or {}
    if not isinstance(vars_, Mapping):
        raise SpecError("vars must be a mapping of names to values: {C: 64}", loc=where("vars"),
                        code="bad-vars")
    for k in vars_:
        if not isinstance(k, str) or not k.isidentifier():
            raise SpecError(f"vars: {k!r} is not a valid name", loc=locator.key(vars_, str(k), where("vars")),
                            code="bad-vars")
        if isinstance(vars_[k], Mapping):
            _var_range(k, vars_[k], locator.key(vars_, k, where("vars")))

    if "layers" not in data:
        raise SpecError("the spec has no `layers`", loc=loc, code="no-layers")
    layers = layer_list(data["layers"], locator, where("layers"), "layers")

    blocks: dict[str, BlockSpec] = {}
    raw_blocks = data.get("blocks") or {}
    if not isinstance(raw_blocks, Mapping):
        raise SpecError("blocks must map block names to {args: ..., layers: [...]}", loc=where("blocks"),
                        code="bad-block")
    for bname, body in raw_blocks.items():
        bloc = locator.key(raw_blocks, str(bname), where("blocks"))
        blocks[str(bname)] = _block(str(bname), body, locator, bloc)

    outputs = data.get("outputs")
    if outputs is not None:
        outputs = tuple(outputs) if isinstance(outputs, list) else (outputs,)
    expect = data.get("expect")
    if expect is not None and not isinstance(expect, Mapping):
        raise SpecError("expect must be a mapping such as {output: [10], params: 1234}", loc=where("expect"),
                        code="bad-expect")
    return Spec(
        source=source,
        layers=layers,
        inputs=inputs,
        name=None if name is None else str(name),
        framework=framework,
        framework_loc=where("framework") if "framework" in data else None,
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
        declared=True,
        name_locs=locator.names,
    )


def _var_range(name: str, raw: Mapping[Any, Any], loc: Loc) -> None:
    """``vars: {p: {min: 0, max: 8}}``: a free name with a range; both ends whole numbers."""
    for key, v in raw.items():
        if key not in ("min", "max"):
            raise SpecError(f"vars: {name}: unknown key `{key}` (a range has `min` and `max`)"
                            + did_you_mean(str(key), ("min", "max")), loc=loc, code="bad-range")
        if isinstance(v, bool) or not isinstance(v, int):
            raise SpecError(f"vars: {name}: {key} must be a whole number, not {v!r}", loc=loc,
                            code="bad-range")
    if raw.get("min", 1) > raw.get("max", raw.get("min", 1)):
        raise SpecError(f"vars: {name}: min {raw.get('min', 1)} is more than max {raw['max']}", loc=loc,
                        code="bad-range")


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
    raw = split_axes(raw)
    if isinstance(raw, int | str) and not isinstance(raw, bool):
        return (raw,)
    if isinstance(raw, list):
        return tuple(raw)  # [] is a 0-d (scalar) input, as element-wise layers take it
    raise SpecError(f"{what} must be a shape such as [3, 224, 224] or 3x224x224, not {raw!r}", loc=loc,
                    code="bad-shape")


def _block(name: str, body: Any, locator: Locator, loc: Loc) -> BlockSpec:
    if isinstance(body, list):
        body = {"layers": body}
    if not isinstance(body, Mapping):
        raise SpecError(f"block {name} must be a mapping with `layers` (and optional `args`)", loc=loc,
                        code="bad-block")
    for key in body:
        if key not in ("args", "layers"):
            raise SpecError(f"block {name}: unknown key `{key}`" + did_you_mean(str(key), ("args", "layers")),
                            loc=locator.key(body, str(key), loc), code="unknown-key")
    args = body.get("args") or {}
    if isinstance(args, list):
        for i, arg in enumerate(args):
            if not isinstance(arg, str) or not arg.isidentifier():
                raise SpecError(f"block {name}: args lists the arguments' names (such as [out, stride]), "
                                f"not {_brief(arg)}", loc=locator.item(args, i, loc), code="bad-block")
        args = dict.fromkeys(args)
    if not isinstance(args, Mapping):
        raise SpecError(f"block {name}: args must map names to defaults", loc=loc, code="bad-block")
    if "layers" not in body:
        raise SpecError(f"block {name} has no `layers`", loc=loc, code="no-layers")
    layers = layer_list(body["layers"], locator, locator.key(body, "layers", loc), f"block {name}")
    return BlockSpec(name, {str(k): v for k, v in args.items()}, layers, loc)


def _brief(value: Any) -> str:
    """A value as an error message shows it: its repr, cut short."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def layer_list(raw: Any, locator: Locator, loc: Loc, what: str) -> tuple[LayerSpec | RepeatSpec, ...]:
    if not isinstance(raw, list):
        raise SpecError(f"{what} must be a list of layers (each line starting with `- `)", loc=loc,
                        code="bad-layer-list")
    if not raw:
        raise SpecError(f"{what} is empty", loc=loc, code="no-layers")
    places = locator.items(raw, loc)
    out: list[LayerSpec | RepeatSpec] = []
    for i, item in enumerate(raw):
        if type(item) is str and "(" not in item:  # `- relu`: what layer_entry makes of it, without
            out.append(LayerSpec(item.strip(), (), EMPTY, None, None, places[i]))  # the calls
        else:
            out.append(layer_entry(item, places[i], locator,
                                   locator.text_offsets(raw, i) if isinstance(item, str) else None, True))
    return tuple(out)


class _YamlArgLocs(YamlArgLocs):
    """:class:`YamlArgLocs` that reads a wrapped layer's entry where it is written."""

    __slots__ = ()

    def layer(self, raw: Any) -> LayerSpec | RepeatSpec | None:
        if self.entry is None or not isinstance(raw, Mapping) or not self.locator.knows(raw):
            return None  # a released entry's value holds no mapping: no wrapped layer is in it
        v = self.value_
        where: Loc | None = None
        if isinstance(v, list):
            where = next((self.arg(i) for i, item in enumerate(v) if item is raw), None)
        elif isinstance(v, Mapping):
            where = next((self.value(str(k)) for k, item in v.items() if item is raw), None)
        elif v is raw:
            where = self.arg(0)
        return None if where is None else layer_entry(raw, where, self.locator)


def layer_entry(entry: Any, loc: Loc, locator: Locator | None = None,
                offsets: Callable[[int], Loc] | None = None, release: bool = False) -> LayerSpec | RepeatSpec:
    """One item of a layer list, in any of the forms of SPEC §1.

    ``offsets``: for an entry written as text (``- "Conv2d(1, 32, 5)"``), an offset in
    the text -> its location in the file, so that its arguments are located too.
    ``release``: an entry of a layer list, asked about no more once read (see :mod:`.yamlargs`).
    """
    locator = locator or _no_nodes(loc.file)
    if type(entry) is not dict:  # (a mapping read from YAML, most entries: none of these checks)
        if isinstance(entry, LayerSpec | RepeatSpec):
            return entry
        if isinstance(entry, str):
            return _from_call_text(entry, loc, offsets)
        if not isinstance(entry, Mapping):
            raise SpecError(f"a layer must be a type (`- relu`) or `- type: arguments`, not {entry!r}",
                            loc=loc, code="bad-layer")
    if not entry:
        raise SpecError(f"a layer must be a type (`- relu`) or `- type: arguments`, not {entry!r}", loc=loc,
                        code="bad-layer")
    first = next(iter(entry))
    if len(entry) == 1 and first not in LAYER_META:  # most entries: the type alone, no meta keys
        meta: dict[Any, Any] = {}
        types = [first]
    else:
        meta = {k: entry[k] for k in LAYER_META if k in entry}
        types = [k for k in entry if k not in LAYER_META]
    if len(types) != 1:
        if not types:
            raise SpecError("a layer entry needs a type, e.g. `- conv2d: [32, 3]`", loc=loc, code="bad-layer")
        raise SpecError(
            f"a layer entry has one type, but this one has {len(types)} keys: {', '.join(map(str, types))} "
            "(is the indentation right?)", loc=locator.key(entry, str(types[1]), loc), code="bad-layer",
        )
    type_ = str(types[0])
    value = entry[types[0]]
    where = _YamlArgLocs(locator, entry, types[0], release) if locator.knows(entry) else NO_ARG_LOCS
    if type_ == "repeat" and isinstance(value, Mapping) and "layers" in value:
        return _repeat(value, loc, locator, meta, where)
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = {}
    if value is None:
        pass
    elif isinstance(value, list):
        args = tuple(value)
    elif isinstance(value, Mapping):
        for k, v in value.items():
            if not isinstance(k, str):
                raise SpecError(f"{type_}: argument names are words, not {k!r}",
                                loc=where.key(str(k)) or loc, code="bad-key")
            kwargs[k] = v
        if not kwargs.keys().isdisjoint(LAYER_META):  # most have none of these: one test, not six
            for k in LAYER_META:
                if k in kwargs:
                    if k in meta:
                        raise SpecError(f"{type_}: `{k}` is given twice", loc=locator.key(value, k, loc),
                                        code="duplicate-argument")
                    meta[k] = kwargs.pop(k)
    else:
        args = (value,)
    args = _shared(args) if args else args
    shared_kwargs = _shared_kwargs(kwargs) if kwargs else EMPTY
    if not meta:  # most entries: a type and its arguments (positional: a call by keywords costs more)
        return LayerSpec(type_, args, shared_kwargs, None, None, loc, None, where)
    return LayerSpec(
        type=type_,
        args=args,
        kwargs=shared_kwargs,
        name=meta_keys.name(meta["name"], where.value("name") or loc) if "name" in meta else None,
        sources=meta_keys.sources(meta["from"], where.value("from") or loc) if "from" in meta else None,
        loc=loc,
        trainable=meta_keys.trainable_flag(meta.get("trainable"), loc),
        arg_locs=where,
        share=meta_keys.layer_name(meta["share"], where.value("share") or loc, "share")
        if "share" in meta else None,
        tie=meta_keys.layer_name(meta["tie"], where.value("tie") or loc, "tie") if "tie" in meta else None,
        when=meta_keys.condition(meta["if"], where.value("if") or loc) if "if" in meta else None,
    )


_ARGS: dict[Any, Any] = {}  # argument tuples and mappings of plain words and ints: one object each
_PLAIN = (int, str)


def _shared(args: tuple[Any, ...]) -> tuple[Any, ...]:
    """One tuple for equal arguments made of ints and words (a long spec repeats a few layers:
    100,000 `- dense: 8` keep one ``(8,)``).  Exact types only: ``(1,)`` is not ``(True,)``."""
    for a in args:
        if type(a) not in _PLAIN:
            return args
    return _ARGS.setdefault(args, args) if len(_ARGS) < 10_000 else _ARGS.get(args, args)


def _shared_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    """One mapping for equal named arguments made of ints and words (never changed once read)."""
    for v in kwargs.values():
        if type(v) not in _PLAIN:
            return kwargs
    key = ("kwargs", *kwargs.items())  # the items in order: the order is the one written
    return _ARGS.setdefault(key, kwargs) if len(_ARGS) < 10_000 else _ARGS.get(key, kwargs)


def _from_call_text(text: str, loc: Loc, offsets: Callable[[int], Loc] | None = None) -> LayerSpec:
    """``- flatten`` or ``- Conv2d(1, 32, 5)`` written as a string."""
    if "(" in text:
        from .inline import parse_layer_text

        return parse_layer_text(text, loc, locate=offsets)
    return LayerSpec(text.strip(), (), EMPTY, None, None, loc)  # positional: cheaper than by keywords


def _repeat(value: Mapping[str, Any], loc: Loc, locator: Locator, meta: Mapping[str, Any],
            where: ArgLocs) -> RepeatSpec:
    keys = ("times", "layers", "name", "trainable", "share", "for")
    for key in value:
        if key not in keys:
            raise SpecError(f"repeat: unknown key `{key}`" + did_you_mean(str(key), keys),
                            loc=where.key(str(key)) or loc, code="unknown-key")
    each = meta_keys.for_lists(value.get("for"), where.value("for") or loc)
    if "times" not in value and not each:
        raise SpecError("repeat needs `times` (or `for:` lists)", loc=loc, code="bad-repeat")
    share = value.get("share", False)
    if not isinstance(share, bool):
        raise SpecError(f"repeat: share must be true or false, not {share!r}", code="not-boolean",
                        loc=where.value("share") or loc)
    layers = layer_list(value["layers"], locator, locator.key(value, "layers", loc), "repeat")
    if "trainable" in meta and "trainable" in value:
        raise SpecError("repeat: `trainable` is given twice", loc=loc, code="duplicate-key")
    trainable = meta_keys.trainable_flag(meta.get("trainable", value.get("trainable")), loc)
    times = value.get("times", len(next(iter(each.values()), ())))
    return RepeatSpec(times, layers, meta_keys.name(meta.get("name") or value.get("name"), loc), loc,
                      trainable=trainable, times_loc=where.value("times"), share=share, each=each)

