"""Keras's preprocessing layers: Normalization, Rescaling, Resizing, CenterCrop, RandomCrop and
the ``Random*`` augmentation layers.

None is trainable.  ``Normalization`` without ``mean``/``variance`` learns them with
``adapt()``: it holds a mean and a variance per kept axis (the channels by default) and
a count, ``2C + 1`` non-trainable weights, as ``model.summary()`` counts them; given
``mean=`` and ``variance=`` it holds none.  ``Resizing``, ``CenterCrop`` and
``RandomCrop`` give ``height × width`` images (CenterCrop resizes an image smaller than
the crop, as Keras does); every other ``Random*`` layer keeps the shape.  MACs are 0
(convcalc counts multiply-accumulates of weights).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from ..core import params as A
from ..core.context import Ctx
from ..core.types import LayerOut, Shape, Weight, fmt_shape
from ..errors import SpecError
from .base import Layer
from .common import DATA_FORMAT
from .registry import register


def _axes(raw: Any, x: Shape) -> tuple[int, ...]:
    """Keras's ``axis`` (it counts the batch axis as 0) as indices into the sample's shape."""
    items = [] if raw is None else list(raw) if isinstance(raw, list | tuple) else [raw]
    out = []
    for a in items:
        if isinstance(a, bool) or not isinstance(a, int):
            raise SpecError(f"axis must be an int or a list of ints, not {a!r}", code="bad-axis")
        i = len(x) + a if a < 0 else a - 1
        if not 0 <= i < len(x):
            raise SpecError(f"axis {a} is outside the input {fmt_shape(x)} (Keras counts the batch axis "
                            f"as 0: 1 .. {len(x)}, or -1 .. -{len(x)})", code="bad-axis")
        out.append(i)
    return tuple(sorted(set(out)))


@register
class Normalization(Layer):
    kind = "normalization"
    family = "preprocessing"
    drawing = "norm"
    doc = "Keras: (x − mean) / √variance; learned by adapt(): 2C + 1 non-trainable weights."
    params = (
        A.Param("axis", A.RAW, -1, doc="kept axes (Keras counts the batch axis as 0)"),
        A.Param("mean", A.RAW, None, doc="given: no weights"),
        A.Param("variance", A.RAW, None, doc="given: no weights"),
        A.Param("invert", A.BOOL, False, doc="no shape effect"),
    )
    order = ("axis", "mean", "variance", "invert")
    keras = {"Normalization": None}
    keras_sig = "axis, mean, variance, invert, **"
    keras_order = order

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        x = inputs[0]
        kept = _axes(a["axis"], x)
        if (a["mean"] is None) != (a["variance"] is None):
            raise SpecError("Normalization takes both mean and variance, or neither (then adapt() "
                            "learns them)", code="missing-argument")
        if a["mean"] is not None:
            return LayerOut(x)
        stats = tuple(x[i] for i in kept)
        return LayerOut(x, (Weight("mean", stats, False), Weight("variance", stats, False),
                            Weight("count", (), False)))


@register
class Rescaling(Layer):
    kind = "rescaling"
    family = "preprocessing"
    drawing = "other"
    doc = "Keras: x · scale + offset; no weights."
    params = (A.Param("scale", A.RAW), A.Param("offset", A.RAW, 0.0))
    order = ("scale", "offset")
    keras = {"Rescaling": None}
    keras_sig = "scale!, offset, **"
    keras_order = order

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        return LayerOut(inputs[0])


def _image(ctx: Ctx, x: Shape, cls: str) -> tuple[Any, Shape]:
    if len(x) != 3:
        raise SpecError(f"{cls} takes an image (height, width, channels; no batch axis), not "
                        f"{fmt_shape(x)} ({len(x)} axes)", code="wrong-rank")
    return ctx.split(x)


class _Sized(Layer):
    """A layer whose output image is ``height × width``."""

    family = "preprocessing"
    drawing = "other"
    cls: ClassVar[str] = ""
    params = (A.Param("height", A.POSITIVE), A.Param("width", A.POSITIVE), DATA_FORMAT)

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        c, (h, w) = _image(ctx, inputs[0], self.cls)
        ctx.note("H, W", f"{self.cls} gives height × width as asked: {{h}}×{{w}} → {{oh}}×{{ow}}, "
                 "the channels kept", None, h=h, w=w, oh=a["height"], ow=a["width"])
        return LayerOut(ctx.join(c, (a["height"], a["width"])))


@register
class Resizing(_Sized):
    kind = "resizing"
    cls = "Resizing"
    doc = "Keras: resize images to height × width."
    params = (*_Sized.params,
              *(A.Param(p, A.RAW, None, doc="no shape effect") for p in (
                  "interpolation", "crop_to_aspect_ratio", "pad_to_aspect_ratio", "fill_mode",
                  "fill_value", "antialias")))
    order = ("height", "width", "interpolation", "crop_to_aspect_ratio", "pad_to_aspect_ratio")
    keras = {"Resizing": None}
    keras_sig = ("height!, width!, interpolation, crop_to_aspect_ratio, pad_to_aspect_ratio, "
                 "fill_mode, fill_value, antialias, data_format, **")
    keras_order = ("height", "width")


@register
class CenterCrop(_Sized):
    kind = "center_crop"
    cls = "CenterCrop"
    doc = "Keras: the central height × width of images (smaller images are resized up)."
    order = ("height", "width")
    keras = {"CenterCrop": None}
    keras_sig = "height!, width!, data_format, **"
    keras_order = ("height", "width", "data_format")


@register
class RandomCrop(_Sized):
    kind = "random_crop"
    cls = "RandomCrop"
    doc = "Keras: a random height × width crop while training (the centre at inference)."
    params = (*_Sized.params, A.Param("seed", A.RAW, None, doc="no shape effect"))
    order = ("height", "width")
    keras = {"RandomCrop": None}
    keras_sig = "height!, width!, seed, data_format, name, **"
    keras_order = ("height", "width", "seed", "data_format")


# Keras's shape-keeping augmentation layers and their constructors (Keras 3's own signatures, checked
# by tests/test_signatures_oracle.py; no argument has a shape effect).
AUGMENTATIONS: dict[str, str] = {
    "RandomBrightness": "factor!, value_range, seed, **",
    "RandomColorDegeneration": "factor!, value_range, data_format, seed, **",
    "RandomColorJitter": ("value_range, brightness_factor, contrast_factor, saturation_factor, "
                          "hue_factor, seed, data_format, **"),
    "RandomContrast": "factor!, value_range, seed, **",
    "RandomElasticTransform": ("factor, scale, interpolation, fill_mode, fill_value, value_range, seed, "
                               "data_format, **"),
    "RandomErasing": "factor, scale, fill_value, value_range, seed, data_format, **",
    "RandomFlip": "mode, seed, data_format, **",
    "RandomGaussianBlur": "factor, kernel_size, sigma, value_range, data_format, seed, **",
    "RandomGrayscale": "factor, data_format, seed, **",
    "RandomHue": "factor!, value_range, data_format, seed, **",
    "RandomInvert": "factor, value_range, seed, data_format, **",
    "RandomPerspective": "factor, scale, interpolation, fill_value, seed, data_format, **",
    "RandomPosterization": "factor!, value_range, data_format, seed, **",
    "RandomRotation": "factor!, fill_mode, interpolation, seed, fill_value, data_format, **",
    "RandomSaturation": "factor!, value_range, data_format, seed, **",
    "RandomSharpness": "factor!, value_range, data_format, seed, **",
    "RandomShear": "x_factor, y_factor, interpolation, fill_mode, fill_value, data_format, seed, **",
    "RandomTranslation": ("height_factor!, width_factor!, fill_mode, interpolation, seed, fill_value, "
                          "data_format, **"),
    "RandomZoom": ("height_factor!, width_factor, fill_mode, interpolation, seed, fill_value, "
                   "data_format, **"),
}


def _snake(cls: str) -> str:
    return "random_" + "".join(f"_{ch.lower()}" if ch.isupper() else ch for ch in cls[6:]).lstrip("_")


def _augmentation(cls: str, signature: str) -> type[Layer]:
    order = tuple(n.strip().rstrip("!") for n in signature.split(",") if n.strip() not in ("**", "*"))
    names = tuple(n for n in order if n != "data_format")

    class Augmentation(Layer):
        kind = _snake(cls)
        family = "preprocessing"
        drawing = "other"
        doc = f"Keras {cls}: random augmentation while training; the shape is kept, no weights."
        params = (*(A.Param(n, A.RAW, None, doc="no shape effect") for n in names), DATA_FORMAT)
        keras = {cls: None}
        keras_order = order
        keras_sig = signature

        def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
            _image(ctx, inputs[0], cls)
            return LayerOut(inputs[0])

    Augmentation.__name__ = Augmentation.__qualname__ = cls
    Augmentation.order = order
    return register(Augmentation)


for _cls, _signature in AUGMENTATIONS.items():
    _augmentation(_cls, _signature)
