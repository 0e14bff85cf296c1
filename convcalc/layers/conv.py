"""Convolutions.

PyTorch: ``out = ⌊(n + p_l + p_r − d·(k−1) − 1) / s⌋ + 1`` per axis, weight
``(c_out, c_in/groups, *k)``; ``padding='same'`` only with stride 1.
Keras: ``valid`` is the same rule with no padding, ``same``/``causal`` give
``⌈n / s⌉``; kernel ``(*k, c_in/groups, c_out)``; strides and dilation above
1 together are refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..arith import formulas as F
from ..arith import num
from ..core import params as A
from ..core.context import Ctx
from ..core.framework import Spelling
from ..core.types import LayerOut, Shape, Weight
from ..errors import SpecError
from ..spec.model import split_axes
from . import window as W
from .base import Layer
from .common import (
    DATA_FORMAT,
    IN_CHANNELS,
    KERAS_LORA,
    check_in_channels,
    kernel_and_bias,
    padding_repr,
    per_rank,
)
from .registry import register


# Shared by the convolutions of this module (depthwise and separable too); pool.py reuses
# resolve_padding.  Helpers of several families live in layers/common.py.
def _channels_in(ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> tuple[Any, Shape]:
    """The input's channels, checked against a given in_channels, and its spatial sizes."""
    x = inputs[0]
    c_in, spatial = ctx.split(x)
    check_in_channels(ctx, x, c_in, a["in_channels"])
    return c_in, spatial


def check_groups(ctx: Ctx, c_in: Any, c_out: Any, groups: Any) -> None:
    if groups == 1 and type(groups) is int and type(c_in) is int and type(c_out) is int:
        return  # most convolutions: one group divides any whole number (no messages made)
    ctx.divides(
        groups, c_in, lambda: f"input channels {num.fmt(c_in)} are not divisible by groups {num.fmt(groups)}",
        code="not-divisible", arg="groups",
    )
    ctx.divides(
        groups,
        c_out,
        lambda: f"output channels {num.fmt(c_out)} are not divisible by groups {num.fmt(groups)}",
        code="not-divisible", arg="groups",
    )


def resolve_padding(
    ctx: Ctx, padding: Any, kernel: Sequence[Any], stride: Sequence[Any], dilation: Sequence[Any],
    layer: Layer,
) -> Any:
    """Refuse what the framework refuses; turn PyTorch 'same'/'valid' into pairs.

    Returns per-axis (left, right) pairs, or "same" for Keras's ⌈n/s⌉ rule.
    """
    rank = len(kernel)
    kind = layer.kind
    if ctx.keras and not isinstance(padding, str):
        raise SpecError(
            f"Keras's {layer.keras_class(rank)} takes padding 'valid' or 'same'"
            f"{' or causal' if rank == 1 and kind == 'conv' else ''}, not {padding_repr(padding)}; "
            f"put a zeropad{rank}d layer before it for explicit padding", loc=ctx.arg_loc("padding"),
            code="bad-padding"
        )
    if padding == "causal":
        if rank != 1:
            raise SpecError("padding 'causal' is only for 1-D convolutions", loc=ctx.arg_loc("padding"),
                            code="bad-padding")
        if ctx.keras and kind != "conv":
            raise SpecError(f"Keras's {layer.keras_class(rank)} takes padding 'valid' or 'same', "
                            "not 'causal'",
                            loc=ctx.arg_loc("padding"), code="bad-padding")
        # PyTorch has no such option; convcalc reads it as Keras does (left padding), stated in the README.
        return tuple((d * (k - 1), 0) for k, d in zip(kernel, dilation, strict=True))
    if padding == "valid":
        return ((0, 0),) * rank
    if ctx.keras:
        return "same"  # the one mode word left
    if padding == "same":
        if any(not (num.is_int(s) and s == 1) for s in stride):
            raise SpecError(
                f"padding='same' is not supported for strided convolutions (stride {padding_repr(stride)});"
                " PyTorch refuses it", loc=ctx.arg_loc("padding"), code="bad-padding"
            )
        return tuple(_torch_same_pads(ctx, i, kernel[i], dilation[i]) for i in range(rank))
    return padding


# PyTorch's padding='same': d·(k−1) in total (SAME_PAD_TOTAL), the odd one on the right.
SAME_PAD_LEFT, SAME_PAD_RIGHT = F.SAME_PAD_LEFT, F.SAME_PAD_RIGHT


