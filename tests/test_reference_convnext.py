"""ConvNeXt-T (examples/convnext_tiny.yaml) against torchvision's ConvNeXt rebuilt in plain PyTorch.

torchvision is not installable here, so its source is reproduced (torchvision/models/convnext.py:
LayerNorm2d, CNBlock with its layer scale and StochasticDepth, the stem, the downsampling layers and
the head) and compared layer by layer: every module holding parameters, in the order they run, has
the weight shapes and output shape convcalc gives the matching layer; the total is torchvision's
published 28,589,128.  The model runs on the ``meta`` device: shapes only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import convcalc

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "convnext_tiny.yaml"
PUBLISHED = 28_589_128  # torchvision.models.ConvNeXt_Tiny_Weights.IMAGENET1K_V1: num_params


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


def test_layer_by_layer_against_pytorch() -> None:
    torch = pytest.importorskip("torch")
    result = convcalc.analyze(str(EXAMPLE))
    with torch.device("meta"):
        model = convnext_tiny()
        x = torch.empty(1, 3, 224, 224)
    assert sum(p.numel() for p in model.parameters()) == PUBLISHED
    records: list[tuple[tuple[tuple[int, ...], ...], tuple[int, ...]]] = []

    def hook(module: Any, args: Any, out: Any) -> None:
        weights = tuple(tuple(p.shape) for p in module.parameters(recurse=False))
        records.append((weights, tuple(out.shape[1:])))

    for m in model.modules():
        if next(m.parameters(recurse=False), None) is not None:
            m.register_forward_hook(hook)
    with torch.no_grad():
        out = model(x)
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
