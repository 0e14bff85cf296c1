"""PyTorch's transformer modules, as blocks of real layers (SPEC §10).

``TransformerEncoderLayer``, ``TransformerDecoderLayer``, ``TransformerEncoder``,
``TransformerDecoder`` and ``Transformer`` are *built-in blocks*: when the graph
is expanded, a use of one becomes a block row with its sub-layers beneath it,
named as PyTorch names its modules (``self_attn``, ``linear1``, ``norm1``,
``dropout1``, ``layers.0``, ``encoder.norm``...), each a real layer with its own
shape, weights, parameters and MACs.  The residual sums, which are not modules
in PyTorch, are ``add`` rows named ``residual1``, ``residual2``, ...; the
activation (a function, or a module when one is given) is a row ``activation``.

A :class:`Composite` computes nothing itself: :meth:`Composite.body` turns its
arguments, as written, into the layer entries of the block, and the expander
(:mod:`convcalc.engine.expand`) unrolls them like a user's block.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from ..core import params as A
from ..core.context import Ctx
from ..core.types import LayerOut, Shape
from ..errors import Loc, SpecError
from ..spec.model import LayerSpec, RepeatSpec
from .base import Layer
from .registry import register

Entry = LayerSpec | RepeatSpec
# How a nested layer written as an argument (``encoder_layer``, ``norm``) is read: raw -> LayerSpec.
Reader = Callable[[Any], LayerSpec]


def flag(raw: Any, what: str) -> bool:
    """A boolean argument, needed while expanding (it decides which layers exist)."""
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    raise SpecError(f"{what} must be true or false, not {A.describe(raw)}", code="bad-argument")


# PyTorch's TransformerEncoderLayer/TransformerDecoderLayer constructor
_LAYER_SIG = ("d_model!, nhead!, dim_feedforward, dropout, activation, layer_norm_eps, batch_first, "
              "norm_first, bias, device, dtype")


class Composite(Layer):
    """A layer type that is a block of other layers (expanded before propagation)."""

    family = "transformer"
    drawing = "dense"
    block = True
    inputs: ClassVar[int] = 1  # how many tensors a use reads (checked when it is expanded)

    def body(self, a: Mapping[str, Any], loc: Loc, read: Reader) -> list[Entry]:
        raise NotImplementedError

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        # Only a wrapper (timedistributed) gets here: every other use was expanded into its layers.
        raise SpecError(f"{self.kind} is a built-in block of layers; it cannot be wrapped",
                        code="bad-argument")


def _layer(type_: str, loc: Loc, name: str | None = None, sources: tuple[str | int, ...] | None = None,
           **kwargs: Any) -> LayerSpec:
    return LayerSpec(type_, (), {k: v for k, v in kwargs.items() if v is not None}, name, sources, loc)


def _unless(raw: Any, default: Any) -> Any:
    """An argument passed on to a sub-layer only when it is not the default (shorter labels)."""
    return None if raw is default or (raw == default and type(raw) is type(default)) else raw


_ACTIVATIONS = {"relu": "ReLU", "gelu": "GELU"}


def _activation(raw: Any, loc: Loc, read: Reader) -> LayerSpec:
    if isinstance(raw, str) and not raw.strip().endswith(")"):
        word = raw.strip().lower().removeprefix("f.")
        if word not in _ACTIVATIONS:
            raise SpecError(f"activation must be relu or gelu (or a module such as GELU()), not {raw!r}",
                            code="bad-argument")
        return _layer(_ACTIVATIONS[word], loc, "activation")
    spec = read(raw)
    return LayerSpec(spec.type, spec.args, spec.kwargs, "activation", None, loc)


_LAYER_PARAMS = (
    A.Param("d_model", A.POSITIVE, aliases=("embed_dim",)),
    A.Param("nhead", A.POSITIVE, aliases=("num_heads", "heads")),
    A.Param("dim_feedforward", A.POSITIVE, 2048, aliases=("ff", "ffn")),
    A.Param("dropout", A.RAW, 0.1, doc="no shape effect"),
    A.Param("activation", A.RAW, "relu", doc="relu, gelu or a module"),
    A.Param("layer_norm_eps", A.RAW, 1e-5, doc="no shape effect"),
    A.Param("batch_first", A.RAW, False, doc="moves the batch axis only"),
    A.Param("norm_first", A.RAW, False, doc="pre-norm: normalize before each sub-block"),
    A.Param("bias", A.RAW, True, doc="biases of the linear layers and the norms"),
)
_LAYER_ORDER = tuple(p.name for p in _LAYER_PARAMS)


def _attention(a: Mapping[str, Any], bias: bool, name: str, loc: Loc, sources: tuple[str | int, ...]
               ) -> LayerSpec:
    return _layer("MultiheadAttention", loc, name, sources, embed_dim=a["d_model"], num_heads=a["nhead"],
                  dropout=a["dropout"], bias=_unless(bias, True),
                  batch_first=_unless(a["batch_first"], False))


def _norm(a: Mapping[str, Any], bias: bool, name: str, loc: Loc, sources: tuple[str | int, ...] | None = None
          ) -> LayerSpec:
    return _layer("LayerNorm", loc, name, sources, normalized_shape=a["d_model"],
                  eps=_unless(a["layer_norm_eps"], 1e-5), bias=_unless(bias, True))


def _feedforward(a: Mapping[str, Any], bias: bool, last: str, loc: Loc, read: Reader) -> list[Entry]:
    d, ff = a["d_model"], a["dim_feedforward"]
    return [
        _layer("Linear", loc, "linear1", None, in_features=d, out_features=ff, bias=_unless(bias, True)),
        _activation(a["activation"], loc, read),
        _layer("Dropout", loc, "dropout", p=a["dropout"]),
        _layer("Linear", loc, "linear2", None, in_features=ff, out_features=d, bias=_unless(bias, True)),
        _layer("Dropout", loc, last, p=a["dropout"]),
    ]


@register
class TransformerEncoderLayer(Composite):
    """Self-attention and a feed-forward network, each with a residual sum and a LayerNorm.

    Post-norm (default) ``x = norm1(x + sa(x)); x = norm2(x + ff(x))``; ``norm_first``
    ``x = x + sa(norm1(x)); x = x + ff(norm2(x))``.  Params 4E²+2EF+9E+F.
    """

    kind = "transformer_encoder_layer"
    doc = "PyTorch's TransformerEncoderLayer as a block: self_attn, linear1/2, norm1/2, dropouts; (L, E)."
    params = _LAYER_PARAMS
    order = ("d_model", "nhead", "dim_feedforward")
    torch = {"TransformerEncoderLayer": None}
    torch_sig = _LAYER_SIG
    torch_order = _LAYER_ORDER

    def body(self, a: Mapping[str, Any], loc: Loc, read: Reader) -> list[Entry]:
        bias, first = flag(a["bias"], "bias"), flag(a["norm_first"], "norm_first")
        ff = _feedforward(a, bias, "dropout2", loc, read)
        if first:
            return [_norm(a, bias, "norm1", loc, ("in",)), _attention(a, bias, "self_attn", loc, (-1,)),
                    _layer("Dropout", loc, "dropout1", p=a["dropout"]),
                    _layer("add", loc, "residual1", (-1, "in")),
                    _norm(a, bias, "norm2", loc), *ff, _layer("add", loc, "residual2", (-1, "residual1"))]
        return [_attention(a, bias, "self_attn", loc, ("in",)),
                _layer("Dropout", loc, "dropout1", p=a["dropout"]),
                _layer("add", loc, "residual1", (-1, "in")), _norm(a, bias, "norm1", loc),
                *ff, _layer("add", loc, "residual2", (-1, "norm1")), _norm(a, bias, "norm2", loc)]


@register
class TransformerDecoderLayer(Composite):
    """Self-attention on the target, attention to the memory, a feed-forward network.

    Reads ``[tgt, memory]``; each sub-block has a residual sum and a LayerNorm
    (``norm1``..``norm3``; before the sub-block with ``norm_first``).  Params 8E²+2EF+15E+F.
    """

    kind = "transformer_decoder_layer"
    doc = ("PyTorch's TransformerDecoderLayer as a block, reading [tgt, memory]: self_attn, multihead_attn, "
           "linear1/2, norm1..3.")
    params = _LAYER_PARAMS
    order = ("d_model", "nhead", "dim_feedforward")
    torch = {"TransformerDecoderLayer": None}
    torch_sig = _LAYER_SIG
    torch_order = _LAYER_ORDER
    inputs = 2

    def body(self, a: Mapping[str, Any], loc: Loc, read: Reader) -> list[Entry]:
        bias, first = flag(a["bias"], "bias"), flag(a["norm_first"], "norm_first")
        ff = _feedforward(a, bias, "dropout3", loc, read)

        def drop(n: int) -> LayerSpec:
            return _layer("Dropout", loc, f"dropout{n}", p=a["dropout"])

        if first:
            return [_norm(a, bias, "norm1", loc, ("in.0",)), _attention(a, bias, "self_attn", loc, (-1,)),
                    drop(1), _layer("add", loc, "residual1", (-1, "in.0")),
                    _norm(a, bias, "norm2", loc), _attention(a, bias, "multihead_attn", loc, (-1, "in.1")),
                    drop(2), _layer("add", loc, "residual2", (-1, "residual1")),
                    _norm(a, bias, "norm3", loc), *ff, _layer("add", loc, "residual3", (-1, "residual2"))]
        return [_attention(a, bias, "self_attn", loc, ("in.0",)), drop(1),
                _layer("add", loc, "residual1", (-1, "in.0")), _norm(a, bias, "norm1", loc),
                _attention(a, bias, "multihead_attn", loc, (-1, "in.1")), drop(2),
                _layer("add", loc, "residual2", (-1, "norm1")), _norm(a, bias, "norm2", loc),
                *ff, _layer("add", loc, "residual3", (-1, "norm2")), _norm(a, bias, "norm3", loc)]


def _stack(layer: Any, times: Any, norm: Any, loc: Loc, read: Reader, sources: tuple[str | int, ...] | None
           ) -> list[Entry]:
    if type(times) is int and times < 1:
        raise SpecError(f"num_layers must be at least 1, not {times} (PyTorch's forward reads layers[0])",
                        code="bad-argument")
    inner = read(layer)
    inner = LayerSpec(inner.type, inner.args, inner.kwargs, None, sources, loc)
    out: list[Entry] = [RepeatSpec(times, (inner,), "layers", loc)]
    if norm is not None:
        n = read(norm)
        out.append(LayerSpec(n.type, n.args, n.kwargs, "norm", None, loc))
    return out


_STACK_PARAMS = (
    A.Param("layer", A.RAW, aliases=("encoder_layer", "decoder_layer"), doc="the layer repeated"),
    A.Param("num_layers", A.RAW, doc="how many copies"),
    A.Param("norm", A.RAW, None, doc="a final norm, e.g. LayerNorm(512)"),
    A.Param("enable_nested_tensor", A.RAW, None, doc="no shape effect"),
    A.Param("mask_check", A.RAW, None, doc="no shape effect"),
)


@register
class TransformerEncoder(Composite):
    """``num_layers`` copies of an encoder layer (``layers.0`` ...), then the optional ``norm``."""

    kind = "transformer_encoder"
    doc = "PyTorch's TransformerEncoder: num_layers copies of `layer` (layers.0, ...) and an optional norm."
    params = _STACK_PARAMS
    order = ("layer", "num_layers", "norm")
    torch = {"TransformerEncoder": None}
    torch_sig = "encoder_layer!, num_layers!, norm, enable_nested_tensor, mask_check"
    torch_order = ("layer", "num_layers", "norm", "enable_nested_tensor", "mask_check")

    def body(self, a: Mapping[str, Any], loc: Loc, read: Reader) -> list[Entry]:
        return _stack(a["layer"], a["num_layers"], a["norm"], loc, read, None)


@register
class TransformerDecoder(Composite):
    """``num_layers`` copies of a decoder layer, each reading ``[x, memory]``, then the optional ``norm``."""

    kind = "transformer_decoder"
    doc = "PyTorch's TransformerDecoder, reading [tgt, memory]: num_layers copies of `layer` and a norm."
    params = _STACK_PARAMS[:3]
    order = ("layer", "num_layers", "norm")
    torch = {"TransformerDecoder": None}
    torch_sig = "decoder_layer!, num_layers!, norm"
    torch_order = order
    inputs = 2

    def body(self, a: Mapping[str, Any], loc: Loc, read: Reader) -> list[Entry]:
        return _stack(a["layer"], a["num_layers"], a["norm"], loc, read, (-1, "in.1"))


@register
class Transformer(Composite):
    """The whole encoder-decoder of "Attention Is All You Need", reading ``[src, tgt]``.

    ``encoder`` (layers and a final LayerNorm) on src, ``decoder`` (layers and a
    final LayerNorm) on tgt with the encoder's output as memory; output (T, E).
    """

    kind = "transformer"
    doc = "PyTorch's Transformer, reading [src, tgt]: encoder and decoder stacks with their final norms."
    params = (
        A.Param("d_model", A.POSITIVE, 512, aliases=("embed_dim",)),
        A.Param("nhead", A.POSITIVE, 8, aliases=("num_heads", "heads")),
        A.Param("num_encoder_layers", A.RAW, 6),
        A.Param("num_decoder_layers", A.RAW, 6),
        *_LAYER_PARAMS[2:6],
        A.Param("custom_encoder", A.RAW, None, doc="a layer used as the encoder"),
        A.Param("custom_decoder", A.RAW, None, doc="a layer used as the decoder"),
        *_LAYER_PARAMS[6:],
    )
    order = ("d_model", "nhead", "num_encoder_layers", "num_decoder_layers", "dim_feedforward")
    torch = {"Transformer": None}
    torch_sig = ("d_model, nhead, num_encoder_layers, num_decoder_layers, dim_feedforward, dropout, "
                 "activation, custom_encoder, custom_decoder, layer_norm_eps, batch_first, norm_first, bias, "
                 "device, dtype")
    torch_order = ("d_model", "nhead", "num_encoder_layers", "num_decoder_layers", "dim_feedforward",
                   "dropout", "activation", "custom_encoder", "custom_decoder", "layer_norm_eps",
                   "batch_first", "norm_first", "bias")
    inputs = 2

    def body(self, a: Mapping[str, Any], loc: Loc, read: Reader) -> list[Entry]:
        layer_args = {k: a[k] for k in _LAYER_ORDER if a.get(k) is not None}
        norm = _norm(a, flag(a["bias"], "bias"), "norm", loc)
        out: list[Entry] = []
        for part, count, custom, sources in (("encoder", "num_encoder_layers", "custom_encoder", ("in.0",)),
                                             ("decoder", "num_decoder_layers", "custom_decoder",
                                              ("in.1", "encoder"))):
            if a[custom] is not None:
                spec = read(a[custom])
                out.append(LayerSpec(spec.type, spec.args, spec.kwargs, part, sources, loc))
                continue
            kind = "TransformerEncoderLayer" if part == "encoder" else "TransformerDecoderLayer"
            stack = "TransformerEncoder" if part == "encoder" else "TransformerDecoder"
            layer = LayerSpec(kind, (), layer_args, None, None, loc)
            out.append(LayerSpec(stack, (), {"layer": layer, "num_layers": a[count], "norm": norm},
                                 part, sources, loc))
        return out
