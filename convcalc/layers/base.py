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
from ..core.framework import Spelling
from ..core.types import AXIS_NAMES, LayerOut, Shape, fmt_shape
from ..errors import SpecError

_TYPE_NAMES: dict[tuple[str, int], str] = {}
# The declarations of a type read for every use of it (see Layer.__init__); an instance attribute
# set anywhere but __init__ (as the object's own dict) would make every read slower, not faster.
_ASKED = ("kind", "ranks", "params", "order", "ignored", "multi_input", "extra_inputs", "source", "scalar",
          "drawing", "glyph", "reads_ids")


class Layer:
    """One layer type.  Subclasses declare; :meth:`infer` computes.

    ``kind`` is convcalc's name (``conv``); with ``ranks`` it also answers to
    ``conv1d``/``conv2d``/``conv3d``.  ``family`` groups types in ``--list-layers``;
    ``drawing`` and ``glyph`` say how ``--draw`` shows the type, so a new type
    draws right without a change to the drawing code.  ``torch`` and ``keras`` map the
    frameworks' class names to a rank (None: rankless).  Each class declares
    its constructor (``torch_sig``/``keras_sig``, in the framework's argument
    names), from which its positional order and accepted keywords come;
    :meth:`framework_order` is the first class's (a layer without signatures
    writes ``torch_order``/``keras_order`` by hand, with convcalc's leniency).
    """

    kind: ClassVar[str]
    family: ClassVar[str] = "other"  # the catalogue's heading in --list-layers
    # How the SVG drawing shows it (see convcalc.draw.layout.COLOURS): "conv", "up", "pool",
    # "norm", "dense", "flat", "merge" or "other"; and, for a merge, the sign in its circle.
    drawing: ClassVar[str] = "other"
    glyph: ClassVar[str] = ""
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
    # The frameworks' constructors in their own argument names (:func:`convcalc.core.signatures.signature`
    # text), for every class in ``torch``/``keras`` (``torch_sigs``/``keras_sigs`` override per class).
    # A class name with a signature accepts exactly that class's arguments, in its positional order.
    torch_sig: ClassVar[str | None] = None
    keras_sig: ClassVar[str | None] = None
    torch_sigs: ClassVar[Mapping[str, str]] = {}
    keras_sigs: ClassVar[Mapping[str, str]] = {}
    # Merge layers read several tensors; everything else reads one.
    multi_input: ClassVar[bool] = False
    # Reads one tensor, and optionally more after it that the layer checks itself (a recurrent
    # layer's initial states, Keras's ``initial_state``); its rank comes from the first.
    extra_inputs: ClassVar[bool] = False
    # A source reads no tensor (a learnable tensor, like an input): ``from:`` is refused, its
    # output comes from its arguments alone and carries no batch axis (it broadcasts over it).
    source: ClassVar[bool] = False
    # Takes a 0-d (scalar) input (element-wise layers, as in PyTorch); the others refuse one.
    scalar: ClassVar[bool] = False
    # Acts on the last axis only (Linear, Embedding's ids one by one): a batch axis that is not
    # first (PyTorch's (L, N, E) after batch_first=False) stays where it is, as it does through a
    # layer whose output has its input's shape.  Any other shows it first (convcalc.engine.batch_axis).
    keeps_batch_axis: ClassVar[bool] = False
    # Looks up integer ids (an embedding): the output of a layer with weights is floats, which
    # PyTorch and Keras refuse as indices, so reading one is refused (the engine checks it).
    reads_ids: ClassVar[bool] = False
    # A built-in block of other layers (:class:`convcalc.layers.transformer.Composite`), unrolled
    # by the expander; said here so that asking does not load the transformer family.
    block: ClassVar[bool] = False

    def __init__(self) -> None:
        """The declarations asked of every layer use, copied onto the instance: Python 3.11 reads an
        instance's own attribute at once, a class's through a look-up each time (a distinct
        10,000-layer spec asked some twenty a layer).  A type's instance is made once, when it registers."""
        cls = type(self)
        for name in _ASKED:
            setattr(self, name, getattr(cls, name))
        self._forms: dict[tuple[str, str], A.CallForm | None] = {}  # see call_form

    def signature_text(self, cls: str, spelling: str) -> str | None:
        """The declared signature of a framework's class name (spelling "torch" or "keras"), or None."""
        if spelling == Spelling.TORCH and cls in self.torch:
            return self.torch_sigs.get(cls, self.torch_sig)
        if spelling == Spelling.KERAS and cls in self.keras:
            return self.keras_sigs.get(cls, self.keras_sig)
        return None

    def framework_order(self, spelling: str) -> tuple[str, ...]:
        """A framework's positional order, as the listing and the schema show it: its first class's,
        from its signature (worked out when first asked, not when the type registers: a run asks
        for a few of the 120 types), else ``torch_order``/``keras_order`` as written."""
        names, written = (self.torch, self.torch_order) if spelling == Spelling.TORCH else \
            (self.keras, self.keras_order)
        first = next(iter(names), None)
        form = self.call_form(first, spelling) if first else None
        return form.order if form is not None else written

    def call_form(self, cls: str, spelling: str) -> A.CallForm | None:
        """How the class ``cls`` binds its arguments (computed once per class), or None without a
        declared signature (then the spelling's ``*_order`` applies, with convcalc's leniency)."""
        forms = self._forms
        key = (cls, spelling)
        if key not in forms:
            text = self.signature_text(cls, spelling)
            forms[key] = None if text is None else A.call_form(A.signature(text), self.params, cls)
        return forms[key]

    def keras_class(self, rank: int | None) -> str:
        """Keras's class for this type at ``rank`` (``Conv2D``), for messages; else convcalc's name."""
        for name, r in self.keras.items():
            if r == rank:
                return name
        return self.type_name(rank)

    def type_name(self, rank: int | None) -> str:
        if rank is None or not self.ranks:
            return self.kind
        key = (self.kind, rank)  # asked for every layer use: one string per type and rank
        name = _TYPE_NAMES.get(key)
        if name is None:
            name = _TYPE_NAMES[key] = f"{self.kind}{rank}d"
        return name

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
