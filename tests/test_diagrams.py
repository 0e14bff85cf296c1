"""``--format mermaid`` and ``--format dot``: golden files, and checks that the text parses.

DOT is parsed with pydot; Mermaid is checked line by line against the few
statement forms convcalc writes (node, subgraph, end, edge), so a label that
breaks the syntax, an edge to an undefined node or an unbalanced subgraph
fails.  (The same outputs were also accepted by mermaid 11's own parser.)
"""

from __future__ import annotations

import re

import pytest
from _cli import EXAMPLES, golden, run

import convcalc
from convcalc.render.mermaid import escape, folded

RESIDUAL = """
name: residual
input: [16, 32, 32]
blocks:
  basic:
    args: {out: 16}
    layers:
      - conv2d: {name: a, out: $out, kernel: 3, padding: 1, bias: false}
      - batchnorm2d
      - relu
      - conv2d: {out: $out, kernel: 3, padding: 1, bias: false}
      - add: {from: [-1, in]}
layers:
  - basic: {name: first, out: 16}
  - repeat: {times: 2, layers: [{basic: {out: 16}}]}
  - global_avgpool
  - dense: 10
"""

BRANCHES = """
name: two-heads
inputs: {image: [3, 32, 32], meta: [10]}
outputs: [cls, box]
layers:
  - conv2d: {name: c1, from: image, out: 8, kernel: 3, stride: 2}
  - flatten
  - concat: {name: joined, from: [-1, meta]}
  - dense: {name: cls, out: 5}
  - dense: {name: box, from: joined, out: 4}
"""

SYMBOLIC = "3 x H x W | conv(8, 3) | maxpool(2)"

SPECS = {
    "lenet5": str(EXAMPLES / "lenet5.yaml"),
    "residual": RESIDUAL,
    "branches": BRANCHES,
    "symbolic": SYMBOLIC,
}

# ---------------------------------------------------------------- mermaid checker
NODE = re.compile(r'^\s*([A-Za-z][A-Za-z0-9_]*)(\[/"|\["|\(\[")([^"]*)("/\]|"\]|"\]\))$')
SUBGRAPH = re.compile(r'^\s*subgraph ([A-Za-z][A-Za-z0-9_]*) \["([^"]*)"\]$')
EDGE = re.compile(r'^\s*([A-Za-z][A-Za-z0-9_]*) -->\|"([^"|]*)"\| ([A-Za-z][A-Za-z0-9_]*)$')
OPEN_CLOSE = {'[/"': '"/]', '["': '"]', '(["': '"])'}


def parse_mermaid(text: str) -> tuple[dict[str, str], list[tuple[str, str, str]], int]:
    """(node id -> label, edges, number of subgraphs); raises AssertionError on bad syntax."""
    lines = text.splitlines()
    assert lines[0] == "---" and lines[1].startswith("title: "), lines[:3]
    end = lines.index("---", 1)  # the front matter: the title, then Mermaid's config
    assert all(line == "config:" or line.startswith("  ") for line in lines[2:end]), lines[:end]
    assert lines[end + 1] == "flowchart TD"
    lines = lines[end - 2:]
    nodes: dict[str, str] = {}
    edges: list[tuple[str, str, str]] = []
    subgraphs: set[str] = set()
    depth = 0
    for line in lines[4:]:
        if m := NODE.match(line):
            nid, left, label, right = m.groups()
            assert OPEN_CLOSE[left] == right, line
            assert nid not in nodes and nid not in subgraphs, f"{nid} defined twice"
            assert not edges, "nodes must be defined before the edges"
            nodes[nid] = label
        elif m := SUBGRAPH.match(line):
            assert m.group(1) not in subgraphs and m.group(1) not in nodes
            subgraphs.add(m.group(1))
            depth += 1
        elif line.strip() == "end":
            depth -= 1
            assert depth >= 0, "`end` without a subgraph"
        elif m := EDGE.match(line):
            a, label, b = m.groups()
            assert a in nodes and b in nodes, f"edge names an undefined node: {line}"
            edges.append((a, b, label))
        else:
            raise AssertionError(f"not a Mermaid statement convcalc writes: {line!r}")
    assert depth == 0, "unbalanced subgraph"
    return nodes, edges, len(subgraphs)


