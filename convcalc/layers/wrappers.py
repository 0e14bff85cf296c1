"""Wrappers: a layer that runs another layer (Keras's TimeDistributed, Bidirectional).

The wrapped layer arrives raw — a mapping such as ``{conv2d: [16, 3]}``, a
call such as ``Conv2D(16, 3)`` from an inline spec, or a bare type name —
and runs through the same binding and checking as any layer
(:class:`convcalc.engine.run_layer.Nested`, handed over as ``ctx.nested``), on the slice of the input it sees.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .._record import replace
from ..core import params as A
from ..core.context import Ctx
from ..core.types import LayerOut, Shape, Weight, fmt_shape
from ..errors import SpecError
from .base import Layer
from .registry import Resolved, lookup, register


def run_inner(ctx: Ctx, raw: Any, x: Shape, states: Sequence[Shape] = (), several: bool = False,
              **overrides: Any) -> tuple[Resolved, LayerOut]:
    """Run the wrapped layer on ``x`` (the engine reads and runs it); its explain steps join the wrapper's.
    ``states``: inputs after ``x`` (initial states); ``several``: it may return several tensors."""
    spec = ctx.nested.read(raw)
    if overrides:
        spec = replace(spec, kwargs={**spec.kwargs, **overrides})
    return ctx.nested.run(ctx, spec, x, states, several)


_LAYER = A.Param("layer", A.RAW, doc="the wrapped layer: a mapping such as {conv2d: [16, 3]} or a call")


@register
class TimeDistributed(Layer):
    """Applies the wrapped layer to every step of a ``(T, ...)`` input.

    Output ``(T, *inner output)``; the parameters are the wrapped layer's
    (shared by all steps); MACs are T times the wrapped layer's.
    """

    kind = "timedistributed"
    family = "wrappers"
    drawing = "other"
    doc = "Apply the wrapped layer to each step of (T, ...)."
    aliases = ("time_distributed",)
    params = (_LAYER,)
    order = ("layer",)
    keras = {"TimeDistributed": None}
    keras_sig = "layer, **"

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        x = inputs[0]
        if len(x) < 2:
            raise SpecError(f"timedistributed needs an input with a time axis and at least one more axis, "
                            f"not {fmt_shape(x)}", code="wrong-rank")
        _, out = run_inner(ctx, a["layer"], x[1:])
        return LayerOut((x[0], *out.shape), out.weights, x[0] * out.macs)


@register
class Bidirectional(Layer):
    """Runs a recurrent layer forwards and backwards and merges the two outputs.

    Keras: the weights twice (``forward_<layer>/…``, ``backward_<layer>/…``);
    ``concat`` (the default) doubles the features, ``sum``/``mul``/``ave`` keep
    them, ``None`` returns the two outputs as two tensors (``name.0``,
    ``name.1``).  A wrapped layer with ``return_state=True`` adds its final
    states, forward then backward, as Keras returns them; Keras's
    ``initial_state`` arrives as inputs after the sequence, the first half
    for the forward layer, the second for the backward one.  PyTorch has no
    wrapper: it is the recurrent layer with ``bidirectional=True`` (so only
    ``concat``).  MACs: both directions.
    """

    kind = "bidirectional"
    family = "wrappers"
    drawing = "other"
    doc = "Run a recurrent layer in both directions and merge (Keras wrapper)."
    params = (
        _LAYER,
        A.Param("merge_mode", A.optional(A.choice("concat", "sum", "mul", "ave")), "concat"),
        A.Param("weights", A.RAW, None, doc="initial values; no shape effect"),
        A.Param("backward_layer", A.RAW, None, doc="Keras: a separate backward layer"),
    )
    order = ("layer", "merge_mode")
    keras = {"Bidirectional": None}
    keras_sig = "layer, merge_mode, weights, backward_layer, **"
    extra_inputs = True  # the sequence, then the initial states (forward half, backward half)

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        x, states = inputs[0], tuple(inputs[1:])
        mode = a["merge_mode"]
        inner = ctx.nested.read(a["layer"])
        layer = lookup(inner.type, ctx.framework).layer
        if layer.family != "recurrent":
            raise SpecError(f"bidirectional wraps a recurrent layer (rnn, lstm, gru), not {layer.kind}",
                            code="bad-argument")
        if inner.kwargs.get("bidirectional") is True:
            raise SpecError("the wrapped layer is already bidirectional", code="bad-argument")
        if not ctx.keras:
            if mode != "concat" or a["backward_layer"] is not None:
                raise SpecError("PyTorch has no Bidirectional wrapper; its bidirectional RNNs concatenate "
                                "both directions (merge_mode concat, no backward_layer)",
                                code="not-in-framework")
            _, out = run_inner(ctx, inner, x, states, bidirectional=True)
            return out
        if len(states) % 2:
            raise SpecError(f"Bidirectional gives the first half of its initial states to the forward layer "
                            f"and the second half to the backward one, so it takes an even number, not "
                            f"{len(states)}", code="rnn-state-count")
        half = len(states) // 2
        _, fwd = run_inner(ctx, inner, x, states[:half], several=True)
        back_raw = a["backward_layer"] if a["backward_layer"] is not None else inner
        back_resolved, back = run_inner(ctx, back_raw, x, states[half:], several=True)
        if back.shape != fwd.shape:
            raise SpecError(f"the backward layer's output {fmt_shape(back.shape)} differs from the forward "
                            f"layer's {fmt_shape(fwd.shape)}", code="shape-mismatch")
        if (fwd.parts is None) != (back.parts is None):
            raise SpecError("the forward and backward layers differ in return_state (Keras requires the "
                            "same)", code="bad-argument")
        kind = getattr(layer, "keras_weight_prefix", layer.kind)
        back_kind = getattr(back_resolved.layer, "keras_weight_prefix", back_resolved.layer.kind)
        weights = (*(Weight(f"forward_{kind}/{w.name}", w.shape, w.trainable) for w in fwd.weights),
                   *(Weight(f"backward_{back_kind}/{w.name}", w.shape, w.trainable) for w in back.weights))
        shape = fwd.shape
        if mode == "concat":
            shape = (*shape[:-1], 2 * shape[-1])
        outputs = [shape] if mode is not None else [fwd.shape, back.shape]
        if fwd.parts is not None and back.parts is not None:  # return_state: forward, then backward states
            outputs += [*fwd.parts[1:], *back.parts[1:]]
        parts = tuple(outputs) if len(outputs) > 1 else None
        return LayerOut(outputs[0], weights, fwd.macs + back.macs, parts=parts)
