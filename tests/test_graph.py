"""Graphs (SPEC §5): merges, `from:`, several inputs and outputs, blocks, repeats, errors."""

from __future__ import annotations

import io
import json
import time
from typing import Any

import pytest

import convcalc
from convcalc import SpecError
from convcalc.render.options import Options


def run(layers: list[Any], *, input: Any = (16, 8, 8), **spec: Any) -> convcalc.Result:
    data: dict[str, Any] = {"layers": layers, **spec}
    if "inputs" not in spec:
        data["input"] = list(input)
    return convcalc.analyze(data)


def error(layers: list[Any], **spec: Any) -> SpecError:
    with pytest.raises(SpecError) as info:
        run(layers, **spec)
    return info.value


def shape(result: convcalc.Result) -> Any:
    out = result.output
    return {k: tuple(v) for k, v in out.items()} if isinstance(out, dict) else tuple(out)


# ------------------------------------------------------------------ merges

TWO = {"a": [16, 8, 8], "b": [16, 8, 8]}
MERGES = [
    # (layer, framework, inputs, expected output)
    ("add", "pytorch", TWO, (16, 8, 8)),
    ("subtract", "pytorch", TWO, (16, 8, 8)),
    ("multiply", "pytorch", {"a": [16, 8, 8], "b": [16, 1, 1]}, (16, 8, 8)),  # SE-style gate
    ("average", "pytorch", {"a": [1, 8, 8], "b": [16, 8, 1]}, (16, 8, 8)),
    ("maximum", "pytorch", TWO, (16, 8, 8)),
    ("minimum", "pytorch", {"a": [16, 1, 8], "b": [16, 8, 8]}, (16, 8, 8)),
    ("Add", "keras", {"a": [8, 8, 16], "b": [16]}, (8, 8, 16)),  # Keras aligns ranks on the right
    ("Multiply", "keras", {"a": [8, 8, 16], "b": [1, 1, 16]}, (8, 8, 16)),
    ("concat", "pytorch", {"a": [16, 8, 8], "b": [32, 8, 8]}, (48, 8, 8)),  # channel axis 1
    ("concat", "keras", {"a": [8, 8, 16], "b": [8, 8, 32]}, (8, 8, 48)),  # channel axis -1
    ("concat(axis=-1)", "pytorch", {"a": [16, 8, 8], "b": [16, 8, 4]}, (16, 8, 12)),
    ("concat(axis=2)", "pytorch", {"a": [16, 8, 8], "b": [16, 2, 8]}, (16, 10, 8)),
    ("Concatenate", "keras", {"a": [8, 8, 16], "b": [8, 8, 16]}, (8, 8, 32)),
    ("Concatenate(axis=1)", "keras", {"a": [8, 8, 16], "b": [4, 8, 16]}, (12, 8, 16)),
]


@pytest.mark.parametrize(("layer", "framework", "inputs", "expected"), MERGES)
def test_merge_shapes(
    layer: str, framework: str, inputs: dict[str, list[int]], expected: tuple[int, ...]
) -> None:
    result = run([_merge(layer, list(inputs))], inputs=inputs, framework=framework)
    assert shape(result) == expected
    assert result.total_params == 0


def _merge(text: str, sources: list[Any]) -> dict[str, Any]:
    name, _, rest = text.partition("(")
    kwargs: dict[str, Any] = {"from": sources}
    if rest:
        key, value = rest.rstrip(")").split("=")
        kwargs[key] = int(value)
    return {name: kwargs}


MERGE_ERRORS = [
    # (layer, framework, inputs, code, numbers and shapes of the message)
    ("add", "pytorch", {"a": [16, 8, 8], "b": [32, 8, 8]}, "shape-mismatch",
     ["16×8×8", "32×8×8", "16 vs 32"]),
    ("add", "pytorch", {"a": [16, 8, 8], "b": [16, 4, 8]}, "shape-mismatch", ["8 vs 4"]),
    ("add", "pytorch", {"a": [16, 8, 8], "b": [8]}, "rank-mismatch", ["16×8×8", "8"]),
    ("Add", "keras", {"a": [8, 8, 16], "b": [8]}, "shape-mismatch", ["16 vs 8"]),
    ("subtract", "pytorch", {"a": [4], "b": [4], "c": [4]}, "wrong-input-count", ["2", "3"]),
    ("add", "pytorch", {"a": [4]}, "wrong-input-count", ["2", "1"]),
    ("concat", "pytorch", {"a": [16, 8, 8], "b": [16, 4, 8]}, "shape-mismatch",
     ["16×8×8", "16×4×8", "8 vs 4"]),
    ("concat", "pytorch", {"a": [16, 8, 8], "b": [16, 8]}, "shape-mismatch", ["16×8×8", "16×8"]),
    ("concat(axis=0)", "pytorch", TWO, "bad-axis", ["0"]),
    ("concat(axis=4)", "pytorch", TWO, "bad-axis", ["4"]),
]