def _result(name: str) -> convcalc.Result:
    return convcalc.analyze(SPECS[name])


def _n_blocks(result: convcalc.Result) -> int:
    return sum(1 for r in result.table_rows() if r.is_block)


@pytest.mark.parametrize("name", list(SPECS))
def test_mermaid_golden_and_structure(name: str) -> None:
    r = run(SPECS[name], "-f", "mermaid")
    assert r.status == 0, r.err
    golden(f"diagrams/{name}.mmd", r.out)
    result = _result(name)
    nodes, edges, n_sub = parse_mermaid(r.out)
    # one node per input, output and layer, but the layers folded into the node before them
    # (tests/test_mermaid_layout.py); one edge per tensor read, and one per output
    kept = [lr for lr in result.layers if lr.name not in folded(result)]
    assert len(nodes) == len(result.inputs) + len(kept) + len(result.outputs)
    assert len(edges) == sum(len(lr.sources) for lr in kept) + len(result.outputs)
    assert n_sub == _n_blocks(result)
    for layer in result.layers:
        assert any(layer.label.replace('"', "#quot;") in label for label in nodes.values())


@pytest.mark.parametrize("name", list(SPECS))
def test_dot_golden_and_parses(name: str) -> None:
    pydot = pytest.importorskip("pydot")
    r = run(SPECS[name], "-f", "dot")
    assert r.status == 0, r.err
    golden(f"diagrams/{name}.dot", r.out)
    result = _result(name)
    (g,) = pydot.graph_from_dot_data(r.out)

    def walk(graph: object) -> tuple[list[object], list[object], int]:
        nodes = [n for n in graph.get_nodes() if n.get_name() not in ("node", "edge", "graph")]
        edges = list(graph.get_edges())
        clusters = 0
        for sub in graph.get_subgraphs():
            assert sub.get_name().startswith("cluster_")
            n, e, c = walk(sub)
            nodes, edges, clusters = nodes + n, edges + e, clusters + 1 + c
        return nodes, edges, clusters

    nodes, edges, clusters = walk(g)
    names = {n.get_name() for n in nodes}
    assert len(names) == len(nodes) == len(result.inputs) + len(result.layers) + len(result.outputs)
    assert len(edges) == sum(len(lr.sources) for lr in result.layers) + len(result.outputs)
    assert all(e.get_source() in names and e.get_destination() in names for e in edges)
    assert clusters == _n_blocks(result)


def test_edges_carry_the_source_shapes() -> None:
    """A merge's edges show each input's own shape; a head's edge shows what it reads."""
    nodes, edges, _ = parse_mermaid(run(BRANCHES, "-f", "mermaid").out)
    by_label = {label.split("<br/>")[0]: nid for nid, label in nodes.items()}
    into_join = sorted(label for a, b, label in edges if b == by_label["joined"])
    assert into_join == ["10", "1800"]
    into_box = [label for a, b, label in edges if b == by_label["box"]]
    assert into_box == ["1810"]


@pytest.mark.parametrize(("text", "expected"), [
    ('say "hi"', "say #quot;hi#quot;"),
    ("a<b>|c", "a#lt;b#gt;#124;c"),
    ("#1", "#35;1"),
    ("H×W ⌊H/2⌋", "H×W ⌊H/2⌋"),
])
def test_mermaid_escape(text: str, expected: str) -> None:
    assert escape(text) == expected


@pytest.mark.parametrize("fmt", ["mermaid", "dot"])
def test_invalid_spec_is_an_error_not_a_diagram(fmt: str) -> None:
    r = run("1x4x4 | conv(8, 5)", "-f", fmt)
    assert r.status == 2
    assert r.out == ""
    assert "kernel" in r.err
