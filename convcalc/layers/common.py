"""Helpers several layer families share.

Class-name tables by rank, the ``data_format`` and ``in_channels``
parameters, the in-channels check, kernel-and-bias weights, axis numbers
(the batch axis is 0, as both frameworks count) and how padding is written
in messages.  A helper used by one family stays in that family's module.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..arith import num
from ..core import params as A
from ..core.context import Ctx
from ..core.framework import LAYOUTS
from ..core.types import Shape, Weight, fmt_shape
from ..errors import SpecError

DATA_FORMAT = A.Param("data_format", A.optional(A.choice(*LAYOUTS)), None)
IN_CHANNELS = A.Param("in_channels", A.OPTIONAL_POSITIVE, None, doc="checked against the input")


def _only_null(changes: str) -> A.Kind:
    """An argument whose other values change what is counted (``changes`` says how) in a way
    convcalc does not model: null (a Keras JSON writes it out) reads; anything else is refused,
    never ignored (``lora_rank=2`` dropped would be a wrong count)."""
    def coerce(raw: Any, ctx: Ctx, what: str) -> None:
        if raw is None or (isinstance(raw, str) and raw.lower() in ("none", "null")):
            return None
        raise SpecError(f"{what}={raw!r} {changes}, which convcalc does not model: leave it out "
                        "(the default is None)", code="unsupported-argument")

    return A.Kind("null only", coerce, {"type": "null"})


# Keras's LoRA and quantization: the kernel frozen beside two trainable low-rank factors, or
# stored as int8 with its scales.
KERAS_LORA = A.Param("lora_rank", _only_null("adds Keras's LoRA weights (two low-rank factors beside a "
                                              "frozen kernel)"),
                      None, doc="Keras: refused unless null (LoRA weights are not counted)")
KERAS_QUANTIZED = A.Param("quantization_config", _only_null("quantizes the layer's weights"), None,
                           doc="Keras: refused unless null (quantized weights are not counted)")


def per_rank(*patterns: str, ranks: Sequence[int] = (1, 2, 3)) -> dict[str, int]:
    """A framework's class names by rank: ``per_rank("Conv{}d")`` is ``{"Conv1d": 1, "Conv2d": 2, ...}``."""
    return {pattern.format(r): r for pattern in patterns for r in ranks}


def check_in_channels(
    ctx: Ctx,
    x: Shape,
    c_in: Any,
    given: Any,
    what: str = "in_channels",
    mismatch: Callable[[], str] | None = None,
) -> None:
    """A given in_channels (num_features, in_features, ...) must equal what arrives, as PyTorch checks
    at run time; ``mismatch`` words the error where "channels" is not the input's word."""
    if given is None:
        return
    ctx.equal(
        given,
        c_in,
        mismatch or (lambda: f"{what} is {num.fmt(given)} but the input {fmt_shape(x)} has {num.fmt(c_in)} "
                     f"channel{'s' if c_in != 1 else ''}"), code="in-channels-mismatch", arg="in_channels",
    )


def kernel_and_bias(
    ctx: Ctx, keras_shape: Shape, torch_shape: Shape, c_out: Any, bias: bool
) -> tuple[Weight, ...]:
    """Keras's ``kernel`` or PyTorch's ``weight``, each in its own layout, and a bias of one per output."""
    kernel = Weight("kernel", keras_shape) if ctx.keras else Weight("weight", torch_shape)
    return (kernel, Weight("bias", (c_out,))) if bias else (kernel,)


def padding_repr(p: Any) -> str:
    if isinstance(p, tuple) and p and all(isinstance(x, tuple) for x in p):
        if all(a == b for a, b in p):
            vals = [a for a, _ in p]
            return num.fmt(vals[0]) if len(set(map(str, vals))) == 1 else "×".join(map(num.fmt, vals))
        return str([[num.fmt(a), num.fmt(b)] for a, b in p])
    if isinstance(p, tuple):
        return "×".join(map(num.fmt, p)) if len(set(map(str, p))) > 1 else num.fmt(p[0])
    return str(p)


def unbatched(axis: Any, ndim: int, what: str) -> int | None:
    """Where an axis number, as both frameworks number axes (the batch axis is 0, negatives count from
    the end), falls in a shape of ``ndim`` axes without the batch axis: its index there, -1 for the batch
    axis itself, None when it is out of range (each caller says why in its own words)."""
    if not num.is_int(axis):
        raise SpecError(f"{what} must be a number, not {num.fmt(axis)}", code="bad-axis")
    full = ndim + 1
    index = axis if axis >= 0 else full + axis
    return index - 1 if 0 <= index < full else None


def axis_index(axis: Any, ndim: int, what: str) -> int:
    """An axis number counting the batch axis as 0 (negatives from the end) -> index without batch."""
    index = unbatched(axis, ndim, what)
    if index is None:
        raise SpecError(
            f"{what} {axis} is out of range for a tensor of {ndim} axes plus the batch axis "
            f"(valid: {-ndim - 1} to {ndim})", code="bad-axis"
        )
    return index


def batch_first_axis(raw: Any) -> int | None:
    """PyTorch's ``batch_first`` -> where its (L, N, E) or (N, L, E) output has the batch axis
    (``--batch N``): 0 when true, 1 when false (PyTorch's default); None when not a true/false."""
    if isinstance(raw, str) and raw.strip().lower() in ("true", "false"):
        raw = raw.strip().lower() == "true"
    return (0 if raw else 1) if isinstance(raw, bool | int) else None
