"""Issue 14 in one-liners: ``share=``, ``tie=`` and ``if=`` are the YAML entry's keys, not arguments.

Each one-liner is checked against the same network written in YAML (the JSON outputs are equal,
the file name aside) and, where PyTorch is installed, against the modules built in plain torch
with real tying (``head.weight = wte.weight``) and real sharing (one module called twice):
``parameters()`` counts a shared tensor once.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from _cli import run

import convcalc
from convcalc.errors import SpecError

V, E, H, F, T = 1000, 64, 4, 256, 16

# GPT-2's shape in small: token embedding, pre-norm GELU layers, a final norm, the head tied to wte.
_LAYER = f"TransformerEncoderLayer({E}, {H}, {F}, activation=gelu, norm_first=True, batch_first=True"
GPT2_LINE = (f"{T} | Embedding({V}, {E}, name=wte) | {_LAYER}, name=h0) | {_LAYER}) | LayerNorm({E}) "
             f"| Linear({E}, {V}, bias=False, tie=wte)")
GPT2_YAML = f"""
input: [{T}]
layers:
  - Embedding: {{num_embeddings: {V}, embedding_dim: {E}, name: wte}}
  - TransformerEncoderLayer: {{d_model: {E}, nhead: {H}, dim_feedforward: {F}, activation: gelu,
                               norm_first: true, batch_first: true, name: h0}}
  - TransformerEncoderLayer: {{d_model: {E}, nhead: {H}, dim_feedforward: {F}, activation: gelu,
                               norm_first: true, batch_first: true}}
  - LayerNorm: {E}
  - Linear: {{in_features: {E}, out_features: {V}, bias: false, tie: wte}}
"""

# ALBERT's reuse in small: one encoder layer used twice, and one dense used twice.
SHARED_LINE = (f"{T} | Embedding({V}, {E}) | {_LAYER}, name=layer) | {_LAYER}, share=layer) "
               f"| Linear({E}, {E}, name=mlp) | ReLU() | Linear({E}, {E}, share=mlp)")
SHARED_YAML = f"""
input: [{T}]
layers:
  - Embedding: [{V}, {E}]
  - TransformerEncoderLayer: {{d_model: {E}, nhead: {H}, dim_feedforward: {F}, activation: gelu,
                               norm_first: true, batch_first: true, name: layer}}
  - TransformerEncoderLayer: {{d_model: {E}, nhead: {H}, dim_feedforward: {F}, activation: gelu,
                               norm_first: true, batch_first: true, share: layer}}
  - Linear: {{in_features: {E}, out_features: {E}, name: mlp}}
  - ReLU
  - Linear: {{in_features: {E}, out_features: {E}, share: mlp}}
"""

# if=: the first dense is dropped (mlp's output has 64 features, not 32), the second kept.
IF_LINE = (f"{T} | Embedding({V}, {E}) | Linear({E}, {E}, name=mlp) "
           f"| Linear({E}, 32, if=size(mlp, 1) == 32) | Linear({E}, 8, if='size(mlp, 1) == {E}')")
IF_YAML = f"""
input: [{T}]
layers:
  - Embedding: [{V}, {E}]
  - Linear: {{in_features: {E}, out_features: {E}, name: mlp}}
  - Linear: {{in_features: {E}, out_features: 32, if: "size(mlp, 1) == 32"}}
  - Linear: {{in_features: {E}, out_features: 8, if: "size(mlp, 1) == {E}"}}
