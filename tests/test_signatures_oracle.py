"""Every PyTorch and Keras class name convcalc registers, against the framework's own constructor.

For each class in a layer's ``torch``/``keras`` table, its declared signature
(``Layer.torch_sig`` & co., :func:`convcalc.core.params.signature`) must be the
framework's: the same positional arguments in the same order, the same keyword-only
ones, the required ones required (by convcalc too), and the defaults with an effect
on shapes equal.  A newly registered class without a declared signature, or with
one that disagrees, fails here.  Skipped without the frameworks.
"""

from __future__ import annotations

import inspect
import os
import typing
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")

from convcalc.core import binding  # noqa: E402
from convcalc.core import params as A  # noqa: E402
from convcalc.layers import REGISTRY, Layer  # noqa: E402

# Class names convcalc answers to that the framework module does not define (documented):
NOT_IN_FRAMEWORK = {
    # torchvision.ops.Permute(dims): torchvision's, not torch.nn's; read as PyTorch's permute.
    ("torch", "Permute"): "dims",
    # torchvision.ops.StochasticDepth(p, mode), timm's DropPath, torchvision's ConvNeXt LayerNorm2d.
    ("torch", "StochasticDepth"): "p!, mode!",
    ("torch", "DropPath"): "drop_prob, scale_by_keep",
    ("torch", "LayerNorm2d"): "normalized_shape!, eps, elementwise_affine, bias, device, dtype",
}

# Arguments the framework requires that convcalc reads from the input when they are left out
# (SPEC §2: "A given in_channels / in_features / input_size is checked against the incoming
# tensor"): a documented convcalc extension.  Canonical convcalc names.
READ_FROM_INPUT = {"in_channels"}

# Framework defaults convcalc does not store as the parameter's default but computes in the layer,
# with the same result (each checked by the differential tests):
COMPUTED_DEFAULTS = {
    # Keras Cropping1D/3D crop 1 per side, Cropping2D nothing: Cropping.infer picks by rank.
    ("keras", "cropping", "cropping"),
    # Keras UpSampling*D(size=2 per axis): Upsample.infer uses 2 when no size is given.
    ("keras", "upsample", "size"),
    # PyTorch's Lazy instance norms default to affine/track_running_stats True, the others
    # to False: InstanceNorm.infer picks by class.
    ("torch", "instancenorm", "affine"),
    ("torch", "instancenorm", "track_running_stats"),
    # Keras's axis -1 of BatchNormalization/GroupNormalization/LayerNormalization: None means
    # "the channel axis" (the last under Keras), the same axis.
    ("keras", "batchnorm", "axis"),
    ("keras", "groupnorm", "axis"),
    ("keras", "layernorm", "axis"),
    # Keras's RMSNormalization(axis=-1): None means the last axis (RMSNorm.infer).
    ("keras", "rmsnorm", "axis"),
    # Keras's Concatenate(axis=-1): Concatenate.default_axis.
    ("keras", "concatenate", "axis"),
}


def _classes() -> Iterator[tuple[str, str, Layer]]:
    for layer in REGISTRY.values():
        for spelling, names in (("torch", layer.torch), ("keras", layer.keras)):
            for cls in names:
                yield spelling, cls, layer


CLASSES = [pytest.param(s, c, layer, id=f"{s}:{c}") for s, c, layer in _classes()]


def _framework_class(spelling: str, cls: str) -> Any:
    module = torch.nn if spelling == "torch" else keras.layers
    return getattr(module, cls, None)


def _real_signature(spelling: str, klass: Any) -> inspect.Signature:
    """The constructor's signature; PyTorch's RNNs declare theirs as a typing overload."""
    sig = inspect.signature(klass.__init__)
    if spelling == "torch":
        for overload in typing.get_overloads(klass.__init__):
            candidate = inspect.signature(overload)
            if not any(p.kind is p.VAR_POSITIONAL for p in candidate.parameters.values()):
                return candidate
    return sig


def _parts(sig: inspect.Signature) -> tuple[list[inspect.Parameter], list[inspect.Parameter], bool, bool]:
    params = list(sig.parameters.values())[1:]  # without self
    positional = [p for p in params if p.kind is p.POSITIONAL_OR_KEYWORD]
    keyword = [p for p in params if p.kind is p.KEYWORD_ONLY]
    var_kw = any(p.kind is p.VAR_KEYWORD for p in params)
    var_pos = any(p.kind is p.VAR_POSITIONAL for p in params)
    return positional, keyword, var_pos, var_kw


def _flat(v: Any) -> Any:
    """A default in a comparable form: tuples of one repeated value collapse to the value."""
    if isinstance(v, list | tuple):
        items = [_flat(x) for x in v]
        return items[0] if items and all(x == items[0] for x in items) else items
    return v


