"""VGG16 and ResNet-50 built in plain PyTorch, for timing torchinfo against convcalc.

torchvision's models are used when torchvision is installed; otherwise these
hand-built ones, which have the same layers and the same parameter counts
(138,357,544 and 25,557,032).  ``python benchmarks/torch_models.py vgg16``
builds one and prints torchinfo's summary, as the benchmark times it; ``... vgg16 --meta``
runs it on PyTorch's meta device instead.
tests/test_reference_nets.py imports these builders too and checks them
layer by layer against convcalc and against torchvision's published totals.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any


def vgg16() -> Any:
    """VGG16 (configuration "D") as torchvision's source builds it."""
    from torch import nn

    layers: list[Any] = []
    c = 3
    for v in (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"):
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            layers += [nn.Conv2d(c, int(v), 3, padding=1), nn.ReLU(inplace=True)]
            c = int(v)
    return nn.Sequential(
        *layers,
        nn.AdaptiveAvgPool2d(7),
        nn.Flatten(),
        nn.Linear(512 * 7 * 7, 4096), nn.ReLU(True), nn.Dropout(),
        nn.Linear(4096, 4096), nn.ReLU(True), nn.Dropout(),
        nn.Linear(4096, 1000),
    )


def resnet(kind: str, layers: Sequence[int]) -> Any:
    """A ResNet as torchvision's source builds it: "basic" blocks (ResNet-18/34) or "bottleneck" (50 up)."""
    from torch import nn

    class Basic(nn.Module):
        expansion = 1

        def __init__(self, inplanes: int, planes: int, stride: int, down: Any) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(planes)
            self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(planes)
            self.relu = nn.ReLU(inplace=True)
            self.downsample = down

        def forward(self, x: Any) -> Any:
            out = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
            identity = x if self.downsample is None else self.downsample(x)
            return self.relu(out + identity)

    class Bottleneck(nn.Module):
        expansion = 4

        def __init__(self, inplanes: int, planes: int, stride: int, down: Any) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(planes)
            self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(planes)
            self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
            self.bn3 = nn.BatchNorm2d(planes * 4)
            self.relu = nn.ReLU(inplace=True)
            self.downsample = down

        def forward(self, x: Any) -> Any:
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.relu(self.bn2(self.conv2(out)))
            out = self.bn3(self.conv3(out))
            identity = x if self.downsample is None else self.downsample(x)
            return self.relu(out + identity)

    block = Basic if kind == "basic" else Bottleneck
    stages: list[Any] = []
    inplanes = 64
    for i, (planes, n) in enumerate(zip((64, 128, 256, 512), layers, strict=True)):
        stride = 1 if i == 0 else 2
        down = None
        if stride != 1 or inplanes != planes * block.expansion:
            down = nn.Sequential(nn.Conv2d(inplanes, planes * block.expansion, 1, stride, bias=False),
                                 nn.BatchNorm2d(planes * block.expansion))
        blocks = [block(inplanes, planes, stride, down)]
        inplanes = planes * block.expansion
        blocks += [block(inplanes, planes, 1, None) for _ in range(n - 1)]
        stages.append(nn.Sequential(*blocks))
    return nn.Sequential(
        nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(True), nn.MaxPool2d(3, 2, 1),
        *stages, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512 * block.expansion, 1000),
    )


def resnet18() -> Any:
    return resnet("basic", [2, 2, 2, 2])


def resnet50() -> Any:
    return resnet("bottleneck", [3, 4, 6, 3])


def build(name: str) -> Any:
    try:
        import torchvision.models as tvm

        return getattr(tvm, name)()
    except ImportError:
        return {"vgg16": vgg16, "resnet50": resnet50}[name]()


def main() -> None:
    """``NET``: torchinfo's summary of it; ``NET --meta``: its shapes from PyTorch's meta device
    (the network built and run on tensors without data: PyTorch's own cheapest shape inference)."""
    name = sys.argv[1] if len(sys.argv) > 1 else "vgg16"
    if "--meta" in sys.argv[2:]:
        import torch

        with torch.device("meta"):
            model = build(name)
            out = model(torch.empty(1, 3, 224, 224))
        print(tuple(out.shape), sum(p.numel() for p in model.parameters()))
        return
    from torchinfo import summary

    model = build(name)
    print(summary(model, input_size=(1, 3, 224, 224), verbose=0))


if __name__ == "__main__":
    main()
