"""The engine's per-layer shortcuts of the third round (issue 20) give the answers the general way gives.

Each shortcut below skips work for the common case; the tests take the cases at its edge, where
the general way must still run: the memo keys made of the arguments themselves (ints and strs
only), the coercion templates kept per layer type and arguments named, the weights measured once
in ``run_layer``, a record made from its positional arguments, the row's reading of the layer
before, default names counted in place, and labels that stop after the last bound argument.
A layer analysed beside others must get exactly the row it gets alone.
"""

from __future__ import annotations

from typing import Any

import pytest

from convcalc import analyze
from convcalc.core import binding
from convcalc.core import params as A
from convcalc.core.context import Ctx
from convcalc.core.types import LayerOut, Weight
from convcalc.engine.run_layer import _check_sizes, _written, counts
from convcalc.errors import SpecError
from convcalc.render.explain import explain_lines
from convcalc.spec.model import LayerSpec


def _row(row: Any) -> tuple[Any, ...]:
    """What a row says, without where it sits (index, name, sources)."""
    return (row.type, row.label, row.output, row.weights, row.params, row.trainable, row.macs,
            tuple(s.text() for s in row.steps), row.windows, row.receptive_field, row.effective_stride)


def _alone_and_together(input_: list[int], entries: list[dict[str, Any]]) -> None:
    """Every entry read from the input, in one spec, gives the row it gives in a spec of its own."""
    together = analyze({"input": input_, "layers": [{**e, "from": "input"} for e in entries]})
    for entry, row in zip(entries, together.layers, strict=True):
        alone = analyze({"input": input_, "layers": [entry]}).layers[0]
        assert _row(row) == _row(alone), entry


# ---------------------------------------------------------------- memo keys


def test_int_and_str_arguments_key_the_memo_as_themselves() -> None:
    assert _written(LayerSpec("conv", (8, 3), {"padding": 1})) == ((8, 3), (("padding", 1),))
    assert _written(LayerSpec("conv", ("c", 3))) == (("c", 3), ())
    # A bool, a float or a list is equal to an int it is not written as: the repr keys those.
    for ls in (LayerSpec("conv", (8, 3), {"bias": True}), LayerSpec("conv", (8, 3.0)),
               LayerSpec("conv", (8, [3, 3])),
               LayerSpec("conv", [8, 3])):  # type: ignore[arg-type]  # a caller's own, holding a list
        assert _written(ls) == (repr(ls.args), repr(ls.kwargs))  # bool, float, list, unhashable: the repr


def test_arguments_equal_but_written_differently_are_not_mixed_up() -> None:
    # 1 == True == 1.0 as keys; each is its own argument (`bias: 1` is refused, `bias: true` is not).
    spec = {"input": [3, 8, 8], "layers": [{"conv2d": {"out": 4, "kernel": 3, "bias": True}},
                                             {"conv2d": {"out": 4, "kernel": 3, "bias": 1}, "from": "input"}]}
    with pytest.raises(SpecError) as e:
        analyze(spec)
    assert e.value.code == "not-boolean"
    _alone_and_together([3, 8, 8], [{"conv2d": {"out": 4, "kernel": 3}},
                                     {"conv2d": {"out": 4, "kernel": "3"}},
                                     {"conv2d": {"out": 4, "kernel": [3, 3]}}, {"conv2d": [4, 3]}])


# ---------------------------------------------------------------- coercion templates


def test_a_later_use_written_alike_is_checked_as_the_first() -> None:
    first = {"conv2d": {"out": 4, "kernel": 3, "padding": 1}}
    for bad in ({"out": 4, "kernel": 0, "padding": 1}, {"out": 4, "kernel": 3, "padding": -1},
                {"out": "x + ", "kernel": 3, "padding": 1}, {"out": 4, "kernel": 11, "padding": 1}):
        spec = {"input": [3, 8, 8], "layers": [first, {"conv2d": bad, "from": "input"}]}
        alone = {"input": [3, 8, 8], "layers": [{"conv2d": bad}]}
        with pytest.raises(SpecError) as together_error:
            analyze(spec)
        with pytest.raises(SpecError) as alone_error:
            analyze(alone)
        assert together_error.value.code == alone_error.value.code
        assert together_error.value.message == alone_error.value.message


