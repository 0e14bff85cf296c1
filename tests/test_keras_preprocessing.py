"""Issue 14: Keras layers with non-trainable state or none: Normalization, Rescaling, Resizing,
CenterCrop, RandomCrop, the Random* augmentations, ConvLSTM1D/2D/3D; return_state is refused.

Hand-worked counts first (they run without Keras), then the generators of tests/oracle_gen.py
for these layers against Keras 3 itself.
"""

from __future__ import annotations

import os
import random

import pytest

import convcalc

os.environ.setdefault("KERAS_BACKEND", "torch")


def keras_spec(shape: list[int], *layers: object) -> dict[str, object]:
    return {"framework": "keras", "input": shape, "layers": list(layers)}


def test_issue14_normalization_learned_by_adapt_holds_2c_plus_1() -> None:
    r = convcalc.analyze(keras_spec([5, 6, 4], "Normalization"))
    assert (r.total_params, r.trainable_params) == (2 * 4 + 1, 0)
    assert [(w.name, w.shape) for w in r.layers[0].weights] == [("mean", (4,)), ("variance", (4,)),
                                                                ("count", ())]
    given = convcalc.analyze(keras_spec([5, 6, 4], {"Normalization": {"mean": 0.5, "variance": 2.0}}))
    assert given.total_params == 0
    per_pixel = convcalc.analyze(keras_spec([5, 6, 4], {"Normalization": {"axis": [1, 2]}}))
    assert per_pixel.total_params == 2 * 30 + 1


def test_issue14_conv_lstm2d_count() -> None:
    r = convcalc.analyze(keras_spec([4, 10, 10, 3], {"ConvLSTM2D": {"filters": 16, "kernel_size": 3}}))
    assert r.total_params == 11_008 == 4 * 16 * (9 * (3 + 16) + 1)
    assert r.output == (8, 8, 16)
    seq = convcalc.analyze(keras_spec([4, 10, 10, 3], {"ConvLSTM2D": {"filters": 16, "kernel_size": 3,
                                                                      "return_sequences": True}}))
    assert seq.output == (4, 8, 8, 16)


def test_issue14_shapes_of_the_image_layers() -> None:
    r = convcalc.analyze(keras_spec([32, 40, 3], {"Resizing": [16, 20]}, {"CenterCrop": [8, 8]},
                                    {"RandomCrop": [4, 6]}, {"RandomFlip": "horizontal"},
                                    {"RandomRotation": 0.1}, {"Rescaling": {"scale": 0.5}}))
    assert [row.output for row in r.layers] == [(16, 20, 3), (8, 8, 3), (4, 6, 3), (4, 6, 3), (4, 6, 3),
                                                (4, 6, 3)]
    assert r.total_params == 0


@pytest.mark.parametrize("layer", [{"LSTM": {"units": 4, "return_state": True}},
                                   {"GRU": {"units": 4, "return_state": True}},
                                   {"SimpleRNN": {"units": 4, "return_state": True}}])
def test_issue14_return_state_returns_the_states_too(layer: dict[str, object]) -> None:
    """Keras returns [output, h(, c)]: several outputs, none ignored (checked against Keras in
    tests/test_differential_recurrent_state.py)."""
    r = convcalc.analyze(keras_spec([5, 3], layer))
    states = 2 if "LSTM" in layer else 1
    assert r.layers[0].parts == ((4,),) * (1 + states)


def _generated(name: str, n: int) -> None:
    pytest.importorskip("keras")
    import oracle
    import oracle_gen

    gen = next(g for g in oracle_gen.GENERATORS if g.name == name)
    rng = random.Random(f"issue14-{name}")
    configs = []
    for _ in range(n):
        shape = gen.input(rng, "keras")
        layer, _ = gen.make(rng, "keras", shape)
        configs.append(oracle.Config("keras", shape, (layer,), name, False))
    oracle.assert_agreement(configs, f"Keras {name} (issue 14)")


@pytest.mark.parametrize(("name", "n"), [("normalization", 80), ("image_preprocessing", 80),
                                         ("conv_lstm", 10)])
def test_issue14_generated_against_keras(name: str, n: int) -> None:
    _generated(name, n)


@pytest.mark.slow
def test_issue14_generated_against_keras_full() -> None:
    for name in ("normalization", "image_preprocessing", "conv_lstm"):
        _generated(name, 300)


def test_issue14_keras_efficientnet_b0_with_its_normalization() -> None:
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "examples" / "keras_efficientnet_b0.yaml"
    result = convcalc.analyze(str(path))
    assert (result.total_params, result.non_trainable_params) == (5_330_571, 42_023)
    keras = pytest.importorskip("keras")
    model = keras.applications.EfficientNetB0(weights=None)
    assert model.count_params() == result.total_params
    theirs = [tuple((w.name, tuple(w.shape), bool(w.trainable)) for w in layer.weights)
              for layer in model.layers if layer.weights]
    ours = [tuple((w.name, tuple(w.shape), w.trainable) for w in row.weights)
            for row in result.layers if row.weights]
    assert ours == theirs
