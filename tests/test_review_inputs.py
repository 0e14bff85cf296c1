"""``--input`` keeps a spec's one input under its own name, and Keras inputs of no size (``None``).

Review B1: ``-i`` renamed the input to ``input``, so a layer reading ``input_layer`` (Keras JSON)
or ``image`` (YAML ``inputs:``) found nothing; a Keras ``Input((None, 16))`` failed with an
internal-sounding message.  The Keras truth is built in the test when Keras is installed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from convcalc import analyze
from convcalc.errors import SpecError

DATA = Path(__file__).parent / "data" / "review_importers"


def test_input_override_keeps_a_yaml_input_name() -> None:
    r = analyze(str(DATA / "named_input.yaml"), input="3x64x64")
    assert r.output == (8, 62, 62)
    assert r.input == (3, 64, 64)


def test_input_override_with_several_inputs_is_refused() -> None:
    spec = "inputs: {a: [3, 8, 8], b: [3, 8, 8]}\nlayers:\n  - add: {from: [a, b]}\n"
    with pytest.raises(SpecError) as e:
        analyze(spec, input="3x16x16")
    assert e.value.code == "input-several"
    assert "2 inputs (a, b)" in e.value.message


def test_inline_spec_override_still_works() -> None:
    assert analyze("3x8x8 | conv(4, 3)", input="3x16x16").output == (4, 14, 14)


@pytest.mark.parametrize(("name", "axes", "example"), [
    ("k_none_func.json", "axes 1 and 2", "-i 32x32x3"),
    ("k_none_seq.json", "axes 1 and 2", "-i 32x32x3"),
    ("k_none_seqlen.json", "axis 1", "-i 32x16"),
])
def test_unsized_keras_input_says_how_to_give_it(name: str, axes: str, example: str) -> None:
    with pytest.raises(SpecError) as e:
        analyze(str(DATA / name))
    assert e.value.code == "keras-unsized-input"
    assert axes in e.value.message and "--input" in e.value.message and example in e.value.message
    assert e.value.loc is not None and e.value.loc.line == 1


def test_unsized_inputs_of_a_two_input_model_are_refused_clearly() -> None:
    with pytest.raises(SpecError) as e:
        analyze(str(DATA / "s2s_none.json"))
    assert e.value.code == "keras-unsized-input" and "2 inputs" in e.value.message
    with pytest.raises(SpecError) as e:
        analyze(str(DATA / "s2s_none.json"), input="10")
    assert e.value.code == "input-several"


@pytest.mark.parametrize(("name", "shape", "params"), [
    ("k_none_func.json", "32x32x3", 112),  # Conv2D(4, 3) -> GAP
    ("k_none_seq.json", "32x32x3", 112),
    ("k_none_seqlen.json", "10x16", 800),  # LSTM(8) on 16 features: 4 * (16*8 + 8*8 + 8)
])
def test_unsized_keras_input_given_by_input(name: str, shape: str, params: int) -> None:
    assert analyze(str(DATA / name), input=shape).total_params == params


def test_symbolic_sizes_for_the_open_axes() -> None:
    r = analyze(str(DATA / "k_none_func.json"), input="HxWx3")
    assert r.total_params == 112 and r.symbolic


# --- against Keras ----------------------------------------------------------------------------

def _keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")


def test_keras_models_with_open_sizes_agree(tmp_path: Path) -> None:
    keras = _keras()
    L = keras.layers
    cases = []
    i = keras.Input((None, None, 3))
    x = L.Conv2D(4, 3, strides=2, padding="same")(i)
    x = L.DepthwiseConv2D(3)(x)
    cases.append((keras.Model(i, L.GlobalAveragePooling2D()(x)), (40, 40, 3)))
    i = keras.Input((None, 16), name="tokens")
    cases.append((keras.Model(i, L.GRU(8, return_sequences=True)(L.Conv1D(6, 3)(i))), (12, 16)))
    cases.append((keras.Sequential([keras.Input((None, 5)), L.Dense(7), L.LSTM(3)]), (9, 5)))
    for k, (model, shape) in enumerate(cases):
        path = tmp_path / f"m{k}.json"
        path.write_text(model.to_json())
        with pytest.raises(SpecError, match="--input"):
            analyze(str(path))
        r = analyze(str(path), input="x".join(map(str, shape)))
        real = model(keras.ops.zeros((1, *shape)))
        assert r.output == tuple(real.shape[1:]), k
        assert r.total_params == model.count_params(), k


@pytest.mark.slow
def test_mobilenetv2_without_top_agrees(tmp_path: Path) -> None:
    keras = _keras()
    model = keras.applications.MobileNetV2(include_top=False, weights=None)
    path = tmp_path / "mnv2.json"
    path.write_text(json.dumps(json.loads(model.to_json())))
    r = analyze(str(path), input="224x224x3")
    assert r.total_params == model.count_params() == 2_257_984
    assert r.output == (7, 7, 1280)
