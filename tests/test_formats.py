"""The JSON document of SPEC §7 and the Python API of SPEC §9 that it mirrors.

Covered here: the keys and their order, symbolic values as strings, several
outputs, the error object, ``Result.to_dict()`` equal to ``--format json`` for
every example, the API's attributes and overrides, and the typed package.  The
other formats are covered elsewhere: table, plain, markdown and csv by the
golden files of test_cli.py, mermaid and dot by test_diagrams.py, the SVG
drawing by test_draw.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _cli import EXAMPLES, run

import convcalc
from convcalc import SpecError

LAYER_KEYS = {"index", "name", "type", "from", "output", "weights", "params", "trainable",
              "non_trainable", "macs", "memory", "receptive_field", "effective_stride"}
TOP_KEYS = ["file", "name", "framework", "layout", "input", "output", "layers", "totals", "constraints",
            "framework_inferred_from", "warnings", "expect"]


def cli_json(*args: str) -> object:
    return json.loads(run("-f", "json", *args).out)


def test_keys_of_spec_7() -> None:
    doc = cli_json(str(EXAMPLES / "mnist_lasagne.yaml"))
    assert list(doc) == TOP_KEYS
    assert (doc["name"], doc["framework"], doc["layout"]) == ("mnist-lasagne", "pytorch", "channels_first")
    assert (doc["input"], doc["output"]) == ([1, 28, 28], [10])
    first = doc["layers"][0]
    assert set(first) == LAYER_KEYS
    assert first == {
        "index": 1, "name": "conv2d_1", "type": "conv2d", "from": ["input"], "output": [32, 24, 24],
        "weights": {"weight": [32, 1, 5, 5], "bias": [32]}, "params": 832, "trainable": 832,
        "non_trainable": 0, "macs": 460800,
        "memory": {"elements": 18432, "bytes": 73728},
        "receptive_field": [5, 5], "effective_stride": [1, 1],
    }
    assert {k: doc["totals"][k] for k in ("params", "trainable", "non_trainable")} == {
        "params": 217706, "trainable": 217706, "non_trainable": 0}
    assert doc["constraints"] == []
    assert doc["expect"] == {"ok": True, "failures": []}


def test_symbolic_values_are_strings_and_valid_is_reported() -> None:
    doc = cli_json("3 x T x 80 | conv(32, 3, 2) | conv(32, 3, 2)")
    assert doc["output"][0] == 32 and all(isinstance(d, str) for d in doc["output"][1:2])
    assert "valid" in doc and "T" in doc["valid"]
    params = cli_json("3x8x8 | conv(C, 3)")["totals"]["params"]
    assert params == "28*C"


def test_several_outputs_are_keyed_by_name() -> None:
    spec = {"input": [4], "layers": [{"dense": {"name": "a", "out": 2}},
                                     {"dense": {"name": "b", "out": 3, "from": "input"}}],
            "outputs": ["a", "b"]}
    d = convcalc.analyze(spec).to_dict()
    assert d["output"] == {"a": [2], "b": [3]}


def test_error_object(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("input: [1, 4, 4]\nlayers:\n  - relu\n  - conv2d: {name: c, out: 8, kernel: 5}\n")
    r = run("-f", "json", str(path))
    assert r.status == 2
    error = json.loads(r.out)["error"]
    assert error == {  # SPEC §7: the bare sentence, the place in its own fields, a stable code
        "code": "size-below-1",
        "message": "kernel 5 is larger than the padded input 4 (4 + 2*0) on axis H",
        "file": str(path), "line": 4, "column": 5,
        "layer": {"index": 2, "name": "c", "type": "conv2d"},
        "hint": None,
    }


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.y*ml")), ids=lambda p: p.name)
def test_to_dict_equals_the_cli_json(path: Path) -> None:
    assert convcalc.analyze(path).to_dict() == cli_json(str(path))


def test_api_attributes() -> None:
    r = convcalc.analyze("1x28x28 | conv(32,5) | maxpool(2) | flatten | dense(10)")
    assert r.output == (10,)
    # (5·5·1 + 1)·32 = 832 and (32·12·12 + 1)·10 = 46,090
    assert (r.total_params, r.trainable_params) == (46922, 46922)
    assert [layer.name for layer in r.layers] == ["conv2d_1", "maxpool2d_1", "flatten_1", "dense_1"]


@pytest.mark.parametrize(
    ("kwargs", "output"),
    [
        pytest.param({"input": "3x64x64"}, (8, 62, 62), id="input"),
        pytest.param({"input": [3, 32, 32]}, (8, 30, 30), id="input-list"),
        pytest.param({"input": "3xHxH", "H": 20}, (8, 18, 18), id="define-by-keyword"),
        pytest.param({"input": "3xHxH", "defines": {"H": 12}}, (8, 10, 10), id="defines"),
        pytest.param({"framework": "keras", "input": "16x16x3"}, (14, 14, 8), id="framework"),
    ],
)
def test_overrides(kwargs: dict[str, object], output: tuple[int, ...]) -> None:
    assert convcalc.analyze("conv(8, 3)", **kwargs).output == output


def test_spec_error_carries_location_and_layer(tmp_path: Path) -> None:
    path = tmp_path / "net.yaml"
    path.write_text("input: [3, 8, 8]\nlayers:\n  - conv2d: {out: 4, kernel: 3}\n"
                    "  - conv2d: {name: big, out: 4, kernel: 9}\n")
    with pytest.raises(SpecError) as info:
        convcalc.analyze(path)
    e = info.value
    assert (e.file, e.line, e.column) == (str(path), 4, 5)
    assert (e.layer.index, e.layer.name, e.layer.type) == (2, "big", "conv2d")
    assert (e.code, e.hint) == ("size-below-1", None)
    assert "9" in e.message and "6" in e.message
    # the same paragraph the command line prints
    assert run("-f", "plain", str(path)).err == f"error: {e}\n"


def test_package_is_typed() -> None:
    assert (Path(convcalc.__file__).parent / "py.typed").exists()
