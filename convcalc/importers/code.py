"""Pasted model code: ``nn.Sequential(a, b, …)`` and ``keras.Sequential([...])``.

The layers inside are read as the inline parser reads one layer (``Conv2d(3, 16, 3)``,
``layers.Dense(10, activation="relu")``), separated by commas and newlines;
``torch.nn.``/``nn.``/``keras.layers.``/``layers.`` prefixes are dropped by the
registry.  A nested ``Sequential`` is a block; ``nn.Sequential(OrderedDict([...]))``
keeps its children's names.  ``keras.Input(shape=…)``, ``InputLayer(…)`` or
``input_shape=`` on the first layer give the input.  The framework follows the
spellings (SPEC §12), as for any spec.  Nothing is executed.
"""

from __future__ import annotations

import re
from typing import Any

from .._regex import LazyPattern
from ..errors import Loc, SpecError
from ..spec.inline import parse_layer_text, parse_value, quoted_only, split_top_at
from ..spec.model import BlockSpec, LayerSpec, Spec
from . import preamble_end

_SEQUENTIAL = LazyPattern(r"^((torch\.)?nn\.|(tf\.)?keras\.(models\.)?)?Sequential$")
_ASSIGN = LazyPattern(r"^\s*\w+\s*=\s*")
_INPUTS = ("Input", "InputLayer")
_PREFIX = LazyPattern(r"^((torch\.)?nn\.|(tf\.)?keras\.(layers\.)?|layers\.)")


class _Source:
    """The pasted text, with offsets turned into line:column."""

    def __init__(self, text: str, source: str) -> None:
        self.text = text
        self.source = source

    def loc(self, offset: int) -> Loc:
        line = self.text.count("\n", 0, offset) + 1
        return Loc(self.source, line, offset - (self.text.rfind("\n", 0, offset) + 1) + 1)


def _strip_comments(text: str) -> str:
    """``# ...`` to the end of the line, outside quotes, blanked (offsets stay)."""
    out, quote, i = list(text), None, 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            end = text.find("\n", i)
            end = len(text) if end < 0 else end
            out[i:end] = " " * (end - i)
            i = end
            continue
        i += 1
    return "".join(out)


def _call(text: str, start: int) -> tuple[str, int, int]:
    """At ``start``, ``Name(``: the name, the offset after ``(`` and of the matching ``)``."""
    m = re.compile(r"\s*([A-Za-z_][\w.]*)\s*\(").match(text, start)
    if m is None:
        raise SpecError("expected a call such as nn.Sequential(...)", code="code-bad-syntax",
                        loc=None)
    depth, quote = 0, None
    for i in range(m.end() - 1, len(text)):
        ch = text[i]
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0:
                return m.group(1), m.end(), i
    raise SpecError(f"{m.group(1)}( is never closed", code="code-unclosed", loc=None)


def _items(text: str, start: int, end: int) -> list[tuple[str, int]]:
    """The comma-separated items between ``start`` and ``end``, stripped, with their offsets."""
    return [(raw.strip(), start + off + len(raw) - len(raw.lstrip()))
            for raw, off in split_top_at(text[start:end], ",", "()[]{}") if raw.strip()]


def read(text: str, source: str) -> Spec:
    """Pasted ``Sequential`` code -> Spec."""
    clean = _strip_comments(text)
    skip = preamble_end(clean)  # import lines blanked as comments are (offsets stay)
    clean = re.sub(r"[^\n]", " ", clean[:skip]) + clean[skip:]
    src = _Source(clean, source)
    m = _ASSIGN.match(clean)
    start = m.end() if m else 0
    try:
        reader = _Reader(src)
        if _SEQUENTIAL.match(re.match(r"\s*([\w.]*)", clean[start:]).group(1)):  # type: ignore[union-attr]
            variable = m.group(0).split("=")[0].strip() if m else None
            reader.end = _call(clean, start)[2] + 1
            added = _added(src, reader, variable)  # model.add(layer) lines after the Sequential
            inputs, layers = reader.sequential(start, added=added)
        else:  # layers separated by commas, without a wrapper
            inputs, layers = reader.layers(_items(clean, start, len(clean)), start)
        rest = clean[reader.end:] if reader.end is not None else ""
        if rest.strip():
            at = reader.end + len(rest) - len(rest.lstrip())  # type: ignore[operator]
            raise SpecError(f"text after the Sequential(...) is not read: {rest.strip()[:40]!r} "
                            "(convcalc reads one Sequential, and `model.add(layer)` lines after it; "
                            "put every layer inside it)", code="code-trailing-text", loc=src.loc(at))
    except SpecError as e:
        raise e.with_location(src.loc(start)) from None
    return Spec(source=source, layers=tuple(layers), inputs=inputs, blocks=reader.blocks, name=reader.name,
                loc=Loc(source, 1, 1), input_loc=reader.input_loc or Loc(source, 1, 1),
                imported={"format": "code", "notes": ()}, quoted=quoted_only(clean))


