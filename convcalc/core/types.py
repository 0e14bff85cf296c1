"""The records every stage shares: weights, windows, what a layer computes, open conditions.

Layers produce them, the engine collects them into a result, renderers read
them; they live here so that none of those packages imports another for them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .._record import NamedTuple
from ..arith import num

Value = num.Value
Shape = tuple[Value, ...]

AXIS_NAMES: dict[int, tuple[str, ...]] = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}


class Weight(NamedTuple):
    """A learnable (or non-trainable) tensor, in the framework's own layout."""

    name: str
    shape: Shape
    trainable: bool = True
    shared: str | None = None  # another layer's weight (`share:`/`tie:`): counted there, not here
    # How many identical tensors this entry stands for: a deep stack of equal layers (lstm with
    # num_layers=1000) lists its repeated layers' weights once each, shown ``×N``, not N times.
    repeat: int = 1

    @property
    def size(self) -> Value:
        one = num.prod(self.shape)
        return one if self.repeat == 1 else self.repeat * one


class Window(NamedTuple):
    """How a layer moves a sliding window along one spatial axis (for receptive fields)."""

    kernel: Value  # effective (dilated) kernel
    stride: Value
    pad_left: Value = 0


class LayerOut(NamedTuple):
    """What a layer computes from its input shapes."""

    shape: Shape
    weights: tuple[Weight, ...] = ()
    macs: Value = 0
    # Per spatial axis, the window this layer slides (None: shape-preserving
    # or not a sliding window; see convcalc.engine.receptive_field for how it is used).
    windows: tuple[Window, ...] | None = None
    # Several outputs (``split``): their shapes, read by later layers as ``name.0``, ``name.1``, …;
    # ``shape`` is then the first of them.  None: one output, ``shape``.
    parts: tuple[Shape, ...] | None = None
    # Where the whole tensor's batch axis is (``--batch N``), counted with it: 1 for PyTorch's
    # (L, N, E) after ``batch_first=False``, 0 first; KEEPS_BATCH_AXIS: where the input has it.
    # None: the type's rule (``Layer.keeps_batch_axis``; see convcalc.engine.batch_axis).
    batch_axis: int | None = None


# LayerOut.batch_axis: this use leaves the batch axis where its input has it (first or second)
KEEPS_BATCH_AXIS = -1


def keeps_batch_after(first: int) -> int | None:
    """LayerOut.batch_axis of a layer that changes one sample's axes from ``first`` on (0-based, no
    batch): a batch axis first or second (PyTorch's (L, N, E)) then stays where it is."""
    return KEEPS_BATCH_AXIS if first >= 1 else None


class Constraint(NamedTuple):
    """A condition the network needs that convcalc could not decide yet."""

    condition: Any  # a sympy relational
    text: str | Callable[[], str]  # made on demand: most conditions are reduced, never shown
    layer: str | None = None

    @property
    def message(self) -> str:
        return self.text() if callable(self.text) else self.text


def fmt_shape(shape: Sequence[Value]) -> str:
    return "×".join(num.fmt(d) for d in shape) if shape else "()"
