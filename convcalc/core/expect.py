"""``expect:`` blocks (SPEC §8): what a spec promises about itself.

Each check compares an expected value with the computed one and records a
:class:`Failure`; a spec whose expectations fail exits with status 1.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from .._record import NamedTuple, field, record
from ..arith import expr, num
from ..errors import Loc, SpecError, did_you_mean
from ..spec.model import Spec, split_axes
from .result import LayerResult, jsonable, shape_json
from .types import Shape

KEYS = ("output", "params", "params_max", "trainable", "non_trainable", "macs", "macs_max", "layers")
LAYER_KEYS = ("output", "params", "trainable", "non_trainable", "macs")
_SUFFIX = r"(?i)^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)\s*$"  # compiled when an expect: needs it
_MAX_DIGITS = 3_000  # as the YAML and inline readers: beyond, a number is refused
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
    key: str = ""  # the key that failed, dotted: ``expect.params``, ``expect.layers.conv1.output``
    loc: Loc | None = None  # where that key is written

    def to_dict(self) -> dict[str, Any]:
        d = {"what": self.what, "relation": self.relation, "expected": self.expected, "actual": self.actual}
        if self.key:  # where: the key that failed and its place in the file (SPEC §13)
            d.update(key=self.key, line=self.loc.line if self.loc else None,
                     column=self.loc.column if self.loc else None)
        return d

    def report(self, source: str) -> str:
        """Compiler style, at the key: ``net.yaml:8:3: expect.params: expected 185,163, got 185,162``."""
        where = str(self.loc) if self.loc is not None else source
        return f"{where}: {self.key or 'expect.' + self.what}: expected {self.expected_text()}, " \
               f"got {self.actual_text()}"

    def expected_text(self) -> str:
        if self.relation == "<=":
            return "≤ " + _text(self.expected)
        return _text(self.expected)

    def actual_text(self) -> str:
        return _text(self.actual)

    def __str__(self) -> str:
        return f"{self.what}: expected {self.expected_text()}, got {self.actual_text()}"


@record()
class Outcome:
    """All checks of one spec; ``checked`` counts them so a report can say "2 of 5"."""

    failures: list[Failure] = field(default_factory=list)
    checked: int = 0
    passed: list[Failure] = field(default_factory=list)  # the checks that hold (the HTML report lists them)

    @property
    def ok(self) -> bool:
        return not self.failures

    def record(self, holds: bool, failure: Failure) -> None:
        self.checked += 1
        (self.passed if holds else self.failures).append(failure)

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
        m = re.match(_SUFFIX, raw.replace(",", "").replace("_", ""))
        if m and m.group(1).isascii():
            digits = m.group(1)
            if len(digits) > _MAX_DIGITS:
                raise SpecError(f"expect.{what}: a number of {len(digits):,} digits is too large",
                                code="too-large")
            whole, _, frac = digits.partition(".")  # exact: a float would overflow or round
            scaled = int(whole + frac) * _SCALE[m.group(2).upper()]
            return (2 * scaled + 10 ** len(frac)) // (2 * 10 ** len(frac)) if frac else scaled
    shown = repr(raw) if not isinstance(raw, str) or len(raw) <= 40 else repr(raw[:37] + "...")
    raise SpecError(f"expect.{what} must be a count such as 217706 or 25M, not {shown}", code="expect-type")


def check(spec: Spec, outputs: Mapping[str, Shape], layers: Sequence[LayerResult],
          rows: Sequence[LayerResult] | None = None, env: Mapping[str, Any] | None = None) -> Outcome:
    """Compare ``spec.expect`` with what the layers computed (``rows``: with block rows, if any;
    ``env``: the spec's names, for expected sizes written as expressions).

    Called before the :class:`~convcalc.core.result.Result` is built, which holds the outcome.
    """
    out = Outcome()
    _Checker(spec, outputs, layers, layers if rows is None else rows, env or {}, out).run(spec.expect or {})
    return out


class _Checker:
    """One spec's expectations; an error names the key it is about (``expect.layers.conv9``)."""

    def __init__(self, spec: Spec, outputs: Mapping[str, Shape], layers: Sequence[LayerResult],
                 rows: Sequence[LayerResult], env: Mapping[str, Any], out: Outcome) -> None:
        self.spec = spec
        self.env = env
        self.outputs = outputs
        self.rows = rows
        self.out = out
        params = num.total([layer.params for layer in layers])
        trainable = num.total([layer.trainable for layer in layers])
        self.totals = {  # as Result's total_params, trainable_params, ... compute them
            "params": params,
            "trainable": trainable,
            "non_trainable": params - trainable,
            "macs": num.total([layer.macs for layer in layers]),
        }

    def loc(self, path: str) -> Loc | None:
        """Where the key ``path`` (dotted) is written, else where ``expect:`` is."""
        loc = self.spec.expect_locs.get(path)
        return loc if loc is not None and loc.line else self.spec.expect_loc

    def error(self, path: str, message: str, code: str) -> SpecError:
        """``message`` located at the key ``path`` (dotted), else at ``expect:``."""
        return SpecError(message, loc=self.loc(path), code=code)

    def failure(self, path: str, what: str, expected: Any, actual: Any, relation: str = "==") -> Failure:
        return Failure(what, expected, actual, relation, f"expect.{path}", self.loc(path))

    def run(self, exp: Mapping[str, Any]) -> None:
        outputs, out = self.outputs, self.out
        for key in exp:
            if key not in KEYS:
                raise self.error(str(key), f"expect: unknown key `{key}`" + did_you_mean(str(key), KEYS),
                                 code="unknown-key")
        if "output" in exp:
            want = exp["output"]
            if isinstance(want, Mapping):
                for name, shape in want.items():
                    if name not in outputs:
                        raise self.error(f"output.{name}", f"expect.output: no output named '{name}'"
                                         + did_you_mean(str(name), outputs), code="bad-reference")
                    self.shape(f"output {name}", shape, outputs[name], f"output.{name}")
            else:
                if len(outputs) > 1:
                    raise self.error("output", "expect.output: the network has several outputs; "
                                     "give them as {name: shape}", code="expect-type")
                self.shape("output", want, next(iter(outputs.values())), "output")
        for key, actual in self.totals.items():
            if key in exp:
                want_count = self.count(exp[key], key)
                out.record(_equal(want_count, actual), self.failure(key, key, want_count, jsonable(actual)))
            budget = f"{key}_max"
            if budget in exp:
                limit = self.count(exp[budget], budget)
                within = num.is_int(actual) and actual <= limit
                out.record(within, self.failure(budget, budget, limit, jsonable(actual), "<="))
        self.layers(exp.get("layers") or {})

    def layers(self, layers: Any) -> None:
        if not isinstance(layers, Mapping):
            raise self.error("layers", "expect.layers must map layer names to {output: ..., params: ...}",
                             code="expect-type")
        names = {layer.name: layer for layer in self.rows}  # block rows too
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
                self.layer_output(layer, want["output"], f"{path}.output")
            for key in LAYER_KEYS[1:]:
                if key in want:
                    want_count = self.count(want[key], f"{path}.{key}")
                    actual = getattr(layer, key)
                    self.out.record(_equal(want_count, actual), self.failure(
                        f"{path}.{key}", f"{name} {key}", want_count, jsonable(actual)))

    def layer_output(self, layer: Any, raw: Any, path: str) -> None:
        """A layer's output; for a layer with several outputs, all of them: ``{s.0: [..], s.1: [..]}``
        or a list of shapes, in order."""
        if layer.parts is None:
            self.shape(f"{layer.name} output", raw, layer.output, path)
            return
        outputs = layer.outputs
        if isinstance(raw, Mapping):
            for key, shape in raw.items():
                if key not in outputs:
                    raise self.error(f"{path}.{key}", f"expect.{path}: '{layer.name}' has no output '{key}' "
                                     f"(it has {', '.join(outputs)})")
                self.shape(f"{key} output", shape, outputs[key], f"{path}.{key}")
            return
        if not isinstance(raw, list) or len(raw) != len(outputs) or not all(isinstance(r, list) for r in raw):
            raise self.error(path, f"expect.{path}: '{layer.name}' has {len(outputs)} outputs; give them as "
                             f"{{{layer.name}.0: shape, ...}} or a list of {len(outputs)} shapes")
        for (key, actual), shape in zip(outputs.items(), raw, strict=True):
            self.shape(f"{key} output", shape, actual, path)

    def count(self, raw: Any, path: str) -> int:
        try:
            return count(raw, path)
        except SpecError as e:
            raise e.with_location(self.loc(path)) from None

    def shape(self, what: str, raw: Any, actual: tuple[Any, ...], path: str) -> None:
        """An expected shape in any form ``input:`` takes: ``[8, 30, 30]``, ``8x30x30``, ``8×30×30``."""
        want = split_axes(raw)
        if isinstance(want, int | str) and not isinstance(want, bool):
            want = [want]
        if not isinstance(want, list | tuple) or not want:
            raise self.error(path, f"expect.{path} must be a shape such as [10] or 8x30x30, not {raw!r}",
                             code="expect-type")
        sizes = [self.size(x, path) for x in want]
        self.out.record(_same_shape(sizes, actual),
                        self.failure(path, what, [_shown(v) for v in sizes], shape_json(actual)))

    def size(self, raw: Any, path: str) -> Any:
        """One expected size: a number, or an expression in the spec's names (``2*C``, ``H - 2``)."""
        if isinstance(raw, bool) or not isinstance(raw, int | str):
            raise self.error(path, f"expect.{path}: a size must be a whole number or an expression, "
                             f"not {raw!r}", code="expect-type")
        if isinstance(raw, int):
            return raw
        text = raw.strip()
        if text.isascii() and text.isdigit():
            return int(text)
        try:
            return expr.evaluate(expr.parse(text), self.env, num.symbol)
        except SpecError:  # a form the spec language does not write (`floor(T/4)`): compared as text
            return text


def _shown(v: Any) -> Any:
    return v if isinstance(v, str) else jsonable(v)


def _same_shape(expected: list[Any], actual: tuple[Any, ...]) -> bool:
    if len(expected) != len(actual):
        return False
    for e, a in zip(expected, actual, strict=True):
        if num.is_int(e) and num.is_int(a):
            if e != a:
                return False
        elif ((isinstance(e, str) or num.resolve(num.eq(e, a)) is not True)
              and str(_shown(e)) != str(jsonable(a))):
            return False
    return True


def _equal(expected: int, actual: Any) -> bool:
    return num.is_int(actual) and expected == actual
