"""ViT-B/16 (examples/vit_b_16.yaml) against torchvision's ``vit_b_16`` rebuilt in plain PyTorch.

torchvision cannot be installed beside the CPU build of torch here, so its ``VisionTransformer``
is written out below as torchvision's source builds it (``conv_proj``, ``class_token``,
``encoder.pos_embedding``, twelve ``EncoderBlock``s of ``ln_1``, ``self_attention``, ``ln_2`` and
an MLP, ``encoder.ln``, ``heads.head``).  The spec writes each block as
``nn.TransformerEncoderLayer(norm_first=True, activation=gelu)``, which holds the same tensors
under other names, so the comparison is of the total, the output and every tensor's shape.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import convcalc

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "vit_b_16.yaml"


def test_vit_b_16_total_and_expectations() -> None:
    result = convcalc.analyze(str(EXAMPLE))
    assert result.total_params == 86_567_656  # torchvision's published count
    assert result.output == (1000,)
    assert result.expect is not None and result.expect.ok, result.expect.failures


def _torchvision_vit_b_16() -> Any:
    torch = pytest.importorskip("torch")
    nn = torch.nn

    class EncoderBlock(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.ln_1 = nn.LayerNorm(768, eps=1e-6)
            self.self_attention = nn.MultiheadAttention(768, 12, dropout=0.0, batch_first=True)
            self.ln_2 = nn.LayerNorm(768, eps=1e-6)
            self.mlp = nn.Sequential(nn.Linear(768, 3072), nn.GELU(), nn.Dropout(0.0),
                                     nn.Linear(3072, 768), nn.Dropout(0.0))

        def forward(self, x: Any) -> Any:
            y = self.ln_1(x)
            x = x + self.self_attention(y, y, y, need_weights=False)[0]
            return x + self.mlp(self.ln_2(x))

    class VisionTransformer(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv_proj = nn.Conv2d(3, 768, kernel_size=16, stride=16)
            self.class_token = nn.Parameter(torch.zeros(1, 1, 768))
            self.encoder = nn.Module()
            self.encoder.pos_embedding = nn.Parameter(torch.empty(1, 197, 768))
            self.encoder.layers = nn.Sequential(*(EncoderBlock() for _ in range(12)))
            self.encoder.ln = nn.LayerNorm(768, eps=1e-6)
            self.heads = nn.Sequential()
            self.heads.head = nn.Linear(768, 1000)

        def forward(self, x: Any) -> Any:
            x = self.conv_proj(x).reshape(x.shape[0], 768, -1).permute(0, 2, 1)
            x = torch.cat([self.class_token.expand(x.shape[0], -1, -1), x], dim=1)
            x = self.encoder.ln(self.encoder.layers(x + self.encoder.pos_embedding))
            return self.heads(x[:, 0])

    return torch, VisionTransformer


def test_vit_b_16_rebuilt_in_pytorch() -> None:
    torch, model_class = _torchvision_vit_b_16()
    result = convcalc.analyze(str(EXAMPLE))
    with torch.device("meta"):
        model = model_class()
        out = model(torch.zeros(2, 3, 224, 224))
    assert tuple(out.shape[1:]) == result.output
    assert result.total_params == sum(p.numel() for p in model.parameters())

    def shape(s: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(d for d in s if d != 1) or (1,)  # the tokens' (1, 1, E) is written [1, E]

    theirs = Counter(shape(tuple(p.shape)) for p in model.parameters())
    ours = Counter(shape(tuple(w.shape)) for layer in result.layers for w in layer.weights)
    assert ours == theirs
