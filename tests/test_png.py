"""``--draw x.png``: a real PNG through the ``png`` extra (cairosvg), and its refusal without it.

The PNG is checked as bytes (signature, the IHDR chunk's width and height) against
the SVG's own size at the scale the extra rasterises at, so a PNG that is really
SVG text, or one drawn at another size, fails.  Without cairosvg (simulated by
hiding it from the import machinery) ``.png`` is refused before any work.
"""

from __future__ import annotations

import importlib.util
import re
import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from _cli import EXAMPLES, ROOT, run

import convcalc
from convcalc.draw import draw
from convcalc.draw import png as png_module

SIGNATURE = b"\x89PNG\r\n\x1a\n"
LENET = str(EXAMPLES / "lenet5.yaml")


def _png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, which a PNG must have first."""
    assert data[:8] == SIGNATURE, data[:16]
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    return struct.unpack(">II", data[16:24])


def test_the_png_extra_names_cairosvg() -> None:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "optional-dependencies"]
    assert any(re.match(r"cairosvg\b", req) for req in extras["png"]), extras["png"]
    core = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    assert not any("cairosvg" in req for req in core)  # the core dependencies stay four
    # CI installs the extra, so the PNG test below runs there instead of skipping
    assert re.search(r"pip install[^\n]*\.\[[^\]]*\bpng\b", (ROOT / ".ci" / "run").read_text())


@pytest.mark.parametrize("example", ["lenet5", "resnet18"])
def test_png_written_at_the_svg_size_times_the_scale(tmp_path: Path, example: str) -> None:
    pytest.importorskip("cairosvg", reason="the png extra (cairosvg) is not installed")
    spec = str(EXAMPLES / f"{example}.yaml")
    out = tmp_path / "net.png"
    r = run(spec, "--draw", str(out), "-q")
    assert r.status == 0, r.err
    width, height = _png_size(out.read_bytes())
    root = ET.fromstring(draw(convcalc.analyze(spec)))
    svg_w, svg_h = float(root.get("width", "0")), float(root.get("height", "0"))
    scale = png_module.SCALE
    assert abs(width - svg_w * scale) <= 1 and abs(height - svg_h * scale) <= 1, (
        (width, height), (svg_w, svg_h))
    assert not list(tmp_path.glob(".convcalc-*"))  # the temporary file was renamed, not left


def test_png_is_not_mostly_blank(tmp_path: Path) -> None:
    """The boxes are painted: many distinct colours, not a white page with a border."""
    pytest.importorskip("cairosvg", reason="the png extra (cairosvg) is not installed")
    import zlib

    out = tmp_path / "net.png"
    assert run(LENET, "--draw", str(out), "-q").status == 0
    data = out.read_bytes()
    width, height = _png_size(data)
    idat, pos = b"", 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + length]
        pos += 12 + length
    raw = zlib.decompress(idat)
    assert len(raw) >= height * (1 + width * 3)  # every row decoded (RGB or RGBA)
    assert len(set(raw[: width * 4 * 200])) > 20


def test_png_refused_without_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec

    def hide_cairosvg(name: str, *args: object, **kwargs: object) -> object:
        return None if name == "cairosvg" else real(name, *args, **kwargs)

    monkeypatch.setattr(png_module.importlib.util, "find_spec", hide_cairosvg)
    out = tmp_path / "net.png"
    r = run(LENET, "--draw", str(out))
    assert r.status == 2 and not out.exists()
    assert ".svg" in r.err and "convcalc[png]" in r.err and "draw-png-needs-cairosvg" in r.err
    assert "Traceback" not in r.err
    # nothing analysed or printed first: the refusal comes before the table
    assert "lenet5" not in r.out
    # an .svg still works in the same run conditions
    svg = tmp_path / "net.svg"
    assert run(LENET, "--draw", str(svg), "-q").status == 0
    assert svg.read_text(encoding="utf-8").startswith("<?xml")


@pytest.mark.parametrize("ext", [".PNG", ".png"])
def test_png_extension_any_case(tmp_path: Path, ext: str) -> None:
    pytest.importorskip("cairosvg", reason="the png extra (cairosvg) is not installed")
    out = tmp_path / f"net{ext}"
    assert run(LENET, "--draw", str(out), "-q").status == 0
    assert out.read_bytes()[:8] == SIGNATURE
