"""Side-by-side timings of convcalc, the floors of its dependencies, torchinfo and PyTorch's meta device.

Every row is a fresh process (what a user or a CI job pays), started by a bare
interpreter; its CPU time (user plus system) and peak resident memory are read
from ``os.wait4``, its wall time from the clock.  The rows are run round-robin,
N times each, in one session, so they share the machine's state (other work on
it slows them all alike); the table shows medians, and each convcalc row's
ratio to the floor of the
dependencies its path imports (``python -c "import click, yaml"`` for a YAML
file in JSON, ``import click`` for an inline spec in JSON, ``import click, yaml,
rich.console`` for the table) and to ``python -c pass``.  Python's bytecode
cache is enabled for the children (in a temporary ``PYTHONPYCACHEPREFIX``) and
every row is run once before timing, as an installed package would be.  convcalc
runs as its installed console script does (``from convcalc.cli import main``,
no ``runpy``); one row shows ``python -m convcalc`` for comparison.  The goals of
issue 20 are checked at the end.

    python benchmarks/bench.py              # everything (torch rows need torch and torchinfo)
    python benchmarks/bench.py --quick      # no torch rows, no 100,000-layer specs
    python benchmarks/bench.py --markdown   # the table as Markdown, for the README
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
EXAMPLES = ROOT / "examples"
INLINE = "3x32x32 | conv(8,3) | relu"
# The dependency floors: a bare interpreter, and what each path of convcalc must import.
PASS = "python -c pass"
CLICK = "import click"
CLICK_YAML = "import click, yaml"
CLICK_RICH = "import click, rich.console"
CLICK_YAML_RICH = "import click, yaml, rich.console"
# Issue 20's 10,000-layer goal, 0.4 s, was set on a host where `python -c pass` took 9.5 ms; hosts
# (and one shared host from day to day) differ by 2x, so the goal is also checked in those units.
GOAL_SECONDS, GOAL_HOST_PASS = 0.4, 0.0095
# What pip writes as the ``convcalc`` console script (pyproject's [project.scripts]).
CONSOLE_SCRIPT = """import re
import sys
from convcalc.cli import main
if __name__ == "__main__":
    sys.argv[0] = re.sub(r"(-script\\.pyw|\\.exe)?$", "", sys.argv[0])
    sys.exit(main())
"""


@dataclass
class Row:
    label: str
    cmd: list[str]
    runs: int
    group: str = "convcalc"
    floor: str = ""  # the label of the floor row this row is compared with
    net: str = ""  # vgg16 / resnet50: compared with torchinfo's row of that network
    cpu: list[float] = field(default_factory=list)
    wall: list[float] = field(default_factory=list)
    rss_kb: list[int] = field(default_factory=list)
    failed: str = ""

    @property
    def median(self) -> float:
        """The median CPU time, in seconds."""
        return statistics.median(self.cpu)

    @property
    def wall_median(self) -> float:
        return statistics.median(self.wall)

    @property
    def peak_mb(self) -> float:
        return max(self.rss_kb) / 1024


# The children are started by this small process, not by the benchmark itself: Linux charges a
# child's peak RSS with the memory of the process that forked it (until its exec), and the
# benchmark holds the generated specs.  It reads a command per line (arguments separated by
# \x1f) and answers "CPU-seconds wall-seconds peak-RSS-KB exit-status".
SPAWNER = """
import os, sys, time
null = os.open(os.devnull, os.O_WRONLY)
for line in sys.stdin:
    cmd = line.rstrip("\\n").split("\\x1f")
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        os.dup2(null, 1)
        os.dup2(null, 2)
        try:
            os.execv(cmd[0], cmd)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - start
    print(usage.ru_utime + usage.ru_stime, elapsed, usage.ru_maxrss, os.waitstatus_to_exitcode(status),
          flush=True)
