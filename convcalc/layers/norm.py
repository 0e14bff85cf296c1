"""Normalization layers.

BatchNorm over C channels: PyTorch learns ``weight`` and ``bias`` (2C; the
running mean and variance are buffers, not parameters); Keras counts
``gamma`` and ``beta`` as trainable and ``moving_mean`` and
``moving_variance`` as non-trainable parameters, 4C in its total.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..arith import formulas as F
from ..arith import num
from ..core import params as A
from ..core.context import Ctx
from ..core.framework import Spelling
from ..core.types import LayerOut, Shape, Weight, fmt_shape
from ..errors import SpecError
from .base import Layer
from .common import check_in_channels, per_rank, unbatched
from .registry import register


def _axis(x: Shape, axis: Any) -> int:
    """A given axis (batch is 0, negatives from the end, as in Keras) as an index into x (no batch)."""
    index = unbatched(axis, len(x), "axis")
    if index == -1:
        raise SpecError(f"axis {axis} is the batch axis, which cannot be normalized here", code="bad-axis")
    if index is None:
        raise SpecError(f"axis {axis} is out of range for an input of {len(x)} axes {fmt_shape(x)} "
                        f"plus the batch axis", code="bad-axis")
    return index


def _affine(ctx: Ctx, shape: Shape, scale: bool = True, center: bool = True) -> tuple[Weight, ...]:
    """The learned scale and shift of a normalization, each of ``shape``: Keras's ``gamma`` and ``beta``,
    PyTorch's ``weight`` and ``bias``."""
    scale_name, shift_name = ("gamma", "beta") if ctx.keras else ("weight", "bias")
    if scale and center:  # most normalizations learn both (a tuple made at once, not grown)
        return Weight(scale_name, shape), Weight(shift_name, shape)
    return (Weight(scale_name, shape),) if scale else (Weight(shift_name, shape),) if center else ()


_AFFINE = A.Param("affine", A.BOOL, True, doc="PyTorch: learn weight and bias")
_EPS = A.Param("eps", A.RAW, None, aliases=("epsilon",), doc="no shape effect")
_CENTER = A.Param("center", A.BOOL, True, doc="Keras: learn beta")
_SCALE = A.Param("scale", A.BOOL, True, doc="Keras: learn gamma")
# PyTorch 2.13's keyword-only `bias` (False: the weight alone) on BatchNorm, InstanceNorm, GroupNorm.
_TORCH_BIAS = A.Param("bias", A.BOOL, True, doc="PyTorch: learn the bias (with affine)")
# PyTorch's BatchNorm and InstanceNorm take the same arguments; the Lazy classes have no num_features.
_TORCH_LAZY_SIG = "eps, momentum, affine, track_running_stats, device, dtype, *, bias"
_TORCH_SIG = f"num_features, {_TORCH_LAZY_SIG}"
_KERAS_AFFINE_SIG = ("beta_initializer, gamma_initializer, beta_regularizer, gamma_regularizer, "
                     "beta_constraint, gamma_constraint")