def test_templates_are_kept_per_rank_framework_and_arguments_named() -> None:
    # conv1d, conv2d, conv3d named alike: each its own defaults (stride and dilation, one per axis).
    for shape, axes in (([3, 32], 1), ([3, 16, 16], 2), ([3, 8, 8, 8], 3), ([3, 32], 1)):
        rows = analyze({"input": shape, "layers": [{"conv": {"out": 4, "kernel": 3}},
                                                    {"conv": {"out": 5, "kernel": 3}}]}).layers
        for row in rows:
            assert row.windows is not None and len(row.windows) == axes
    keras = analyze({"framework": "keras", "input": [16, 16, 3],
                     "layers": [{"Conv2D": {"filters": 4, "kernel_size": 3}},
                                {"Conv2D": {"filters": 5, "kernel_size": 3}}]}).layers
    assert [row.output for row in keras] == [(14, 14, 4), (12, 12, 5)]
    # Another set of names given: a missing required argument is still refused.
    with pytest.raises(SpecError) as e:
        analyze({"input": [3, 8, 8], "layers": [{"conv2d": {"out": 4, "kernel": 3}},
                                                {"conv2d": {"kernel": 3}}]})
    assert e.value.code == "missing-argument"


def test_a_default_that_says_something_is_checked_for_every_use() -> None:
    said: list[int] = []

    def noted(raw: Any, ctx: Ctx, what: str) -> Any:
        ctx.note(what, "the default, stated")  # an explain line: every use must say it again
        said.append(raw)
        return raw

    params = (A.Param("out", A.POSITIVE), A.Param("extra", A.Kind("any", noted, {}), 7))
    for _ in range(3):
        ctx = Ctx("pytorch", "channels_first", {}, lambda name: name, [], 2)
        assert binding.coerce_all({"out": 4}, params, ctx, "thing") == {"out": 4, "extra": 7}
        assert [s.note for s in ctx.steps] == ["the default, stated"]
    assert said == [7, 7, 7]


def test_a_whole_number_given_is_checked_again_when_checking_it_said_something() -> None:
    checked: list[Any] = []

    def kind(raw: Any, ctx: Ctx, what: str) -> Any:
        checked.append(raw)
        if raw == 2:
            ctx.note(what, "two, stated")  # said something: every use must say it again
        return (raw, raw) if type(raw) is int else raw

    params = (A.Param("a", A.Kind("any", kind, {})), A.Param("b", A.POSITIVE, 1))
    for raw in (1, 1, 1, 2, 2, True, True, "3", "3"):  # the first use keeps the template
        ctx = Ctx("pytorch", "channels_first", {}, lambda name: name, [], 2)
        want = (raw, raw) if type(raw) is int else raw
        assert binding.coerce_all({"a": raw}, params, ctx, "thing") == {"a": want, "b": 1}
        assert [s.note for s in ctx.steps] == (["two, stated"] if raw == 2 else [])
    # 1: by the first use (no template yet) and the second (then kept); 2 each time (it said
    # something); True and "3" each time (not whole numbers)
    assert checked == [1, 1, 2, 2, True, True, "3", "3"]


def test_a_whole_number_is_checked_per_rank() -> None:
    one = analyze({"input": [3, 16], "layers": [{"conv1d": {"out": 4, "kernel": 3}},
                                                {"conv1d": {"out": 5, "kernel": 3}}]}).layers
    two = analyze({"input": [3, 16, 16], "layers": [{"conv2d": {"out": 4, "kernel": 3}},
                                                    {"conv2d": {"out": 5, "kernel": 3}}]}).layers
    assert [row.weights[0].shape for row in one] == [(4, 3, 3), (5, 4, 3)]
    assert [row.weights[0].shape for row in two] == [(4, 3, 3, 3), (5, 4, 3, 3)]


def test_template_values_keep_the_parameters_order() -> None:
    conv = analyze("3x8x8 | conv(4, 3, padding=1) | conv(5, 3, padding=1)").layers
    assert [row.output for row in conv] == [(4, 8, 8), (5, 8, 8)]
    params = (A.Param("a", A.POSITIVE, 1), A.Param("b", A.POSITIVE), A.Param("c", A.POSITIVE, 3))
    for given in ({"b": 2}, {"b": 5}):
        ctx = Ctx("pytorch", "channels_first", {}, lambda name: name, [], None)
        values = binding.coerce_all(given, params, ctx, "thing")
        assert list(values.items()) == [("a", 1), *given.items(), ("c", 3)]


