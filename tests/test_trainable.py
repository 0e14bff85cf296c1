"""Issue 12 item 5: ``trainable=False`` (Keras) and ``trainable: false`` (any layer, block use,
repeat) move the parameters to non-trainable (SPEC §11)."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest
from _cli import run

import convcalc
from convcalc import SpecError

os.environ.setdefault("KERAS_BACKEND", "torch")

import oracle
from oracle import Config, LayerCfg


def counts(spec: object, **kw: object) -> tuple[object, object, object]:
    r = convcalc.analyze(spec, **kw)  # type: ignore[arg-type]
    return r.total_params, r.trainable_params, r.non_trainable_params


def test_the_issue_example() -> None:
    assert counts("Conv2D(4, 1, trainable=False)", input="8x8x3") == (16, 0, 16)
    plain = run("Conv2D(4, 1, trainable=False)", "-i", "8x8x3", "-f", "plain").out
    assert "Trainable params: 0" in plain and "Non-trainable params: 16" in plain


def test_json_rows_and_footer_agree() -> None:
    doc = json.loads(run("8x8x3 | Conv2D(4, 1, trainable=False) | Dense(3)", "-f", "json").out)
    rows = doc["layers"]
    assert [(r["params"], r["trainable"], r["non_trainable"]) for r in rows] == [(16, 0, 16), (15, 15, 0)]
    totals = doc["totals"]
    assert (totals["params"], totals["trainable"], totals["non_trainable"]) == (31, 15, 16)
    assert sum(r["trainable"] for r in rows) == totals["trainable"]
    assert sum(r["non_trainable"] for r in rows) == totals["non_trainable"]


def test_pytorch_spec_takes_the_convcalc_key() -> None:
    # requires_grad_(False) in PyTorch: the same count, none of it trainable
    assert counts("3x8x8 | conv(4, 1, trainable=false) | conv(4, 1)") == (36, 20, 16)


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "net.yaml"
    path.write_text(textwrap.dedent(text))
    return str(path)


def test_yaml_layer_block_use_and_repeat(tmp_path: Path) -> None:
    spec = write(tmp_path, """\
        input: [3, 8, 8]
        blocks:
          unit:
            args: {n: 4}
            layers:
              - conv2d: [$n, 1]        # 4*3 + 4 = 16, then 4*4 + 4 = 20
              - batchnorm2d            # 8
        layers:
          - conv2d: {out: 4, kernel: 1, trainable: false}     # 16
          - conv2d: [4, 1]                                    # 20, trainable
            trainable: false
          - unit: {n: 4, trainable: false}                    # 20 + 8
          - repeat: {times: 2, trainable: false, layers: [{conv2d: [4, 1]}]}   # 2 * 20
          - repeat: {times: 1, name: r, layers: [{conv2d: [4, 1]}]}            # 20, trainable
            trainable: false
          - unit                                              # 28, trainable
        """)
    r = convcalc.analyze(spec)
    assert [(row.name, row.trainable, row.non_trainable) for row in r.layers] == [
        ("conv2d_1", 0, 16), ("conv2d_2", 0, 20),
        ("unit_1.conv2d_1", 0, 20), ("unit_1.batchnorm2d_1", 0, 8),
        ("conv2d_3", 0, 20), ("conv2d_4", 0, 20), ("r.0", 0, 20),
        ("unit_2.conv2d_1", 20, 0), ("unit_2.batchnorm2d_1", 8, 0)]
    assert (r.total_params, r.trainable_params, r.non_trainable_params) == (152, 28, 124)
    block_rows = {row.name: (row.params, row.trainable) for row in r.table_rows() if row.is_block}
    assert block_rows == {"unit_1": (28, 0), "r": (20, 0), "unit_2": (28, 28)}


def test_trainable_true_inside_a_frozen_block_stays_frozen(tmp_path: Path) -> None:
    spec = write(tmp_path, """\
        input: [3, 8, 8]
        blocks:
          unit: {layers: [{conv2d: {out: 4, kernel: 1, trainable: true}}]}
        layers:
          - unit: {trainable: false}
        """)
    assert counts(spec) == (16, 0, 16)  # as Keras: a frozen model freezes all its layers


def test_a_wrapped_layer_can_be_frozen() -> None:
    assert counts("5x6 | TimeDistributed(Dense(3, trainable=False)) | Dense(2)") == (21 + 8, 8, 21)


@pytest.mark.parametrize("spec", [
    "3x8x8 | conv(4, 1, trainable=no)",
    {"input": [3, 8, 8], "layers": [{"conv2d": {"out": 4, "kernel": 1, "trainable": "false"}}]},
    {"input": [3, 8, 8], "layers": [{"repeat": {"times": 1, "trainable": 0, "layers": ["relu"]}}]},
])
def test_trainable_is_true_or_false(spec: object) -> None:
    with pytest.raises(SpecError) as e:
        convcalc.analyze(spec)  # type: ignore[arg-type]
    assert e.value.code == "not-boolean"


# ---- against Keras


def _frozen(cls: str, **kw: object) -> LayerCfg:
    return LayerCfg(cls, {**kw, "trainable": False})


KERAS_CASES = [
    Config("keras", (8, 8, 3), (_frozen("Conv2D", filters=4, kernel_size=1),)),
    Config("keras", (8, 8, 3), (_frozen("BatchNormalization"),
                                LayerCfg("Conv2D", {"filters": 2, "kernel_size": 3}))),
    Config("keras", (10,), (_frozen("Dense", units=4), LayerCfg("Dense", {"units": 2}))),
    Config("keras", (7, 5), (_frozen("LSTM", units=4, return_sequences=True), _frozen("GRU", units=3))),
    Config("keras", (6,), (_frozen("Embedding", input_dim=50, output_dim=4),), int_input=True),
    Config("keras", (5, 6), (LayerCfg("TimeDistributed", {"layer": _frozen("Dense", units=3)}),)),
    Config("keras", (5, 6), (LayerCfg("Bidirectional", {"layer": _frozen("LSTM", units=4)}),)),
    Config("keras", (9, 9, 3), (_frozen("SeparableConv2D", filters=4, kernel_size=3), _frozen("PReLU"))),
]


@pytest.mark.parametrize("cfg", KERAS_CASES, ids=lambda c: c.text())
def test_trainable_false_equals_keras(cfg: Config) -> None:
    pytest.importorskip("keras")
    fw = oracle.run_framework(cfg)
    assert fw.refused is None and fw.trainable < fw.params  # the case freezes something
    verdict = oracle.compare(fw, oracle.run_convcalc(cfg), cfg)
    assert verdict.agree, verdict.text()


# Keras 3 keeps the wrapped layer trainable when trainable=False is given to the wrapper's own
# constructor (model.summary() and training count it); convcalc follows and warns.
WRAPPER_CASES = [
    Config("keras", (5, 6), (_frozen("Bidirectional", layer=LayerCfg("LSTM", {"units": 4})),)),
    Config("keras", (5, 6), (_frozen("TimeDistributed", layer=LayerCfg("Dense", {"units": 4})),)),
]


def _model_counts(cfg: Config) -> tuple[int, int]:
    keras = pytest.importorskip("keras")
    model = keras.Sequential([keras.Input(shape=cfg.input), *(oracle.build_keras(x) for x in cfg.layers)])
    trainable = sum(int(keras.ops.size(w)) for w in model.trainable_weights)
    return model.count_params(), trainable


@pytest.mark.parametrize("cfg", WRAPPER_CASES, ids=lambda c: c.text())
def test_trainable_false_on_a_keras_wrapper_is_what_keras_counts(cfg: Config) -> None:
    params, trainable = _model_counts(cfg)
    r = convcalc.analyze(oracle.spec_dict(cfg))
    assert (r.total_params, r.trainable_params) == (params, trainable) == (params, params)
    assert [w.code for w in r.warnings] == ["keras-wrapper-trainable"]
    assert r.warnings[0].layer is not None and r.warnings[0].layer.index == 1


def test_convcalcs_wrapper_spelling_freezes_everything() -> None:
    assert counts("5x6 | bidirectional(LSTM(4), trainable=false)", framework="keras") == (352, 0, 352)
    assert convcalc.analyze("5x6 | bidirectional(LSTM(4), trainable=false)", framework="keras").warnings == ()


def test_the_schema_knows_the_key() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    from convcalc.schema import schema

    validator = jsonschema.Draft202012Validator(schema())
    good = {"input": [3, 8, 8], "layers": [
        {"conv2d": {"out": 4, "kernel": 1, "trainable": False}},
        {"conv2d": [4, 1], "trainable": False},
        {"repeat": {"times": 2, "trainable": False, "layers": ["relu"]}}]}
    assert list(validator.iter_errors(good)) == []
    bad = {"input": [3, 8, 8], "layers": [{"conv2d": {"out": 4, "kernel": 1, "trainable": "no"}}]}
    assert list(validator.iter_errors(bad)) != []
