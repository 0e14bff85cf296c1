"""Loose ends: argument ranges the frameworks refuse, variadic sizes, where errors
point, names inside blocks, --explain of 'same' padding, adaptive pools and
gates, and receptive fields through padding and cropping."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

import convcalc
from convcalc.engine.receptive_field import Field
from convcalc.errors import SpecError

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def error(spec: Any, **kw: Any) -> SpecError:
    with pytest.raises(SpecError) as info:
        convcalc.analyze(spec, **kw)
    return info.value


# ------------------------------------------------------------- dropout rates

# rate -> accepted by both frameworks (PyTorch: "between 0 and 1"; Keras: the same, inclusive)
RATES = [(0, True), (0.0, True), (0.5, True), (1, True), (1.0, True),
         (-0.1, False), (1.5, False), (2, False)]


@pytest.mark.parametrize("framework", ["pytorch", "keras"])
@pytest.mark.parametrize(("rate", "ok"), RATES)
def test_dropout_rate_range(framework: str, rate: float, ok: bool) -> None:
    spec = {"framework": framework, "input": [10], "layers": [{"dropout": {"rate": rate}}]}
    if ok:
        assert convcalc.analyze(spec).output == (10,)
    else:
        assert error(spec).code == "bad-argument"


@pytest.mark.parametrize("raw", [True, "x", None])
def test_dropout_rate_must_be_a_number(raw: Any) -> None:
    if raw is None:  # not given: the framework's default
        assert convcalc.analyze("10 | dropout").output == (10,)
        return
    assert error({"input": [10], "layers": [{"dropout": [raw]}]}).code == "not-a-number"


def _dropout_classes(framework: str) -> tuple[Any, ...]:
    """The framework's dropout layers that take a rate (each checks its range itself)."""
    if framework == "torch":
        nn = pytest.importorskip("torch.nn")
        return nn.Dropout, nn.Dropout2d, nn.AlphaDropout
    os.environ.setdefault("KERAS_BACKEND", "torch")
    layers = pytest.importorskip("keras").layers
    return layers.Dropout, layers.SpatialDropout2D, layers.GaussianDropout


@pytest.mark.parametrize("framework", ["torch", "keras"])
@pytest.mark.parametrize(("rate", "ok"), RATES)
def test_dropout_range_agrees_with_framework(framework: str, rate: float, ok: bool) -> None:
    for cls in _dropout_classes(framework):
        try:
            cls(rate)
            accepted = True
        except ValueError:
            accepted = False
        assert accepted == ok, cls


# ------------------------------------------------- reshape / permute sizes

VARIADIC = [
    # (input, layer entry or inline text, output)
    ([2, 15], {"reshape": [3, 10]}, (3, 10)),
    ([2, 15], {"reshape": [3, -1]}, (3, 10)),
    ([2, 15], {"reshape": [[3, 10]]}, (3, 10)),
    ([2, 15], {"reshape": 30}, (30,)),
    ([2, 15], {"reshape": {"shape": [5, 6]}}, (5, 6)),
    ([2, 15], "reshape(3, 5, 2)", (3, 5, 2)),
    ([2, 15], "Reshape((3, 10))", (3, 10)),
    ([2, 15], "reshape(shape=(30,))", (30,)),
    ([2, 15], "Reshape((30,))", (30,)),  # Python's one-element tuple
    ([2, 3, 5], {"permute": [0, 2, 1, 3]}, (3, 2, 5)),
    ([2, 15], {"permute": [0, 2, 1]}, (15, 2)),
    ([2, 15], {"permute": [2, 1]}, (15, 2)),
    ([2, 15], "permute(0, 2, 1)", (15, 2)),
    ([2, 15], "Permute((2, 1))", (15, 2)),
]


@pytest.mark.parametrize(("shape", "entry", "out"), VARIADIC)
def test_reshape_and_permute_take_their_sizes_positionally(shape: list[int], entry: Any,
                                                            out: tuple[int, ...]) -> None:
    result = convcalc.analyze({"input": shape, "layers": [entry]})
    assert result.output == out


