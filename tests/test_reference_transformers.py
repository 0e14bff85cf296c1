"""The transformer reference networks in examples/: BERT-base, nn.Transformer, a Llama 3 decoder
layer and TinyLlama 1.1B.

Their totals and outputs (with their ``expect:`` blocks), and, where PyTorch is installed, each
network rebuilt in plain PyTorch with the same module names: every parameter's full name
(``encoder.layer.3.attention.in_proj_weight``, ``model.layers.0.mlp.gate_proj.weight``) and shape
must be convcalc's, and the outputs' shapes too.  Models run on the ``meta`` device: shapes only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import convcalc

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

REFERENCE: dict[str, tuple[int, tuple[int, ...]]] = {
    "bert_base": (108_891_648, (128, 768)),
    "transformer": (44_140_544, (20, 512)),
    "llama_block": (218_112_000, (2048, 4096)),
    "tinyllama": (1_100_048_384, (512, 32000)),
}


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_totals_and_outputs(name: str) -> None:
    params, output = REFERENCE[name]
    result = convcalc.analyze(str(EXAMPLES / f"{name}.yaml"))
    assert result.total_params == params
    assert result.output == output
    assert result.expect is not None and result.expect.ok, result.expect.failures


def test_llama3_8b_from_its_block() -> None:
    """32 decoder layers, the embeddings, the final norm and the LM head: Llama 3 8B's published total."""
    block = convcalc.analyze(str(EXAMPLES / "llama_block.yaml")).total_params
    assert 32 * block + 2 * 128_256 * 4096 + 4096 == 8_030_261_248


BERT_POOLER = """
  - select: {axis: 1, index: 0}
  - Linear: {name: pooler.dense, in_features: E, out_features: E}
  - Tanh
"""


def _bert_with_pooler() -> str:
    text = (EXAMPLES / "bert_base.yaml").read_text()
    head = text.split("\nexpect:")[0]
    return head.rstrip() + "\n" + BERT_POOLER


def test_bert_with_pooler() -> None:
    result = convcalc.analyze(_bert_with_pooler())
    assert result.total_params == 109_482_240
    assert result.output == (768,)


# ------------------------------------------------------------------ PyTorch


def _nn() -> Any:
    return pytest.importorskip("torch").nn


def _bert() -> Any:
    nn = _nn()
    import torch.nn.functional as F

    class Layer(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.attention = nn.MultiheadAttention(768, 12, batch_first=True)
            self.attention_norm = nn.LayerNorm(768, eps=1e-12)
            self.intermediate = nn.Linear(768, 3072)
            self.output = nn.Linear(3072, 768)
            self.output_norm = nn.LayerNorm(768, eps=1e-12)

        def forward(self, x: Any) -> Any:
            x = self.attention_norm(x + self.attention(x, x, x, need_weights=False)[0])
            return self.output_norm(x + self.output(F.gelu(self.intermediate(x))))

    class Bert(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embeddings = nn.Module()
            self.embeddings.word_embeddings = nn.Embedding(30522, 768)
            self.embeddings.position_embeddings = nn.Embedding(512, 768)
            self.embeddings.token_type_embeddings = nn.Embedding(2, 768)
            self.embeddings.LayerNorm = nn.LayerNorm(768, eps=1e-12)
            self.encoder = nn.Module()
            self.encoder.layer = nn.ModuleList(Layer() for _ in range(12))

        def forward(self, input_ids: Any, token_type_ids: Any, position_ids: Any) -> Any:
            e = self.embeddings
            x = e.LayerNorm(e.word_embeddings(input_ids) + e.position_embeddings(position_ids)
                            + e.token_type_embeddings(token_type_ids))
            for layer in self.encoder.layer:
                x = layer(x)
            return x

    return Bert()


def _transformer() -> Any:
    nn = _nn()

    class Model(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = nn.Transformer(batch_first=True)

        def forward(self, src: Any, tgt: Any) -> Any:
            return self.transformer(src, tgt)

    return Model()


def _llama_layer(dim: int, heads: int, kv: int, hd: int, ff: int) -> Any:
    nn = _nn()
    import torch.nn.functional as F

    class Attention(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.q_proj = nn.Linear(dim, heads * hd, bias=False)
            self.k_proj = nn.Linear(dim, kv * hd, bias=False)
            self.v_proj = nn.Linear(dim, kv * hd, bias=False)
            self.o_proj = nn.Linear(heads * hd, dim, bias=False)

        def forward(self, x: Any) -> Any:
            b, n, _ = x.shape
            q = self.q_proj(x).view(b, n, heads, hd).transpose(1, 2)
            k = self.k_proj(x).view(b, n, kv, hd).transpose(1, 2).repeat_interleave(heads // kv, 1)
            v = self.v_proj(x).view(b, n, kv, hd).transpose(1, 2).repeat_interleave(heads // kv, 1)
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            return self.o_proj(y.transpose(1, 2).reshape(b, n, heads * hd))

    class Mlp(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.gate_proj = nn.Linear(dim, ff, bias=False)
            self.up_proj = nn.Linear(dim, ff, bias=False)
            self.down_proj = nn.Linear(ff, dim, bias=False)
            self.act_fn = nn.SiLU()

        def forward(self, x: Any) -> Any:
            return self.down_proj(self.act_fn(self.gate_proj(x)) * self.up_proj(x))

    class Layer(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.input_layernorm = nn.RMSNorm(dim, eps=1e-5)
            self.self_attn = Attention()
            self.post_attention_layernorm = nn.RMSNorm(dim, eps=1e-5)
            self.mlp = Mlp()

        def forward(self, x: Any) -> Any:
            x = x + self.self_attn(self.input_layernorm(x))
            return x + self.mlp(self.post_attention_layernorm(x))

    return Layer()


def _tinyllama() -> Any:
    nn = _nn()

    class Llama(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = nn.Module()
            self.model.embed_tokens = nn.Embedding(32000, 2048)
            self.model.layers = nn.ModuleList(_llama_layer(2048, 32, 4, 64, 5632) for _ in range(22))
            self.model.norm = nn.RMSNorm(2048, eps=1e-5)
            self.lm_head = nn.Linear(2048, 32000, bias=False)

        def forward(self, ids: Any) -> Any:
            x = self.model.embed_tokens(ids)
            for layer in self.model.layers:
                x = layer(x)
            return self.lm_head(self.model.norm(x))

    return Llama()


BUILDERS = {
    "bert_base": _bert,
    "transformer": _transformer,
    "llama_block": lambda: _llama_layer(4096, 32, 8, 128, 14336),
    "tinyllama": _tinyllama,
}
TOKENS = {"bert_base", "tinyllama"}  # read token indices


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_rebuilt_in_pytorch(name: str) -> None:
    torch = pytest.importorskip("torch")
    result = convcalc.analyze(str(EXAMPLES / f"{name}.yaml"))
    with torch.device("meta"):
        model = BUILDERS[name]()
        dtype = torch.long if name in TOKENS else torch.float32
        inputs = [torch.zeros(1, *shape, dtype=dtype) for shape in result.inputs.values()]
        with torch.no_grad():
            out = model(*inputs)
    theirs = sorted((n, tuple(p.shape)) for n, p in model.named_parameters())
    ours = sorted((f"{layer.name}.{w.name}", tuple(w.shape))
                  for layer in result.layers for w in layer.weights)
    assert ours == theirs
    assert tuple(out.shape[1:]) == result.output
    assert result.total_params == sum(p.numel() for p in model.parameters())
