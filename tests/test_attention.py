"""Attention, RMSNorm and the transformer blocks without any framework installed.

The counts the issue states, how the two ``Multi?ead?ttention`` spellings
resolve, the block rows of the transformer modules and the refusals with their
codes.  (tests/test_differential_attention.py checks the same layers against
PyTorch and Keras.)
"""

from __future__ import annotations

import pytest

import convcalc
from convcalc import SpecError
from convcalc.layers.registry import REGISTRY, lookup, normalize


def params(spec: str | dict, **kw: object) -> int:
    return int(convcalc.analyze(spec, **kw).total_params)


@pytest.mark.parametrize(("spec", "expected"), [
    ("10x512 | MultiheadAttention(512, 8)", 1_050_624),
    ("10x768 | MultiheadAttention(768, 12)", 2_362_368),
    ("10x512 | MultiheadAttention(512, 8, bias=False)", 4 * 512**2),
    ("10x512 | mha(512, 8, add_bias_kv=true)", 4 * 512**2 + 4 * 512 + 2 * 512),
    ("10x512 | TransformerEncoderLayer(512, 8)", 3_152_384),
    ("10x512 | TransformerEncoderLayer(512, 8, bias=False)", 3_146_752),
    ("10x768 | TransformerEncoderLayer(768, 12, 3072)", 7_087_872),
    ("10x768 | transformer_encoder_layer(768, 12, 3072, norm_first=true)", 7_087_872),
    ("10x512 | gqa(32, 8, 16)", 512 * 32 * 16 + 2 * 512 * 8 * 16 + 32 * 16 * 512),
    ("10x64 | RMSNorm(64)", 64),
    ("10x64 | rmsnorm(affine=false)", 0),
])
def test_stated_counts(spec: str, expected: int) -> None:
    assert params(spec) == expected


def test_cross_attention_with_kdim_vdim() -> None:
    spec = ("inputs: {q: [10, 512], k: [20, 256], v: [20, 128]}\nlayers:\n"
            "  - MultiheadAttention: {embed_dim: 512, num_heads: 8, kdim: 256, vdim: 128, add_bias_kv: true, "
            "from: [q, k, v]}")
    result = convcalc.analyze(spec)
    assert result.total_params == 723_968
    names = [w.name for w in result.layers[0].weights]
    assert names == ["q_proj_weight", "k_proj_weight", "v_proj_weight", "in_proj_bias", "bias_k", "bias_v",
                     "out_proj.weight", "out_proj.bias"]


@pytest.mark.parametrize(("key_dim", "expected"), [(64, 1_050_624), (512, 8_401_408)])
def test_keras_counts(key_dim: int, expected: int) -> None:
    spec = ("inputs: {q: [10, 512]}\nlayers:\n"
            f"  - MultiHeadAttention: {{num_heads: 8, key_dim: {key_dim}, from: [q, q]}}")
    assert params(spec, framework="keras") == expected


def test_decoder_and_transformer_counts() -> None:
    dec = ("inputs: {tgt: [7, 512], memory: [9, 512]}\nlayers:\n"
           "  - TransformerDecoderLayer: {d_model: 512, nhead: 8, from: [tgt, memory]}")
    assert params(dec) == 4_204_032
    full = "inputs: {src: [9, 512], tgt: [7, 512]}\nlayers:\n  - Transformer: {from: [src, tgt]}"
    result = convcalc.analyze(full)
    assert result.total_params == 44_140_544
    assert list(result.outputs.values()) == [(7, 512)]


def test_two_spellings_told_apart_by_case() -> None:
    """PyTorch's MultiheadAttention and Keras's MultiHeadAttention: exact case first (SPEC §2)."""
    assert lookup("MultiheadAttention", "pytorch").layer.kind == "mha"
    assert lookup("MultiHeadAttention", "keras").layer.kind == "keras_mha"
    assert lookup("nn.MultiheadAttention", "keras").layer.kind == "mha"  # exact case wins everywhere
    assert lookup("layers.MultiHeadAttention", "pytorch").layer.kind == "keras_mha"
    # Case folded away: the framework's own class.
    assert lookup("multiheadattention", "pytorch").layer.kind == "mha"
    assert lookup("multi_head_attention", "keras").layer.kind == "keras_mha"


def test_own_spellings_do_not_collide_when_case_is_ignored() -> None:
    mine = {"mha", "keras_mha", "gqa", "grouped_query_attention", "rmsnorm"}
    classes = {normalize(n) for layer in REGISTRY.values() for n in (*layer.torch, *layer.keras)}
    own = [normalize(n) for layer in REGISTRY.values() for n in (layer.kind, *layer.aliases) if n in mine]
    assert len(own) == len(set(own)) == len(mine)
    assert not set(own) & {normalize("MultiheadAttention"), normalize("GroupQueryAttention")}
    assert normalize("rmsnorm") in classes  # PyTorch's RMSNorm, the same layer: no collision


