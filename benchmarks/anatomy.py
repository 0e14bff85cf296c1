"""Where a run's instructions above its dependency floor go: importing convcalc, and the run itself.

Why this exists: issue 20 sets goals as ratios to the floor of a path's
dependencies (``import click, yaml`` for VGG-16 in JSON).  This says what the
part above the floor is made of, in instructions (valgrind's callgrind,
``PYTHONHASHSEED=0``, as ``instructions.py`` counts them), for three of the
bench's rows: the floor; the floor and every convcalc module the run imports,
imported in the run's order without running anything; and the whole run.  It
also counts two costs of this interpreter that no module can avoid: importing
one empty module of a package (finding, loading and executing it: the
importlib machinery alone) and creating one class.  Their products with the
number of modules and classes a run imports say how much of the part above the
floor is the price of having that many modules and classes at all.

    python benchmarks/anatomy.py            # about 2 minutes
    python benchmarks/anatomy.py --markdown
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench  # this directory's own module, after the path is set
from instructions import count, counting_setup

# (label, the floor's imports, the command-line arguments)
ROWS = [
    ("convcalc --format json examples/vgg16.yaml", "click, yaml",
     ["--format", "json", "examples/vgg16.yaml"]),
    ("convcalc examples/vgg16.yaml (table)", "click, yaml, rich.console", ["examples/vgg16.yaml"]),
    (f"convcalc --format json '{bench.INLINE}'", "click", ["--format", "json", bench.INLINE]),
]
UNITS = 100  # empty modules imported, classes created, to measure one

RUN = """
sys.argv = ["convcalc", *{args!r}]
from convcalc.cli import main
try:
    main()
except SystemExit:
    pass
"""

# Prints the modules a run imports beyond its floor (in the order it imports them) and how many
# classes importing them creates.
SURVEY = """
import gc, io, json, sys
import {deps}
before = list(sys.modules)
types_before = sum(isinstance(o, type) for o in gc.get_objects())
out = sys.stdout
sys.stdout = io.StringIO()
""" + RUN + """
sys.stdout = out
mods = [m for m in sys.modules if m not in set(before)]
print(json.dumps(mods))
"""

CLASSES = """
import gc, json, sys
import {deps}
n = sum(isinstance(o, type) for o in gc.get_objects())
for m in {mods!r}:
    __import__(m)
print(sum(isinstance(o, type) for o in gc.get_objects()) - n)
"""


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def survey(deps: str, args: list[str], env: dict[str, str]) -> tuple[list[str], int]:
    """The modules a run imports beyond ``deps``, and the classes importing them creates."""
    done = subprocess.run(python("import sys\n" + SURVEY.format(deps=deps, args=args)), env=env,
                          cwd=bench.ROOT, capture_output=True, text=True, check=True)
    mods = json.loads(done.stdout.splitlines()[-1])
    made = subprocess.run(python(CLASSES.format(deps=deps, mods=mods)), env=env, cwd=bench.ROOT,
                          capture_output=True, text=True, check=True)
    return mods, int(made.stdout.split()[-1])


def unit_costs(tmp: Path, env: dict[str, str]) -> tuple[float, float]:
    """Instructions to import one empty module of a package, and to create one class."""
    package = tmp / "empty_modules"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for i in range(UNITS):
        (package / f"m{i}.py").write_text("")
    env = {**env, "PYTHONPATH": str(tmp)}
    head = "import click, empty_modules\n"
    base = count(python(head), env)
    modules = count(python(head + f"for i in range({UNITS}): __import__(f'empty_modules.m{{i}}')"), env)
    classes = count(python(head + f"for i in range({UNITS}):\n    class C:\n        pass"), env)
    return (modules - base) / UNITS, (classes - base) / UNITS


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    args = ap.parse_args()
    tmp, env = counting_setup("convcalc-anatomy-")
    try:
        module_cost, class_cost = unit_costs(tmp, env)
        lines = []
        for label, deps, argv in ROWS:
            mods, classes = survey(deps, argv, env)
            head = f"import sys, {deps}"
            floor = count(python(head), env)
            # frozen before the exit, as a run freezes everything alive (no full collection at shutdown)
            imports = f"{head}\nfor m in {mods!r}:\n    __import__(m)\n"
            imported = count(python(imports + "import gc\ngc.freeze()"), env)
            whole = count(python(imports + RUN.format(args=argv)), env)
            above = whole - floor
            lines.append([label, f"{floor / 1e6:,.1f} M",
                          f"{(imported - floor) / 1e6:,.1f} M ({len(mods)} modules, {classes} classes)",
                          f"{(whole - imported) / 1e6:,.1f} M", f"{whole / floor:.3f}×",
                          f"{len(mods) * module_cost / above:.0%}", f"{classes * class_cost / above:.0%}"])
        print(f"{bench.machine()}; instructions (callgrind), PYTHONHASHSEED=0; importing an empty module "
              f"costs {module_cost / 1e3:,.0f}k instructions here, creating a class {class_cost / 1e3:,.0f}k")
        print(bench.layout(["row", "floor", "+ importing convcalc", "+ the run", "× floor",
                            "modules × empty import / above floor", "classes × class / above floor"],
                           lines, args.markdown))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
