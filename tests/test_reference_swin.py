"""Swin-T (examples/swin_t.yaml) against torchvision's ``swin_t`` rebuilt in plain PyTorch.

torchvision cannot be installed beside the CPU build of torch here, so its ``SwinTransformer`` is
written out below as torchvision's source builds it (patch conv, Permute and LayerNorm; stages of
``SwinTransformerBlock`` with ``ShiftedWindowAttention``: a relative-position bias table gathered by
a fixed index buffer, cyclic shifts by ``torch.roll``; ``PatchMerging``; norm, avgpool, head).  The
attention mask of the shifted blocks is left out: a fixed buffer added to the scores, with no
parameters and no effect on a shape.  Compared: the total (torchvision's 28,288,354), the output,
every tensor's shape, and each stage's and merge's output and parameters.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import convcalc

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "swin_t.yaml"
DEPTHS, HEADS, WINDOW = (2, 2, 6, 2), (3, 6, 12, 24), 7


def test_swin_t_total_and_expectations() -> None:
    result = convcalc.analyze(str(EXAMPLE))
    assert result.total_params == 28_288_354  # torchvision's count
    assert result.output == (1000,)
    assert result.expect is not None and result.expect.ok, result.expect.failures


# torchvision 0.29.1's swin_t(weights=None), measured (in /work/venv-ul): each of model.features's
# parameters, in order [patch embedding, stage 1, merge 1, stage 2, merge 2, stage 3, merge 3, stage 4].
TORCHVISION_FEATURES = (4896, 224_694, 74_496, 891_756, 296_448, 10_658_952, 1_182_720, 14_183_856)


def _torchvision_swin_t() -> Any:
    torch = pytest.importorskip("torch")
    nn, F = torch.nn, torch.nn.functional

    class ShiftedWindowAttention(nn.Module):
        def __init__(self, dim: int, heads: int, shift: int) -> None:
            super().__init__()
            self.heads, self.shift = heads, shift
            self.qkv = nn.Linear(dim, dim * 3)
            self.proj = nn.Linear(dim, dim)
            self.relative_position_bias_table = nn.Parameter(torch.zeros((2 * WINDOW - 1) ** 2, heads))
            coords = torch.stack(torch.meshgrid(torch.arange(WINDOW), torch.arange(WINDOW), indexing="ij"))
            flat = torch.flatten(coords, 1)
            rel = (flat[:, :, None] - flat[:, None, :]).permute(1, 2, 0).contiguous() + WINDOW - 1
            rel[:, :, 0] *= 2 * WINDOW - 1
            self.register_buffer("relative_position_index", rel.sum(-1).flatten())

        def forward(self, x: Any) -> Any:
            B, H, W, C = x.shape
            shift = 0 if WINDOW >= H else self.shift
            if shift:
                x = torch.roll(x, shifts=(-shift, -shift), dims=(1, 2))
            n = (H // WINDOW) * (W // WINDOW)
            x = x.view(B, H // WINDOW, WINDOW, W // WINDOW, WINDOW, C)
            x = x.permute(0, 1, 3, 2, 4, 5).reshape(B * n, WINDOW * WINDOW, C)
            qkv = self.qkv(x).reshape(x.size(0), x.size(1), 3, self.heads, C // self.heads)
            q, k, v = qkv.permute(2, 0, 3, 1, 4)
            attn = (q * (C // self.heads) ** -0.5).matmul(k.transpose(-2, -1))
            N = WINDOW * WINDOW
            bias = self.relative_position_bias_table[self.relative_position_index]
            attn = attn + bias.view(N, N, -1).permute(2, 0, 1).contiguous().unsqueeze(0)
            x = F.softmax(attn, dim=-1).matmul(v).transpose(1, 2).reshape(x.size(0), x.size(1), C)
            x = self.proj(x).view(B, H // WINDOW, W // WINDOW, WINDOW, WINDOW, C)
            x = x.permute(0, 1, 3, 2, 4, 5).reshape(B, H, W, C)
            return torch.roll(x, shifts=(shift, shift), dims=(1, 2)) if shift else x

    class SwinTransformerBlock(nn.Module):
        def __init__(self, dim: int, heads: int, shift: int) -> None:
            super().__init__()
            self.norm1 = nn.LayerNorm(dim)
            self.attn = ShiftedWindowAttention(dim, heads, shift)
            self.norm2 = nn.LayerNorm(dim)
            self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Dropout(0.0),
                                     nn.Linear(4 * dim, dim), nn.Dropout(0.0))

        def forward(self, x: Any) -> Any:
            x = x + self.attn(self.norm1(x))  # StochasticDepth: the identity in eval mode
            return x + self.mlp(self.norm2(x))

    class PatchMerging(nn.Module):
        def __init__(self, dim: int) -> None:
            super().__init__()
            self.reduction = nn.Linear(4 * dim, 2 * dim, bias=False)
            self.norm = nn.LayerNorm(4 * dim)

        def forward(self, x: Any) -> Any:
            H, W, _ = x.shape[-3:]
            x = F.pad(x, (0, 0, 0, W % 2, 0, H % 2))
            x = torch.cat([x[..., 0::2, 0::2, :], x[..., 1::2, 0::2, :],
                           x[..., 0::2, 1::2, :], x[..., 1::2, 1::2, :]], -1)
            return self.reduction(self.norm(x))

    class Permute(nn.Module):
        def __init__(self, dims: list[int]) -> None:
            super().__init__()
            self.dims = dims

        def forward(self, x: Any) -> Any:
            return x.permute(*self.dims)

    class SwinTransformer(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            stem = nn.Sequential(nn.Conv2d(3, 96, 4, 4), Permute([0, 2, 3, 1]), nn.LayerNorm(96))
            layers: list[Any] = [stem]
            for i, (depth, heads) in enumerate(zip(DEPTHS, HEADS, strict=True)):
                dim = 96 * 2**i
                shifts = [0 if j % 2 == 0 else WINDOW // 2 for j in range(depth)]
                layers.append(nn.Sequential(*(SwinTransformerBlock(dim, heads, sh) for sh in shifts)))
                if i < len(DEPTHS) - 1:
                    layers.append(PatchMerging(dim))
            self.features = nn.Sequential(*layers)
            self.norm = nn.LayerNorm(768)
            self.permute = Permute([0, 3, 1, 2])
            self.avgpool = nn.AdaptiveAvgPool2d(1)
            self.flatten = nn.Flatten(1)
            self.head = nn.Linear(768, 1000)

        def forward(self, x: Any) -> Any:
            return self.head(self.flatten(self.avgpool(self.permute(self.norm(self.features(x))))))

    return torch, SwinTransformer


def test_swin_t_rebuilt_in_pytorch() -> None:
    torch, model_class = _torchvision_swin_t()
    result = convcalc.analyze(str(EXAMPLE))
    rows = {row.name: row for row in result.table_rows()}
    model = model_class().eval()
    seen: list[tuple[tuple[int, ...], int]] = []
    for f in model.features:
        f.register_forward_hook(lambda m, i, o: seen.append((tuple(o.shape[1:]), sum(
            p.numel() for p in m.parameters()))))
    with torch.no_grad():
        out = model(torch.zeros(1, 3, 224, 224))
    assert tuple(out.shape[1:]) == result.output
    assert result.total_params == sum(p.numel() for p in model.parameters()) == 28_288_354
    assert tuple(n for _, n in seen) == TORCHVISION_FEATURES
    # torchvision's features: [patch embedding, stage 1, merge 1, stage 2, merge 2, stage 3, merge 3, stage 4]
    assert rows["patch_norm"].output == seen[0][0]
    assert rows["patch"].params + rows["patch_norm"].params == seen[0][1]
    for s in range(4):
        stage, blocks = rows[f"features.{s}"], seen[1 + 2 * s]
        merge = seen[2 + 2 * s] if s < 3 else ((), 0)
        assert stage.params == blocks[1] + merge[1], s
        assert rows[f"features.{s}.{DEPTHS[s] - 1}"].output == blocks[0], s
        if s < 3:
            assert rows[f"features.{s}.merge"].output == stage.output == merge[0], s
    theirs = Counter(tuple(p.shape) for p in model.parameters())
    ours = Counter(tuple(w.shape) for layer in result.layers for w in layer.weights)
    assert ours == theirs
