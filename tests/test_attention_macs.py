"""Attention MACs: the projections and both matrix products, checked against PyTorch's FLOP counter.

``torch.utils.flop_counter.FlopCounterMode`` counts 2 FLOPs per multiply-accumulate
of every matrix product; under ``sdpa_kernel(SDPBackend.MATH)`` attention runs as
explicit products (QKᵀ and AV), which the default CPU kernels hide from it.
Softmax, scaling and norms are not MACs on either side.  With a free L the MACs
are a polynomial in L, which must equal the concrete runs at every L.
"""

from __future__ import annotations

import pytest

import convcalc

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402
from torch.nn.attention import SDPBackend, sdpa_kernel  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402


def torch_macs(module: nn.Module, *inputs: torch.Tensor) -> int:
    """MACs of one forward pass (batch 1), as FLOPs / 2 with the math attention backend."""
    module.eval()  # gradients stay on: PyTorch's fused fast path (invisible to the counter) is off
    with sdpa_kernel(SDPBackend.MATH), FlopCounterMode(display=False) as counter:
        module(*inputs)
    flops = counter.get_total_flops()
    assert flops % 2 == 0
    return flops // 2


def macs(spec: str) -> int:
    return int(convcalc.analyze(spec).total_macs)


class Attend(nn.Module):
    """nn.MultiheadAttention called on (query, key, value), batch first."""

    def __init__(self, **kw: object) -> None:
        super().__init__()
        self.m = nn.MultiheadAttention(batch_first=True, **kw)

    def forward(self, q: torch.Tensor, k: torch.Tensor | None = None,
                v: torch.Tensor | None = None) -> object:
        k = q if k is None else k
        return self.m(q, k, k if v is None else v)[0]


MHA_CASES = [
    # (kwargs, L, S or None for self-attention, kdim, vdim)
    ({"embed_dim": 512, "num_heads": 8}, 100, None, 512, 512),
    ({"embed_dim": 64, "num_heads": 4, "bias": False}, 7, None, 64, 64),
    ({"embed_dim": 32, "num_heads": 2, "add_bias_kv": True}, 9, None, 32, 32),
    ({"embed_dim": 32, "num_heads": 4, "add_zero_attn": True, "add_bias_kv": True}, 5, 11, 32, 32),
    ({"embed_dim": 48, "num_heads": 3, "kdim": 20, "vdim": 12}, 6, 13, 20, 12),
    ({"embed_dim": 16, "num_heads": 2, "kdim": 16, "vdim": 16}, 4, 3, 16, 16),
]


@pytest.mark.parametrize(("kw", "length", "s", "kdim", "vdim"), MHA_CASES)
def test_multihead_attention_macs(kw: dict, length: int, s: int | None, kdim: int, vdim: int) -> None:
    e = kw["embed_dim"]
    args = ", ".join(f"{k}={v}" for k, v in kw.items())
    if s is None:
        spec = f"{length}x{e} | MultiheadAttention({args})"
        expected = torch_macs(Attend(**kw), torch.zeros(1, length, e))
    else:
        spec = (f"inputs: {{q: [{length}, {e}], k: [{s}, {kdim}], v: [{s}, {vdim}]}}\n"
                f"layers:\n  - MultiheadAttention: {{{args.replace('=', ': ')}, from: [q, k, v]}}")
        expected = torch_macs(Attend(**kw), torch.zeros(1, length, e), torch.zeros(1, s, kdim),
                              torch.zeros(1, s, vdim))
    assert macs(spec) == expected


def test_encoder_layer_on_100_tokens() -> None:
    """The issue's figure: projections, QKᵀ, AV and the feed-forward network."""
    layer = nn.TransformerEncoderLayer(512, 8, batch_first=True)
    assert torch_macs(layer, torch.zeros(1, 100, 512)) == 324_812_800
    assert macs("100x512 | TransformerEncoderLayer(512, 8, batch_first=true)") == 324_812_800


@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_layer_macs(norm_first: bool) -> None:
    layer = nn.TransformerDecoderLayer(32, 4, 64, batch_first=True, norm_first=norm_first)
    expected = torch_macs(layer, torch.zeros(1, 7, 32), torch.zeros(1, 11, 32))
    spec = ("inputs: {tgt: [7, 32], memory: [11, 32]}\nlayers:\n"
            f"  - TransformerDecoderLayer: {{d_model: 32, nhead: 4, dim_feedforward: 64, norm_first: "
            f"{str(norm_first).lower()}, from: [tgt, memory]}}")
    assert macs(spec) == expected


