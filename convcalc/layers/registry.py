"""The registry: every layer type under all its spellings (SPEC §2), found by :func:`lookup`.

Family modules register their classes when :mod:`convcalc.layers` is
imported (its ``__init__`` imports the catalogue), so whoever imports this
registry through the package finds it full.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from .._record import NamedTuple
from ..core.framework import Framework, Spelling
from ..core.params import CallForm
from ..errors import SpecError, did_you_mean
from .base import Layer


class Resolved(NamedTuple):
    """A type name as written, resolved: the layer, its rank, whose spelling."""

    layer: Layer
    rank: int | None
    spelling: Spelling
    cls: str = ""  # the framework's class name, for its spellings

    @property
    def order(self) -> tuple[str, ...]:
        form = self.form
        if form is not None:
            return form.order
        if self.spelling in (Spelling.TORCH, Spelling.KERAS):
            return self.layer.framework_order(self.spelling)
        return self.layer.order

    @property
    def form(self) -> CallForm | None:
        """The framework class's own call form, when the layer declares its signature."""
        return self.layer.call_form(self.cls, self.spelling) if self.cls else None


REGISTRY: dict[str, Layer] = {}  # kind -> layer
_NORMAL: dict[str, tuple[Layer, int | None]] = {}
_TORCH: dict[str, tuple[Layer, int | None]] = {}
_KERAS: dict[str, tuple[Layer, int | None]] = {}
_FROM_CLASS: dict[str, str] = {}  # _NORMAL keys that only a framework's class name put there
# Class names of the two frameworks that are one word when case is ignored but different
# layers (PyTorch's MultiheadAttention, Keras's MultiHeadAttention): folded name -> framework ->
# (layer, rank, class name).
_FOLDED: dict[str, dict[str, tuple[Layer, int | None, str]]] = {}
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
        key = normalize(name)
        if _FROM_CLASS.pop(key, None) is not None:
            del _NORMAL[key]  # convcalc's own name wins over a class name read loosely
            _FOLDED.pop(key, None)
        _add(_NORMAL, key, layer, rank)
        _OWN.add(key)
    for table, names, fw in ((_TORCH, layer.torch, Framework.PYTORCH),
                             (_KERAS, layer.keras, Framework.KERAS)):
        for name, rank in names.items():
            _add(table, name, layer, rank)
            key = normalize(name)
            if key in _OWN:  # convcalc's own spelling of a layer keeps its name
                continue
            held = _NORMAL.get(key)
            if held is None:
                _NORMAL[key] = (layer, rank)
                _FROM_CLASS[key] = name
            elif held[0] is not layer or key in _FOLDED:
                other = Framework.PYTORCH if fw is Framework.KERAS else Framework.KERAS
                _FOLDED.setdefault(key, {}).setdefault(fw, (layer, rank, name))
                _FOLDED[key].setdefault(other, (*held, _FROM_CLASS[key]))
    return cls


def _add(table: dict[str, tuple[Layer, int | None]], key: str, layer: Layer, rank: int | None) -> None:
    if key in table and table[key][0] is not layer:
        raise RuntimeError(f"layer name {key!r} claimed by {table[key][0].kind} and {layer.kind}")
    table[key] = (layer, rank)


_PREFIXES = ("torch.nn.", "tf.keras.layers.", "keras.layers.", "nn.", "layers.")


def lookup(written: str, framework: str, blocks: Collection[str] = ()) -> Resolved:
    """Find a layer type by any of its spellings (SPEC §2).

    ``blocks``: the spec's block names, suggested when the word is no layer type.
    """
    name = written.strip()
    for prefix in _PREFIXES:
        if name.lower().startswith(prefix):
            name = name[len(prefix) :]
            break
    in_torch, in_keras = name in _TORCH, name in _KERAS
    if in_torch and in_keras:
        keras = framework == Framework.KERAS
        layer, rank = (_KERAS if keras else _TORCH)[name]
        return Resolved(layer, rank, Spelling.KERAS if keras else Spelling.TORCH, name)
    if in_torch:
        return Resolved(*_TORCH[name], Spelling.TORCH, name)
    if in_keras:
        return Resolved(*_KERAS[name], Spelling.KERAS, name)
    key = normalize(name)
    if key in _FOLDED:  # folded to one word, the framework's class decides
        fw = Framework.KERAS if framework == Framework.KERAS else Framework.PYTORCH
        layer, rank, cls = _FOLDED[key][fw]
        return Resolved(layer, rank, Spelling.KERAS if fw is Framework.KERAS else Spelling.TORCH, cls)
    if key in _NORMAL:
        return Resolved(*_NORMAL[key], Spelling.CONVCALC)
    close = closest_types(name)
    named = [f"`{c}`" for c in close]
    which = " or ".join([", ".join(named[:-1]), named[-1]] if len(named) > 1 else named)
    suggestion = f" (did you mean {which}?)" if close else ""
    if blocks and not close:
        suggestion = did_you_mean(name, blocks) or f" (blocks: {', '.join(blocks)})"
    raise SpecError(f"unknown layer type `{written}`" + suggestion, code="unknown-type",
                    hint="`convcalc --list-layers` lists every type; "
                    "`convcalc --list-layers --only lstm` shows one type or family")


