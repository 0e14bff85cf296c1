"""What an Ultralytics model YAML's reading reports beside the table: Ultralytics's GFLOPs and its
model summary (index, from, n, module, parameters), made from the Result."""

from __future__ import annotations

import math
from typing import Any


def gflops(result: Any) -> float:
    """Ultralytics's GFLOPs, as its ``get_flops`` counts them with thop: 2 · (the convolutions'
    multiply-adds without bias, 4 per element of a BatchNorm's input, a Linear's in·out per output,
    an adaptive average pool's window + 1 per output, a matrix product's multiply-adds), in 10⁹;
    activations, max-pools, reshapes and softmax count nothing there."""
    ops = 0
    for row in result.layers:
        if row.is_block or row.skipped:
            continue
        if row.type in ("conv2d", "conv_transpose2d", "linear", "dense"):
            kernel = row.weights[0].shape
            k = math.prod(int(v) for v in kernel[2:]) if len(kernel) > 2 else 1
            if row.type == "conv_transpose2d":  # thop walks the input, channels from the output
                ops += _elements(row.input_shapes[0]) * int(kernel[1]) * k
            else:  # output elements · in_channels / groups · kernel
                ops += _elements(row.output) * int(kernel[1]) * k
        elif row.type == "matmul":  # thop counts the attention's `q.transpose(-2, -1) @ k` too
            ops += int(row.macs)
        elif row.type.startswith("batchnorm"):
            ops += 4 * _elements(row.input_shapes[0])
        elif row.type.startswith("adaptive_avgpool"):
            window = math.prod(-(-int(i) // int(o)) for i, o in zip(row.input_shapes[0][1:], row.output[1:],
                                                                        strict=True))
            ops += (window + 1) * _elements(row.output)
    return 2 * ops / 1e9


def summary(rows: Any, result: Any) -> list[dict[str, Any]]:
    """Ultralytics's model table (index, from, n, module) with each row's parameters and output."""
    by_name = {row.name: row for row in result.table_rows()}
    out = []
    for row in rows:
        got = by_name.get(str(row["index"]))
        shapes = None if got is None else [[int(v) for v in s] for s in got.outputs.values()]
        out.append({**row, "params": None if got is None else int(got.params),
                    "output": shapes[0] if shapes and len(shapes) == 1 else shapes})
    return out


def _elements(shape: Any) -> int:
    return math.prod(int(v) for v in shape)