def test_transformer_macs() -> None:
    model = nn.Transformer(32, 4, 2, 3, 64, batch_first=True)
    expected = torch_macs(model, torch.zeros(1, 9, 32), torch.zeros(1, 5, 32))
    spec = ("inputs: {src: [9, 32], tgt: [5, 32]}\nlayers:\n"
            "  - Transformer: {d_model: 32, nhead: 4, num_encoder_layers: 2, num_decoder_layers: 3, "
            "dim_feedforward: 64, from: [src, tgt]}")
    assert macs(spec) == expected


class LlamaAttention(nn.Module):
    """Grouped-query attention as Llama writes it (q/k/v/o projections, keys and values repeated)."""

    def __init__(self, e: int, heads: int, kv: int, hd: int) -> None:
        super().__init__()
        self.h, self.kv, self.hd = heads, kv, hd
        self.q_proj = nn.Linear(e, heads * hd, bias=False)
        self.k_proj = nn.Linear(e, kv * hd, bias=False)
        self.v_proj = nn.Linear(e, kv * hd, bias=False)
        self.o_proj = nn.Linear(heads * hd, e, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, n, _ = x.shape
        q = self.q_proj(x).view(b, n, self.h, self.hd).transpose(1, 2)
        k = self.k_proj(x).view(b, n, self.kv, self.hd).transpose(1, 2)
        v = self.v_proj(x).view(b, n, self.kv, self.hd).transpose(1, 2)
        k = k.repeat_interleave(self.h // self.kv, dim=1)
        v = v.repeat_interleave(self.h // self.kv, dim=1)
        y = nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.o_proj(y.transpose(1, 2).reshape(b, n, self.h * self.hd))


@pytest.mark.parametrize(("e", "heads", "kv", "hd", "length"), [(64, 8, 2, 8, 10), (48, 4, 4, 16, 3),
                                                                  (32, 4, 1, 8, 17)])
def test_grouped_query_attention(e: int, heads: int, kv: int, hd: int, length: int) -> None:
    module = LlamaAttention(e, heads, kv, hd)
    result = convcalc.analyze(f"{length}x{e} | gqa({heads}, {kv}, {hd})")
    assert result.total_macs == torch_macs(module, torch.zeros(1, length, e))
    assert result.total_params == sum(p.numel() for p in module.parameters())
    assert [w.shape for w in result.layers[0].weights] == [tuple(p.shape) for p in module.parameters()]


def test_keras_multi_head_attention_macs() -> None:
    """Keras's einsum projections run as torch products on the torch backend: counted the same way."""
    pytest.importorskip("keras")
    import keras

    for kw, q, v, k in [({"num_heads": 4, "key_dim": 8}, (6, 16), (9, 12), None),
                        ({"num_heads": 2, "key_dim": 4, "value_dim": 3, "output_shape": 5}, (7, 10), (7, 10),
                         (7, 6)),
                        ({"num_heads": 2, "key_dim": 3, "attention_axes": (1, 2)}, (3, 4, 8), (2, 5, 8),
                         None),
                        ({"num_heads": 2, "key_dim": 4, "attention_axes": (1, -1)}, (3, 5, 8), (3, 5, 6),
                         None)]:
        layer = keras.layers.MultiHeadAttention(**kw)
        tensors = [torch.zeros(1, *s) for s in (q, v, k) if s is not None]
        layer(*tensors)  # build outside the counter
        with sdpa_kernel(SDPBackend.MATH), FlopCounterMode(display=False) as counter:
            layer(*tensors)
        shapes = {"q": list(q), "v": list(v), **({"k": list(k)} if k else {})}
        args = ", ".join(f"{a}: {list(b) if isinstance(b, tuple) else b}" for a, b in kw.items())
        spec = {"framework": "keras", "inputs": shapes,
                "layers": [{"MultiHeadAttention": {**kw, "from": list(shapes)}}]}
        assert convcalc.analyze(spec).total_macs == counter.get_total_flops() // 2, args


SYMBOLIC = [
    "Lx512 | MultiheadAttention(512, 8, batch_first=True)",
    "Lx64 | TransformerEncoderLayer(64, 4, 128, norm_first=true)",
    "Lx64 | gqa(8, 2)",
    "Lx32 | MultiheadAttention(32, 4, add_bias_kv=true, add_zero_attn=true)",
]


@pytest.mark.parametrize("spec", SYMBOLIC)
def test_symbolic_length_equals_concrete(spec: str) -> None:
    """With a free L the MACs are a polynomial in L; put in a number, it is the concrete run's count."""
    import sympy

    poly = convcalc.analyze(spec).total_macs
    assert sympy.Poly(poly, sympy.Symbol("L", positive=True, integer=True)).degree() == 2, poly
    for n in (1, 2, 7, 100):
        concrete = convcalc.analyze(spec.replace("Lx", f"{n}x", 1)).total_macs
        assert poly.subs({s: n for s in poly.free_symbols}) == concrete
