"""Keras model JSON: ``model.to_json()`` and the ``config.json`` inside a ``.keras`` archive.

Sequential models are a list of layers; Functional ones list every layer with
its ``inbound_nodes``, in Keras 3's form (``__keras_tensor__`` objects whose
``keras_history`` is ``[layer, node, tensor]``) or Keras 2's
(``[[name, node, tensor, kwargs], ...]``).  A nested model (a ``Functional``
or ``Sequential`` layer) becomes a convcalc block.  A layer with several
inbound nodes is a shared layer (or a model called twice): call k is the row
``name@k`` that ``share:``s call 0; a layer returning several tensors (a
recurrent layer's ``return_state``) is read as ``name.k`` by tensor index.  A layer's config keys are
passed to the layer under Keras's own names, which the catalogue's Keras
signatures accept; a class convcalc does not have is an error naming it.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterator, Mapping
from typing import Any

from .._record import replace
from ..core.framework import Layout
from ..errors import Loc, SpecError
from ..spec.model import BlockSpec, LayerSpec, Spec
from . import parse_json
from .keras_ops import op_notes, read_op

MODELS = ("Sequential", "Functional", "Model")
INPUTS = ("InputLayer",)
# config keys that are not layer arguments (the layer's identity and numerics)
META_KEYS = frozenset({"name", "trainable", "dtype", "registered_name", "module", "build_config",
                       "batch_input_shape", "batch_shape", "input_shape", "ragged", "renorm",
                       "renorm_clipping", "renorm_momentum",
                       # no effect on shapes or weights (ReLU's cap and threshold)
                       "max_value", "threshold", "zero_output_for_mask", "implementation"})


def read(text: str, source: str) -> Spec:
    """A Keras model's JSON text -> Spec (framework keras)."""
    data = parse_json(text, source, "Keras model JSON")
    return _Reader(text, source).model(data)


def read_data(data: Mapping[str, Any], source: str) -> Spec:
    """A Keras model config already parsed (``json.loads(model.to_json())``) -> Spec."""
    return _Reader("", source).model(data)


