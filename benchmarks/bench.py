"""Side-by-side timings of convcalc, its dependency floor and torchinfo.

Every row is a fresh process (what a user or a CI job pays), timed with the
wall clock, its peak resident memory read from ``os.wait4``.  The rows are run
round-robin, N times each, in one session, so they share the machine's state;
the table shows the best and the median run and the median's ratio to the
floors.  Python's bytecode cache is enabled for the children (in a temporary
``PYTHONPYCACHEPREFIX``) and every row is run once before timing, as an
installed package would be.

    python benchmarks/bench.py              # everything (torchinfo rows need torch, torchinfo)
    python benchmarks/bench.py --quick      # no torchinfo, no 10,000-layer spec
    python benchmarks/bench.py --markdown   # the table as Markdown, for the README
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
EXAMPLES = ROOT / "examples"
FLOOR_DEPS = "import click, yaml, rich.console, rich.table"


@dataclass
class Row:
    label: str
    cmd: list[str]
    runs: int
    group: str = "convcalc"
    times: list[float] = field(default_factory=list)
    rss_kb: list[int] = field(default_factory=list)
    failed: str = ""

    @property
    def best(self) -> float:
        return min(self.times)

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def peak_mb(self) -> float:
        return max(self.rss_kb) / 1024


def run_once(cmd: list[str], env: dict[str, str]) -> tuple[float, int, int]:
    """(seconds, peak RSS in KB, exit status) of one run of ``cmd``."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stderr.close()  # type: ignore[union-attr]
    return elapsed, usage.ru_maxrss, proc.returncode


def convcalc_cmd() -> list[str]:
    script = Path(sys.executable).with_name("convcalc")
    return [str(script)] if script.exists() else [sys.executable, "-m", "convcalc"]


def sequential_spec(n: int) -> str:
    """``n`` layers cycling conv 3×3 (padding 1) / batchnorm / relu on 16×32×32: sizes never shrink."""
    cycle = ("  - conv2d: {out: 16, kernel: 3, padding: 1}\n", "  - batchnorm2d\n", "  - relu\n")
    return f"name: sequential-{n}\ninput: [16, 32, 32]\nlayers:\n" + "".join(cycle[i % 3] for i in range(n))


def written_spec(n: int) -> str:
    """``n`` dense layers written out one per line (no `repeat:`): what the YAML reader must stream."""
    return f"name: written-{n}\ninput: [8]\nlayers:\n" + "  - dense: 8\n" * n


def distinct_spec(n: int) -> str:
    """Like :func:`sequential_spec`, but every conv adds a channel, so no two layer uses are alike.

    convcalc computes identical layer uses once; this spec measures the cost of
    ``n`` layers that all have to be computed.
    """
    lines = []
    for i in range(n):
        step = i % 3
        lines.append(f"  - conv2d: {{out: {17 + i // 3}, kernel: 3, padding: 1}}\n" if step == 0
                     else "  - batchnorm2d\n" if step == 1 else "  - relu\n")
    return f"name: distinct-{n}\ninput: [16, 32, 32]\nlayers:\n" + "".join(lines)