"""


class Spawner:
    """Runs each command in a fresh process, from a bare interpreter (see SPAWNER)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen([sys.executable, "-S", "-c", SPAWNER], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, env=env, cwd=ROOT, text=True)

    def run(self, cmd: list[str]) -> tuple[float, float, int, int]:
        """(CPU seconds, wall seconds, peak RSS in KB, exit status) of one run of ``cmd``."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write("\x1f".join(cmd) + "\n")
        self.proc.stdin.flush()
        cpu, wall, rss, status = self.proc.stdout.readline().split()
        return float(cpu), float(wall), int(rss), int(status)

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait()


def convcalc_cmd(tmp: Path) -> list[str]:
    """The installed ``convcalc`` script, or a copy of what pip would write, run by this Python."""
    script = Path(sys.executable).with_name("convcalc")
    if script.exists():
        return [str(script)]
    made = tmp / "convcalc"
    made.write_text(CONSOLE_SCRIPT)
    return [sys.executable, str(made)]


def sequential_spec(n: int) -> str:
    """``n`` layers cycling conv 3×3 (padding 1) / batchnorm / relu on 16×32×32: sizes never shrink."""
    cycle = ("  - conv2d: {out: 16, kernel: 3, padding: 1}\n", "  - batchnorm2d\n", "  - relu\n")
    return f"name: sequential-{n}\ninput: [16, 32, 32]\nlayers:\n" + "".join(cycle[i % 3] for i in range(n))


def written_spec(n: int) -> str:
    """``n`` dense layers written out one per line (no `repeat:`): what the YAML reader must stream."""
    return f"name: written-{n}\ninput: [8]\nlayers:\n" + "  - dense: 8\n" * n


def _written_label(n: int) -> str:
    return f"written-out {n:,} dense layer{'s' if n > 1 else ''} --format json"


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
    cc = convcalc_cmd(tmp)
    py = sys.executable
    rows = [Row(PASS, [py, "-c", "pass"], runs, "floor")]
    rows += [Row(f'python -c "{deps}"', [py, "-c", deps], runs, "floor")
             for deps in (CLICK, CLICK_YAML, CLICK_RICH, CLICK_YAML_RICH)]
    floor = {deps: f'python -c "{deps}"' for deps in (CLICK, CLICK_YAML, CLICK_RICH, CLICK_YAML_RICH)}
    for net in ("vgg16", "resnet50"):
        rel = str(example(net).relative_to(ROOT))
        rows.append(Row(f"convcalc --format json {rel}", [*cc, "--format", "json", rel], runs,
                        floor=floor[CLICK_YAML], net=net))
        rows.append(Row(f"convcalc {rel} (table)", [*cc, rel, "--width", "120"], runs,
                        floor=floor[CLICK_YAML_RICH], net=net))
    vgg = str(example("vgg16").relative_to(ROOT))
    for fmt in ("csv", "markdown"):
        rows.append(Row(f"convcalc --format {fmt} {vgg}", [*cc, "--format", fmt, vgg], runs,
                        floor=floor[CLICK_YAML]))
    rows.append(Row(f"python -m convcalc --format json {vgg}",
                    [py, "-m", "convcalc", "--format", "json", vgg], runs, floor=floor[CLICK_YAML]))
    rows.append(Row(f"convcalc --format json '{INLINE}'", [*cc, "--format", "json", INLINE], runs,
                    floor=floor[CLICK]))
    rows.append(Row(f"convcalc '{INLINE}' (table)", [*cc, INLINE, "--width", "120"], runs,
                    floor=floor[CLICK_RICH]))
    for n in (1_000, 10_000):
        spec = tmp / f"sequential_{n}.yaml"
        spec.write_text(sequential_spec(n))
        rows.append(Row(f"sequential {n:,} layers --format json", [*cc, "--format", "json", str(spec)], runs,
                        "generated"))
    for n in (10_000,) if quick else (10_000, 100_000):
        spec = tmp / f"distinct_{n}.yaml"
        spec.write_text(distinct_spec(n))
        rows.append(Row(f"sequential {n:,} distinct layers --format json",
                        [*cc, "--format", "json", str(spec)], runs if n <= 10_000 else max(1, runs // 5),
                        "generated"))
    if not quick:  # 100,000 written-out dense layers: the big-input path (time and peak memory)
        for n in (1, 100_000):  # one layer: what the memory per layer is counted from (issue 19)
            spec = tmp / f"written_{n}.yaml"
            spec.write_text(written_spec(n))
            rows.append(Row(_written_label(n),
                            [*cc, "--format", "json", str(spec)], max(1, runs // 5), "generated"))
    for n in (100, 1_000):
        spec = tmp / f"symbolic_{n}.txt"
        spec.write_text(symbolic_spec(n))
        rows.append(Row(f"symbolic {n:,} layers (3 x H x W) --format json",
                        [*cc, "--format", "json", str(spec)], runs, "generated"))
    if not quick and has_torchinfo():
        for net in ("vgg16", "resnet50"):
            rows.append(Row(f"torchinfo summary() {net}", [py, str(HERE / "torch_models.py"), net],
                            max(2, runs // 3), "torch", net=net))
            rows.append(Row(f"torch meta device {net}", [py, str(HERE / "torch_models.py"), net, "--meta"],
                            max(2, runs // 3), "torch"))
    return rows


def _failure(cmd: list[str], env: dict[str, str]) -> str:
    """Why ``cmd`` cannot be timed, or "": exit status 1 is an ``expect:`` failing, but a Python
    traceback (convcalc not importable, say) exits with 1 too."""
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    if proc.returncode not in (0, 1):
        return f"exit status {proc.returncode}"
    if "Traceback (most recent call last)" in proc.stderr:
        return proc.stderr.strip().splitlines()[-1][:80]
    return ""


def measure(rows: list[Row], env: dict[str, str]) -> None:
    spawner = Spawner(env)
    try:
        for row in rows:  # warm-up: compiles bytecode, fills the OS file cache
            row.failed = _failure(row.cmd, env)
        for i in range(max(r.runs for r in rows)):
            for row in rows:
                if i < row.runs and not row.failed:
                    cpu, wall, rss, _ = spawner.run(row.cmd)
                    row.cpu.append(cpu)
                    row.wall.append(wall)
                    row.rss_kb.append(rss)
    finally:
        spawner.close()


def table(rows: list[Row], markdown: bool) -> str:
    by = {r.label: r for r in rows if not r.failed}
    bare = by.get(PASS)
    torchinfo = {r.net: r for r in rows if r.group == "torch" and r.net and not r.failed}
    head = ["what", "CPU", "wall", "peak RSS", "× its floor", "× python -c pass", "torchinfo / this"]
    lines = []
    for r in rows:
        if r.failed:
            lines.append([r.label, "failed", r.failed, "", "", "", ""])
            continue
        floor = by.get(r.floor)
        deps = r.floor.removeprefix('python -c "import ').rstrip('"')
        ratio = f"{r.median / floor.median:.2f}× {deps}" if floor else ""
        vs_pass = f"{r.median / bare.median:.1f}×" if bare and r is not bare else ""
        t = torchinfo.get(r.net) if r.group == "convcalc" else None
        vs = f"{t.median / r.median:.0f}× the time, {t.peak_mb / r.peak_mb:.0f}× the memory" if t else ""
        lines.append([r.label, ms(r.median), ms(r.wall_median), f"{r.peak_mb:.0f} MB", ratio, vs_pass, vs])
    return layout(head, lines, markdown)


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:,.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def layout(head: list[str], lines: list[list[str]], markdown: bool) -> str:
    if markdown:
        out = ["| " + " | ".join(head) + " |", "|" + "|".join(" --- " for _ in head) + "|"]
        out += ["| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |" for cells in lines]
        return "\n".join(out)
    widths = [max(len(h), *(len(c[i]) for c in lines)) for i, h in enumerate(head)]
    fmt = lambda cells: "  ".join(c.ljust(w) if i == 0 else c.rjust(w)  # noqa: E731
                                  for i, (c, w) in enumerate(zip(cells, widths, strict=True)))
    return "\n".join([fmt(head), "  ".join("-" * w for w in widths), *(fmt(c) for c in lines)])


def goals(rows: list[Row], markdown: bool) -> str:
    """Issue 20's goals, each with what this run measured (CPU-time medians)."""
    by = {r.label: r for r in rows if not r.failed}
    vgg, resnet = (str(example(n).relative_to(ROOT)) for n in ("vgg16", "resnet50"))
    checks: list[list[str]] = []

    def ratio(what: str, label: str, floor: str, most: float) -> None:
        if label in by and floor in by:
            value = by[label].median / by[floor].median
            checks.append([what, f"≤ {most}×", f"{value:.2f}×", "met" if value <= most else "not met"])

    ratio("vgg16 JSON against import click, yaml", f"convcalc --format json {vgg}",
          f'python -c "{CLICK_YAML}"', 1.15)
    ratio("inline JSON against import click", f"convcalc --format json '{INLINE}'",
          f'python -c "{CLICK}"', 1.2)
    ratio("vgg16 table against import click, yaml, rich.console", f"convcalc {vgg} (table)",
          f'python -c "{CLICK_YAML_RICH}"', 1.15)
    for net, path, memory in (("vgg16", vgg, 40), ("resnet50", resnet, 18)):
        t = by.get(f"torchinfo summary() {net}")
        for label, floor in ((f"convcalc {path} (table)", CLICK_YAML_RICH),
                             (f"convcalc --format json {path}", CLICK_YAML)):
            r, f = by.get(label), by.get(f'python -c "{floor}"')
            if t is None or r is None:
                continue
            speed, mem = t.median / r.median, t.peak_mb / r.peak_mb
            checks.append([f"torchinfo / {label.removeprefix('convcalc ')}: time", "≥ 40×", f"{speed:.0f}×",
                           "met" if speed >= 40 else "not met"])
            if f is not None:  # no run that imports the floor's packages can be faster than the floor
                ceiling = t.median / f.median
                checks.append([f"  at most: torchinfo / {floor}", "", f"{ceiling:.0f}×", "ceiling"])
            checks.append([f"torchinfo / {label.removeprefix('convcalc ')}: peak memory", f"≥ {memory}×",
                           f"{mem:.0f}×", "met" if mem >= memory else "not met"])
    ten = by.get("sequential 10,000 distinct layers --format json")
    if ten:
        checks.append(["10,000 distinct layers", "< 0.4 s", f"{ten.median:.2f} s",
                       "met" if ten.median < 0.4 else "not met"])
        bare = by.get(PASS)
        if bare:  # the same goal on a host of another speed than the one it was set on
            units, most = ten.median / bare.median, GOAL_SECONDS / GOAL_HOST_PASS
            checks.append(["  the same, in units of python -c pass", f"≤ {most:.0f}×", f"{units:.0f}×",
                           "met" if units <= most else "not met"])
    big = by.get("sequential 100,000 distinct layers --format json")
    start = by.get(f'python -c "{CLICK_YAML}"')
    if ten and big and start:
        growth = (big.median - start.median) / (ten.median - start.median)
        checks.append(["100,000 / 10,000 distinct layers, start-up taken off", "≈ 10× (linear)",
                       f"{growth:.1f}×", "met" if growth <= 11 else "not met"])
    one, many = (by.get(_written_label(n)) for n in (1, 100_000))
    if one and many:  # issue 19: peak memory per layer, over a one-layer run
        per = (max(many.rss_kb) - max(one.rss_kb)) * 1024 / 100_000
        checks.append(["memory per written-out layer (issue 19)", "≤ 1,536 B", f"{per:,.0f} B",
                       "met" if per <= 1536 else "not met"])
    return layout(["goal (issue 20)", "wanted", "measured", ""], checks, markdown) if checks else ""


def machine() -> str:
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            model = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "")
    except OSError:
        pass
    return (f"{os.cpu_count()} CPUs{', ' + model if model else ''}; {platform.system()}; "
            f"Python {platform.python_version()}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", "--runs", type=int, default=15, help="timed runs per row (torch rows: a third)")
    ap.add_argument("--quick", action="store_true", help="skip the torch rows and the 100,000-layer specs")
    ap.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="convcalc-bench-"))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    try:
        rows = build_rows(tmp, args.runs, args.quick)
        measure(rows, env)
        print(f"{machine()}; {args.runs} runs a row (100,000 layers and torch: fewer), interleaved; "
              "medians of CPU time (user + system) and of wall time, the largest peak RSS")
        print(table(rows, args.markdown))
        print()
        print(goals(rows, args.markdown))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
