"""Dropout rates: the range both frameworks accept, checked against them where installed."""

from __future__ import annotations

import os
from typing import Any

import pytest

import convcalc
from convcalc.errors import SpecError


def error(spec: Any, **kw: Any) -> SpecError:
    with pytest.raises(SpecError) as info:
        convcalc.analyze(spec, **kw)
    return info.value



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