def symbolic_spec(n: int) -> str:
    sys.path.insert(0, str(HERE))
    try:
        from symbolic_specs import conv_pool  # type: ignore[import-not-found]

        return str(conv_pool(n, pool_every=max(n // 10, 1)))
    except ImportError:
        return " | ".join(["3 x H x W", *(["conv(16, 3, padding=1)"] * n)])
    finally:
        sys.path.pop(0)


def example(name: str) -> Path:
    """``examples/<name>.yaml``, or the biggest example present while it does not exist."""
    path = EXAMPLES / f"{name}.yaml"
    if path.exists():
        return path
    return max(EXAMPLES.glob("*.yaml"), key=lambda p: p.stat().st_size)


def has_torchinfo() -> bool:
    probe = "import torch, torchinfo"
    return subprocess.run([sys.executable, "-c", probe], capture_output=True).returncode == 0


def build_rows(tmp: Path, runs: int, quick: bool) -> list[Row]:
    cc = convcalc_cmd()
    py = sys.executable
    rows = [
        Row("python -c pass", [py, "-c", "pass"], runs, "floor"),
        Row("import click, yaml, rich (dependency floor)", [py, "-c", FLOOR_DEPS], runs, "floor"),
    ]
    for net in ("vgg16", "resnet50"):
        path = example(net)
        rel = str(path.relative_to(ROOT))
        rows.append(Row(f"convcalc {rel}", [*cc, rel, "--width", "120"], runs))
        rows.append(Row(f"convcalc {rel} -f json", [*cc, rel, "-f", "json"], runs))
    for n in (100, 1_000) if quick else (100, 1_000, 10_000):
        spec = tmp / f"sequential_{n}.yaml"
        spec.write_text(sequential_spec(n))
        rows.append(Row(f"sequential {n:,} layers -f json", [*cc, str(spec), "-f", "json"], runs,
                        "generated"))
    n = 1_000 if quick else 10_000
    spec = tmp / f"distinct_{n}.yaml"
    spec.write_text(distinct_spec(n))
    rows.append(Row(f"sequential {n:,} distinct layers -f json", [*cc, str(spec), "-f", "json"], runs,
                    "generated"))
    if not quick:  # 100,000 written-out dense layers: the big-input path (time and peak memory)
        n = 100_000
        spec = tmp / f"written_{n}.yaml"
        spec.write_text(written_spec(n))
        rows.append(Row(f"written-out {n:,} dense layers -f json", [*cc, str(spec), "-f", "json"],
                        max(1, runs // 5), "generated"))
    for n in (100, 1_000):
        spec = tmp / f"symbolic_{n}.txt"
        spec.write_text(symbolic_spec(n))
        rows.append(Row(f"symbolic {n:,} layers (3 x H x W) -f json", [*cc, str(spec), "-f", "json"],
                        runs, "generated"))
    if not quick and has_torchinfo():
        for net in ("vgg16", "resnet50"):
            rows.append(Row(f"torchinfo summary() {net}", [py, str(HERE / "torch_models.py"), net],
                            max(2, runs // 3), "torchinfo"))
    return rows


def measure(rows: list[Row], env: dict[str, str]) -> None:
    for row in rows:  # warm-up: compiles bytecode, fills the OS file cache
        _, _, status = run_once(row.cmd, env)
        if status not in (0, 1):
            row.failed = f"exit status {status}"
    for i in range(max(r.runs for r in rows)):
        for row in rows:
            if i < row.runs and not row.failed:
                seconds, rss, _ = run_once(row.cmd, env)
                row.times.append(seconds)
                row.rss_kb.append(rss)


def table(rows: list[Row], markdown: bool) -> str:
    by = {r.label: r for r in rows if not r.failed}
    floor = by.get("import click, yaml, rich (dependency floor)")
    torch_rows = {r.label.split()[-1]: r for r in rows if r.group == "torchinfo" and not r.failed}
    head = ["what", "best", "median", "peak RSS", "× dep. floor", "vs torchinfo"]
    lines = []
    for r in rows:
        if r.failed:
            lines.append([r.label, "failed", r.failed, "", "", ""])
            continue
        ratio = f"{r.median / floor.median:.2f}×" if floor and r.group != "torchinfo" else ""
        vs = ""
        for net, t in torch_rows.items():
            if net in r.label and r.group == "convcalc":
                vs = f"{t.median / r.median:.0f}× faster, {t.peak_mb / r.peak_mb:.0f}× less memory"
        lines.append([r.label, f"{r.best * 1e3:.0f} ms", f"{r.median * 1e3:.0f} ms", f"{r.peak_mb:.0f} MB",
                      ratio, vs])
    if markdown:
        out = ["| " + " | ".join(head) + " |", "|" + "|".join(" --- " for _ in head) + "|"]
        out += ["| " + " | ".join(cells) + " |" for cells in lines]
        return "\n".join(out)
    widths = [max(len(h), *(len(c[i]) for c in lines)) for i, h in enumerate(head)]
    fmt = lambda cells: "  ".join(c.ljust(w) if i == 0 else c.rjust(w)  # noqa: E731
                                  for i, (c, w) in enumerate(zip(cells, widths, strict=True)))
    return "\n".join([fmt(head), "  ".join("-" * w for w in widths), *(fmt(c) for c in lines)])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", "--runs", type=int, default=9, help="timed runs per row (torchinfo: a third)")
    ap.add_argument("--quick", action="store_true", help="skip torchinfo and the 10,000-layer spec")
    ap.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="convcalc-bench-"))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    try:
        rows = build_rows(tmp, args.runs, args.quick)
        measure(rows, env)
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; {args.runs} runs a row "
              "(torchinfo fewer); best and median wall time, peak RSS of the process")
        print(table(rows, args.markdown))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
