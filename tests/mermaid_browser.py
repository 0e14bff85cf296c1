"""Rendering ``--format mermaid`` with the real Mermaid, in Debian's headless chromium, and measuring it.

Mermaid's own JavaScript (the npm package ``mermaid``, installed into a cache
folder outside the repository, never into it) is loaded by a ``file://`` page
that renders each diagram and writes, into the page, the SVG's size and every
place where a subgraph's title box meets an edge's path or label, or another
title.  ``chromium --headless --dump-dom`` runs the page and prints the DOM,
from which the JSON is read back: no Playwright, no browser download.

    PYTHONPATH=. python tests/mermaid_browser.py examples/resnet18.yaml   # prints sizes
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

MERMAID_VERSION = "11.17.2"
CACHE = Path(os.environ.get("CONVCALC_MERMAID_DIR", Path(tempfile.gettempdir()) / "convcalc-mermaid"))

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><script src="{script}"></script></head>
<body><pre id="result">pending</pre>
<script type="application/json" id="diagrams">{diagrams}</script>
<script>
function boxes(el) {{
  const r = el.getBoundingClientRect();
  return [r.left, r.top, r.right, r.bottom];
}}
function meet(a, b) {{ return a[0] < b[2] - 1 && b[0] < a[2] - 1 && a[1] < b[3] - 1 && b[1] < a[3] - 1; }}
// does the path cross the box? sampled along its length
function crosses(path, box) {{
  const n = Math.max(8, Math.ceil(path.getTotalLength() / 3));
  const m = path.getScreenCTM();
  for (let i = 0; i <= n; i++) {{
    const p = path.getPointAtLength(path.getTotalLength() * i / n).matrixTransform(m);
    if (p.x > box[0] + 1 && p.x < box[2] - 1 && p.y > box[1] + 1 && p.y < box[3] - 1) return true;
  }}
  return false;
}}
mermaid.initialize({{startOnLoad: false, securityLevel: "strict"}});  // GitHub's defaults otherwise
(async () => {{
  const out = [];
  const diagrams = JSON.parse(document.getElementById("diagrams").textContent);
  for (let k = 0; k < diagrams.length; k++) {{
    const host = document.createElement("div");
    document.body.appendChild(host);
    try {{
      const {{svg}} = await mermaid.render("d" + k, diagrams[k]);
      host.innerHTML = svg;
      const el = host.querySelector("svg");
      const vb = el.viewBox.baseVal;
      const titles = [...el.querySelectorAll(".cluster-label")].map(boxes);
      const edges = [...el.querySelectorAll("path.flowchart-link")];
      const edgeLabels = [...el.querySelectorAll(".edgeLabel")].map(boxes)
        .filter(b => b[2] - b[0] > 1);
      let titleEdge = 0, titleLabel = 0, titleTitle = 0;
      titles.forEach((t, i) => {{
        titleEdge += edges.filter(p => crosses(p, t)).length;
        titleLabel += edgeLabels.filter(b => meet(t, b)).length;
        titleTitle += titles.slice(i + 1).filter(b => meet(t, b)).length;
      }});
      out.push({{width: vb.width, height: vb.height, nodes: el.querySelectorAll(".node").length,
                 titles: titles.length, title_edge: titleEdge, title_label: titleLabel,
                 title_title: titleTitle}});
    }} catch (e) {{
      out.push({{error: String(e && e.message || e)}});
    }}
    host.remove();
  }}
  document.getElementById("result").textContent = JSON.stringify(out);
}})();
</script></body></html>
"""


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def mermaid_script(install: bool = True) -> Path | None:
    """mermaid.min.js of the pinned version, installed with npm into CACHE on first use."""
    script = CACHE / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
    if script.exists() or not install or shutil.which("npm") is None:
        return script if script.exists() else None
    CACHE.mkdir(parents=True, exist_ok=True)
    try:  # offline, or no registry: the caller skips
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--silent", "--prefix", str(CACHE),
                        f"mermaid@{MERMAID_VERSION}"], check=False, capture_output=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return script if script.exists() else None


def measure(diagrams: list[str], script: Path, browser: str) -> list[dict]:
    """Each diagram's rendered size and title overlaps (or its error), from one chromium run."""
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "page.html"
        data = json.dumps(diagrams).replace("</", "<\\/")
        page.write_text(PAGE.format(script=script.as_uri(), diagrams=data), encoding="utf-8")
        proc = subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files",
             f"--user-data-dir={tmp}/profile", "--virtual-time-budget=60000", "--dump-dom",
             page.as_uri()], capture_output=True, text=True, timeout=300, check=False)
    found = re.search(r'<pre id="result">(.*?)</pre>', proc.stdout, re.S)
    if not found or found.group(1) == "pending":
        raise RuntimeError(f"the page did not finish: {proc.stderr[-2000:]}")
    return json.loads(html.unescape(found.group(1)))


SHOT = """<!doctype html>
<html><head><meta charset="utf-8"><script src="{script}"></script></head>
<body style="margin:0;background:white"><pre class="mermaid">{diagram}</pre>
<script>mermaid.initialize({{startOnLoad: true, securityLevel: "strict"}});</script></body></html>
"""


def screenshot(diagram: str, script: Path, browser: str, out: Path, size: tuple[int, int]) -> None:
    """A PNG of the rendered diagram (to look at), ``size`` the window's width and height."""
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "shot.html"
        page.write_text(SHOT.format(script=script.as_uri(), diagram=html.escape(diagram)), encoding="utf-8")
        subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        f"--user-data-dir={tmp}/profile", "--virtual-time-budget=30000",
                        f"--window-size={size[0]},{size[1]}", f"--screenshot={out}", page.as_uri()],
                       capture_output=True, timeout=300, check=False)


def main(paths: list[str]) -> None:
    import convcalc
    from convcalc.render.mermaid import lines
    from convcalc.render.options import Options

    script, browser = mermaid_script(), chromium()
    if script is None or browser is None:
        sys.exit("needs npm (to install mermaid) and chromium")
    texts = ["\n".join(lines(convcalc.analyze(p), Options())) for p in paths]
    for path, text, m in zip(paths, texts, measure(texts, script, browser), strict=True):
        print(path, m)
        if os.environ.get("SHOTS"):  # SHOTS=DIR: also a screenshot of each, to look at
            out = Path(os.environ["SHOTS"]) / (Path(path).stem + ".png")
            screenshot(text, script, browser, out, (int(m["width"]) + 40, int(m["height"]) + 40))


if __name__ == "__main__":
    main(sys.argv[1:])
