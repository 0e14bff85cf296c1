"""The tensor layers of today's networks, against hand-worked values and Python's own rules.

parameter (a source without a batch axis), slice/select, split/chunk/unbind
(several outputs read as ``name.k``), transpose, matmul, reductions, the
PyTorch padding modules, LayerNorm2d and StochasticDepth.  The framework
comparisons are in test_differential_tensor_ops.py.
"""

from __future__ import annotations

import itertools
import json

import pytest

import convcalc
from convcalc import SpecError


def run(spec: str | dict, **kw: object) -> convcalc.Result:
    return convcalc.analyze(spec, **kw)


def code_of(spec: str | dict) -> str:
    with pytest.raises(SpecError) as e:
        run(spec)
    return e.value.code


# ---------------------------------------------------------------- parameter


def test_parameter_is_a_source_with_prod_shape_params() -> None:
    r = run({"input": [196, 768], "layers": [
        {"parameter": {"name": "cls", "shape": [1, 768]}},
        {"concat": {"from": ["cls", "input"], "axis": 1}},
        {"parameter": {"name": "pos", "shape": [197, 768]}},
        {"add": {"from": [-2, "pos"]}},
    ]})
    assert r.output == (197, 768)
    assert r.layer("cls").params == 768 and r.layer("pos").params == 151_296
    assert r.layer("cls").sources == () and r.layer("cls").weights[0].shape == (1, 768)
    assert r.total_params == 768 + 151_296


def test_frozen_parameter_is_non_trainable() -> None:
    r = run("4x4 | parameter(4, 4, trainable=false) | add(from=[input, -1])")
    assert (r.total_params, r.trainable_params) == (16, 0)


def test_parameter_refuses_from() -> None:
    assert code_of("4x4 | relu | parameter(4, from=input)") == "source-reads-nothing"


def test_parameter_broadcasts_over_the_batch_with_fewer_axes() -> None:
    """A layer scale (C,) on a channels-last map (H, W, C): PyTorch broadcasts a module's tensor on the
    right."""
    r = run({"input": [7, 7, 96], "layers": [
        {"parameter": {"name": "gamma", "shape": [96]}},
        {"multiply": {"from": ["input", "gamma"]}},
    ]})
    assert r.output == (7, 7, 96)
    # torchvision's layer scale (C, 1, 1) on (C, H, W)
    r = run({"input": [96, 7, 7], "layers": [
        {"parameter": {"name": "gamma", "shape": [96, 1, 1]}},
        {"multiply": {"from": ["input", "gamma"]}},
    ]})
    assert r.output == (96, 7, 7)
    # ...but two activations of different ranks would pair the batch axis with a feature axis
    assert code_of("96x7x7 | global_avgpool2d | multiply(from=[input, -1])") == "rank-mismatch"


def test_made_of_parameters_only_is_batchless_too() -> None:
    r = run({"input": [4, 8], "layers": [
        {"parameter": {"name": "w", "shape": [8, 4]}},
        {"transpose": {"dims": [1, 2]}},
        {"add": {"from": ["input", -1]}},
    ]})
    assert r.output == (4, 8)
    r = run({"input": [4, 8], "layers": [
        {"parameter": {"name": "w", "shape": [8, 4, 4]}}, {"mean": {"axis": [2, 3]}},
        {"add": {"from": ["input", -1]}},
    ]})
    assert r.output == (4, 8)


def test_batchless_tensor_still_aligns_on_the_right() -> None:
    with pytest.raises(SpecError, match="do not agree on axis 3"):
        run({"input": [8, 4, 4], "layers": [{"parameter": {"name": "w", "shape": [8]}},
                                          {"add": {"from": ["input", "w"]}}]})


# ---------------------------------------------------------------- slice and select


@pytest.mark.parametrize("n", [1, 5, 8])
def test_slice_sizes_are_pythons(n: int) -> None:
    bounds = [None, -9, -3, -1, 0, 1, 3, 7, 12]
    for start, stop, step in itertools.product(bounds, bounds, [1, 2, 3]):
        want = len(range(n)[start:stop:step])
        layer = {"slice": {"axis": 2, "start": start, "stop": stop, "step": step}}
        spec = {"input": [2, n], "layers": [layer]}
        if want == 0:
            with pytest.raises(SpecError):
                run(spec)
        else:
            assert run(spec).output == (2, want), (start, stop, step)


