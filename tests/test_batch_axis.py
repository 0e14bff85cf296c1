"""Issue 13: ``--batch N`` puts the batch axis where the module puts it.

PyTorch's MultiheadAttention, Transformer modules and RNNs with ``batch_first=False`` (the
default) give (L, N, E); with ``batch_first=True`` (N, L, E).  Each case runs the real module on
real tensors of a batch of 2 or 3 in the module's layout, records every submodule's output shape
with forward hooks, and compares it with convcalc's row of that name, the batch axis put where the
row says (``LayerResult.batch_axis``).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from _cli import run

import convcalc

E, H, F = 16, 4, 32


def _batched(shape: tuple[int, ...], at: int | None, n: int) -> tuple[int, ...]:
    assert at is not None, "the batch axis position is not known"
    return (*shape[:at], n, *shape[at:])


def _compare(spec: dict[str, Any], module: Any, inputs: list[tuple[int, ...]], batch_first: bool, n: int,
             prefix: str | None = "m") -> int:
    """Run ``module`` on ``inputs`` (one sample's shapes) batched by ``n``; compare each hooked
    submodule's output with convcalc's row of that name.  How many rows were compared."""
    torch = pytest.importorskip("torch")
    result = convcalc.analyze(spec)
    rows = {r.name: r for r in result.rows or result.layers}
    seen: dict[str, tuple[int, ...]] = {}

    def hook(name: str) -> Any:
        def record(mod: Any, args: Any, out: Any) -> None:
            tensor = out[0] if isinstance(out, tuple) else out
            seen[name] = tuple(tensor.shape)
        return record

    for name, mod in module.named_modules():
        mod.register_forward_hook(hook(name))
    module.train()  # no fast path: every submodule is called
    with torch.no_grad():
        module(*(torch.randn(*_batched(s, 0 if batch_first else 1, n)) for s in inputs))
    compared = 0
    for name, shape in seen.items():
        row_name = (prefix if not name else f"{prefix}.{name}") if prefix is not None else name
        if row_name in rows:
            row = rows[row_name]
            assert _batched(tuple(row.output), row.batch_axis, n) == shape, row_name
            compared += 1
    return compared


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("n", [2, 3])
def test_multihead_attention(batch_first: bool, n: int) -> None:
    nn = pytest.importorskip("torch").nn
    spec = {"inputs": {"q": [5, E], "kv": [7, E]}, "layers": [
        {"MultiheadAttention": {"embed_dim": E, "num_heads": H, "batch_first": batch_first, "name": "m",
                                "from": ["q", "kv"]}}]}
    assert _compare(spec, nn.MultiheadAttention(E, H, batch_first=batch_first), [(5, E), (7, E), (7, E)],
                    batch_first, n) == 1
    assert convcalc.analyze(spec).layers[0].batch_axis == (0 if batch_first else 1)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_encoder_layer_and_its_sub_layers(batch_first: bool, norm_first: bool) -> None:
    nn = pytest.importorskip("torch").nn
    spec = {"input": [6, E], "layers": [{"TransformerEncoderLayer": {
        "d_model": E, "nhead": H, "dim_feedforward": F, "batch_first": batch_first, "norm_first": norm_first,
        "activation": "GELU()", "name": "m"}}]}
    module = nn.TransformerEncoderLayer(E, H, F, activation=nn.GELU(), batch_first=batch_first,
                                        norm_first=norm_first)
    # the layer, self_attn, linear1, activation, dropout, linear2, norm1, norm2, dropout1, dropout2
    assert _compare(spec, module, [(6, E)], batch_first, 3) == 10


@pytest.mark.parametrize("batch_first", [False, True])
def test_decoder_layer_and_stacks(batch_first: bool) -> None:
    nn = pytest.importorskip("torch").nn
    spec = {"inputs": {"tgt": [4, E], "memory": [9, E]}, "layers": [{"TransformerDecoderLayer": {
        "d_model": E, "nhead": H, "dim_feedforward": F, "batch_first": batch_first, "name": "m",
        "from": ["tgt", "memory"]}}]}
    module = nn.TransformerDecoderLayer(E, H, F, batch_first=batch_first)
    assert _compare(spec, module, [(4, E), (9, E)], batch_first, 2) >= 10
    spec = {"input": [6, E], "layers": [{"TransformerEncoder": {
        "encoder_layer": f"TransformerEncoderLayer({E}, {H}, {F}, batch_first={batch_first})",
        "num_layers": 2, "name": "m"}}]}
    layer = nn.TransformerEncoderLayer(E, H, F, batch_first=batch_first)
    assert _compare(spec, nn.TransformerEncoder(layer, 2, enable_nested_tensor=False), [(6, E)],
                    batch_first, 3) >= 17


@pytest.mark.filterwarnings("ignore:enable_nested_tensor is True")
@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer(batch_first: bool) -> None:
    nn = pytest.importorskip("torch").nn
    spec = {"inputs": {"src": [5, E], "tgt": [7, E]}, "layers": [{"Transformer": {
        "d_model": E, "nhead": H, "num_encoder_layers": 2, "num_decoder_layers": 1, "dim_feedforward": F,
        "batch_first": batch_first, "name": "m", "from": ["src", "tgt"]}}]}
    module = nn.Transformer(E, H, 2, 1, F, batch_first=batch_first)
    assert _compare(spec, module, [(5, E), (7, E)], batch_first, 2) == 35


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
def test_recurrent(kind: str, batch_first: bool) -> None:
    nn = pytest.importorskip("torch").nn
    spec = {"input": [6, E], "layers": [{kind: {"input_size": E, "hidden_size": 8, "num_layers": 2,
                                                "bidirectional": True, "batch_first": batch_first,
                                                "name": "m"}}]}
    module = getattr(nn, kind)(E, 8, 2, batch_first=batch_first, bidirectional=True)
    assert _compare(spec, module, [(6, E)], batch_first, 3) == 1


def test_the_layers_around_keep_the_batch_second() -> None:
    """Linear -> encoder layer -> LayerNorm -> GELU -> Linear: PyTorch is given (L, N, E) and it stays so."""
    torch = pytest.importorskip("torch")
    nn = torch.nn

    class Chain(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.pre = nn.Linear(12, E)
            self.enc = nn.TransformerEncoderLayer(E, H, F)
            self.norm = nn.LayerNorm(E)
            self.act = nn.GELU()
            self.post = nn.Linear(E, 5)

        def forward(self, x: Any) -> Any:
            return self.post(self.act(self.norm(self.enc(self.pre(x)))))

    spec = {"input": [6, 12], "layers": [
        {"Linear": {"in_features": 12, "out_features": E, "name": "pre"}},
        {"TransformerEncoderLayer": {"d_model": E, "nhead": H, "dim_feedforward": F, "name": "enc"}},
        {"LayerNorm": {"normalized_shape": E, "name": "norm"}},
        {"GELU": {"name": "act"}},
        {"Linear": {"in_features": E, "out_features": 5, "name": "post"}}]}
    # pre, norm, act, post; enc and its 8 modules (relu is a function there)
    assert _compare(spec, Chain(), [(6, 12)], False, 3, prefix=None) == 13


def test_after_batch_first_false_a_layout_dependent_layer_is_unknown_and_said() -> None:
    line = f"6x{E} | TransformerEncoderLayer({E}, {H}, {F}) | Linear({E}, 4) | flatten | Linear(24, 2)"
    r = convcalc.analyze(line)
    assert [(row.name, row.batch_axis) for row in r.layers[-3:]] == [
        ("dense_1", 1), ("flatten_1", None), ("dense_2", None)]
    out = run("--batch", "3", "--no-color", "--width", "200", line)
    assert out.status == 0
    assert "6×3×4" in out.out and "3×24" in out.out
    assert "Batch axis shown first, but not known, for flatten_1, dense_2" in out.out
    assert "not known" not in run("--no-color", line).out  # without --batch: nothing to say
    layers = json.loads(run("-f", "json", line).out)["layers"]
    assert [layer.get("batch_axis", 0) for layer in layers][-3:] == [1, None, None]


def test_batch_first_true_and_keras_keep_the_batch_first() -> None:
    line = f"6x{E} | TransformerEncoderLayer({E}, {H}, {F}, batch_first=True) | Linear({E}, 4) | flatten"
    assert {row.batch_axis for row in convcalc.analyze(line).rows or []} == {0}
    lstm = {"LSTM": {"units": 8, "return_sequences": True}}
    keras = convcalc.analyze({"framework": "keras", "input": [6, E], "layers": [lstm]})
    assert keras.layers[0].batch_axis == 0
    out = run("--batch", "2", "--no-color", line).out
    assert "2×6×16" in out and "not known" not in out


def test_ops_on_the_axes_after_the_first_keep_the_batch_second() -> None:
    """After (L, N, E): a chunk, slice, mean, concat and select on the last axis leave the batch second,
    as PyTorch computes them on the real tensors."""
    torch = pytest.importorskip("torch")
    nn = torch.nn

    class Ops(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.attn = nn.MultiheadAttention(E, H)
            self.qkv = nn.Linear(E, 3 * E)
            self.shapes: dict[str, tuple[int, ...]] = {}

        def forward(self, x: Any) -> Any:
            c0, c1, c2 = self.qkv(self.attn(x, x, x)[0]).chunk(3, -1)
            s = c0[..., ::2]
            cat = torch.cat([c1, c2], -1)
            out = {"c": c0, "s": s, "m": s.mean(-1, keepdim=True), "cat": cat, "sel": cat.select(-1, 0)}
            self.shapes = {k: tuple(v.shape) for k, v in out.items()}
            return cat

    spec = {"input": [6, E], "layers": [
        {"MultiheadAttention": {"embed_dim": E, "num_heads": H, "name": "attn"}},
        {"Linear": {"in_features": E, "out_features": 3 * E, "name": "qkv"}},
        {"chunk": {"chunks": 3, "axis": -1, "name": "c"}},
        {"slice": {"axis": -1, "step": 2, "from": "c.0", "name": "s"}},
        {"mean": {"axis": -1, "keepdims": True, "name": "m"}},
        {"concat": {"axis": -1, "from": ["c.1", "c.2"], "name": "cat"}},
        {"select": {"axis": -1, "index": 0, "name": "sel"}}]}
    rows = {r.name: r for r in convcalc.analyze(spec).layers}
    module = Ops()
    with torch.no_grad():
        module(torch.randn(6, 3, E))
    assert module.shapes == {k: _batched(tuple(rows[k].output), rows[k].batch_axis, 3) for k in module.shapes}
    # An op on the first axis of the sample (L) is not read the same way in (L, N, E): not known.
    assert convcalc.analyze(f"6x{E} | MultiheadAttention({E}, {H}) | slice(axis=1, stop=2)").layers[-1] \
        .batch_axis is None
