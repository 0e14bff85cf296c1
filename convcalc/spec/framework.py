"""Which framework a spec is written for when it names none (SPEC §12): its spellings decide.

Keras class names (``Conv2D``), a ``layers.``/``keras.layers.`` prefix and
``input_shape=`` mean Keras; PyTorch class names (``Conv2d``) and an
``nn.``/``torch.nn.`` prefix mean PyTorch; convcalc's own names and the names
both frameworks share (``Flatten``, ``ReLU``, ``LSTM``, ...) say nothing, and a
spec of those only is PyTorch, the default.  Every layer entry counts: the
top-level list, repeats, blocks' bodies and wrapped (nested) layers.

This package does not know the layer catalogue: the caller passes
``spelled``, which says what a written type name tells (the registry's
:func:`~convcalc.layers.registry.spelling_frameworks`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping

from .._record import replace
from ..core.framework import Framework
from ..errors import Loc, SpecError
from .model import INPUT_KEYS, Evidence, LayerSpec, RepeatSpec, Spec

# A written type name -> (framework, the spelling that says so) for each hint it holds.
Spelled = Callable[[str], tuple[tuple[str, str], ...]]

# Arguments only Keras layers take (input_dim is also an argument of PyTorch-spelt embeddings).
KERAS_ARGUMENTS = tuple(k for k in INPUT_KEYS if k != "input_dim")
_CALL_TEXT = r"^\s*([A-Za-z_][\w.]*)\s*\("  # compiled when first needed


def infer_framework(spec: Spec, spelled: Spelled) -> Spec:
    """``spec`` with its framework set from its spellings, when it names none.

    A spec that mixes Keras and PyTorch spellings is refused: which layout its
    shapes are in cannot be known.
    """
    if spec.framework_loc is not None:
        return spec
    found = list(_evidence(spec, spelled))
    first: dict[Framework, Evidence] = {}
    for framework in (Framework.KERAS, Framework.PYTORCH):
        of_it = [(_position(e, order), e) for order, e in enumerate(found) if e.framework == framework]
        if of_it:
            first[framework] = min(of_it, key=lambda pair: pair[0])[1]
    if len(first) > 1:
        keras, torch = first[Framework.KERAS], first[Framework.PYTORCH]
        later = keras if _position(keras, 0) > _position(torch, 0) else torch
        raise SpecError(
            f"the spec mixes Keras and PyTorch spellings ({_named(keras)} is Keras, {_named(torch)} "
            "is PyTorch) and names no framework, so the layout of its shapes is unknown; add "
            "`framework: keras` or `framework: pytorch` (or use --framework)",
            code="mixed-frameworks", loc=later.loc)
    if not first:
        return spec
    (evidence,) = first.values()
    return replace(spec, framework=evidence.framework, framework_inferred_from=evidence)


def _position(found: Evidence, order: int) -> tuple[int, int, int]:
    """Document order: line and column when known, else the order of the walk."""
    return (found.loc.line or 0, found.loc.column or 0, order)


def _named(found: Evidence) -> str:
    return f"`{found.spelling}`" + (f" at {found.loc.line}:{found.loc.column}" if found.loc.line else "")


def _evidence(spec: Spec, spelled: Spelled) -> Iterator[Evidence]:
    seen: dict[str, tuple[tuple[str, str], ...]] = {}  # networks repeat a few types many times

    def cached(written: str) -> tuple[tuple[str, str], ...]:
        hit = seen.get(written)
        if hit is None:
            hit = seen[written] = spelled(written)
        return hit

    walk = _Walk(cached, set(spec.blocks))
    for entry in spec.layers:
        if type(entry) is LayerSpec and not entry.args and not entry.kwargs and not cached(entry.type):
            continue  # `- relu`: a type that says nothing and no arguments (no walk started)
        yield from walk.entry(entry)
    for block in spec.blocks.values():
        for entry in block.layers:
            yield from walk.entry(entry)


class _Walk:
    """Every layer entry, nested ones too, and what its spelling says."""

    def __init__(self, spelled: Spelled, blocks: set[str]) -> None:
        self.spelled = spelled
        self.blocks = blocks  # a block's name says nothing about a framework

    def entry(self, entry: LayerSpec | RepeatSpec) -> Iterator[Evidence]:
        if isinstance(entry, RepeatSpec):
            for inner in entry.layers:
                yield from self.entry(inner)
            return
        if entry.type.strip() not in self.blocks:
            for framework, spelling in self.spelled(entry.type):
                yield Evidence(framework, spelling, entry.loc)
            for key in KERAS_ARGUMENTS:
                if key in entry.kwargs:
                    yield Evidence(Framework.KERAS, f"{key}=", entry.loc)
        for raw in (*entry.args, *entry.kwargs.values()):
            if not isinstance(raw, int | float | bool) and raw is not None:
                yield from self.nested(raw, entry.loc)

    def nested(self, raw: object, loc: Loc) -> Iterator[Evidence]:
        """Layers written inside arguments: ``TimeDistributed(Conv2D(...))``, ``layer: {Conv2D: [...]}``."""
        if isinstance(raw, LayerSpec | RepeatSpec):
            yield from self.entry(raw)
        elif isinstance(raw, list | tuple):
            for item in raw:
                yield from self.nested(item, loc)
        elif isinstance(raw, Mapping):
            if len(raw) == 1:
                (key, value), = raw.items()
                if isinstance(key, str):
                    for framework, spelling in self.spelled(key):
                        yield Evidence(framework, spelling, loc)
                yield from self.nested(value, loc)
        elif isinstance(raw, str) and "(" in raw:
            m = re.match(_CALL_TEXT, raw)
            if m is not None:
                for framework, spelling in self.spelled(m.group(1)):
                    yield Evidence(framework, spelling, loc)


__all__ = ["KERAS_ARGUMENTS", "Spelled", "infer_framework"]
