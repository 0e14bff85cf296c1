"""Issue 14 (SPEC §11): shared modules, tied weights, and trainable through both.

GPT-2 with its LM head tied to the token embedding and ALBERT with one layer shared
12 times are written from layers convcalc has (the attention projections as the four
dense layers q, k, v, out: the same parameters as an attention layer), then rebuilt in
plain PyTorch with real tying (``lm_head.weight = wte.weight``) and real sharing (one
module called 12 times); PyTorch's ``parameters()`` counts a shared tensor once.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from _cli import run

import convcalc
from convcalc.errors import SpecError

E, V, T = 768, 50257, 16


def _transformer_layer(prefix: str = "") -> dict[str, Any]:
    """A transformer layer: attention as q/k/v/out, then the MLP, each with a residual add and a
    layer norm (written post-norm, as ALBERT; GPT-2 normalises first, with the same parameters)."""
    return {"args": {"hidden": E, "inner": 4 * E}, "layers": [
        {"dense": {"name": "q", "out": "$hidden"}},
        {"dense": {"name": "k", "out": "$hidden", "from": "in"}},
        {"dense": {"name": "v", "out": "$hidden", "from": "in"}},
        {"add": {"name": "mix", "from": ["q", "k", "v"]}},  # softmax(q·kᵀ)·v has no weights
        {"dense": {"name": "out", "out": "$hidden"}},
        {"add": {"from": [-1, "in"]}},
        {"layernorm": {"name": "ln_1", "shape": "$hidden"}},
        {"dense": {"name": "fc", "out": "$inner"}},
        "gelu",
        {"dense": {"name": "proj", "out": "$hidden"}},
        {"add": {"from": [-1, "ln_1"]}},
        {"layernorm": {"name": "ln_2", "shape": "$hidden"}},
    ]}


def gpt2(tied: bool = True) -> dict[str, Any]:
    head: dict[str, Any] = {"name": "lm_head", "out": V, "bias": False}
    if tied:
        head["tie"] = "wte"
    return {
        "framework": "pytorch",
        "inputs": {"tokens": [T], "positions": [T]},
        "blocks": {"h": _transformer_layer()},
        "layers": [
            {"embedding": {"name": "wte", "vocab": V, "dim": E, "from": "tokens"}},
            {"embedding": {"name": "wpe", "vocab": 1024, "dim": E, "from": "positions"}},
            {"add": {"from": ["wte", "wpe"]}},
            {"repeat": {"name": "blocks", "times": 12, "layers": ["h"]}},
            {"layernorm": {"name": "ln_f", "shape": E}},
            {"dense": head},
        ],
    }


def albert(share: bool = True) -> dict[str, Any]:
    return {
        "framework": "pytorch",
        "inputs": {"tokens": [T], "positions": [T], "types": [T]},
        "blocks": {"layer": _transformer_layer()},
        "layers": [
            {"embedding": {"name": "word", "vocab": 30000, "dim": 128, "from": "tokens"}},
            {"embedding": {"name": "position", "vocab": 512, "dim": 128, "from": "positions"}},
            {"embedding": {"name": "token_type", "vocab": 2, "dim": 128, "from": "types"}},
            {"add": {"from": ["word", "position", "token_type"]}},
            {"layernorm": {"shape": 128}},
            {"dense": {"name": "mapping_in", "out": E}},
            {"repeat": {"name": "encoder", "times": 12, "share": share, "layers": ["layer"]}},
            {"dense": {"name": "pooler", "out": E}},
            "tanh",
        ],
    }


def test_issue14_gpt2_tied_head_counts_the_embedding_once() -> None:
    tied, untied = convcalc.analyze(gpt2()), convcalc.analyze(gpt2(tied=False))
    assert tied.total_params == 124_439_808
    assert untied.total_params == 163_037_184
    head = tied.layer("lm_head")
    assert head.params == 0 and head.tied_to == "wte" and head.macs == untied.layer("lm_head").macs
    assert head.to_dict()["tied_to"] == "wte"


def test_issue14_albert_one_layer_shared_twelve_times() -> None:
    shared, unshared = convcalc.analyze(albert()), convcalc.analyze(albert(share=False))
    assert shared.total_params == 11_683_584
    assert unshared.total_params == 89_650_176
    assert shared.total_macs == unshared.total_macs  # MACs count at every use
    rounds = [r for r in shared.table_rows() if r.block == "encoder"]
    assert [r.params for r in rounds] == [7_087_872] + [0] * 11
    assert shared.layer("encoder.5.q").shared_with == "encoder.0.q"


def _torch_transformer_layer(nn: Any, post_norm: bool) -> Any:
    class Layer(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.q, self.k, self.v, self.out = (nn.Linear(E, E) for _ in range(4))
            self.ln_1, self.ln_2 = nn.LayerNorm(E), nn.LayerNorm(E)
            self.fc, self.proj = nn.Linear(E, 4 * E), nn.Linear(4 * E, E)

        def forward(self, x: Any) -> Any:
            att = (self.q(x) @ self.k(x).transpose(-1, -2)).softmax(-1) @ self.v(x)
            x = self.ln_1(x + self.out(att))
            return self.ln_2(x + self.proj(nn.functional.gelu(self.fc(x))))

    return Layer()


def test_issue14_gpt2_and_albert_against_pytorch_with_real_tying_and_sharing() -> None:
    torch = pytest.importorskip("torch")
    nn = torch.nn

    class GPT2(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.wte, self.wpe = nn.Embedding(V, E), nn.Embedding(1024, E)
            self.h = nn.ModuleList([_torch_transformer_layer(nn, False) for _ in range(12)])
            self.ln_f = nn.LayerNorm(E)
            self.lm_head = nn.Linear(E, V, bias=False)
            self.lm_head.weight = self.wte.weight  # GPT2LMHeadModel's tie_weights()

        def forward(self, tokens: Any, positions: Any) -> Any:
            x = self.wte(tokens) + self.wpe(positions)
            for layer in self.h:
                x = layer(x)
            return self.lm_head(self.ln_f(x))

    class Albert(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.word, self.position, self.token_type = (nn.Embedding(n, 128) for n in (30000, 512, 2))
            self.norm, self.mapping_in = nn.LayerNorm(128), nn.Linear(128, E)
            self.layer = _torch_transformer_layer(nn, True)  # ONE layer, run 12 times
            self.pooler = nn.Linear(E, E)

        def forward(self, tokens: Any, positions: Any, types: Any) -> Any:
            x = self.word(tokens) + self.position(positions) + self.token_type(types)
            x = self.mapping_in(self.norm(x))
            for _ in range(12):
                x = self.layer(x)
            return torch.tanh(self.pooler(x))

    for build, spec in ((GPT2, gpt2()), (Albert, albert())):
        result = convcalc.analyze(spec)
        with torch.device("meta"):
            model = build()
            ids = [torch.zeros(1, T, dtype=torch.long) for _ in result.inputs]
            out = model(*ids)
        assert sum(p.numel() for p in model.parameters()) == result.total_params
        assert tuple(out.shape[1:]) == result.output


# ---------------------------------------------------------------- share: and tie: errors


def _error(spec: dict[str, Any]) -> SpecError:
    with pytest.raises(SpecError) as info:
        convcalc.analyze(spec)
    return info.value


def test_issue14_share_errors() -> None:
    dense = {"input": [4]}
    e = _error({**dense, "layers": [{"dense": {"name": "a", "out": 4}},
                                    {"dense": {"out": 4, "bias": False, "share": "a"}}]})
    assert e.code == "share-mismatch" and "dense(4)" in e.message and "dense(4, bias=false)" in e.message
    e = _error({**dense, "layers": [{"dense": {"name": "a", "out": 4}}, {"dense": {"out": 5, "share": "a"}}]})
    assert e.code == "share-mismatch" and "4×4, 4" in e.message and "5×4, 5" in e.message
    e = _error({**dense, "layers": [{"dense": {"out": 4, "share": "nope"}}]})
    assert e.code == "bad-reference"
    e = _error({**dense, "layers": [{"dense": {"out": 4, "share": "b"}}, {"dense": {"name": "b", "out": 4}}]})
    assert e.code == "forward-reference" and "layer 2" in e.message
    blocks = {"b": {"args": {"o": 4}, "layers": [{"dense": "$o"}]}, "c": {"layers": [{"dense": 4}]}}
    e = _error({**dense, "blocks": blocks, "layers": [{"b": {"name": "x"}}, {"c": {"share": "x"}}]})
    assert e.code == "share-mismatch" and "`b`" in e.message and "`c`" in e.message
    e = _error({**dense, "blocks": blocks, "layers": [{"b": {"name": "x"}}, {"b": {"o": 5, "share": "x"}}]})
    assert e.code == "share-mismatch"
    e = _error({**dense, "blocks": blocks, "layers": [{"b": {"share": "x"}}, {"b": {"name": "x"}}]})
    assert e.code == "bad-reference"
    e = _error({**dense, "blocks": blocks,
                "layers": [{"b": {"name": "x"}}, {"dense": {"out": 4, "share": "x"}}]})
    assert e.code == "share-block"
    e = _error({**dense, "layers": [{"repeat": {"times": 2, "share": True,
                                                 "layers": [{"dense": "4 + 4 * $i"}]}}]})
    assert e.code == "share-mismatch"  # round 1 is dense(8), round 0 dense(4)


def test_issue14_tie_errors() -> None:
    e = _error({"input": [4], "layers": [{"embedding": {"name": "e", "vocab": 10, "dim": 5}},
                                         {"dense": {"out": 11, "tie": "e"}}]})
    assert e.code == "tie-shape-mismatch" and "11×5" in e.message and "10×5" in e.message
    e = _error({"input": [3, 8, 8], "layers": [{"conv2d": {"name": "c", "out": 3, "kernel": 1}},
                                               {"conv2d": {"out": 3, "kernel": 1, "tie": "c"}}]})
    assert e.code == "tie-not-dense"
    e = _error({"input": [4], "layers": [{"dense": {"out": 4, "tie": "later"}},
                                         {"dense": {"name": "later", "out": 4}}]})
    assert e.code == "forward-reference"


def test_issue14_keras_tie_is_up_to_a_transpose_and_keeps_the_bias() -> None:
    spec = {"framework": "keras", "input": [T], "layers": [
        {"Embedding": {"name": "emb", "input_dim": 100, "output_dim": 8}},
        {"Dense": {"units": 100, "tie": "emb"}}]}
    result = convcalc.analyze(spec)
    head = result.layers[1]
    assert [tuple(w.shape) for w in head.weights] == [(8, 100), (100,)]  # kernel (E, V) vs (V, E)
    assert head.params == 100 and result.total_params == 900


# ---------------------------------------------------------------- trainable through sharing


def test_issue14_a_frozen_source_freezes_its_shared_uses() -> None:
    r = convcalc.analyze({"input": [4], "layers": [{"dense": {"name": "a", "out": 4, "trainable": False}},
                                                    {"dense": {"out": 4, "share": "a"}}]})
    assert (r.total_params, r.trainable_params) == (20, 0)
    assert not any(w.trainable for w in r.layers[1].weights)


def test_issue14_a_frozen_share_freezes_the_one_module_with_a_warning() -> None:
    # PyTorch: one module, one requires_grad per parameter; freezing either use freezes both.
    r = convcalc.analyze({"input": [4], "layers": [{"dense": {"name": "a", "out": 4}},
                                                    {"dense": {"out": 4, "share": "a", "trainable": False}}]})
    assert (r.total_params, r.trainable_params) == (20, 0)
    assert [w.code for w in r.warnings] == ["share-freezes-source"]
    r = convcalc.analyze({"input": [T], "layers": [
        {"embedding": {"name": "wte", "vocab": 50, "dim": 8}},
        {"dense": {"out": 50, "tie": "wte", "trainable": False}}]})
    assert (r.total_params, r.trainable_params) == (450, 0)
    assert [w.code for w in r.warnings] == ["tie-freezes-source"]


def test_issue14_a_frozen_shared_repeat() -> None:
    spec = albert()
    spec["layers"][6]["repeat"]["trainable"] = False
    r = convcalc.analyze(spec)
    assert r.total_params == 11_683_584 and r.non_trainable_params == 7_087_872 and not r.warnings


# ---------------------------------------------------------------- every renderer marks it


# The embedding reads integer ids, its own input (an embedding of the dense's floats is refused).
SHARED = {"inputs": {"x": [4], "ids": [4]},
          "layers": [{"dense": {"name": "a", "out": 4, "from": "x"}}, {"dense": {"out": 4, "share": "a"}},
                     {"embedding": {"name": "emb", "vocab": 9, "dim": 4, "from": "ids"}},
                     {"dense": {"out": 9, "tie": "emb"}}],
          "outputs": ["dense_2", "dense_3"]}


@pytest.mark.parametrize("fmt", ["table", "plain", "markdown", "csv"])
def test_issue14_every_text_format_says_shared_and_tied(fmt: str, tmp_path: Any) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps(SHARED))
    out = run("--no-color", "--format", fmt, str(path)).out
    assert "shared with a" in out and "tied to emb" in out


def test_issue14_json_shared_row() -> None:
    doc = convcalc.analyze(SHARED).to_dict()
    rows = {d["name"]: d for d in doc["layers"]}
    assert rows["dense_2"]["shared_with"] == "a" and rows["dense_2"]["params"] == 0
    assert rows["dense_2"]["weights"] == {"weight": [4, 4], "bias": [4]}  # the module's shapes
    assert rows["dense_3"]["tied_to"] == "emb" and rows["dense_3"]["params"] == 9
    assert "shared_with" not in rows["a"]
    assert doc["totals"]["params"] == 20 + 36 + 9


# ---------------------------------------------------------------- Keras: a siamese network


def test_issue14_siamese_keras_shared_dense_counts_once() -> None:
    spec = {"framework": "keras", "inputs": {"left": [32], "right": [32]}, "layers": [
        {"Dense": {"name": "tower", "units": 16, "from": "left"}},
        {"Dense": {"units": 16, "from": "right", "share": "tower"}},
        {"Subtract": {"from": [-2, -1]}},
        {"Dense": {"units": 1}}]}
    result = convcalc.analyze(spec)
    keras = pytest.importorskip("keras")
    left, right = keras.Input((32,)), keras.Input((32,))
    tower = keras.layers.Dense(16)
    out = keras.layers.Dense(1)(keras.layers.Subtract()([tower(left), tower(right)]))
    model = keras.Model([left, right], out)
    assert result.total_params == model.count_params() == 32 * 16 + 16 + 17


def test_issue14_a_shared_block_use_row_says_whose_weights_it_has() -> None:
    path = Path(__file__).resolve().parent.parent / "examples" / "retinanet_head.yaml"
    result = convcalc.analyze(str(path))
    rows = {r.name: r for r in result.table_rows()}
    assert rows["cls_p5"].shared_with == "cls_p3" and rows["cls_p5"].params == 0
    assert rows["cls_p5"].macs == rows["cls_p3"].macs // 16  # MACs at every level: 16x fewer pixels
    assert rows["cls_p3"].shared_with is None and rows["cls_p3"].params == 4_248_115


def test_issue14_a_tie_to_a_tied_head_is_a_tie_to_the_embedding() -> None:
    r = convcalc.analyze({"input": [4], "layers": [
        {"embedding": {"name": "e", "vocab": 10, "dim": 5}}, {"dense": {"name": "h1", "out": 10, "tie": "e"}},
        {"dense": {"out": 5}}, {"dense": {"name": "h2", "out": 10, "tie": "h1"}}]})
    assert r.layer("h2").tied_to == "e" and r.total_params == 50 + 10 + 55 + 10
