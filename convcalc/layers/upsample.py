"""Layers that make more positions of an input's elements: pixel shuffle (channels into space and
back), RepeatVector, and upsampling: PyTorch's Upsample (by a scale, or to a size, in one of its
interpolation modes) and Keras's UpSampling1D/2D/3D (by whole factors).  No parameters, no MACs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from ..arith import formulas as F
from ..arith import num
from ..core import params as A
from ..core.context import Ctx
from ..core.types import LayerOut, Shape, fmt_shape
from ..errors import SpecError
from ..spec.model import split_axes
from .base import Layer
from .common import DATA_FORMAT, per_rank
from .registry import register


def _scale(raw: Any, ctx: Ctx, what: str) -> tuple[Any, ...]:
    """Per-axis scale factors: whole numbers (or expressions) or positive decimals (PyTorch)."""
    rank = ctx.rank or 1

    def one(r: Any, label: str) -> Any:
        if isinstance(r, float) and not isinstance(r, bool):
            if not r > 0 or r != r or r == float("inf"):
                raise SpecError(f"{label} must be positive, not {r}", code="size-below-1")
            return int(r) if r.is_integer() else r
        return A.POSITIVE(r, ctx, label)

    raw = split_axes(raw)
    if isinstance(raw, list | tuple):
        if len(raw) != rank:
            raise SpecError(f"{what} has {len(raw)} values {list(raw)} but the input has {rank} spatial "
                            f"ax{'i' if rank == 1 else 'e'}s", code="wrong-axis-count")
        return tuple(one(r, f"{what} on axis {ctx.axis_names[i]}") for i, r in enumerate(raw))
    return (one(raw, what),) * rank


# PyTorch's interpolation modes and the spatial ranks each takes.
_MODE_RANKS: dict[str, tuple[int, ...]] = {
    "nearest": (1, 2, 3), "area": (1, 2, 3), "nearest-exact": (1, 2, 3), "linear": (1,),
    "bilinear": (2,), "bicubic": (2,), "lanczos": (2,), "trilinear": (3,),
}


def _exact_axes(raw: Any, ctx: Ctx, what: str) -> tuple[Any, ...]:
    """Output sizes (PyTorch) or factors (Keras): one number, or exactly one per axis (both refuse
    a one-element list on several axes)."""
    items = split_axes(raw)
    rank = ctx.rank or 1
    if ctx.cls == "UpSampling1D" and isinstance(items, list | tuple):
        raise SpecError(f"Keras's UpSampling1D takes one whole factor as its size, not {list(items)}",
                        code="wrong-axis-count")
    if isinstance(items, list | tuple) and len(items) != rank:
        raise SpecError(f"{what} has {len(items)} values {list(items)} but the input has {rank} spatial "
                        f"ax{'i' if rank == 1 else 'e'}s", code="wrong-axis-count")
    return A.AXES(raw, ctx, what)


SCALE = A.Kind("int|number per axis", _scale, {"anyOf": [{"type": "number"}, {"type": "string"},
                                                         {"type": "array"}]})


def _last3(ctx: Ctx, x: Shape, kind: str) -> tuple[tuple[Any, ...], Any, Any, Any]:
    if len(x) < 3:
        raise SpecError(f"{kind} takes at least 3 axes (channels, height, width), not {fmt_shape(x)}",
                        code="wrong-rank")
    if ctx.channels_last:
        return x[:-3], x[-1], x[-3], x[-2]
    return x[:-3], x[-3], x[-2], x[-1]


def _join3(ctx: Ctx, lead: tuple[Any, ...], c: Any, h: Any, w: Any) -> Shape:
    return (*lead, h, w, c) if ctx.channels_last else (*lead, c, h, w)


class _Shuffle(Layer):
    """Moves r×r blocks between the channels and the last two axes; the subclasses say which way."""

    family = "reshaping"
    drawing = "other"
    order = ("factor",)
    channels: ClassVar[F.Formula]  # the output channels from c and r
    spatial: ClassVar[F.Formula]  # the output height and width from n and r

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        x, r = inputs[0], a["factor"]
        lead, c, h, w = _last3(ctx, x, self.kind)
        self.check(ctx, r, c, h, w)
        c_out = ctx.step("C", self.channels, c=c, r=r)
        h_out = ctx.step("H", self.spatial, n=h, r=r)
        w_out = ctx.step("W", self.spatial, n=w, r=r)
        return LayerOut(_join3(ctx, lead, c_out, h_out, w_out))

    def check(self, ctx: Ctx, r: Any, c: Any, h: Any, w: Any) -> None:
        raise NotImplementedError


@register
class PixelShuffle(_Shuffle):
    """``(C·r², H, W)`` → ``(C, H·r, W·r)``; the channels must be divisible by r²."""

    kind = "pixel_shuffle"
    doc = "Move r² channels into an r× larger image (sub-pixel convolution)."
    aliases = ("depth_to_space",)
    params = (A.Param("factor", A.POSITIVE, aliases=("upscale_factor", "r")),)
    torch = {"PixelShuffle": None}
    torch_sig = "upscale_factor"
    channels = F.SHUFFLE_CHANNELS
    spatial = F.UPSAMPLE_OUT

    def check(self, ctx: Ctx, r: Any, c: Any, h: Any, w: Any) -> None:
        ctx.divides(r * r, c, lambda: f"channels {num.fmt(c)} are not divisible by the square of the upscale "
                    f"factor {num.fmt(r)}² = {num.fmt(r * r)}", code="not-divisible")


@register
class PixelUnshuffle(_Shuffle):
    """``(C, H, W)`` → ``(C·r², H/r, W/r)``; H and W must be divisible by r."""

    kind = "pixel_unshuffle"
    doc = "Move r×r blocks of pixels into channels (inverse of pixel_shuffle)."
    aliases = ("space_to_depth",)
    params = (A.Param("factor", A.POSITIVE, aliases=("downscale_factor", "r")),)
    torch = {"PixelUnshuffle": None}
    torch_sig = "downscale_factor"
    channels = F.UNSHUFFLE_CHANNELS
    spatial = F.UNSHUFFLE_OUT

    def check(self, ctx: Ctx, r: Any, c: Any, h: Any, w: Any) -> None:
        for label, n in (("height", h), ("width", w)):
            ctx.divides(r, n, lambda label=label, n=n: f"{label} {num.fmt(n)} is not divisible by the "
                        f"downscale factor {num.fmt(r)}", code="not-divisible")


@register
class RepeatVector(Layer):
    """Keras's RepeatVector(n): a vector ``(F,)`` becomes ``(n, F)``."""

    kind = "repeat_vector"
    family = "reshaping"
    drawing = "other"
    doc = "Repeat a vector n times: (F,) -> (n, F)."
    aliases = ("repeat",)
    params = (A.Param("times", A.POSITIVE, aliases=("n",)),)
    order = ("times",)
    keras = {"RepeatVector": None}
    keras_sig = "n, **"

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        x = inputs[0]
        if len(x) != 1:
            raise SpecError(f"repeat_vector takes a vector (F,), not {fmt_shape(x)} ({len(x)} axes); "
                            "flatten it first", code="wrong-rank")
        ctx.note("steps", "the {n}-vector repeated", a["times"], n=x[0])
        return LayerOut((a["times"], x[0]))


