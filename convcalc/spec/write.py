"""A :class:`Spec` written back as convcalc YAML (``--format yaml``), whatever it was read from.

The written file reads back to the same network: the framework and layout are
written out, blocks stay blocks, names and ``from:`` stay, and positional
arguments become named ones (the layer's own positional order says which), so
every entry is ``- type: {argument: value, ...}`` or a bare ``- type``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .model import BlockSpec, LayerSpec, RepeatSpec, Spec

# (type as written, framework) -> its positional order, and whether the last takes the rest
# (``transpose: [1, 2]``: both sizes are one `dims`); None for a type the registry does not know.
Order = Callable[[str, str], tuple[Sequence[str], bool] | None]


def spec_data(spec: Spec, order: Order) -> dict[str, Any]:
    """The plain data of a convcalc YAML file equivalent to ``spec``."""
    w = _Writer(spec, order)
    data: dict[str, Any] = {}
    if spec.name is not None:
        data["name"] = spec.name
    data["framework"] = str(spec.framework)  # an enum member writes as its value
    if spec.layout is not None:
        data["layout"] = str(spec.layout)
    if len(spec.inputs) == 1 and "input" in spec.inputs:
        data["input"] = [_dim(v) for v in spec.inputs["input"]]
    elif spec.inputs:
        data["inputs"] = {k: [_dim(v) for v in shape] for k, shape in spec.inputs.items()}
    if spec.vars:
        data["vars"] = {k: _plain(v) for k, v in spec.vars.items()}
    if spec.blocks:
        data["blocks"] = {name: w.block(b) for name, b in spec.blocks.items()}
    data["layers"] = [w.entry(e) for e in spec.layers]
    if spec.outputs is not None:
        data["outputs"] = list(spec.outputs)
    if spec.expect is not None:
        data["expect"] = _plain(spec.expect)
    return data


def dumps(spec: Spec, order: Order, unicode: bool = True) -> str:
    """``spec`` as YAML text, with a comment line saying where it was read from; ``unicode``
    False: any other character as a YAML escape (``"\\xE9"``), for an output that is not UTF."""
    import yaml

    head = f"# written by convcalc from {spec.source}"
    if spec.imported is not None:
        head += f" ({spec.imported.get('format')})"
    body = yaml.safe_dump(spec_data(spec, order), sort_keys=False, default_flow_style=None, width=100,
                          allow_unicode=unicode)
    return f"{head}\n{body}"


class _Writer:
    def __init__(self, spec: Spec, order: Order) -> None:
        self.spec = spec
        self.order = order

    def block(self, block: BlockSpec) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if block.args:
            out["args"] = {k: _plain(v) for k, v in block.args.items()}
        out["layers"] = [self.entry(e) for e in block.layers]
        return out

    def entry(self, entry: LayerSpec | RepeatSpec) -> Any:
        if isinstance(entry, RepeatSpec):
            rep: dict[str, Any] = {"times": _plain(entry.times),
                                   "layers": [self.entry(e) for e in entry.layers]}
            if entry.name is not None:
                rep["name"] = entry.name
            if entry.trainable is not None:
                rep["trainable"] = entry.trainable
            if entry.share:
                rep["share"] = True
            if entry.each:
                rep["for"] = {k: [self.value(v) for v in vs] for k, vs in entry.each.items()}
            return {"repeat": rep}
        args = self.named(entry)
        meta: dict[str, Any] = {}
        if entry.name is not None:
            meta["name"] = entry.name
        if entry.sources is not None:
            meta["from"] = list(entry.sources) if len(entry.sources) != 1 else entry.sources[0]
        if entry.trainable is not None:
            meta["trainable"] = entry.trainable
        for key, value in (("share", entry.share), ("tie", entry.tie), ("if", entry.when)):
            if value is not None:
                meta[key] = _plain(value)
        if not args and not meta:
            return entry.type
        return {entry.type: {**meta, **args}}

    def named(self, entry: LayerSpec) -> dict[str, Any]:
        """The entry's arguments, positional ones named by the type's positional order."""
        out: dict[str, Any] = {}
        if entry.args:
            block = self.spec.blocks.get(entry.type)
            found = (list(block.args), False) if block is not None else self.order(entry.type,
                                                                                    self.spec.framework)
            if found is None:
                raise ValueError(f"cannot name the positional arguments of {entry.type}")
            order, rest = list(found[0]), found[1]
            values = [self.value(a) for a in entry.args]
            if rest and len(values) >= len(order):  # the last parameter takes the remaining values
                out.update(zip(order[:-1], values, strict=False))
                out[order[-1]] = values[len(order) - 1:]
            elif len(order) < len(values):
                raise ValueError(f"cannot name the positional arguments of {entry.type}")
            else:
                out.update(zip(order, values, strict=False))
        out.update({k: self.value(v) for k, v in entry.kwargs.items()})
        return out

    def value(self, raw: Any) -> Any:
        if isinstance(raw, LayerSpec):  # a wrapped layer: {conv2d: {...}}
            return self.entry(raw) if raw.args or raw.kwargs else {raw.type: None}
        if isinstance(raw, Mapping):
            return {str(k): self.value(v) for k, v in raw.items()}
        if isinstance(raw, list | tuple):
            return [self.value(v) for v in raw]
        return _plain(raw)


def _dim(raw: Any) -> Any:
    """An input size: ``"224"`` (as --input gives it) as 224."""
    return int(raw) if isinstance(raw, str) and raw.isdigit() else _plain(raw)


def _plain(raw: Any) -> Any:
    """Tuples as lists, mappings as dicts, sympy-free plain values."""
    if isinstance(raw, Mapping):
        return {str(k): _plain(v) for k, v in raw.items()}
    if isinstance(raw, list | tuple):
        return [_plain(v) for v in raw]
    return raw
