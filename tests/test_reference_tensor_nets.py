"""Reference networks written with the tensor layers, against the models rebuilt in PyTorch.

ConvNeXt-T (examples/convnext_tiny.yaml: LayerNorm2d, a `parameter` layer scale, StochasticDepth),
ShuffleNet V2 1.0x (examples/shufflenet_v2_x1_0.yaml: a channel split read as `halves.0`/`halves.1`,
the channel shuffle with `transpose`, the `mean` head) and the YOLOv8n backbone
(examples/yolov8n_backbone.yaml: C2f blocks concatenating both halves of a chunk with their
bottlenecks).  torchvision and ultralytics are not installed here, so their source is reproduced
(torchvision/models/convnext.py and shufflenetv2.py, ultralytics/nn/modules) and compared layer by layer:
every module holding parameters, in the order they run, has the weight shapes and output shape
convcalc gives the matching layer; the totals are torchvision's published ones.  The models run on
the ``meta`` device: shapes only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import convcalc

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
EXAMPLE = EXAMPLES / "convnext_tiny.yaml"
PUBLISHED = 28_589_128  # torchvision.models.ConvNeXt_Tiny_Weights.IMAGENET1K_V1: num_params
SHUFFLENET = EXAMPLES / "shufflenet_v2_x1_0.yaml"
SHUFFLENET_PUBLISHED = 2_278_604  # ShuffleNet_V2_X1_0_Weights.IMAGENET1K_V1: num_params
YOLO = EXAMPLES / "yolov8n_backbone.yaml"
# Ultralytics' model summary of yolov8n, modules 0-9 (the backbone)
YOLO_PUBLISHED = (464, 4672, 7360, 18560, 49664, 73984, 197632, 295424, 460288, 164608)


def test_totals_and_expectations() -> None:
    r = convcalc.analyze(str(EXAMPLE))
    assert r.total_params == PUBLISHED and r.output == (1000,)
    assert r.expect is not None and r.expect.ok, r.expect.failures
    # every block's layer scale is a parameter of C, read by its multiply
    scales = [layer for layer in r.layers if layer.type == "parameter"]
    assert [s.params for s in scales] == [96] * 3 + [192] * 3 + [384] * 9 + [768] * 3
    assert all(layer.sources == () for layer in scales)


def convnext_tiny() -> Any:
    """torchvision.models.convnext_tiny(), as its source builds it."""
    torch = pytest.importorskip("torch")
    nn = torch.nn

    class LayerNorm2d(nn.LayerNorm):
        def forward(self, x: Any) -> Any:
            x = x.permute(0, 2, 3, 1)
            x = nn.functional.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
            return x.permute(0, 3, 1, 2)

    class Permute(nn.Module):
        def __init__(self, dims: list[int]) -> None:
            super().__init__()
            self.dims = dims

        def forward(self, x: Any) -> Any:
            return torch.permute(x, self.dims)

    class StochasticDepth(nn.Module):  # torchvision.ops.StochasticDepth: the input itself when evaluating
        def __init__(self, p: float, mode: str) -> None:
            super().__init__()
            self.p, self.mode = p, mode

        def forward(self, x: Any) -> Any:
            return x

    class CNBlock(nn.Module):
        def __init__(self, dim: int, layer_scale: float, stochastic_depth_prob: float) -> None:
            super().__init__()
            self.block = nn.Sequential(
                nn.Conv2d(dim, dim, kernel_size=7, padding=3, groups=dim, bias=True),
                Permute([0, 2, 3, 1]),
                nn.LayerNorm(dim, eps=1e-6),
                nn.Linear(dim, 4 * dim, bias=True),
                nn.GELU(),
                nn.Linear(4 * dim, dim, bias=True),
                Permute([0, 3, 1, 2]),
            )
            self.layer_scale = nn.Parameter(torch.ones(dim, 1, 1) * layer_scale)
            self.stochastic_depth = StochasticDepth(stochastic_depth_prob, "row")

        def forward(self, x: Any) -> Any:
            result = self.layer_scale * self.block(x)
            result = self.stochastic_depth(result)
            return result + x

    settings = [(96, 192, 3), (192, 384, 3), (384, 768, 9), (768, None, 3)]
    layers: list[Any] = [nn.Sequential(nn.Conv2d(3, 96, kernel_size=4, stride=4, padding=0, bias=True),
                                       LayerNorm2d(96, eps=1e-6))]
    total, block_id = sum(n for _, _, n in settings), 0
    for c_in, c_out, n in settings:
        stage = []
        for _ in range(n):
            stage.append(CNBlock(c_in, 1e-6, 0.1 * block_id / (total - 1.0)))
            block_id += 1
        layers.append(nn.Sequential(*stage))
        if c_out is not None:
            layers.append(nn.Sequential(LayerNorm2d(c_in, eps=1e-6),
                                        nn.Conv2d(c_in, c_out, kernel_size=2, stride=2)))
    return nn.Sequential(
        nn.Sequential(*layers),
        nn.AdaptiveAvgPool2d(1),
        nn.Sequential(LayerNorm2d(768, eps=1e-6), nn.Flatten(1), nn.Linear(768, 1000)),
    )


def _trace(model: Any) -> tuple[list[tuple[tuple[tuple[int, ...], ...], tuple[int, ...]]], Any]:
    """(weight shapes, output shape) of every module holding parameters, in the order they finish."""
    return _trace_input(model, (1, 3, 224, 224))


def _trace_input(model: Any, size: tuple[int, ...]) -> tuple[list[tuple[Any, ...]], Any]:
    """:func:`_trace` on an input of ``size``."""
    torch = pytest.importorskip("torch")
    records: list[tuple[tuple[tuple[int, ...], ...], tuple[int, ...]]] = []

    def hook(module: Any, args: Any, out: Any) -> None:
        weights = tuple(tuple(p.shape) for p in module.parameters(recurse=False))
        records.append((weights, tuple(out.shape[1:])))

    for m in model.modules():
        if next(m.parameters(recurse=False), None) is not None:
            m.register_forward_hook(hook)
    with torch.no_grad(), torch.device("meta"):
        out = model(torch.empty(*size))
    return records, out


def test_layer_by_layer_against_pytorch() -> None:
    torch = pytest.importorskip("torch")
    result = convcalc.analyze(str(EXAMPLE))
    with torch.device("meta"):
        model = convnext_tiny()
    assert sum(p.numel() for p in model.parameters()) == PUBLISHED
    records, out = _trace(model)
    ours = [layer for layer in result.layers if layer.weights]
    assert len(ours) == len(records) == 2 + 18 * 5 + 3 * 2 + 2  # stem, blocks, downsampling, head
    for layer, (weights, output) in zip(ours, records, strict=True):
        assert tuple(tuple(w.shape) for w in layer.weights) == weights, layer.name
        if layer.type == "parameter":
            # CNBlock holds the layer scale itself: its hook sees the block's output, which is what
            # convcalc's block row shows
            assert result.layer(layer.block).output == output, layer.name
        else:
            assert layer.output == output, layer.name
    assert tuple(out.shape[1:]) == result.output


def shufflenet_v2_x1_0() -> Any:
    """torchvision.models.shufflenet_v2_x1_0(), as its source builds it."""
    torch = pytest.importorskip("torch")
    nn = torch.nn

    def channel_shuffle(x: Any, groups: int) -> Any:
        b, c, h, w = x.size()
        x = x.view(b, groups, c // groups, h, w)
        x = torch.transpose(x, 1, 2).contiguous()
        return x.view(b, -1, h, w)

    def depthwise(i: int, o: int, stride: int) -> Any:
        return nn.Conv2d(i, o, 3, stride, 1, bias=False, groups=i)

    class InvertedResidual(nn.Module):
        def __init__(self, inp: int, oup: int, stride: int) -> None:
            super().__init__()
            self.stride = stride
            half = oup // 2
            self.branch1 = nn.Sequential()
            if stride > 1:
                self.branch1 = nn.Sequential(
                    depthwise(inp, inp, stride), nn.BatchNorm2d(inp),
                    nn.Conv2d(inp, half, 1, 1, 0, bias=False), nn.BatchNorm2d(half), nn.ReLU(inplace=True))
            self.branch2 = nn.Sequential(
                nn.Conv2d(inp if stride > 1 else half, half, 1, 1, 0, bias=False), nn.BatchNorm2d(half),
                nn.ReLU(inplace=True), depthwise(half, half, stride), nn.BatchNorm2d(half),
                nn.Conv2d(half, half, 1, 1, 0, bias=False), nn.BatchNorm2d(half), nn.ReLU(inplace=True))

        def forward(self, x: Any) -> Any:
            if self.stride == 1:
                x1, x2 = x.chunk(2, dim=1)
                out = torch.cat((x1, self.branch2(x2)), dim=1)
            else:
                out = torch.cat((self.branch1(x), self.branch2(x)), dim=1)
            return channel_shuffle(out, 2)

    class ShuffleNetV2(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1 = nn.Sequential(nn.Conv2d(3, 24, 3, 2, 1, bias=False), nn.BatchNorm2d(24), nn.ReLU())
            self.maxpool = nn.MaxPool2d(3, 2, 1)
            stages, c = [], 24
            for repeats, out in zip((4, 8, 4), (116, 232, 464), strict=True):
                units = [InvertedResidual(c, out, 2)]
                units += [InvertedResidual(out, out, 1) for _ in range(repeats - 1)]
                stages.append(nn.Sequential(*units))
                c = out
            self.stage2, self.stage3, self.stage4 = stages
            self.conv5 = nn.Sequential(nn.Conv2d(464, 1024, 1, 1, 0, bias=False), nn.BatchNorm2d(1024),
                                       nn.ReLU())
            self.fc = nn.Linear(1024, 1000)

        def forward(self, x: Any) -> Any:
            x = self.maxpool(self.conv1(x))
            x = self.conv5(self.stage4(self.stage3(self.stage2(x))))
            return self.fc(x.mean([2, 3]))

    return ShuffleNetV2()


def test_shufflenet_layer_by_layer_against_pytorch() -> None:
    torch = pytest.importorskip("torch")
    result = convcalc.analyze(str(SHUFFLENET))
    assert result.total_params == SHUFFLENET_PUBLISHED and result.expect.ok, result.expect.failures
    with torch.device("meta"):
        model = shufflenet_v2_x1_0()
    assert sum(p.numel() for p in model.parameters()) == SHUFFLENET_PUBLISHED
    records, out = _trace(model)
    ours = [(tuple(tuple(w.shape) for w in layer.weights), layer.output) for layer in result.layers
            if layer.weights]
    assert len(ours) == len(records)
    for i, (mine, theirs) in enumerate(zip(ours, records, strict=True)):
        assert mine == theirs, f"weighted layer {i}: convcalc {mine} vs PyTorch {theirs}"
    assert tuple(out.shape[1:]) == result.output
    # every stride-1 unit reads the two halves of its channel split by index
    chunks = [layer for layer in result.layers if layer.type == "chunk"]
    assert len(chunks) == 3 + 7 + 3 and all(len(c.parts or ()) == 2 for c in chunks)


def yolov8n_backbone() -> Any:
    """Modules 0-9 of Ultralytics' yolov8n (Conv, C2f, SPPF as ultralytics/nn/modules builds them)."""
    torch = pytest.importorskip("torch")
    nn = torch.nn

    class Conv(nn.Module):
        def __init__(self, c1: int, c2: int, k: int = 1, s: int = 1) -> None:
            super().__init__()
            self.conv = nn.Conv2d(c1, c2, k, s, k // 2, bias=False)
            self.bn = nn.BatchNorm2d(c2)
            self.act = nn.SiLU()

        def forward(self, x: Any) -> Any:
            return self.act(self.bn(self.conv(x)))

    class Bottleneck(nn.Module):
        def __init__(self, c: int) -> None:
            super().__init__()
            self.cv1, self.cv2 = Conv(c, c, 3), Conv(c, c, 3)

        def forward(self, x: Any) -> Any:
            return x + self.cv2(self.cv1(x))

    class C2f(nn.Module):
        def __init__(self, c1: int, c2: int, n: int) -> None:
            super().__init__()
            self.c = c2 // 2
            self.cv1 = Conv(c1, 2 * self.c, 1)
            self.cv2 = Conv((2 + n) * self.c, c2, 1)
            self.m = nn.ModuleList(Bottleneck(self.c) for _ in range(n))

        def forward(self, x: Any) -> Any:
            y = list(self.cv1(x).chunk(2, 1))
            y.extend(m(y[-1]) for m in self.m)
            return self.cv2(torch.cat(y, 1))

    class SPPF(nn.Module):
        def __init__(self, c1: int, c2: int, k: int = 5) -> None:
            super().__init__()
            c_ = c1 // 2
            self.cv1, self.cv2 = Conv(c1, c_, 1, 1), Conv(c_ * 4, c2, 1, 1)
            self.m = nn.MaxPool2d(kernel_size=k, stride=1, padding=k // 2)

        def forward(self, x: Any) -> Any:
            y = [self.cv1(x)]
            y.extend(self.m(y[-1]) for _ in range(3))
            return self.cv2(torch.cat(y, 1))

    return nn.Sequential(
        Conv(3, 16, 3, 2), Conv(16, 32, 3, 2), C2f(32, 32, 1), Conv(32, 64, 3, 2), C2f(64, 64, 2),
        Conv(64, 128, 3, 2), C2f(128, 128, 2), Conv(128, 256, 3, 2), C2f(256, 256, 1), SPPF(256, 256, 5),
    )


def test_yolov8n_backbone_against_pytorch() -> None:
    torch = pytest.importorskip("torch")
    result = convcalc.analyze(str(YOLO))
    assert result.expect.ok, result.expect.failures
    assert [result.layer(str(i)).params for i in range(10)] == list(YOLO_PUBLISHED)
    with torch.device("meta"):
        model = yolov8n_backbone()
    assert [sum(p.numel() for p in m.parameters()) for m in model] == list(YOLO_PUBLISHED)
    records, _ = _trace_input(model, (1, 3, 640, 640))
    ours = [(tuple(tuple(w.shape) for w in layer.weights), layer.output) for layer in result.layers
            if layer.weights]
    assert ours == records