@register
class BatchNorm(Layer):
    kind = "batchnorm"
    family = "normalization"
    drawing = "norm"
    doc = "Batch normalization over the channel axis."
    ranks = (1, 2, 3)
    aliases = ("batch_norm", "batchnormalization", "bn")
    params = (
        _AFFINE,
        A.Param("in_channels", A.OPTIONAL_POSITIVE, None, aliases=("num_features",),
                doc="checked against the input"),
        A.Param("axis", A.INTEGER, None, doc="Keras: the normalized axis (default: the channel axis; "
                "Keras's BatchNormalization: -1, the last, in any layout)"),
        _CENTER,
        _SCALE,
        _TORCH_BIAS,
    )
    order = ("affine",)
    torch = per_rank("BatchNorm{}d", "LazyBatchNorm{}d")
    torch_sig = _TORCH_SIG
    torch_sigs = dict.fromkeys(per_rank("LazyBatchNorm{}d"), _TORCH_LAZY_SIG)
    keras = {"BatchNormalization": None}
    keras_sig = ("axis, momentum, epsilon, center, scale, beta_initializer, gamma_initializer, "
                 "moving_mean_initializer, moving_variance_initializer, beta_regularizer, "
                 "gamma_regularizer, beta_constraint, gamma_constraint, renorm, renorm_clipping, "
                 "renorm_momentum, synchronized, **")

    def check_rank(self, shape: Shape, rank: int | None, type_name: str) -> None:
        # BatchNorm1d takes (C,) or (C, L); the others exactly C plus their spatial axes.
        if rank == 1 and len(shape) in (1, 2):
            return
        super().check_rank(shape, rank, type_name)

    def infer_rank(self, shape: Shape) -> int | None:
        return None  # `batchnorm` normalizes the channel axis of any rank

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        x = inputs[0]
        axis = a["axis"]
        if axis is None:  # Keras's class normalizes axis -1 in any layout; convcalc's own name, the channels
            c = x[-1] if ctx.spelling == Spelling.KERAS else ctx.split(x)[0]
        else:
            c = x[_axis(x, axis)]
        check_in_channels(ctx, x, c, a["in_channels"], "num_features")
        if ctx.keras:
            moving = (Weight("moving_mean", (c,), False), Weight("moving_variance", (c,), False))
            if a["scale"] and a["center"]:
                ctx.step("by the rule", F.BN_KERAS_PARAMS, c=c)
            return LayerOut(x, (*_affine(ctx, (c,), a["scale"], a["center"]), *moving))
        if a["affine"] and a["bias"]:
            ctx.step("by the rule", F.BN_TORCH_PARAMS, c=c)
        return LayerOut(x, _affine(ctx, (c,), center=a["bias"]) if a["affine"] else ())


def _axis_list(raw: Any, ctx: Ctx, what: str) -> tuple[int, ...]:
    """Keras axes: an int or a list of ints, batch counted as 0 (kept as written)."""
    items = raw if isinstance(raw, list | tuple) else [raw]
    if not items:  # Keras's torch backend refuses to normalize over no axis at all
        raise SpecError(f"{what} must name at least one axis, not []", code="bad-axis")
    out = []
    for r in items:
        if type(r) is not int:
            raise SpecError(f"{what} must be an axis number or a list of them, not {A.describe(r)}",
                            code="bad-axis")
        out.append(r)
    return tuple(out)


AXIS_LIST = A.Kind("int|[int,..]", _axis_list, {"anyOf": [{"type": "integer"}, {"type": "array"}]})


@register
class LayerNorm(Layer):
    """Normalizes over the trailing ``shape`` (PyTorch) or ``axis`` (Keras).

    PyTorch ``weight``/``bias`` have the normalized shape (``2·prod(shape)``);
    the input must end in that shape.  Keras ``gamma``/``beta`` have the
    sizes of the normalized axes (sorted as Keras sorts them); ``center``/
    ``scale`` drop one, ``rms_scaling`` keeps only gamma.  No MACs counted.
    """

    kind = "layernorm"
    family = "normalization"
    drawing = "norm"
    doc = "Layer normalization over the trailing axes."
    aliases = ("layer_norm", "layernormalization", "ln")
    params = (
        A.Param("shape", A.optional(A.SHAPE), None, aliases=("normalized_shape",),
                doc="normalized trailing shape (default: the last axis)"),
        A.Param("affine", A.BOOL, True, aliases=("elementwise_affine",),
                doc="PyTorch: learn weight (and bias)"),
        A.Param("bias", A.BOOL, True, doc="PyTorch: learn the bias"),
        A.Param("axis", A.optional(AXIS_LIST), None, doc="Keras: normalized axes (default -1)"),
        _EPS, _CENTER, _SCALE,
        A.Param("rms_scaling", A.BOOL, False, doc="Keras: gamma only"),
    )
    order = ("shape", "affine")
    torch = {"LayerNorm": None}
    torch_sig = "normalized_shape!, eps, elementwise_affine, bias, device, dtype"
    keras = {"LayerNormalization": None}
    # rms_scaling: Keras 3 still takes it (popped from **kwargs, deprecated).
    keras_sig = f"axis, epsilon, center, scale, {_KERAS_AFFINE_SIG}, *, rms_scaling, **"

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        x = inputs[0]
        shape = a["shape"]
        if ctx.keras:
            if shape is not None:
                if a["axis"] is not None:
                    raise SpecError("give either shape or axis, not both", code="conflicting-arguments")
                self._check_trailing(ctx, x, shape)
                axes: tuple[int, ...] = tuple(range(-len(shape), 0))
            else:
                axes = a["axis"] if a["axis"] is not None else (-1,)
            indices = [_axis(x, ax) for ax in sorted(axes)]
            if len(set(indices)) != len(indices):
                raise SpecError(f"axis {list(axes)} names an axis twice", code="bad-axis")
            pshape = tuple(x[i] for i in indices)
            rms = a["rms_scaling"]
            return LayerOut(x, _affine(ctx, pshape, a["scale"] or rms, a["center"] and not rms))
        if a["axis"] is not None:
            raise SpecError("PyTorch's LayerNorm takes the normalized shape, not an axis",
                            code="not-in-framework")
        shape = shape if shape is not None else (x[-1],)
        self._check_trailing(ctx, x, shape)
        return LayerOut(x, _affine(ctx, shape, center=a["bias"]) if a["affine"] else ())

    @staticmethod
    def _check_trailing(ctx: Ctx, x: Shape, shape: Shape) -> None:
        def message() -> str:
            return (f"normalized shape {fmt_shape(shape)} does not match the end of the input "
                    f"{fmt_shape(x)}")

        if len(shape) > len(x):
            raise SpecError(message(), code="shape-mismatch")
        for want, got in zip(shape, x[len(x) - len(shape):], strict=True):
            ctx.equal(want, got, message, code="shape-mismatch")


