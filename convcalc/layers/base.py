"""What a layer type is: a :class:`Layer` subclass declares its parameters and spellings and computes.

Adding a layer type means one :class:`Layer` subclass decorated with
:func:`convcalc.layers.registry.register` in one family module of this
package, plus its tests: the parsers, renderers, CLI, ``--list-layers`` and
the JSON Schema read the registry and need no change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from ..core import params as A
from ..core.context import Ctx
from ..core.types import AXIS_NAMES, LayerOut, Shape, fmt_shape
from ..errors import SpecError


class Layer:
    """One layer type.  Subclasses declare; :meth:`infer` computes.

    ``kind`` is convcalc's name (``conv``); with ``ranks`` it also answers to
    ``conv1d``/``conv2d``/``conv3d``.  ``torch`` and ``keras`` map the
    frameworks' class names to a rank (None: rankless), and ``*_order`` are
    the positional orders of each spelling.
    """

    kind: ClassVar[str]
    family: ClassVar[str] = "other"
    doc: ClassVar[str] = ""
    params: ClassVar[tuple[A.Param, ...]] = ()
    order: ClassVar[tuple[str, ...]] = ()  # convcalc's positional order
    ranks: ClassVar[tuple[int, ...]] = ()
    aliases: ClassVar[tuple[str, ...]] = ()  # more convcalc spellings (rankless)
    torch: ClassVar[Mapping[str, int | None]] = {}
    torch_order: ClassVar[tuple[str, ...]] = ()
    keras: ClassVar[Mapping[str, int | None]] = {}
    keras_order: ClassVar[tuple[str, ...]] = ()
    ignored: ClassVar[frozenset[str]] = frozenset()
    # Merge layers read several tensors; everything else reads one.
    multi_input: ClassVar[bool] = False
    # A source reads no tensor (a learnable tensor, like an input): ``from:`` is refused, its
    # output comes from its arguments alone and carries no batch axis (it broadcasts over it).
    source: ClassVar[bool] = False

    def keras_name(self, rank: int | None) -> str:
        """Keras's class for this type at ``rank`` (``Conv2D``), for messages; else convcalc's name."""
        for name, r in self.keras.items():
            if r == rank:
                return name
        return self.type_name(rank)

    def type_name(self, rank: int | None) -> str:
        return f"{self.kind}{rank}d" if rank is not None and self.ranks else self.kind

    def infer_rank(self, shape: Shape) -> int | None:
        """The spatial rank when the type name leaves it open (``conv``)."""
        if not self.ranks:
            return None
        rank = len(shape) - 1
        if rank not in self.ranks:
            raise SpecError(
                f"{self.kind} cannot infer its rank from a {len(shape)}-axis input "
                f"{fmt_shape(shape)}: it takes {' or '.join(str(r + 1) for r in self.ranks)} axes "
                f"(channels and {'/'.join(str(r) for r in self.ranks)} spatial)", code="wrong-rank"
            )
        return rank

    def check_rank(self, shape: Shape, rank: int | None, type_name: str) -> None:
        if rank is not None and self.ranks and len(shape) != rank + 1:
            names = ", ".join(("C", *AXIS_NAMES[rank]))
            raise SpecError(
                f"{type_name} takes an input of {rank + 1} axes ({names}) without the batch axis, "
                f"but got {fmt_shape(shape)} ({len(shape)} ax{'i' if len(shape) == 1 else 'e'}s)",
                code="wrong-rank"
            )

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        raise NotImplementedError
