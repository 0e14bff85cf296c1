"""The engine's per-layer shortcuts (issue 20) give the answers the general way gives.

Each shortcut skips work when its answer is known: the size check when the output's element
count fits, the groups check for one group, the checked defaults kept per layer type, framework
and rank, the batch-axis rules when no layer puts the batch axis second.  These tests take the
cases next to each shortcut's edge, where the general way must still run.
"""

from __future__ import annotations

import pytest

from convcalc.api import analyze
from convcalc.core.types import LayerOut, Weight
from convcalc.engine.run_layer import _check_sizes, elements
from convcalc.errors import SpecError

HUGE = 2**20_000  # more bits than convcalc works with (num.MAX_BITS)


@pytest.mark.parametrize(("out", "what"), [
    (LayerOut((3, HUGE)), "the output size"),  # the count does not fit: each size is asked, in order
    (LayerOut((0, HUGE)), "the output size"),  # a 0 makes the count fit, but not the size beside it
    (LayerOut((3, 4), macs=HUGE), "the number of multiply-accumulates"),
    (LayerOut((3, 4), (Weight("weight", (HUGE,)),)), "the weight weight"),
    (LayerOut((3,), parts=((3,), (0, HUGE))), "the output size"),  # several outputs: every part asked
])
def test_a_number_too_large_is_refused_as_before(out: LayerOut, what: str) -> None:
    with pytest.raises(SpecError) as e:
        _check_sizes(out)
    assert e.value.code == "too-large"
    assert e.value.message.startswith(what + " is too large")


def test_sizes_that_fit_pass_and_the_count_is_the_product() -> None:
    out = LayerOut((3, 2**100, 5), (Weight("weight", (7, 2**50)),), macs=2**200)
    _check_sizes(out)
    assert elements(out) == 15 * 2**100
    assert elements(LayerOut((2,), parts=((2,), (3, 4)))) == 14


def test_groups_other_than_one_are_still_checked() -> None:
    with pytest.raises(SpecError) as e:
        analyze("3x32x32 | conv(9, 3, groups=2)")
    assert e.value.code == "not-divisible"
    assert analyze("4x32x32 | conv(8, 3, groups=2)").layers[0].params == 8 * 2 * 9 + 8


def test_defaults_are_checked_for_each_rank_and_framework() -> None:
    # The same layer type with its defaults at ranks 1, 2 and 3, and in both frameworks, in one process:
    # each takes its own checked defaults (stride and dilation per axis, PyTorch's 0 or Keras's 'valid').
    for shape, axes in (("3x32", 1), ("3x32x32", 2), ("3x8x8x8", 3), ("3x32", 1)):
        row = analyze(f"{shape} | conv(8, 3)").layers[0]
        assert row.windows is not None and len(row.windows) == axes
        assert all(w.stride == 1 and w.kernel == 3 for w in row.windows)
        assert row.output == (8, *(int(n) - 2 for n in shape.split("x")[1:]))
    keras = analyze("32x32x3 | Conv2D(8, 3)", framework="keras").layers[0]
    assert keras.output == (30, 30, 8)
    assert [w.name for w in keras.weights] == ["kernel", "bias"]


@pytest.mark.parametrize(("spec", "names"), [
    ("8x4x4 | batchnorm2d", ["weight", "bias"]),
    ("8x4x4 | batchnorm2d(affine=false)", []),
    ("8x4x4 | batchnorm2d(bias=false)", ["weight"]),
])
def test_a_norms_weights_are_named_as_before(spec: str, names: list[str]) -> None:
    assert [w.name for w in analyze(spec).layers[0].weights] == names


def test_keras_norm_without_scale_or_center() -> None:
    for given, names in (("scale=false", ["beta"]), ("center=false", ["gamma"]),
                         ("scale=false, center=false", [])):
        row = analyze(f"4x4x8 | BatchNormalization({given})", framework="keras").layers[0]
        assert [w.name for w in row.weights] == [*names, "moving_mean", "moving_variance"]


def test_batch_axis_rows_stay_first_unless_a_module_puts_it_second() -> None:
    assert {row.batch_axis for row in analyze("3x32x32 | conv(8, 3) | relu | flatten").layers} == {0}
    rows = analyze("10x512 | TransformerEncoderLayer(512, 8)").layers
    assert 1 in {row.batch_axis for row in rows}
