"""``--list-layers``: the catalogue, read from the same registry the parser uses."""

from __future__ import annotations

from .args import REQUIRED
from .layers.base import REGISTRY, _load_catalogue


def _default(value: object) -> str:
    if value is REQUIRED:
        return ""
    if isinstance(value, bool):
        return "=" + str(value).lower()
    return f"={value}"


def catalogue() -> str:
    """One paragraph per layer type: names, positional orders, arguments and defaults."""
    _load_catalogue()
    by_family: dict[str, list[str]] = {}
    for layer in REGISTRY.values():
        names = [layer.kind]
        if layer.ranks:
            names = [f"{layer.kind}{r}d" for r in layer.ranks] + [f"{layer.kind} (rank from input)"]
        names += list(layer.aliases)
        lines = [f"  {', '.join(names)}"]
        if layer.doc:
            lines.append(f"      {layer.doc}")
        params = []
        for p in layer.params:
            text = f"{p.name}{_default(p.default)}"
            if p.keras_default is not REQUIRED:
                text += f" (keras{_default(p.keras_default)})"
            params.append(text)
        if params:
            lines.append(f"      arguments: {', '.join(params)}")
        if layer.order:
            lines.append(f"      positional: {', '.join(layer.order)}")
        if layer.torch:
            lines.append(f"      PyTorch: {', '.join(layer.torch)}({', '.join(layer.torch_order)})")
        if layer.keras:
            lines.append(f"      Keras: {', '.join(layer.keras)}({', '.join(layer.keras_order)})")
        by_family.setdefault(layer.family, []).append("\n".join(lines))
    out = []
    for family in sorted(by_family):
        out.append(f"{family}:")
        out.extend(by_family[family])
        out.append("")
    return "\n".join(out).rstrip() + "\n"
