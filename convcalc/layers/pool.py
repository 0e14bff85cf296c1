"""Pooling: windowed, adaptive and global.

PyTorch pools use the convolution rule (with ``ceil_mode`` rounding up and
dropping a last window that would start in the right padding) and refuse
padding above half the kernel.  Keras pools take ``valid`` (no padding) or
``same`` (``⌈n / s⌉``).  The stride defaults to the kernel in both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..arith import num
from ..core import params as A
from ..core.context import Ctx
from ..core.framework import Spelling
from ..core.types import LayerOut, Shape
from ..errors import SpecError
from ..spec.model import split_axes
from . import window as W
from .base import Layer
from .common import DATA_FORMAT, padding_repr, per_rank
from .registry import register

# PyTorch's max pools with return_indices=True return (values, indices), both of the output's
# shape: two outputs, read as `name.0` and `name.1`; like PyTorch's Sequential, a next layer
# reading the pool as one tensor is refused.
_RETURN_INDICES = A.Param("return_indices", A.BOOL, False,
                          doc="PyTorch: true adds the indices, a second output of the same shape")


def _with_indices(out: LayerOut, a: Mapping[str, Any]) -> LayerOut:
    return out._replace(parts=(out.shape, out.shape)) if a["return_indices"] else out


class _Pool(Layer):
    family = "pooling"
    drawing = "pool"
    ranks = (1, 2, 3)

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        c, spatial = ctx.split(inputs[0])
        k = a["kernel"]
        s = a["stride"] if a["stride"] is not None else k
        padding = a["padding"]
        if ctx.keras:
            if not isinstance(padding, str) or padding == "causal":
                raise SpecError(
                    f"Keras's {self.keras_class(len(k))} takes padding 'valid' or 'same', "
                    f"not {padding_repr(padding)}", loc=ctx.arg_loc("padding"), code="bad-padding"
                )
            pads = "same" if padding == "same" else ((0, 0),) * len(k)
            out, windows = W.spatial_out(ctx, spatial, k, s, pads, (1,) * len(k), what="pool size")
            return LayerOut(ctx.join(c, out), windows=windows)
        d = a.get("dilation") or (1,) * len(k)
        if isinstance(padding, str):
            # convcalc's own `maxpool(2, padding=valid)` is no padding; PyTorch's classes take sizes only
            if padding != "valid" or ctx.spelling == Spelling.TORCH:
                raise SpecError(f"PyTorch pooling takes a padding size, not '{padding}'",
                                loc=ctx.arg_loc("padding"), code="bad-padding")
            padding = ((0, 0),) * len(k)
        axes = []
        for i, n in enumerate(spatial):
            pl, pr = padding[i]
            if pl != pr:
                raise SpecError(
                    f"PyTorch pooling pads both sides alike; got {num.fmt(pl)} and {num.fmt(pr)} on axis "
                    f"{ctx.axis_names[i]}", loc=ctx.arg_loc("padding"), code="bad-padding"
                )
            ctx.at_least(
                k[i] // 2,
                pl,
                lambda i=i, pl=pl: f"padding {num.fmt(pl)} is more than half the kernel {num.fmt(k[i])} "
                f"on axis {ctx.axis_names[i]}; PyTorch requires pad <= kernel // 2",
                code="bad-padding", arg="padding",
            )
            if self.kind == "avgpool" and len(k) == 3:
                # avg_pool3d (only it) checks the unpadded input against the kernel.
                ctx.at_least(
                    n,
                    k[i],
                    lambda i=i, n=n: f"input {num.fmt(n)} is smaller than the kernel {num.fmt(k[i])} on axis "
                    f"{ctx.axis_names[i]}; PyTorch's AvgPool3d checks the input before padding",
                    code="size-below-1",
                )
            axes.append(W.slide(ctx, i, n, k[i], s[i], (pl, pr), d[i], ceil_mode=a["ceil_mode"]))
        return LayerOut(ctx.join(c, [size for size, _ in axes]), windows=tuple(w for _, w in axes))


_KERNEL = A.Param("kernel", A.AXES)
_POOL_PARAMS = (
    A.Param("stride", A.OPTIONAL_AXES, None, doc="defaults to the kernel"),
    A.Param("padding", W.PADDING, 0, keras_default="valid"),
)


@register
class MaxPool(_Pool):
    kind = "maxpool"
    doc = "Max pooling; `maxpool` infers the rank from its input."
    aliases = ("max_pooling", "maxpooling")
    params = (
        _KERNEL._replace(keras_default=2, doc="Keras: default 2"),  # Keras 3's MaxPooling*D(pool_size=2)
        *_POOL_PARAMS,
        A.Param("dilation", A.AXES, 1),
        A.Param("ceil_mode", A.BOOL, False),
        _RETURN_INDICES,
        DATA_FORMAT,
    )
    order = ("kernel", "stride", "padding", "dilation", "ceil_mode")
    torch = per_rank("MaxPool{}d")
    torch_sig = "kernel_size, stride, padding, dilation, return_indices, ceil_mode"
    keras = per_rank("MaxPooling{}D", "MaxPool{}D")
    keras_sig = "pool_size, strides, padding, data_format, name, **"

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        return _with_indices(super().infer(ctx, inputs, a), a)


def _divisor(raw: Any, ctx: Ctx, what: str) -> Any:
    """PyTorch's divisor_override: a whole number, not 0 ("divisor must be not zero")."""
    if raw is None:
        return None
    v = A.INTEGER(raw, ctx, what)
    if num.is_int(v) and v == 0:
        raise SpecError("divisor_override must not be 0 (PyTorch refuses it: divisor must be not zero)",
                        code="bad-argument")
    return v


