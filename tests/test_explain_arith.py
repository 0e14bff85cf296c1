"""Every worked explain line ``label: expression = value`` is parsed by convcalc's own expression
parser (arith/expr.py, ⌊a / b⌋ read as a // b and ⌈a / b⌉ as ceildiv(a, b), so the ``/`` inside
is exact) and evaluates to the value it shows: over every example and a sample of specs."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

import convcalc
from convcalc.arith import expr
from convcalc.errors import SpecError
from convcalc.render.explain import explain_lines

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("*.yaml"))


def _close(text: str, i: int, close: str) -> int:
    depth = 0
    for j in range(i, len(text)):
        if text[j] in "⌊⌈(":
            depth += 1
        elif text[j] in "⌋⌉)":
            depth -= 1
            if depth == 0:
                assert text[j] == close or close == ")", text
                return j
    raise AssertionError(f"unbalanced {text!r}")


def _split_fraction(inner: str) -> tuple[str, str]:
    depth = 0
    for j, ch in enumerate(inner):
        depth += (ch in "⌊⌈(") - (ch in "⌋⌉)")
        if depth == 0 and ch == "/":  # ``a / b`` in a formula, ``(T − 1)/2`` in a symbolic size
            return inner[:j], inner[j + 1:]
    raise AssertionError(f"no fraction in {inner!r}")


def to_parser(text: str) -> str:
    """The pretty explain syntax in the parser's: ⌊a / b⌋ → ((a) // (b)), ⌈a / b⌉ → ceildiv(a, b)."""
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch in "⌊⌈":
            j = _close(text, i, "⌋" if ch == "⌊" else "⌉")
            a, b = _split_fraction(text[i + 1:j])
            a, b = to_parser(a), to_parser(b)
            out.append(f"(({a}) // ({b}))" if ch == "⌊" else f"ceildiv({a}, {b})")
            i = j + 1
            continue
        out.append({"·": "*", "×": "*", "−": "-", "^": "**"}.get(ch, ch))
        i += 1
    return "".join(out)


def _number(text: str) -> int | None:
    t = text.replace(",", "").strip()
    return int(t) if t.lstrip("-").isdigit() else None


AXES = {"H", "W", "D", "L", "T"}


def _table_agreement(layer: convcalc.LayerResult, lines: list[str]) -> list[str]:
    """The lines that arrive at a number the table does not show: a params total that is not the
    Params cell, a MACs line that is not the MACs, an axis size that is not in the output shape."""
    wrong = []
    last: dict[str, int] = {}
    for line in lines:
        label, _, body = line.partition(": ")
        value = _number(body.rsplit(" = ", 1)[-1]) if " = " in body else None
        if label in AXES and value is not None:
            last[label] = value
        if label == "MACs" and value is not None and value != layer.macs:
            wrong.append(f"{layer.name}: {line} (MACs {layer.macs})")
    sums = [ln for ln in lines if ln.startswith(("params:", "trainable:", "non-trainable:"))]
    if sums and not layer.is_block:
        total = sum(_number(ln.rsplit("total ", 1)[1] if "total " in ln else ln.rsplit(" ", 1)[1]) or 0
                    for ln in sums)
        if total != layer.params:
            wrong.append(f"{layer.name}: params lines sum to {total}, the table says {layer.params}")
    for axis, value in last.items():
        if value not in layer.output:
            wrong.append(f"{layer.name}: {axis} = {value} is not in the output {layer.output}")
    return wrong


def _equations(line: str) -> list[tuple[list[str], str]]:
    """The ``expression = … = value`` chains of an explain line (a params line: one per weight,
    the weight's name left out), as texts; none for a rule line or prose."""
    if line.startswith("rule:") or ": " not in line:
        return []
    body = line.split(": ", 1)[1]
    params = line.startswith(("params", "trainable", "non-trainable"))
    out = []
    for term in body.split(", ") if params else [body]:
        *exprs, value = term.split(" = ")
        if not exprs:
            continue
        first = exprs[0].split(" ", 1)
        if params and len(first) == 2 and _number(first[0]) is None:
            exprs[0] = first[1]  # ``weight 32·1·5·5``: the weight's name first
        out.append((exprs, value))
    return out


def checked_lines(result: convcalc.Result) -> tuple[int, list[str]]:
    """(how many lines were evaluated, the lines whose arithmetic is wrong or disagrees with the table)."""
    n, wrong = 0, []
    for layer in result.table_rows():
        lines = explain_lines(layer)
        if all(isinstance(v, int) for v in (layer.params, layer.macs, *layer.output)):
            wrong += _table_agreement(layer, lines)
        for line in lines:
            for exprs, shown in _equations(line):
                value = _number(shown)
                if value is None:
                    continue  # a size with free names: see the sample points below
                for e in exprs:
                    try:
                        node = expr.parse(to_parser(e), functions=True)
                    except SpecError:
                        continue  # prose ("last window starts at …"), not an expression
                    got = expr.evaluate(node, {})
                    if isinstance(got, bool):
                        continue  # a comparison (``106 < 109``): a step of the argument, not an equation
                    n += 1
                    if got != value:
                        wrong.append(f"{layer.name}: {line}")
    return n, wrong


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_explains_its_arithmetic(path: Path) -> None:
    n, wrong = checked_lines(convcalc.analyze(str(path)))
    assert not wrong, wrong
    assert n > 0