def closest_types(word: str, n: int = 3) -> list[str]:
    """Up to ``n`` type names spelt most like ``word``, one per layer type."""
    import difflib

    by_key: dict[str, str] = {}
    for name in sorted(all_names(), key=lambda n: (n != n.lower(), n)):  # convcalc's spelling first
        by_key.setdefault(name.lower(), name)
    out: dict[int, str] = {}  # one name per layer type: `lstm`, not also `LSTM`
    close = difflib.get_close_matches(word.lower(), list(by_key), n=4 * n, cutoff=0.6)
    best = difflib.SequenceMatcher(None, word.lower(), close[0]).ratio() if close else 1.0
    for key in close:  # the best, and others nearly as close
        if difflib.SequenceMatcher(None, word.lower(), key).ratio() < best - 0.1:
            break
        layer = _NORMAL.get(normalize(by_key[key]), (None, None))[0]
        out.setdefault(id(layer), by_key[key])
    return list(out.values())[:n]


_TORCH_PREFIXES = ("torch.nn.", "nn.")
_KERAS_PREFIXES = ("tf.keras.layers.", "keras.layers.", "layers.")


def spelling_frameworks(written: str) -> tuple[tuple[str, str], ...]:
    """What a written type name says about the framework: (framework, the spelling that says it).

    An exact-case class name of one framework only (``Conv2D``, ``Conv2d``) says that
    framework; a class both frameworks have (``Flatten``, ``LSTM``) and convcalc's own
    names say nothing; a prefix (``layers.``, ``nn.``) says its framework.  Framework
    inference (:mod:`convcalc.spec.framework`) asks this of every layer entry.
    """
    name = written.strip()
    prefix = next((p for p in _PREFIXES if name.lower().startswith(p)), "")
    bare = name[len(prefix):]
    out: list[tuple[str, str]] = []
    in_torch, in_keras = bare in _TORCH, bare in _KERAS
    if in_torch != in_keras:
        out.append((Framework.PYTORCH if in_torch else Framework.KERAS, bare))
    if prefix:
        by_prefix = Framework.PYTORCH if prefix in _TORCH_PREFIXES else Framework.KERAS
        if not out or out[0][0] != by_prefix:
            out.append((by_prefix, name))
    return tuple(out)


# Keras's other names for its classes (`keras.layers.MaxPool2D is MaxPooling2D`): a layer is
# named after its class, whatever name built it.
KERAS_ALIASES: dict[str, str] = {
    **{f"Convolution{r}D": f"Conv{r}D" for r in (1, 2, 3)},
    **{f"Convolution{r}DTranspose": f"Conv{r}DTranspose" for r in (1, 2, 3)},
    **{f"SeparableConvolution{r}D": f"SeparableConv{r}D" for r in (1, 2)},
    **{f"MaxPool{r}D": f"MaxPooling{r}D" for r in (1, 2, 3)},
    **{f"AvgPool{r}D": f"AveragePooling{r}D" for r in (1, 2, 3)},
    **{f"GlobalAvgPool{r}D": f"GlobalAveragePooling{r}D" for r in (1, 2, 3)},
    **{f"GlobalMaxPool{r}D": f"GlobalMaxPooling{r}D" for r in (1, 2, 3)},
    "GroupQueryAttention": "GroupedQueryAttention",
}


def keras_class(written: str, layer: Layer, rank: int | None) -> str | None:
    """The Keras class a layer use builds: the one written, else the type's class at ``rank``.

    None when Keras has no class for the type (``gelu``, convcalc's ``concat``).
    """
    name = written.strip()
    prefix = next((p for p in _PREFIXES if name.lower().startswith(p)), "")
    bare = name[len(prefix):]
    if bare in _KERAS and _KERAS[bare][0] is layer:
        return KERAS_ALIASES.get(bare, bare)
    ranked = [n for n, r in layer.keras.items() if r == rank]
    rankless = [n for n, r in layer.keras.items() if r is None]
    chosen = (ranked or rankless or [None])[0]
    return None if chosen is None else KERAS_ALIASES.get(chosen, chosen)


def keras_auto_name(class_name: str) -> str:
    """Keras's automatic name for a class (``keras.src.utils.naming.to_snake_case``):
    ``MaxPooling2D`` -> ``max_pooling2d``, ``PReLU`` -> ``p_re_lu``."""
    name = re.sub(r"\W+", "", class_name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


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
