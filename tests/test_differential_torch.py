"""convcalc equals PyTorch: random layer configurations, built and run in PyTorch.

The default run checks a sample; ``-m slow`` checks the full set.  Figures
("PyTorch: N/N configurations agree") are printed in the terminal summary.
"""

from __future__ import annotations

from functools import partial

import pytest

pytest.importorskip("torch")

import oracle
from oracle import AUTO, Config, LayerCfg

_cfg = partial(oracle.refusal, "pytorch")


def test_sample_agrees() -> None:
    oracle.assert_generated_agree("pytorch")


@pytest.mark.slow
def test_full_agrees() -> None:
    oracle.assert_generated_agree("pytorch", full=True)


# Refusals PyTorch makes that convcalc must make too, at the same layer.
REFUSALS = [
    pytest.param(
        _cfg((3, 5, 5), LayerCfg("Conv2d", {"in_channels": 3, "out_channels": 4, "kernel_size": 7})),
        id="kernel-larger-than-input",
    ),
    pytest.param(
        _cfg(
            (6, 9, 9),
            LayerCfg("Conv2d", {"in_channels": 6, "out_channels": 4, "kernel_size": 3, "groups": 4}),
        ),
        id="groups-not-dividing-in",
    ),
    pytest.param(
        _cfg(
            (6, 9, 9),
            LayerCfg("Conv2d", {"in_channels": 6, "out_channels": 4, "kernel_size": 3, "groups": 3}),
        ),
        id="groups-not-dividing-out",
    ),
    pytest.param(
        _cfg(
            (3, 9, 9),
            LayerCfg(
                "Conv2d",
                {"in_channels": 3, "out_channels": 4, "kernel_size": 3, "stride": 2, "padding": "same"},
            ),
        ),
        id="same-with-stride",
    ),
    pytest.param(
        _cfg((3, 9, 9), LayerCfg("MaxPool2d", {"kernel_size": 3, "padding": 2})),
        id="pool-padding-over-half-kernel",
    ),
    pytest.param(
        _cfg((3, 9, 9), LayerCfg("Conv2d", {"in_channels": 4, "out_channels": 4, "kernel_size": 3})),
        id="in-channels-mismatch",
    ),
    pytest.param(_cfg((3, 9, 9), LayerCfg("BatchNorm1d", {"num_features": AUTO})), id="batchnorm-wrong-rank"),
    pytest.param(
        _cfg(
            (3, 4, 4),
            LayerCfg("Conv2d", {"in_channels": 3, "out_channels": 2, "kernel_size": 3}),
            LayerCfg("Conv2d", {"in_channels": 2, "out_channels": 2, "kernel_size": 3}),
        ),
        id="second-layer-too-small",
    ),
    pytest.param(_cfg((3, 3), LayerCfg("MaxPool1d", {"kernel_size": 2, "dilation": 3})), id="dilated-pool"),
    pytest.param(_cfg((7,), LayerCfg("Linear", {"in_features": 8, "out_features": 2})), id="in-features"),
]


@pytest.mark.parametrize("cfg", REFUSALS)
def test_refused_by_both(cfg: Config) -> None:
    oracle.assert_refused_by_both(cfg)


def test_oracle_sees_a_difference() -> None:
    """The comparison is not vacuous: a wrong shape, weight or refusal is a disagreement."""
    cfg = _cfg((3, 8, 8), LayerCfg("Conv2d", {"in_channels": 3, "out_channels": 4, "kernel_size": 3}))
    fw = oracle.run_framework(cfg)
    cc = oracle.run_convcalc(cfg)
    assert oracle.compare(fw, cc, cfg).agree
    wrong_shape = oracle.Obs([oracle.LayerObs((4, 7, 6), cc.layers[0].weights)])
    wrong_weight = oracle.Obs([oracle.LayerObs(cc.layers[0].output, (("weight", (4, 3, 3, 3), True),))])
    refused = oracle.Obs([], refused="no", refused_at=1)
    for other in (wrong_shape, wrong_weight, refused):
        assert not oracle.compare(fw, other, cfg).agree