def _torch_same_pads(ctx: Ctx, axis: int, k: Any, d: Any) -> tuple[Any, Any]:
    """The pads of PyTorch's 'same' on one axis, each step recorded for --explain."""
    name = ctx.axis_names[axis]
    total = ctx.step(f"same padding {name}", F.SAME_PAD_TOTAL, d=d, k=k)
    left = ctx.step(f"p_l {name}", SAME_PAD_LEFT, t=total)
    return left, ctx.step(f"p_r {name}", SAME_PAD_RIGHT, t=total, p_l=left)


def check_keras_dilation(ctx: Ctx, stride: Sequence[Any], dilation: Sequence[Any]) -> None:
    if not ctx.keras:
        return
    if any(num.is_int(s) and s > 1 for s in stride) and any(num.is_int(d) and d > 1 for d in dilation):
        raise SpecError(
            f"Keras does not support strides > 1 together with dilation_rate > 1 "
            f"(strides {padding_repr(tuple(stride))}, dilation {padding_repr(tuple(dilation))})",
            code="not-in-framework"
        )


def check_padding_mode(ctx: Ctx, mode: str, spatial: Shape, pads: Any) -> None:
    """PyTorch's reflect padding must be smaller than the input; circular may not wrap twice."""
    for i, (n, pair) in enumerate(zip(spatial, pads, strict=True)):
        for p in pair:
            limit = n - 1 if mode == "reflect" else n
            ctx.at_least(
                limit,
                p,
                lambda n=n, p=p, i=i: f"padding {num.fmt(p)} with padding_mode '{mode}' needs an input "
                f"larger than {'' if mode == 'reflect' else 'or equal to '}the padding, but the input is "
                f"{num.fmt(n)} on axis {ctx.axis_names[i]}", code="bad-padding", arg="padding",
            )


# The arguments convolutions share, in their usual order.
_OUT = A.Param("out", A.POSITIVE)
def _kernel(raw: Any, ctx: Ctx, what: str) -> tuple[Any, ...]:
    """Kernel sizes per axis; PyTorch's convolutions (unlike its pools) refuse a one-element list
    on 2 or 3 axes (the weight gets one axis too few)."""
    items = split_axes(raw)
    one = isinstance(items, list | tuple) and len(items) == 1
    if one and ctx.spelling == Spelling.TORCH and (ctx.rank or 1) > 1:
        raise SpecError(f"{what} {list(items)} has one value, but PyTorch's {ctx.cls} needs {ctx.rank} (one "
                        "per spatial axis) or a single number", code="wrong-axis-count")
    return A.AXES(raw, ctx, what)


_KERNEL = A.Param("kernel", A.Kind(A.AXES.name, _kernel, A.AXES.schema))
_STRIDE = A.Param("stride", A.AXES, 1)
_PADDING = A.Param("padding", W.PADDING, 0, keras_default="valid")
_DILATION = A.Param("dilation", A.AXES, 1)
_GROUPS = A.Param("groups", A.POSITIVE, 1)
_BIAS = A.Param("bias", A.BOOL, True)
_PADDING_MODES = A.choice("zeros", "reflect", "replicate", "circular")
# The frameworks' signatures (see Layer.torch_sig); PyTorch's Lazy classes have no in_channels.
_TORCH_CONV = ("out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode, device, "
               "dtype")
_TORCH_TCONV = ("out_channels, kernel_size, stride, padding, output_padding, groups, bias, dilation, "
                "padding_mode, device, dtype")
_KERAS_INIT = ("kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer, "
               "activity_regularizer, kernel_constraint, bias_constraint")


@register
class Conv(Layer):
    kind = "conv"
    family = "convolution"
    drawing = "conv"
    doc = "Convolution; `conv` infers the rank from its input."
    ranks = (1, 2, 3)
    aliases = ("convolution",)
    params = (
        _OUT, _KERNEL, _STRIDE, _PADDING, _DILATION, _GROUPS, _BIAS, IN_CHANNELS, DATA_FORMAT,
        A.Param("padding_mode", _PADDING_MODES, "zeros",
                doc="PyTorch: reflect needs padding < input, circular padding <= input"),
        KERAS_LORA,
    )
    order = ("out", "kernel", "stride", "padding", "dilation", "groups", "bias")
    torch = per_rank("Conv{}d", "LazyConv{}d")
    torch_sig = f"in_channels, {_TORCH_CONV}"
    torch_sigs = dict.fromkeys(per_rank("LazyConv{}d"), _TORCH_CONV)  # in_channels from the first input
    keras = per_rank("Conv{}D", "Convolution{}D")
    # lora_rank and lora_alpha reach Keras's BaseConv through **kwargs: by keyword only
    keras_sig = ("filters, kernel_size, strides, padding, data_format, dilation_rate, groups, activation, "
                 f"use_bias, {_KERAS_INIT}, *, lora_rank, lora_alpha, **")

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        c_in, spatial = _channels_in(ctx, inputs, a)
        c_out, k, s, d, g = a["out"], a["kernel"], a["stride"], a["dilation"], a["groups"]
        check_groups(ctx, c_in, c_out, g)
        check_keras_dilation(ctx, s, d)
        pads = resolve_padding(ctx, a["padding"], k, s, d, self)
        if a["padding_mode"] in ("reflect", "circular") and not ctx.keras:
            check_padding_mode(ctx, a["padding_mode"], spatial, pads)
        out, windows = W.spatial_out(ctx, spatial, k, s, pads, d)
        per_group = c_in // g
        weights = kernel_and_bias(ctx, (*k, per_group, c_out), (c_out, per_group, *k), c_out, a["bias"])
        macs = num.prod(k) * per_group * c_out * num.prod(out)
        return LayerOut(ctx.join(c_out, out), weights, macs, windows)