@pytest.mark.parametrize(("layer", "framework", "inputs", "code", "numbers"), MERGE_ERRORS)
def test_merge_errors(layer: str, framework: str, inputs: dict[str, list[int]], code: str,
                      numbers: list[str]) -> None:
    e = error([_merge(layer, list(inputs))], inputs=inputs, framework=framework)
    assert (e.code, e.layer and e.layer.index) == (code, 1), str(e)
    for n in numbers:
        assert n in e.message


# The same merges run by the frameworks: (framework, layer, input shapes without the batch axis).
DIFFERENTIAL = [
    ("pytorch", "add", [(16, 8, 8), (16, 1, 1)]),
    ("pytorch", "subtract", [(16, 8, 8), (16, 8, 8)]),
    ("pytorch", "multiply", [(1, 8, 8), (16, 8, 1)]),
    ("pytorch", "average", [(16, 8, 8), (16, 8, 8), (16, 1, 8)]),
    ("pytorch", "maximum", [(16, 8, 8), (32, 8, 8)]),
    ("pytorch", "minimum", [(16, 8, 8), (16, 8, 3)]),
    ("pytorch", "concat", [(16, 8, 8), (32, 8, 8), (8, 8, 8)]),
    ("pytorch", "concat", [(16, 8, 8), (16, 4, 8)]),
    ("pytorch", "concat", [(16, 8, 8), (1, 8, 8, 1)]),
    ("pytorch", "concat(axis=-1)", [(16, 8, 8), (16, 8, 4)]),
    ("pytorch", "concat(axis=2)", [(16, 8, 8), (16, 1, 8)]),
    ("keras", "Add", [(8, 8, 16), (16,)]),
    ("keras", "Add", [(8, 8, 16), (8,)]),
    ("keras", "Add", [(1, 8, 16), (8, 1, 16)]),
    ("keras", "Subtract", [(8, 8, 16), (8, 8, 8)]),
    ("keras", "Multiply", [(8, 8, 16), (1, 1, 16), (8, 8, 1)]),
    ("keras", "Average", [(8, 16), (8, 16)]),
    ("keras", "Maximum", [(8, 8, 16), (8, 1, 16)]),
    ("keras", "Minimum", [(4,), (4,)]),
    ("keras", "Concatenate", [(8, 8, 16), (8, 8, 32)]),
    ("keras", "Concatenate", [(8, 8, 16), (1, 8, 32)]),
    ("keras", "Concatenate(axis=1)", [(8, 8, 16), (4, 8, 16)]),
    ("keras", "Concatenate(axis=-2)", [(8, 8, 16), (8, 2, 16)]),
]


def _framework_merge(framework: str, layer: str, shapes: list[tuple[int, ...]]) -> tuple[int, ...] | None:
    """The framework's output shape (no batch axis), or None when it refuses."""
    name, _, rest = layer.partition("(")
    axis = int(rest.rstrip(")").split("=")[1]) if rest else None
    if framework == "pytorch":
        torch = pytest.importorskip("torch")
        xs = [torch.zeros(2, *s) for s in shapes]
        ops = {"add": torch.add, "subtract": torch.sub, "multiply": torch.mul, "average": torch.add,
               "maximum": torch.maximum, "minimum": torch.minimum}
        try:
            if name == "concat":
                out = torch.cat(xs, dim=1 if axis is None else axis)
            else:
                out = xs[0]
                for x in xs[1:]:
                    out = ops[name](out, x)
        except RuntimeError:
            return None
        return tuple(out.shape[1:])
    keras = pytest.importorskip("keras")
    import numpy as np

    cls = getattr(keras.layers, name)
    merge = cls() if axis is None else cls(axis=axis)
    try:
        return tuple(merge([np.zeros((2, *s), dtype="float32") for s in shapes]).shape[1:])
    except (ValueError, RuntimeError):
        return None


