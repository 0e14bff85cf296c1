"""Keras model JSON with shared layers (issue 15, SPEC §11): a layer called several times counts once.

Keras writes a shared layer once, with one inbound node per call; convcalc reads call 0 as the layer
and call k as the row ``name@k`` that ``share:``s it.  The models are built here by Keras — siamese
networks (one shared Dense, a shared Conv2D tower, a shared nested model), recurrent encoders with
``return_state`` whose states start a decoder, and generated graphs of shared layers — written with
``model.to_json()`` (and as Keras 2's legacy node lists) and read back: ``count_params()``, the
trainable and non-trainable counts and the output of every call must equal Keras's.
"""

from __future__ import annotations

import json
import os
import random
import warnings
from pathlib import Path
from typing import Any

import oracle
import pytest
from roundtrip import assert_round_trip

from convcalc import api
from convcalc.errors import SpecError

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")


def _call_shapes(model: Any) -> dict[str, tuple[tuple[int, ...], ...]]:
    """Every call's outputs (batch axis dropped), by convcalc's row name: call k of layer L is L@k."""
    out = {}
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer":
            continue
        for k, node in enumerate(layer._inbound_nodes):
            name = layer.name if k == 0 else f"{layer.name}@{k}"
            out[name] = tuple(tuple(int(d) for d in t.shape[1:]) for t in node.output_tensors)
    return out