_METHOD = LazyPattern(r"\s*([A-Za-z_]\w*)\s*\.\s*(add|summary)\s*\(")


def _added(src: _Source, reader: _Reader, variable: str | None) -> list[tuple[str, int]]:
    """The layers of ``model.add(layer)`` statements after ``model = keras.Sequential(...)``, in
    order (Keras appends each); ``model.summary()`` lines are passed over (they change nothing).
    ``reader.end`` moves past what is read; anything else is left for the trailing-text error."""
    text, added = src.text, []
    while variable is not None:
        m = _METHOD.match(text, reader.end)  # type: ignore[call-overload]
        if m is None or m.group(1) != variable:
            break
        _name, open_, close = _call(text, m.start(1))
        line_end = text.find("\n", close)
        after = text[close + 1:len(text) if line_end < 0 else line_end].lstrip(" \t")
        if after and not after.startswith(";"):
            break  # model.add(x).y: not read
        if m.group(2) == "add":
            items = _items(text, open_, close)
            if len(items) != 1:
                raise SpecError(f"{variable}.add(...) takes one layer, not {len(items)}",
                                code="code-bad-syntax", loc=src.loc(m.start(1)))
            added.append(items[0])
        reader.end = close + 1
        while reader.end < len(text) and text[reader.end] in " \t;":  # model.add(a); model.add(b)
            reader.end += 1
    return added


