"""``--format html`` and ``--html FILE``: golden pages, balanced tags, nothing fetched, folding rows.

The slow tests open the pages in a real headless Chromium (Debian's ``chromium``;
skipped when it is absent) at 1280x800 and 390x844: screenshots are taken, the
page must not overflow horizontally on the phone width, and no script error may
be logged.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from _cli import golden, run

SYMBOLIC = "3 x H x W | conv(8, 3) | relu | maxpool(2) | conv(16, 3, stride=2)"
SPECS = {
    # relative to the repository (run() works there), so the golden pages name no checkout's path
    "lenet5": "examples/lenet5.yaml",
    "resnet18": "examples/resnet18.yaml",
    "unet": "examples/unet.yaml",
    "retinanet_head": "examples/retinanet_head.yaml",
    "symbolic": SYMBOLIC,
}
VOID = {"meta", "br", "img", "hr", "input", "link", "wbr", "col", "area", "base", "source"}
SVG_EMPTY = {"polygon", "rect", "circle", "line", "path", "marker", "ellipse", "stop"}


def html_of(*args: str) -> str:
    r = run(*args, "-f", "html")
    assert r.status in (0, 1), r.err
    return r.out


class Balanced(HTMLParser):
    """Fails on a closing tag that does not close the innermost open element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend(attrs)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend(attrs)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1:]}>"
        self.stack.pop()


def parse(text: str) -> Balanced:
    p = Balanced()
    p.feed(text)
    p.close()
    assert p.stack == [], f"unclosed: {p.stack}"
    return p


@pytest.mark.parametrize("name", sorted(SPECS))
def test_golden_html(name: str) -> None:
    golden(f"html/{name}.html", html_of(SPECS[name]))


@pytest.mark.parametrize("name", sorted(SPECS))
def test_balanced_and_self_contained(name: str) -> None:
    text = html_of(SPECS[name])
    p = parse(text)
    assert text.startswith("<!DOCTYPE html>")
    assert "script" not in p.tags and "link" not in p.tags and "img" not in p.tags
    # no URL of any kind but the SVG namespace name (which is never fetched) and in-page anchors
    urls = re.findall(r"(?:https?|ftp)://[^\s\"'<>)]+|//[a-z0-9.-]+\.[a-z]{2,}/", text, re.I)
    assert set(urls) <= {"http://www.w3.org/2000/svg"}, urls
    assert "@import" not in text and "url(http" not in text and "@font-face" not in text
    for key, value in p.attrs:
        if key in ("href", "src"):
            assert value is not None and value.startswith("#"), (key, value)


def test_blocks_fold_and_layers_explain() -> None:
    text = html_of(SPECS["resnet18"])
    p = parse(text)
    # every block row is the summary of an open <details>; 4 stages x 2 blocks + 4 stages
    assert text.count('<details class="cc-block" open>') == 12
    assert p.tags.count("summary") >= 12 + 20  # the blocks, and every layer with formulas
    assert "params: weight 64·3·7·7 = 9,408" in text  # --explain of conv1, folded
    assert "11,689,512" in text and "Expectations: <span class=\"cc-ok\">all 4 passed" in text
    assert text.count("<svg") == 1
    assert '<details class="cc-layer">' in text and '<details class="cc-layer" open>' not in text
    opened = run(SPECS["resnet18"], "-f", "html", "-x")
    assert opened.err == "" and '<details class="cc-layer">' not in opened.out  # -x: formulas open


def test_symbolic_valid_sets_and_warnings() -> None:
    text = html_of(SYMBOLIC)
    assert "Free names: H, W" in text and "Valid for" in text
    warned = html_of("1x3x224x224 | conv(64, 7, 2, 3)")  # a batch axis read as channels
    assert "<h3>Warnings</h3>" in warned and "<code>[leading-1-read-as-axis]</code>" in warned
    assert "1 warning</span>" not in warned  # one spec: no index, no badge


