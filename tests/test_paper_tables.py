"""Issue 14: MobileNetV2, MobileNetV3-Large and EfficientNet-B0 written as their papers' tables
(``for:``, ``$i``, ``if:``, ``size()``, ``make_divisible``), and the shared RetinaNet head.

Each is rebuilt in plain PyTorch the way torchvision's source builds it (torchvision is not
installable here) and compared weighted layer by weighted layer, then in total.  The models
run on the ``meta`` device: shapes only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import convcalc

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
TOTALS = {"mobilenet_v2": 3_504_872, "mobilenet_v3_large": 5_483_032, "efficientnet_b0": 5_288_548,
          "retinanet_head": 6_691_415}


def make_divisible(v: float, divisor: int, min_value: int | None = None) -> int:
    """torchvision.models._utils._make_divisible, as torchvision writes it."""
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


@pytest.mark.parametrize("name", sorted(TOTALS))
def test_issue14_tables_give_the_torchvision_totals(name: str) -> None:
    path = EXAMPLES / f"{name}.yaml"
    result = convcalc.analyze(str(path))
    assert result.total_params == TOTALS[name]
    assert result.expect is not None and result.expect.ok, result.expect.failures
    assert len(path.read_text().splitlines()) <= 60  # reads like the paper's table


# ------------------------------------------------------------------ PyTorch


def _cna(nn: Any, i: int, o: int, k: int = 1, s: int = 1, g: int = 1, act: Any = None) -> Any:
    """torchvision.ops.Conv2dNormActivation with a BatchNorm (conv without bias)."""
    layers = [nn.Conv2d(i, o, k, s, (k - 1) // 2, groups=g, bias=False), nn.BatchNorm2d(o)]
    return nn.Sequential(*layers, *([act()] if act is not None else []))


def _se_module(torch: Any, c: int, squeeze: int, act: Any, gate: Any) -> Any:
    nn = torch.nn

    class SqueezeExcitation(nn.Module):  # torchvision.ops.SqueezeExcitation
        def __init__(self) -> None:
            super().__init__()
            self.avgpool = nn.AdaptiveAvgPool2d(1)
            self.fc1, self.fc2 = nn.Conv2d(c, squeeze, 1), nn.Conv2d(squeeze, c, 1)
            self.activation, self.scale_activation = act(), gate()

        def forward(self, x: Any) -> Any:
            return self.scale_activation(self.fc2(self.activation(self.fc1(self.avgpool(x))))) * x

    return SqueezeExcitation()


def _block(torch: Any, layers: list[Any], residual: bool) -> Any:
    nn = torch.nn

    class Block(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.block = nn.Sequential(*layers)

        def forward(self, x: Any) -> Any:
            return x + self.block(x) if residual else self.block(x)

    return Block()


def _mobilenet_v3_large(torch: Any) -> Any:
    nn = torch.nn
    # torchvision's bneck_conf rows: in, kernel, expanded, out, SE, HS, stride
    rows = [(16, 3, 16, 16, 0, 0, 1), (16, 3, 64, 24, 0, 0, 2), (24, 3, 72, 24, 0, 0, 1),
            (24, 5, 72, 40, 1, 0, 2), (40, 5, 120, 40, 1, 0, 1), (40, 5, 120, 40, 1, 0, 1),
            (40, 3, 240, 80, 0, 1, 2), (80, 3, 200, 80, 0, 1, 1), (80, 3, 184, 80, 0, 1, 1),
            (80, 3, 184, 80, 0, 1, 1), (80, 3, 480, 112, 1, 1, 1), (112, 3, 672, 112, 1, 1, 1),
            (112, 5, 672, 160, 1, 1, 2), (160, 5, 960, 160, 1, 1, 1), (160, 5, 960, 160, 1, 1, 1)]
    features = [_cna(nn, 3, 16, 3, 2, act=nn.Hardswish)]
    for i, k, e, o, se, hs, s in rows:
        act = nn.Hardswish if hs else nn.ReLU
        layers = [_cna(nn, i, e, act=act)] if e != i else []
        layers.append(_cna(nn, e, e, k, s, e, act))
        if se:
            layers.append(_se_module(torch, e, make_divisible(e // 4, 8), nn.ReLU, nn.Hardsigmoid))
        layers.append(_cna(nn, e, o))
        features.append(_block(torch, layers, s == 1 and i == o))
    features.append(_cna(nn, 160, 960, act=nn.Hardswish))
    return nn.Sequential(*features, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(960, 1280),
                         nn.Hardswish(), nn.Dropout(0.2), nn.Linear(1280, 1000))


def _efficientnet_b0(torch: Any) -> Any:
    nn = torch.nn
    # torchvision's MBConvConfig rows: expand ratio, kernel, stride, in, out, layers
    rows = [(1, 3, 1, 32, 16, 1), (6, 3, 2, 16, 24, 2), (6, 5, 2, 24, 40, 2), (6, 3, 2, 40, 80, 3),
            (6, 5, 1, 80, 112, 3), (6, 5, 2, 112, 192, 4), (6, 3, 1, 192, 320, 1)]
    features = [_cna(nn, 3, 32, 3, 2, act=nn.SiLU)]
    for t, k, s, c_in, c_out, n in rows:
        for j in range(n):
            i, stride = (c_in, s) if j == 0 else (c_out, 1)
            e = make_divisible(i * t, 8)
            layers = [_cna(nn, i, e, act=nn.SiLU)] if e != i else []
            layers += [_cna(nn, e, e, k, stride, e, nn.SiLU),
                       _se_module(torch, e, max(1, i // 4), nn.SiLU, nn.Sigmoid), _cna(nn, e, c_out)]
            features.append(_block(torch, layers, stride == 1 and i == c_out))
    features.append(_cna(nn, 320, 1280, act=nn.SiLU))
    return nn.Sequential(*features, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.2),
                         nn.Linear(1280, 1000))


def _trace(torch: Any, model: Any, x: Any) -> list[tuple[Any, ...]]:
    """(weight shapes, output shape) of every call of a module holding weights, in order."""
    records: list[tuple[Any, ...]] = []

    def hook(module: Any, args: Any, out: Any) -> None:
        records.append((tuple(tuple(p.shape) for p in module.parameters(recurse=False)),
                        tuple(out.shape[1:])))

    for m in model.modules():
        if next(m.parameters(recurse=False), None) is not None:
            m.register_forward_hook(hook)
    with torch.no_grad():
        model(x)
    return records


@pytest.mark.parametrize("name", ["mobilenet_v3_large", "efficientnet_b0"])
def test_issue14_tables_layer_by_layer_against_pytorch(name: str) -> None:
    torch = pytest.importorskip("torch")
    result = convcalc.analyze(str(EXAMPLES / f"{name}.yaml"))
    with torch.device("meta"):
        model = {"mobilenet_v3_large": _mobilenet_v3_large, "efficientnet_b0": _efficientnet_b0}[name](torch)
        records = _trace(torch, model, torch.empty(1, 3, 224, 224))
    assert sum(p.numel() for p in model.parameters()) == TOTALS[name] == result.total_params
    ours = [(tuple(tuple(w.shape) for w in r.weights), r.output) for r in result.layers if r.weights]
    assert ours == records


def test_issue14_skipped_layers_pass_their_input_through() -> None:
    result = convcalc.analyze(str(EXAMPLES / "mobilenet_v2.yaml"))
    skipped = [r for r in result.layers if r.skipped]
    # t = 1 has no expansion (3 layers), and the 7 first blocks of a stage add no skip
    assert sum(1 for r in skipped if r.type == "add") == 7
    assert {r.name.rpartition(".")[0] for r in skipped if r.type != "add"} == {"features.0.0.expand"}
    for r in skipped:
        assert r.output == r.input_shapes[0] and r.params == 0 and r.macs == 0