class _Reader:
    def __init__(self, src: _Source) -> None:
        self.src = src
        self.blocks: dict[str, BlockSpec] = {}
        self.input_loc: Loc | None = None
        self.name: str | None = None  # keras.Sequential([...], name="mnist")
        self.end: int | None = None  # where the top Sequential(...) ends

    def sequential(self, start: int, top: bool = True, added: list[tuple[str, int]] | None = None,
                   ) -> tuple[dict[str, tuple[Any, ...]], list[LayerSpec]]:
        text = self.src.text
        name, open_, close = _call(text, start)
        if top and self.end is None:
            self.end = close + 1
        if not _SEQUENTIAL.match(name):
            raise SpecError(f"expected nn.Sequential(...) or keras.Sequential([...]), not {name}(",
                            code="code-not-sequential", loc=self.src.loc(start))
        items = _items(text, open_, close)
        named = items and all(re.match(r"^name\s*=[^=]", raw) for raw, _ in items)
        if (items and items[0][0].startswith("[")) or (added and named):  # keras.Sequential([a, b], name=...)
            for raw, off in items[0 if named else 1:]:
                key, _, value = raw.partition("=")
                if key.strip() == "name" and top:
                    self.name = str(parse_value(value, self.src.loc(off)))
            if named:  # keras.Sequential(name="mlp"), then model.add(...) lines
                items = []
            else:
                list_start = text.index("[", items[0][1])
                items = _items(text, list_start + 1, list_start + len(items[0][0]) - 1)
        elif len(items) == 1 and re.match(r"^(collections\.)?OrderedDict\s*\(", items[0][0]) and not added:
            return {}, self.ordered(items[0][1])
        return self.layers(items + (added or []), start)

    def layers(self, items: list[tuple[str, int]], start: int,
               ) -> tuple[dict[str, tuple[Any, ...]], list[LayerSpec]]:
        """The items of a layer list: Input first (optional), layers, nested Sequentials."""
        inputs: dict[str, tuple[Any, ...]] = {}
        layers: list[LayerSpec] = []
        for raw, off in items:
            loc = self.src.loc(off)
            head = re.match(r"[\w.]+", raw)
            kind = _PREFIX.sub("", head.group(0)) if head else ""
            if _SEQUENTIAL.match(head.group(0) if head else ""):
                layers.append(self.nested(off, None))
            elif kind in _INPUTS:
                if layers:
                    raise SpecError(f"{kind} comes after a layer: it must be the first",
                                    code="code-input-not-first", loc=loc)
                inputs = {"input": _input_shape(parse_layer_text(raw, loc), loc)}
                self.input_loc = loc
            else:
                layers.append(_lazy(parse_layer_text(raw, loc)))
        if not layers:
            raise SpecError("the Sequential has no layers", code="code-empty", loc=self.src.loc(start))
        return inputs, layers

    def ordered(self, start: int) -> list[LayerSpec]:
        """``OrderedDict([("conv", nn.Conv2d(...)), ...])``: children with their names."""
        text = self.src.text
        _, open_, close = _call(text, start)
        list_start = text.index("[", open_)
        layers = []
        for raw, off in _items(text, list_start + 1, text.rindex("]", open_, close)):
            pair = _items(text, off + 1, off + len(raw) - 1)
            if not raw.startswith("(") or len(pair) != 2:
                raise SpecError("OrderedDict items are (\"name\", layer) pairs",
                                code="code-bad-syntax", loc=self.src.loc(off))
            name = parse_value(pair[0][0], self.src.loc(pair[0][1]))
            if _SEQUENTIAL.match(pair[1][0].split("(")[0].strip()):
                layers.append(self.nested(pair[1][1], str(name)))
            else:
                ls = _lazy(parse_layer_text(pair[1][0], self.src.loc(pair[1][1])))
                layers.append(LayerSpec(ls.type, ls.args, ls.kwargs, str(name), ls.sources, ls.loc,
                                        ls.trainable))
        return layers

    def nested(self, off: int, name: str | None) -> LayerSpec:
        """A Sequential inside a Sequential: a block of its own."""
        inputs, layers = self.sequential(off, top=False)
        if inputs:
            raise SpecError("an Input inside a nested Sequential is not read", code="code-nested-input",
                            loc=self.src.loc(off))
        block = f"sequential_{len(self.blocks) + 1}"
        self.blocks[block] = BlockSpec(block, {}, tuple(layers), self.src.loc(off))
        return LayerSpec(type=block, name=name or block, loc=self.src.loc(off))


def _input_shape(ls: LayerSpec, loc: Loc) -> tuple[Any, ...]:
    """``keras.Input(shape=(28, 28, 1))``, ``Input((28, 28, 1))``, ``InputLayer(input_shape=...)``."""
    kw = ls.kwargs
    raw: Any = ls.args[0] if ls.args else kw.get("shape", kw.get("input_shape"))
    if raw is None and "batch_shape" in kw:
        raw = list(kw["batch_shape"])[1:]
    if not isinstance(raw, list) or not raw:
        raise SpecError(f"{ls.type} needs shape=(...), a tuple of sizes", code="code-input-shape", loc=loc)
    return tuple(raw)


def _lazy(ls: LayerSpec) -> LayerSpec:
    """``LazyLinear(10)``: PyTorch's lazy modules leave out the first argument (the input size)."""
    bare = _PREFIX.sub("", ls.type)
    if not bare.startswith("Lazy") or not ls.args:
        return ls
    from ..layers.registry import lookup

    order = lookup(bare, "pytorch").order
    if order and order[0] == "in_channels":  # a signature that still starts with the input size
        order = order[1:]
    if len(ls.args) > len(order):
        raise SpecError(f"{bare} takes at most {len(order)} positional arguments", code="too-many-arguments",
                        loc=ls.loc)
    kwargs = dict(zip(order, ls.args, strict=False))
    clash = set(kwargs) & set(ls.kwargs)
    if clash:
        raise SpecError(f"{bare}: argument `{clash.pop()}` is given twice", code="duplicate-argument",
                        loc=ls.loc)
    return LayerSpec(ls.type, (), {**kwargs, **ls.kwargs}, ls.name, ls.sources, ls.loc, ls.trainable)