def test_failed_expectation_and_several_specs(tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text("input: [1, 28, 28]\nlayers: [{conv2d: [8, 3]}]\n"
                    "expect: {params: 81, output: [8, 26, 26]}\n")
    r = run(str(spec), SYMBOLIC, "not a spec ((", "-f", "html")
    assert r.status == 2
    p = parse(r.out)
    assert "nav" in p.tags and r.out.count('<section class="cc-spec') == 3
    assert all(f'href="#spec-{n}"' in r.out and f'id="spec-{n}"' in r.out for n in (1, 2, 3))
    assert "1 of 2 failed" in r.out and ">FAIL<" in r.out and ">pass<" in r.out
    assert "expected 81, got 80" in r.err  # stderr keeps its lines
    ids = re.findall(r'id="([^"]*)"', r.out)
    assert len(set(ids)) == len(ids)  # the drawings' marker ids made unique


def test_html_file_beside_another_format(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    r = run(SPECS["lenet5"], "--html", str(out), "-f", "json")
    assert r.status == 0 and r.out.lstrip().startswith("{")
    assert f"report written to {out}" in r.err
    parse(out.read_text(encoding="utf-8"))
    assert "61,706" in out.read_text(encoding="utf-8")


# ---------------------------------------------------------------- a real browser
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars"]
# Headless Chromium keeps a window at least 500 px wide, so the phone width is measured in an
# iframe of that width; the numbers are written into the DOM, which --dump-dom prints.
PROBE = """<!DOCTYPE html><html><body style="margin:0">
<iframe id="f" style="border:0" width="{w}" height="{h}" src="{src}"></iframe>
<script>
const f = document.getElementById('f');
f.addEventListener('load', () => {{
  const win = f.contentWindow, d = win.document.documentElement;
  const t = win.document.querySelector('.cc-table').getBoundingClientRect();
  const m = document.createElement('pre'); m.id = 'probe';
  m.textContent = JSON.stringify({{scroll: d.scrollWidth, inner: win.innerWidth, tableW: t.width,
                                   tableTop: t.top}});
  document.body.appendChild(m);
}});
</script></body></html>"""


def _chromium(args: list[str], timeout: int = 90) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
                              capture_output=True, text=True, timeout=timeout, check=False)


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
@pytest.mark.parametrize("name", ["lenet5", "resnet18", "unet", "retinanet_head", "symbolic"])
@pytest.mark.parametrize("size", [(1280, 800), (390, 844)])
def test_in_a_browser(name: str, size: tuple[int, int], tmp_path: Path) -> None:
    import json
    import struct

    page = tmp_path / f"{name}.html"
    page.write_text(html_of(SPECS[name]), encoding="utf-8")
    width, height = size
    shot = tmp_path / f"{name}-{width}.png"
    r = _chromium(["--enable-logging=stderr", "--v=0", f"--screenshot={shot}",
                   f"--window-size={width},{height}", page.as_uri()])
    assert shot.exists(), r.stderr[-2000:]
    assert "CONSOLE" not in r.stderr, r.stderr  # no script or page error logged
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (width, height)
    assert len(png) > 20_000  # a page with text and boxes, not a blank one
    probed = tmp_path / f"{name}-probe.html"
    probed.write_text(PROBE.format(w=width, h=height, src=page.name), encoding="utf-8")
    r = _chromium(["--dump-dom", "--allow-file-access-from-files", "--virtual-time-budget=5000",
                   "--window-size=1400,1000", probed.as_uri()])
    m = re.search(r'<pre id="probe">(.*?)</pre>', r.stdout, re.S)
    assert m, r.stderr[-2000:]
    info = json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert info["inner"] == width
    assert info["scroll"] <= info["inner"], info  # nothing overflows horizontally
    assert 0 < info["tableW"] <= width and info["tableTop"] > 0


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """(width, height, rows of RGB(A) bytes) of an 8-bit RGB or RGBA PNG, without an imaging library."""
    import struct
    import zlib

    pos, idat, width, height, channels = 8, b"", 0, 0, 0
    while pos < len(data):
        (n,), kind = struct.unpack(">I", data[pos:pos + 4]), data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour in (2, 6)
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw, stride, rows, prev = zlib.decompress(idat), width * channels, [], bytearray(width * channels)
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b, c = prev[i], prev[i - channels] if i >= channels else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, rows


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_phone_screenshot_pixels(dark: bool, tmp_path: Path) -> None:
    page = tmp_path / "symbolic.html"
    page.write_text(html_of(SPECS["symbolic"]), encoding="utf-8")
    shot = tmp_path / "shot.png"
    _chromium([*(["--force-dark-mode"] if dark else []), f"--screenshot={shot}", "--window-size=390,844",
               page.as_uri()])
    width, height, rows = png_pixels(shot.read_bytes())
    channels = len(rows[0]) // width
    background = tuple(rows[2][6:9]) if channels == 3 else tuple(rows[2][8:11])
    assert background == ((22, 24, 27) if dark else (255, 255, 255))  # prefers-color-scheme followed
    # the table (it starts in the first screen here) has ink on many rows: text, not a blank page
    inked = [y for y in range(height)
             if any(tuple(rows[y][x * channels:x * channels + 3]) != background for x in range(20, 370, 3))]
    assert len(inked) > height // 4