def _sample(rng: random.Random) -> str:
    c, h, w = rng.randint(1, 8), rng.randint(8, 40), rng.randint(8, 40)
    k, s, p, d = rng.randint(1, 5), rng.randint(1, 3), rng.randint(0, 2), rng.randint(1, 2)
    pool = rng.choice(["maxpool(2)", "maxpool(3, 2, 1, ceil_mode=true)", "avgpool(2, ceil_mode=true)",
                       "upsample(scale=2)", "zeropad2d([[1, 2], [0, 1]])"])
    return (f"{c}x{h}x{w} | conv({rng.randint(1, 16)}, {k}, {s}, {p}, {d}) | {pool} | "
            f"conv({rng.randint(1, 8)}, 3, padding=same) | flatten | dense({rng.randint(1, 20)})")


@pytest.mark.parametrize("seed", range(40))
def test_sampled_specs_explain_their_arithmetic(seed: int) -> None:
    rng = random.Random(seed)
    try:
        result = convcalc.analyze(_sample(rng))
    except SpecError:
        pytest.skip("an invalid sample (a kernel larger than its input)")
    n, wrong = checked_lines(result)
    assert not wrong, wrong
    assert n >= 6


def _generated() -> list[tuple[str, object]]:
    import oracle
    import oracle_gen

    return [(f"{fw}-{i}", oracle.spec_dict(cfg)) for fw in ("pytorch", "keras")
            for i, cfg in enumerate(oracle_gen.generate(fw, 80, seed=2121))]


@pytest.mark.parametrize(("name", "spec"), _generated(), ids=[n for n, _ in _generated()])
def test_generated_configurations_explain_their_arithmetic(name: str, spec: object) -> None:
    """The differential harness's configurations (every layer family, both frameworks)."""
    try:
        result = convcalc.analyze(spec)
    except SpecError:
        pytest.skip("refused on purpose (the generators make invalid layers too)")
    _, wrong = checked_lines(result)
    assert not wrong, wrong


def test_the_parser_is_really_used() -> None:
    """A wrong sum is caught: the check is not a formality."""
    assert expr.evaluate(expr.parse(to_parser("⌊(28 + 2 + 2 − 1·(5 − 1) − 1) / 2⌋ + 1"), functions=True),
                         {}) == 14
    assert expr.evaluate(expr.parse(to_parser("⌈7 / 2⌉"), functions=True), {}) == 4
    assert expr.evaluate(expr.parse(to_parser("32·12·12"), functions=True), {}) != 4609


def test_a_wrong_line_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """Were a formula printed with another value than it computed, the check would say so."""
    from convcalc.arith import formulas

    text = formulas.Step.text

    def off_by_one(self: formulas.Step, fmt: object = None) -> str:  # type: ignore[assignment]
        line = text(self, fmt) if fmt is not None else text(self)
        return line if self.formula is None else line.rsplit(" = ", 1)[0] + f" = {self.value + 1}"

    monkeypatch.setattr(formulas.Step, "text", off_by_one)
    _, wrong = checked_lines(convcalc.analyze("1x28x28 | conv(32, 5) | maxpool(2) | flatten | dense(10)"))
    assert len(wrong) >= 5, wrong  # H and W twice, the flatten product, and the table disagrees too


SYMBOLIC = [
    "2*CxTx80 | conv(8, 3, 2) | maxpool(2, ceil_mode=true) | flatten | reshape([-1, 2]) | dense(4)",
    "3xHxW | conv(16, 5, 2, 2) | conv(8, 3, padding=same) | avgpool(2) | flatten | dense(10)",
    "TxE | lstm(H) | dense(3)",
]
POINTS = [{"C": 3, "T": 50, "H": 37, "W": 41, "E": 12}, {"C": 5, "T": 97, "H": 64, "W": 29, "E": 7}]


def _at(text: str, point: dict[str, int]) -> int | None:
    try:
        node = expr.parse(to_parser(text), functions=True)
    except SpecError:
        return None  # prose
    value = expr.evaluate(node, point)
    return None if isinstance(value, bool) else value  # a comparison is a step of the argument


@pytest.mark.parametrize("spec", SYMBOLIC)
@pytest.mark.parametrize("point", POINTS, ids=lambda p: "-".join(f"{k}{v}" for k, v in p.items()))
def test_symbolic_lines_hold_at_sample_points(spec: str, point: dict[str, int]) -> None:
    """A line with free names holds once they are given values, and gives what the same spec
    computes with those values bound."""
    symbolic = convcalc.analyze(spec)
    bound = convcalc.analyze(spec, defines={k: v for k, v in point.items() if k in spec})
    checked = 0
    for sym, num_layer in zip(symbolic.table_rows(), bound.table_rows(), strict=True):
        numeric: dict[str, list[int]] = {}
        for line in explain_lines(num_layer):
            label, _, body = line.partition(": ")
            if " = " in body and _number(body.rsplit(" = ", 1)[1]) is not None:
                numeric.setdefault(label, []).append(_number(body.rsplit(" = ", 1)[1]))
        for line in explain_lines(sym):
            label, _, body = line.partition(": ")
            for exprs, value in _equations(line):
                v = _at(value, point)
                if v is None:
                    continue
                for e in exprs:
                    got = _at(e, point)
                    if got is not None:
                        assert got == v, (line, point)
                        checked += 1
                if label in AXES or label.startswith("axes"):
                    assert v in numeric.get(label, []), (line, point, numeric)
    assert checked >= 4