@register
class AvgPool(_Pool):
    kind = "avgpool"
    doc = "Average pooling; count_include_pad has no shape effect."
    aliases = ("average_pooling", "averagepooling", "avg_pool")
    params = (
        _KERNEL,  # Keras 3's AveragePooling*D has no default pool_size
        *_POOL_PARAMS,
        A.Param("ceil_mode", A.BOOL, False),
        A.Param("count_include_pad", A.BOOL, True, doc="no shape effect"),
        A.Param("divisor_override", A.Kind("int != 0", _divisor, A.INTEGER.schema), None,
                doc="no shape effect; PyTorch refuses 0"),
        DATA_FORMAT,
    )
    order = ("kernel", "stride", "padding", "ceil_mode")
    torch = per_rank("AvgPool{}d")
    torch_sig = "kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override"
    torch_sigs = {"AvgPool1d": "kernel_size, stride, padding, ceil_mode, count_include_pad"}
    keras = per_rank("AveragePooling{}D", "AvgPool{}D")
    keras_sig = "pool_size, strides, padding, data_format, name, **"


def _optional_axes(raw: Any, ctx: Ctx, what: str) -> tuple[Any, ...]:
    """Adaptive output sizes: per axis, a size or None (keep the input's)."""
    raw = split_axes(raw)
    rank = ctx.rank or 1
    items = list(raw) if isinstance(raw, list | tuple) else [raw] * rank
    if len(items) != rank:
        raise SpecError(f"{what} has {len(items)} values {items} but the layer has {rank} spatial axes",
                        code="wrong-axis-count")
    return tuple(
        None if item is None or (isinstance(item, str) and item.lower() == "none")
        else A.POSITIVE(item, ctx, f"{what} on axis {ctx.axis_names[i]}")
        for i, item in enumerate(items)
    )


class _Adaptive(Layer):
    family = "pooling"
    drawing = "pool"
    ranks = (1, 2, 3)
    params = (
        A.Param("size", A.Kind("size per axis (None keeps)", _optional_axes, A.AXES.schema),
                aliases=("output_size",)),
        DATA_FORMAT,
    )
    order = ("size",)
    keras_sig = "output_size, data_format, **"

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        c, spatial = ctx.split(inputs[0])
        if None in a["size"] and (ctx.keras or len(spatial) == 1):
            # Only PyTorch's 2d/3d adaptive pools read None as "keep this axis".
            raise SpecError(
                f"output size None (keep the input's size) is not accepted by "
                f"{'Keras' if ctx.keras else 'PyTorch 1d adaptive pooling'}; give a size for every axis",
                code="bad-argument"
            )
        out = tuple(n if o is None else o for n, o in zip(spatial, a["size"], strict=True))
        for name, n, o, size in zip(ctx.axis_names, spatial, a["size"], out, strict=True):
            ctx.note(name, "the output size, given (input {n})" if o is not None else
                     "None keeps the input's size", size, n=n)
        return LayerOut(ctx.join(c, out))


@register
class AdaptiveAvgPool(_Adaptive):
    kind = "adaptive_avgpool"
    doc = "Adaptive average pooling to a fixed output size."
    torch = per_rank("AdaptiveAvgPool{}d")
    torch_sig = "output_size"  # no return_indices: only the max pool returns indices
    keras = per_rank("AdaptiveAveragePooling{}D")


@register
class AdaptiveMaxPool(_Adaptive):
    kind = "adaptive_maxpool"
    doc = "Adaptive max pooling to a fixed output size."
    params = (*_Adaptive.params[:-1], _RETURN_INDICES, _Adaptive.params[-1])
    torch = per_rank("AdaptiveMaxPool{}d")
    torch_sig = "output_size, return_indices"
    keras = per_rank("AdaptiveMaxPooling{}D")

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        return _with_indices(super().infer(ctx, inputs, a), a)


class _Global(Layer):
    family = "pooling"
    drawing = "pool"
    ranks = (1, 2, 3)
    params = (A.Param("keepdims", A.BOOL, False), DATA_FORMAT)
    order = ("keepdims",)
    keras_sig = "data_format, keepdims, **"

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        c, spatial = ctx.split(inputs[0])
        ctx.note("window", "the whole " + "×".join(f"{{n_{i}}}" for i in range(len(spatial)))
                 + " map: one value per channel, {c} channels", c=c,
                 **{f"n_{i}": n for i, n in enumerate(spatial)})
        if a["keepdims"]:
            return LayerOut(ctx.join(c, (1,) * len(spatial)))
        return LayerOut((c,))


@register
class GlobalAvgPool(_Global):
    kind = "global_avgpool"
    doc = "Average over all spatial positions: (C,) or, with keepdims, 1s in place of them."
    aliases = ("global_average_pooling", "globalaveragepooling")
    keras = per_rank("GlobalAveragePooling{}D", "GlobalAvgPool{}D")


@register
class GlobalMaxPool(_Global):
    kind = "global_maxpool"
    doc = "Maximum over all spatial positions: (C,) or, with keepdims, 1s in place of them."
    aliases = ("global_max_pooling", "globalmaxpooling")
    keras = per_rank("GlobalMaxPooling{}D", "GlobalMaxPool{}D")
