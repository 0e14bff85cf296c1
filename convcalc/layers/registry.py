"""The registry: every layer type under all its spellings (SPEC §2), found by :func:`lookup`.

Family modules register their classes when :mod:`convcalc.layers` is
imported (its ``__init__`` imports the catalogue), so whoever imports this
registry through the package finds it full.
"""

from __future__ import annotations

from typing import NamedTuple

from ..errors import SpecError, did_you_mean
from .base import Layer


class Resolved(NamedTuple):
    """A type name as written, resolved: the layer, its rank, whose spelling."""

    layer: Layer
    rank: int | None
    spelling: str  # "convcalc" | "torch" | "keras"

    @property
    def order(self) -> tuple[str, ...]:
        if self.spelling == "torch":
            return self.layer.torch_order
        if self.spelling == "keras":
            return self.layer.keras_order
        return self.layer.order


REGISTRY: dict[str, Layer] = {}  # kind -> layer
_NORMAL: dict[str, tuple[Layer, int | None]] = {}
_TORCH: dict[str, tuple[Layer, int | None]] = {}
_KERAS: dict[str, tuple[Layer, int | None]] = {}
# Class names of the two frameworks that are one word when case is ignored but different
# layers (PyTorch's MultiheadAttention, Keras's MultiHeadAttention): folded name -> framework -> layer.
_FOLDED: dict[str, dict[str, tuple[Layer, int | None]]] = {}
_OWN: set[str] = set()  # convcalc's own spellings, folded


def normalize(name: str) -> str:
    return name.replace("_", "").lower()


def register(cls: type[Layer]) -> type[Layer]:
    """Class decorator: put a layer type in the catalogue under all its names."""
    layer = cls()
    if layer.kind in REGISTRY:
        raise RuntimeError(f"layer kind {layer.kind!r} registered twice")
    REGISTRY[layer.kind] = layer
    spellings: list[tuple[str, int | None]] = [(layer.kind, None)]
    spellings += [(f"{layer.kind}{r}d", r) for r in layer.ranks]
    spellings += [(a, None) for a in layer.aliases]
    spellings += [(f"{a}{r}d", r) for a in layer.aliases for r in layer.ranks]
    for name, rank in spellings:
        _add(_NORMAL, normalize(name), layer, rank)
        _OWN.add(normalize(name))
    for table, names, fw in ((_TORCH, layer.torch, "pytorch"), (_KERAS, layer.keras, "keras")):
        for name, rank in names.items():
            _add(table, name, layer, rank)
            key = normalize(name)
            held = _NORMAL.setdefault(key, (layer, rank))
            if key in _OWN:  # convcalc's own spelling of a layer keeps its name
                continue
            if held[0] is not layer or key in _FOLDED:
                _FOLDED.setdefault(key, {}).setdefault(fw, (layer, rank))
                _FOLDED[key].setdefault("pytorch" if fw == "keras" else "keras", held)
    return cls


def _add(table: dict[str, tuple[Layer, int | None]], key: str, layer: Layer, rank: int | None) -> None:
    if key in table and table[key][0] is not layer:
        raise RuntimeError(f"layer name {key!r} claimed by {table[key][0].kind} and {layer.kind}")
    table[key] = (layer, rank)


_PREFIXES = ("torch.nn.", "tf.keras.layers.", "keras.layers.", "nn.", "layers.")


def lookup(written: str, framework: str) -> Resolved:
    """Find a layer type by any of its spellings (SPEC §2)."""
    name = written.strip()
    for prefix in _PREFIXES:
        if name.lower().startswith(prefix):
            name = name[len(prefix) :]
            break
    in_torch, in_keras = name in _TORCH, name in _KERAS
    if in_torch and in_keras:
        pick = _KERAS if framework == "keras" else _TORCH
        layer, rank = pick[name]
        return Resolved(layer, rank, "keras" if framework == "keras" else "torch")
    if in_torch:
        return Resolved(*_TORCH[name], "torch")
    if in_keras:
        return Resolved(*_KERAS[name], "keras")
    key = normalize(name)
    if key in _FOLDED:  # folded to one word, the framework's class decides
        fw = "keras" if framework == "keras" else "pytorch"
        return Resolved(*_FOLDED[key][fw], "keras" if fw == "keras" else "torch")
    if key in _NORMAL:
        return Resolved(*_NORMAL[key], "convcalc")
    raise SpecError(f"unknown layer type `{written}`" + did_you_mean(name, all_names()))


def is_type_name(word: str) -> bool:
    """Whether ``word`` names a layer type in some spelling (the inline parser asks)."""
    if not _KNOWN:
        _KNOWN.update(normalize(n) for n in all_names())
    return normalize(word) in _KNOWN


_KNOWN: set[str] = set()


def all_names() -> list[str]:
    names = set()
    for layer in REGISTRY.values():
        names.add(layer.kind)
        names.update(f"{layer.kind}{r}d" for r in layer.ranks)
        names.update(layer.aliases)
        names.update(layer.torch)
        names.update(layer.keras)
    return sorted(names)
