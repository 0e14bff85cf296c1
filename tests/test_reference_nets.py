"""The reference architectures in examples/: exact totals and output shapes, and,
where PyTorch is installed, the same networks built in PyTorch compared layer by layer.

torchvision is not used (its wheels here are CUDA builds that do not load with the
CPU torch), so the PyTorch side rebuilds each network the way torchvision's source
does (VGG16 and the ResNets with the benchmark's own builders, benchmarks/torch_models.py).
The published torchvision totals are asserted on those builds too, which checks the
rebuilds themselves.  Models run on the ``meta`` device: shapes only,
no memory, no arithmetic.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

import convcalc

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
# benchmarks/torch_models.py is a standalone script (not a package); its VGG16 and ResNet builders,
# which the benchmark times, are checked here like the others.
sys.path.insert(0, str(ROOT / "benchmarks"))
import torch_models  # noqa: E402

# file -> (total params, output shape(s)); the totals are torchvision's where it has the net.
REFERENCE: dict[str, tuple[int, Any]] = {
    "resnet18": (11_689_512, (1000,)),
    "resnet50": (25_557_032, (1000,)),
    "mobilenet_v2": (3_504_872, (1000,)),
    "densenet121": (7_978_856, (1000,)),
    "squeezenet1_0": (1_248_424, (1000,)),
    "vgg16": (138_357_544, (1000,)),
    "alexnet": (61_100_840, (1000,)),
    "unet": (31_030_658, (2, 388, 388)),
    "retinanet_head": (6_691_415, {"cls_logits": (49104, 91), "bbox_regression": (49104, 4)}),
}


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_totals_and_outputs(name: str) -> None:
    params, output = REFERENCE[name]
    result = convcalc.analyze(str(EXAMPLES / f"{name}.yaml"))
    assert result.total_params == params
    assert result.output == output
    assert result.expect is not None and result.expect.ok, result.expect.failures
    # The block rows add up to what they hold.
    for row in result.table_rows():
        if row.span is not None:
            first, last = row.span
            assert row.params == sum(r.params for r in result.layers[first - 1 : last])


# ------------------------------------------------------------------ PyTorch


def _torch() -> Any:
    return pytest.importorskip("torch")


def _mobilenet_v2() -> Any:
    nn = _torch().nn

    def cna(i: int, o: int, k: int = 3, s: int = 1, g: int = 1) -> Any:
        return nn.Sequential(nn.Conv2d(i, o, k, s, (k - 1) // 2, groups=g, bias=False),
                             nn.BatchNorm2d(o), nn.ReLU6())

    class Inverted(nn.Module):
        def __init__(self, inp: int, oup: int, stride: int, t: int) -> None:
            super().__init__()
            hidden = inp * t
            layers = [cna(inp, hidden, 1)] if t != 1 else []
            layers += [cna(hidden, hidden, 3, stride, hidden), nn.Conv2d(hidden, oup, 1, bias=False),
                       nn.BatchNorm2d(oup)]
            self.conv = nn.Sequential(*layers)
            self.res = stride == 1 and inp == oup

        def forward(self, x: Any) -> Any:
            return x + self.conv(x) if self.res else self.conv(x)

    features = [cna(3, 32, 3, 2)]
    inp = 32
    for t, c, n, s in ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                       (6, 160, 3, 2), (6, 320, 1, 1)):
        for i in range(n):
            features.append(Inverted(inp, c, s if i == 0 else 1, t))
            inp = c
    features.append(cna(320, 1280, 1))
    return nn.Sequential(*features, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.2),
                         nn.Linear(1280, 1000))


def _densenet121() -> Any:
    torch = _torch()
    nn = torch.nn

    class DenseLayer(nn.Module):
        def __init__(self, c: int) -> None:
            super().__init__()
            self.f = nn.Sequential(nn.BatchNorm2d(c), nn.ReLU(), nn.Conv2d(c, 128, 1, bias=False),
                                   nn.BatchNorm2d(128), nn.ReLU(), nn.Conv2d(128, 32, 3, 1, 1, bias=False))

        def forward(self, x: Any) -> Any:
            return torch.cat([x, self.f(x)], 1)

    layers: list[Any] = [nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
                         nn.MaxPool2d(3, 2, 1)]
    c = 64
    for i, n in enumerate((6, 12, 24, 16)):
        for _ in range(n):
            layers.append(DenseLayer(c))
            c += 32
        if i < 3:
            layers += [nn.BatchNorm2d(c), nn.ReLU(), nn.Conv2d(c, c // 2, 1, bias=False), nn.AvgPool2d(2, 2)]
            c //= 2
    layers += [nn.BatchNorm2d(c), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, 1000)]
    return nn.Sequential(*layers)


def _squeezenet1_0() -> Any:
    torch = _torch()
    nn = torch.nn

    class Fire(nn.Module):
        def __init__(self, i: int, s: int, e: int) -> None:
            super().__init__()
            self.squeeze = nn.Conv2d(i, s, 1)
            self.expand1x1 = nn.Conv2d(s, e, 1)
            self.expand3x3 = nn.Conv2d(s, e, 3, padding=1)
            self.relu = nn.ReLU()

        def forward(self, x: Any) -> Any:
            x = self.relu(self.squeeze(x))
            return torch.cat([self.relu(self.expand1x1(x)), self.relu(self.expand3x3(x))], 1)

    def pool() -> Any:
        return nn.MaxPool2d(3, 2, ceil_mode=True)

    return nn.Sequential(
        nn.Conv2d(3, 96, 7, 2), nn.ReLU(), pool(), Fire(96, 16, 64), Fire(128, 16, 64), Fire(128, 32, 128),
        pool(), Fire(256, 32, 128), Fire(256, 48, 192), Fire(384, 48, 192), Fire(384, 64, 256), pool(),
        Fire(512, 64, 256), nn.Dropout(0.5), nn.Conv2d(512, 1000, 1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
    )


def _alexnet() -> Any:
    nn = _torch().nn
    return nn.Sequential(
        nn.Conv2d(3, 64, 11, 4, 2), nn.ReLU(), nn.MaxPool2d(3, 2), nn.Conv2d(64, 192, 5, padding=2),
        nn.ReLU(), nn.MaxPool2d(3, 2), nn.Conv2d(192, 384, 3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(), nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(),
        nn.MaxPool2d(3, 2), nn.AdaptiveAvgPool2d(6),
        nn.Flatten(), nn.Dropout(), nn.Linear(9216, 4096), nn.ReLU(), nn.Dropout(), nn.Linear(4096, 4096),
        nn.ReLU(), nn.Linear(4096, 1000),
    )


def _unet() -> Any:
    torch = _torch()
    nn = torch.nn

    def double(i: int, o: int) -> Any:
        return nn.Sequential(nn.Conv2d(i, o, 3), nn.ReLU(), nn.Conv2d(o, o, 3), nn.ReLU())

    class UNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            widths = (64, 128, 256, 512, 1024)
            self.enc = nn.ModuleList([double(1, 64), *(double(a, b) for a, b in pairwise(widths))])
            self.up = nn.ModuleList()
            self.dec = nn.ModuleList()
            for c in reversed(widths[:-1]):
                self.up.append(nn.ConvTranspose2d(2 * c, c, 2, 2))
                self.dec.append(double(2 * c, c))
            self.head = nn.Conv2d(64, 2, 1)

        def forward(self, x: Any) -> Any:
            skips = []
            for i, enc in enumerate(self.enc):
                x = enc(nn.functional.max_pool2d(x, 2) if i else x)
                skips.append(x)
            for up, dec, skip in zip(self.up, self.dec, reversed(skips[:-1]), strict=True):
                x = up(x)
                m = (skip.shape[-1] - x.shape[-1]) // 2
                x = dec(torch.cat([skip[..., m:-m, m:-m], x], 1))
            return self.head(x)

    return UNet()


def _retinanet_head() -> Any:
    torch = _torch()
    nn = torch.nn

    def head(k: int) -> Any:
        tower = [m for _ in range(4) for m in (nn.Conv2d(256, 256, 3, padding=1), nn.ReLU())]
        return nn.Sequential(*tower, nn.Conv2d(256, 9 * k, 3, padding=1))

    class Heads(nn.Module):  # torchvision's: one head of each kind, shared over the levels (issue 14)
        def __init__(self) -> None:
            super().__init__()
            cls, box = head(91), head(4)
            self.cls = nn.ModuleList([cls] * 5)
            self.box = nn.ModuleList([box] * 5)

        def forward(self, *levels: Any) -> Any:
            def run(heads: Any, k: int) -> Any:
                outs = [h(x).permute(0, 2, 3, 1).reshape(x.shape[0], -1, k)
                        for h, x in zip(heads, levels, strict=True)]
                return torch.cat(outs, 1)

            return run(self.cls, 91), run(self.box, 4)

    return Heads()


BUILDERS: dict[str, tuple[Callable[[], Any], int | None]] = {
    # name -> (builder, torchvision's published total for it, None: not a torchvision model)
    "resnet18": (torch_models.resnet18, 11_689_512),
    "resnet50": (torch_models.resnet50, 25_557_032),
    "mobilenet_v2": (_mobilenet_v2, 3_504_872),
    "densenet121": (_densenet121, 7_978_856),
    "squeezenet1_0": (_squeezenet1_0, 1_248_424),
    "vgg16": (torch_models.vgg16, 138_357_544),
    "alexnet": (_alexnet, 61_100_840),
    "unet": (_unet, None),
    "retinanet_head": (_retinanet_head, 6_691_415),  # torchvision's RetinaNetHead(256, 9, 91)
}


def _trace(model: Any, inputs: list[Any]) -> tuple[list[tuple[Any, ...]], Any]:
    """(weight shapes, output shape) of every module holding weights, in the order they run."""
    torch = _torch()
    records: list[tuple[Any, ...]] = []

    def hook(module: Any, args: Any, out: Any) -> None:
        shapes = tuple(tuple(p.shape) for p in module.parameters(recurse=False))
        records.append((shapes, tuple(out.shape[1:])))

    for m in model.modules():
        if next(m.parameters(recurse=False), None) is not None:
            m.register_forward_hook(hook)
    with torch.no_grad():
        out = model(*inputs)
    return records, out


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_layer_by_layer_against_pytorch(name: str) -> None:
    torch = _torch()
    build, published = BUILDERS[name]
    result = convcalc.analyze(str(EXAMPLES / f"{name}.yaml"))
    with torch.device("meta"):
        model = build()
        inputs = [torch.empty(1, *shape) for shape in result.inputs.values()]
    if published is not None:
        assert sum(p.numel() for p in model.parameters()) == published
    records, out = _trace(model, inputs)
    ours = [(tuple(tuple(w.shape) for w in layer.weights), layer.output)
            for layer in result.layers if layer.weights]
    assert len(ours) == len(records)
    for i, (mine, theirs) in enumerate(zip(ours, records, strict=True)):
        assert mine == theirs, f"weighted layer {i}: convcalc {mine} vs PyTorch {theirs}"
    outs = out if isinstance(out, tuple) else (out,)
    assert [tuple(o.shape[1:]) for o in outs] == [tuple(s) for s in result.outputs.values()]
    assert result.total_params == sum(p.numel() for p in model.parameters())
