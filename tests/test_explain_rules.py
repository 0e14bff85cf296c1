"""The rules --explain prints: written once in the Formula objects, every symbol named, one name
for one thing across all formulas, and the params line in its teaching form."""

from __future__ import annotations

import importlib
import json
import pkgutil
from collections import defaultdict

from _cli import run

import convcalc
import convcalc.layers
from convcalc.arith import formulas as F
from convcalc.arith.formulas import Formula
from convcalc.render.explain import explain_lines


def _all_formulas() -> list[Formula]:
    modules = [F] + [importlib.import_module(f"convcalc.layers.{m.name}")
                     for m in pkgutil.iter_modules(convcalc.layers.__path__)]
    found: dict[str, Formula] = {}
    for module in modules:
        for value in vars(module).values():
            for f in value if isinstance(value, tuple) else (value,):
                if isinstance(f, Formula):
                    found[f.name] = f
    for f in (F.product(3), F.product(2, "total", "input sizes"), F.fill(2)):
        found[f.name] = f
    return list(found.values())


def test_every_symbol_of_every_rule_is_named() -> None:
    formulas = _all_formulas()
    assert len(formulas) > 30
    unnamed = [(f.name, n) for f in formulas for n, meaning in f.glossary() if not meaning]
    assert not unnamed


def test_one_name_means_one_thing_in_every_formula() -> None:
    meanings: dict[str, set[str]] = defaultdict(set)
    for f in _all_formulas():
        for name, meaning in f.glossary():
            meanings[name].add(meaning)
    # product() is parametrized by what it multiplies: n_1, n_2 … are the sizes of that rule
    clashes = {n: m for n, m in meanings.items() if len(m) > 1 and not n.startswith("n_")}
    assert not clashes


def test_padding_is_p_l_and_p_r_everywhere() -> None:
    for f in _all_formulas():
        assert "pl" not in f.text.replace("p_l", "") and "pr" not in f.text.replace("p_r", ""), f


def test_the_rule_comes_once_per_layer_and_each_symbol_is_named_once_per_table() -> None:
    result = convcalc.analyze("1x28x28 | conv(8, 5) | conv(4, 3)")
    named: set[tuple[str, str]] = set()
    first, second = (explain_lines(layer, named=named) for layer in result.layers)
    assert first[0] == ("rule: out = ⌊(n + p_l + p_r − d·(k − 1) − 1) / s⌋ + 1   n input size, "
                        "p_l padding left, p_r padding right, d dilation, k kernel, s stride")
    assert [line for line in first if line.startswith("rule:")] == [first[0]]
    assert second[0] == "rule: out = ⌊(n + p_l + p_r − d·(k − 1) − 1) / s⌋ + 1"  # named above
    assert first[-1] == "params: weight 8·1·5·5 = 200, bias 8, total 208"


def test_the_frameworks_parameter_rules() -> None:
    torch_lstm = explain_lines(convcalc.analyze("10x32 | lstm(64)").layers[0])
    assert ("rule: params = G·(h·i + h·h + 2·h)   i input features   "
            "(PyTorch: two bias vectors per gate, b_ih and b_hh)") in torch_lstm
    assert "by the rule: 4·(64·32 + 64·64 + 2·64) = 25088" in torch_lstm
    keras_lstm = explain_lines(convcalc.analyze("10x32 | LSTM(64)", framework="keras").layers[0])
    assert "by the rule: 4·(64·32 + 64·64 + 64) = 24832" in keras_lstm
    keras_bn = explain_lines(convcalc.analyze("8x8x16 | BatchNormalization()").layers[0])
    assert "by the rule: 2·16 + 2·16 = 64" in keras_bn
    assert any("2C non-trainable (moving mean, variance)" in line for line in keras_bn)
    torch_bn = explain_lines(convcalc.analyze("16x8x8 | batchnorm2d").layers[0])
    assert "by the rule: 2·16 = 32" in torch_bn


def test_explain_layer_chooses_rows() -> None:
    r = run("-x", "-f", "plain", "--explain-layer", "2", "--explain-layer", "dense_1",
            "1x28x28 | conv(32,5) | maxpool(2) | flatten | dense(10)")
    assert r.status == 0
    assert "⌊" not in r.out and "(24 + 0 + 0 - 1*(2 - 1) - 1) / 2" in r.out  # maxpool, row 2
    assert "(28 + 0 + 0" not in r.out  # not the conv
    assert "weight 10*4608 = 46,080" in r.out
    bad = run("--explain-layer", "dense", "1x28x28 | conv(32,5) | flatten | dense(10)")
    assert bad.status == 2
    assert "--explain-layer dense: no layer is named 'dense'; the closest: dense_1" in bad.err
    assert run("-f", "json", "--explain-layer", "conv_2", "1x8x8 | conv(2, 3)").status == 2
    doc = json.loads(run("-f", "json", "--explain-layer", "flatten_1", "1x8x8 | conv(2, 3) | flatten").out)
    assert "explain" not in doc["layers"][0]
    assert doc["layers"][1]["explain"][-1] == "axes 1-3: 2*6*6 = 72"