def read_archive(path: str) -> Spec:
    """The ``config.json`` of a ``.keras`` zip archive -> Spec."""
    try:
        with zipfile.ZipFile(path) as z:
            try:
                raw = z.read("config.json")
            except KeyError:
                raise SpecError("the .keras archive holds no config.json", code="keras-no-config",
                                loc=Loc(path)) from None
    except zipfile.BadZipFile as e:
        raise SpecError(f"the .keras archive is not a valid zip file: {e}", code="keras-not-zip",
                        loc=Loc(path)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SpecError("config.json in the .keras archive is not UTF-8 text", code="bad-json",
                        loc=Loc(path)) from None
    return read(text, path)


def unsized_error(spec: Spec, unsized: Mapping[str, tuple[int, ...]]) -> SpecError:
    """The error for inputs of no size (``None``), which only ``--input`` can give: it names the axes."""
    def axes(name: str) -> str:
        shape = spec.inputs[name]
        sizes = ", ".join("None" if v is None else str(v) for v in shape) + ("," if len(shape) == 1 else "")
        axes = unsized[name]
        return (f"input {name!r} of shape ({sizes}) has no size on ax{'es' if len(axes) > 1 else 'is'} "
                + " and ".join(map(str, axes)) + " (after the batch axis)")

    first = next(iter(unsized))
    loc = (spec.imported or {}).get("unsized_loc") or spec.input_loc
    if len(spec.inputs) > 1:
        told = "; ".join(axes(name) for name in unsized)
        return SpecError(f"the Keras model's {told}: --input gives the shape of a model's one input, "
                         f"and this model has {len(spec.inputs)} inputs; save it with fixed sizes "
                         "(keras.Input(shape=(10, 16)) instead of (None, 16))",
                         code="keras-unsized-input", loc=loc)
    example = "x".join("32" if v is None else str(v) for v in spec.inputs[first])
    return SpecError(f"the Keras model's {axes(first)}: give the sizes with --input (-i), e.g. -i {example}",
                     code="keras-unsized-input", loc=loc, hint=f"analyze(spec, input={example!r}) "
                     "in Python; a free name (-i with a letter for the axis) leaves the size symbolic")


class _Reader:
    def __init__(self, text: str, source: str) -> None:
        self.text = text
        self.source = source
        self.blocks: dict[str, BlockSpec] = {}
        self.made: dict[int, str] = {}  # a nested model's entry -> its block (a model called twice: one)
        self.notes: list[str] = []  # one a keras.ops node with a number (merged in model())
        self.channels_first = False  # every data_format in the file is channels_first

    def loc(self, name: str | None) -> Loc:
        """Where a layer's ``"name": "..."`` is written (JSON has no other positions to give)."""
        if name is None:
            return Loc(self.source)
        m = re.search(r'"name"\s*:\s*' + re.escape(json.dumps(name)), self.text)
        if m is None:
            return Loc(self.source)
        off = m.start()
        return Loc(self.source, self.text.count("\n", 0, off) + 1,
                   off - (self.text.rfind("\n", 0, off) + 1) + 1)

    def fail(self, message: str, *, code: str, name: str | None = None) -> SpecError:
        return SpecError(message, code=code, loc=self.loc(name))

    def model(self, data: Any) -> Spec:
        if not isinstance(data, Mapping) or data.get("class_name") not in MODELS:
            got = data.get("class_name") if isinstance(data, Mapping) else type(data).__name__
            raise self.fail(f"a Keras model JSON has class_name Sequential or Functional at its top, "
                            f"not {got!r}", code="keras-not-a-model")
        config = _mapping(data.get("config"))
        top_build = _mapping(data.get("build_config"))
        formats = _data_formats(data)  # {"channels_first": first layer saying so, ...}
        self.channels_first = set(formats) == {"channels_first"}
        inputs, layers, outputs = self.graph(data["class_name"], config, top_build, top=True)
        if config.get("trainable") is False:  # model.trainable = False: every weight frozen
            layers = [replace(ls, trainable=False) for ls in layers]
        # Input((None, 16)): sizes the file leaves open, given by --input (api.analyze asks for them)
        unsized = {name: tuple(i + 1 for i, v in enumerate(shape) if v is None)
                   for name, shape in inputs.items() if None in shape}
        imported: dict[str, Any] = {"format": "keras-json", "notes": op_notes(self.notes),
                                    "data_formats": formats}
        if self.channels_first:
            says = formats["channels_first"]
            imported["notes"] += (f"layout channels_first, as every layer that has a data_format says "
                                  f"({len(says)} of them, {says[0]!r} first)",)
        if unsized:
            imported["unsized"] = unsized
            first = next(iter(unsized))  # a Sequential's input has no name in the file
            imported["unsized_loc"] = Loc(self.source, 1, 1) if first == "input" else self.loc(first)
        return Spec(source=self.source, layers=tuple(layers), inputs=inputs,
                    name=config.get("name"), framework="keras", blocks=dict(self.blocks),
                    layout=Layout.CHANNELS_FIRST if self.channels_first else None,
                    outputs=outputs, loc=Loc(self.source, 1, 1), input_loc=Loc(self.source, 1, 1),
                    framework_loc=Loc(self.source, 1, 1), imported=imported)

    def graph(self, kind: str, config: Mapping[str, Any], build: Mapping[str, Any], *, top: bool,
              ) -> tuple[dict[str, tuple[Any, ...]], list[LayerSpec], tuple[str, ...] | None]:
        """A model's inputs, layers and outputs; inside a block, its input is ``in``."""
        raw_layers = config.get("layers")
        if not isinstance(raw_layers, list):
            raise self.fail(f"the {kind} model {config.get('name')!r} has no `layers` list",
                            code="keras-no-layers", name=config.get("name"))
        if kind == "Sequential":
            return self.sequential(config, raw_layers, build, top=top)
        return self.functional(config, raw_layers, top=top)

    def sequential(self, config: Mapping[str, Any], raw_layers: list[Any], build: Mapping[str, Any],
                   *, top: bool) -> tuple[dict[str, tuple[Any, ...]], list[LayerSpec], None]:
        inputs: dict[str, tuple[Any, ...]] = {}
        layers: list[LayerSpec] = []
        shape = config.get("build_input_shape") or build.get("input_shape")
        for entry in raw_layers:
            cls, cfg = _class(entry)
            if cls in INPUTS:
                shape = _batch_shape(cfg) or shape
                continue
            layers.append(self.layer(entry, None if layers or top else ("in",)))
        if shape is not None and top:
            inputs["input"] = tuple(shape[1:])
        if not layers:
            raise self.fail(f"the Sequential model {config.get('name')!r} has no layers",
                            code="keras-no-layers", name=config.get("name"))
        return inputs, layers, None

    def functional(self, config: Mapping[str, Any], raw_layers: list[Any], *, top: bool,
                   ) -> tuple[dict[str, tuple[Any, ...]], list[LayerSpec], tuple[str, ...]]:
        """Every call of every layer, in an order where each reads only earlier ones.

        A layer called several times (a shared layer, or a nested model called twice) appears once
        with several inbound nodes: call 0 is the layer under its name, call k the row ``name@k``
        with ``share: name`` (SPEC §11: its weights count once, its MACs at every call)."""
        inputs: dict[str, tuple[Any, ...]] = {}
        input_names: list[str] = []
        entries: dict[str, Any] = {}
        calls: list[tuple[str, int, Any]] = []  # (layer, node index, node)
        for entry in raw_layers:
            cls, cfg = _class(entry)
            name = str(_mapping(entry).get("name") or cfg.get("name"))
            if cls in INPUTS:
                shape = _batch_shape(cfg)
                if shape is None:
                    raise self.fail(f"the InputLayer {name!r} gives no shape", code="keras-no-input-shape",
                                    name=name)
                inputs[name] = tuple(shape[1:])
                input_names.append(name)
                continue
            entries[name] = entry
            nodes = _mapping(entry).get("inbound_nodes") or [None]
            calls += [(name, k, node) for k, node in enumerate(nodes)]
        if not top and len(input_names) != 1:
            raise self.fail(f"the nested model {config.get('name')!r} has {len(input_names)} inputs: "
                            "nested models with several inputs are not read yet",
                            code="keras-nested-inputs", name=config.get("name"))
        out_triples = _triples(config.get("output_layers"))
        if not top and len(out_triples) != 1:
            raise self.fail(f"the nested model {config.get('name')!r} has {len(out_triples)} outputs: "
                            "nested models with several outputs are not read yet",
                            code="keras-nested-outputs", name=config.get("name"))
        several = {name for name, entry in entries.items() if _several_outputs(entry)}
        several |= {layer for _c, _k, node in calls for layer, _n, t in _history(node) if t > 0}
        several |= {t[0] for t in out_triples if _node_tensor(t)[2] != 0}
        known = {(name, k) for name, k, _node in calls}

        def ref(layer: str, node: int, tensor: int, reader: str) -> str:
            if layer in input_names:
                return "in" if not top else layer
            if (layer, node) not in known:
                raise self.fail(f"layer {reader!r} reads node {node} of {layer!r}, which the model does not "
                                "have", code="keras-bad-node", name=reader)
            base = layer if node == 0 else f"{layer}@{node}"
            return f"{base}.{tensor}" if layer in several else base

        layers: list[LayerSpec] = []
        # A block reads as its last layer: a nested model's output call comes last (nothing reads it).
        last = {_node_tensor(t)[:2] for t in out_triples} if not top else set()
        calls = [c for c in calls if c[:2] not in last] + [c for c in calls if c[:2] in last]
        for name, k, node in _in_order(calls, set(input_names)):
            sources = (None if node is None else
                       tuple(ref(layer, n, t, name) for layer, n, t in _history(node)))
            spec = self.layer(entries[name], sources)
            if k:
                spec = replace(spec, name=f"{name}@{k}", share=name, trainable=None)
            layers.append(spec)
        outputs = tuple(ref(*_node_tensor(t), "outputs") for t in out_triples)
        return (inputs if top else {}), layers, outputs

    def layer(self, entry: Any, sources: tuple[str, ...] | None) -> LayerSpec:
        cls, cfg = _class(entry)
        name = str(_mapping(entry).get("name") or cfg.get("name"))
        trainable = False if cfg.get("trainable") is False else None
        loc = self.loc(name)
        if cls in MODELS:
            block = self.made.get(id(entry))
            if block is None:
                build = _mapping(_mapping(entry).get("build_config"))
                block = self.made[id(entry)] = self.nested(cls, cfg, build)
            return LayerSpec(type=block, name=name, sources=sources, loc=loc, trainable=trainable)
        module = str(_mapping(entry).get("module") or "")
        if module.startswith(("keras.src.ops.", "keras.ops")):  # x + y, ops.concatenate: not a layer
            spec, note = read_op(_mapping(entry), cls, cfg, module, name, sources, loc)
            if note:
                self.notes.append(note)
            return spec
        if not _keras_class(cls):
            raise SpecError(f"Keras layer class {cls!r} (layer {name!r}) is not in convcalc's catalogue",
                            code="keras-unknown-class", loc=loc)
        # Keras's axis=-1 is the last axis whatever the layout: kept written under channels_first
        kwargs = {k: _arg(v) for k, v in _constructor_config(cls, cfg).items()
                  if k not in META_KEYS and v is not None
                  and not (_default(cls, k, v) and not (k == "axis" and self.channels_first))}
        if cls == "Bidirectional" and "merge_mode" in cfg and cfg["merge_mode"] is None:
            kwargs["merge_mode"] = None  # the two directions apart (None is not the default here)
        return LayerSpec(type=cls, kwargs=kwargs, name=name, sources=sources, loc=loc,
                         trainable=trainable)

    def nested(self, cls: str, cfg: Mapping[str, Any], build: Mapping[str, Any]) -> str:
        """A model used as a layer: a block holding its layers, named after the model."""
        from ..layers.registry import is_type_name

        base = str(cfg.get("name") or cls.lower())
        name = base if not is_type_name(base) else f"{base}_model"
        while name in self.blocks:
            name += "_"
        _inputs, layers, _outputs = self.graph("Sequential" if cls == "Sequential" else "Functional",
                                               cfg, build, top=False)
        self.blocks[name] = BlockSpec(name, {}, tuple(layers), self.loc(cfg.get("name")))
        return name


def _data_formats(data: Any) -> dict[str, list[str]]:
    """Every layer's ``data_format`` in the model (nested models and wrapped layers too): each value
    -> the names of the layers that say it, in the file's order."""
    found: dict[str, list[str]] = {}
    stack = [data]
    while stack:  # without recursion: a deep nesting is refused later, with its own message
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, Mapping):
            cfg = item.get("config")
            if isinstance(cfg, Mapping) and "class_name" in item:
                fmt = cfg.get("data_format")
                if isinstance(fmt, str):
                    found.setdefault(fmt, []).append(str(cfg.get("name")))
                stack.extend(reversed([v for k, v in cfg.items() if isinstance(v, list | Mapping)
                                       and k not in ("dtype", "build_config")]))
    return found


