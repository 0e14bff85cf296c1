"""``convcalc --schema``: the JSON Schema (draft 2020-12) of the spec format.

Generated from the layer registry and each parameter's :class:`~convcalc.core.params.Kind`
(its ``schema`` field), so it cannot drift from what the parser accepts:
a new layer type or argument appears here without a change to this module.
YAML language servers use it to validate and complete architecture files
(``# yaml-language-server: $schema=convcalc.schema.json``).

Where the loader is strict (top-level keys, argument names of a known
layer type, ``expect:``), the schema says ``additionalProperties: false``.
Layer *types* stay open: a block defined under ``blocks:`` is used like a
layer type, and type names are matched ignoring case and ``_``, which a
schema cannot express; every registered spelling is listed for completion.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .core import params as A
from .core.expect import KEYS as EXPECT_KEYS
from .core.expect import LAYER_KEYS as EXPECT_LAYER_KEYS
from .core.framework import Spelling
from .layers.base import Layer
from .layers.registry import REGISTRY
from .spec.model import INPUT_KEYS

DRAFT = "https://json-schema.org/draft/2020-12/schema"
REF_LAYERS = {"$ref": "#/$defs/layers"}
REF_SHAPE = {"$ref": "#/$defs/shape"}
NAME = {"type": ["string", "integer"]}
TRAINABLE = {"type": "boolean", "description": "false: the weights are frozen (non-trainable)"}
SHARE = {"type": ["string", "integer"], "description": "the same module as this earlier layer (SPEC §11)"}
TIE = {"type": ["string", "integer"], "description": "a dense whose weight is this earlier layer's"}
WHEN = {"type": ["boolean", "string"], "description": "a condition; when false the layer passes its input"}
META = {"share": SHARE, "tie": TIE, "if": WHEN}
FROM = {
    "anyOf": [
        {"type": ["string", "integer"]},
        {"type": "array", "items": {"type": ["string", "integer"]}, "minItems": 1},
    ]
}
COUNT = {
    "anyOf": [
        {"type": "integer"},
        {"type": "string", "pattern": r"^\s*[0-9][0-9_,]*(\.[0-9]+)?\s*[KkMmGgTt]?\s*$"},
    ]
}


def _param_names(layer: Layer) -> dict[str, A.Param]:
    names: dict[str, A.Param] = {}
    for p in layer.params:
        for n in p.names:
            names.setdefault(n, p)
    return names


class _Kinds:
    """Each distinct kind schema once, under ``$defs``, referred to from every argument."""

    def __init__(self) -> None:
        self.defs: dict[str, Any] = {}
        self._keys: dict[str, str] = {}

    def ref(self, kind: A.Kind) -> dict[str, Any]:
        import json

        text = json.dumps(kind.schema, sort_keys=True)
        if text not in self._keys:
            nullable = any(o == {"type": "null"} for o in kind.schema.get("anyOf", ()))
            key = f"kind.{kind.name}{' or null' if nullable else ''}"
            n = 1
            while key in self.defs:
                n += 1
                key = f"kind.{kind.name} ({n})"
            self._keys[text] = key
            self.defs[key] = {"description": kind.name, **kind.schema}
        return {"$ref": f"#/$defs/{_escape(self._keys[text])}"}


def _args(layer: Layer, order: Sequence[str], kinds: _Kinds) -> dict[str, Any]:
    """What may follow a layer type: nothing, one scalar, a positional list or named arguments."""
    named: dict[str, Any] = {n: kinds.ref(p.kind) for n, p in _param_names(layer).items()}
    own_ignored = {n: {} for n in sorted(layer.ignored) if n not in named}
    mapping = {
        "type": "object",
        "properties": {**named, "name": NAME, "from": FROM, "trainable": TRAINABLE, **META, **own_ignored},
        # arguments without shape effect, accepted by every layer (evaluated by this $ref)
        "allOf": [{"$ref": "#/$defs/ignored_args"}],
        "unevaluatedProperties": False,
    }
    options: list[Any] = [{"type": "null"}, mapping]
    if order:
        by_name = {p.name: p for p in layer.params}
        first = by_name.get(order[0])
        scalar = kinds.ref(first.kind) if first is not None else {}
        options.append({"allOf": [{"not": {"type": ["array", "object", "null"]}}, scalar]})
        items = [kinds.ref(by_name[n].kind) if n in by_name else {} for n in order]
        options.append({"type": "array", "prefixItems": items, "maxItems": len(order)})
        last = by_name.get(order[-1])
        if last is not None and last.variadic:  # `- reshape: [3, 5]`: the sizes themselves
            sizes = {"anyOf": [{"type": "integer"}, {"type": "string"}]}
            head = {"prefixItems": items[:-1]} if len(items) > 1 else {}
            options.append({"type": "array", **head, "items": sizes})
    return {"anyOf": options}


def _spellings(layer: Layer) -> dict[str, tuple[str, ...]]:
    """Every name the layer answers to, with the positional order it implies."""
    names: dict[str, list[tuple[str, ...]]] = {}
    own = [layer.kind, *(f"{layer.kind}{r}d" for r in layer.ranks)]
    own += [*layer.aliases, *(f"{a}{r}d" for a in layer.aliases for r in layer.ranks)]
    for n in own:
        names.setdefault(n, []).append(tuple(layer.order))
    for spelling, classes, default in ((Spelling.TORCH, layer.torch, layer.framework_order(Spelling.TORCH)),
                                       (Spelling.KERAS, layer.keras, layer.framework_order(Spelling.KERAS))):
        for n in classes:
            form = layer.call_form(n, spelling)  # the class's own order (LazyConv2d has no in_channels)
            names.setdefault(n, []).append(form.order if form is not None else tuple(default))
    # A name both frameworks use (Embedding) takes either order: allow the longer.
    return {n: max(orders, key=len) for n, orders in names.items()}


def _layer_defs() -> tuple[dict[str, Any], dict[str, Any]]:
    """(``$defs`` entries per layer kind and order, properties of a layer entry by type name)."""
    kinds = _Kinds()
    defs: dict[str, Any] = {}
    props: dict[str, Any] = {}
    for layer in REGISTRY.values():
        for name, order in sorted(_spellings(layer).items()):
            key = f"args.{layer.kind}({','.join(order)})"
            if key not in defs:
                defs[key] = {"title": layer.kind, "description": layer.doc,
                             **_args(layer, order, kinds)}
            props[name] = {"$ref": f"#/$defs/{_escape(key)}"}
    return {**kinds.defs, **defs}, props


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _expect() -> dict[str, Any]:
    props: dict[str, Any] = {k: COUNT for k in EXPECT_KEYS if k not in ("output", "layers")}
    props["output"] = {"anyOf": [REF_SHAPE, {"type": "object", "additionalProperties": REF_SHAPE}]}
    # a layer with several outputs (split): {name.k: shape} or a list of shapes
    several = [{"type": "object", "additionalProperties": REF_SHAPE}, {"type": "array", "items": REF_SHAPE}]
    layer_output = {"anyOf": [REF_SHAPE, *several]}
    layer = {
        "type": "object",
        "properties": {k: (layer_output if k == "output" else COUNT) for k in EXPECT_LAYER_KEYS},
        "additionalProperties": False,
    }
    props["layers"] = {"type": "object", "additionalProperties": layer}
    return {"type": "object", "properties": props, "additionalProperties": False}


def schema() -> dict[str, Any]:
    """The JSON Schema of a convcalc spec file."""
    from .core.framework import FRAMEWORK_ALIASES, FRAMEWORKS, LAYOUTS
    from .spec.loader import TOP_KEYS
    arg_defs, type_props = _layer_defs()
    names = sorted(type_props)
    repeat = {
        "type": "object",
        "properties": {"times": A.POSITIVE.schema, "layers": REF_LAYERS, "name": NAME,
                       "trainable": TRAINABLE, "share": {"type": "boolean"},
                       "for": {"type": "object", "additionalProperties": {"type": "array"}}},
        "required": ["layers"],
        "additionalProperties": False,
    }
    entry = {
        "anyOf": [
            {"anyOf": [{"enum": names}, {"type": "string"}],
             "description": "a bare layer type (`flatten`) or a call (`Conv2d(1, 32, 5)`)"},
            {
                "type": "object",
                "description": "`type: arguments`, with optional `name` and `from`",
                "properties": {
                    "name": NAME, "from": FROM, "trainable": TRAINABLE, **META, **type_props,
                    # `repeat: {times, layers}` unrolls layers; a layer type may also be called so
                    "repeat": {"anyOf": [repeat, type_props["repeat"]]} if "repeat" in type_props
                    else repeat,
                },
                # a block defined under `blocks:` is used like a layer type
                "additionalProperties": {"$ref": "#/$defs/block_args"},
                "minProperties": 1,
            },
        ]
    }
    top: dict[str, Any] = {
        "name": NAME,
        "description": {"type": "string"},
        "framework": {"enum": [*FRAMEWORKS, *FRAMEWORK_ALIASES]},
        "layout": {"enum": list(LAYOUTS)},
        "input": REF_SHAPE,
        "inputs": {"type": "object", "additionalProperties": REF_SHAPE, "minProperties": 1},
        "vars": {
            "type": "object",
            "propertyNames": {"pattern": r"^[A-Za-z_][A-Za-z0-9_]*$"},
            "additionalProperties": {"anyOf": [
                A.INTEGER.schema, {"type": "null"},
                # a free name with a range (SPEC §4): vars: {p: {min: 0}}
                {"type": "object", "additionalProperties": False,
                 "properties": {"min": {"type": "integer"}, "max": {"type": "integer"}}}]},
        },
        "layers": REF_LAYERS,
        "blocks": {
            "type": "object",
            "additionalProperties": {
                "anyOf": [
                    REF_LAYERS,
                    {
                        "type": "object",
                        "properties": {
                            "args": {"anyOf": [{"type": "object"},
                                               {"type": "array", "items": {"type": "string"}}]},
                            "layers": REF_LAYERS,
                        },
                        "required": ["layers"],
                        "additionalProperties": False,
                    },
                ]
            },
        },
        "outputs": FROM,
        "expect": _expect(),
    }
    missing = [k for k in TOP_KEYS if k not in top]
    for key in missing:  # a key the loader learnt after this module: accepted, not described
        top[key] = {}
    return {
        "$schema": DRAFT,
        "$id": "https://github.com/convcalc/convcalc/schema/spec.json",
        "title": "convcalc spec",
        "description": "A network for convcalc: an input shape and a list of layers (SPEC §1).",
        "type": "object",
        "properties": {k: top[k] for k in TOP_KEYS},
        "required": ["layers"],
        "additionalProperties": False,
        "$defs": {
            "shape": A.SHAPE.schema,
            "layers": {"type": "array", "items": {"$ref": "#/$defs/layer"}, "minItems": 1},
            "layer": entry,
            "ignored_args": {
                "properties": {n: {} for n in sorted({*A.IGNORED, *INPUT_KEYS})},
            },
            "block_args": {"type": ["null", "object", "array", "string", "integer", "number",
                                    "boolean"]},
            **arg_defs,
        },
    }


def dumps(doc: Mapping[str, Any] | None = None) -> str:
    import json

    return json.dumps(doc if doc is not None else schema(), indent=2, ensure_ascii=False)
