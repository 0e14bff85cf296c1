"""What keeps a big spec's cost per layer low (issues 19 and 20), checked without timing.

A 100,000-layer run must not keep the YAML entries, the expansion nodes, or a string,
tuple or dict per layer where one shared object says the same; its JSON rows are written
straight from the rows (``render/_json_layer.py``), as exactly the text their dicts give.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from convcalc.api import analyze, load
from convcalc.core.result import LayerResult
from convcalc.engine import propagate as P
from convcalc.render import json as J
from convcalc.render._json_layer import layer_text
from convcalc.render._json_writer import dumps
from convcalc.render.options import Options
from convcalc.spec import loader
from convcalc.spec.yamlargs import YamlArgLocs

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(p for p in (ROOT / "examples").iterdir() if p.suffix in (".yaml", ".cfg", ".json"))


def _written(n: int, line: str = "  - dense: 8\n") -> str:
    return "name: w\ninput: [8]\nlayers:\n" + line * n


def _indented(text: str, level: int) -> str:
    return text.replace("\n", "\n" + "  " * level)


# ------------------------------------------------------------------ JSON rows

@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
@pytest.mark.parametrize("level", [2, 3])
def test_a_row_written_directly_is_its_dicts_text(path: Path, level: int) -> None:
    result = analyze(str(path))
    direct = 0
    for row in result.layers:
        text = layer_text(row, level)
        if text is not None:
            direct += 1
            assert text == _indented(dumps(row.to_dict()), level), row.name
    assert direct, "no row of the example took the direct way"


@pytest.mark.parametrize("spec", [
    "3 x H x W | conv(8, 3) | relu",  # symbolic sizes: from the dict
    "3x32x32 | conv(8, 3, padding='same') | maxpool(2) | flatten | dense(10)",
    "8x4 | lstm(3, 40)",  # weights standing for several tensors: from the dict
    "12 | split(2) ",
])
def test_rows_the_direct_way_leaves_out_still_write_as_before(spec: str) -> None:
    try:
        result = analyze(spec)
    except Exception:  # a spelling this build does not know: nothing to compare
        pytest.skip(f"{spec} does not analyse here")
    out = io.StringIO()
    J.render([result], Options(format="json"), out, io.StringIO())
    doc = result.to_dict()
    assert out.getvalue() == dumps(doc) + "\n"


def test_json_rows_are_streamed_without_a_dict_per_row(monkeypatch: pytest.MonkeyPatch) -> None:
    result = analyze(_written(5000), source="w.yaml")

    def refused(self: LayerResult) -> dict[str, object]:
        raise AssertionError("a concrete row was made into a dict")

    class Counting(io.StringIO):
        writes = 0

        def write(self, s: str) -> int:
            Counting.writes += 1
            return super().write(s)

    expected = dumps(result.to_dict()) + "\n"
    monkeypatch.setattr(LayerResult, "to_dict", refused)
    out = Counting()
    J.render([result], Options(format="json"), out, io.StringIO())
    assert out.getvalue() == expected
    assert Counting.writes > 1  # written in chunks as the rows are made, never held whole


# ------------------------------------------------------------------ what is kept

def test_equal_arguments_are_one_object() -> None:
    spec = load(_written(50, "  - conv2d: {out: 8, kernel: 3}\n  - dense: 8\n"), source="w.yaml")
    convs = [ls for ls in spec.layers if ls.type == "conv2d"]
    dense = [ls for ls in spec.layers if ls.type == "dense"]
    assert all(ls.kwargs is convs[0].kwargs for ls in convs)
    assert all(ls.args is dense[0].args for ls in dense)
    # exact types only: `true` is no 1
    flags = load(_written(1, "  - dense: [1]\n  - dense: [true]\n"), source="w.yaml").layers
    assert flags[0].args == (1,) and flags[1].args == (True,) and type(flags[1].args[0]) is bool


def test_the_yaml_entries_are_not_kept() -> None:
    conv = "  - conv2d: {out: 8, kernel: 3, name: c$i}\n"
    spec = loader.load_yaml(_written(200, conv + "  - dense: [8]\n  - relu\n"), "w.yaml")
    kinds = set()
    for ls in spec.layers:
        where = ls.arg_locs
        if isinstance(where, YamlArgLocs):
            kinds.add(ls.type)
            assert where.entry is None and where.value_ is None  # released: places only
            kept = [c for c in where.locator.kept if c is not None]
            assert not any(isinstance(c, dict) and ls.type in c for c in kept)
            assert where.locator.kept.count(None) >= 400
    assert kinds == {"conv2d", "dense"}
    # ... and their arguments are still found where they are written
    first = spec.layers[0]
    assert first.arg_locs.value("kernel") == ("w.yaml", 4, conv.index("3, name") + 1)
    assert first.arg_locs.key("name") == ("w.yaml", 4, conv.index("name") + 1)
    assert first.arg_locs.value("from") is None and first.arg_locs.arg(0) is None
    assert spec.layers[1].arg_locs.arg(0).column == 13  # type: ignore[union-attr]


def test_the_refcount_of_an_entry_drops_once_read(monkeypatch: pytest.MonkeyPatch) -> None:
    from convcalc.spec import yamlread

    seen: dict[str, object] = {}
    real = yamlread.read_yaml

    def capture(text: str, source: str):  # type: ignore[no-untyped-def]
        data, locator, loc = real(text, source)
        seen["data"] = data
        return data, locator, loc

    monkeypatch.setattr(yamlread, "read_yaml", capture)
    spec = loader.load_yaml(_written(10), "w.yaml")
    entry = seen["data"]["layers"][3]  # type: ignore[index]
    # held by the document's list, this name and getrefcount's argument: not by the spec
    assert sys.getrefcount(entry) == 3
    assert spec.layers[3].arg_locs.arg(0) == ("w.yaml", 7, 12)  # the 8 of `- dense: 8`


def test_expansion_nodes_are_freed_as_layers_run(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = []
    real = P.expand

    def capture(spec, env=None):  # type: ignore[no-untyped-def]
        expansion = real(spec, env)
        seen.append(expansion)
        return expansion

    monkeypatch.setattr(P, "expand", capture)
    result = analyze(_written(300), source="w.yaml")
    assert len(result.layers) == 300 and seen[0].nodes == []


def test_identical_uses_share_their_label_and_input() -> None:
    result = analyze(_written(100), source="w.yaml")
    rows = result.layers
    assert all(r.label is rows[1].label for r in rows[1:])
    assert all(r.input_shapes is rows[2].input_shapes for r in rows[2:])
    assert all(r.memory is rows[1].memory for r in rows[1:])
    conv = analyze("3x64x64 | conv(8, 3) | conv(8, 3) | conv(8, 3)").layers
    assert conv[0].type is conv[1].type is conv[2].type


def test_work_done_once_still_explains_every_layer() -> None:
    """A slide computed once, arguments bound once, a label made once: each row still has its
    own explain lines and label, as if computed afresh."""
    spec = "3x32x32 | conv(8, 3, padding=1) | batchnorm | conv(9, 3, padding=1) | batchnorm | conv(9, 3)"
    rows = analyze(spec).layers
    fresh = [analyze(f"{r.input_shapes[0][0]}x32x32 | {r.label}").layers[0] for r in rows[:4]]
    for row, alone in zip(rows, fresh, strict=False):
        assert [s.text() for s in row.steps] == [s.text() for s in alone.steps]
        assert row.label == alone.label and row.output == alone.output
    assert [s.label for s in rows[2].steps if s.label in ("H", "W")] == ["H", "W"]
    assert rows[4].output == (9, 30, 30)