# Keras's defaults, left out of the rows' labels (the catalogue's Keras signatures have the same)
KERAS_DEFAULTS = {"data_format": "channels_last", "use_bias": True, "axis": -1,
                  "center": True, "scale": True, "keepdims": False, "depth_multiplier": 1}


def _constructor_config(cls: str, cfg: Mapping[str, Any]) -> Mapping[str, Any]:
    """A layer's config as its constructor takes it.

    Keras writes some values after normalising them: ZeroPadding2D(-1) (one negative int, which
    crops every side, the only negative Keras's constructor takes) is saved as ((-1, -1), (-1, -1)),
    which the constructor would refuse; and the ConvLSTM layers save their base class's `unroll`,
    which their constructor does not take.
    """
    out = dict(cfg)
    if cls.startswith("ConvLSTM"):
        out.pop("unroll", None)
    pad = out.get("padding")
    if cls in ("ZeroPadding2D", "ZeroPadding3D") and isinstance(pad, list) and pad:
        flat = [v for pair in pad if isinstance(pair, list) for v in pair]
        if len(flat) == 2 * len(pad) and len(set(flat)) == 1 and isinstance(flat[0], int) and flat[0] < 0:
            out["padding"] = flat[0]
    return out


def _default(cls: str, key: str, value: Any) -> bool:
    if key in KERAS_DEFAULTS:
        return bool(value == KERAS_DEFAULTS[key] and type(value) is type(KERAS_DEFAULTS[key]))
    ones = (isinstance(value, list) and all(v == 1 for v in value)) or value == 1
    return (key == "dilation_rate" and ones) or (key in ("strides", "groups") and "Conv" in cls and ones)


