"""The shortcuts of reading, loading and writing out a spec's layers, at their edges.

The YAML reader makes a plain decimal's value, a value's short place and its handing to
its parent itself (not by calls); the locator unpacks a list's short places itself and
finds the last two containers again first; the loader makes a layer list's plain words
into layers in its loop; a JSON row is one template per indentation level with its texts
tested for escapes at once; a table's plain rows are measured by len and padded by
ljust/rjust, and shapes of whole sizes joined at once.  Each is held here to what the long
way gives.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
import yaml
from _typed import same as _same

from convcalc.api import analyze
from convcalc.core.result import LayerResult
from convcalc.core.types import Weight
from convcalc.errors import Loc, SpecError
from convcalc.render import _json_layer
from convcalc.render._json_layer import layer_text
from convcalc.render._json_writer import Stream, dumps, write
from convcalc.spec import loader
from convcalc.spec.loader import from_data, layer_entry, load_yaml
from convcalc.spec.yamlplaces import Locator
from convcalc.spec.yamlread import read_yaml
from convcalc.spec.yamlscalars import MAX_DIGITS

# ------------------------------------------------------------------ YAML scalars

SCALARS = ["0", "7", "10", "007", "08", "09", "0x1f", "0o17", "1_000", "+5", "-5", "3.0", "1e3",
           "١٢", "12a", "'12'", '"12"', "!!int 12", "!!str 12", "!!float 12", "! 12", "true",
           "~", "null", "1:30", "9" * 40]


@pytest.mark.parametrize("raw", SCALARS)
def test_a_scalar_reads_as_pyyaml_reads_it_as_a_value_a_key_and_an_item(raw: str) -> None:
    for text in (f"a: {raw}\n", f"{raw}: a\n", f"- {raw}\n- [{raw}, x]\n", f"{{k: {raw}}}\n"):
        data, _, _ = read_yaml(text, "x.yaml")
        assert _same(data, yaml.safe_load(text)), text


def test_the_digit_limit_holds_on_the_fast_way() -> None:
    data, _, _ = read_yaml(f"a: {'1' * MAX_DIGITS}\n", "x.yaml")
    assert data["a"] == int("1" * MAX_DIGITS)
    with pytest.raises(SpecError) as info:
        read_yaml(f"a:\n  - {'1' * (MAX_DIGITS + 1)}\n", "x.yaml")
    assert info.value.code == "too-large"
    assert (info.value.loc.line, info.value.loc.column) == (2, 5)


def test_an_anchored_number_is_what_its_aliases_repeat() -> None:
    data, locator, _ = read_yaml("a: &n 12\nb: [*n, *n]\nc: &w relu\nd: *w\n", "x.yaml")
    assert data == {"a": 12, "b": [12, 12], "c": "relu", "d": "relu"}
    assert str(locator.item(data["b"], 1)) == "x.yaml:1:4"  # an alias is where its anchor's value is


def test_a_date_stays_its_text() -> None:
    assert read_yaml("a: 2024-01-01\n", "x.yaml")[0] == {"a": "2024-01-01"}


def test_a_document_that_is_one_scalar_or_one_collection() -> None:
    assert read_yaml("5\n", "x.yaml")[0] == 5
    assert read_yaml("relu\n", "x.yaml")[0] == "relu"
    assert read_yaml("[1, {a: 2}]\n", "x.yaml")[0] == [1, {"a": 2}]


def test_errors_on_the_fast_way_are_where_they_were() -> None:
    cases = {
        "a: 1\na: 2\n": ("duplicate-key", 2, 1, "first at line 1, column 1"),
        "a: {1: 2, 1: 3}\n": ("duplicate-key", 1, 11, "first at line 1, column 5"),
        "a: {<<: {b: 1}}\n": ("yaml-merge-key", 1, 5, ""),
        "a: [[1], [2]]\nb: {[1]: 2}\n": ("bad-key", 2, 5, ""),
        "a: !!binary aGk=\n": ("yaml-tag", 1, 4, ""),
    }
    for text, (code, line, column, said) in cases.items():
        with pytest.raises(SpecError) as info:
            read_yaml(text, "x.yaml")
        assert info.value.code == code, text
        assert (info.value.loc.line, info.value.loc.column) == (line, column), text
        assert said in info.value.message


@pytest.mark.parametrize("pad", [1018, 1019, 1020, 1021])  # the short places end at column 1,024
def test_values_either_side_of_the_short_places_column_are_located(pad: int) -> None:
    text = "a: [" + " " * pad + "7, [8], x, {k: 9}]\n"
    data, locator, _ = read_yaml(text, "x.yaml")
    items = data["a"]
    assert [locator.item(items, i).column for i in range(4)] == [
        5 + pad, 8 + pad, 13 + pad, 16 + pad]
    assert locator.key(items[3], "k").column == 17 + pad
    assert locator.items(items, Loc("x.yaml")) == [locator.item(items, i) for i in range(4)]


def test_values_past_the_short_places_line_are_located() -> None:
    text = "#\n" * (2**18 - 1) + "a: [1, [2], x]\nb: {k: 3}\n"
    data, locator, _ = read_yaml(text, "x.yaml")
    assert [str(locator.item(data["a"], i)) for i in range(3)] == [
        f"x.yaml:{2**18}:5", f"x.yaml:{2**18}:8", f"x.yaml:{2**18}:13"]
    assert str(locator.key(data["b"], "k")) == f"x.yaml:{2**18 + 1}:5"
    assert locator.items(data["a"], Loc("x.yaml"))[2] == locator.item(data["a"], 2)


# ------------------------------------------------------------------ the locator

def test_a_released_container_is_unknown_whether_found_last_or_before() -> None:
    data, locator, _ = read_yaml("a: [1]\nb: [2]\nc: [3]\n", "x.yaml")
    a, b, c = data["a"], data["b"], data["c"]
    assert locator.knows(a) and locator.knows(b)  # a found before b, b last
    assert locator.release(a) is not None
    assert not locator.knows(a) and locator.knows(b)
    assert locator.knows(c)
    assert locator.release(b) is not None and locator.release(c) is not None
    assert not locator.knows(b) and not locator.knows(c)
    assert locator.release(b) is None


def test_items_of_a_list_longer_than_its_places_fall_back() -> None:
    data, locator, _ = read_yaml("a: [1, 2]\n", "x.yaml")
    items = data["a"]
    items.append(3)  # not read from the YAML
    fallback = Loc("x.yaml", 9, 9)
    assert locator.items(items, fallback) == [Loc("x.yaml", 1, 5), Loc("x.yaml", 1, 8), fallback]
    assert Locator("y.yaml").items([1, 2], fallback) == [fallback, fallback]


# ------------------------------------------------------------------ the loader

@pytest.mark.parametrize("word", ["relu", " relu ", "flatten", "Conv2d(1, 2, 3)", "Dense(4)"])
def test_a_layer_list_word_is_the_layer_layer_entry_makes(word: str) -> None:
    spec = load_yaml(f"input: [3, 8, 8]\nlayers:\n  - {word!r}\n  - relu\n", "x.yaml")
    alone = layer_entry(word, Loc("x.yaml", 3, 5))
    assert spec.layers[0] == alone
    assert spec.layers[0].loc == Loc("x.yaml", 3, 5)


def test_a_word_of_another_str_type_takes_the_long_way() -> None:
    class Word(str):
        pass

    spec = from_data({"input": [3], "layers": [Word("relu"), "relu"]}, "<dict>")
    assert spec.layers[0] == spec.layers[1]
    assert type(spec.layers[0].type) is str


def test_meta_keys_inside_a_layers_arguments() -> None:
    spec = load_yaml("input: [3]\nlayers:\n  - dense: {units: 3, name: a}\n  - dense: {units: 2, from: a}\n"
                     "  - dense: {units: 2}\n", "x.yaml")
    assert spec.layers[0].name == "a" and dict(spec.layers[0].kwargs) == {"units": 3}
    assert spec.layers[1].sources == ("a",)
    assert spec.layers[2].name is None and dict(spec.layers[2].kwargs) == {"units": 2}
    with pytest.raises(SpecError) as info:
        load_yaml("input: [3]\nlayers:\n  - dense: {units: 3, name: a}\n    name: b\n", "x.yaml")
    assert info.value.code == "duplicate-argument"
    assert (info.value.loc.line, info.value.loc.column) == (3, 5)  # the entry's place, as before


def test_entries_that_are_no_dict_still_take_the_checks() -> None:
    from types import MappingProxyType

    spec = from_data({"input": [3], "layers": [MappingProxyType({"dense": 4})]}, "<dict>")
    assert spec.layers[0].args == (4,)
    for bad, code in (({}, "bad-layer"), (3, "bad-layer"), ({"dense": {1: 2}}, "bad-key")):
        with pytest.raises(SpecError) as info:
            from_data({"input": [3], "layers": [bad]}, "<dict>")
        assert info.value.code == code
    assert loader.layer_entry(spec.layers[0], Loc("x")) is spec.layers[0]


# ------------------------------------------------------------------ JSON rows

def _indented(text: str, level: int) -> str:
    return text.replace("\n", "\n" + "  " * level)


def _row(**changes: Any) -> LayerResult:
    fields: dict[str, Any] = dict(
        index=3, name="conv_1", type="conv2d", label="conv2d(8, 3)", sources=("input",),
        input_shapes=((3, 8, 8),), output=(8, 6, 6),
        weights=(Weight("weight", (8, 3, 3, 3)), Weight("bias", (8,))), params=224, trainable=224,
        macs=7776, loc=Loc("x.yaml"), memory=288, receptive_field=(3, 3), effective_stride=(1, 1))
    fields.update(changes)
    return LayerResult(**fields)


NAMES = ['a"b', "a\\b", "a\x1bb", "a\x7fb", "a\x85b", "é名", "a b", "%s", "a%d%"]


@pytest.mark.parametrize("level", [0, 2, 37])
@pytest.mark.parametrize("row", [
    _row(),
    *(_row(name=n) for n in NAMES),
    *(_row(type=n) for n in NAMES),
    *(_row(sources=(n,)) for n in NAMES),
    _row(sources=()), _row(sources=("a", "b", "c")), _row(sources=("a", 'b"')),
    _row(weights=()), _row(weights=(Weight("w", ()),)),
    _row(weights=(Weight("a", (1,)), Weight("b", (2,)), Weight("c", (3, 4)))),
    _row(weights=(Weight('q"', (1,)), Weight("%s", (2,)))),
    _row(memory=None), _row(memory=None, block="blk"),
    _row(receptive_field=None), _row(effective_stride=None), _row(output=()),
    _row(block="b\\lk"), _row(batchless=True), _row(shared_with="conv_0"), _row(tied_to="wte"),
    _row(skipped=True), _row(batch_axis=1), _row(batch_axis=None),
    _row(block="b", batchless=True, shared_with="s", tied_to="t", skipped=True, batch_axis=None),
], ids=repr)
def test_a_row_written_from_its_template_is_its_dicts_text(row: LayerResult, level: int) -> None:
    assert layer_text(row, level) == _indented(dumps(row.to_dict()), level)


@pytest.mark.parametrize("row", [
    _row(weights=(Weight("w", (1,)), Weight("w", (2,)))),  # a name twice: its dict's order
    _row(weights=(Weight("a", (1,)), Weight("b", (2,)), Weight("a", (3,)))),
    _row(weights=(Weight("w", (True, 2)),)), _row(output=(True, 2)), _row(receptive_field=(3, False)),
    _row(weights=(Weight("w", (2,), repeat=3),)), _row(weights=(Weight(1, (2,)),)),  # type: ignore[arg-type]
    _row(params=2.0), _row(memory=True), _row(batch_axis=1.0), _row(parts=((1,), (2,))),
    _row(shape_known=False),
], ids=repr)
def test_rows_the_template_leaves_to_their_dict(row: LayerResult) -> None:
    assert layer_text(row, 2) is None


def test_a_level_beyond_the_templates_is_left_to_the_dict() -> None:
    assert layer_text(_row(), len(_json_layer._LEVELS)) is None
    assert layer_text(_row(), len(_json_layer._LEVELS) - 1) is not None


class _Rows(Stream):
    """Every other item's text made by the stream itself, the rest written by write_item."""

    def __init__(self, items: list[Any]) -> None:
        self.items = items
        self.text = lambda item, level: None if item % 2 else f"<{item}@{level}>"

    def __iter__(self) -> Any:
        return iter(self.items)

    def write_item(self, item: Any, level: int, out: Any) -> None:
        out.append(f"({item}@{level})")