@pytest.mark.parametrize(("entry", "code"), [
    ({"reshape": [[3, 5], 2]}, "too-many-arguments"),  # a list and a size: not sizes
    ({"reshape": [4, 4]}, "element-count-mismatch"),
    ({"permute": [0, 1, 1]}, "bad-axis"),
    ("reshape((3,,10))", "empty-argument"),
])
def test_variadic_sizes_are_still_checked(entry: Any, code: str) -> None:
    assert error({"input": [2, 15], "layers": [entry]}).code == code


def test_variadic_list_form_is_valid_for_the_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    from convcalc.schema import schema

    jsonschema.Draft202012Validator.check_schema(schema())
    validator = jsonschema.Draft202012Validator(schema())
    good = {"input": [2, 15], "layers": [{"reshape": [3, 5, 2]}, {"permute": [0, 2, 1, 3]},
                                         {"reshape": [[30]]}]}
    assert not list(validator.iter_errors(good))


# ------------------------------------------------------------ error places

FROM_ERRORS = [
    # layers, the layer name the error must carry (the table's default name)
    ([{"conv2d": [4, 1]}, {"conv2d": {"out": 4, "kernel": 1, "from": "nope"}}], "conv2d_2"),
    ([{"conv2d": {"out": 4, "kernel": 1, "from": -5}}], "conv2d_1"),
    (["relu", {"relu": {"from": 7}}], "relu_2"),
    ([{"b": {"name": "x"}}], "x.conv2d_1"),  # inside a block: its scoped default name
]


@pytest.mark.parametrize(("layers", "name"), FROM_ERRORS)
def test_from_errors_name_the_layer_as_the_table_does(layers: list[Any], name: str) -> None:
    blocks = {"b": {"layers": ["relu", {"conv2d": {"out": 4, "kernel": 1, "from": -3}}]}}
    e = error({"input": [3, 8, 8], "blocks": blocks, "layers": layers})
    assert e.layer is not None and e.layer.name == name, str(e)


def test_outputs_error_points_at_the_outputs_key() -> None:
    text = "input: [3]\nlayers:\n  - dense: 4\noutputs: [nope]\n"
    e = error(text)
    assert (e.code, e.line, e.column) == ("bad-reference", 4, 1)
    assert "outputs: no layer or input named 'nope'" in e.message


@pytest.mark.parametrize("inner", [
    "(" * 500 + "1" + ")" * 500,  # balanced
    "(" * 500,  # never closed
    "[" * 80 + "]" * 80,
])
def test_deep_brackets_in_a_yaml_layer_string_are_located(inner: str) -> None:
    text = f'input: [3, 8, 8]\nlayers:\n  - relu\n  - "conv(3, {inner})"\n'
    e = error(text)
    assert (e.code, e.line, e.column) == ("too-deep", 4, 14), str(e)  # at the argument, in the text


def test_deeply_nested_layer_calls_are_located() -> None:
    text = "input: [3]\nlayers:\n  - \"" + "timedistributed(" * 300 + "relu" + ")" * 300 + "\"\n"
    e = error(text)
    assert (e.code, e.line, e.column) == ("too-deep", 3, 6 + 50 * len("timedistributed(")), str(e)  # the 51st


# -------------------------------------------------------------- block names


def names(result: convcalc.Result) -> list[str]:
    return [r.name for r in result.table_rows()]


@pytest.mark.parametrize(("example", "groups"), [
    ("resnet18.yaml", ["layer1.0", "layer1.1", "layer2.0", "layer2.1", "layer4.1"]),
    ("resnet50.yaml", ["layer1.2", "layer2.3", "layer3.5", "layer4.2"]),
    # issue 14: the stage table of the paper (features.STAGE.BLOCK), no longer torchvision's flat list
    ("mobilenet_v2.yaml", ["stem", "last", *(f"features.{i}" for i in range(7)), "features.1.1.expand"]),
])
def test_examples_name_their_blocks_as_torchvision_does(example: str, groups: list[str]) -> None:
    result = convcalc.analyze(EXAMPLES / example)
    blocks = {r.name for r in result.table_rows() if r.is_block}
    assert set(groups) <= blocks
    assert not [n for n in blocks if "_" in n.rpartition(".")[2] and n.count(".")], blocks