@register
class GroupNorm(Layer):
    """Normalizes groups of channels; ``weight``/``bias`` (``gamma``/``beta``) per channel.

    PyTorch: channels must be divisible by ``groups``; a given ``num_channels``
    must be divisible too and, with ``affine``, equal the input's channels.
    Keras: ``groups=-1`` means one group per channel; more groups than channels
    or channels not divisible by groups are refused.  No MACs counted.
    """

    kind = "groupnorm"
    family = "normalization"
    drawing = "norm"
    doc = "Group normalization over the channel axis."
    aliases = ("group_norm", "groupnormalization", "gn")
    params = (
        A.Param("groups", A.INTEGER, A.REQUIRED, aliases=("num_groups",), keras_default=32),
        _AFFINE,
        A.Param("in_channels", A.OPTIONAL_POSITIVE, None, aliases=("num_channels",),
                doc="checked against the input"),
        A.Param("axis", A.INTEGER, None, doc="Keras: the channel axis (default -1)"),
        _EPS, _CENTER, _SCALE, _TORCH_BIAS,
    )
    order = ("groups", "affine")
    torch = {"GroupNorm": None}
    torch_sig = "num_groups, num_channels, eps, affine, device, dtype, *, bias"
    keras = {"GroupNormalization": None}
    keras_sig = f"groups, axis, epsilon, center, scale, {_KERAS_AFFINE_SIG}, **"

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        x = inputs[0]
        g = a["groups"]
        if ctx.keras:
            c = x[_axis(x, a["axis"] if a["axis"] is not None else -1)]
            if num.is_int(g) and g == -1:
                g = c
            elif num.is_int(g) and g < 1:
                raise SpecError(f"groups must be positive (or -1 for one per channel), not {g}",
                                code="size-below-1")
            ctx.at_least(c, g, lambda: f"groups {num.fmt(g)} are more than the {num.fmt(c)} channels",
                         code="bad-argument")
            ctx.divides(g, c, lambda: f"channels {num.fmt(c)} are not divisible by groups {num.fmt(g)}",
                        code="not-divisible")
            return LayerOut(x, _affine(ctx, (c,), a["scale"], a["center"]))
        if a["axis"] is not None:
            raise SpecError("PyTorch's GroupNorm normalizes the channel axis; it takes no axis",
                            code="not-in-framework")
        c = ctx.split(x)[0]
        if num.is_int(g) and g < 1:
            raise SpecError(f"groups must be positive, not {g}", code="size-below-1")
        given = a["in_channels"]
        if given is not None:
            ctx.divides(g, given, lambda: f"num_channels {num.fmt(given)} is not divisible by num_groups "
                        f"{num.fmt(g)}", code="not-divisible")
        ctx.divides(g, c, lambda: f"input channels {num.fmt(c)} are not divisible by groups {num.fmt(g)}",
                    code="not-divisible")
        if not a["affine"]:
            return LayerOut(x)
        check_in_channels(ctx, x, c, given, "num_channels")
        return LayerOut(x, _affine(ctx, (c,), center=a["bias"]))