@pytest.mark.parametrize("items", [[], [1], [2], [1, 2, 3, 4]])
def test_a_stream_writes_its_items_texts_and_the_rest_in_order(items: list[int]) -> None:
    out = io.StringIO()
    write({"layers": _Rows(items)}, out)
    body = ",\n    ".join(f"({i}@2)" if i % 2 else f"<{i}@2>" for i in items)
    assert out.getvalue() == ('{\n  "layers": [\n    ' + body + "\n  ]\n}\n" if items
                              else '{\n  "layers": []\n}\n')


def test_a_network_with_escaped_names_writes_as_its_dicts() -> None:
    from convcalc.render import json as J
    from convcalc.render.options import Options

    result = analyze('input: [3, 8, 8]\nlayers:\n  - conv2d: {out: 4, kernel: 3, name: "a\\"b"}\n'
                     '  - relu: {name: "c\\\\d\\u0085"}\n  - flatten\n  - dense: 3\n', source="x.yaml")
    out = io.StringIO()
    J.render([result], Options(format="json"), out, io.StringIO())
    assert out.getvalue() == dumps(result.to_dict()) + "\n"


# ------------------------------------------------------------------ table cells and rows

@pytest.mark.parametrize("sizes", [(), (0,), (3, 32, 32), (2**80, 1), (-1, 3), (True, 3), (3, False),
                                   (3.0, 2)])