def _legacy(data: Any) -> Any:
    """Keras 2's node format: ``[[name, node, tensor, {}], ...]`` per call, ``batch_input_shape``."""
    def go(obj: Any) -> Any:
        if isinstance(obj, dict):
            if obj.get("class_name") == "__keras_tensor__":
                name, node, tensor = obj["config"]["keras_history"]
                return [name, node, tensor, {}]
            if "inbound_nodes" in obj:
                nodes = [_flat(go(n.get("args", [])))
                         + _flat(go(n.get("kwargs", {}).get("initial_state") or []))
                         for n in obj["inbound_nodes"]]
                obj = {**obj, "inbound_nodes": nodes}
            if "batch_shape" in obj:
                obj = {**obj, "batch_input_shape": obj.pop("batch_shape")}
            return {k: go(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [go(v) for v in obj]
        return obj

    return go(data)


def _flat(items: Any) -> list[Any]:
    """The ``[name, node, tensor, {}]`` entries of a call, in order, however Keras nested its args."""
    if isinstance(items, list) and len(items) == 4 and isinstance(items[0], str):
        return [items]
    return [t for item in items for t in _flat(item)] if isinstance(items, list) else []


def _check(model: Any, tmp_path: Path, *, legacy: bool = True) -> Any:
    path = tmp_path / "model.json"
    path.write_text(model.to_json())
    result = api.analyze(str(path))
    assert oracle.keras_counts(model) == (result.total_params, result.trainable_params,
                                          result.non_trainable_params)
    rows = {row.name: row for row in result.table_rows()}
    for name, shapes in _call_shapes(model).items():
        row = rows[name]
        got = tuple(map(tuple, row.parts)) if row.parts is not None else (tuple(row.output),)
        assert got == shapes, name
        if "@" in name:
            assert row.params == 0, name
    assert_round_trip(result)
    if legacy:
        path.write_text(json.dumps(_legacy(json.loads(model.to_json()))))
        back = api.analyze(str(path))
        assert oracle.keras_counts(model) == (back.total_params, back.trainable_params,
                                              back.non_trainable_params)
    return result


def _build(fn: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn()


def test_siamese_shared_dense(tmp_path: Path) -> None:
    from keras import layers

    def make() -> Any:
        a, b = keras.Input((16,), name="left"), keras.Input((16,), name="right")
        dense = layers.Dense(8, name="embed")
        d = layers.Subtract()([dense(a), dense(b)])
        return keras.Model([a, b], layers.Dense(1, activation="sigmoid")(d))

    model = _build(make)
    result = _check(model, tmp_path)
    assert result.total_params == 16 * 8 + 8 + 9 == model.count_params()
    row = result.layer("embed@1")
    assert row.shared_with == "embed" and row.macs == result.layer("embed").macs
    assert result.to_dict()["layers"][1]["shared_with"] == "embed"


def test_siamese_shared_conv_tower(tmp_path: Path) -> None:
    """Every layer of a Conv2D tower shared by two images (the layers, not a nested model), with a
    frozen shared BatchNormalization: its 4C weights non-trainable once."""
    from keras import layers

    def make() -> Any:
        a, b = keras.Input((20, 20, 3)), keras.Input((20, 20, 3))
        tower = [layers.Conv2D(8, 3, activation="relu"), layers.BatchNormalization(trainable=False),
                 layers.MaxPooling2D(), layers.Conv2D(16, 3, padding="same"), layers.GlobalAveragePooling2D()]

        def run(x: Any) -> Any:
            for layer in tower:
                x = layer(x)
            return x

        return keras.Model([a, b], layers.Concatenate()([run(a), run(b)]))

    _check(_build(make), tmp_path)


def test_siamese_shared_nested_model(tmp_path: Path) -> None:
    """A nested Functional model called on both inputs (and a nested Sequential twice): one block
    use shares the other; the whole block counts once."""
    from keras import layers

    def make() -> Any:
        ti = keras.Input((12, 12, 1))
        t = layers.Conv2D(4, 3)(ti)
        t = layers.BatchNormalization()(t)
        tower = keras.Model(ti, layers.Flatten()(t), name="tower")
        head = keras.Sequential([layers.Dense(6), layers.ReLU()], name="head")
        a, b = keras.Input((12, 12, 1)), keras.Input((12, 12, 1))
        ya, yb = head(tower(a)), head(tower(b))
        return keras.Model([a, b], layers.Dense(1)(layers.Subtract()([ya, yb])))

    model = _build(make)
    result = _check(model, tmp_path)
    assert result.layer("tower@1").shared_with == "tower"


def test_a_later_call_reads_a_layer_listed_after_the_shared_one(tmp_path: Path) -> None:
    """Keras lists a shared layer where it first met it; its second call may read later layers."""
    from keras import layers

    def make() -> Any:
        x = keras.Input((10,))
        shared = layers.Dense(10, name="shared")
        y = shared(x)
        for width in (7, 10):
            y = layers.Dense(width)(y)
        return keras.Model(x, shared(y))

    _check(_build(make), tmp_path)


def test_frozen_shared_layer_and_frozen_model(tmp_path: Path) -> None:
    from keras import layers

    def make(frozen_model: bool) -> Any:
        a, b = keras.Input((5,)), keras.Input((5,))
        dense = layers.Dense(3, trainable=False)
        model = keras.Model([a, b], layers.Add()([dense(a), layers.Dense(3)(dense(b))]))
        model.trainable = not frozen_model
        return model

    for frozen_model in (False, True):
        (tmp_path / str(frozen_model)).mkdir()
        _check(_build(lambda f=frozen_model: make(f)), tmp_path / str(frozen_model))


def test_lstm_return_state_seq2seq_model(tmp_path: Path) -> None:
    """A functional seq2seq with return_state: the decoder's initial_state (Keras 3 writes it among the
    call's kwargs) reads the encoder's outputs 1 and 2; a state is also a model output."""
    from keras import layers

    def make() -> Any:
        src, tgt = keras.Input((9, 12), name="src"), keras.Input((7, 10), name="tgt")
        _, h, c = layers.LSTM(16, return_state=True, name="encoder")(src)
        out, _, _ = layers.LSTM(16, return_sequences=True, return_state=True, name="decoder")(
            tgt, initial_state=[h, c])
        return keras.Model([src, tgt], [layers.Dense(10, activation="softmax", name="probs")(out), c])

    model = _build(make)
    result = _check(model, tmp_path)
    assert list(result.outputs) == ["probs", "encoder.2"]


def test_bidirectional_states_and_a_shared_gru_encoder(tmp_path: Path) -> None:
    from keras import layers

    def make() -> Any:
        a, b = keras.Input((6, 4)), keras.Input((8, 4))
        encoder = layers.GRU(3, return_state=True, name="enc")  # shared: h of each input
        _, ha = encoder(a)
        _, hb = encoder(b)
        bi = layers.Bidirectional(layers.GRU(3, return_state=True), name="bi")
        out, fh, bh = bi(b, initial_state=[ha, hb])  # forward starts at ha, backward at hb
        lstm = layers.Bidirectional(layers.LSTM(2, return_state=True), merge_mode=None, name="apart")
        y = lstm(a)  # both outputs, then forward h, c and backward h, c
        return keras.Model([a, b], [layers.Concatenate()([out, fh, bh, *y])])

    _check(_build(make), tmp_path)


def test_conv_lstm_states_as_model_outputs(tmp_path: Path) -> None:
    from keras import layers

    def make() -> Any:
        x = keras.Input((3, 10, 10, 2))
        shared = layers.Conv2D(4, 3, padding="same", name="shared")
        _, h, c = layers.ConvLSTM2D(4, 3, return_state=True, name="clstm")(x)
        return keras.Model(x, [shared(h), shared(c)])

    _check(_build(make), tmp_path)


def test_a_nested_model_with_several_outputs_is_a_clear_error(tmp_path: Path) -> None:
    from keras import layers

    def make() -> Any:
        i = keras.Input((4,))
        inner = keras.Model(i, [layers.Dense(2)(i), layers.Dense(3)(i)], name="two")
        x = keras.Input((4,))
        p, q = inner(x)
        return keras.Model(x, layers.Concatenate()([p, q]))

    path = tmp_path / "m.json"
    path.write_text(_build(make).to_json())
    with pytest.raises(SpecError) as e:
        api.analyze(str(path))
    assert e.value.code == "keras-nested-outputs" and "'two'" in e.value.message


def test_a_call_the_model_does_not_have_is_a_clear_error(tmp_path: Path) -> None:
    from keras import layers

    def make() -> Any:
        a, b = keras.Input((4,)), keras.Input((4,))
        dense = layers.Dense(2, name="d")
        return keras.Model([a, b], layers.Add()([dense(a), dense(b)]))

    text = _build(make).to_json().replace('"keras_history": ["d", 1, 0]', '"keras_history": ["d", 7, 0]')
    path = tmp_path / "m.json"
    path.write_text(text)
    with pytest.raises(SpecError) as e:
        api.analyze(str(path))
    assert e.value.code == "keras-bad-node" and "node 7 of 'd'" in e.value.message


# ---------------------------------------------------------------- generated shared-layer graphs

def _random_model(rng: random.Random) -> Any:
    """Two or three inputs of one shape; a few shared layers (or a shared nested model) applied to
    each branch, unshared layers between them, branches merged at the end."""
    from keras import layers

    # (features,), (steps, features), (H, W, C); every layer keeps the features at `width`, so that a
    # shared layer sees one input size at every call (Keras refuses other sizes, or broadcasts a
    # LayerNormalization built for 1 feature over several, which is not what this test measures)
    rank, width = rng.choice([1, 2, 3]), rng.randint(1, 9)
    if rank == 1:
        shape: tuple[int, ...] = (width,)
    elif rank == 2:
        shape = (rng.randint(2, 8), width)
    else:
        side = rng.randint(6, 12)
        shape = (side, side, width)
    inputs = [keras.Input(shape) for _ in range(rng.choice([2, 2, 3]))]

    def pool() -> list[Any]:
        """Layers that keep this rank's kind of tensor and the width, so any may follow any."""
        if rank == 1:
            return [layers.Dense(width), layers.BatchNormalization(trainable=rng.random() < 0.7),
                    layers.Dense(width, use_bias=False, trainable=rng.random() < 0.8), layers.ReLU()]
        if rank == 2:
            return [layers.Conv1D(width, rng.randint(1, 2), padding="same"),
                    layers.LSTM(width, return_sequences=True), layers.GRU(width, return_sequences=True),
                    layers.LSTM(width, return_sequences=True, return_state=True),
                    layers.GRU(width, return_sequences=True, return_state=True),
                    layers.LayerNormalization(), layers.Dense(width)]
        return [layers.Conv2D(width, 3, padding="same"), layers.DepthwiseConv2D(3, padding="same"),
                layers.BatchNormalization(), layers.Conv2D(width, 1, use_bias=False)]

    shared = [rng.choice(pool()) for _ in range(rng.randint(1, 3))]
    nested = None
    if rng.random() < 0.35:
        inner_in = keras.Input(shape)
        y = inner_in
        for layer in (rng.choice(pool()) for _ in range(rng.randint(1, 2))):
            y = layer(y)
        nested = keras.Model(inner_in, y) if rng.random() < 0.5 else keras.Sequential(
            [keras.Input(shape), *(rng.choice(pool()) for _ in range(rng.randint(1, 2)))])
    branches, states = [], []  # states: what return_state layers return besides their output

    def call(layer: Any, y: Any) -> Any:
        out = layer(y)
        if isinstance(out, list | tuple):
            states.extend(out[1:])
            return out[0]
        return out

    for x in inputs:
        y = x
        if nested is not None:
            y = nested(y)
        for layer in shared:
            if rng.random() < 0.3:
                y = call(rng.choice(pool()), y)  # an unshared layer between
            y = call(layer, y)
        branches.append(y)
    last = branches[0].shape[-1]
    same = all(b.shape == branches[0].shape for b in branches)
    merged = (layers.Add() if same and rng.random() < 0.5 else layers.Concatenate())(branches)
    if rank > 1:
        merged = layers.Flatten()(merged)
    if states:
        merged = layers.Concatenate()([merged, *states])
    return keras.Model(inputs, layers.Dense(max(1, last % 5 + 1))(merged))


def _generated_agree(tmp_path: Path, n: int, seed: int) -> None:
    rng = random.Random(seed)
    bad, built = [], 0
    for i in range(n):
        try:
            model = _build(lambda: _random_model(rng))
        except Exception:  # a combination Keras refuses to build (not what this test measures)
            continue
        built += 1
        (tmp_path / str(i)).mkdir()
        try:
            _check(model, tmp_path / str(i), legacy=i % 3 == 0)
        except (AssertionError, SpecError) as e:
            bad.append(f"model {i} ({[lay.__class__.__name__ for lay in model.layers]}): {e}")
    oracle.SUMMARY.append(f"Keras JSON shared layers ({n} generated): agrees on {built - len(bad)} of "
                          f"{built}")
    assert not bad, "\n".join(bad[:5])
    assert built > n // 2


def test_generated_shared_layer_models_agree(tmp_path: Path) -> None:
    _generated_agree(tmp_path, 30, seed=15)


@pytest.mark.slow
def test_generated_shared_layer_models_agree_full(tmp_path: Path) -> None:
    _generated_agree(tmp_path, 200, seed=1515)
