"""``--draw FILE.png``: the SVG rasterised by cairosvg, an optional extra (``convcalc[png]``).

The core dependencies stay click, rich, PyYAML and sympy, so without cairosvg a
``.png`` (or another raster or document name) is refused before any work, with
the way out named: a ``.svg`` path, or the extra.
"""

from __future__ import annotations

import importlib.util
import os

from ..errors import SpecError

SCALE = 2.0  # pixels per SVG unit: twice the SVG's size, so its small labels stay sharp
RASTER = (".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".tif", ".tiff", ".pdf")


def is_png(path: str) -> bool:
    return os.path.splitext(path)[1].lower() == ".png"


def check_path(path: str) -> None:
    """Refuse a drawing path convcalc cannot write as what its name says."""
    ext = os.path.splitext(path)[1].lower()
    if ext in RASTER:
        raise SpecError(f"--draw writes SVG (or PNG with the png extra), not {ext}: "
                        f"give a path ending in .svg", code="draw-format")
    if ext == ".png" and importlib.util.find_spec("cairosvg") is None:
        raise SpecError('--draw: writing .png needs cairosvg, the optional extra: '
                        'pip install "convcalc[png]"; or give a path ending in .svg',
                        code="draw-png-needs-cairosvg")


def write_png(svg: str, path: str) -> None:
    """The drawing as a real PNG, at ``SCALE`` times the SVG's size."""
    import cairosvg  # an optional extra, checked by check_path before the analysis

    cairosvg.svg2png(bytestring=svg.encode("utf-8"), write_to=path, scale=SCALE)
