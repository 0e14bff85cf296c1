"""``--format dot``: the same graph as ``--format mermaid``, for Graphviz (``dot -Tsvg``).

Blocks become ``cluster_`` subgraphs; ids are generated and every label is a
quoted, escaped DOT string, so the output parses whatever the spec's names.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from ..core.result import Result
from .mermaid import Cluster, graph
from .options import Options
from .run import Item, render_each


def quote(text: str) -> str:
    """A DOT double-quoted string (backslashes and quotes escaped)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _label(lines: list[str]) -> str:
    """Lines joined by DOT's centred line break ``\\n``."""
    return "\\n".join(quote(line)[1:-1] for line in lines)


_STYLE = {
    "input": 'shape=parallelogram, style=filled, fillcolor="#e8e8e8"',
    "layer": 'shape=box, style="rounded,filled", fillcolor="#dbe8f6"',
    "output": 'shape=oval, style=filled, fillcolor="#e8e8e8"',
}


def lines(result: Result, opts: Options) -> list[str]:
    g = graph(result, opts)
    out = [
        f"digraph {quote(result.name or result.source)} {{",
        f'  label={quote(g.title)}; labelloc="t"; rankdir="TB";',
        # one font for the title, the cluster titles, nodes and edges (Graphviz's default is Times)
        '  graph [fontname="Helvetica", fontsize=12];',
        '  node [fontname="Helvetica", fontsize=11];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]

    def emit(cl: Cluster, indent: str) -> None:
        for nid in cl.nodes:
            node = g.nodes[nid]
            out.append(f'{indent}{nid} [label="{_label(node.lines)}", {_STYLE[node.kind]}];')
        for child in cl.children:
            out.append(f"{indent}subgraph cluster_{child.id} {{")
            # a margin, so the titles of neighbouring clusters do not touch
            out.append(f'{indent}  label={quote(child.title)}; style="rounded,dashed"; margin=12;')
            emit(child, indent + "  ")
            out.append(f"{indent}}}")

    emit(g.top, "  ")
    out.extend(f"  {a} -> {b} [label={quote(text)}];" for a, b, text in g.edges)
    out.append("}")
    return out


def render(items: Sequence[Item], opts: Options, out: TextIO, err: TextIO) -> None:
    render_each(items, opts, out, err, lines)