# ------------------------------------------------------------ transposed

OUTPUT_PADDING = A.Param(
    "output_padding", A.optional(A.AXES_NONNEG), 0, keras_default=None,
    doc="extra size on the right (Keras's default None: inferred)",
)


@register
class ConvTranspose(Layer):
    """Transposed ("de-") convolution.

    PyTorch: ``out = (n−1)·s − pl − pr + d·(k−1) + output_padding + 1``, weight
    ``(c_in, c_out/groups, *k)``; output_padding must be smaller than the stride
    or the dilation on each axis.  Keras: ``valid`` gives ``n·s + max(k_eff − s, 0)``,
    ``same`` gives ``n·s``; with output_padding, ``(n−1)·s + k_eff + op`` (valid)
    or ``(n−1)·s + k_eff mod 2 + op`` (same); kernel ``(*k, c_out, c_in)``.
    MACs count every input position times the kernel: ``prod(k)·c_in·c_out/groups·prod(n)``.
    """

    kind = "conv_transpose"
    family = "convolution"
    drawing = "up"
    doc = "Transposed convolution (upsampling by the stride)."
    ranks = (1, 2, 3)
    aliases = ("convtranspose", "deconv", "conv_t")
    params = (
        _OUT, _KERNEL, _STRIDE, _PADDING, OUTPUT_PADDING, _DILATION, _GROUPS, _BIAS, IN_CHANNELS, DATA_FORMAT,
        A.Param("padding_mode", _PADDING_MODES, "zeros",
                doc="PyTorch: only zeros for transposed convolutions"),
    )
    order = ("out", "kernel", "stride", "padding", "output_padding", "dilation", "groups", "bias")
    torch = per_rank("ConvTranspose{}d", "LazyConvTranspose{}d")
    torch_sig = f"in_channels, {_TORCH_TCONV}"
    torch_sigs = dict.fromkeys(per_rank("LazyConvTranspose{}d"), _TORCH_TCONV)
    keras = per_rank("Conv{}DTranspose", "Convolution{}DTranspose")
    keras_sig = ("filters, kernel_size, strides, padding, output_padding, data_format, dilation_rate, "
                 f"activation, use_bias, {_KERAS_INIT}, **")
    # Keras's 3-D class alone takes data_format before output_padding.
    keras_sigs = dict.fromkeys(("Conv3DTranspose", "Convolution3DTranspose"),
                               "filters, kernel_size, strides, padding, data_format, output_padding, "
                               f"dilation_rate, activation, use_bias, {_KERAS_INIT}, **")

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        c_in, spatial = _channels_in(ctx, inputs, a)
        c_out, k, g = a["out"], a["kernel"], a["groups"]
        check_groups(ctx, c_in, c_out, g)
        out = self._keras(ctx, spatial, a) if ctx.keras else self._torch(ctx, spatial, a)
        weights = kernel_and_bias(ctx, (*k, c_out, c_in), (c_in, c_out // g, *k), c_out, a["bias"])
        macs = num.prod(k) * c_in * (c_out // g) * num.prod(spatial)
        return LayerOut(ctx.join(c_out, out), weights, macs)

    def _torch(self, ctx: Ctx, spatial: Shape, a: Mapping[str, Any]) -> list[Any]:
        k, s, d = a["kernel"], a["stride"], a["dilation"]
        op = a["output_padding"] or (0,) * len(k)
        padding = a["padding"]
        if a["padding_mode"] != "zeros":
            raise SpecError(f"PyTorch's ConvTranspose supports only padding_mode 'zeros', not "
                            f"'{a['padding_mode']}'", loc=ctx.arg_loc("padding_mode"), code="bad-padding")
        if isinstance(padding, str):
            raise SpecError(f"PyTorch's ConvTranspose takes a padding size, not '{padding}'",
                            loc=ctx.arg_loc("padding"), code="bad-padding")
        out = []
        for i, n in enumerate(spatial):
            name = ctx.axis_names[i]
            pl, pr = padding[i]
            if pl != pr:
                raise SpecError(f"PyTorch's ConvTranspose pads both sides alike; got {num.fmt(pl)} and "
                                f"{num.fmt(pr)} on axis {name}", loc=ctx.arg_loc("padding"),
                                code="bad-padding")
            self._check_op(ctx, name, op[i], s[i], d[i])
            size = ctx.step(name, F.TCONV_OUT, n=n, s=s[i], p_l=pl, p_r=pr, d=d[i], k=k[i], op=op[i])
            ctx.at_least(size, 1, lambda size=size, n=n, i=i, pl=pl: (
                f"output size on axis {ctx.axis_names[i]} would be {num.fmt(size)} (input {num.fmt(n)}, "
                f"kernel {num.fmt(k[i])}, stride {num.fmt(s[i])}, padding {num.fmt(pl)} on each side); "
                "it must be at least 1"), code="size-below-1")
            out.append(size)
        return out

    @staticmethod
    def _check_op(ctx: Ctx, name: str, op: Any, s: Any, d: Any) -> None:
        def message() -> str:
            return (f"output_padding {num.fmt(op)} on axis {name} must be smaller than either the stride "
                    f"{num.fmt(s)} or the dilation {num.fmt(d)} (PyTorch refuses it)")

        if all(num.is_int(v) for v in (op, s, d)):
            if not (op < s or op < d):
                raise SpecError(message(), code="bad-argument")
            return
        sympy = num.sympy_module()
        ctx.require(sympy.Or(sympy.Lt(op, s), sympy.Lt(op, d)), message(), code="bad-argument")

    def _keras(self, ctx: Ctx, spatial: Shape, a: Mapping[str, Any]) -> list[Any]:
        k, s, d, op, padding = a["kernel"], a["stride"], a["dilation"], a["output_padding"], a["padding"]
        if a["groups"] != 1:
            raise SpecError(f"Keras's Conv{len(k)}DTranspose has no groups "
                            f"(got groups {num.fmt(a['groups'])})", code="not-in-framework")
        if padding not in ("valid", "same"):
            raise SpecError(f"Keras's Conv{len(k)}DTranspose takes padding 'valid' or 'same', "
                            f"not {padding_repr(padding)}", loc=ctx.arg_loc("padding"), code="bad-padding")
        check_keras_dilation(ctx, s, d)
        out = []
        for i, n in enumerate(spatial):
            name = ctx.axis_names[i]
            env = {"n": n, "s": s[i], "d": d[i], "k": k[i]}
            if op is None:
                formula = F.TCONV_SAME if padding == "same" else F.TCONV_VALID
                size = ctx.step(name, formula, **({"n": n, "s": s[i]} if padding == "same" else env))
            else:
                ctx.at_least(s[i] - 1, op[i], lambda i=i, name=name: (
                    f"output_padding {num.fmt(op[i])} on axis {name} must be smaller than the stride "
                    f"{num.fmt(s[i])} (Keras refuses it)"), code="bad-argument")
                formula = F.TCONV_SAME_OP if padding == "same" else F.TCONV_VALID_OP
                size = ctx.step(name, formula, op=op[i], **env)
            ctx.at_least(size, 1, lambda size=size, name=name: (
                f"output size on axis {name} would be {num.fmt(size)}; it must be at least 1"),
                code="size-below-1")
            out.append(size)
        return out


# ------------------------------------------------------- depthwise/separable

_DEPTHWISE_PARAMS = (
    _KERNEL, _STRIDE, _PADDING,
    A.Param("depth_multiplier", A.POSITIVE, 1, doc="output channels per input channel"),
    _DILATION, _BIAS, IN_CHANNELS, DATA_FORMAT,
)
_DEPTHWISE_ORDER = ("kernel", "stride", "padding", "depth_multiplier", "dilation", "bias")


def _depthwise(
    ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any], layer: Layer
) -> tuple[Any, Shape, tuple[W.Window, ...], Any]:
    """The depthwise step, the convolution rule per channel: input channels, output sizes, windows, MACs.

    Keras 3 accepts strides > 1 with dilation > 1 here (unlike Conv*D), so
    that pair is not refused.
    """
    c_in, spatial = _channels_in(ctx, inputs, a)
    k, s, d, m = a["kernel"], a["stride"], a["dilation"], a["depth_multiplier"]
    pads = resolve_padding(ctx, a["padding"], k, s, d, layer)
    out, windows = W.spatial_out(ctx, spatial, k, s, pads, d)
    return c_in, out, windows, num.prod(k) * c_in * m * num.prod(out)


@register
class DepthwiseConv(Layer):
    """Each input channel convolved with its own ``depth_multiplier`` filters.

    Keras kernel ``(*k, c_in, m)``, bias ``(c_in·m,)``.  PyTorch has no class:
    it is ``Conv(c_in, c_in·m, k, groups=c_in)``, weight ``(c_in·m, 1, *k)``.
    MACs ``prod(k)·c_in·m·prod(out)``.
    """

    kind = "depthwise_conv"
    family = "convolution"
    drawing = "conv"
    doc = "Depthwise convolution (Keras DepthwiseConv; PyTorch: conv with groups=c_in)."
    ranks = (1, 2)
    aliases = ("depthwiseconv", "dwconv")
    params = _DEPTHWISE_PARAMS
    order = _DEPTHWISE_ORDER
    keras = per_rank("DepthwiseConv{}D", ranks=ranks)
    keras_sig = ("kernel_size, strides, padding, depth_multiplier, data_format, dilation_rate, activation, "
                 "use_bias, depthwise_initializer, bias_initializer, depthwise_regularizer, "
                 "bias_regularizer, activity_regularizer, depthwise_constraint, bias_constraint, **")

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        c_in, out, windows, macs = _depthwise(ctx, inputs, a, self)
        k, m = a["kernel"], a["depth_multiplier"]
        weights = kernel_and_bias(ctx, (*k, c_in, m), (c_in * m, 1, *k), c_in * m, a["bias"])
        return LayerOut(ctx.join(c_in * m, out), weights, macs, windows)


@register
class SeparableConv(Layer):
    """Depthwise convolution, then a 1×1 (pointwise) convolution to ``out`` channels.

    Keras: ``depthwise_kernel (*k, c_in, m)``, ``pointwise_kernel (1…, c_in·m, out)``,
    ``bias (out,)``: 3×3 from 32 to 64 channels is 288 + 2,048 + 64 = 2,400.
    PyTorch has no class; convcalc shows the usual pair
    ``depthwise = Conv(c_in, c_in·m, k, groups=c_in, bias=False)``,
    ``pointwise = Conv(c_in·m, out, 1, bias=bias)`` (the same count).
    MACs: depthwise ``prod(k)·c_in·m·prod(out)`` plus pointwise ``c_in·m·out·prod(out)``.
    """

    kind = "separable_conv"
    family = "convolution"
    drawing = "conv"
    doc = "Depthwise-separable convolution (depthwise, then 1×1 pointwise)."
    ranks = (1, 2)
    aliases = ("separableconv", "sepconv")
    params = (_OUT, *_DEPTHWISE_PARAMS)
    order = ("out", *_DEPTHWISE_ORDER)
    keras = per_rank("SeparableConv{}D", "SeparableConvolution{}D", ranks=ranks)
    keras_sig = ("filters, kernel_size, strides, padding, data_format, dilation_rate, depth_multiplier, "
                 "activation, use_bias, depthwise_initializer, pointwise_initializer, bias_initializer, "
                 "depthwise_regularizer, pointwise_regularizer, bias_regularizer, activity_regularizer, "
                 "depthwise_constraint, pointwise_constraint, bias_constraint, **")

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        c_in, out, windows, depthwise_macs = _depthwise(ctx, inputs, a, self)
        k, m, c_out = a["kernel"], a["depth_multiplier"], a["out"]
        ones = (1,) * len(k)
        if ctx.keras:
            weights = [Weight("depthwise_kernel", (*k, c_in, m)),
                       Weight("pointwise_kernel", (*ones, c_in * m, c_out))]
        else:
            weights = [Weight("depthwise.weight", (c_in * m, 1, *k)),
                       Weight("pointwise.weight", (c_out, c_in * m, *ones))]
        if a["bias"]:
            weights.append(Weight("bias" if ctx.keras else "pointwise.bias", (c_out,)))
        macs = depthwise_macs + c_in * m * c_out * num.prod(out)
        return LayerOut(ctx.join(c_out, out), tuple(weights), macs, windows)