def test_unnamed_block_uses_inside_a_block_are_numbered_by_position() -> None:
    blocks = {
        "unit": {"layers": [{"conv2d": [8, 1]}]},
        "stage": {"layers": [
            {"unit": {"name": 0}},
            {"repeat": {"times": 2, "layers": ["unit"]}},  # rounds are entries 1 and 2
            "relu",  # entry 3
            "unit",  # entry 4
            {"repeat": {"name": "tail", "times": 2, "layers": ["unit"]}},  # entry 5, one group
            "unit",  # entry 6
        ]},
    }
    result = convcalc.analyze({"input": [8, 4, 4], "blocks": blocks,
                               "layers": ["stage", "unit", {"stage": {"name": "s"}}]})
    groups = [r.name for r in result.table_rows() if r.is_block]
    assert groups[:8] == ["stage_1", "stage_1.0", "stage_1.1", "stage_1.2", "stage_1.4",
                          "stage_1.tail", "stage_1.tail.0", "stage_1.tail.1"]
    assert "stage_1.6" in groups
    assert "unit_1" in groups  # at the top level: <block>_<n>, like layers
    assert {"s.0", "s.1", "s.2", "s.4", "s.6"} <= set(groups)
    assert "stage_1.relu_1" in names(result)


def test_explicit_name_clashing_with_a_position_is_reported() -> None:
    blocks = {"unit": {"layers": ["relu"]},
              "pair": {"layers": [{"unit": {"name": 1}}, "unit"]}}
    e = error({"input": [4], "blocks": blocks, "layers": [{"pair": {"name": "p"}}]})
    assert (e.code, e.layer and e.layer.name) == ("duplicate-name", "p.1")


# ------------------------------------------------------- receptive fields


def fields(spec: str) -> list[Any]:
    result = convcalc.analyze(spec)
    return [None if layer.receptive_field is None else Field(layer.receptive_field, layer.effective_stride)
            for layer in result.layers]


@pytest.mark.parametrize(("padded", "plain"), [
    ("3x32x32 | conv(8, 3) | zeropad2d(1) | conv(8, 3, stride=2) | cropping2d(1) | conv(8, 3)",
     "3x32x32 | conv(8, 3) | conv(8, 3, stride=2, padding=1) | conv(8, 3)"),
    ("3x20 | conv1d(4, 5, stride=2) | zeropad1d((2, 0)) | conv1d(4, 3, dilation=2)",
     "3x20 | conv1d(4, 5, stride=2) | conv1d(4, 3, dilation=2, padding=1)"),
    ("3x9x9x9 | zeropad3d(1) | maxpool3d(2)", "3x9x9x9 | maxpool3d(2, padding=1)"),
])
def test_receptive_field_runs_through_padding_and_cropping(padded: str, plain: str) -> None:
    a = [f for f in fields(padded) if f is not None]
    b = fields(plain)
    assert len(a) == len(fields(padded))  # none of them ends the field
    assert (a[-1].rf, a[-1].jump) == (b[-1].rf, b[-1].jump)


def test_zeropad_and_cropping_keep_the_field_unchanged() -> None:
    pad, crop = fields("3x16x16 | conv(4, 5, stride=2) | zeropad2d(3) | cropping2d(1)")[1:]
    assert pad.rf == crop.rf == (5, 5) and pad.jump == crop.jump == (2, 2)


@pytest.mark.parametrize("spec", [
    "3x16x16 | conv(4, 3) | upsample(scale=2)",
    "3x16x16 | conv(4, 3) | ConvTranspose2d(4, 4, 2, stride=2)",
])
def test_upsampling_ends_the_receptive_field(spec: str) -> None:
    """The grid gets finer than the input: documented in convcalc.engine.receptive_field."""
    assert fields(spec)[-1] is None
