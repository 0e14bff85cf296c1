"""Pooling: windowed, adaptive and global.

PyTorch pools use the convolution rule (with ``ceil_mode`` rounding up and
dropping a last window that would start in the right padding) and refuse
padding above half the kernel.  Keras pools take ``valid`` (no padding) or
``same`` (``⌈n / s⌉``).  The stride defaults to the kernel in both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .. import args as A
from .. import num
from ..errors import SpecError
from . import window as W
from .base import Ctx, Layer, LayerOut, Shape, register
from .conv import DATA_FORMAT, padding_repr


class _Pool(Layer):
    family = "pooling"
    ranks = (1, 2, 3)
    dilated: bool = True

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        x = inputs[0]
        c, spatial = ctx.split(x)
        k = a["kernel"]
        s = a["stride"] if a["stride"] is not None else k
        d = a.get("dilation") or (1,) * len(k)
        padding = a["padding"]
        out, windows = [], []
        if ctx.keras:
            if not isinstance(padding, str) or padding == "causal":
                raise SpecError(
                    f"Keras pooling takes padding 'valid' or 'same', not {padding_repr(padding)}"
                )
            for i, n in enumerate(spatial):
                if padding == "same":
                    out.append(W.same(ctx, i, n, s[i]))
                    total = num.maximum((num.ceildiv(n, s[i]) - 1) * s[i] + k[i] - n, 0)
                    windows.append(W.window(k[i], s[i], 1, total // 2))
                else:
                    out.append(W.slide(ctx, i, n, k[i], s[i], (0, 0), 1, what="pool size"))
                    windows.append(W.window(k[i], s[i], 1, 0))
            return LayerOut(ctx.join(c, out), windows=tuple(windows))
        if isinstance(padding, str):
            if padding != "valid":
                raise SpecError(f"PyTorch pooling takes a padding size, not '{padding}'")
            padding = ((0, 0),) * len(k)
        for i, n in enumerate(spatial):
            pl, pr = padding[i]
            if pl != pr:
                raise SpecError(
                    f"PyTorch pooling pads both sides alike; got {num.fmt(pl)} and {num.fmt(pr)} on axis "
                    f"{ctx.axis_names[i]}"
                )
            ctx.at_least(
                k[i] // 2,
                pl,
                lambda i=i, pl=pl: f"padding {num.fmt(pl)} is more than half the kernel {num.fmt(k[i])} "
                f"on axis {ctx.axis_names[i]}; PyTorch requires pad <= kernel // 2",
            )
            if self.kind == "avgpool" and len(k) == 3:
                # avg_pool3d (only it) checks the unpadded input against the kernel.
                ctx.at_least(
                    n,
                    k[i],
                    lambda i=i, n=n: f"input {num.fmt(n)} is smaller than the kernel {num.fmt(k[i])} on axis "
                    f"{ctx.axis_names[i]}; PyTorch's AvgPool3d checks the input before padding",
                )
            out.append(W.slide(ctx, i, n, k[i], s[i], (pl, pr), d[i], ceil_mode=a["ceil_mode"]))
            windows.append(W.window(k[i], s[i], d[i], pl))
        return LayerOut(ctx.join(c, out), windows=tuple(windows))


_POOL_PARAMS = (
    A.Param("kernel", A.AXES),
    A.Param("stride", A.OPTIONAL_AXES, None, doc="defaults to the kernel"),
    A.Param("padding", W.PADDING, 0, keras_default="valid"),
)


@register
class MaxPool(_Pool):
    kind = "maxpool"
    doc = "Max pooling; `maxpool` infers the rank from its input."
    aliases = ("max_pooling", "maxpooling")
    params = (
        *_POOL_PARAMS,
        A.Param("dilation", A.AXES, 1),
        A.Param("ceil_mode", A.BOOL, False),
        A.Param("return_indices", A.BOOL, False, doc="no shape effect"),
        DATA_FORMAT,
    )
    order = ("kernel", "stride", "padding", "dilation", "ceil_mode")
    torch = {"MaxPool1d": 1, "MaxPool2d": 2, "MaxPool3d": 3}
    torch_order = ("kernel", "stride", "padding", "dilation", "return_indices", "ceil_mode")
    keras = {
        "MaxPooling1D": 1, "MaxPooling2D": 2, "MaxPooling3D": 3,
        "MaxPool1D": 1, "MaxPool2D": 2, "MaxPool3D": 3,
    }
    keras_order = ("kernel", "stride", "padding", "data_format")


@register
class AvgPool(_Pool):
    kind = "avgpool"
    doc = "Average pooling; count_include_pad has no shape effect."
    aliases = ("average_pooling", "averagepooling", "avg_pool")
    params = (
        *_POOL_PARAMS,
        A.Param("ceil_mode", A.BOOL, False),
        A.Param("count_include_pad", A.BOOL, True, doc="no shape effect"),
        A.Param("divisor_override", A.RAW, None, doc="no shape effect"),
        DATA_FORMAT,
    )
    order = ("kernel", "stride", "padding", "ceil_mode")
    torch = {"AvgPool1d": 1, "AvgPool2d": 2, "AvgPool3d": 3}
    torch_order = ("kernel", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override")
    keras = {
        "AveragePooling1D": 1, "AveragePooling2D": 2, "AveragePooling3D": 3,
        "AvgPool1D": 1, "AvgPool2D": 2, "AvgPool3D": 3,
    }
    keras_order = ("kernel", "stride", "padding", "data_format")


def _optional_axes(raw: Any, ctx: Ctx, what: str) -> tuple[Any, ...]:
    """Adaptive output sizes: per axis, a size or None (keep the input's)."""
    raw = A.split_axes(raw)
    rank = ctx.rank or 1
    items = list(raw) if isinstance(raw, list | tuple) else [raw] * rank
    if len(items) != rank:
        raise SpecError(f"{what} has {len(items)} values {items} but the layer has {rank} spatial axes")
    return tuple(
        None if item is None or (isinstance(item, str) and item.lower() == "none")
        else A.POSITIVE(item, ctx, f"{what} on axis {ctx.axis_names[i]}")
        for i, item in enumerate(items)
    )


class _Adaptive(Layer):
    family = "pooling"
    ranks = (1, 2, 3)
    params = (
        A.Param("size", A.Kind("size per axis (None keeps)", _optional_axes, A.AXES.schema),
                aliases=("output_size",)),
        A.Param("return_indices", A.BOOL, False, doc="no shape effect"),
        DATA_FORMAT,
    )
    order = ("size",)
    torch_order = ("size", "return_indices")
    keras_order = ("size", "data_format")

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        c, spatial = ctx.split(inputs[0])
        if None in a["size"] and (ctx.keras or len(spatial) == 1):
            # Only PyTorch's 2d/3d adaptive pools read None as "keep this axis".
            raise SpecError(
                f"output size None (keep the input's size) is not accepted by "
                f"{'Keras' if ctx.keras else 'PyTorch 1d adaptive pooling'}; give a size for every axis"
            )
        out = tuple(n if o is None else o for n, o in zip(spatial, a["size"], strict=True))
        for name, n, o, size in zip(ctx.axis_names, spatial, a["size"], out, strict=True):
            ctx.note(name, f"the output size, given (input {num.fmt(n)})" if o is not None else
                     "None keeps the input's size", size)
        return LayerOut(ctx.join(c, out))


@register
class AdaptiveAvgPool(_Adaptive):
    kind = "adaptive_avgpool"
    doc = "Adaptive average pooling to a fixed output size."
    torch = {"AdaptiveAvgPool1d": 1, "AdaptiveAvgPool2d": 2, "AdaptiveAvgPool3d": 3}
    keras = {"AdaptiveAveragePooling1D": 1, "AdaptiveAveragePooling2D": 2, "AdaptiveAveragePooling3D": 3}


@register
class AdaptiveMaxPool(_Adaptive):
    kind = "adaptive_maxpool"
    doc = "Adaptive max pooling to a fixed output size."
    torch = {"AdaptiveMaxPool1d": 1, "AdaptiveMaxPool2d": 2, "AdaptiveMaxPool3d": 3}
    keras = {"AdaptiveMaxPooling1D": 1, "AdaptiveMaxPooling2D": 2, "AdaptiveMaxPooling3D": 3}


class _Global(Layer):
    family = "pooling"
    ranks = (1, 2, 3)
    params = (A.Param("keepdims", A.BOOL, False), DATA_FORMAT)
    order = ("keepdims",)
    keras_order = ("data_format", "keepdims")

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        c, spatial = ctx.split(inputs[0])
        if a["keepdims"]:
            return LayerOut(ctx.join(c, (1,) * len(spatial)))
        return LayerOut((c,))


@register
class GlobalAvgPool(_Global):
    kind = "global_avgpool"
    doc = "Average over all spatial positions: (C,) or, with keepdims, 1s in place of them."
    aliases = ("global_average_pooling", "globalaveragepooling")
    keras = {
        "GlobalAveragePooling1D": 1, "GlobalAveragePooling2D": 2, "GlobalAveragePooling3D": 3,
        "GlobalAvgPool1D": 1, "GlobalAvgPool2D": 2, "GlobalAvgPool3D": 3,
    }


@register
class GlobalMaxPool(_Global):
    kind = "global_maxpool"
    doc = "Maximum over all spatial positions: (C,) or, with keepdims, 1s in place of them."
    aliases = ("global_max_pooling", "globalmaxpooling")
    keras = {
        "GlobalMaxPooling1D": 1, "GlobalMaxPooling2D": 2, "GlobalMaxPooling3D": 3,
        "GlobalMaxPool1D": 1, "GlobalMaxPool2D": 2, "GlobalMaxPool3D": 3,
    }
