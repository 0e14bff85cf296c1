"""convcalc equals PyTorch and Keras 3 on attention, RMSNorm and the transformer modules.

Generated configurations (tests/oracle_gen.py, the attention generators first in
each stack, any layer after them) run through the shared harness: shapes, every
weight's name and shape, totals, refusals at the same layer.  The default run
checks a sample; ``-m slow`` a larger set.  Hand-written refusals and the counts
the issue states are checked against the frameworks too.
"""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")

import oracle
import oracle_gen
from oracle import Config, LayerCfg

import convcalc

SAMPLE, FULL = 28, 400


def _generated(framework: str, n: int) -> list[Config]:
    pytest.importorskip("torch" if framework == "pytorch" else "keras")
    return oracle_gen.generate(framework, n, seed=1306, only=oracle_gen.ATTENTION)


@pytest.mark.parametrize("framework", ["pytorch", "keras"])
def test_sample_agrees(framework: str) -> None:
    oracle.assert_agreement(_generated(framework, SAMPLE), f"{oracle.NAMES[framework]} attention, sample")


@pytest.mark.slow
@pytest.mark.parametrize("framework", ["pytorch", "keras"])
def test_full_agrees(framework: str) -> None:
    oracle.assert_agreement(_generated(framework, FULL), f"{oracle.NAMES[framework]} attention, full set")


def _mha(**kw: object) -> LayerCfg:
    return LayerCfg("MultiheadAttention", {"embed_dim": 8, "num_heads": 2, **kw})


def _torch(shape: tuple[int, ...], *layers: LayerCfg) -> Config:
    return oracle.refusal("pytorch", shape, *layers)


def _keras(shape: tuple[int, ...], *layers: LayerCfg) -> Config:
    return oracle.refusal("keras", shape, *layers)


ENC = {"d_model": 8, "nhead": 2, "dim_feedforward": 16, "batch_first": True}
TORCH_REFUSALS = [
    pytest.param(_torch((5, 8), _mha(num_heads=3)), id="heads-not-dividing"),
    pytest.param(_torch((5, 6), _mha()), id="query-width"),
    pytest.param(_torch((5, 8), LayerCfg("MultiheadAttention", {"embed_dim": 8, "num_heads": 2, "kdim": 4},
                                         reads=((3, 5), (3, 8)))), id="key-width"),
    pytest.param(_torch((5, 8), LayerCfg("MultiheadAttention", {"embed_dim": 8, "num_heads": 2, "kdim": 4,
                                                                "vdim": 6}, reads=((3, 4), (2, 6)))),
                 id="key-value-lengths"),
    pytest.param(_torch((5, 8), LayerCfg("RMSNorm", {"normalized_shape": 6})), id="rmsnorm-shape"),
    pytest.param(_torch((5, 8), LayerCfg("TransformerEncoderLayer", {**ENC, "nhead": 3})),
                 id="encoder-heads"),
    pytest.param(_torch((5, 8), LayerCfg("TransformerEncoderLayer", {**ENC, "d_model": 12})),
                 id="encoder-width"),
    pytest.param(_torch((5, 8), LayerCfg("TransformerDecoderLayer", ENC, reads=((4, 6),))),
                 id="memory-width"),
    pytest.param(_torch((5, 8), LayerCfg("TransformerEncoder", {
        "encoder_layer": LayerCfg("TransformerEncoderLayer", ENC), "num_layers": 0})), id="no-layers"),
    pytest.param(_torch((5, 8), LayerCfg("Linear", {"in_features": 8, "out_features": 6}),
                        LayerCfg("TransformerEncoderLayer", ENC)), id="second-layer-width"),
]
KERAS_REFUSALS = [
    pytest.param(_keras((5, 8), LayerCfg("MultiHeadAttention", {"num_heads": 2, "key_dim": 4},
                                         reads=((3, 6), (4, 6)))), id="key-value-lengths"),
    pytest.param(_keras((3, 5, 8), LayerCfg("MultiHeadAttention", {"num_heads": 2, "key_dim": 4,
                                                                   "attention_axes": 2},
                                            reads=((4, 6, 8),))), id="unattended-axis"),
    pytest.param(_keras((3, 5, 8), LayerCfg("MultiHeadAttention", {"num_heads": 2, "key_dim": 4,
                                                                   "attention_axes": 4},
                                            reads=(None,))), id="attention-axis-out-of-range"),
    pytest.param(_keras((5, 8), LayerCfg("GroupQueryAttention", {"head_dim": 4, "num_query_heads": 3,
                                                                 "num_key_value_heads": 2},
                                         reads=(None,))), id="gqa-heads"),
]


@pytest.mark.parametrize("cfg", TORCH_REFUSALS)
def test_refused_by_torch_and_convcalc(cfg: Config) -> None:
    pytest.importorskip("torch")
    oracle.assert_refused_by_both(cfg)