def test_whole_axes_are_what_the_long_way_writes(sizes: tuple[Any, ...]) -> None:
    from convcalc.render.cells import axes, dim, whole_axes

    text = whole_axes(sizes)
    if all(type(d) is int and d >= 0 for d in sizes):
        assert text == axes([dim(d) for d in sizes])
    else:
        assert text is None


@pytest.mark.parametrize("width", [200, 20])
def test_plain_rows_are_laid_out_as_the_long_way_lays_them(width: int) -> None:
    from rich.console import Console

    from convcalc.render._cell_width import cell_len
    from convcalc.render._table_layout import Grid

    rows = [["#", "Name", "Layer", "Params"], ["1", "conv_1", "conv2d(8, 3)", "224"],
            ["2", "  名前", "relu", "0"], ["3", "a\\x1bb", "relu", "0"], ["4", "x ", "dense(3)", "12"],
            ["", "blk", "block", "1,024"], ["5", "b·c—d", "⌊T/4⌋ × 8", "7"]]
    console = Console(file=io.StringIO(), width=width, color_system=None)
    fast = Grid(console, rows, right=[True, False, False, True], no_wrap=[False, True, False, False])
    assert fast.plain == [True, True, False, True, False, True, True]
    slow = Grid(console, rows, right=[True, False, False, True], no_wrap=[False, True, False, False])
    slow.plain = [False] * len(rows)
    slow.odd = set()
    slow.lengths = [[cell_len(c) for c in row] for row in rows]  # the long way, as before
    for r, row in enumerate(rows):
        if not all(c.isprintable() and not c.endswith(" ") for c in row):
            slow.odd.add(r)
            slow.lengths[r] = [slow._natural(c) for c in row]
    assert fast.lengths == slow.lengths and fast.odd == slow.odd and fast.widths == slow.widths
    for r in range(len(rows)):
        assert fast.lines(r) == slow.lines(r), rows[r]
        one = fast.one_line(r)
        assert one is None if fast.narrow or not fast.plain[r] else one == [c[0] for c in slow.lines(r)]
    assert (fast.one_line(1) is None) == fast.narrow == (width == 20)  # narrow: the long way


def test_an_activations_cell_is_the_same_text_for_equal_sizes() -> None:
    from convcalc.render.cells import activations, human_bytes
    from convcalc.render.options import Options

    for n in (0, 999, 17408, 10**20, 2**70):
        assert activations(n, Options()) == f"{n:,} ({human_bytes(4 * n)})"
        assert activations(n, Options()) == f"{n:,} ({human_bytes(4 * n)})"  # memo hit
        assert activations(n, Options(batch=3)) == f"{3 * n:,} ({human_bytes(12 * n)})"
    assert activations(None, Options()) == ""