def _keras_class(cls: str) -> bool:
    """Whether the catalogue has ``cls`` as one of Keras's class names (not only a convcalc spelling)."""
    from ..layers.registry import lookup

    try:
        return lookup(cls, "keras").spelling == "keras"
    except SpecError:
        return False


def _mapping(raw: Any) -> Mapping[str, Any]:
    return raw if isinstance(raw, Mapping) else {}


def _class(entry: Any) -> tuple[str, Mapping[str, Any]]:
    entry = _mapping(entry)
    return str(entry.get("class_name")), _mapping(entry.get("config"))


def _batch_shape(cfg: Mapping[str, Any]) -> list[Any] | None:
    shape = cfg.get("batch_shape") or cfg.get("batch_input_shape")
    return list(shape) if isinstance(shape, list) else None


def _arg(value: Any) -> Any:
    """A config value as a layer argument: tuples stay lists; a nested layer's config is its layer."""
    if isinstance(value, Mapping) and "class_name" in value and "config" in value:
        cls, cfg = _class(value)
        return {cls: {k: _arg(v) for k, v in cfg.items() if k not in META_KEYS and v is not None}}
    if isinstance(value, list):
        return [_arg(v) for v in value]
    return value


def _triples(raw: Any) -> list[list[Any]]:
    """``input_layers``/``output_layers``: a flat ``[name, 0, 0]`` for one tensor, else a list of them."""
    if not isinstance(raw, list) or not raw:
        return []
    if isinstance(raw[0], str):
        return [raw]
    return [t for t in raw if isinstance(t, list) and t and isinstance(t[0], str)]


