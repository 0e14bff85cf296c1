"""Wrappers: a layer that runs another layer (Keras's TimeDistributed, Bidirectional).

The wrapped layer arrives raw — a mapping such as ``{conv2d: [16, 3]}``, a
call such as ``Conv2D(16, 3)`` from an inline spec, or a bare type name —
and runs through the same binding and checking as any layer
(:func:`convcalc.layer_run.run_layer`), on the slice of the input it sees.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from .. import args as A
from ..errors import Loc, SpecError
from ..spec import LayerSpec
from .base import Ctx, Layer, LayerOut, Resolved, Shape, Weight, fmt_shape, lookup, register


def _inner_spec(raw: Any) -> LayerSpec:
    from ..loader import layer_entry

    if raw is None:
        raise SpecError("needs the wrapped layer, e.g. `layer: {conv2d: [16, 3]}`")
    try:
        entry = layer_entry(raw, Loc("<layer>"))
    except SpecError as e:
        raise SpecError(f"the wrapped layer: {e.message}") from None
    if not isinstance(entry, LayerSpec):
        raise SpecError("the wrapped layer must be one layer, not a repeat")
    return entry


def run_inner(ctx: Ctx, raw: Any, x: Shape, **overrides: Any) -> tuple[Resolved, LayerOut]:
    """Run the wrapped layer on ``x``; its explain steps join the wrapper's."""
    from ..layer_run import layer_rank, run_layer

    spec = _inner_spec(raw)
    if overrides:
        spec = replace(spec, kwargs={**spec.kwargs, **overrides})
    resolved = lookup(spec.type, ctx.framework)
    layer = resolved.layer
    if layer.multi_input:
        raise SpecError(f"cannot wrap {layer.kind}: it reads several tensors")

    def context(rank: int | None) -> Ctx:
        return Ctx(ctx.framework, ctx.layout, ctx.env, ctx.free, ctx.constraints, rank)

    try:
        rank = layer_rank(resolved, (x,))
        _, inner_ctx, out = run_layer(resolved, spec, (x,), rank, context)
    except SpecError as e:
        raise SpecError(f"wrapped {layer.type_name(resolved.rank)}: {e.message}") from None
    ctx.steps.extend(inner_ctx.steps)
    return resolved, out


_LAYER = A.Param("layer", A.RAW, doc="the wrapped layer: a mapping such as {conv2d: [16, 3]} or a call")


@register
class TimeDistributed(Layer):
    """Applies the wrapped layer to every step of a ``(T, ...)`` input.

    Output ``(T, *inner output)``; the parameters are the wrapped layer's
    (shared by all steps); MACs are T times the wrapped layer's.
    """

    kind = "timedistributed"
    family = "wrappers"
    doc = "Apply the wrapped layer to each step of (T, ...)."
    aliases = ("time_distributed",)
    params = (_LAYER,)
    order = ("layer",)
    keras = {"TimeDistributed": None}
    keras_order = ("layer",)

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        x = inputs[0]
        if len(x) < 2:
            raise SpecError(f"timedistributed needs an input with a time axis and at least one more axis, "
                            f"not {fmt_shape(x)}")
        _, out = run_inner(ctx, a["layer"], x[1:])
        return LayerOut((x[0], *out.shape), out.weights, x[0] * out.macs)


@register
class Bidirectional(Layer):
    """Runs a recurrent layer forwards and backwards and merges the two outputs.

    Keras: the weights twice (``forward_<layer>/…``, ``backward_<layer>/…``);
    ``concat`` (the default) doubles the features, ``sum``/``mul``/``ave`` keep
    them.  PyTorch has no wrapper: it is the recurrent layer with
    ``bidirectional=True`` (so only ``concat``).  MACs: both directions.
    """

    kind = "bidirectional"
    family = "wrappers"
    doc = "Run a recurrent layer in both directions and merge (Keras wrapper)."
    params = (
        _LAYER,
        A.Param("merge_mode", A.optional(A.choice("concat", "sum", "mul", "ave")), "concat"),
        A.Param("weights", A.RAW, None, doc="initial values; no shape effect"),
        A.Param("backward_layer", A.RAW, None, doc="Keras: a separate backward layer"),
    )
    order = ("layer", "merge_mode")
    keras = {"Bidirectional": None}
    keras_order = ("layer", "merge_mode", "weights", "backward_layer")

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        x = inputs[0]
        mode = a["merge_mode"]
        if mode is None:
            raise SpecError("merge_mode None returns the two directions as two tensors; convcalc follows "
                            "one tensor per layer (use concat, sum, mul or ave)")
        inner = _inner_spec(a["layer"])
        layer = lookup(inner.type, ctx.framework).layer
        if layer.family != "recurrent":
            raise SpecError(f"bidirectional wraps a recurrent layer (rnn, lstm, gru), not {layer.kind}")
        if inner.kwargs.get("bidirectional") is True:
            raise SpecError("the wrapped layer is already bidirectional")
        if not ctx.keras:
            if mode != "concat" or a["backward_layer"] is not None:
                raise SpecError("PyTorch has no Bidirectional wrapper; its bidirectional RNNs concatenate "
                                "both directions (merge_mode concat, no backward_layer)")
            _, out = run_inner(ctx, inner, x, bidirectional=True)
            return out
        _, fwd = run_inner(ctx, inner, x)
        back_raw = a["backward_layer"] if a["backward_layer"] is not None else inner
        back_resolved, back = run_inner(ctx, back_raw, x)
        if back.shape != fwd.shape:
            raise SpecError(f"the backward layer's output {fmt_shape(back.shape)} differs from the forward "
                            f"layer's {fmt_shape(fwd.shape)}")
        kind = getattr(layer, "keras_name", layer.kind)
        back_kind = getattr(back_resolved.layer, "keras_name", back_resolved.layer.kind)
        weights = (*(Weight(f"forward_{kind}/{w.name}", w.shape, w.trainable) for w in fwd.weights),
                   *(Weight(f"backward_{back_kind}/{w.name}", w.shape, w.trainable) for w in back.weights))
        shape = fwd.shape
        if mode == "concat":
            shape = (*shape[:-1], 2 * shape[-1])
        return LayerOut(shape, weights, fwd.macs + back.macs)
