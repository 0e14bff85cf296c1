"""Every PyTorch example in examples/ built in PyTorch: same output shape and parameter count.

A small translator turns convcalc's own reading of a sequential spec (each
layer's type and its checked arguments) into torch.nn modules; PyTorch then
computes the shapes and counts.  Specs that branch (``from:``, merges) are
skipped and counted: the reference architectures carry their own checks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")

import convcalc  # noqa: E402
from convcalc.api import load  # noqa: E402
from convcalc.core import binding  # noqa: E402
from convcalc.core.context import Ctx  # noqa: E402
from convcalc.engine.expand import expand_layers  # noqa: E402
from convcalc.engine.variables import Names, resolve_vars  # noqa: E402
from convcalc.layers.registry import lookup  # noqa: E402

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("*.yaml"))
ELEMENTWISE = {
    "relu",
    "relu6",
    "gelu",
    "silu",
    "mish",
    "sigmoid",
    "hardsigmoid",
    "hardswish",
    "tanh",
    "softmax",
    "logsoftmax",
    "softplus",
    "leakyrelu",
    "elu",
    "selu",
    "dropout",
    "identity",
}


class Untranslatable(Exception):
    """The spec uses something the sequential translator does not build."""


def _sym(pads: Any) -> Any:
    if isinstance(pads, str):
        return pads
    if any(left != right for left, right in pads):
        raise Untranslatable("asymmetric padding")
    return tuple(left for left, _ in pads)


def _module(kind: str, v: dict[str, Any], x: tuple[int, ...]) -> Any:
    """One torch.nn module from convcalc's checked arguments for a layer (channels first)."""
    from torch import nn

    r = len(x) - 1
    if kind in ("conv", "conv_transpose"):
        cls = getattr(nn, f"Conv{r}d" if kind == "conv" else f"ConvTranspose{r}d")
        extra = {"output_padding": v["output_padding"]} if kind == "conv_transpose" else {}
        return cls(x[0], v["out"], v["kernel"], stride=v["stride"], padding=_sym(v["padding"]),
                   dilation=v["dilation"], groups=v["groups"], bias=v["bias"], **extra)
    if kind == "maxpool":
        return getattr(nn, f"MaxPool{r}d")(
            v["kernel"], v["stride"], _sym(v["padding"]), v["dilation"], ceil_mode=v["ceil_mode"]
        )
    if kind == "avgpool":
        return getattr(nn, f"AvgPool{r}d")(v["kernel"], v["stride"], _sym(v["padding"]), v["ceil_mode"])
    if kind in ("adaptive_avgpool", "adaptive_maxpool"):
        name = "AdaptiveAvgPool" if kind == "adaptive_avgpool" else "AdaptiveMaxPool"
        return getattr(nn, f"{name}{r}d")(v["size"])
    if kind in ("global_avgpool", "global_maxpool"):
        pool = nn.AdaptiveAvgPool1d(1) if kind == "global_avgpool" else nn.AdaptiveMaxPool1d(1)
        return pool if v["keepdims"] else nn.Sequential(nn.Flatten(2), pool, nn.Flatten(1))
    if kind == "dense":
        return nn.Linear(x[-1], v["out"], v["bias"])
    if kind == "embedding":
        return nn.Embedding(v["vocab"], v["dim"])
    if kind == "batchnorm":
        return getattr(nn, f"BatchNorm{max(r, 1) if r < 2 else r}d")(x[0], affine=v["affine"])
    if kind == "flatten":
        return nn.Flatten(v["start_dim"], v["end_dim"])
    if kind in ELEMENTWISE:
        return nn.Identity()
    raise Untranslatable(f"no translation for {kind}")


def translate(path: Path) -> tuple[Any, convcalc.Result]:
    """(torch.nn.Sequential, convcalc's result) for a sequential PyTorch spec."""
    from torch import nn

    spec = load(str(path))
    result = convcalc.analyze(str(path))
    free = Names()
    env = resolve_vars(spec.vars, {}, free)
    expansion = expand_layers(spec, env)
    index = {row.name: row.index for row in result.layers} | dict(expansion.names) | {"input": 0}
    modules = []
    for node, row in zip(expansion.nodes, result.layers, strict=True):
        if [index.get(s) for s in row.sources] != [row.index - 1]:  # a block's name = its last layer
            raise Untranslatable(f"layer {row.name} reads {row.sources} (a branch)")
        if node.reads or node.when or node.share is not None or node.tie is not None:
            raise Untranslatable(f"layer {row.name} uses size(), if:, share: or tie: (issue 14)")
        resolved = lookup(node.spec.type, spec.framework)
        layer = resolved.layer
        if layer.multi_input:
            raise Untranslatable(f"merge layer {row.name}")
        rank = len(row.input_shapes[0]) - 1 if layer.ranks else None
        ctx = Ctx(spec.framework, spec.resolved_layout, env, free, [], rank)
        bound = binding.bind(node.spec, layer.params, resolved.order, type_name=row.type,
                             ignored=layer.ignored)
        values = binding.coerce_all(bound, layer.params, ctx, row.type)
        modules.append(_module(layer.kind, values, tuple(row.input_shapes[0])))
    return nn.Sequential(*modules), result


def _pytorch_examples() -> list[Path]:
    return [p for p in EXAMPLES if load(str(p)).framework == "pytorch"]


SKIPPED: list[str] = []


@pytest.mark.parametrize("path", _pytorch_examples(), ids=lambda p: p.stem)
def test_example_matches_pytorch(path: Path) -> None:
    try:
        with torch.device("meta"):  # shapes and counts only: no memory, no initialization
            model, result = translate(path)
    except Untranslatable as e:
        SKIPPED.append(path.stem)
        pytest.skip(f"not sequential or not translatable: {e}")
    x = torch.zeros((1, *result.input), device="meta")
    model.eval()
    shapes = []
    with torch.no_grad():
        for module in model:
            x = module(x)
            shapes.append(tuple(x.shape[1:]))
    assert shapes == [tuple(r.output) for r in result.layers]
    assert sum(p.numel() for p in model.parameters()) == result.total_params


def test_examples_exist() -> None:
    """The translator has something to check (a guard against an empty parametrization)."""
    assert len(_pytorch_examples()) >= 3
