"""Keras model JSON read as Keras built it: every count and every output shape equals Keras's own.

The models are made here by Keras (generated layer stacks, hand-built functional graphs,
keras.applications with weights=None), written with ``model.to_json()`` or saved as a
``.keras`` archive, and read back by convcalc; the tests skip without Keras.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path
from typing import Any

import oracle
import oracle_gen
import pytest
from roundtrip import assert_round_trip

from convcalc import api
from convcalc.errors import SpecError

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")


def _shapes(model: Any) -> dict[str, Any]:
    """Every layer's output shape (batch axis dropped), by layer name."""
    out = {}
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer":
            continue
        output = layer.output
        if isinstance(output, list | tuple):  # return_state: the output and the states (convcalc's parts)
            out[layer.name] = tuple(tuple(int(d) for d in t.shape[1:]) for t in output)
            continue
        out[layer.name] = tuple(int(d) for d in output.shape[1:])
    return out


def _check(model: Any, tmp_path: Path, *, archive: bool = False) -> None:
    if archive:
        path = tmp_path / "model.keras"
        model.save(path)
    else:
        path = tmp_path / "model.json"
        path.write_text(model.to_json())
    result = api.analyze(str(path))
    assert oracle.keras_counts(model) == (result.total_params, result.trainable_params,
                                          result.non_trainable_params)
    rows = {row.name: row for row in result.table_rows()}
    for name, shape in _shapes(model).items():
        row = rows[name]
        got = tuple(tuple(p) for p in row.parts) if row.parts is not None else tuple(row.output)
        assert got == shape, name
    assert_round_trip(result)


def _sequential(cfg: oracle.Config) -> Any:
    dtype = "int32" if cfg.int_input else "float32"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return keras.Sequential([keras.Input(cfg.input, dtype=dtype),
                                 *(oracle.build_keras(lay) for lay in cfg.layers)])


def test_generated_keras_stacks_agree(tmp_path: Path) -> None:
    """Generated stacks of every catalogue layer Keras has, written by Keras, read back equal."""
    _generated_agree(tmp_path, 120)


@pytest.mark.slow
def test_generated_keras_stacks_agree_full(tmp_path: Path) -> None:
    _generated_agree(tmp_path, 600)


def _generated_agree(tmp_path: Path, n: int) -> None:
    # A Sequential's layers read one tensor each: attention and merges need a Functional model.
    configs = [c for c in oracle_gen.generate("keras", n, seed=15)
               if not any(lay.reads or lay.merge_from for lay in c.layers)
               and oracle.run_keras(c).refused is None]
    bad = []
    for i, cfg in enumerate(configs):
        model = _sequential(cfg)
        (tmp_path / str(i)).mkdir()
        try:
            _check(model, tmp_path / str(i))
        except (AssertionError, SpecError) as e:
            bad.append(f"{cfg.text()}: {e}")
    oracle.SUMMARY.append(f"Keras JSON import ({n} generated): agrees on {len(configs) - len(bad)} of "
                          f"{len(configs)}")
    assert not bad, "\n".join(bad[:10])


def _functional() -> Any:
    from keras import layers

    image = keras.Input((16, 16, 3), name="image")
    meta = keras.Input((5,), name="meta")
    x = layers.Conv2D(8, 3, padding="same", use_bias=False)(image)
    x = layers.BatchNormalization(trainable=False)(x)  # frozen: all 4C non-trainable
    y = layers.Conv2D(8, 1)(x)
    x = layers.Add()([x, y])
    x = layers.GlobalAveragePooling2D()(x)
    inner_in = keras.Input((8,))
    inner = keras.Model(inner_in, layers.Dense(4)(layers.Dense(6, trainable=False)(inner_in)), name="head")
    seq = keras.Sequential([layers.Dense(3), layers.ReLU()], name="tail")
    seq.trainable = False  # a frozen nested model: all its weights non-trainable
    z = layers.Concatenate()([inner(x), meta])
    return keras.Model([image, meta], [seq(z), x], name="two_inputs")


def test_functional_graph_with_nested_models_and_frozen_layers(tmp_path: Path) -> None:
    _check(_functional(), tmp_path)


def test_a_frozen_model(tmp_path: Path) -> None:
    """model.trainable = False: every weight non-trainable (BatchNormalization's 4C too)."""
    model = _functional()
    model.trainable = False
    _check(model, tmp_path)


def test_keras_archive(tmp_path: Path) -> None:
    """The config.json inside a .keras zip is read like to_json()."""
    _check(_functional(), tmp_path, archive=True)


def test_legacy_node_format(tmp_path: Path) -> None:
    """Keras 2's ``[[name, 0, 0, {}]]`` inbound nodes and ``batch_input_shape``."""
    model = _functional()
    data = json.loads(model.to_json())

    def legacy(obj: Any) -> Any:
        if isinstance(obj, dict):
            if obj.get("class_name") == "__keras_tensor__":
                name, node, tensor = obj["config"]["keras_history"]
                return [name, node, tensor, {}]
            if "inbound_nodes" in obj:
                obj = {**obj, "inbound_nodes": [legacy(n["args"]) for n in obj["inbound_nodes"]]}
            if "batch_shape" in obj:
                obj = {**obj, "batch_input_shape": obj.pop("batch_shape")}
            return {k: legacy(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [legacy(v) for v in obj]
        return obj

    path = tmp_path / "legacy.json"
    path.write_text(json.dumps(legacy(data)))
    assert api.analyze(str(path)).total_params == model.count_params()


@pytest.mark.parametrize(("name", "params"), [("ResNet50", 25_636_712), ("MobileNetV2", 3_538_984)])
def test_keras_applications(name: str, params: int, tmp_path: Path) -> None:
    model = getattr(keras.applications, name)(weights=None)
    assert model.count_params() == params
    _check(model, tmp_path)


def test_unknown_class_is_named(tmp_path: Path) -> None:
    from keras import layers

    model = keras.Sequential([keras.Input((4, 4, 3)), layers.UnitNormalization(), layers.Flatten()])
    path = tmp_path / "m.json"
    path.write_text(json.dumps(json.loads(model.to_json()), indent=1))
    with pytest.raises(SpecError, match="Keras layer class 'UnitNormalization'") as e:
        api.analyze(str(path))
    assert e.value.code == "keras-unknown-class" and e.value.line is not None


def test_a_parsed_config_dict(tmp_path: Path) -> None:
    """The Python API takes json.loads(model.to_json()) as it is."""
    model = _functional()
    assert api.analyze(json.loads(model.to_json())).total_params == model.count_params()


@pytest.mark.slow
@pytest.mark.parametrize(("name", "params"), [
    ("VGG16", 138_357_544), ("DenseNet121", 8_062_504), ("InceptionV3", 23_851_784),
    ("Xception", 22_910_480), ("MobileNet", 4_253_864), ("ResNet50V2", 25_613_800), ("ResNet101", 44_707_176),
])
def test_more_keras_applications(name: str, params: int, tmp_path: Path) -> None:
    model = getattr(keras.applications, name)(weights=None)
    assert model.count_params() == params
    _check(model, tmp_path)