@pytest.mark.parametrize("cfg", KERAS_REFUSALS)
def test_refused_by_keras_and_convcalc(cfg: Config) -> None:
    pytest.importorskip("keras")
    oracle.assert_refused_by_both(cfg)


# The counts the issue states, each built in the framework as well.
TORCH_COUNTS = [
    ((10, 512), _mha(embed_dim=512, num_heads=8), 1_050_624),
    ((10, 768), _mha(embed_dim=768, num_heads=12), 2_362_368),
    ((10, 512), _mha(embed_dim=512, num_heads=8, bias=False), 4 * 512**2),
    ((10, 512), _mha(embed_dim=512, num_heads=8, add_bias_kv=True), 1_050_624 + 1024),
    ((10, 512), LayerCfg("MultiheadAttention", {"embed_dim": 512, "num_heads": 8, "kdim": 256, "vdim": 128,
                                                "add_bias_kv": True}, reads=((7, 256), (7, 128))), 723_968),
    ((10, 512), LayerCfg("TransformerEncoderLayer", {"d_model": 512, "nhead": 8}), 3_152_384),
    ((10, 512), LayerCfg("TransformerEncoderLayer", {"d_model": 512, "nhead": 8, "bias": False}), 3_146_752),
    ((10, 768), LayerCfg("TransformerEncoderLayer", {"d_model": 768, "nhead": 12, "dim_feedforward": 3072}),
     7_087_872),
    ((10, 512), LayerCfg("TransformerDecoderLayer", {"d_model": 512, "nhead": 8}, reads=((6, 512),)),
     4_204_032),
    pytest.param((6, 512), LayerCfg("Transformer", {}, reads=((5, 512),)), 44_140_544,
                 marks=pytest.mark.slow),  # 44 M weights initialised: see the meta-device test below
]


@pytest.mark.parametrize(("shape", "layer", "params"), TORCH_COUNTS, ids=lambda v: getattr(v, "cls", None))
def test_stated_counts_torch(shape: tuple[int, ...], layer: LayerCfg, params: int) -> None:
    pytest.importorskip("torch")
    cfg = Config("pytorch", shape, (layer,))
    fw, cc = oracle.run_framework(cfg), oracle.run_convcalc(cfg)
    assert oracle.compare(fw, cc, cfg).agree, oracle.compare(fw, cc, cfg).detail
    assert cc.params == fw.params == params


@pytest.mark.parametrize(("key_dim", "params"), [(64, 1_050_624), (512, 8_401_408)])
def test_stated_counts_keras(key_dim: int, params: int) -> None:
    pytest.importorskip("keras")
    cfg = Config("keras", (10, 512), (LayerCfg("MultiHeadAttention", {"num_heads": 8, "key_dim": key_dim},
                                                reads=(None,)),))
    fw, cc = oracle.run_framework(cfg), oracle.run_convcalc(cfg)
    assert oracle.compare(fw, cc, cfg).agree, oracle.compare(fw, cc, cfg).detail
    assert cc.params == fw.params == params


def test_transformer_default_weights() -> None:
    """``Transformer()``: every weight name and shape, and 44,140,544 in all (built without memory)."""
    pytest.importorskip("torch")
    from torch import nn

    model = nn.Transformer(device="meta")
    cfg = Config("pytorch", (6, 512), (LayerCfg("Transformer", {}, reads=((5, 512),)),))
    cc = oracle.run_convcalc(cfg)
    assert cc.layers[0].output == (5, 512)
    expected = sorted((n, tuple(p.shape), True) for n, p in model.named_parameters())
    assert cc.layers[0].weights == tuple(expected)
    assert cc.params == sum(p.numel() for p in model.parameters()) == 44_140_544


def test_attention_across_the_batch_is_refused() -> None:
    """Keras accepts ``attention_axes=0`` (attending across the samples of a batch); what one sample
    costs then depends on the batch, so convcalc, which describes one sample, says so instead."""
    spec = {"framework": "keras", "inputs": {"q": [3, 8]},
            "layers": [{"MultiHeadAttention": {"num_heads": 2, "key_dim": 4, "attention_axes": 0,
                                               "from": ["q", "q"]}}]}
    with pytest.raises(convcalc.SpecError, match="across the batch"):
        convcalc.analyze(spec)


def test_oracle_sees_a_block_difference() -> None:
    """Block rows are compared weight by weight: a missing sub-layer weight is a disagreement."""
    pytest.importorskip("torch")
    cfg = Config("pytorch", (5, 8), (LayerCfg("TransformerEncoderLayer", ENC),))
    fw, cc = oracle.run_framework(cfg), oracle.run_convcalc(cfg)
    assert oracle.compare(fw, cc, cfg).agree
    assert any(name == "self_attn.in_proj_weight" for name, _, _ in cc.layers[0].weights)
    fewer = oracle.Obs([oracle.LayerObs(cc.layers[0].output, cc.layers[0].weights[1:])])
    assert not oracle.compare(fw, fewer, cfg).agree