@register
class Upsample(Layer):
    """Resizes the spatial axes by a factor, or (PyTorch) to a size.

    PyTorch ``Upsample(size, scale_factor)``: exactly one of the two; a scale
    gives ``⌊n·scale⌋`` (decimals allowed, computed in double precision as
    PyTorch does), a size is the output size.  Keras ``UpSampling1D/2D/3D(size=2)``:
    ``size`` is a whole factor per axis, ``n·size``.  So under
    ``framework: keras`` ``size`` means the factor, as Keras names it.
    """

    kind = "upsample"
    family = "reshaping"
    drawing = "up"
    doc = "Upsampling by a scale factor, or (PyTorch) to a size; Keras's size is a factor."
    ranks = (1, 2, 3)
    aliases = ("upsampling", "interpolate")
    params = (
        A.Param("scale", A.optional(SCALE), None, aliases=("scale_factor",)),
        A.Param("size", A.optional(A.Kind(A.AXES.name, _exact_axes, A.AXES.schema)), None,
                doc="PyTorch: the output size; Keras: the factor"),
        A.Param("mode", A.RAW, None, doc="no shape effect"),
        A.Param("align_corners", A.RAW, None, doc="no shape effect"),
        A.Param("interpolation", A.RAW, None, doc="no shape effect"),
        DATA_FORMAT,
    )
    order = ("scale", "size")
    # UpsamplingNearest2d takes any rank (it is Upsample(mode='nearest')); Bilinear2d only 2-D.
    torch = {"Upsample": None, "UpsamplingNearest2d": None, "UpsamplingBilinear2d": 2}
    torch_sig = "size, scale_factor, mode, align_corners, recompute_scale_factor"
    torch_sigs = dict.fromkeys(("UpsamplingNearest2d", "UpsamplingBilinear2d"), "size, scale_factor")
    keras = per_rank("UpSampling{}D")
    keras_sig = "size, data_format, interpolation, **"
    keras_sigs = {"UpSampling1D": "size, **", "UpSampling3D": "size, data_format, **"}

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        x = inputs[0]
        c, spatial = ctx.split(x)
        scale, size = a["scale"], a["size"]
        if scale is not None and size is not None:
            raise SpecError("give one of scale (scale_factor) or size, not both",
                            code="conflicting-arguments")
        if ctx.keras:
            scale = size or scale or (2,) * len(spatial)
        else:
            self._check_mode(ctx, a, len(spatial))
            if scale is None and size is None:
                raise SpecError("give one of scale (scale_factor) or size", code="missing-argument")
            if size is not None:
                return LayerOut(ctx.join(c, size))
        out = []
        for i, n in enumerate(spatial):
            r = scale[i]
            name = ctx.axis_names[i]
            if isinstance(r, float):
                if ctx.keras:
                    raise SpecError(f"Keras's UpSampling takes whole factors, not {r}",
                                    code="not-in-framework")
                size_i = self._scaled(ctx, name, n, r)
            else:
                size_i = ctx.step(name, F.UPSAMPLE_OUT, n=n, r=r)
            ctx.at_least(size_i, 1, lambda n=n, r=r, name=name: (
                f"scale {r} leaves axis {name} of size {num.fmt(n)} with no elements"), code="size-below-1")
            out.append(size_i)
        return LayerOut(ctx.join(c, out))

    @staticmethod
    def _check_mode(ctx: Ctx, a: Mapping[str, Any], rank: int) -> None:
        """PyTorch's interpolation modes, each for the ranks it supports; align_corners only where
        the mode interpolates."""
        fixed = {"UpsamplingNearest2d": "nearest", "UpsamplingBilinear2d": "bilinear"}.get(ctx.cls)
        mode = fixed or (a["mode"] if a["mode"] is not None else "nearest")
        ranks = _MODE_RANKS.get(mode) if isinstance(mode, str) else None
        if ranks is None:
            raise SpecError(f"mode must be one of {', '.join(_MODE_RANKS)}, not {A.describe(mode)}",
                            code="bad-choice")
        if rank not in ranks:
            raise SpecError(f"mode '{mode}' upsamples {ranks[0]}-D inputs (C plus {ranks[0]} spatial axes), "
                            f"not {rank}-D ones; PyTorch refuses it", code="wrong-rank")
        if a["align_corners"] is not None and mode in ("nearest", "area", "nearest-exact"):
            raise SpecError(f"align_corners can only be set with the interpolating modes (linear, bilinear, "
                            f"bicubic, trilinear), not with mode '{mode}'; PyTorch refuses it",
                            code="conflicting-arguments")

    @staticmethod
    def _scaled(ctx: Ctx, name: str, n: Any, r: float) -> Any:
        """PyTorch: ``floor(float(n) * scale)`` in double precision."""
        if num.is_int(n):
            v = int(float(n) * r // 1)
        else:
            sympy = num.sympy_module()
            v = sympy.floor(n * sympy.Rational(repr(r)))
        ctx.note(name, f"⌊{num.fmt(n)}·{r}⌋", v)
        return v