@pytest.mark.parametrize(("framework", "layer", "shapes"), DIFFERENTIAL)
def test_merges_agree_with_the_frameworks(framework: str, layer: str, shapes: list[tuple[int, ...]]) -> None:
    theirs = _framework_merge(framework, layer, shapes)
    inputs = {f"x{i}": list(s) for i, s in enumerate(shapes)}
    try:
        ours: tuple[int, ...] | None = shape(
            run([_merge(layer, list(inputs))], inputs=inputs, framework=framework))
    except SpecError:
        ours = None
    assert ours == theirs


def test_merge_symbolic_sizes_give_constraints() -> None:
    # H must be 4, or 1 (then it broadcasts): the merge's condition, reduced to valid values.
    result = run([{"add": {"from": ["a", "b"]}}], inputs={"a": [8, "H", "H"], "b": [8, 4, 4]})
    assert result.valid["H"]["first"] == [1, 4]
    assert str(result.output[1]) == "Max(4, H)"
    even = run([{"concat": {"from": ["a", "b"]}}], inputs={"a": [8, "H", "H"], "b": [8, "H//2*2", "H//2*2"]})
    assert even.valid["H"] == {"min": 2, "period": 2, "first": [2, 4, 6, 8]}
    same = run([{"concat": {"from": ["a", "b"]}}], inputs={"a": [8, "H", "W"], "b": [4, "H", "W"]})
    assert shape(same) == (12, *same.output[1:]) and not same.constraints


# ------------------------------------------------------------------ from:, inputs, outputs


def test_from_by_name_index_and_input() -> None:
    result = run([
        {"conv2d": {"name": "a", "out": 16, "kernel": 3, "padding": 1}},   # 1
        "relu",                                                           # 2
        {"conv2d": {"out": 16, "kernel": 1, "from": "input"}},           # 3
        {"add": {"from": [-1, "a", 2, 0]}},                              # 4
        {"concat": {"from": [1, -2]}},                                   # 5
    ])
    rows = result.layers
    assert rows[3].sources == ("conv2d_2", "a", "relu_1", "input")
    assert rows[4].sources == ("a", "conv2d_2")
    assert shape(result) == (32, 8, 8)


def test_several_inputs_and_outputs() -> None:
    result = run(
        [{"dense": {"name": "img", "out": 4, "from": "image"}},
         {"dense": {"name": "m", "out": 4, "from": "meta"}},
         {"concat": {"name": "joined", "from": ["img", "m"]}},
         {"dense": {"name": "head", "out": 2}}],
        inputs={"image": [32], "meta": [10]}, outputs=["joined", "head"],
    )
    assert result.output == {"joined": (8,), "head": (2,)}
    assert result.input == {"image": (32,), "meta": (10,)}
    doc = result.to_dict()
    assert doc["output"] == {"joined": [8], "head": [2]}


REF_ERRORS = [
    # (layers, code, index of the layer named, names and numbers of the message)
    ([{"relu": {"from": "nope"}}], "bad-reference", 1, ["'nope'"]),
    ([{"relu": {"name": "abc"}}, {"relu": {"from": "abd"}}], "bad-reference", 2, ["`abc`"]),
    ([{"relu": {"from": "later"}}, {"relu": {"name": "later"}}], "forward-reference", 1, ["'later'", "2"]),
    ([{"relu": {"name": "self", "from": "self"}}], "forward-reference", 1, ["'self'"]),
    (["relu", {"relu": {"from": 2}}], "forward-reference", 2, ["2"]),
    (["relu", {"relu": {"from": -3}}], "bad-reference", 2, ["3"]),
    ([{"relu": {"name": "x"}}, {"relu": {"name": "x"}}], "duplicate-name", 2, ["'x'"]),
    ([{"relu": {"name": "input"}}], "duplicate-name", 1, ["'input'"]),
    ([{"relu": {"from": [-1, 0]}}], "wrong-input-count", 1, ["2"]),
]


@pytest.mark.parametrize(("layers", "code", "index", "words"), REF_ERRORS)
def test_reference_errors(layers: list[Any], code: str, index: int, words: list[str]) -> None:
    e = error(layers)
    assert (e.code, e.layer and e.layer.index) == (code, index), str(e)
    for word in words:
        assert word in e.message


def test_outputs_unknown_name() -> None:
    e = error(["relu"], outputs=["relu_2"])
    assert (e.code, e.layer) == ("bad-reference", None) and "'relu_2'" in e.message


# ------------------------------------------------------------------ blocks

