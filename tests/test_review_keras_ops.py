"""keras.ops nodes in a Keras model JSON (review B3).

Keras 3 saves ``x + 3.0``, ``x * y`` or ``ops.concatenate(...)`` as nodes whose ``module`` is
``keras.src.ops.*`` and whose class names are those of the merge layers.  They were read as the
layers ("add merges at least 2 tensors ... write `from: [-1, skip]`").  Now: element-wise ops of two
tensors and concatenate are the merge layers, ops of a tensor and a number keep the shape (rows of
type identity, with a note), any other op is an error naming it, its module and its place.
The JSON files in tests/data/review_importers were written by Keras 3.15's ``model.to_json()``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from convcalc import analyze
from convcalc.errors import SpecError

DATA = Path(__file__).parent / "data" / "review_importers"


@pytest.mark.parametrize(("name", "output", "params"), [
    ("ops_b1.json", (8, 4), 28),  # Dense(4) then x * 0.5
    ("ops_c5.json", (8, 6), 0),  # ops.maximum(x, 0.0)
    ("ops_c4.json", (8, 6), 0),  # ops.subtract of (8, 6) and (1, 6): broadcast
    ("ops_b7.json", (8, 3), 39),  # ops.concatenate([x, x], axis=-1) -> Dense(3)
])
def test_ops_read(name: str, output: tuple[int, ...], params: int) -> None:
    r = analyze(str(DATA / name))
    assert r.output == output and r.total_params == params


def test_an_op_with_a_number_has_a_note() -> None:
    r = analyze(str(DATA / "ops_b1.json"))
    assert r.layer("multiply").type == "identity"
    assert any("x * 0.5" in n and "keep the shape" in n for n in r.imported["notes"])


@pytest.mark.parametrize(("name", "op", "column"), [
    ("ops_b3.json", "keras.ops.reshape (module keras.src.ops.numpy, class Reshape)", 472),
    ("ops_b5.json", "keras.ops.get_item (module keras.src.ops.numpy, class GetItem)", 472),
])
def test_other_ops_are_refused_naming_them(name: str, op: str, column: int) -> None:
    with pytest.raises(SpecError) as e:
        analyze(str(DATA / name))
    assert e.value.code == "keras-op-unsupported" and op in e.value.message
    assert "from:" not in e.value.message and "did you mean" not in e.value.message
    assert (e.value.loc.line, e.value.loc.column) == (1, column)  # type: ignore[union-attr]


# --- against Keras ------------------------------------------------------------------------------

def _keras():  # the module, on the torch backend
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")


def _models(keras):  # name -> (model, refused)
    L, ops = keras.layers, keras.ops
    out = {}

    def two(f, a=(8, 6), b=(8, 6)):
        i, j = keras.Input(a), keras.Input(b)
        return keras.Model([i, j], f(L.Dense(a[-1])(i), j))

    out["add"] = two(lambda x, y: x + y)
    out["add-broadcast"] = two(lambda x, y: ops.add(x, y), b=(1, 6))
    out["multiply-rank"] = two(lambda x, y: x * y, b=(6,))
    out["subtract"] = two(lambda x, y: ops.subtract(y, x))
    out["maximum"] = two(ops.maximum, b=(8, 1))
    out["minimum"] = two(ops.minimum)
    out["concatenate-1"] = two(lambda x, y: ops.concatenate([x, y, x], axis=1), b=(3, 6))
    out["concatenate-2"] = two(lambda x, y: L.Dense(2)(ops.concatenate([x, y], axis=2)), b=(8, 2))
    i = keras.Input((5, 5, 4))
    x = L.Conv2D(8, 3)(i)
    x = L.ReLU(6.0)(x + 3.0) * (1.0 / 6.0)
    x = 2.0 - x
    x = ops.maximum(x / 4.0, 0.5)
    out["numbers"] = keras.Model(i, L.Dense(3)(x))
    return out


def test_ops_agree_with_keras(tmp_path: Path) -> None:
    keras = _keras()
    for name, model in _models(keras).items():
        path = tmp_path / f"{name}.json"
        path.write_text(model.to_json())
        r = analyze(str(path))
        assert r.total_params == model.count_params(), name
        assert r.trainable_params == sum(int(w.numpy().size) for w in model.trainable_weights), name
        assert r.output == tuple(model.output_shape[1:]), name


@pytest.mark.parametrize(("make", "op"), [
    (lambda keras, x: keras.ops.reshape(x, (-1, 12)), "keras.ops.reshape"),
    (lambda keras, x: keras.ops.mean(x, axis=1), "keras.ops.mean"),
    (lambda keras, x: keras.ops.transpose(x, (0, 2, 1)), "keras.ops.transpose"),
    (lambda keras, x: keras.ops.expand_dims(x, -1), "keras.ops.expand_dims"),
    (lambda keras, x: keras.ops.matmul(x, keras.ops.transpose(x, (0, 2, 1))), "keras.ops.transpose"),
    (lambda keras, x: x / x, "keras.ops.true_divide"),  # of two tensors: no merge layer divides
])
def test_other_ops_refused_at_their_place(tmp_path: Path, make, op: str) -> None:
    keras = _keras()
    i = keras.Input((8, 6))
    model = keras.Model(i, make(keras, keras.layers.Dense(6)(i)))
    path = tmp_path / "m.json"
    text = model.to_json()
    path.write_text(text)
    with pytest.raises(SpecError) as e:
        analyze(str(path))
    assert e.value.code == "keras-op-unsupported" and op in e.value.message
    assert e.value.loc is not None and e.value.loc.column is not None and e.value.loc.column > 1


def _application(tmp_path: Path, build: str, **kwargs: object):
    keras = _keras()
    model = getattr(keras.applications, build)(weights=None, **kwargs)
    path = tmp_path / "app.json"
    path.write_text(model.to_json())
    return model, path


def test_mobilenetv3small_agrees(tmp_path: Path) -> None:
    model, path = _application(tmp_path, "MobileNetV3Small", input_shape=(224, 224, 3))
    r = analyze(str(path))
    assert r.total_params == model.count_params() == 2_554_968
    assert r.trainable_params == sum(int(w.numpy().size) for w in model.trainable_weights)
    assert r.output == (1000,)


@pytest.mark.parametrize(("build", "kwargs", "shape"), [
    ("MobileNetV3Large", {"input_shape": (224, 224, 3)}, None),
    ("MobileNetV3Small", {"include_top": False}, "224x224x3"),
    ("MobileNetV3Small", {"minimalistic": True, "input_shape": (160, 160, 3)}, None),
])
def test_mobilenetv3_variants_agree(tmp_path: Path, build: str, kwargs: dict[str, object],
                                    shape: str | None) -> None:
    model, path = _application(tmp_path, build, **kwargs)
    r = analyze(str(path), input=shape)
    assert r.total_params == model.count_params()
