"""The family modules load on demand: the generated index is current, and resolves every name as
the full registry does (issue 20).

A run loads only the families its type names need (:mod:`convcalc.layers._index`
says which).  Each check runs in a fresh interpreter, since this process has long
loaded every family; the lazy runs look each name up from an empty registry, then
all of them in two different orders, so that no answer depends on which family
happened to load first.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from convcalc.layers import catalogue, reindex
from convcalc.layers._index import INDEX
from convcalc.layers.registry import all_names, normalize

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import json, sys
from convcalc.errors import SpecError
from convcalc.layers import registry
names = json.loads(sys.stdin.read())
if sys.argv[1] == "full":
    registry.load_all()
def forget_every_family():
    from convcalc.layers.catalogue import FAMILIES
    for module in [m for m in sys.modules if m.startswith("convcalc.layers.")]:
        if module.rsplit(".", 1)[1] in FAMILIES:
            del sys.modules[module]
    for table in (registry._KINDS, registry._NORMAL, registry._TORCH, registry._KERAS, registry._FROM_CLASS,
                  registry._FOLDED, registry._OWN, registry._LOADED, registry._ALL):
        table.clear()
out = {}
last = None
for name in names:
    if sys.argv[1] == "each" and registry.normalize(name.strip()) != last:  # the names come grouped
        forget_every_family()
        last = registry.normalize(name.strip())
    row = {"is_type_name": registry.is_type_name(name),
           "frameworks": registry.spelling_frameworks(name)}
    for fw in ("pytorch", "keras"):
        try:
            r = registry.lookup(name, fw)
        except SpecError as e:
            row[fw] = ["error", e.code, str(e)]
        else:
            keras_class = registry.keras_class(name, r.layer, r.rank)
            row[fw] = [r.layer.kind, r.rank, str(r.spelling), r.cls, keras_class]
    out[name] = row
print(json.dumps(out, sort_keys=True))
"""


def _resolve(names: list[str], mode: str) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", PROBE, mode], input=json.dumps(names), capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=300, check=True)
    return json.loads(done.stdout)


def test_the_index_is_current() -> None:
    """A new family module, type or spelling needs the index rewritten."""
    assert reindex.build_index() == INDEX, "run `python -m convcalc.layers.reindex` to rewrite it"
    with open(ROOT / "convcalc" / "layers" / "_index.py", encoding="utf-8") as f:
        assert f.read() == reindex.index_source()


def test_every_family_module_is_listed_and_indexed() -> None:
    on_disk = {p.stem for p in (ROOT / "convcalc" / "layers").glob("*.py")}
    helpers = {"__init__", "_index", "base", "catalogue", "common", "registry", "reindex", "window"}
    assert sorted(on_disk - helpers) == sorted(catalogue.FAMILIES)
    assert {m for mods in INDEX.values() for m in mods} == set(catalogue.FAMILIES)


def _written() -> list[str]:
    names = all_names()
    return [*names, *(n.upper() for n in names[::7]), *(f"nn.{n}" for n in names[::5]),
            *(f"keras.layers.{n}" for n in names[::5]), "conv_2d", "notalayer", "Dens", "  relu  "]


def test_lazy_loading_resolves_every_name_as_the_full_registry_does() -> None:
    """Each name looked up from an empty registry (its spellings that fold alike together): only
    what the index loads for it."""
    written = sorted(_written(), key=lambda n: normalize(n.strip()))
    full = _resolve(written, "full")
    assert _resolve(written, "each") == full
    assert sum(row["pytorch"][0] == "error" for row in full.values()) >= 2  # type: ignore[index]


@pytest.mark.slow
def test_lazy_loading_does_not_depend_on_the_order_names_come_in() -> None:
    written = _written()
    full = _resolve(written, "full")
    assert _resolve(written[::-1], "lazy") == full
    shuffled = written[:]
    random.Random(20).shuffle(shuffled)
    assert _resolve(shuffled, "lazy") == full