BASIC = {
    "args": {"out": 16, "stride": 1},
    "layers": [
        {"conv2d": {"name": "a", "out": "$out", "kernel": 3, "stride": "$stride", "padding": 1,
                    "bias": False}},
        "batchnorm2d",
        "relu",
        {"conv2d": {"out": "$out", "kernel": 3, "padding": 1, "bias": False}},
        "batchnorm2d",
        {"add": {"from": [-1, "in"]}},
    ],
}


def test_block_rows_names_and_totals() -> None:
    result = run([{"basic": {"name": "b1"}}, {"basic": None}, {"relu": {"from": "b1"}}],
                 blocks={"basic": BASIC})
    per_block = 2 * (16 * 16 * 9) + 2 * 32
    assert result.total_params == 2 * per_block
    names = [r.name for r in result.table_rows()]
    assert names[:3] == ["b1", "b1.a", "b1.batchnorm2d_1"]
    assert "basic_1" in names and "basic_1.a" in names  # a default name, local names again
    block = result.table_rows()[0]
    assert block.is_block and block.params == per_block and block.depth == 0
    assert block.label == "basic" and block.type == "basic"
    inner = result.layer("b1.a")
    assert inner.depth == 1 and inner.block == "b1"
    assert result.layers[-1].sources == ("b1",)  # a block's name reads as its output
    assert result.layers[5].sources == ("b1.batchnorm2d_2", "input")  # `in` inside b1


def test_block_arguments_positional_defaults_expressions_lists() -> None:
    blocks = {
        "mb": {
            "args": {"width": None, "k": 3, "mult": 4},
            "layers": [
                {"conv2d": {"out": "$mult*$width", "kernel": ["$k", 1], "padding": ["($k - 1) // 2", 0]}},
                {"conv2d": {"out": "$width", "kernel": 1, "groups": "$width // 2"}},
            ],
        },
    }
    result = run([{"mb": [8]}, {"mb": {"width": 4, "k": 5, "mult": "C"}}], blocks=blocks, vars={"C": 2})
    convs = result.layers
    assert convs[0].output == (32, 8, 8) and convs[0].weights[0].shape == (32, 16, 3, 1)
    assert convs[1].weights[0].shape == (8, 8, 1, 1)  # groups 4
    assert convs[2].output == (8, 8, 8) and convs[2].weights[0].shape == (8, 8, 5, 1)
    assert convs[0].label.startswith("conv2d(32, 3×1")  # folded to numbers


def test_blocks_using_blocks_and_first_layer_reads_block_input() -> None:
    blocks = {
        "unit": {"args": {"c": 8}, "layers": [{"conv2d": {"out": "$c", "kernel": 1, "from": -1}}]},
        "pair": {"args": {"c": 8}, "layers": [
            {"unit": {"name": "u", "c": "$c"}},
            {"unit": "2*$c"},
            {"concat": {"from": ["u", -1, "in"]}},
        ]},
    }
    result = run([{"pair": {"name": "p", "c": 4}}], blocks=blocks)
    names = [r.name for r in result.table_rows()]
    assert names == ["p", "p.u", "p.u.conv2d_1", "p.1", "p.1.conv2d_1", "p.concat_1"]
    depths = [r.depth for r in result.table_rows()]
    assert depths == [0, 1, 2, 1, 2, 1]
    assert result.layer("p.u.conv2d_1").sources == ("input",)
    assert result.layer("p.1.conv2d_1").sources == ("p.u",)
    assert shape(result) == (4 + 8 + 16, 8, 8)


def test_block_with_several_inputs() -> None:
    blocks = {"join": {"layers": [
        {"conv2d": {"name": "x", "out": 8, "kernel": 1, "from": "in.0"}},
        {"concat": {"from": ["x", "in.1"]}},
    ]}}
    result = run(["relu", {"join": {"from": [-1, "input"]}}], blocks=blocks)
    assert shape(result) == (24, 8, 8)


def test_repeat_times_from_vars_and_named_repeat_groups() -> None:
    result = run([
        {"repeat": {"times": "N", "layers": [{"conv2d": {"out": 16, "kernel": 3, "padding": 1}}, "relu"]}},
        {"repeat": {"name": "stage", "times": "N - 1", "layers": [{"basic": {"out": 16}}]}},
        {"repeat": {"name": "tail", "times": 2, "layers": [{"conv2d": {"name": "c", "out": 16, "kernel": 1}},
                                                            {"add": {"from": [-1, "c"]}}]}},
    ], blocks={"basic": BASIC}, vars={"N": 3})
    names = [r.name for r in result.table_rows()]
    assert names[:6] == ["conv2d_1", "relu_1", "conv2d_2", "relu_2", "conv2d_3", "relu_3"]
    assert "stage" in names and "stage.0" in names and "stage.1.a" in names
    assert "tail.0.c" in names and "tail.1.c" in names
    assert result.layer("tail.1.add_1").sources == ("tail.1.c", "tail.1.c")
    stage = next(r for r in result.table_rows() if r.name == "stage")
    assert stage.is_block and stage.label == "repeat(2)"
    assert stage.params == 2 * result.layer("stage.0").params


