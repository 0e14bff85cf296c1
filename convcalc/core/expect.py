"""``expect:`` blocks (SPEC §8): what a spec promises about itself.

Each check compares an expected value with the computed one and records a
:class:`Failure`; a spec whose expectations fail exits with status 1.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ..arith import num
from ..errors import Loc, SpecError, did_you_mean
from ..spec.model import Spec, split_axes
from .result import Result, jsonable, shape_json

KEYS = ("output", "params", "params_max", "trainable", "non_trainable", "macs", "macs_max", "layers")
LAYER_KEYS = ("output", "params", "trainable", "non_trainable", "macs")
_SUFFIX = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)\s*$", re.I)
_SCALE = {"": 1, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}


class Failure(NamedTuple):
    """One expectation that does not hold: what was checked, the promise, the computed value.

    ``relation`` is ``"=="`` for exact values and ``"<="`` for budgets, so a
    budget's expected value stays a number in the JSON.
    """

    what: str
    expected: Any
    actual: Any
    relation: str = "=="

    def to_dict(self) -> dict[str, Any]:
        return {"what": self.what, "relation": self.relation, "expected": self.expected,
                "actual": self.actual}

    def expected_text(self) -> str:
        if self.relation == "<=":
            return "≤ " + _text(self.expected)
        return _text(self.expected)

    def actual_text(self) -> str:
        return _text(self.actual)

    def __str__(self) -> str:
        return f"{self.what}: expected {self.expected_text()}, got {self.actual_text()}"


@dataclass(slots=True)
class Outcome:
    """All checks of one spec; ``checked`` counts them so a report can say "2 of 5"."""

    failures: list[Failure] = field(default_factory=list)
    checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.failures

    def record(self, holds: bool, failure: Failure) -> None:
        self.checked += 1
        if not holds:
            self.failures.append(failure)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "failures": [f.to_dict() for f in self.failures]}


def _text(v: Any) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(map(str, v)) + "]"
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}"
    return str(v)


def count(raw: Any, what: str) -> int:
    """``217706``, ``25M``, ``1.5K`` -> an int (budgets and exact counts)."""
    if isinstance(raw, bool):
        raise SpecError(f"expect.{what} must be a number, not {raw}", code="expect-type")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if isinstance(raw, str):
        m = _SUFFIX.match(raw.replace(",", "").replace("_", ""))
        if m:
            if "." in m.group(1):
                return round(float(m.group(1)) * _SCALE[m.group(2).upper()])
            return int(m.group(1)) * _SCALE[m.group(2).upper()]
    raise SpecError(f"expect.{what} must be a count such as 217706 or 25M, not {raw!r}", code="expect-type")


def check(spec: Spec, result: Result) -> Outcome:
    """Compare ``spec.expect`` with ``result``."""
    out = Outcome()
    _Checker(spec, result, out).run(spec.expect or {})
    return out


class _Checker:
    """One spec's expectations; an error names the key it is about (``expect.layers.conv9``)."""

    def __init__(self, spec: Spec, result: Result, out: Outcome) -> None:
        self.spec = spec
        self.result = result
        self.out = out

    def where(self, path: str) -> Loc | None:
        """Where the key ``path`` (dotted) is written, else ``expect:``."""
        loc = self.spec.expect_locs.get(path)
        return loc if loc is not None and loc.line else self.spec.expect_loc

    def error(self, path: str, message: str, code: str) -> SpecError:
        """``message`` located at the key ``path``."""
        return SpecError(message, loc=self.where(path), code=code)

    def run(self, exp: Mapping[str, Any]) -> None:
        result, out = self.result, self.out
        for key in exp:
            if key not in KEYS:
                raise self.error(str(key), f"expect: unknown key `{key}`" + did_you_mean(str(key), KEYS),
                                 code="unknown-key")
        if "output" in exp:
            want = exp["output"]
            if isinstance(want, Mapping):
                for name, shape in want.items():
                    if name not in result.outputs:
                        raise self.error(f"output.{name}", f"expect.output: no output named '{name}'"
                                         + did_you_mean(str(name), result.outputs), code="bad-reference")
                    self.shape(f"output {name}", shape, result.outputs[name], f"output.{name}")
            else:
                if len(result.outputs) > 1:
                    raise self.error("output", "expect.output: the network has several outputs; "
                                     "give them as {name: shape}", code="expect-type")
                self.shape("output", want, next(iter(result.outputs.values())), "output")
        totals = {
            "params": result.total_params,
            "trainable": result.trainable_params,
            "non_trainable": result.non_trainable_params,
            "macs": result.total_macs,
        }
        for key, actual in totals.items():
            if key in exp:
                want_count = self.count(exp[key], key)
                out.record(_equal(want_count, actual), Failure(key, want_count, jsonable(actual)))
            budget = f"{key}_max"
            if budget in exp:
                limit = self.count(exp[budget], budget)
                within = num.is_int(actual) and actual <= limit
                out.record(within, Failure(budget, limit, jsonable(actual), "<="))
        self.layers(exp.get("layers") or {})

    def layers(self, layers: Any) -> None:
        if not isinstance(layers, Mapping):
            raise self.error("layers", "expect.layers must map layer names to {output: ..., params: ...}",
                             code="expect-type")
        names = {layer.name: layer for layer in self.result.table_rows()}  # block rows too
        for name, want in layers.items():
            path = f"layers.{name}"
            if name not in names:
                raise self.error(path, f"expect.layers: no layer named '{name}'"
                                 + did_you_mean(str(name), names), code="bad-reference")
            if not isinstance(want, Mapping):
                raise self.error(path, f"expect.{path} must be a mapping such as {{params: 832}}",
                                 code="expect-type")
            layer = names[name]
            for key in want:
                if key not in LAYER_KEYS:
                    raise self.error(f"{path}.{key}", f"expect.{path}: unknown key `{key}`"
                                     + did_you_mean(str(key), LAYER_KEYS), code="unknown-key")
            if "output" in want:
                self.shape(f"{name} output", want["output"], layer.output, f"{path}.output")
            for key in LAYER_KEYS[1:]:
                if key in want:
                    want_count = self.count(want[key], f"{path}.{key}")
                    actual = getattr(layer, key)
                    self.out.record(_equal(want_count, actual),
                                    Failure(f"{name} {key}", want_count, jsonable(actual)))

    def count(self, raw: Any, path: str) -> int:
        try:
            return count(raw, path)
        except SpecError as e:
            raise e.with_location(self.where(path)) from None

    def shape(self, what: str, raw: Any, actual: tuple[Any, ...], path: str) -> None:

        want = split_axes(raw)
        if isinstance(want, int | str) and not isinstance(want, bool):
            want = [want]
        if not isinstance(want, list):
            raise self.error(path, f"expect.{path} must be a shape such as [10], not {raw!r}",
                             code="expect-type")
        want = [int(x) if isinstance(x, str) and x.isdigit() else x for x in want]
        self.out.record(_same_shape(want, actual), Failure(what, want, shape_json(actual)))


def _same_shape(expected: list[Any], actual: tuple[Any, ...]) -> bool:
    got = shape_json(actual)
    return [str(e) for e in expected] == [str(a) for a in got]


def _equal(expected: int, actual: Any) -> bool:
    return num.is_int(actual) and expected == actual
