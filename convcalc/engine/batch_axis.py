"""Where ``--batch N`` shows the batch axis of each layer's output (issue 13).

Shapes are one sample's; ``--batch N`` adds the batch axis where the framework has it.
That is first, except around PyTorch's sequence modules with ``batch_first=False`` (their
default: ``MultiheadAttention``, and so the ``Transformer`` modules' sub-layers, ``RNN``/
``LSTM``/``GRU``), which take and give (L, N, E): the batch axis second.  The position belongs
to the tensor's layout, so it is shared by the tensors that layers which do not care about it
connect: those whose output has their input's shape (dropout, norms, activations, residual
sums), those that act on the last axis only (``Layer.keeps_batch_axis``: Linear, Embedding) and
those that leave the sample's first axis alone (``LayerOut.batch_axis`` = ``KEEPS_BATCH_AXIS``: a
slice, split, concat, reduction or transpose after it; axis numbers then mean PyTorch's axes of
(L, N, E) too).  Such a chain reaching a ``batch_first=False`` module from the
input has the batch second all along (what PyTorch is given); one that starts at a layer that
needs the batch first (a conv, a reshape) has it first, and the module then reads it as PyTorch
would not (a permute is missing): where the two meet, and after any other layer that reads a
batch-second tensor, the position is *unknown* (None): shown first, and the table says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..core.types import KEEPS_BATCH_AXIS, LayerOut, Shape
from ..layers.base import Layer

Position = int | None  # 0 first, 1 second; None: unknown
FREE = -1  # not placed by any layer (an input, and what only keeps it): shown first, agrees with any
KEEP = "keep"  # a layer that leaves the batch axis where its input has it
FIRST = "first"  # a layer that needs (and gives) the batch axis first
Rule = int | str  # a position a layer declares (0, 1), KEEP or FIRST


class _Classes:
    """Tensors that share one batch axis position (a union-find), with each class's position."""

    def __init__(self, seeds: dict[str, int]) -> None:
        self.parent: dict[str, str] = {}
        self.value: dict[str, Position] = {}
        self.seeds = seeds  # positions the module reading a tensor gave it in an earlier pass

    def find(self, name: str) -> str:
        if name not in self.parent:
            self.parent[name] = name
            self.value[name] = self.seeds.get(name, FREE)
        root = name
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[name] != root:
            self.parent[name], name = root, self.parent[name]
        return root

    def join(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            va, vb = self.value[ra], self.value[rb]
            self.parent[rb] = ra
            self.value[ra] = vb if va == FREE else va if vb == FREE or va == vb else None

    def at(self, name: str) -> Position:
        return self.value[self.find(name)]

    def set(self, name: str, value: Position) -> None:
        root = self.find(name)
        old = self.value[root]
        self.value[root] = value if old in (FREE, value) else None


def _rule(names: tuple[str, ...], sources: tuple[str, ...], batchless: Sequence[bool], layer: Layer,
          out: LayerOut, in_shapes: Sequence[Shape]) -> tuple[tuple[str, ...], tuple[str, ...], Rule]:
    """A layer's record for the passes: what it names, the batched tensors it reads, its rule."""
    declared = out.batch_axis
    rule: Rule
    if declared is not None and declared != KEEPS_BATCH_AXIS:
        rule = declared
    elif declared == KEEPS_BATCH_AXIS or layer.keeps_batch_axis or _same_shape(out, in_shapes):
        rule = KEEP
    else:
        rule = FIRST
    reads = tuple(s for s, b in zip(sources, batchless, strict=True) if not b) if any(batchless) else sources
    return names, reads, rule


def _same_shape(out: LayerOut, in_shapes: Sequence[Shape]) -> bool:
    """The layer gives back the shape it reads (asked only when nothing else decides the rule)."""
    if out.parts is not None or not in_shapes:
        return False
    shape = out.shape
    for s in in_shapes:  # noqa: SIM110  (a loop, not all(...): asked for nearly every layer)
        if s is not shape and tuple(s) != tuple(shape):
            return False
    return True


class BatchAxes:
    """What each layer does to the batch axis, collected while propagating; :meth:`solve` places it.

    Almost no network puts the batch axis second, and then every output has it first: a layer's
    rule is only worked out (in :meth:`solve`) once some layer has placed it second, so that the
    other networks pay one check per layer.
    """

    def __init__(self) -> None:
        # Per layer (names, sources, batchless per source, type, output, input shapes); a block's
        # name has one too, with no type (see alias).
        self.records: list[tuple[Any, ...]] = []
        self.rows: list[int] = []  # the record of each layer (the rest are blocks' names)
        self.placed = False  # a layer put the batch axis second: only then is there anything to solve

    def add(self, names: tuple[str, ...], sources: tuple[str, ...], batchless: Sequence[bool], layer: Layer,
            out: LayerOut, in_shapes: Sequence[Shape]) -> None:
        """A layer's use; ``batchless``: per source, whether it has no batch axis (a `parameter`)."""
        declared = out.batch_axis
        if declared is not None and declared != KEEPS_BATCH_AXIS and declared != 0:
            self.placed = True
        self.rows.append(len(self.records))
        self.records.append((names, sources, batchless, layer, out, in_shapes))

    def alias(self, name: str, of: str) -> None:
        """A block's name reads as its last layer's output."""
        self.records.append(((name,), (of,), (False,), None, None, ()))

    def solve(self) -> list[Position]:
        """Each layer's output position, in order.  A ``batch_first=False`` module found to read a tensor
        not yet placed places it (and what shares its class) too; the pass is then run again with those
        places known from the start, so that the layers before the module see them."""
        if not self.placed:
            return [0] * len(self.rows)
        rules = [_rule(*record) if record[3] is not None else (record[0], record[1], KEEP)
                 for record in self.records]
        seeds: dict[str, int] = {}
        for _ in range(4):  # each round can only add seeds; a few settle any real network
            classes, found = self._pass(rules, seeds)
            if found.keys() <= seeds.keys():
                break
            seeds.update(found)
        out = []
        for k in self.rows:
            at = classes.at(rules[k][0][0])
            out.append(0 if at == FREE else at)
        return out

    @staticmethod
    def _pass(rules: list[tuple[tuple[str, ...], tuple[str, ...], Rule]],
              seeds: dict[str, int]) -> tuple[_Classes, dict[str, int]]:
        classes, found = _Classes(seeds), {}
        for names, sources, rule in rules:
            if rule == KEEP:
                for name in (*names[1:], *sources):
                    classes.join(names[0], name)
                continue
            ins = [classes.at(s) for s in sources]
            if rule == FIRST:
                value: Position = None if any(p not in (0, FREE) for p in ins) else 0
            else:
                value = int(rule)
                for s, p in zip(sources, ins, strict=True):
                    if p == FREE:  # PyTorch is given it in the module's layout
                        classes.set(s, value)
                        found[s] = value
            for name in names:
                classes.set(name, value)
        return classes, found
