"""Graph specs for benchmarks: blocks, repeats and skip connections at scale.

``bench.py`` (owned by the benchmarks helper) may time ``convcalc.analyze`` on
these; ``python benchmarks/graph_specs.py`` times them directly (CPU seconds,
best of 3).
"""

from __future__ import annotations

import time
from typing import Any


def residual_tower(blocks: int = 2500) -> dict[str, Any]:
    """``4 * blocks`` layers: a residual block (conv, batch norm, ReLU, add) repeated."""
    return {
        "name": f"residual-tower-{blocks}",
        "input": [64, 32, 32],
        "vars": {"N": blocks},
        "blocks": {"res": {"args": {"c": 64}, "layers": [
            {"conv2d": {"out": "$c", "kernel": 3, "padding": 1, "bias": False}},
            "batchnorm2d",
            "relu",
            {"add": {"from": [-1, "in"]}},
        ]}},
        "layers": [{"repeat": {"name": "tower", "times": "N", "layers": ["res"]}}],
    }


def dense_tower(layers: int = 2000) -> dict[str, Any]:
    """DenseNet-style: each block concatenates its input with 8 new channels."""
    return {
        "name": f"dense-tower-{layers}",
        "input": [16, 8, 8],
        "blocks": {"grow": {"layers": [
            {"conv2d": {"out": 8, "kernel": 3, "padding": 1}},
            {"concat": {"from": ["in", -1]}},
        ]}},
        "layers": [{"repeat": {"times": layers // 2, "layers": ["grow"]}}],
    }


SPECS = {"residual_tower": residual_tower, "dense_tower": dense_tower}


def main() -> None:
    import convcalc

    for name, make in SPECS.items():
        spec = make()
        best = float("inf")
        for _ in range(3):
            start = time.process_time()
            result = convcalc.analyze(spec)
            best = min(best, time.process_time() - start)
        print(f"{name}: {len(result.layers):,} layers, {best:.3f} s CPU")


if __name__ == "__main__":
    main()
