"""Every registered layer type has tests: rows in the differential generators and in the catalogue tables.

A new layer type without generator rows (tests/oracle_gen.py, tests/oracle_gen_pasted.py, the tensor
operations' oracle_gen.TENSOR_OPS and the graphs of tests/oracle_graphs.py) or without a row
in the tables of tests/test_layers_catalogue.py fails here, and so does a
generator writing a class name convcalc does not know.  Neither check needs
PyTorch or Keras: they read the configurations and the tables, not the results.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import oracle
import oracle_gen
import oracle_graphs
import pytest
import test_layers_catalogue as tables

from convcalc.api import load
from convcalc.layers import REGISTRY, lookup
from convcalc.spec.model import LayerSpec

FRAMEWORKS = ("pytorch", "keras")


def _generated(framework: str) -> Iterable[oracle.LayerCfg]:
    """Every layer of the full generated set, the wrapped ones of wrappers too."""
    def walk(lay: oracle.LayerCfg) -> Iterable[oracle.LayerCfg]:
        yield lay
        for v in lay.kwargs.values():
            if isinstance(v, oracle.LayerCfg):
                yield from walk(v)

    configs = oracle_gen.generate(framework, oracle.FULL)  # oracle_gen_pasted.PASTED too
    if framework == "pytorch":
        configs += oracle_gen.generate(framework, oracle.FULL, seed=1313, first=oracle_gen.TENSOR_OPS)
    for cfg in configs:
        for lay in cfg.layers:
            yield from walk(lay)


def _all_generators() -> tuple[oracle_gen.Gen, ...]:
    return (*oracle_gen._all(), *oracle_gen.TENSOR_OPS)


def _generated_kinds() -> dict[str, set[str]]:
    """Kinds the generators write: in the full generated sets, or among the classes a generator
    says it picks from (``Gen.requires``: a pick among many may be missing from one seed's set)."""
    kinds: dict[str, set[str]] = {}
    for fw in FRAMEWORKS:
        for lay in _generated(fw):
            written = lay.cc_type if lay.spelling == "convcalc" and lay.cc_type else lay.cls
            kinds.setdefault(lookup(written, fw).layer.kind, set()).add(fw)
        for gen in _all_generators():
            for name in gen.requires.get(fw, ()):
                kinds.setdefault(lookup(name, fw).layer.kind, set()).add(fw)
    for case in oracle_graphs.generate(oracle.FULL):  # several inputs or outputs: torch graphs
        spec = load({"inputs": {k: list(v) for k, v in case.inputs.items()}, "layers": list(case.layers)})
        for kind in _spec_kinds(spec.layers, "pytorch"):
            kinds.setdefault(kind, set()).add("pytorch")
    return kinds


def test_every_type_has_generator_rows() -> None:
    missing = sorted(set(REGISTRY) - set(_generated_kinds()))
    assert not missing, f"add generators to tests/oracle_gen.py for {missing}"


@pytest.mark.parametrize("gen", _all_generators(), ids=lambda g: g.name)
def test_generators_write_only_registered_names(gen: oracle_gen.Gen) -> None:
    for fw, names in gen.requires.items():
        for name in names:
            assert oracle.registered(name, fw), f"{gen.name}: {name} is not a {fw} layer type of convcalc"


def _spec_kinds(layers: Iterable[Any], framework: str) -> set[str]:
    """The kinds of a spec's layers, wrapped layers included."""
    out: set[str] = set()
    for entry in layers:
        if isinstance(entry, LayerSpec):
            out.add(lookup(entry.type, framework).layer.kind)
            out |= _spec_kinds([*entry.args, *entry.kwargs.values()], framework)
        elif isinstance(entry, Mapping) and len(entry) == 1:  # a wrapped layer written as a mapping
            (name, _), = entry.items()
            out.add(lookup(str(name), framework).layer.kind)
    return out


def _table_kinds() -> set[str]:
    kinds: set[str] = set()
    for fw, rows in (("pytorch", tables.TORCH_CASES), ("keras", tables.KERAS_CASES)):
        for row in rows:
            kinds |= _spec_kinds(load(row[1]).layers, fw)
    for row in tables.REFUSALS:
        kinds |= _spec_kinds(load(row[2]).layers, row[1])
    for _, fw, _shapes, entry, _, _ in tables.MERGE_CASES:
        kinds |= {lookup(name, fw).layer.kind for name in entry}
    return kinds


def test_every_type_has_a_catalogue_row() -> None:
    missing = sorted(set(REGISTRY) - _table_kinds())
    assert not missing, f"add rows to the tables of tests/test_layers_catalogue.py for {missing}"