def _node_tensor(triple: list[Any]) -> tuple[str, int, int]:
    """``[name, node, tensor]`` (Keras writes all three; a missing one is 0)."""
    node, tensor = ([int(v) if isinstance(v, int) else 0 for v in triple[1:3]] + [0, 0])[:2]
    return str(triple[0]), node, tensor


def _several_outputs(entry: Any) -> bool:
    """Whether a layer returns several tensors: a recurrent layer with ``return_state``, a
    Bidirectional around one, or with ``merge_mode`` None (the two directions apart)."""
    cls, cfg = _class(entry)
    if cls == "Bidirectional":
        inner = _mapping(_mapping(cfg.get("layer")).get("config"))
        return inner.get("return_state") is True or ("merge_mode" in cfg and cfg["merge_mode"] is None)
    recurrent = cls in ("LSTM", "GRU", "SimpleRNN") or cls.startswith("ConvLSTM")
    return recurrent and cfg.get("return_state") is True


def _in_order(calls: list[tuple[str, int, Any]], inputs: set[str]) -> list[tuple[str, int, Any]]:
    """The calls in Keras's order, except that each comes after the calls it reads (a shared layer is
    listed once, where Keras first met it, but its later calls may read layers listed after it)."""
    by_key = {(name, k): (name, k, node) for name, k, node in calls}
    done: set[tuple[str, int]] = set()
    out: list[tuple[str, int, Any]] = []
    for call in calls:
        stack = [(call[:2], False)]
        while stack:  # depth first, without recursion (a deep chain in an odd order)
            key, ready = stack.pop()
            if key in done:
                continue
            if ready:
                done.add(key)
                out.append(by_key[key])
                continue
            stack.append((key, True))
            for layer, n, _t in reversed(list(_history(by_key[key][2]))):
                dep = (layer, n)
                if layer not in inputs and dep in by_key and dep not in done:
                    stack.append((dep, False))
    return out


def _history(node: Any) -> Iterator[tuple[str, int, int]]:
    """The tensors a call node reads, in order: Keras 3 ``keras_history`` or Keras 2 lists."""
    if isinstance(node, Mapping):
        if node.get("class_name") == "__keras_tensor__":
            hist = _mapping(node.get("config")).get("keras_history")
            if isinstance(hist, list) and len(hist) >= 3:
                yield str(hist[0]), int(hist[1]), int(hist[2])
            return
        yield from _history(node.get("args", []))
        # Keras 3 writes a recurrent layer's initial_state among the call's keyword arguments
        yield from _history(_mapping(node.get("kwargs")).get("initial_state") or [])
        return
    if isinstance(node, list):
        if len(node) >= 3 and isinstance(node[0], str) and isinstance(node[1], int):  # Keras 2
            yield node[0], node[1], int(node[2])
            return
        for item in node:
            yield from _history(item)