def test_slice_refuses_the_batch_axis_and_a_bad_step() -> None:
    assert code_of("4x4 | slice(0, 1)") == "batch-axis"
    assert code_of("4x4 | slice(1, step=0)") == "slice-step"
    assert code_of("4x4 | slice(1, step=-1)") == "slice-step"


def test_slice_of_a_symbolic_size() -> None:
    r = run("3xT | slice(-1, 1, -1)")
    assert str(r.output[1]) == "T - 2"
    assert run("3xT | slice(-1, 0, 5)", defines={"T": 9}).output == (3, 5)


def test_select_drops_the_axis() -> None:
    assert run("197x768 | select(1, 0)").output == (768,)
    assert run("197x768 | select(-1, -768)").output == (197,)
    assert code_of("197x768 | select(2, 768)") == "index-out-of-range"
    with pytest.raises(SpecError, match="valid: -768 to 767"):
        run("197x768 | select(2, -769)")


# ---------------------------------------------------------------- split, chunk, unbind


def test_chunk_sizes_are_torch_chunks() -> None:
    """⌈n/N⌉ each, the last smaller, possibly fewer than N: 6 into 4 gives three of 2."""
    cases = {(6, 4): [2, 2, 2], (7, 3): [3, 3, 1], (5, 5): [1] * 5, (3, 5): [1, 1, 1], (10, 4): [3, 3, 3, 1]}
    for (n, chunks), sizes in cases.items():
        r = run(f"{n}x2 | chunk({chunks})")
        assert [p[0] for p in r.layers[0].parts] == sizes, (n, chunks)


def test_split_sizes_and_split_size() -> None:
    assert [p[1] for p in run("2x9 | split([2, 3, 4], axis=2)").layers[0].parts] == [2, 3, 4]
    assert [p[0] for p in run("9x2 | split(4)").layers[0].parts] == [4, 4, 1]
    with pytest.raises(SpecError, match="add up to 8, but axis 1 of 9×2 has 9"):
        run("9x2 | split([4, 4])")
    assert code_of("9x2 | split(sizes=3, chunks=3)") == "split-sizes"


def test_reading_outputs_by_index() -> None:
    r = run({"input": [116, 28, 28], "layers": [
        {"chunk": {"name": "halves", "chunks": 2}},
        {"conv2d": {"from": "halves.1", "out": 58, "kernel": 1}},
        {"concat": {"from": ["halves.0", -1]}},
    ]})
    assert r.output == (116, 28, 28)
    assert r.layers[1].sources == ("halves.1",)


@pytest.mark.parametrize(("spec", "code"), [
    ("6x8 | chunk(4, name=c) | relu(from=c.3)", "output-index-out-of-range"),
    ("6x8 | chunk(4, name=c) | relu", "several-outputs"),
    ("6x8 | chunk(4, name=c) | relu(from=c)", "several-outputs"),
    ("6x8 | relu(name=r) | relu(from=r.0)", "not-multi-output"),
])
def test_reading_outputs_errors(spec: str, code: str) -> None:
    assert code_of(spec) == code


def test_a_repeat_name_with_an_index_is_still_a_name() -> None:
    """`layer1.0` is a repeat's first round; a split's outputs never collide with it (names are unique)."""
    r = run({"input": [8, 4, 4], "blocks": {"b": {"layers": [{"relu": {}}]}}, "layers": [
        {"repeat": {"name": "layer1", "times": 2, "layers": [{"b": {}}]}},
        {"split": {"name": "s", "sizes": [3, 5]}},
        {"concat": {"from": ["layer1.0", "s.1"]}},
    ]})
    assert r.output == (13, 4, 4)


def test_a_block_ending_in_a_split_has_its_outputs() -> None:
    r = run({"input": [8, 4, 4], "blocks": {"halve": {"layers": [{"relu": {}}, {"chunk": 2}]}}, "layers": [
        {"halve": {"name": "h"}},
        {"add": {"from": ["h.0", "h.1"]}},
    ]})
    assert r.output == (4, 4, 4)


def test_outputs_of_a_split_in_json() -> None:
    r = run({"input": [6, 2], "layers": [{"split": {"name": "s", "sizes": [2, 4]}}]})
    d = json.loads(json.dumps(r.to_dict()))
    assert d["output"] == {"s.0": [2, 2], "s.1": [4, 2]}
    assert d["layers"][0]["output"] == {"s.0": [2, 2], "s.1": [4, 2]}
    assert d["layers"][0]["memory"]["elements"] == 12


