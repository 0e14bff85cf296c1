"""Issue 12, item 2: the valid values of every free name are exact.

A property test draws random specs with one or two free names, in input sizes
and hyperparameters (kernel, stride, dilation, padding, pool size, out
channels, groups), written with PyTorch's and with Keras's class names.  For
each name (the others bound to concrete values) the ``valid`` entry convcalc
gives must equal brute force over concrete runs for every value of the name's
range up to 128: a value is valid exactly when the concrete spec runs.  The
JSON's ``min`` and ``max`` must be the least and greatest valid values.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterator
from typing import Any

import pytest

import convcalc
from convcalc.errors import SpecError

pytest.importorskip("sympy")

TOP = 128  # brute force checks every value of a name up to here
NAMES = ("a", "b")


# ---------------------------------------------------------------- random specs


class Draw:
    """One random spec: its layers as text, with some slots left to names."""

    def __init__(self, rng: random.Random, framework: str) -> None:
        self.rng = rng
        self.framework = framework
        self.slots: list[tuple[str, str]] = []  # (name, kind): kind says its range
        self.n_names = rng.choice((1, 1, 2))

    def slot(self, concrete: Any, kind: str = "pos") -> str:
        """``concrete`` as text, or (sometimes) a free name in its place."""
        if len(self.slots) < self.n_names and self.rng.random() < 0.3:
            name = NAMES[len(self.slots)]
            self.slots.append((name, kind))
            return name
        return str(concrete)

    def spec(self) -> dict[str, Any]:
        rng = self.rng
        keras = self.framework == "keras"
        c = rng.choice((1, 3, 4, 8))
        h = self.slot(rng.choice((7, 12, 16, 32, 33)))
        w = self.slot(rng.choice((5, 9, 16, 31)))
        layers = []
        channels = str(c)
        for _ in range(rng.randint(1, 3)):
            kind = rng.choice(("conv", "conv", "maxpool", "avgpool", "tconv"))
            if kind == "conv":
                layer, channels = self.conv(channels, keras)
            elif kind == "tconv":
                layer, channels = self.tconv(channels, keras)
            else:
                layer = self.pool(kind, keras)
            layers.append(layer)
        while len(self.slots) < self.n_names:  # make sure every drawn spec has its names
            name = NAMES[len(self.slots)]
            self.slots.append((name, "pos"))
            layers.append(f"Conv2d({channels}, 4, {name})" if not keras else f"Conv2D(4, {name})")
            channels = "4"
        shape = [h, w, str(c)] if keras else [str(c), h, w]
        free: dict[str, Any] = {}
        for name, kind in self.slots:
            free[name] = {"min": 0} if kind == "nonneg" else None
        return {"framework": self.framework, "input": shape, "vars": free, "layers": layers}

    def conv(self, channels: str, keras: bool) -> tuple[str, str]:
        rng = self.rng
        groups = rng.choice([g for g in (1, 1, 1, 2, 4) if int(channels) % g == 0]) \
            if channels.isdigit() else 1
        out = self.slot(rng.choice((4, 8, 6)) * groups)
        k = self.slot(rng.choice((1, 2, 3, 5)))
        s = self.slot(rng.choice((1, 1, 2, 3)))
        d = self.slot(rng.choice((1, 1, 2))) if not keras or s == "1" else "1"
        g = self.slot(groups) if groups > 1 or rng.random() < 0.2 else "1"
        if keras:
            padding = rng.choice(("valid", "same"))
            if s != "1" and d != "1":  # Keras refuses both > 1: keep one concrete 1
                d = "1"
            text = f"Conv2D({out}, {k}, strides={s}, padding='{padding}', dilation_rate={d}, groups={g})"
        else:
            p = self.slot(rng.choice((0, 0, 1, 2)), "nonneg")
            text = f"Conv2d({channels}, {out}, {k}, stride={s}, padding={p}, dilation={d}, groups={g})"
        return text, out

    def tconv(self, channels: str, keras: bool) -> tuple[str, str]:
        """A transposed convolution (its output grows with the stride)."""
        rng = self.rng
        out = self.slot(rng.choice((2, 4)))
        k = self.slot(rng.choice((1, 2, 3)))
        s = self.slot(rng.choice((1, 2)))
        if keras:
            padding = rng.choice(("valid", "same"))
            return f"Conv2DTranspose({out}, {k}, strides={s}, padding='{padding}')", out
        p = self.slot(rng.choice((0, 1)), "nonneg")
        op = rng.choice((0, 0, 1))
        return (f"ConvTranspose2d({channels}, {out}, {k}, stride={s}, padding={p}, "
                f"output_padding={op})"), out

    def pool(self, kind: str, keras: bool) -> str:
        rng = self.rng
        k = self.slot(rng.choice((2, 2, 3)))
        s = self.slot(rng.choice((1, 2, 3))) if rng.random() < 0.5 else None
        if keras:
            cls = "MaxPooling2D" if kind == "maxpool" else "AveragePooling2D"
            padding = rng.choice(("valid", "same"))
            return f"{cls}({k}, strides={s or k}, padding='{padding}')"
        cls = "MaxPool2d" if kind == "maxpool" else "AvgPool2d"
        p = self.slot(rng.choice((0, 0, 1)), "nonneg")
        extra = ", ceil_mode=True" if rng.random() < 0.25 else ""
        if kind == "maxpool" and rng.random() < 0.25:
            extra += f", dilation={self.slot(2)}"
        return f"{cls}({k}, {s or k}, padding={p}{extra})"


def draws(seed: int, count: int) -> Iterator[tuple[str, dict[str, Any], list[tuple[str, str]]]]:
    rng = random.Random(seed)
    for i in range(count):
        framework = ("pytorch", "keras")[i % 2]
        d = Draw(rng, framework)
        yield framework, d.spec(), d.slots


# ---------------------------------------------------------------- the check


def runs(spec: dict[str, Any], **names: int) -> bool:
    try:
        convcalc.analyze(spec, **names)
    except SpecError:
        return False
    return True


def check_one(spec: dict[str, Any], slots: list[tuple[str, str]], rng: random.Random) -> str | None:
    """None when every name's ``valid`` equals brute force; else what differs."""
    for name, kind in slots:
        others: dict[str, int] = {}
        for other, okind in slots:
            if other != name:  # a small value (when it leaves nothing valid, both must say so)
                others[other] = rng.randint(0 if okind == "nonneg" else 1, 5)
        low = 0 if kind == "nonneg" else 1
        truth = [v for v in range(low, TOP + 1) if runs(spec, **{name: v, **others})]
        try:
            result = convcalc.analyze(spec, **others)
        except SpecError as e:
            if not truth:  # invalid for every value, and said so
                continue
            return f"{name} (others {others}): symbolic run failed: {e}; brute force valid: {truth[:10]}"
        valid = result.valid.get(name)
        if valid is None:
            left = [str(c.condition) for c in result.constraints]
            return f"{name} (others {others}): not reduced, conditions {left}; brute force {truth[:10]}"
        said = [v for v in range(low, TOP + 1) if v in valid]
        if said != truth:
            wrong = sorted(set(said) ^ set(truth))[:8]
            return (f"{name} (others {others}): valid says {valid.text or 'every value'} "
                    f"({dict(valid)}), brute force differs at {wrong}")
        entry = result.to_dict()["valid"][name]
        if truth and entry["min"] != truth[0]:
            return f"{name}: min {entry['min']}, brute force {truth[0]}"
        top = entry.get("max")
        if top is not None and (top != truth[-1] if top <= TOP else not runs(spec, **{name: top, **others})):
            return f"{name}: max {top}, brute force {truth[-1:]}"
        if "max" not in entry and truth and truth[-1] < TOP:
            return f"{name}: no max, but brute force finds none valid above {truth[-1]}"
    return None