def test_explain_is_complete_after_the_shortcuts_ran_for_the_type() -> None:
    spec = "3x32x32 | conv(8, 3) | bn | relu | conv(9, 3) | bn | relu | conv(8, 3, padding=1) | bn"
    rows = analyze(spec).layers
    for row in rows:
        alone = analyze(f"{'x'.join(map(str, row.input_shapes[0]))} | {row.label}").layers[0]
        assert explain_lines(row) == explain_lines(alone)
    assert any("H:" in line for line in explain_lines(rows[3]))
    assert any("by the rule" in line for line in explain_lines(rows[-1]))


# ---------------------------------------------------------------- measures


def test_measures_are_the_counts_of_the_weights() -> None:
    out = LayerOut((3, 4), (Weight("w", (3, 5)), Weight("mean", (3,), False), Weight("s", (2, 2), repeat=3)))
    assert _check_sizes(out) == (12, 30, 27)
    assert counts(out.weights) == (30, 27)
    assert _check_sizes(LayerOut((3, 4))) == (12, 0, 0)


def test_rows_count_weights_changed_after_the_layer_ran() -> None:
    frozen = analyze({"input": [3, 8, 8], "layers": [
        {"conv2d": [4, 3]}, {"conv2d": [4, 3], "trainable": False, "from": "input"}]}).layers
    assert [(row.params, row.trainable) for row in frozen] == [(112, 112), (112, 0)]
    shared = analyze({"input": [3, 8, 8], "layers": [{"conv2d": [3, 3, 1], "name": "a"},
                                                     {"conv2d": [3, 3, 1], "share": "a"}]}).layers
    assert [row.params for row in shared] == [84, 0]
    keras = analyze({"framework": "keras", "input": [8, 8, 3],
                     "layers": ["BatchNormalization", "BatchNormalization"]}).layers
    assert [(row.params, row.trainable) for row in keras] == [(12, 6), (12, 6)]
    symbolic = analyze("3 x H x W | conv(C, 3) | bn").layers
    assert str(symbolic[0].params) == "28*C" and str(symbolic[1].params) == "2*C"


# ---------------------------------------------------------------- records


def test_records_refuse_as_python_refuses_a_call() -> None:
    assert Weight("w", (3,)) == Weight("w", (3,), True, None, 1)
    assert LayerOut((3,), (), 0, None, None, 1).batch_axis == 1
    with pytest.raises(TypeError, match="missing the argument 'name'"):
        Weight()  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="missing the argument 'shape'"):
        Weight("w")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="takes 5 arguments, not 6"):
        Weight("w", (3,), True, None, 1, 2)  # type: ignore[call-arg]
    assert Weight("w", shape=(3,), repeat=2).size == 6


# ---------------------------------------------------------------- rows


def test_a_layer_after_several_outputs_must_name_one() -> None:
    with pytest.raises(SpecError) as e:
        analyze("3x8x8 | split(2, 1) | relu")
    assert e.value.code == "several-outputs"
    chain = analyze({"input": [3, 8, 8],
                     "layers": ["relu", {"relu": None, "from": 1}, {"relu": None, "from": 0}]})
    assert [row.sources for row in chain.layers] == [("input",), ("relu_1",), ("input",)]


def test_default_names_count_named_layers_too() -> None:
    rows = analyze("3x8x8 | conv(4, 3, name=a) | conv(4, 3) | relu | relu").layers
    assert [row.name for row in rows] == ["a", "conv2d_2", "relu_1", "relu_2"]


def test_labels_keep_the_parameters_order() -> None:
    row = analyze("3x32x32 | conv(8, 3, padding=1, stride=2, bias=false)").layers[0]
    assert row.label == "conv2d(8, 3, stride=2, padding=1, bias=false)"  # as written
    assert analyze("3x32x32 | conv(8, 3, dilation=2)").layers[0].label == "conv2d(8, 3, dilation=2)"


def test_every_layer_type_reads_its_own_declarations() -> None:
    from convcalc.layers.base import _ASKED
    from convcalc.layers.registry import load_all

    for layer in load_all().values():
        for name in _ASKED:  # copied onto the instance at registration: the class's own, unchanged
            assert getattr(layer, name) == getattr(type(layer), name), (layer.kind, name)
    # A framework class's call form is worked out once and kept on the instance.
    first = analyze("3x8x8 | Conv2d(3, 4, 3) | Conv2d(4, 5, kernel_size=3)").layers
    assert [row.output for row in first] == [(4, 6, 6), (5, 4, 4)]
    with pytest.raises(SpecError) as e:
        analyze("3x8x8 | Conv2d(3, 4, 3, foo=2)")
    assert e.value.code == "unknown-argument"
