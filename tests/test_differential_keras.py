"""convcalc equals Keras 3 (on the torch backend): random layer configurations built and called in Keras.

The default run checks a sample; ``-m slow`` checks the full set.  Figures
("Keras: N/N configurations agree") are printed in the terminal summary.
"""

from __future__ import annotations

import os
from functools import partial

import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
pytest.importorskip("keras")

import oracle
from oracle import Config, LayerCfg

_cfg = partial(oracle.refusal, "keras")


def test_sample_agrees() -> None:
    oracle.assert_generated_agree("keras")


@pytest.mark.slow
def test_full_agrees() -> None:
    oracle.assert_generated_agree("keras", full=True)


# Refusals Keras makes that convcalc must make too, at the same layer.
REFUSALS = [
    pytest.param(
        _cfg((5, 5, 3), LayerCfg("Conv2D", {"filters": 4, "kernel_size": 7})), id="kernel-larger-than-input"
    ),
    pytest.param(
        _cfg(
            (9, 9, 3), LayerCfg("Conv2D", {"filters": 4, "kernel_size": 3, "strides": 2, "dilation_rate": 2})
        ),
        id="strides-and-dilation",
    ),
    pytest.param(
        _cfg((9, 9, 6), LayerCfg("Conv2D", {"filters": 6, "kernel_size": 3, "groups": 4})),
        id="groups-not-dividing",
    ),
    pytest.param(
        _cfg((9, 9, 3), LayerCfg("Conv2D", {"filters": 6, "kernel_size": 3, "padding": "causal"})),
        id="causal-2d",
    ),
    pytest.param(_cfg((3, 3, 2), LayerCfg("MaxPooling2D", {"pool_size": 4})), id="pool-larger-than-input"),
    pytest.param(
        _cfg(
            (6, 6, 2),
            LayerCfg("Conv2D", {"filters": 2, "kernel_size": 3}),
            LayerCfg("Conv2D", {"filters": 2, "kernel_size": 5}),
        ),
        id="second-layer-too-small",
    ),
]


@pytest.mark.parametrize("cfg", REFUSALS)
def test_refused_by_both(cfg: Config) -> None:
    oracle.assert_refused_by_both(cfg)


def test_weights_include_non_trainable() -> None:
    """Keras's BatchNormalization has 2C trainable and 2C non-trainable weights; both sides say so."""
    cfg = _cfg((4, 4, 5), LayerCfg("BatchNormalization"))
    fw = oracle.run_framework(cfg)
    assert [t for _, _, t in fw.layers[0].weights] == [True, True, False, False]
    assert oracle.check(cfg).agree