@register
class InstanceNorm(Layer):
    """Normalizes each channel of each sample; PyTorch's ``affine`` defaults to False.

    With ``affine`` (or ``track_running_stats``) a given ``num_features`` must
    equal the input's channels, as PyTorch checks at run time; running
    statistics are buffers, not parameters.  Keras has no InstanceNormalization
    layer (it is ``GroupNormalization(groups=-1)``); under ``framework: keras``
    convcalc shows ``gamma``/``beta`` when affine.
    """

    kind = "instancenorm"
    family = "normalization"
    drawing = "norm"
    doc = "Instance normalization (per sample and channel)."
    ranks = (1, 2, 3)
    aliases = ("instance_norm", "instancenormalization")
    params = (
        A.Param("affine", A.optional(A.BOOL), None,
                doc="learn weight and bias (default false; PyTorch's Lazy classes: true)"),
        A.Param("in_channels", A.OPTIONAL_POSITIVE, None, aliases=("num_features",),
                doc="checked against the input when affine"),
        _EPS,
        A.Param("momentum", A.RAW, None, doc="no shape effect"),
        A.Param("track_running_stats", A.optional(A.BOOL), None,
                doc="buffers only (default false; PyTorch's Lazy classes: true)"),
        _TORCH_BIAS,
    )
    order = ("affine",)
    torch = per_rank("InstanceNorm{}d", "LazyInstanceNorm{}d")
    torch_sig = _TORCH_SIG
    torch_sigs = dict.fromkeys(per_rank("LazyInstanceNorm{}d"), _TORCH_LAZY_SIG)

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        x = inputs[0]
        c, spatial = ctx.split(x)
        # PyTorch's LazyInstanceNorm*d default to affine=True, track_running_stats=True.
        lazy = ctx.cls.startswith("Lazy")
        affine = lazy if a["affine"] is None else a["affine"]
        running = lazy if a["track_running_stats"] is None else a["track_running_stats"]
        if affine or running:
            check_in_channels(ctx, x, c, a["in_channels"], "num_features")
        if not ctx.keras and not running:
            # Without running statistics PyTorch normalizes with the sample's own
            # statistics, which needs at least two values per channel.
            per_channel = num.prod(spatial)
            ctx.at_least(per_channel, 2, lambda: f"instance normalization needs more than 1 spatial element "
                         f"per channel, but the input {fmt_shape(x)} has {num.fmt(per_channel)} (PyTorch "
                         "refuses it unless track_running_stats=True)", code="size-below-1")
        if not affine:
            ctx.note("normalized", "each of the {c} channels over its own "
                     + "·".join(f"{{n_{i}}}" for i in range(len(spatial)))
                     + " values; affine off, so no parameters", c=c,
                     **{f"n_{i}": n for i, n in enumerate(spatial)})
        return LayerOut(x, _affine(ctx, (c,), center=a["bias"]) if affine else ())


@register
class LayerNorm2d(Layer):
    """LayerNorm over the channel axis of a feature map (torchvision's and timm's ``LayerNorm2d``, ConvNeXt):
    what ``permute → LayerNorm(C) → permute`` computes, in one layer; ``weight`` and ``bias`` of C."""

    kind = "layernorm2d"
    family = "normalization"
    drawing = "norm"
    doc = "LayerNorm over the channels of a feature map (ConvNeXt's LayerNorm2d): weight and bias of C."
    aliases = ("channel_layernorm", "layernorm_channels")
    params = (
        A.Param("in_channels", A.OPTIONAL_POSITIVE, None, aliases=("normalized_shape", "num_channels"),
                doc="checked against the input"),
        _EPS,
        A.Param("affine", A.BOOL, True, aliases=("elementwise_affine",), doc="learn weight (and bias)"),
        A.Param("bias", A.BOOL, True, doc="learn the bias"),
    )
    order = ("in_channels",)
    torch = {"LayerNorm2d": None}
    torch_order = ("in_channels", "eps", "affine", "bias")
    # torchvision.models.convnext.LayerNorm2d(nn.LayerNorm): LayerNorm's constructor
    torch_sig = "normalized_shape!, eps, elementwise_affine, bias, device, dtype"

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        x = inputs[0]
        if len(x) != 3:  # torchvision's permute (0, 2, 3, 1) takes a batch of (C, H, W) maps
            raise SpecError(f"layernorm2d normalizes the channels of a (C, H, W) feature map, not "
                            f"{fmt_shape(x)} (torchvision permutes 4 axes with the batch)", code="wrong-rank")
        c = ctx.split(x)[0]
        check_in_channels(ctx, x, c, a["in_channels"], "normalized_shape")
        return LayerOut(x, _affine(ctx, (c,), center=a["bias"]) if a["affine"] else ())


