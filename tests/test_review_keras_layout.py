"""A Keras JSON whose layers say ``data_format="channels_first"`` (review B4).

The file has no ``layout:`` to set: when every layer that has a data_format says channels_first,
the layout is taken from them (a note says so); when they differ, the hint names ``--layout``.
The JSON files in tests/data/review_importers were written by Keras 3.15's ``model.to_json()``
(keras_cf.json: Conv2D(8, 3, strides=2, same) / BN(axis=1) / MaxPooling2D / Conv2D(4, 1) / GAP /
Dense(3) on 3x17x17, all channels_first; kflat.json: Flatten(channels_first) / Dense(2)).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from convcalc import analyze
from convcalc.errors import SpecError

DATA = Path(__file__).parent / "data" / "review_importers"


def test_layout_from_the_layers() -> None:
    r = analyze(str(DATA / "keras_cf.json"))
    assert str(r.layout) == "channels_first"
    assert r.layer("conv2d").output == (8, 9, 9)
    assert r.total_params == 224 + 32 + 36 + 15  # 307, as Keras counts
    assert any("layout channels_first" in n for n in r.imported["notes"])
    assert analyze(str(DATA / "kflat.json")).total_params == 3 * 4 * 5 * 2 + 2


def test_the_layout_given_wins() -> None:
    with pytest.raises(SpecError) as e:
        analyze(str(DATA / "keras_cf.json"), layout="channels_last")
    assert e.value.code == "layout-mismatch" and "--layout channels_first" in (e.value.hint or "")


def test_layers_that_disagree_get_a_hint_naming_layout() -> None:
    with pytest.raises(SpecError) as e:
        analyze(str(DATA / "keras_mixed_formats.json"))
    hint = e.value.hint or ""
    assert e.value.code == "layout-mismatch"
    assert "--layout channels_first" in hint and "'flatten' channels_last" in hint
    # Conv2D(4, 3) channels_first on 3x8x8, then Flatten and Dense(2): 112 + 144*2 + 2, as Keras counts
    assert analyze(str(DATA / "keras_mixed_formats.json"), layout="channels_first").total_params == 402


# --- against Keras ------------------------------------------------------------------------------

def _keras():  # the module, on the torch backend
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")


def _check(keras, model, path: Path) -> None:
    path.write_text(model.to_json())
    r = analyze(str(path))
    assert str(r.layout) == "channels_first"
    assert r.total_params == model.count_params()
    assert r.trainable_params == sum(int(w.numpy().size) for w in model.trainable_weights)
    assert r.output == tuple(model.output_shape[1:])
    for layer in model.layers:
        if hasattr(layer, "output") and not isinstance(layer, keras.layers.InputLayer):
            assert r.layer(layer.name).output == tuple(layer.output.shape[1:]), layer.name


def test_channels_first_layers_agree(tmp_path: Path) -> None:
    keras = _keras()
    L = keras.layers
    cf = {"data_format": "channels_first"}
    model = keras.Sequential([
        keras.Input((3, 17, 16)),
        L.ZeroPadding2D(1, **cf), L.Conv2D(8, 3, strides=2, padding="same", **cf),
        L.BatchNormalization(),  # axis=-1: the last axis (16 -> 9 wide), whatever the layout
        L.DepthwiseConv2D(3, **cf), L.UpSampling2D(2, **cf), L.Cropping2D(1, **cf),
        L.SeparableConv2D(6, 3, **cf), L.MaxPooling2D(2, **cf), L.AveragePooling2D(1, **cf),
        L.Conv2DTranspose(4, 3, strides=2, **cf), L.GlobalMaxPooling2D(**cf), L.Dense(3),
    ])
    _check(keras, model, tmp_path / "seq.json")
    i = keras.Input((4, 20))
    x = L.Conv1D(6, 3, **cf)(i)
    y = L.Conv1D(6, 3, **cf)(i)
    x = L.Concatenate(axis=1)([x, y])
    x = L.LayerNormalization()(L.BatchNormalization(axis=1)(x))
    x = L.GlobalAveragePooling1D(**cf)(L.MaxPooling1D(2, **cf)(x))
    _check(keras, keras.Model(i, L.Dense(2)(x)), tmp_path / "func.json")


def test_the_global_image_data_format_agrees(tmp_path: Path) -> None:
    keras = _keras()
    L = keras.layers
    before = keras.config.image_data_format()
    keras.config.set_image_data_format("channels_first")
    try:
        i = keras.Input((2, 6, 6, 6))
        x = L.Conv3D(4, 3, padding="same")(i)
        x = L.MaxPooling3D(2)(x)
        model = keras.Model(i, L.Flatten()(L.Conv3D(3, 1)(x)))
    finally:
        keras.config.set_image_data_format(before)
    _check(keras, model, tmp_path / "global.json")