def test_a_block_named_like_a_layer_type_wins() -> None:
    result = run(["relu", "flatten"], blocks={"relu": {"layers": [{"conv2d": [4, 1]}]}})
    assert [r.name for r in result.table_rows()][:2] == ["relu_1", "relu_1.conv2d_1"]
    assert result.total_params == 4 * 16 + 4


def test_empty_repeat() -> None:
    result = run(["relu", {"repeat": {"times": 0, "layers": ["relu"]}}])
    assert len(result.layers) == 1


BLOCK_ERRORS = [
    # (layers, blocks, code, names and numbers of the message)
    ([{"basic": {"outt": 4}}], {"basic": BASIC}, "unknown-argument", ["`outt`", "`out`"]),
    ([{"need": None}], {"need": {"args": {"width": None}, "layers": ["relu"]}}, "missing-argument",
     ["`width`"]),
    ([{"basic": [1, 2, 3]}], {"basic": BASIC}, "too-many-arguments", ["2", "3", "out, stride"]),
    ([{"basic": {"out": 4, "from": -1}}, {"b": None}],
     {"basic": BASIC, "b": {"args": {"width": 1}, "layers": [{"dense": "$widht"}]}},
     "unknown-block-argument", ["`$widht`", "`width`"]),
    ([{"loop": None}], {"loop": {"layers": [{"loop": None}]}}, "block-recursion", ["loop -> loop"]),
    ([{"a": None}], {"a": {"layers": [{"b": None}]}, "b": {"layers": [{"a": None}]}}, "block-recursion",
     ["a -> b -> a"]),
    ([{"b": None}], {"b": {"layers": [{"relu": {"from": -2}}]}}, "bad-reference", ["`b`", "2"]),
    ([{"b": None}], {"b": {"layers": [{"relu": {"from": "in.1"}}]}}, "bad-reference", ["in.1", "1"]),
    ([{"b": {"name": "x"}}, {"relu": {"name": "x"}}], {"b": {"layers": ["relu"]}}, "duplicate-name",
     ["'x'"]),
    ([{"b": {"w": [1, 2]}}], {"b": {"args": {"w": 1}, "layers": [{"dense": "2*$w"}]}}, "bad-argument",
     ["$w", "2*$w"]),
    ([{"basci": 4}], {"basic": BASIC}, "unknown-type", ["`basci`", "`basic`"]),
    ([{"repeat": {"times": "T", "layers": ["relu"]}}], {}, "unbound-name", ["`T`"]),
    ([{"repeat": {"times": -1, "layers": ["relu"]}}], {}, "negative-value", ["-1"]),
    ([{"b": None}], {"b": {"layers": [{"relu": {"from": "later"}}, {"relu": {"name": "later"}}]}},
     "forward-reference", ["'b_1.later'", "'later'"]),
]


@pytest.mark.parametrize(("layers", "blocks", "code", "words"), BLOCK_ERRORS)
def test_block_errors(layers: list[Any], blocks: dict[str, Any], code: str, words: list[str]) -> None:
    e = error(layers, blocks=blocks)
    assert e.code == code, str(e)
    for word in words:
        assert word in e.message