"""


def _json(spec: str, tmp_path: Path | None = None) -> dict[str, Any]:
    if tmp_path is not None:
        path = tmp_path / "spec.yaml"
        path.write_text(spec, encoding="utf-8")
        spec = str(path)
    r = run("-f", "json", "-c", "shape,params,macs,memory", "--depth", "9", spec)
    assert r.status == 0, r.err
    out = json.loads(r.out)
    out.pop("file")
    out.pop("framework_inferred_from", None)  # where the spelling is written: a line, a file
    return out


@pytest.mark.parametrize(("line", "yaml"), [(GPT2_LINE, GPT2_YAML), (SHARED_LINE, SHARED_YAML),
                                            (IF_LINE, IF_YAML)], ids=["tie", "share", "if"])
def test_a_one_liner_equals_its_yaml_spelling(line: str, yaml: str, tmp_path: Path) -> None:
    assert _json(line) == _json(yaml, tmp_path)


def test_tie_in_one_line_counts_the_embedding_once() -> None:
    r = convcalc.analyze(GPT2_LINE)
    head = r.layers[-1]
    assert head.tied_to == "wte" and head.params == 0
    untied = convcalc.analyze(GPT2_LINE.replace(", tie=wte", ""))
    assert untied.total_params - r.total_params == V * E


def test_share_in_one_line_counts_the_module_once() -> None:
    r = convcalc.analyze(SHARED_LINE)
    shared = [row for row in r.rows or [] if row.shared_with is not None]
    assert [row.shared_with for row in shared if row.span is not None] == ["layer"]
    assert [row.name for row in r.layers if row.shared_with == "mlp"] == ["dense_2"]
    assert sum(row.params for row in shared) == 0
    assert all(row.macs for row in r.layers if row.shared_with is not None and row.type == "dense")


def test_if_in_one_line_drops_the_layer() -> None:
    r = convcalc.analyze(IF_LINE)
    assert [(row.skipped, tuple(row.output)) for row in r.layers[2:]] == [(True, (T, E)), (False, (T, 8))]
    assert r.layers[2].params == 0 and r.layers[2].macs == 0
    assert convcalc.analyze(f"{T} | Embedding({V}, {E}) | Linear({E}, 8, if=false)").layers[1].skipped
    assert not convcalc.analyze(f"{T} | Embedding({V}, {E}) | Linear({E}, 8, if=True)").layers[1].skipped


def test_a_yaml_layer_written_as_a_call_takes_them_too() -> None:
    r = convcalc.analyze({"input": [4], "layers": ["Linear(4, 4, name=a)", "Linear(4, 4, share=a)",
                                                   "Linear(4, 4, if=false)"]})
    assert (r.total_params, r.layers[1].shared_with, r.layers[2].skipped) == (20, "a", True)


# ---------------------------------------------------------------- against PyTorch


def test_the_one_liners_against_pytorch() -> None:
    torch = pytest.importorskip("torch")
    nn = torch.nn
    torch.manual_seed(0)

    def layer() -> Any:
        return nn.TransformerEncoderLayer(E, H, F, activation="gelu", norm_first=True, batch_first=True)

    tokens = torch.randint(0, V, (2, T))

    wte, h0, h1, ln, head = nn.Embedding(V, E), layer(), layer(), nn.LayerNorm(E), nn.Linear(E, V, bias=False)
    head.weight = wte.weight  # GPT-2's tie
    gpt2 = nn.ModuleList([wte, h0, h1, ln, head])
    x = tokens
    for m in gpt2:
        x = m(x)
    r = convcalc.analyze(GPT2_LINE)
    assert r.total_params == sum(p.numel() for p in gpt2.parameters())  # the tied tensor once
    assert (2, *r.outputs[next(iter(r.outputs))]) == tuple(x.shape)

    emb, enc, mlp = nn.Embedding(V, E), layer(), nn.Linear(E, E)
    shared = nn.ModuleList([emb, enc, mlp])
    x = mlp(torch.relu(mlp(enc(enc(emb(tokens))))))  # each module called twice
    r = convcalc.analyze(SHARED_LINE)
    assert r.total_params == sum(p.numel() for p in shared.parameters())
    assert (2, *r.outputs[next(iter(r.outputs))]) == tuple(x.shape)
    # The MACs count at every use: the shared layer's rows equal the first use's.
    by_name = {row.name: row for row in r.rows or []}
    assert by_name["transformer_encoder_layer_1"].macs == by_name["layer"].macs > 0


# ---------------------------------------------------------------- errors, located in the line


def _error(line: str) -> SpecError:
    with pytest.raises(SpecError) as info:
        convcalc.analyze(line)
    return info.value


def _column(line: str, written: str) -> int:
    return line.index(written) + 1


@pytest.mark.parametrize(("line", "code", "at", "words"), [
    ("4 | Linear(4, 4, share=b) | Linear(4, 4, name=b)", "forward-reference", "b)", ["layer 2", "`b`"]),
    ("4 | Linear(4, 4, share=nope)", "bad-reference", "nope", ["`nope`"]),
    ("4 | Linear(4, 4, tie=later) | Linear(4, 4, name=later)", "forward-reference", "later)", ["`later`"]),
    ("4 | Linear(4, 4, name=a) | Linear(4, 5, share=a)", "share-mismatch", "Linear(4, 5",
     ["4×4, 4", "5×4, 5"]),
    ("4 | Linear(4, 4, name=a) | Linear(4, 4, bias=False, share=a)", "share-mismatch", "Linear(4, 4, b",
     ["dense(4, bias=false, in_channels=4)", "4×4: a"]),
    ("4 | Embedding(10, 5, name=e) | Linear(5, 11, tie=e)", "tie-shape-mismatch", "Linear(5",
     ["11×5", "10×5"]),
    ("4 | Linear(4, 4, share=true)", "bad-name", "true", ["share="]),
    ("4 | Linear(4, 4, tie=(1, 2))", "bad-name", "(1, 2)", ["tie="]),
    ("4 | Linear(4, 4, if=)", "bad-expression", ")", ["if="]),
    ("4 | Linear(4, 4, if=n > 2)", "unbound-name", "Linear", ["free name (n > 2)"]),
    ("4 | Linear(4, 4, name=a) | Linear(4, 4, share=a, share=a)", "duplicate-argument", "share=a)",
     ["share"]),
    ("4x6 | Linear(6, 6, name=a) | TimeDistributed(Linear(6, 6, share=a))", "wrapped-layer-meta", "share=a",
     ["outer layer"]),
    ("10x64 | TransformerEncoderLayer(64, 4, 128, name=a) | TransformerEncoderLayer(64, 4, 256, share=a)",
     "share-mismatch", "TransformerEncoderLayer(64, 4, 256", ["dense(128", "dense(256"]),
    ("10x64 | Linear(64, 64, name=a) | TransformerEncoderLayer(64, 4, 128, share=a)", "bad-reference",
     "TransformerEncoderLayer", ["a block use shares a block use"]),
])
def test_errors_name_the_place_in_the_line(line: str, code: str, at: str, words: list[str]) -> None:
    e = _error(line)
    assert e.code == code, e
    assert e.loc is not None and (e.loc.line, e.loc.column) == (1, _column(line, at)), e
    for word in words:
        assert word in e.message, e.message


def test_an_error_code_of_the_table() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert "| `wrapped-layer-meta` |" in readme


# ---------------------------------------------------------------- the README's snippet


def test_the_readme_one_liners_run_as_written() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    start = readme.index("### Shared and tied weights")
    section = readme[start:readme.index("\n### ", start + 1)]
    lines = re.findall(r'^convcalc "(.*)"$', section, flags=re.M)
    assert len(lines) == 2
    tied = convcalc.analyze(lines[0])
    written = re.search(r"```yaml\n(.*?)```", section, flags=re.S)
    assert written is not None
    yaml = convcalc.analyze(written.group(1))
    assert [(row.name, row.output, row.params, row.shared_with, row.tied_to) for row in tied.layers] == \
        [(row.name, row.output, row.params, row.shared_with, row.tied_to) for row in yaml.layers]
    assert tied.total_params == yaml.total_params == 68_160
    r = run("--no-color", lines[1])
    assert r.status == 0 and "dense (skipped: if false)" in r.out


# ---------------------------------------------------------------- built-in blocks take them as blocks do


def test_a_builtin_block_use_takes_trainable_and_if() -> None:
    layer = "TransformerEncoderLayer(64, 4, 128"
    one = convcalc.analyze(f"10x64 | {layer})").total_params
    frozen = convcalc.analyze(f"10x64 | {layer}) | {layer}, trainable=false)")
    assert (frozen.total_params, frozen.trainable_params) == (2 * one, one)
    skipped = convcalc.analyze(f"10x64 | {layer}) | {layer}, if=false)")
    assert skipped.total_params == one and all(row.skipped for row in skipped.layers[11:])
    # In YAML, inside a frozen block use or one whose if: is false, as any layer of the block.
    spec = {"input": [10, 64], "blocks": {"enc": {"layers": [{"TransformerEncoderLayer": [64, 4, 128]}]}},
            "layers": [{"enc": {"trainable": False}}, {"enc": {"if": False}}]}
    r = convcalc.analyze(spec)
    assert (r.total_params, r.trainable_params) == (one, 0)


def test_format_yaml_writes_them_back_as_the_entry_keys() -> None:
    line = f"{T} | Embedding({V}, {E}, name=wte) | Linear({E}, {E}, name=mlp) " \
           f"| Linear({E}, {E}, share=mlp, if=size(mlp, 1) == {E}) | Linear({E}, {V}, bias=False, tie=wte)"
    r = run("-f", "yaml", line)
    assert r.status == 0 and "share: mlp" in r.out and "tie: wte" in r.out and "if:" in r.out
    again, first = convcalc.analyze(r.out), convcalc.analyze(line)
    assert [(x.shared_with, x.tied_to, x.params) for x in again.layers] == \
        [(x.shared_with, x.tied_to, x.params) for x in first.layers]
    assert again.total_params == first.total_params == V * E + E * E + E


@pytest.mark.parametrize("meta", ["share: a", "tie: a", "if: 1 == 0", "from: a"])
def test_yaml_wrapped_layer_meta_is_refused(meta: str, tmp_path: Path) -> None:
    """In YAML too: a wrapped layer's share/tie/if/from would be ignored, so they are refused."""
    spec = tmp_path / "w.yaml"
    spec.write_text("input: [5, 6]\nframework: pytorch\nlayers:\n"
                    "  - Linear: {in_features: 6, out_features: 6, name: a}\n"
                    "  - TimeDistributed: {layer: {Linear: {in_features: 6, out_features: 6, "
                    f"{meta}}}}}}}\n")
    with pytest.raises(SpecError) as e:
        convcalc.analyze(spec)
    assert e.value.code == "wrapped-layer-meta" and e.value.line == 5
