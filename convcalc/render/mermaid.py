"""``--format mermaid``: the network as a Mermaid flowchart, for a README or a PR comment.

One node per layer (its label: type and key arguments), one edge per tensor a
layer reads, labelled with that tensor's shape; blocks become subgraphs.
Node ids are generated (``in0``, ``L1``, ``B1``...), never taken from user
names, and every label is quoted and escaped, so any spec gives valid syntax.

:func:`graph` is the format-neutral walk shared with ``--format dot``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from ..core.result import LayerResult, Result
from .cells import count, shape
from .options import Options
from .run import Item, render_each


@dataclass
class Node:
    id: str
    lines: list[str]  # label lines, plain text (each renderer escapes)
    kind: str  # "input" | "layer" | "output"


@dataclass
class Cluster:
    id: str
    title: str
    nodes: list[str] = field(default_factory=list)  # node ids, in order
    children: list[Cluster] = field(default_factory=list)


@dataclass
class Graph:
    """A result as nodes, labelled edges and nested clusters (blocks)."""

    title: str
    top: Cluster  # the root: its nodes are outside every block
    nodes: dict[str, Node]
    edges: list[tuple[str, str, str]]  # (from id, to id, shape text)


def auto_name(layer: LayerResult) -> bool:
    """True for default names (``conv2d_3``, ``block.relu_1``): not worth showing."""
    return re.fullmatch(rf"(?:.*[./_])?{re.escape(layer.type)}_\d+", layer.name) is not None


def layer_lines(layer: LayerResult) -> list[str]:
    if auto_name(layer) or layer.name == layer.label:
        return [layer.label]
    return [layer.name, layer.label]


def aliases(result: Result) -> dict[str, str]:
    """Block names are tensor names too (a block's output): map each to its last layer; and the outputs
    ``name.k`` of a layer with several outputs to that layer."""
    out: dict[str, str] = {}
    for row in result.table_rows():
        if row.span is not None and 1 <= row.span[1] <= len(result.layers):
            out[row.name] = result.layers[row.span[1] - 1].name
        for k in range(len(row.parts or ())):
            out[f"{row.name}.{k}"] = out.get(row.name, row.name)
    return out


def graph(result: Result, opts: Options) -> Graph:
    """Nodes for the inputs, every layer and every output; clusters from the block rows."""
    nodes: dict[str, Node] = {}
    ids: dict[str, str] = {}  # tensor name -> node id
    shapes: dict[str, Any] = {}
    top = Cluster("root", "")
    for i, (name, shp) in enumerate(result.inputs.items()):
        nid = f"in{i}"
        ids[name], shapes[name] = nid, shp
        nodes[nid] = Node(nid, [name], "input")
        top.nodes.append(nid)

    clusters: dict[str, Cluster] = {}
    for row in result.table_rows():
        if not row.is_block:
            continue
        cl = Cluster(f"B{len(clusters) + 1}", f"{row.name}: {row.label}" if row.name != row.label
                     else row.label)
        clusters[row.name] = cl
        parent = clusters.get(row.block) if row.block else None
        (parent or top).children.append(cl)

    edges: list[tuple[str, str, str]] = []
    batch_at: dict[str, int | None] = {}
    alias = aliases(result)
    for layer in result.layers:
        nid = f"L{layer.index}"
        nodes[nid] = Node(nid, layer_lines(layer), "layer")
        holder = clusters.get(layer.block) if layer.block else None
        (holder or top).nodes.append(nid)
        for name in layer.sources:
            src = alias.get(name, name)
            edges.append((ids[src], nid, shape(shapes[name] if name in shapes else shapes[src], opts,
                                               batch_at.get(src, 0))))
        ids[layer.name], shapes[layer.name] = nid, layer.output
        shapes.update(layer.outputs)  # several outputs: each by its own name
        batch_at[layer.name] = layer.batch_axis  # where --batch puts the batch axis

    for i, (name, shp) in enumerate(result.outputs.items()):
        nid = f"out{i}"
        nodes[nid] = Node(nid, output_lines(result, name, shp, opts), "output")
        top.nodes.append(nid)
        edges.append((ids[alias.get(name, name)], nid, shape(shp, opts)))
    title = f"{result.name or result.source} — {count(result.total_params)} parameters"
    return Graph(title, top, nodes, edges)


def output_lines(result: Result, name: str, shp: Any, opts: Options) -> list[str]:
    """The terminal node's label, never a layer's: ``network output`` and, with several, which one,
    so a layer named ``output`` (LeNet-5's last) and the output it makes stay apart."""
    head = "network output" if len(result.outputs) == 1 else f"network output {name}"
    return [head, shape(shp, opts)]


_ESCAPES = {'"': "#quot;", "<": "#lt;", ">": "#gt;", "|": "#124;", "#": "#35;",
            "`": "#96;", "\n": " "}


def escape(text: str) -> str:
    """Text safe inside a quoted Mermaid label (entity codes for the characters that break it)."""
    return "".join(_ESCAPES.get(ch, ch) for ch in text)


def _label(lines: list[str]) -> str:
    return "<br/>".join(escape(line) for line in lines)


_SHAPES = {"input": ('[/"', '"/]'), "layer": ('["', '"]'), "output": ('(["', '"])')}


# Mermaid's defaults space ranks 50 px apart and a network is a long chain of ranks: closer ranks
# and wider labels (with the folded layers) keep ResNet-18 about half as tall (10,225 px -> about
# 5,000 in mermaid 11.17, measured by tests/test_mermaid_layout.py).
CONFIG = ["config:", "  flowchart:", "    rankSpacing: 18", "    nodeSpacing: 30", "    wrappingWidth: 260"]


def folded(result: Result) -> dict[str, str]:
    """Layers drawn inside the node before them (layer name -> that node's first layer).

    As ``--draw`` folds them: a shape-preserving layer without a window (an activation, a
    normalisation, dropout) that reads the layer just before it, its only reader, in the same
    block, is a ``+ relu`` line of that layer's node, not a node (and two ranks) of its own.
    """
    alias = aliases(result)
    readers: dict[str, int] = {}
    for name in [s for lr in result.layers for s in lr.sources] + list(result.outputs):
        readers[alias.get(name, name)] = readers.get(alias.get(name, name), 0) + 1
    host: dict[str, str] = {}
    prev: LayerResult | None = None
    for lr in result.layers:
        if (prev is not None and len(lr.sources) == 1 and alias.get(lr.sources[0], lr.sources[0]) == prev.name
                and readers.get(prev.name, 0) == 1 and lr.windows is None and lr.input_shapes
                and lr.output == lr.input_shapes[0] and (not lr.weights or lr.drawing == "norm")
                and lr.block == prev.block):
            host[lr.name] = host.get(prev.name, prev.name)
        prev = lr
    return host


def lines(result: Result, opts: Options) -> list[str]:
    g = graph(result, opts)
    ids = {lr.name: f"L{lr.index}" for lr in result.layers}
    into = {ids[k]: ids[v] for k, v in folded(result).items()}  # folded node -> its host node
    extra: dict[str, list[str]] = {}
    for lr in result.layers:
        if ids[lr.name] in into:
            extra.setdefault(into[ids[lr.name]], []).append(lr.label)
    titles: dict[str, list[str]] = {}  # a block's title leads its first node: no title box to cross

    def first(cl: Cluster) -> str | None:
        own = next((n for n in cl.nodes if n not in into), None)
        return own if own is not None else next((f for c in cl.children if (f := first(c))), None)

    def collect(cl: Cluster) -> None:
        for child in cl.children:
            lead = first(child)
            if lead is not None:
                titles.setdefault(lead, []).append(f"▸ {child.title}")
            collect(child)

    collect(g.top)
    out = ["---", f"title: {json.dumps(g.title, ensure_ascii=False)}", *CONFIG, "---", "flowchart TD"]

    def emit(cl: Cluster, indent: str) -> None:
        for nid in cl.nodes:
            if nid in into:
                continue
            node = g.nodes[nid]
            text = [*titles.get(nid, []), *node.lines]
            if nid in extra:
                text.append("+ " + " + ".join(extra[nid]))
            left, right = _SHAPES[node.kind]
            out.append(f"{indent}{nid}{left}{_label(text)}{right}")
        for child in cl.children:
            # the title is in the block's first node: Mermaid draws a subgraph's own title at the
            # top centre, just where the edge into its first node comes in
            out.append(f'{indent}subgraph {child.id} [" "]')
            emit(child, indent + "  ")
            out.append(f"{indent}end")

    emit(g.top, "  ")
    out.extend(f'  {into.get(a, a)} -->|"{escape(text)}"| {b}' for a, b, text in g.edges if b not in into)
    return out


def render(items: Sequence[Item], opts: Options, out: TextIO, err: TextIO) -> None:
    render_each(items, opts, out, err, lines)