@pytest.mark.parametrize(("spelling", "cls", "layer"), CLASSES)
def test_signature_matches_the_framework(spelling: str, cls: str, layer: Layer) -> None:
    declared = layer.signature_text(cls, spelling)
    assert declared is not None, f"{layer.kind}: {cls} has no declared signature ({spelling}_sig)"
    sig = A.signature(declared)
    klass = _framework_class(spelling, cls)
    if klass is None:
        assert NOT_IN_FRAMEWORK.get((spelling, cls)) == declared, f"{cls} is not in the framework"
        return
    real = _real_signature(spelling, klass)
    positional, keyword, var_pos, var_kw = _parts(real)
    if sig.anything:  # torch.nn.Identity(*args, **kwargs)
        assert var_pos and var_kw and not positional, f"{cls}: declared `...` but is {real}"
        return
    assert list(sig.positional) == [p.name for p in positional], f"{cls}: positional order {real}"
    real_keywords = {p.name for p in keyword}
    assert real_keywords <= set(sig.keyword), f"{cls}: keyword-only {real_keywords - set(sig.keyword)}"
    extra = [n for n in sig.keyword if n not in real_keywords]
    if extra:
        assert var_kw, f"{cls} takes no **kwargs, but {extra} are declared"
        if spelling == "keras":
            _accepts_keywords(klass, positional, [n for n in extra if n not in A.KERAS_BASE])
    if spelling == "keras" and var_kw:
        assert set(A.KERAS_BASE) <= set(sig.names), f"{cls} takes Keras's base keywords: end with `**`"
    _check_required_and_defaults(spelling, cls, layer, sig, [*positional, *keyword])


def _check_required_and_defaults(spelling: str, cls: str, layer: Layer, sig: A.Signature,
                                 real: list[inspect.Parameter]) -> None:
    framework = "keras" if spelling == "keras" else "pytorch"
    by_name = A.names_index(layer.params)
    params = {p.name: p for p in layer.params}
    for p in real:
        canon = by_name.get(p.name.lower())
        param = params.get(canon) if canon else None
        ours = param.default_for(framework) if param is not None else None
        if p.default is p.empty:  # the framework requires it
            if p.name in sig.required or ours is A.REQUIRED or canon in READ_FROM_INPUT:
                continue
            pytest.fail(f"{cls} requires `{p.name}`, convcalc does not (mark it `{p.name}!`)")
        assert p.name not in sig.required, f"{cls}: `{p.name}` has a default {p.default!r}, not required"
        if param is None or param.kind is A.RAW:
            continue  # accepted and ignored, or no shape effect
        assert ours is not A.REQUIRED, f"{cls}: `{p.name}` defaults to {p.default!r}; convcalc requires it"
        if (spelling, layer.kind, canon) in COMPUTED_DEFAULTS:
            continue
        assert _flat(ours) == _flat(p.default), (
            f"{cls}: `{p.name}` defaults to {p.default!r} in the framework, {ours!r} in convcalc")


_SAMPLE_ARGS = {"units": 2, "input_dim": 10, "output_dim": 4, "filters": 2, "kernel_size": 3}
_SAMPLE_KEYWORDS = {"implementation": 2, "alpha": 0.2}  # the rest: None


def _accepts_keywords(klass: Any, positional: list[inspect.Parameter], names: list[str]) -> None:
    """Keywords taken through ``**kwargs`` (Keras pops a few): building the class with each works."""
    if not names:
        return
    required = {p.name: _SAMPLE_ARGS[p.name] for p in positional if p.default is p.empty}
    for name in names:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            klass(**required, **{name: _SAMPLE_KEYWORDS.get(name)})


def test_every_class_is_checked() -> None:
    """The parametrization above is the whole catalogue (so no class escapes the comparison)."""
    assert len(CLASSES) > 150
    assert {s for s, _, _ in _classes()} == {"torch", "keras"}


# Argument names of one class or framework that others lack (and a name nobody has).
PROBES = ("definitely_not_an_argument", "data_format", "padding_mode", "return_indices", "divisor_override",
          "inplace", "negative_slope", "align_corners", "return_state", "use_bias", "bias", "momentum",
          "epsilon", "eps", "activation", "device", "seed", "name_scope", "kernel_initializer")


@pytest.mark.parametrize(("spelling", "cls", "layer"), CLASSES)
def test_no_other_argument_is_accepted(spelling: str, cls: str, layer: Layer) -> None:
    """An argument the framework's class does not take, convcalc refuses for that class, unless it is
    another name of one it takes (SPEC §2's aliases, a documented extension) or in A.EXTENSIONS."""
    from convcalc import SpecError
    from convcalc.spec.model import LayerSpec

    form = layer.call_form(cls, spelling)
    assert form is not None and form.params is not None
    klass = _framework_class(spelling, cls)
    if form.anything or klass is None:
        return
    positional, keyword, _, var_kw = _parts(_real_signature(spelling, klass))
    real = {p.name for p in (*positional, *keyword)}
    if spelling == "keras" and var_kw:
        real |= set(A.KERAS_BASE)
    by_name = A.names_index(layer.params)
    taken = {by_name.get(n.lower()) for n in real} - {None}
    for key in PROBES:
        if key in real or key in A.EXTENSIONS or by_name.get(key) in taken:
            continue
        spec = LayerSpec(type=cls, kwargs={key: 1})
        with pytest.raises(SpecError, match="has no argument"):
            binding.bind(spec, layer.params, form.order, type_name=cls, form=form)
