"""Recurrent layers: rnn, lstm, gru (G = 1, 4, 3 gates of ``hidden`` units).

Input ``(L, features)`` (no batch axis).  PyTorch returns the whole sequence
``(L, D·h)`` (D = 2 when bidirectional, h the hidden size, or ``proj_size``
for a projected LSTM) and stores, per layer k and direction,
``weight_ih_l{k}[_reverse] (G·h, in_k)``, ``weight_hh_l{k} (G·h, h)`` and two
bias vectors ``bias_ih_l{k}``, ``bias_hh_l{k}`` of ``G·h``: an LSTM layer has
``4·(h·i + h·h + 2h)`` parameters.  Keras stores ``kernel (i, G·h)``,
``recurrent_kernel (h, G·h)`` and one ``bias (G·h,)`` — a GRU with
``reset_after=True`` (the default) has a second one, ``bias (2, 3h)`` — and
returns only the last step ``(h,)`` unless ``return_sequences``.

Keras's ``return_state=True`` returns the output and the final states as
several tensors, read as ``name.0`` (the output), ``name.1``, … (``h`` and,
for an LSTM, ``c``; each ``(h,)``; forward then backward when bidirectional).
Its ``initial_state`` arrives as more inputs after the sequence
(``from: [x, enc.1, enc.2]``, Keras's ``layer(x, initial_state=[h, c])``).
PyTorch's LSTM returns ``(output, (h_n, c_n))`` with the batch axis second in
``h_n``, which a per-sample shape cannot show: convcalc describes its output.

MACs: every time step multiplies the input and the previous state into
every gate, ``L · Σ_layers,directions G·h·(in_k + h)`` (plus ``h·proj`` for
the LSTM projection); element-wise gate arithmetic is not counted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from ..arith import formulas as F
from ..arith import num
from ..arith.formulas import Formula
from ..core import params as A
from ..core.context import Ctx
from ..core.types import LayerOut, Shape, Weight, fmt_shape
from ..errors import SpecError
from .base import Layer
from .common import batch_first_axis, check_in_channels
from .registry import register

# A stack deeper than SMALL_STACK lists its layers 1.. once each with a count (``weight_ih_l1-l99``,
# shown ×99); deeper than MAX_STACK (engine.expand's limit of a network's layers) it is refused.
SMALL_STACK = 16
MAX_STACK = 200_000

# The rows of every weight matrix and bias: each of the G gates has `hidden` units.
GATE_ROWS = Formula("gate_rows", "G*h", lhs="rows")


def _dropout(raw: Any, ctx: Ctx, what: str) -> float:
    v = A.REAL(raw, ctx, what)
    if not 0 <= v <= 1:
        raise SpecError(f"{what} must be a number in [0, 1] (a probability), not {v}", code="bad-argument")
    return v


DROPOUT = A.Kind("number in [0, 1]", _dropout, {"type": "number", "minimum": 0, "maximum": 1})


class _Recurrent(Layer):
    family = "recurrent"
    drawing = "dense"
    gates: ClassVar[int] = 1
    cell: ClassVar[str] = ""  # the framework's class, for messages
    common: ClassVar[tuple[A.Param, ...]] = (
        A.Param("hidden", A.POSITIVE, aliases=("hidden_size", "units")),
        A.Param("layers", A.POSITIVE, 1, aliases=("num_layers",), doc="PyTorch: stacked layers"),
        A.Param("bidirectional", A.BOOL, False),
        A.Param("bias", A.BOOL, True),
        A.Param("return_sequences", A.BOOL, True, keras_default=False,
                doc="false: only the last step (Keras's default)"),
        A.Param("in_channels", A.OPTIONAL_POSITIVE, None, aliases=("input_size",),
                doc="checked against the input"),
        A.Param("batch_first", A.BOOL, False, doc="no shape effect (shapes have no batch axis)"),
        A.Param("dropout", DROPOUT, 0.0, doc="between stacked layers; no shape effect"),
        A.Param("activation", A.RAW, None, doc="no shape effect"),
        A.Param("return_state", A.BOOL, False,
                doc="Keras: also return the final states (read as name.1, name.2, …)"),
    )
    # Reads the sequence and, after it, Keras's initial states (checked in `states`).
    extra_inputs = True

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        x = inputs[0]
        if len(x) != 2:
            raise SpecError(
                f"{self.kind} takes a sequence of feature vectors (L, features) without the batch axis, "
                f"but got {fmt_shape(x)} ({len(x)} axes); reshape or flatten it first", code="wrong-rank"
            )
        steps, features = x
        given = a["in_channels"]
        check_in_channels(ctx, x, features, given, mismatch=lambda: f"input_size is {num.fmt(given)} but the "
                          f"input {fmt_shape(x)} has {num.fmt(features)} features per step")
        self.check_options(ctx, a)
        self.check_states(ctx, inputs, a)
        # Every weight stacks its gates' rows: this product is in each shape below.
        gh = ctx.step(f"{self.gates} gate{'s' if self.gates > 1 else ''} × hidden", GATE_ROWS,
                      G=self.gates, h=a["hidden"])
        if ctx.keras:
            weights, width, macs = self.keras_weights(ctx, features, a, gh)
        else:
            weights, width, macs = self.torch_weights(features, a, gh)
        self.explain_params(ctx, features, a)
        shape = (steps, width) if a["return_sequences"] else (width,)
        parts = (shape, *self.state_shapes(a)) if a["return_state"] else None
        # PyTorch's output (L, N, H) unless batch_first; Keras's and a last step's: the batch first
        at = batch_first_axis(a["batch_first"]) if a["return_sequences"] and not ctx.keras else 0
        return LayerOut(shape, tuple(weights), steps * macs, parts=parts, batch_axis=at)

    @property
    def state_names(self) -> tuple[str, ...]:
        """The states Keras's cell carries, in its order: an LSTM's h and c, the others' h."""
        return ("h", "c") if self.gates == 4 else ("h",)

    def state_shapes(self, a: Mapping[str, Any]) -> list[Shape]:
        """Keras's final states (or the initial ones it takes): each ``(units,)``, per direction."""
        dirs = 2 if a["bidirectional"] else 1
        return [(a["hidden"],)] * (len(self.state_names) * dirs)

    def check_states(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> None:
        """Inputs after the sequence are Keras's ``initial_state``: as many as the cell has states
        (both directions' when bidirectional), each ``(units,)``."""
        states = inputs[1:]
        if not states:
            return
        if not ctx.keras:
            raise SpecError(
                f"{self.kind} reads one tensor in PyTorch (got {len(inputs)}): PyTorch's initial state "
                f"(h_0{', c_0' if self.gates == 4 else ''}) has the batch axis second, (D·layers, N, h), "
                "which convcalc's per-sample shapes cannot show; initial states are read for Keras "
                "(framework: keras)", code="wrong-input-count")
        expected = self.state_shapes(a)
        names = [f"{side}{n}" for side in (("forward ", "backward ") if a["bidirectional"] else ("",))
                 for n in self.state_names]
        if len(states) != len(expected):
            extra = (" (Keras ignores the extra ones, which is a mistake in the spec)"
                     if len(states) > len(expected) and not a["bidirectional"] else "")
            many = len(expected) > 1
            raise SpecError(
                f"Keras's {self.cell} takes {len(expected)} initial state{'s' if many else ''} "
                f"({', '.join(names)}; {'each ' if many else ''}a vector of the {num.fmt(a['hidden'])} "
                f"units), but `from` gives {len(states)} after the sequence{extra}", code="rnn-state-count")
        for k, (got, want) in enumerate(zip(states, expected, strict=True)):
            def wrong(k: int = k, got: Shape = got, want: Shape = want) -> str:
                return (f"initial state {k + 1} ({names[k]}) of {self.cell} is a vector of the "
                        f"{num.fmt(want[0])} units, but it is {fmt_shape(got)}")

            if len(got) != 1:
                raise SpecError(wrong(), code="rnn-state-shape")
            ctx.equal(got[0], want[0], wrong, code="rnn-state-shape")

    def explain_params(self, ctx: Ctx, features: Any, a: Mapping[str, Any]) -> None:
        """The framework's rule for the first layer and direction, where PyTorch and Keras differ
        (PyTorch's two bias vectors); a projected LSTM has its own extra matrix, and no line."""
        if a.get("proj_size"):
            return
        if not a["bias"]:
            formula = F.RNN_NO_BIAS_PARAMS
        elif not ctx.keras:
            formula = F.RNN_TORCH_PARAMS
        else:
            two = len(self.keras_bias_shape(1, a)) == 2
            formula = F.RNN_KERAS_TWO_BIAS_PARAMS if two else F.RNN_KERAS_PARAMS
        where = " (layer 1, one direction)" if a["layers"] != 1 or a["bidirectional"] else ""
        ctx.step(f"by the rule{where}", formula, G=self.gates, h=a["hidden"], i=features)

    def check_options(self, ctx: Ctx, a: Mapping[str, Any]) -> None:
        if a["return_state"] and not ctx.keras:
            raise SpecError(
                f"return_state is Keras's argument: PyTorch's {self.torch_class} always returns (output, "
                f"{'(h_n, c_n)' if self.gates == 4 else 'h_n'}), and h_n has the batch axis second, "
                "(D·layers, N, h), which convcalc's per-sample shapes cannot show; convcalc describes the "
                "output (set framework: keras for Keras's return_state)",
                code="not-in-framework",
            )
        if ctx.keras and a["layers"] != 1:
            raise SpecError(
                f"Keras's {self.cell} has no `layers` argument (got {num.fmt(a['layers'])}); stack one "
                f"{self.kind} per layer, with return_sequences=true on all but the last",
                code="not-in-framework"
            )

    @property
    def torch_class(self) -> str:
        return next(iter(self.torch))

    def torch_weights(self, features: Any, a: Mapping[str, Any], gh: Any) -> tuple[list[Weight], Any, Any]:
        """PyTorch's parameters in its own order: layer by layer, forward then reverse."""
        h = a["hidden"]
        proj = a.get("proj_size") or 0
        out_h = proj or h
        dirs = ("", "_reverse") if a["bidirectional"] else ("",)
        n = a["layers"]
        if num.is_int(n) and n > MAX_STACK:  # before a single weight is made
            raise SpecError(f"num_layers {num.fmt(n)} stacks more layers than the {MAX_STACK:,} a network "
                            "may have", code="too-large")
        weights: list[Weight] = []
        macs: Any = 0
        # Layers 1.. are alike (their input is the previous layer's output): a deep stack lists
        # layer 0 and then the others once, with their count; a small one keeps PyTorch's names.
        groups = [(str(k), 1) for k in range(n)] if n <= SMALL_STACK else [("0", 1), (f"1-l{n - 1}", n - 1)]
        for k, times in groups:
            i = features if k == "0" else out_h * len(dirs)
            for sfx in dirs:
                weights += [Weight(f"weight_ih_l{k}{sfx}", (gh, i), repeat=times),
                            Weight(f"weight_hh_l{k}{sfx}", (gh, out_h), repeat=times)]
                if a["bias"]:
                    weights += [Weight(f"bias_ih_l{k}{sfx}", (gh,), repeat=times),
                                Weight(f"bias_hh_l{k}{sfx}", (gh,), repeat=times)]
                macs += times * gh * (i + out_h)
                if proj:
                    weights.append(Weight(f"weight_hr_l{k}{sfx}", (proj, h), repeat=times))
                    macs += times * proj * h
        return weights, out_h * len(dirs), macs

    def keras_weights(self, ctx: Ctx, features: Any, a: Mapping[str, Any],
                      gh: Any) -> tuple[list[Weight], Any, Any]:
        """Keras's kernel, recurrent_kernel, bias; `bidirectional` as Keras's wrapper (concat)."""
        h = a["hidden"]
        cell = [Weight("kernel", (features, gh)), Weight("recurrent_kernel", (h, gh))]
        if a["bias"]:
            cell.append(Weight("bias", self.keras_bias_shape(gh, a)))
        macs = gh * (features + h)
        if not a["bidirectional"]:
            return cell, h, macs
        both = [Weight(f"{side}_{self.keras_weight_prefix}/{w.name}", w.shape)
                for side in ("forward", "backward") for w in cell]
        return both, 2 * h, 2 * macs

    def keras_bias_shape(self, gh: Any, a: Mapping[str, Any]) -> tuple[Any, ...]:
        return (gh,)

    @property
    def keras_weight_prefix(self) -> str:
        """Keras's snake-case name of the class (``simple_rnn``), as in its weight paths."""
        return re.sub(r"(?<=[a-z])(?=[A-Z])", "_", self.cell).lower()


# The frameworks' signatures (PyTorch's are its typing overloads; its RNN takes `nonlinearity` 4th).
_TORCH_SIG = "input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional"
_KERAS_HEAD = ("units, activation, recurrent_activation, use_bias, kernel_initializer, "
               "recurrent_initializer, bias_initializer")
_KERAS_REG = ("kernel_regularizer, recurrent_regularizer, bias_regularizer, activity_regularizer, "
              "kernel_constraint, recurrent_constraint, bias_constraint, dropout, recurrent_dropout")
_KERAS_TAIL = "return_sequences, return_state, go_backwards, stateful, unroll"
# Taken through **kwargs by Keras's LSTM and GRU (implementation) and its RNN base (zero_output_for_mask).
_KERAS_KW = "*, implementation, zero_output_for_mask, **"


@register
class RNN(_Recurrent):
    kind = "rnn"
    doc = "Elman RNN (tanh or relu): 1 gate."
    gates = 1
    cell = "SimpleRNN"
    aliases = ("simple_rnn",)
    params = (*_Recurrent.common, A.Param("nonlinearity", A.choice("tanh", "relu"), "tanh",
                                          doc="PyTorch: no shape effect"))
    order = ("hidden", "layers", "bidirectional", "bias", "return_sequences")
    torch = {"RNN": None}
    torch_sig = ("input_size, hidden_size, num_layers, nonlinearity, bias, batch_first, dropout, "
                 "bidirectional, device, dtype")
    keras = {"SimpleRNN": None}
    keras_sig = ("units, activation, use_bias, kernel_initializer, recurrent_initializer, bias_initializer, "
                 f"{_KERAS_REG}, {_KERAS_TAIL}, seed, *, zero_output_for_mask, **")


@register
class LSTM(_Recurrent):
    kind = "lstm"
    doc = "Long short-term memory: 4 gates."
    gates = 4
    cell = "LSTM"
    params = (
        *_Recurrent.common,
        A.Param("proj_size", A.NONNEG, 0, doc="PyTorch: project the hidden state to this size"),
        A.Param("recurrent_activation", A.RAW, None, doc="no shape effect"),
    )
    order = ("hidden", "layers", "bidirectional", "bias", "return_sequences")
    torch = {"LSTM": None}
    torch_sig = f"{_TORCH_SIG}, proj_size, device, dtype"
    keras = {"LSTM": None}
    keras_sig = (f"{_KERAS_HEAD}, unit_forget_bias, {_KERAS_REG}, seed, {_KERAS_TAIL}, use_cudnn, "
                 f"{_KERAS_KW}")

    def check_options(self, ctx: Ctx, a: Mapping[str, Any]) -> None:
        super().check_options(ctx, a)
        proj = a["proj_size"]
        if ctx.keras and proj != 0:
            raise SpecError("Keras's LSTM has no proj_size (a PyTorch option)", code="not-in-framework")
        if proj != 0:
            h = a["hidden"]
            ctx.at_least(h - 1, proj, lambda: f"proj_size {num.fmt(proj)} must be smaller than hidden_size "
                         f"{num.fmt(h)} (PyTorch refuses it)", code="bad-argument")


@register
class GRU(_Recurrent):
    kind = "gru"
    doc = "Gated recurrent unit: 3 gates."
    gates = 3
    cell = "GRU"
    params = (
        *_Recurrent.common,
        A.Param("reset_after", A.BOOL, True, doc="Keras: a second bias vector (2, 3h)"),
        A.Param("recurrent_activation", A.RAW, None, doc="no shape effect"),
    )
    order = ("hidden", "layers", "bidirectional", "bias", "return_sequences", "reset_after")
    torch = {"GRU": None}
    torch_sig = f"{_TORCH_SIG}, device, dtype"
    keras = {"GRU": None}
    keras_sig = f"{_KERAS_HEAD}, {_KERAS_REG}, seed, {_KERAS_TAIL}, reset_after, use_cudnn, {_KERAS_KW}"

    def keras_bias_shape(self, gh: Any, a: Mapping[str, Any]) -> tuple[Any, ...]:
        return (2, gh) if a["reset_after"] else (gh,)