@pytest.mark.parametrize(("layers", "limit", "unrolled"), [
    ([{"repeat": {"times": 101, "layers": [{"b": None}]}}], "300 layers", True),  # 303 layers, 102 entries
    ([{"repeat": {"times": 10**6, "layers": [{"b": None}]}}], "1,200 entries: repeat: times is 1,000,000, "
                                                              "with 1 entry a round", False),
    ([{"repeat": {"times": 10**9, "layers": [{"repeat": {"times": 0, "layers": ["relu"]}}]}}], "1,200",
     False),
    ([{"repeat": {"times": 40, "layers": ["relu", {"repeat": {"times": 30, "layers": ["relu"]}}]}}],
     "with at least 32 entries a round", False),  # 40 x 32 = 1,280 entries: refused before any round
    ([{"repeat": {"times": 10, "layers": [{"repeat": {"times": "$i * 0 + 200", "layers": ["relu"]}}]}}],
     "300 layers", True),  # an expression's rounds are counted as they are unrolled
])
def test_expansion_is_bounded(monkeypatch: pytest.MonkeyPatch, layers: list[Any], limit: str,
                              unrolled: bool) -> None:
    from convcalc.engine import expand as graph

    monkeypatch.setattr(graph, "MAX_LAYERS", 300)
    entries = []
    real_entry = graph.Expander.entry

    def entry(self: Any, e: Any, *args: Any, **kwargs: Any) -> Any:
        entries.append(e)
        return real_entry(self, e, *args, **kwargs)

    monkeypatch.setattr(graph.Expander, "entry", entry)
    e = error(layers, blocks={"b": {"layers": ["relu"] * 3}})
    assert e.code == "too-many-layers" and limit in e.message, e.message
    assert (len(entries) > 1) is unrolled  # a repeat that must pass the limit is refused before its rounds


def test_errors_inside_a_block_name_the_use_and_the_place() -> None:
    text = """\
input: [16, 8, 8]
blocks:
  bad:
    args: {c: 8}
    layers:
      - conv2d: {out: $c, kernel: 1}
      - add: {from: [-1, in]}
layers:
  - bad: {name: first, c: 16}
  - bad: {name: second, c: 4}
"""
    with pytest.raises(SpecError) as info:
        convcalc.analyze(text, source="net.yaml")
    e = info.value
    assert (e.code, e.file, e.line, e.column) == ("shape-mismatch", "net.yaml", 7, 9)
    assert e.layer == (4, "second.add_1", "add")
    assert "4×8×8" in e.message and "16×8×8" in e.message


# ------------------------------------------------------------------ output formats


def test_json_lists_layers_flat_with_block_field() -> None:
    result = run([{"basic": {"name": "b1"}}, "flatten"], blocks={"basic": BASIC})
    doc = json.loads(json.dumps(result.to_dict()))
    names = [layer["name"] for layer in doc["layers"]]
    assert names[0] == "b1.a" and "b1" not in names
    assert all(layer["block"] == "b1" for layer in doc["layers"][:6])
    assert "block" not in doc["layers"][-1]


def _plain(result: convcalc.Result, depth: int | None) -> str:
    from convcalc.render import plain

    out, err = io.StringIO(), io.StringIO()
    plain.render([result], Options(format="plain", depth=depth, pretty=False, width=200), out, err)
    return out.getvalue()


def test_table_indents_blocks_and_depth_collapses() -> None:
    result = run([{"repeat": {"name": "stage", "times": 2, "layers": ["basic"]}}], blocks={"basic": BASIC})
    full = _plain(result, None)
    assert "\n    stage " in full or " stage " in full
    assert "    stage.0.a" in full  # two levels of indentation
    shallow = _plain(result, 1)
    assert "stage.0 " in shallow and "stage.0.a" not in shallow
    top = _plain(result, 0)
    assert "stage.0" not in top and "Total params: 9,344" in top


# ------------------------------------------------------------------ speed


def _big(n_blocks: int) -> dict[str, Any]:
    return {
        "input": [64, 32, 32],
        "blocks": {"res": {"args": {"c": 64}, "layers": [
            {"conv2d": {"out": "$c", "kernel": 3, "padding": 1, "bias": False}},
            "batchnorm2d", "relu", {"add": {"from": [-1, "in"]}}]}},
        "layers": [{"repeat": {"times": n_blocks, "layers": ["res"]}}],
    }


def test_ten_thousand_layers_propagate_fast() -> None:
    start = time.process_time()
    result = convcalc.analyze(_big(2500))
    took = time.process_time() - start
    assert len(result.layers) == 10_000
    assert result.total_params == 2500 * (64 * 64 * 9 + 128)
    assert took < 2.0, f"10,000 layers took {took:.2f}s of CPU"  # ~0.5 s measured; slack for slow CI


def test_a_name_used_twice_names_the_layer_type_with_its_rank() -> None:
    with pytest.raises(SpecError) as e:
        convcalc.analyze("1x8x8 | conv(4, 3, name=a) | conv(4, 3, name=a)")
    assert (e.value.code, e.value.column) == ("duplicate-name", 46)  # at the second name=a's value
    assert e.value.layer == (2, "a", "conv2d")