def test_expect_on_a_split() -> None:
    spec = {"input": [6, 2], "layers": [{"split": {"name": "s", "sizes": [2, 4]}}],
            "expect": {"output": {"s.0": [2, 2], "s.1": [4, 2]},
                       "layers": {"s": {"output": [[2, 2], [4, 2]]}}}}
    assert run(spec).expect.ok
    spec["expect"] = {"layers": {"s": {"output": {"s.1": [3, 2]}}}}
    assert not run(spec).expect.ok


def test_symbolic_chunk_is_exact_where_it_has_all_its_pieces() -> None:
    from convcalc.arith import num

    r = run("Cx8x8 | chunk(2)")
    for c in range(2, 30):
        assert [int(p[0].subs(num.symbol("C"), c)) for p in r.layers[0].parts] == [(c + 1) // 2, c // 2]
    assert r.valid["C"]["min"] == 2  # chunk(2) of 1 is one piece
    # 5 and 6 into 4 are three pieces (of 2, 2, 1 and of 2, 2, 2): valid are the sizes with four
    four = [n for n in range(1, 40) if -(-n // -(-n // 4)) == 4]
    assert four[:4] == [4, 7, 8, 10]
    assert run("Cx8x8 | chunk(4)").valid["C"]["first"][:4] == four[:4]
    assert code_of("Cx8x8 | split(3)") == "symbolic-output-count"


def test_tensor_split() -> None:
    """torch.tensor_split: 7 into 3 is 3, 2, 2; indices cut as Python slices."""
    def sizes(spec: str) -> list[int]:
        return [p[1] for p in run(spec).layers[0].parts]

    assert sizes("2x7 | tensor_split(3, axis=2)") == [3, 2, 2]
    assert sizes("2x7 | tensor_split([2, 5], axis=2)") == [2, 3, 2]
    assert sizes("2x7 | tensor_split([-2], axis=2)") == [5, 2]
    assert code_of("2x7 | tensor_split([5, 2], axis=2)") == "size-below-1"  # the middle piece is empty
    r = run("Tx2 | tensor_split(3)")
    from convcalc.arith import num

    for t in range(3, 20):
        assert [int(p[0].subs(num.symbol("T"), t)) for p in r.layers[0].parts] == [
            len(range(t)[j::3]) for j in range(3)]
    assert r.valid["T"]["min"] == 3


def test_unbind() -> None:
    r = run("3x4x5 | unbind(1)")
    assert r.layers[0].parts == ((4, 5),) * 3


# ---------------------------------------------------------------- transpose, matmul, reductions


def test_transpose() -> None:
    assert run("2x3x4 | transpose(1, -1)").output == (4, 3, 2)
    assert code_of("2x3x4 | transpose(0, 1)") == "batch-axis"


@pytest.mark.parametrize(("a", "b", "out", "macs"), [
    ((5, 4), (4, 3), (5, 3), 60),
    ((2, 5, 4), (2, 4, 3), (2, 5, 3), 120),
    ((2, 1, 5, 4), (1, 3, 4, 6), (2, 3, 5, 6), 6 * 5 * 4 * 6),
    ((4,), (4, 3), (3,), 12),
    ((5, 4), (4,), (5,), 20),
    ((4,), (4,), (), 4),
])
def test_matmul(a: tuple, b: tuple, out: tuple, macs: int) -> None:
    r = run({"inputs": {"a": list(a), "b": list(b)}, "layers": [{"matmul": {"from": ["a", "b"]}}]})
    assert r.output == out and r.total_macs == macs


def test_matmul_refusals() -> None:
    with pytest.raises(SpecError, match="inner sizes 4 and 5 differ"):
        run({"inputs": {"a": [5, 4], "b": [5, 3]}, "layers": [{"matmul": {"from": ["a", "b"]}}]})
    assert code_of({"inputs": {"a": [2, 5, 4], "b": [4, 3]},
                    "layers": [{"matmul": {"from": ["a", "b"]}}]}) == "rank-mismatch"
    # a parameter has no batch axis: (2, 5, 4)·(4, 3) is torch.matmul(x, W)
    r = run({"input": [2, 5, 4], "layers": [{"parameter": {"name": "w", "shape": [4, 3]}},
                                           {"matmul": {"from": ["input", "w"]}}]})
    assert r.output == (2, 5, 3)


def test_attention_scores_macs_are_polynomials_in_l() -> None:
    r = run("Lx64 | transpose(1, 2) | matmul(from=[input, -1])")
    assert str(r.total_macs) == "64*L**2"
    assert run("Lx64 | transpose(1, 2) | matmul(from=[input, -1])", defines={"L": 10}).total_macs == 6400


@pytest.mark.parametrize(("spec", "out"), [
    ("8x4x4 | mean([2, 3])", (8,)),
    ("8x4x5 | sum(-1, keepdims=true)", (8, 4, 1)),
    ("8x4x5 | amax(1)", (4, 5)),
    ("8x4x5 | amin([1, -1], keepdim=true)", (1, 4, 1)),
])
def test_reductions(spec: str, out: tuple) -> None:
    assert run(spec).output == out


def test_reduction_refusals() -> None:
    assert code_of("8x4x4 | mean([3, -1])") == "duplicate-axis"
    assert code_of("8x4x4 | mean(0)") == "batch-axis"


# ---------------------------------------------------------------- padding, LayerNorm2d, StochasticDepth


def test_padding_modules() -> None:
    assert run("3x8x8 | ReflectionPad2d((1, 2, 3, 4))").output == (3, 15, 11)
    assert run("3x8x8 | ReplicationPad2d(20)").output == (3, 48, 48)
    assert run("3x8x8 | CircularPad2d(8)").output == (3, 24, 24)
    assert run("3x8 | ConstantPad1d((2, -3), 0.5)").output == (3, 7)
    assert run("2x3x8x8 | ConstantPad2d(1, 0)").output == (2, 3, 10, 10)
    assert run("8x8 | ReflectionPad2d(1)").output == (10, 10)  # PyTorch's unbatched form


def test_padding_refusals() -> None:
    # Reflection needs each amount below the input size (8), circular at most the size.
    assert code_of("3x8x8 | ReflectionPad2d(8)") == "bad-padding"
    assert run("3x8x8 | ReflectionPad2d(7)").output == (3, 22, 22)
    assert code_of("3x8x8 | CircularPad2d(9)") == "bad-padding"
    assert run("3x8x8 | CircularPad2d(8)").output == (3, 24, 24)
    assert code_of("2x3x8x8 | ReflectionPad2d(1)") == "wrong-rank"
    assert code_of("8 | ConstantPad2d(1, 0)") == "batch-axis"  # two axes padded: one would be the batch


def test_symbolic_reflection_pad_is_a_condition() -> None:
    r = run("3xHxH | ReflectionPad2d(3)")
    assert str(r.output[1]) == "H + 6"
    assert r.valid["H"]["min"] == 4


def test_layernorm2d() -> None:
    r = run("96x56x56 | layernorm2d")
    assert r.total_params == 192 and [w.name for w in r.layers[0].weights] == ["weight", "bias"]
    assert run("96x56x56 | LayerNorm2d(96, eps=1e-6)").total_params == 192
    with pytest.raises(SpecError, match="normalized_shape is 64 but the input 96×56×56 has 96"):
        run("96x56x56 | LayerNorm2d(64)")


def test_stochastic_depth() -> None:
    r = run("96x56x56 | StochasticDepth(0.1, 'row') | drop_path(0.2)")
    assert r.output == (96, 56, 56) and r.total_params == 0
    with pytest.raises(SpecError, match="between 0 and 1"):
        run("96x56x56 | StochasticDepth(1.5, 'row')")
    with pytest.raises(SpecError, match="row"):
        run("96x56x56 | StochasticDepth(0.5, 'rows')")


def test_matmul_with_a_parameter_follows_torch() -> None:
    """torch.matmul(x, W) with x a batch: W's leading axes must not reach the batch axis."""
    def one(x: list, w: list, order: tuple = ("input", "w")) -> convcalc.Result:
        return run({"input": x, "layers": [{"parameter": {"name": "w", "shape": w}},
                                          {"matmul": {"from": list(order)}}]})

    assert one([4], [4, 3]).output == (3,)  # (N, 4)·(4, 3) = (N, 3)
    assert one([5, 4], [1, 4, 3]).output == (5, 3)  # the leading 1 meets the batch axis: broadcast
    assert one([3, 5, 4], [3, 4, 2]).output == (3, 5, 2)
    assert one([2, 5], [7, 2], ("w", "input")).output == (7, 5)  # W·x per sample
    with pytest.raises(SpecError) as e:
        one([4], [6, 4, 3])  # torch gives (6, N, 3): the batch axis is not first
    assert e.value.code == "batch-axis-moved"
    assert code_of({"input": [4], "layers": [{"parameter": {"name": "w", "shape": [3, 4]}},
                                             {"matmul": {"from": ["w", "input"]}}]}) == "batch-axis-moved"


def test_wrappers_refuse_sources_and_several_outputs() -> None:
    assert code_of("4x10x8 | TimeDistributed(chunk(2))") == "several-outputs"
    assert code_of("4x10x8 | TimeDistributed(parameter(3))") == "source-reads-nothing"


def test_batchless_rows_with_a_batch() -> None:
    """--batch: a parameter keeps a batch axis of 1 and its elements are not multiplied."""
    from convcalc.render.cells import COLUMNS
    from convcalc.render.options import Options

    r = run({"input": [4, 8], "layers": [{"parameter": {"name": "p", "shape": [1, 8]}},
                                        {"add": {"from": ["input", "p"]}}]})
    opts = Options(batch=3, columns=("shape", "memory"))
    assert [COLUMNS["shape"].cell(row, r, opts) for row in r.layers] == ["1×1×8", "3×4×8"]
    assert COLUMNS["memory"].total(r, opts).startswith("104 ")  # 3·32 + 8
    assert r.layers[0].to_dict()["batchless"] is True and "batchless" not in r.layers[1].to_dict()


def test_several_outputs_in_csv_and_markdown() -> None:
    from convcalc.render import csv as csv_render
    from convcalc.render.cells import COLUMNS
    from convcalc.render.options import Options

    r = run({"input": [6, 2], "layers": [{"split": {"name": "s", "sizes": [2, 4]}}]})
    assert csv_render.rows(r)[0][7] == "s.0:2x2 s.1:4x2"
    assert COLUMNS["shape"].cell(r.layers[0], r, Options()) == "2×2, 4×2"
    assert COLUMNS["shape"].cell(run("6x2 | chunk(3)").layers[0], r, Options()) == "3 of 2×2"


@pytest.mark.parametrize("spec", [
    "3xT | slice(-1, 1, -1)",
    "3xT | slice(-1, 2, 9, 2)",
    "3xT | slice(-1, -5)",
    "3xTx8 | ReflectionPad2d((1, 2, 3, 0))",
    "3xT | CircularPad1d((3, 1))",
    "Tx6 | chunk(3)",
    "Tx6 | chunk(2, axis=1)",
    "Tx64 | transpose(1, 2) | matmul(from=[input, -1])",
    "4xTxT | mean([2, 3], keepdims=true) | multiply(from=[input, -1])",
    "Tx8 | select(1, -2)",
])
def test_symbolic_results_equal_concrete_runs(spec: str) -> None:
    """The expressions convcalc gives for a free T, with T put in, are the numbers of a concrete run."""
    from convcalc.arith import num

    symbolic = run(spec)
    name = num.symbol("T")
    for value in range(1, 20):
        try:
            concrete = run(spec, defines={"T": value})
        except SpecError:
            continue
        got = [tuple(d if isinstance(d, int) else int(d.subs(name, value)) for d in layer.output)
               for layer in symbolic.layers]
        assert got == [layer.output for layer in concrete.layers], value
        macs = symbolic.total_macs
        assert (macs if isinstance(macs, int) else int(macs.subs(name, value))) == concrete.total_macs


def test_a_short_padding_tuple_pads_the_last_axes_as_torch() -> None:
    """PyTorch's F.pad: 2·k amounts pad the last k axes, whatever the class's rank."""
    assert run("6x11 | ReplicationPad2d((-2, 3))").output == (6, 12)
    assert run("3x8x8 | ConstantPad2d((1, 2), 0)").output == (3, 8, 11)
    assert code_of("3x8x8 | CircularPad2d((1, 2))") == "wrong-rank"  # 1 padded axis: a sample of 1 or 2
    assert code_of("3x8x8 | ReflectionPad2d((1, 2, 3, 4, 5, 6))") == "bad-padding"


def test_labels_write_axes_and_sizes_as_lists() -> None:
    r = run("3x8x8 | transpose(1, 2) | mean([2, 3], keepdims=true) | split([1, 7], axis=1)")
    assert [layer.label for layer in r.layers] == [
        "transpose(1, 2)", "mean([2, 3], keepdims=true)", "split(sizes=[1, 7], axis=1)"]


def test_parameter_spellings() -> None:
    for spec in ("4x768 | Parameter(1, 768)", "4x768 | parameter([1, 768])",
                 "4x768 | parameter(shape=1x768)"):
        assert run(spec).layers[0].weights[0].shape == (1, 768), spec
    assert run("4x768 | Parameter(1, 768, requires_grad=false)").trainable_params == 0


def test_an_output_name_taken_by_a_layer() -> None:
    assert code_of("4x4 | relu(name=s.1) | chunk(2, name=s)") == "name-taken"
