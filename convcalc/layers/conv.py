"""Convolutions.

PyTorch: ``out = ⌊(n + pl + pr − d·(k−1) − 1) / s⌋ + 1`` per axis, weight
``(c_out, c_in/groups, *k)``; ``padding='same'`` only with stride 1.
Keras: ``valid`` is the same rule with no padding, ``same``/``causal`` give
``⌈n / s⌉``; kernel ``(*k, c_in/groups, c_out)``; strides and dilation above
1 together are refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .. import args as A
from .. import num
from ..errors import SpecError
from . import window as W
from .base import Ctx, Layer, LayerOut, Shape, Weight, fmt_shape, register

DATA_FORMAT = A.Param("data_format", A._optional(A.choice("channels_first", "channels_last")), None)
IN_CHANNELS = A.Param("in_channels", A.OPTIONAL_POSITIVE, None, doc="checked against the input")


def check_in_channels(ctx: Ctx, x: Shape, c_in: Any, given: Any, what: str = "in_channels") -> None:
    """A given in_channels/in_features must equal what arrives (PyTorch's run-time error)."""
    if given is None:
        return
    ctx.equal(
        given,
        c_in,
        lambda: f"{what} is {num.fmt(given)} but the input {fmt_shape(x)} has {num.fmt(c_in)} "
        f"channel{'s' if c_in != 1 else ''}",
    )


def check_groups(ctx: Ctx, c_in: Any, c_out: Any, groups: Any) -> None:
    ctx.divides(
        groups, c_in, lambda: f"input channels {num.fmt(c_in)} are not divisible by groups {num.fmt(groups)}"
    )
    ctx.divides(
        groups, c_out, lambda: f"output channels {num.fmt(c_out)} are not divisible by groups {num.fmt(groups)}"
    )


def resolve_padding(
    ctx: Ctx, padding: Any, kernel: Sequence[Any], stride: Sequence[Any], dilation: Sequence[Any], kind: str
) -> Any:
    """Refuse what the framework refuses; turn PyTorch 'same'/'valid' into pairs.

    Returns per-axis (left, right) pairs, or "same" for Keras's ⌈n/s⌉ rule.
    """
    rank = len(kernel)
    if ctx.keras:
        if not isinstance(padding, str):
            raise SpecError(
                f"Keras's {kind} takes padding 'valid' or 'same'"
                f"{' or causal' if rank == 1 else ''}, not {padding_repr(padding)}; "
                f"put a zeropad{rank}d layer before it for explicit padding"
            )
        if padding == "causal":
            if rank != 1 or kind not in ("conv",):
                raise SpecError("padding 'causal' is only for 1-D convolutions")
            return tuple((d * (k - 1), 0) for k, d in zip(kernel, dilation, strict=True))
        if padding == "valid":
            return ((0, 0),) * rank
        return "same"
    if padding == "causal":
        if rank != 1:
            raise SpecError("padding 'causal' is only for 1-D convolutions")
        # Not a PyTorch option; what Keras means by it (left padding), stated in the README.
        return tuple((d * (k - 1), 0) for k, d in zip(kernel, dilation, strict=True))
    if padding == "valid":
        return ((0, 0),) * rank
    if padding == "same":
        if any(not (num.is_int(s) and s == 1) for s in stride):
            raise SpecError(
                f"padding='same' is not supported for strided convolutions (stride {padding_repr(stride)});"
                " PyTorch refuses it"
            )
        return tuple(W.torch_same_pads(k, d) for k, d in zip(kernel, dilation, strict=True))
    return padding


def padding_repr(p: Any) -> str:
    if isinstance(p, tuple) and p and all(isinstance(x, tuple) for x in p):
        if all(a == b for a, b in p):
            vals = [a for a, _ in p]
            return num.fmt(vals[0]) if len(set(map(str, vals))) == 1 else "×".join(map(num.fmt, vals))
        return str([[num.fmt(a), num.fmt(b)] for a, b in p])
    if isinstance(p, tuple):
        return "×".join(map(num.fmt, p)) if len(set(map(str, p))) > 1 else num.fmt(p[0])
    return str(p)


def spatial_out(
    ctx: Ctx,
    spatial: Shape,
    kernel: Sequence[Any],
    stride: Sequence[Any],
    pads: Any,
    dilation: Sequence[Any],
    what: str = "kernel",
) -> tuple[Shape, tuple[W.Window, ...]]:
    """Output sizes and windows of a convolution over every spatial axis."""
    out, windows = [], []
    for i, n in enumerate(spatial):
        k, s, d = kernel[i], stride[i], dilation[i]
        if pads == "same":
            out.append(W.same(ctx, i, n, s))
            total = num.maximum((ceil_pos(n, s) - 1) * s + d * (k - 1) + 1 - n, 0)
            windows.append(W.window(k, s, d, total // 2))
        else:
            out.append(W.slide(ctx, i, n, k, s, pads[i], d, what=what))
            windows.append(W.window(k, s, d, pads[i][0]))
    return tuple(out), tuple(windows)


def ceil_pos(n: Any, s: Any) -> Any:
    return num.ceildiv(n, s)


def check_keras_dilation(ctx: Ctx, stride: Sequence[Any], dilation: Sequence[Any]) -> None:
    if not ctx.keras:
        return
    if any(num.is_int(s) and s > 1 for s in stride) and any(num.is_int(d) and d > 1 for d in dilation):
        raise SpecError(
            f"Keras does not support strides > 1 together with dilation_rate > 1 "
            f"(strides {padding_repr(tuple(stride))}, dilation {padding_repr(tuple(dilation))})"
        )


@register
class Conv(Layer):
    kind = "conv"
    family = "convolution"
    doc = "Convolution; `conv` infers the rank from its input."
    ranks = (1, 2, 3)
    aliases = ("convolution",)
    params = (
        A.Param("out", A.POSITIVE),
        A.Param("kernel", A.AXES),
        A.Param("stride", A.AXES, 1),
        A.Param("padding", W.PADDING, 0, keras_default="valid"),
        A.Param("dilation", A.AXES, 1),
        A.Param("groups", A.POSITIVE, 1),
        A.Param("bias", A.BOOL, True),
        IN_CHANNELS,
        DATA_FORMAT,
    )
    order = ("out", "kernel", "stride", "padding", "dilation", "groups", "bias")
    torch = {"Conv1d": 1, "Conv2d": 2, "Conv3d": 3}
    torch_order = ("in_channels", "out", "kernel", "stride", "padding", "dilation", "groups", "bias")
    keras = {
        "Conv1D": 1, "Conv2D": 2, "Conv3D": 3,
        "Convolution1D": 1, "Convolution2D": 2, "Convolution3D": 3,
    }
    keras_order = ("out", "kernel", "stride", "padding", "data_format", "dilation", "groups")

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        x = inputs[0]
        c_in, spatial = ctx.split(x)
        c_out, k, s, d, g = a["out"], a["kernel"], a["stride"], a["dilation"], a["groups"]
        check_in_channels(ctx, x, c_in, a["in_channels"])
        check_groups(ctx, c_in, c_out, g)
        check_keras_dilation(ctx, s, d)
        pads = resolve_padding(ctx, a["padding"], k, s, d, self.kind)
        out, windows = spatial_out(ctx, spatial, k, s, pads, d)
        per_group = c_in // g
        if ctx.keras:
            weights = [Weight("kernel", (*k, per_group, c_out))]
        else:
            weights = [Weight("weight", (c_out, per_group, *k))]
        if a["bias"]:
            weights.append(Weight("bias", (c_out,)))
        macs = num.prod(k) * per_group * c_out * num.prod(out)
        return LayerOut(ctx.join(c_out, out), tuple(weights), macs, windows)
