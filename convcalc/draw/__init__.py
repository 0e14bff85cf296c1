"""``--draw FILE.svg``: a paper-style picture of the feature maps, in plain SVG.

In the manner of the LeNet and AlexNet figures: every feature map is a box
drawn in oblique projection whose height, receding depth and thickness grow
with its height, width and channels (log-scaled, so a 224×224×3 input and a
7×7×512 map both stay readable); the kernel a conv or pool layer slides is a
small box on the map it reads, with lines to the map it makes; vectors
(flatten, dense) are bars; merges such as ``add`` are circles; skips and
branches are arrows over the top.

Shape-preserving, single-input layers without a window (activations,
normalisation, dropout) are folded into the box of the layer before them
and named under it: one box per tensor a reader of the paper would draw.
Long networks wrap onto several rows, breaking only where a single tensor
flows on (so no skip arrow crosses a row break).

The SVG is text written here (no drawing library, no fonts embedded) and
the same spec always gives the same bytes.  Symbolic sizes are labelled
with their expressions; the geometry uses the smallest valid size of each
free name (``result.valid``), or 32 when that is unknown.
"""

from .layout import short_label, wrap
from .svg import draw, write

__all__ = ["draw", "short_label", "wrap", "write"]