def _run(seed: int, count: int, budget: float) -> tuple[int, list[str]]:
    rng = random.Random(seed + 1)
    start = time.monotonic()
    checked, failures = 0, []
    for framework, spec, slots in draws(seed, count):
        if time.monotonic() - start > budget:
            break
        problem = check_one(spec, slots, rng)
        checked += 1
        if problem:
            failures.append(f"{framework} {spec['input']} {' | '.join(spec['layers'])}: {problem}")
    return checked, failures


def test_valid_sets_fast_sample() -> None:
    checked, failures = _run(12, 16, 60.0)
    assert checked >= 8
    assert not failures, "\n".join(failures)


@pytest.mark.slow
def test_valid_sets_property() -> None:
    budget = float(os.environ.get("CONVCALC_VALID_BUDGET", "280"))
    checked, failures = _run(int(os.environ.get("CONVCALC_VALID_SEED", "2026")), 5000, budget)
    print(f"\nvalid sets: {checked - len(failures)}/{checked} specs agree with brute force "
          f"(values 0/1..{TOP} of each free name)")
    assert checked >= 100
    assert not failures, f"{len(failures)} of {checked}:\n" + "\n".join(failures[:20])


# ---------------------------------------------------------------- the numbers


def valid(spec: Any, **names: int) -> tuple[dict[str, Any], list[str]]:
    from convcalc.arith.symbolic import valid_text

    r = convcalc.analyze(spec, **names)
    return r.to_dict()["valid"], valid_text(r)


