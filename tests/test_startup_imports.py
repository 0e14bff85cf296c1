"""What a run imports: each dependency only on the path that uses it (issue 20).

A fresh interpreter runs the command as its console script does and reports
``sys.modules``; what `import click` alone brings is taken off, since click
stays the command-line library.  Not timed: the timings are in benchmarks/bench.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("yaml", "rich", "sympy", "dataclasses", "inspect", "pathlib", "runpy", "convcalc.spec.yamlread",
         "json", "locale", "fractions", "decimal", "convcalc.render.cells", "convcalc.render.explain")

PROBE = """
import json, sys
before = set(sys.modules)
import click
with_click = set(sys.modules)
from convcalc.cli import main
sys.argv = ["convcalc", *json.loads(sys.argv[1])]
try:
    main()
except SystemExit as e:
    code = e.code
sys.stdout.flush()
print("\\n@@" + json.dumps({"code": code, "click": sorted(with_click - before),
                           "modules": sorted(set(sys.modules) - with_click)}))
"""


def run(*args: str) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", PROBE, json.dumps(args)], capture_output=True, text=True,
                         env=env, cwd=ROOT, timeout=120, check=False).stdout
    return json.loads(out.rsplit("\n@@", 1)[1])


def loaded(report: dict[str, object], name: str) -> bool:
    mods = report["modules"]
    assert isinstance(mods, list)
    return any(m == name or m.startswith(name + ".") for m in mods)


def test_inline_json_imports_neither_yaml_nor_rich_nor_the_heavy_standard_modules() -> None:
    report = run("--format", "json", "3x32x32 | conv(8,3) | relu")
    assert report["code"] == 0
    assert [m for m in HEAVY if loaded(report, m)] == []


def test_a_yaml_file_in_json_reads_yaml_but_loads_no_rich_nor_sympy() -> None:
    report = run("--format", "json", "examples/vgg16.yaml")
    assert report["code"] == 0
    assert loaded(report, "yaml")
    assert [m for m in ("rich", "sympy", "dataclasses", "runpy", "pathlib", "json", "locale", "fractions")
            if loaded(report, m)] == []


def test_only_the_styled_table_loads_rich() -> None:
    assert loaded(run("3x32x32 | conv(8,3) | relu", "--width", "100"), "rich")
    for fmt in ("csv", "markdown", "plain", "json"):
        assert not loaded(run("--format", fmt, "3x32x32 | conv(8,3) | relu"), "rich"), fmt


def test_a_free_name_is_what_loads_sympy() -> None:
    assert loaded(run("--format", "json", "3 x H x W | conv(8, 3)"), "sympy")
    assert not loaded(run("--format", "json", "3x32x32 | conv(8,3)"), "sympy")


def test_a_convcalc_spec_loads_no_foreign_reader() -> None:
    """Recognising a foreign format is cheap: a convcalc YAML file imports none of the readers."""
    report = run("--format", "json", "examples/vgg16.yaml")
    assert report["code"] == 0
    readers = ("hf_config", "keras_json", "ultralytics", "darknet", "torch_repr", "code")
    assert [r for r in readers if loaded(report, f"convcalc.importers.{r}")] == []


def test_a_run_loads_only_the_layer_families_it_uses() -> None:
    from convcalc.layers.catalogue import FAMILIES

    report = run("--format", "json", "3x32x32 | conv(8,3) | relu")
    assert report["code"] == 0
    assert [f for f in FAMILIES if loaded(report, f"convcalc.layers.{f}")] == ["activation", "conv"]
