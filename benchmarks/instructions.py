"""The rows of bench.py --quick counted in instructions (valgrind's callgrind), not timed.

Why this exists: CPU time on a shared machine moves by several per cent from one
run to the next (the host's other work, its clock), which is the size of the
start-up gains issue 20 asks about.  An instruction count does not move: the
same command on the same tree gives the same count to 0.1 %, so two trees (or
two commits) compare exactly.  It is not time (a cache miss or a page fault costs
more than an instruction) and the kernel's share (exec, mapping files) is not in
it; the ratios to the floors read as "how much more work than importing the
dependencies".  Each row runs once under ``valgrind --tool=callgrind`` after one
run that writes the bytecode cache, with ``PYTHONHASHSEED=0`` (string hashes
decide dict layouts, so a random seed moves the count by ~0.5 %).

    python benchmarks/instructions.py               # every --quick row (about 4 minutes)
    python benchmarks/instructions.py --markdown    # as Markdown
    python benchmarks/instructions.py -k vgg16      # the rows whose label holds "vgg16", and the floors
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench  # this directory's own module, after the path is set


def count(cmd: list[str], env: dict[str, str]) -> int:
    """Instructions one run of ``cmd`` executes (its bytecode already cached)."""
    subprocess.run(cmd, env=env, cwd=bench.ROOT, capture_output=True, check=False)
    out = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *cmd], env=env,
                         cwd=bench.ROOT, capture_output=True, text=True, check=False).stderr
    found = re.search(r"Collected : (\d+)", out)
    if found is None:
        raise SystemExit(f"valgrind gave no count for {cmd}:\n{out[-800:]}")
    return int(found.group(1))


def counting_setup(prefix: str) -> tuple[Path, dict[str, str]]:
    """A temporary folder and the environment of the counted runs (their own bytecode cache,
    a fixed hash seed); valgrind checked for first."""
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(PYTHONPYCACHEPREFIX=str(tmp / "pycache"), PYTHONHASHSEED="0")
    return tmp, env


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    ap.add_argument("-k", dest="only", default="", help="only the rows whose label holds this text")
    args = ap.parse_args()
    tmp, env = counting_setup("convcalc-instructions-")
    try:
        rows = [r for r in bench.build_rows(tmp, 1, quick=True)
                if r.group == "floor" or (args.only in r.label and r.group != "torch")]
        counts = {}
        for r in rows:
            failed = bench._failure(r.cmd, env)
            if failed:
                raise SystemExit(f"{r.label}: {failed}")
            counts[r.label] = count(r.cmd, env)
        bare = counts[bench.PASS]
        lines = []
        for r in rows:
            n = counts[r.label]
            floor = counts.get(r.floor)
            deps = r.floor.removeprefix('python -c "import ').rstrip('"')
            lines.append([r.label, f"{n / 1e6:,.1f} M", f"{n / floor:.3f}× {deps}" if floor else "",
                          f"{n / bare:.1f}×" if r.label != bench.PASS else ""])
        print(f"{bench.machine()}; instructions of one run (callgrind), PYTHONHASHSEED=0")
        print(bench.layout(["what", "instructions", "× its floor", "× python -c pass"], lines, args.markdown))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