@register
class RMSNorm(Layer):
    """Root-mean-square normalization (Llama's): a scale only, no shift.

    PyTorch ``nn.RMSNorm(normalized_shape, eps, elementwise_affine)``: ``weight``
    of the normalized trailing shape (none without ``elementwise_affine``); the
    input must end in that shape.  Keras ``RMSNormalization(axis=-1, epsilon)``:
    ``scale`` of the sizes of the normalized axes, sorted as Keras sorts them.
    No MACs counted.
    """

    kind = "rmsnorm"
    family = "normalization"
    drawing = "norm"
    doc = "RMS normalization over the trailing axes (scale only)."
    aliases = ("rms_norm", "rmsnormalization")
    params = (
        A.Param("shape", A.optional(A.SHAPE), None, aliases=("normalized_shape",),
                doc="normalized trailing shape (default: the last axis)"),
        A.Param("affine", A.BOOL, True, aliases=("elementwise_affine",), doc="learn the scale"),
        A.Param("axis", A.optional(AXIS_LIST), None, doc="Keras: normalized axes (default -1)"),
        _EPS,
    )
    order = ("shape", "affine")
    torch = {"RMSNorm": None}
    torch_order = ("shape", "eps", "affine")
    keras = {"RMSNormalization": None}
    keras_order = ("axis", "eps")
    torch_sig = "normalized_shape!, eps, elementwise_affine, device, dtype"
    keras_sig = "axis, epsilon, **"

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        x = inputs[0]
        shape = a["shape"]
        if ctx.keras and shape is None:
            axes = a["axis"] if a["axis"] is not None else (-1,)
            indices = sorted(_axis(x, ax) for ax in axes)
            if len(set(indices)) != len(indices):
                raise SpecError(f"axis {list(axes)} names an axis twice", code="bad-axis")
            scale = tuple(x[i] for i in indices)
            self._check_scale(ctx, x, list(axes), indices, scale)
            return LayerOut(x, (Weight("scale", scale),))
        if a["axis"] is not None:
            raise SpecError("give either the normalized shape or (Keras) the axis, not both"
                            if ctx.keras else "PyTorch's RMSNorm takes the normalized shape, not an axis",
                            code="bad-argument")
        shape = shape if shape is not None else (x[-1],)
        LayerNorm._check_trailing(ctx, x, shape)
        if ctx.keras:
            return LayerOut(x, (Weight("scale", shape),))
        return LayerOut(x, (Weight("weight", shape),) if a["affine"] else ())

    @staticmethod
    def _check_scale(ctx: Ctx, x: Shape, axes: list[int], indices: list[int], scale: Shape) -> None:
        """Keras multiplies by a scale of the normalized axes' sizes, lined up with the input's last
        axes (the torch backend runs ``F.rms_norm`` on a contiguous run of axes, which needs those
        sizes at the end; otherwise the scale broadcasts): it must fit there, or the output changes
        shape or is refused."""
        tail = x[len(x) - len(scale):]
        contiguous = indices == list(range(indices[0], indices[0] + len(indices)))
        for want, got in zip(scale, tail, strict=True):
            fits = num.eq(want, got)
            if not contiguous and num.resolve(num.eq(want, 1)) is True:
                fits = True  # a size-1 scale axis broadcasts
            ctx.require(fits, lambda: f"RMSNormalization's scale {fmt_shape(scale)} (axis {axes}) does not "
                        f"line up with the last axes of the input {fmt_shape(x)}; Keras multiplies them "
                        "together (normalize the trailing axes)", code="shape-mismatch")
