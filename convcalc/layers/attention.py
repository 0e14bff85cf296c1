"""Attention layers: PyTorch's MultiheadAttention, Keras's MultiHeadAttention, grouped-query attention.

PyTorch's ``MultiheadAttention`` and Keras's ``MultiHeadAttention`` differ only
in the case of one letter, so they are told apart by the exact class name
(SPEC §2); convcalc's own spellings are ``mha`` (PyTorch's semantics),
``keras_mha`` (Keras's) and ``gqa`` (Llama's grouped-query attention), which
do not collide when case is ignored.  A lower-case ``multiheadattention``
takes the framework's class.

Every attention layer reads several tensors (``multi_input``).  Shapes are one
sample's: PyTorch's (L, E) whatever ``batch_first`` says (it only moves the
batch axis, which a spec never writes).

MACs count the projections and both matrix products (QKᵀ and the weighted sum
of values); softmax, scaling, dropout and masks are not multiply-accumulates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..arith import formulas as F
from ..arith import num
from ..arith.formulas import Formula
from ..core import params as A
from ..core.context import Ctx
from ..core.types import LayerOut, Shape, Weight, fmt_shape
from ..errors import SpecError
from .base import Layer
from .common import batch_first_axis
from .registry import register

Value = num.Value
_ATT = {"E": "embedding size", "n_h": "heads", "L": "query length", "S": "key length",
        "Sa": "key positions attended",
        "nq": "query positions", "nk": "key positions", "na": "key positions each query attends",
        "dq": "query features", "dk": "key features", "dv": "value features", "kd": "key size per head",
        "vd": "value size per head", "do": "output features", "kv": "key/value heads", "hd": "head size"}
HEAD_DIM = Formula("head_dim", "E // n_h", lhs="head_dim", symbols=_ATT)
Part = tuple[str, Formula]  # one term of the MACs: what it multiplies, and how


def _part(label: str, name: str, text: str) -> Part:
    return label, Formula(name, text, lhs=f"MACs({label})", symbols=_ATT)


# The MACs of attention, term by term: the projections, then QKᵀ (every query against every key
# it attends) and AV (the weighted sum of values), each its own rule, so --explain shows them.
# PyTorch (Sa: key positions attended, S plus bias_k and the zero position when added):
MHA_MACS: tuple[Part, ...] = (
    _part("q and out projections", "mha_qo", "2*L*E**2"),
    _part("k and v projections", "mha_kv", "S*E*(dk + dv)"),
    _part("QKᵀ", "mha_qk", "L*Sa*E"),
    _part("AV", "mha_av", "L*Sa*E"),
)
# Keras (nq/nk query/key positions, na key positions each query attends, do output features);
# use_gate adds a gate projection.
_KERAS_MHA: tuple[Part, ...] = (
    _part("q projection", "keras_mha_q", "nq*dq*n_h*kd"),
    _part("k projection", "keras_mha_k", "nk*dk*n_h*kd"),
    _part("v projection", "keras_mha_v", "nk*dv*n_h*vd"),
    _part("out projection", "keras_mha_o", "nq*n_h*vd*do"),
    _part("QKᵀ", "keras_mha_qk", "nq*na*n_h*kd"),
    _part("AV", "keras_mha_av", "nq*na*n_h*vd"),
)
KERAS_MHA_MACS = (_KERAS_MHA, (*_KERAS_MHA, _part("gate", "keras_mha_gate", "nq*dq*n_h*vd")))
_GQA: tuple[Part, ...] = (
    _part("q projection", "gqa_q", "L*E*n_h*hd"),
    _part("k and v projections", "gqa_kv", "S*(dk + dv)*kv*hd"),
    _part("QKᵀ", "gqa_qk", "n_h*L*S*hd"),
    _part("AV", "gqa_av", "n_h*L*S*hd"),
    _part("out projection", "gqa_o", "L*n_h*hd*E"),
)
GQA_MACS = (_GQA, (*_GQA, _part("gate", "gqa_gate", "L*E*n_h*hd")))  # without, with use_gate


def attention_macs(ctx: Ctx, parts: tuple[Part, ...], **env: Value) -> Value:
    """Each term of the MACs by its own rule (recorded for --explain), and their sum."""
    values = [ctx.step(f"MACs {label}", formula, **env) for label, formula in parts]
    return ctx.step("MACs", F.sum_of(len(values), "MACs", "the terms above"), **F.product_env(values))
# Every output position reads every key position: no sliding window, no receptive field to carry
# on (windows of another rank than the output end the field, as a flatten does).
MIXES: tuple = ()
_SHAPE_FREE = A.RAW  # accepted, no effect on shapes or parameters


def _reads(kind: str, inputs: Sequence[Shape], low: int, high: int, order: str) -> None:
    n = len(inputs)
    if not low <= n <= high:
        raise SpecError(f"{kind} reads {order}, but `from` names {n} tensor{'s' if n != 1 else ''}",
                        code="wrong-input-count")


def _sequence(kind: str, what: str, x: Shape) -> None:
    if len(x) != 2:
        raise SpecError(f"{kind}: the {what} must be (sequence, features) per sample, not {fmt_shape(x)} "
                        f"({len(x)} ax{'i' if len(x) == 1 else 'e'}s; the batch axis is never written)",
                        code="wrong-rank")


# The keyword arguments Keras's attention layers end with (no shape effect but use_gate), and **kwargs.
_KERAS_TAIL = ("kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer, "
               "activity_regularizer, kernel_constraint, bias_constraint, use_gate, seed, **")


@register
class MultiheadAttention(Layer):
    """PyTorch's ``nn.MultiheadAttention``, every constructor argument.

    ``from:`` one tensor is self-attention; ``[query, key_value]`` or
    ``[query, key, value]``.  With kdim = vdim = E one packed ``in_proj_weight``
    (3E, E), else ``q_proj_weight`` (E, E), ``k_proj_weight`` (E, kdim),
    ``v_proj_weight`` (E, vdim); ``in_proj_bias`` (3E) and ``out_proj`` (E, E)
    with ``bias``; ``bias_k``/``bias_v`` (1, 1, E) with ``add_bias_kv``.  The
    two extra key positions of ``add_bias_kv`` and ``add_zero_attn`` take
    part in both products.
    """

    kind = "mha"
    family = "attention"
    drawing = "dense"  # projections and a weighted sum: drawn with the dense layers
    doc = ("PyTorch's MultiheadAttention (lower-case h; Keras's MultiHeadAttention is keras_mha): from one "
           "tensor (self-attention), [query, key_value] or [query, key, value]; (L, E) per sample.")
    multi_input = True
    params = (
        A.Param("embed_dim", A.POSITIVE, aliases=("embed", "dim")),
        A.Param("num_heads", A.POSITIVE, aliases=("heads",)),
        A.Param("dropout", _SHAPE_FREE, 0.0, doc="no shape effect"),
        A.Param("bias", A.BOOL, True, doc="in_proj_bias and out_proj.bias"),
        A.Param("add_bias_kv", A.BOOL, False, doc="bias_k, bias_v (1, 1, E): one more key position"),
        A.Param("add_zero_attn", A.BOOL, False, doc="one more (zero) key position; no parameters"),
        A.Param("kdim", A.OPTIONAL_POSITIVE, None, doc="key features (default embed_dim)"),
        A.Param("vdim", A.OPTIONAL_POSITIVE, None, doc="value features (default embed_dim)"),
        A.Param("batch_first", _SHAPE_FREE, False, doc="moves the batch axis only; no per-sample effect"),
    )
    order = ("embed_dim", "num_heads")
    torch = {"MultiheadAttention": None}
    torch_sig = ("embed_dim!, num_heads!, dropout, bias, add_bias_kv, add_zero_attn, kdim, vdim, "
                 "batch_first, device, dtype")
    torch_order = ("embed_dim", "num_heads", "dropout", "bias", "add_bias_kv", "add_zero_attn",
                   "kdim", "vdim", "batch_first")
    ignored = frozenset({"need_weights", "average_attn_weights", "is_causal"})

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        _reads("MultiheadAttention", inputs, 1, 3, "[query], [query, key_value] or [query, key, value]")
        e, h = a["embed_dim"], a["num_heads"]
        kdim = a["kdim"] if a["kdim"] is not None else e
        vdim = a["vdim"] if a["vdim"] is not None else e
        q = inputs[0]
        k = inputs[1] if len(inputs) > 1 else q
        v = inputs[2] if len(inputs) > 2 else k
        for what, x in (("query", q), ("key", k), ("value", v)):
            _sequence("MultiheadAttention", what, x)
        ctx.divides(h, e, lambda: f"embed_dim must be divisible by num_heads ({num.fmt(e)} is not "
                    f"divisible by {num.fmt(h)}), as PyTorch asserts", code="not-divisible")
        ctx.equal(q[-1], e, lambda: f"was expecting embedding dimension of {num.fmt(e)}, but the query "
                  f"{fmt_shape(q)} has {num.fmt(q[-1])} (PyTorch's error)", code="shape-mismatch")
        for what, x, want, arg in (("key", k, kdim, "kdim"), ("value", v, vdim, "vdim")):
            given = "" if a[arg] is not None else " (by default embed_dim)"
            ctx.equal(x[-1], want, lambda x=x, want=want, what=what, arg=arg, given=given: (
                f"the {what} {fmt_shape(x)} has {num.fmt(x[-1])} features but {arg}{given} is "
                f"{num.fmt(want)}"), code="shape-mismatch")
        ctx.equal(k[0], v[0], lambda: f"key {fmt_shape(k)} and value {fmt_shape(v)} differ in "
                  "sequence length (PyTorch: key and value must have the same length)", code="shape-mismatch")
        packed = num.resolve(num.eq(kdim, e)) is True and num.resolve(num.eq(vdim, e)) is True
        if packed:
            weights = [Weight("in_proj_weight", (3 * e, e))]
        else:
            weights = [Weight("q_proj_weight", (e, e)), Weight("k_proj_weight", (e, kdim)),
                       Weight("v_proj_weight", (e, vdim))]
        if a["bias"]:
            weights.append(Weight("in_proj_bias", (3 * e,)))
        if a["add_bias_kv"]:
            weights += [Weight("bias_k", (1, 1, e)), Weight("bias_v", (1, 1, e))]
        weights.append(Weight("out_proj.weight", (e, e)))
        if a["bias"]:
            weights.append(Weight("out_proj.bias", (e,)))
        length, s = q[0], k[0]
        s_att = s + int(a["add_bias_kv"]) + int(a["add_zero_attn"])
        ctx.step("head_dim", HEAD_DIM, E=e, n_h=h)
        macs = attention_macs(ctx, MHA_MACS, L=length, E=e, S=s, dk=kdim, dv=vdim, Sa=s_att)
        at = batch_first_axis(a["batch_first"])  # PyTorch: (L, N, E) unless batch_first
        return LayerOut((length, e), tuple(weights), macs, MIXES, batch_axis=at)


def _axes(raw: Any, ctx: Ctx, what: str) -> tuple[int, ...] | None:
    if raw is None or (isinstance(raw, str) and raw.lower() in ("none", "null")):
        return None
    items = raw if isinstance(raw, list | tuple) else [raw]
    if not items or any(type(r) is not int for r in items):
        raise SpecError(f"{what} must be an axis number or a list of them, not {A.describe(raw)}",
                        code="bad-axis")
    return tuple(items)


def _sizes(raw: Any, ctx: Ctx, what: str) -> tuple[Value, ...] | None:
    if raw is None or (isinstance(raw, str) and raw.lower() in ("none", "null")):
        return None
    return A.shape_of(raw, ctx, what)


_INT_LIST_SCHEMA = {"anyOf": [{"type": "integer"}, {"type": "array"}, {"type": "null"}]}
_AXES = A.Kind("int|[int,..]", _axes, _INT_LIST_SCHEMA)
_OUT_SHAPE = A.Kind("int|shape", _sizes, _INT_LIST_SCHEMA)


def _attended(axes: tuple[int, ...] | None, q: Shape) -> tuple[tuple[int, ...], bool]:
    """Keras's ``attention_axes`` as (indices of the query's sequence axes, whether the heads axis is one).

    Keras numbers them in the projected query (batch, *sequence axes, heads, head dim), a negative
    axis counting from its heads axis.  The default: every sequence axis.
    """
    n = len(q)  # the projected query's heads axis
    if axes is None:
        return tuple(range(n - 1)), False
    seq, heads = set(), False
    for ax in axes:
        p = ax if ax >= 0 else n + 1 + ax
        if p == 0:
            raise SpecError(f"attention_axes {list(axes)}: axis {ax} attends across the batch; convcalc "
                            "describes one sample", code="bad-axis")
        if p == n:
            heads = True
        elif 1 <= p < n:
            seq.add(p - 1)
        else:
            raise SpecError(f"attention_axes {list(axes)}: axis {ax} is out of range for the query "
                            f"{fmt_shape(q)} (sequence axes 1 to {n - 1}, the heads axis {n}; batch is 0)",
                            code="bad-axis")
    return tuple(sorted(seq)), heads


def _keras_proj(name: str, d_in: Value, heads: Value, dim: Value, bias: bool) -> list[Weight]:
    out = [Weight(f"{name}/kernel", (d_in, heads, dim))]
    return [*out, Weight(f"{name}/bias", (heads, dim))] if bias else out


@register
class KerasMultiHeadAttention(Layer):
    """Keras's ``MultiHeadAttention``, called as Keras calls it: ``[query, value]`` or
    ``[query, value, key]`` (the key defaults to the value).

    Projections are EinsumDense kernels ``query/kernel`` (dq, h, kd), ``key/kernel``
    (dk, h, kd), ``value/kernel`` (dv, h, vd), ``attention_output/kernel``
    (h, vd, *out), with biases (h, kd), (h, vd), (out) under ``use_bias``;
    ``use_gate`` adds ``gate`` (dq, h, vd).  The output is the query's shape
    with its last axis replaced by ``output_shape`` (default: the query's).
    ``attention_axes`` (default: every axis between batch and features)
    are attended over; the other axes must agree between query and value.
    """

    kind = "keras_mha"
    family = "attention"
    drawing = "dense"  # projections and a weighted sum: drawn with the dense layers
    doc = ("Keras's MultiHeadAttention (capital H; PyTorch's MultiheadAttention is mha): from [query, value] "
           "or [query, value, key]; output: the query's shape with the last axis = output_shape.")
    multi_input = True
    params = (
        A.Param("num_heads", A.POSITIVE, aliases=("heads",)),
        A.Param("key_dim", A.POSITIVE),
        A.Param("value_dim", A.OPTIONAL_POSITIVE, None, doc="default key_dim"),
        A.Param("dropout", _SHAPE_FREE, 0.0, doc="no shape effect"),
        A.Param("bias", A.BOOL, True),
        A.Param("output_shape", _OUT_SHAPE, None, doc="default: the query's last axis"),
        A.Param("attention_axes", _AXES, None, doc="default: all axes but batch and features"),
        A.Param("use_gate", A.BOOL, False, doc="a sigmoid gate projection (dq, h, vd)"),
        A.Param("sliding_window", _SHAPE_FREE, None, doc="no shape effect"),
        A.Param("flash_attention", _SHAPE_FREE, None, doc="no shape effect"),
    )
    order = ("num_heads", "key_dim", "value_dim")
    keras = {"MultiHeadAttention": None}
    keras_sig = ("num_heads!, key_dim!, value_dim, dropout, use_bias, output_shape, attention_axes, "
                 "sliding_window, flash_attention, " + _KERAS_TAIL)
    keras_order = ("num_heads", "key_dim", "value_dim", "dropout", "bias", "output_shape", "attention_axes")

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        _reads("MultiHeadAttention", inputs, 2, 3, "[query, value] or [query, value, key] (Keras's call)")
        h, kd = a["num_heads"], a["key_dim"]
        vd = a["value_dim"] if a["value_dim"] is not None else kd
        q, v = inputs[0], inputs[1]
        k = inputs[2] if len(inputs) > 2 else v
        for what, x in (("query", q), ("value", v), ("key", k)):
            if len(x) < 2:
                raise SpecError(f"MultiHeadAttention: the {what} {fmt_shape(x)} needs a sequence axis and a "
                                "feature axis", code="wrong-rank")
        if len(v) != len(k) or any(num.resolve(num.eq(x, y)) is False for x, y in zip(v[:-1], k[:-1],
                                                                                      strict=False)):
            raise SpecError(f"All dimensions of `value` and `key`, except the last one, must be equal "
                            f"(value {fmt_shape(v)}, key {fmt_shape(k)}; Keras's error)",
                            code="shape-mismatch")
        for x, y in zip(v[:-1], k[:-1], strict=True):
            ctx.equal(x, y, lambda: f"value {fmt_shape(v)} and key {fmt_shape(k)} must agree but for the "
                      "last axis", code="shape-mismatch")
        if len(q) != len(v):
            raise SpecError(f"MultiHeadAttention: query {fmt_shape(q)} and value {fmt_shape(v)} have "
                            "different numbers of axes", code="shape-mismatch")
        attended, heads_too = _attended(a["attention_axes"], q)
        for i in range(len(q) - 1):
            if i not in attended:
                ctx.equal(q[i], v[i], lambda i=i: f"query {fmt_shape(q)} and value {fmt_shape(v)} differ on "
                          f"axis {i + 1}, which is not attended over", code="shape-mismatch")
        dq, dv, dk = q[-1], v[-1], k[-1]
        out_shape = a["output_shape"] if a["output_shape"] is not None else (dq,)
        bias = a["bias"]
        weights = [*_keras_proj("query", dq, h, kd, bias), *_keras_proj("key", dk, h, kd, bias)]
        if a["use_gate"]:
            weights += _keras_proj("gate", dq, h, vd, bias)
        weights += _keras_proj("value", dv, h, vd, bias)
        weights.append(Weight("attention_output/kernel", (h, vd, *out_shape)))
        if bias:
            weights.append(Weight("attention_output/bias", tuple(out_shape)))
        macs = attention_macs(ctx, KERAS_MHA_MACS[a["use_gate"]], nq=num.prod(q[:-1]), nk=num.prod(k[:-1]),
                              dq=dq, dk=dk, dv=dv, n_h=h, kd=kd, vd=vd, do=num.prod(out_shape),
                              na=num.prod([k[i] for i in attended]) * (h if heads_too else 1))
        return LayerOut((*q[:-1], *out_shape), tuple(weights), macs, MIXES)


@register
class GroupedQueryAttention(Layer):
    """Grouped-query attention (Llama, Mistral, Qwen): ``heads`` query heads share ``kv_heads``
    key/value heads of ``head_dim`` (default E / heads).

    convcalc's spelling ``gqa`` reads one tensor (self-attention) or
    ``[query, key_value]`` and has PyTorch/Hugging Face weights ``q_proj.weight``
    (h·hd, E), ``k_proj.weight``/``v_proj.weight`` (kv·hd, E), ``o_proj.weight``
    (E, h·hd), without biases by default (``bias`` all four, ``qkv_bias`` only
    q/k/v, as Qwen2).  Rotary position embeddings have no parameters.  Keras's
    ``GroupQueryAttention(head_dim, num_query_heads, num_key_value_heads)`` is
    called ``[query, value]`` or ``[query, value, key]``, with biases by default.
    """

    kind = "gqa"
    family = "attention"
    drawing = "dense"  # projections and a weighted sum: drawn with the dense layers
    doc = ("Grouped-query attention (Llama): heads, kv_heads, head_dim; no biases by default; rotary "
           "embeddings have no parameters.")
    aliases = ("grouped_query_attention",)
    multi_input = True
    params = (
        A.Param("heads", A.POSITIVE, aliases=("num_heads", "num_query_heads", "num_attention_heads")),
        A.Param("kv_heads", A.OPTIONAL_POSITIVE, None, aliases=("num_key_value_heads",),
                doc="default: heads (plain multi-head attention)"),
        A.Param("head_dim", A.OPTIONAL_POSITIVE, None, doc="default: E / heads"),
        A.Param("bias", A.BOOL, False, keras_default=True, doc="biases on all four projections"),
        A.Param("qkv_bias", A.BOOL, False, doc="biases on q, k, v only (Qwen2)"),
        A.Param("dropout", _SHAPE_FREE, 0.0, doc="no shape effect"),
        A.Param("rope", _SHAPE_FREE, None, aliases=("rope_theta", "rotary"), doc="no parameters"),
        A.Param("causal", _SHAPE_FREE, None, doc="no shape effect"),
        A.Param("use_gate", A.BOOL, False, doc="Keras: a sigmoid gate projection"),
        A.Param("sliding_window", _SHAPE_FREE, None, doc="no shape effect"),
        A.Param("flash_attention", _SHAPE_FREE, None, doc="no shape effect"),
    )
    order = ("heads", "kv_heads", "head_dim")
    keras = {"GroupQueryAttention": None}
    keras_sig = ("head_dim!, num_query_heads!, num_key_value_heads!, dropout, use_bias, sliding_window, "
                 "flash_attention, " + _KERAS_TAIL)
    keras_order = ("head_dim", "heads", "kv_heads", "dropout", "bias")

    def infer(self, ctx: Ctx, inputs: Sequence[Shape], a: Mapping[str, Any]) -> LayerOut:
        if ctx.keras:
            _reads("GroupQueryAttention", inputs, 2, 3, "[query, value] or [query, value, key]")
        else:
            _reads("gqa", inputs, 1, 2, "[x] (self-attention) or [query, key_value]")
        q = inputs[0]
        kv = inputs[1] if len(inputs) > 1 else q
        key = inputs[2] if len(inputs) > 2 else kv
        for what, x in (("query", q), ("key/value", kv), ("key", key)):
            _sequence("grouped-query attention", what, x)
        e, h = q[-1], a["heads"]
        kvh = a["kv_heads"] if a["kv_heads"] is not None else h
        ctx.divides(kvh, h, lambda: f"heads {num.fmt(h)} must be divisible by kv_heads {num.fmt(kvh)}",
                    code="not-divisible")
        hd = a["head_dim"]
        if hd is None:
            if ctx.keras:
                raise SpecError("GroupQueryAttention needs head_dim", code="missing-argument")
            ctx.divides(h, e, lambda: f"the model width {num.fmt(e)} is not divisible by heads {num.fmt(h)}; "
                        "give head_dim", code="not-divisible")
            hd = num.floordiv(e, h)
        ctx.equal(kv[0], key[0], lambda: f"value {fmt_shape(kv)} and key {fmt_shape(key)} differ in length",
                  code="shape-mismatch")
        length, s = q[0], kv[0]
        if ctx.keras:
            bias = a["bias"]
            weights = [*_keras_proj("query", e, h, hd, bias), *_keras_proj("key", key[-1], kvh, hd, bias)]
            if a["use_gate"]:
                weights += _keras_proj("gate", e, h, hd, bias)
            weights += _keras_proj("value", kv[-1], kvh, hd, bias)
            weights.append(Weight("attention_output/kernel", (h, hd, e)))
            if bias:
                weights.append(Weight("attention_output/bias", (e,)))
        else:
            if a["use_gate"]:
                raise SpecError("use_gate is an argument of Keras's GroupQueryAttention",
                                code="bad-argument")
            qkv_bias = a["bias"] or a["qkv_bias"]
            weights = []
            for name, rows, d_in in (("q_proj", h * hd, e), ("k_proj", kvh * hd, kv[-1]),
                                     ("v_proj", kvh * hd, kv[-1])):
                weights.append(Weight(f"{name}.weight", (rows, d_in)))
                if qkv_bias:
                    weights.append(Weight(f"{name}.bias", (rows,)))
            weights.append(Weight("o_proj.weight", (e, h * hd)))
            if a["bias"]:
                weights.append(Weight("o_proj.bias", (e,)))
        macs = attention_macs(ctx, GQA_MACS[a["use_gate"]], L=length, E=e, S=s, n_h=h, kv=kvh, hd=hd,
                              dk=key[-1], dv=kv[-1])
        return LayerOut((length, e), tuple(weights), macs, MIXES)