def test_block_rows_named_as_pytorch_names_modules() -> None:
    result = convcalc.analyze("100x512 | TransformerEncoderLayer(512, 8)")
    rows = result.rows
    assert rows is not None
    assert rows[0].name == "transformer_encoder_layer_1" and rows[0].span == (1, 11)
    assert rows[0].params == 3_152_384 and rows[0].macs == 324_812_800
    leaves = [r.name.split(".", 1)[1] for r in result.layers]
    assert leaves == ["self_attn", "dropout1", "residual1", "norm1", "linear1", "activation", "dropout",
                      "linear2", "dropout2", "residual2", "norm2"]
    pre = convcalc.analyze("100x512 | TransformerEncoderLayer(512, 8, norm_first=true)")
    assert [r.name.split(".", 1)[1] for r in pre.layers][:2] == ["norm1", "self_attn"]


def test_transformer_nests_like_modules() -> None:
    result = convcalc.analyze("inputs: {src: [9, 32], tgt: [7, 32]}\nlayers:\n"
                              "  - Transformer: {d_model: 32, nhead: 4, num_encoder_layers: 2, "
                              "num_decoder_layers: 1, dim_feedforward: 64, name: model, from: [src, tgt]}")
    names = {r.name for r in result.rows or ()}
    for name in ("model", "model.encoder", "model.encoder.layers", "model.encoder.layers.1",
                 "model.encoder.layers.1.self_attn", "model.encoder.norm", "model.decoder.layers.0",
                 "model.decoder.layers.0.multihead_attn", "model.decoder.norm"):
        assert name in names
    cross = next(r for r in result.layers if r.name == "model.decoder.layers.0.multihead_attn")
    assert cross.sources == ("model.decoder.layers.0.norm1", "model.encoder")
    assert cross.input_shapes == ((7, 32), (9, 32))


def test_encoder_stack_with_a_block_written_as_a_user_would() -> None:
    spec = """
layers:
  - TransformerEncoder:
      encoder_layer:
        TransformerEncoderLayer: {d_model: 64, nhead: 4, dim_feedforward: 128, activation: gelu}
      num_layers: 3
      norm: {LayerNorm: 64}
"""
    result = convcalc.analyze(spec, input="12x64")
    per_layer = 4 * 64**2 + 2 * 64 * 128 + 9 * 64 + 128
    assert result.total_params == 3 * per_layer + 128
    assert result.layers[5].type == "gelu"


@pytest.mark.parametrize(("spec", "code", "words"), [
    ("10x512 | MultiheadAttention(512, 7)", None, "divisible by num_heads"),
    ("10x256 | MultiheadAttention(512, 8)", None, "expecting embedding dimension of 512"),
    ("10x512 | TransformerDecoderLayer(512, 8)", "wrong-input-count", "[tgt, memory]"),
    ("10x512 | gqa(6, 4)", None, "divisible by kv_heads"),
    ("10x512 | TransformerEncoderLayer(512, 8, activation=tanh)", "bad-argument", "relu or gelu"),
    ("10 | MultiheadAttention(10, 2)", "wrong-rank", "(sequence, features)"),
])
def test_refusals(spec: str, code: str | None, words: str) -> None:
    with pytest.raises(SpecError) as err:
        convcalc.analyze(spec)
    assert words in err.value.message
    if code:
        assert err.value.code == code


def test_transformer_is_pytorch_only() -> None:
    with pytest.raises(SpecError) as err:
        convcalc.analyze("10x512 | TransformerEncoderLayer(512, 8)", framework="keras")
    assert err.value.code == "not-in-framework"


def test_keras_rmsnormalization() -> None:
    result = convcalc.analyze("4x5x6 | RMSNormalization(axis=[-2, -1])", framework="keras")
    assert [(w.name, w.shape) for w in result.layers[0].weights] == [("scale", (5, 6))]
    with pytest.raises(SpecError, match="does not line up with the last axes"):
        convcalc.analyze("4x5x6 | RMSNormalization(axis=-2)", framework="keras")


def test_builtin_blocks_inside_user_blocks_and_repeats() -> None:
    """Named as blocks name their entries: by position inside a block, by round inside a repeat."""
    spec = """
input: [6, 32]
blocks:
  stage:
    args: {width: 32}
    layers:
      - TransformerEncoderLayer: [$width, 4, 64]
      - rmsnorm
layers:
  - stage: {name: s}
  - repeat: {name: blocks, times: 2, layers: [{TransformerEncoderLayer: [32, 4, 64]}]}
"""
    result = convcalc.analyze(spec)
    names = [r.name for r in result.layers]
    assert "s.0.self_attn" in names and "s.rmsnorm_1" in names
    assert "blocks.0.self_attn" in names and "blocks.1.norm2" in names
    per_layer = 4 * 32**2 + 2 * 32 * 64 + 9 * 32 + 64
    assert result.total_params == 3 * per_layer + 32
