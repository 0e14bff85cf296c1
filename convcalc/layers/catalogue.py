"""The family modules of the catalogue, in the order they register.

A new layer module is added to :data:`FAMILIES` and nowhere else; then
``python -m convcalc.layers.reindex`` rewrites :mod:`._index` (a test fails
while the index is out of date).
"""

FAMILIES = (
    "activation", "prelu", "conv", "conv_recurrent", "dense", "merge", "norm", "padding", "pool",
    "preprocessing", "recurrent", "shape", "upsample", "wrappers",
    "attention", "reduce", "tensor", "transformer",  # today's networks (issue 13)
    "gather",  # table[index]: Swin's relative-position bias
)
