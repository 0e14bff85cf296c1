"""Default layer names (SPEC §1): ``<type>_<n>``, and with ``framework: keras`` Keras's own.

Keras names a layer built without a name after its class in snake case, with
a counter per name: ``conv2d``, ``conv2d_1``, ``max_pooling2d``, ... (Keras's
``auto_name``).  A layer written inside another (``TimeDistributed(Conv2D(...))``)
is built first and takes its name first, so it counts too; a layer given a
``name:`` takes no number.  PyTorch has no default names; convcalc's are
``<type>_<n>``, counted over every use of the type (named ones too).  Names
inside a block use are counted per use and carry its prefix.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ..core.framework import Framework
from ..errors import LayerRef, SpecError
from ..layers.registry import Resolved, keras_auto_name, keras_class, lookup
from ..spec.model import LayerSpec
from .refs import Node


class Namer:
    """Hands out default names in the order layers are built: one rule for the rows and for errors."""

    def __init__(self, framework: str) -> None:
        self.keras = framework == Framework.KERAS
        self.counters: dict[tuple[str, str], int] = {}  # (scope, type) -> uses so far
        self.keras_counters: dict[tuple[str, str], int] = {}  # (scope, Keras name) -> names given
        self.bases: dict[tuple[str, str | None], str | None] = {}  # (written, type) -> Keras name

    def name(self, node: Node, resolved: Resolved, type_name: str) -> str:
        """The layer's name: its own, or the next default one (which is then taken)."""
        if self.keras:
            for inner in _wrapped(node.spec):  # built before the layer that wraps them
                base = self._keras_base(inner.type, None)
                if base is not None:
                    self._take(node.scope, base, keras=True)
            base = self._keras_base(node.spec.type, resolved, type_name)
            if base is not None:
                return node.name or self._take(node.scope, base, keras=True)
        # _take(node.scope, type_name, keras=False), written out: asked for every layer
        key = (node.scope, type_name)
        n = self.counters[key] = self.counters.get(key, 0) + 1
        return node.name or f"{node.scope}{type_name}_{n}"

    def peek(self, node: Node, resolved: Resolved, type_name: str) -> str:
        """The name :meth:`name` would give, without taking it (for an error at this layer)."""
        if node.name is not None:
            return node.name
        base = self._keras_base(node.spec.type, resolved, type_name) if self.keras else None
        if base is not None:
            n = self.keras_counters.get((node.scope, base), 0)
            return f"{node.scope}{base}" + (f"_{n}" if n else "")
        return f"{node.scope}{type_name}_{self.counters.get((node.scope, type_name), 0) + 1}"

    def ref(self, index: int, node: Node, resolved: Resolved | None, type_name: str | None) -> LayerRef:
        """The layer an error is about, named as its row would be (:meth:`peek`).

        While the type is not known yet (an unknown type, or ``conv`` before its
        rank is read from its input) the layer is named by its type as far as
        known, in its block's scope, without a number: the row it would have
        become cannot be told.
        """
        if type_name is None and resolved is not None and (resolved.rank is not None
                                                          or not resolved.layer.ranks):
            type_name = resolved.layer.type_name(resolved.rank)
        if type_name is not None and resolved is not None:
            return LayerRef(index, self.peek(node, resolved, type_name), type_name)
        partial = node.spec.type if resolved is None else resolved.layer.type_name(None)
        return LayerRef(index, node.name or f"{node.scope}{partial}", partial)

    def _keras_base(self, written: str, resolved: Resolved | None,
                    type_name: str | None = None) -> str | None:
        key = (written, type_name)
        if key not in self.bases:  # networks repeat a few types many times
            self.bases[key] = self._keras_name(written, resolved, type_name)
        return self.bases[key]

    def _keras_name(self, written: str, resolved: Resolved | None, type_name: str | None) -> str | None:
        if resolved is None:  # a wrapped layer: its type as written (its rank from the spelling)
            try:
                resolved = lookup(written, Framework.KERAS)
            except SpecError:
                return None
        rank = resolved.rank
        if type_name is not None and resolved.layer.ranks and rank is None:
            rank = _rank_of(type_name, resolved)
        cls = keras_class(written, resolved.layer, rank)
        return None if cls is None else keras_auto_name(cls)

    def _take(self, scope: str, base: str, *, keras: bool) -> str:
        counters = self.keras_counters if keras else self.counters
        key = (scope, base)
        n = counters.get(key, 0)
        counters[key] = n + 1
        if keras:  # Keras: conv2d, conv2d_1, conv2d_2, ...
            return f"{scope}{base}" + (f"_{n}" if n else "")
        return f"{scope}{base}_{n + 1}"


def _rank_of(type_name: str, resolved: Resolved) -> int | None:
    """The rank in a type name such as ``conv2d`` (inferred from the input for ``conv``)."""
    for r in resolved.layer.ranks:
        if resolved.layer.type_name(r) == type_name:
            return r
    return None


def _wrapped(spec: LayerSpec) -> Iterator[LayerSpec]:
    """Layers written in a layer's arguments, innermost first (the order Keras builds them)."""
    for raw in (*spec.args, *spec.kwargs.values()):
        yield from _layers_in(raw)


def _layers_in(raw: Any) -> Iterator[LayerSpec]:
    if isinstance(raw, LayerSpec):
        yield from _wrapped(raw)
        yield raw
    elif isinstance(raw, Mapping) and len(raw) == 1:
        (key, value), = raw.items()
        if isinstance(key, str):
            inner = value if isinstance(value, Mapping) else {}
            for v in inner.values():
                yield from _layers_in(v)
            yield LayerSpec(key)
    elif isinstance(raw, list | tuple):
        for item in raw:
            yield from _layers_in(item)
    elif isinstance(raw, str) and "(" in raw:  # `layer: "Conv2D(16, 3)"`
        yield LayerSpec(raw.split("(", 1)[0].strip())
