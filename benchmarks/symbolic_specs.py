"""Symbolic specs for benchmarks: long networks over free sizes (``3 x H x W``).

``bench.py`` (owned by the benchmarks helper) times ``convcalc.analyze`` on
these; ``python benchmarks/symbolic_specs.py`` times them directly.
"""

from __future__ import annotations

import time


def deep_same(n: int = 1000) -> str:
    """``n`` shape-preserving convolutions (3×3, padding 1) on a free H×W input."""
    return " | ".join(["3 x H x W", *["conv(8, 3, padding=1)"] * n])


def conv_pool(n: int = 1000, pool_every: int = 100) -> str:
    """``n`` layers: 3×3 convolutions with padding 1, a 2×2 max pool every ``pool_every``."""
    layers = ["3 x H x W"]
    for i in range(1, n + 1):
        layers.append("maxpool(2)" if i % pool_every == 0 else "conv(16, 3, padding=1)")
    return " | ".join(layers)


def alternating(n: int = 1000) -> str:
    """``n`` layers alternating a valid 3×3 convolution and a stride-1 3×3 pool (sizes shrink by 2)."""
    layers = ["3 x H x W"]
    for i in range(n):
        layers.append("conv(8, 3)" if i % 2 == 0 else "maxpool(3, 1)")
    return " | ".join(layers)


def hyper(n: int = 1000) -> str:
    """``n`` convolutions whose widths are expressions of a free hyperparameter C."""
    layers = ["3 x 32 x 32"]
    for i in range(n):
        layers.append(f"conv({1 + i % 4}*C, 3, padding=1)")
    return " | ".join(layers)


SPECS = {"deep_same": deep_same, "conv_pool": conv_pool, "alternating": alternating, "hyper": hyper}


def main() -> None:
    import convcalc

    for name, make in SPECS.items():
        text = make()
        t0, c0 = time.perf_counter(), time.process_time()
        result = convcalc.analyze(text)
        result.to_dict()
        dt, cpu = time.perf_counter() - t0, time.process_time() - c0
        print(f"{name:12s} {len(result.layers):5d} layers  {dt:6.2f} s ({cpu:.2f} s CPU)  "
              f"output {result.output}  valid {dict(result.valid)}")


if __name__ == "__main__":
    main()