def test_free_kernel_is_bounded_by_the_input() -> None:
    got, text = valid("3x32x32 | conv(8, k)")
    assert got["k"]["min"] == 1 and got["k"]["max"] == 32
    assert text == ["Valid for 1 ≤ k ≤ 32"]
    got, text = valid("3x32x32 | conv(8, k) | conv(8, k)")
    assert got["k"]["max"] == 16 and text == ["Valid for 1 ≤ k ≤ 16"]


def test_unbounded_sets_have_no_max() -> None:
    got, _ = valid("3xHxW | conv(16, 3)")
    assert "max" not in got["H"] and got["H"]["min"] == 3


def test_free_pool_size_is_bounded() -> None:
    got, text = valid("3x32x32 | maxpool(k)")
    assert got["k"]["max"] == 32 and text == ["Valid for 1 ≤ k ≤ 32"]


def test_tautologies_are_dropped() -> None:
    r = convcalc.analyze("3x32x32 | conv(8, 3, s)")
    assert r.constraints == []
    _, text = valid("3x32x32 | conv(8, 3, s)")
    assert text == ["Valid for every s ≥ 1"]


def test_free_stride_and_groups() -> None:
    got, text = valid("3x32x32 | conv(8, 3, s) | conv(8, 3)")
    assert (got["s"]["min"], got["s"]["max"]) == (1, 14)
    got, text = valid("64x32x32 | conv(8, 3, groups=g)")
    assert got["g"]["first"] == [1, 2, 4, 8] and got["g"]["max"] == 8
    assert text == ["Valid for g ∈ {1, 2, 4, 8}"]


def test_a_padding_may_be_zero_when_its_range_says_so() -> None:
    spec = {"input": [3, 8, 8], "vars": {"p": {"min": 0}},
            "layers": [{"conv2d": {"out": 4, "kernel": 9, "padding": "p"}}]}
    got, _ = valid(spec)
    assert got["p"]["min"] == 1  # 8 + 2p ≥ 9
    spec["layers"] = [{"conv2d": {"out": 4, "kernel": 3, "padding": "p"}}]
    got, text = valid(spec)
    assert got["p"]["min"] == 0 and text == ["Valid for every p ≥ 0"]
    spec["vars"] = {"p": {"min": 0, "max": 5}}
    got, text = valid(spec)
    assert (got["p"]["min"], got["p"]["max"]) == (0, 5) and text == ["Valid for 0 ≤ p ≤ 5"]
    with pytest.raises(SpecError, match="outside its declared range"):
        convcalc.analyze(spec, p=6)
    assert convcalc.analyze(spec, p=0).output == (4, 6, 6)


def test_ranges_are_checked() -> None:
    for bad, words in (({"mn": 0}, "unknown key `mn`"), ({"min": "0"}, "whole number"),
                       ({"min": 3, "max": 2}, "more than max")):
        with pytest.raises(SpecError, match=words) as e:
            convcalc.analyze({"input": [3, 8, 8], "vars": {"p": bad}, "layers": ["flatten"]})
        assert e.value.code == "bad-range"
