"""Arguments that change what is counted, found by trying convcalc as a new user would.

Each of these was accepted and ignored, so the answer was wrong with exit status 0: Keras's
``lora_rank`` and ``quantization_config`` (more weights, a frozen kernel), PyTorch's
``return_indices=True`` (the pool returns a pair, which a next layer cannot read), and Keras's
``BatchNormalization()`` in a channels-first spec (Keras normalizes axis -1 in any layout, not
the channels).
"""

from __future__ import annotations

import os

import pytest

import convcalc
from convcalc import SpecError

os.environ.setdefault("KERAS_BACKEND", "torch")


def counts(spec: str, **kw: str) -> tuple[object, object, object]:
    r = convcalc.analyze(spec, **kw)
    return r.total_params, r.trainable_params, r.non_trainable_params


@pytest.mark.parametrize(("spec", "column"), [
    ("12x6 | Dense(4, lora_rank=2)", 27),
    ("12 | Embedding(100, 8, lora_rank=4)", 34),
    ("12x6 | dense(4, lora_rank=2)", 27),
    ("12x6 | Dense(4, quantization_config={'mode': 'int8'})", 37),
    ("8x8x3 | Conv2D(4, 3, lora_rank=2)", 32),  # Keras's BaseConv takes it through **kwargs
])
def test_keras_lora_and_quantization_refused(spec: str, column: int) -> None:
    with pytest.raises(SpecError) as e:
        convcalc.analyze(spec, framework="keras")
    assert e.value.code == "unsupported-argument"
    assert "does not model" in e.value.message and "leave it out" in e.value.message
    assert e.value.column == column  # at the argument's value


def test_keras_lora_at_its_default_reads() -> None:
    """A Keras JSON or pasted code may write the defaults out: null is the layer without LoRA."""
    assert counts("12x6 | Dense(4, lora_rank=None, lora_alpha=None, quantization_config=None)",
                  framework="keras") == (28, 28, 0)
    assert counts("12 | Embedding(100, 8, lora_rank=None)", framework="keras") == (800, 800, 0)
    assert counts("8x8x3 | Conv2D(4, 3, lora_rank=None, lora_alpha=None)", framework="keras") == (112, 112, 0)


@pytest.mark.parametrize("spec", ["3x8x8 | MaxPool2d(2, return_indices=True)",
                                  "3x8x8 | maxpool(2, return_indices=true)",
                                  "3x8x8 | AdaptiveMaxPool2d(2, return_indices=True)"])
def test_return_indices_is_a_second_output(spec: str) -> None:
    """PyTorch returns (values, indices): two outputs of one shape; a Sequential's next module,
    given the pair, fails, and so does a next layer here."""
    r = convcalc.analyze(spec)
    name = r.layers[0].name
    values, indices = r.outputs.values()
    assert list(r.outputs) == [f"{name}.0", f"{name}.1"] and values == indices
    with pytest.raises(SpecError) as e:
        convcalc.analyze(spec + " | relu")
    assert e.value.code == "several-outputs" and f"{name}.1" in e.value.message
    two = convcalc.analyze(f"input: [3, 8, 8]\nlayers:\n  - {spec.split(' | ')[1]}\n"
                           f"  - {{relu: {{from: {name}.0}}}}\n")
    assert two.output == values


def test_return_indices_only_on_max_pools() -> None:
    for spec in ("3x8x8 | AdaptiveAvgPool2d(2, return_indices=True)",
                 "3x8x8 | adaptive_avgpool(2, return_indices=True)"):
        with pytest.raises(SpecError) as e:
            convcalc.analyze(spec)
        assert e.value.code == "unknown-argument"
    one = convcalc.analyze("3x8x8 | MaxPool2d(2, return_indices=False)")
    assert one.outputs == {"maxpool2d_1": (3, 4, 4)}


def test_return_indices_against_torch() -> None:
    torch = pytest.importorskip("torch")
    for module, spec in ((torch.nn.MaxPool2d(2, return_indices=True), "MaxPool2d(2, return_indices=True)"),
                         (torch.nn.AdaptiveMaxPool2d(3, return_indices=True),
                          "AdaptiveMaxPool2d(3, return_indices=True)")):
        values, indices = module(torch.zeros(1, 3, 8, 8))
        r = convcalc.analyze(f"3x8x8 | {spec}")
        assert list(r.outputs.values()) == [tuple(values.shape[1:]), tuple(indices.shape[1:])]
        with pytest.raises(TypeError):
            torch.nn.Sequential(module, torch.nn.ReLU())(torch.zeros(1, 3, 8, 8))


# Keras's BatchNormalization() normalizes axis -1 whatever the data format; convcalc's own
# `batchnorm` (and an explicit axis) keep their meaning.
KERAS_CF = [
    ("3x16x17 | Conv2D(8, 3, padding='same') | BatchNormalization()", (292, 258, 34)),
    ("3x16x17 | Conv2D(8, 3, padding='same') | BatchNormalization(axis=1)", (256, 240, 16)),
    ("3x16x17 | Conv2D(8, 3, padding='same') | batchnorm", (256, 240, 16)),
    ("3x17x17 | Conv2D(8, 3, strides=2, padding='same') | BatchNormalization()", (260, 242, 18)),
]


@pytest.mark.parametrize(("spec", "expected"), KERAS_CF)
def test_keras_batchnorm_axis_in_channels_first(spec: str, expected: tuple[int, int, int]) -> None:
    assert counts(spec, framework="keras", layout="channels_first") == expected


def test_keras_batchnorm_channels_last_unchanged() -> None:
    assert counts("16x17x3 | Conv2D(8, 3, padding='same') | BatchNormalization()",
                  framework="keras") == (256, 240, 16)


@pytest.mark.parametrize(("spec", "expected"), [c for c in KERAS_CF if "| batchnorm" not in c[0]])
def test_keras_batchnorm_axis_against_keras(spec: str, expected: tuple[int, int, int]) -> None:
    keras = pytest.importorskip("keras")
    from keras import layers

    stem, *rest = spec.split(" | ")
    previous = keras.config.image_data_format()
    keras.config.set_image_data_format("channels_first")
    try:
        built = [eval(f"layers.{text}", {"layers": layers}) for text in rest]
        model = keras.Sequential([keras.Input(tuple(int(n) for n in stem.split("x"))), *built])
        trainable = sum(int(w.numpy().size) for w in model.trainable_weights)
        frozen = sum(int(w.numpy().size) for w in model.non_trainable_weights)
    finally:
        keras.config.set_image_data_format(previous)
    assert (model.count_params(), trainable, frozen) == expected
    assert counts(spec, framework="keras", layout="channels_first") == expected
