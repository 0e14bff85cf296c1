"""An embedding looks up integer ids: the output of a layer with weights is floats.

PyTorch refuses such a lookup ("Expected tensor for argument #1 'indices' to have ... Long,
Int"); Keras casts the floats to ints and runs. Found on a ``print(model)`` text of BERT,
whose three embeddings are printed one after another: chained, they gave shapes 16×64×64×64
and 1.6 G MACs for a tiny model, with exit status 0.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import convcalc
from convcalc import SpecError

os.environ.setdefault("KERAS_BACKEND", "torch")
BERT = Path(__file__).resolve().parent / "data" / "review_importers" / "bert_print.txt"


@pytest.mark.parametrize("spec", ["16 | embedding(1000, 64) | embedding(512, 64)",
                                  "16 | Embedding(1000, 64) | Linear(64, 8) | Embedding(10, 4)"])
def test_pytorch_refuses_floats_as_ids(spec: str) -> None:
    with pytest.raises(SpecError) as e:
        convcalc.analyze(spec)
    assert e.value.code == "ids-from-floats" and "whose output is floats" in e.value.message
    assert e.value.layer is not None and e.value.layer.index == len(spec.split(" | ")) - 1


def test_ids_from_the_input_or_a_layer_without_weights_read() -> None:
    assert convcalc.analyze("16 | embedding(100, 8)").output == (16, 8)
    assert convcalc.analyze("4x4 | flatten | embedding(100, 8)").output == (16, 8)


def test_keras_casts_and_runs_with_a_warning() -> None:
    r = convcalc.analyze("16 | Embedding(1000, 64) | Embedding(512, 64)", framework="keras")
    assert r.output == (16, 64, 64) and r.total_params == 96_768
    assert [w.code for w in r.warnings] == ["ids-from-floats"]


def test_against_the_frameworks() -> None:
    torch = pytest.importorskip("torch")
    chained = torch.nn.Sequential(torch.nn.Embedding(1000, 64), torch.nn.Embedding(512, 64))
    with pytest.raises(RuntimeError, match="indices"):
        chained(torch.zeros(2, 16, dtype=torch.long))
    keras = pytest.importorskip("keras")
    model = keras.Sequential([keras.Input((16,)), keras.layers.Embedding(1000, 64),
                              keras.layers.Embedding(512, 64)])
    assert (model.output_shape[1:], model.count_params()) == ((16, 64, 64), 96_768)


def test_print_text_stops_fitting_at_the_second_embedding() -> None:
    """BERT's embeddings in a print(model) text: the shapes stop at the second one, with the
    reader's note; the parameters stay exact, from each row's printed sizes."""
    r = convcalc.analyze(BERT, input="16")
    rows = {layer.name: layer for layer in r.layers}
    assert rows["embeddings.word_embeddings"].output == (16, 64)
    assert not rows["embeddings.position_embeddings"].shape_known
    assert r.total_params == 168_128  # transformers' BertModel of this config: 168,128
    notes = " ".join(r.imported["notes"])
    assert "stops fitting at embeddings.position_embeddings" in notes and "integer ids" in notes


def test_print_text_is_what_transformers_prints() -> None:
    transformers = pytest.importorskip("transformers")
    config = transformers.BertConfig(num_hidden_layers=2, hidden_size=64, num_attention_heads=4,
                                     intermediate_size=128, vocab_size=1000)
    model = transformers.BertModel(config)
    assert str(model) + "\n" == BERT.read_text()
    assert sum(p.numel() for p in model.parameters()) == 168_128
