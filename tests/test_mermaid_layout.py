"""``--format mermaid`` laid out for reading: folded layers, block titles that no edge crosses, compact.

Mermaid draws a subgraph's title at its top centre, where the edge into the
block's first node comes in; so a block's title leads that node's label and the
subgraph box itself is untitled.  Activations and normalisations are folded into
the node before them (``+ batchnorm2d + relu``), as ``--draw`` folds them, and
the ranks are closer than Mermaid's default: ResNet-18 rendered 10,225 px tall
in mermaid 11.17 and renders about half that now.

The slow test renders with the real Mermaid in headless chromium
(tests/mermaid_browser.py) and measures: the height per example, and no
subgraph title meeting an edge or another title.  It needs chromium and npm
(to install the pinned mermaid into a cache folder outside the repository) and
skips without them.
"""

from __future__ import annotations

import pytest
from _cli import EXAMPLES
from test_diagrams import parse_mermaid

import convcalc
from convcalc.render.mermaid import folded, lines
from convcalc.render.options import Options


def _text(name: str) -> str:
    return "\n".join(lines(convcalc.analyze(str(EXAMPLES / f"{name}.yaml")), Options()))


@pytest.mark.parametrize("name", ["resnet18", "unet", "lenet5", "retinanet_head", "squeezenet1_0"])
def test_every_layer_shown_once(name: str) -> None:
    result = convcalc.analyze(str(EXAMPLES / f"{name}.yaml"))
    text = "\n".join(lines(result, Options()))
    nodes, edges, _ = parse_mermaid(text)
    host = folded(result)
    labels = list(nodes.values())
    for lr in result.layers:
        label = lr.label.replace('"', "#quot;")
        if lr.name in host:  # a "+ relu" line of the node of the layer it follows
            (node,) = [v for k, v in nodes.items() if k == f"L{result.layer(host[lr.name]).index}"]
            assert f"+ {label}" in node or f" + {label}" in node, (lr.name, node)
        else:
            assert any(label in v for v in labels), lr.name
    targets = {b for _, b, _ in edges}
    assert all(f"L{result.layer(n).index}" not in targets for n in host)  # folded: no node, no edge


def test_resnet_basic_block_folds_norms_and_activations() -> None:
    result = convcalc.analyze(str(EXAMPLES / "resnet18.yaml"))
    host = folded(result)
    assert host["layer1.0.bn1"] == "layer1.0.conv1" and host["layer1.0.relu_1"] == "layer1.0.conv1"
    assert host["layer2.0.downsample.1"] == "layer2.0.downsample.0"
    assert "layer1.0.conv2" not in host and "layer1.0.add_1" not in host  # a window; two inputs
    assert "maxpool" not in host  # pooling changes the shape
    nodes, _, _ = parse_mermaid(_text("resnet18"))
    assert len(nodes) < len(result.layers) * 0.6  # 71 nodes became 34


def test_block_titles_lead_their_first_node_not_the_subgraph() -> None:
    text = _text("resnet18")
    subgraphs = [line.strip() for line in text.splitlines() if line.strip().startswith("subgraph ")]
    assert subgraphs and all(s.endswith('[" "]') for s in subgraphs)
    nodes, _, _ = parse_mermaid(text)
    first = nodes["L5"]  # layer1.0.conv1: the first layer of layer1 and of layer1.0
    assert first.startswith("▸ layer1: repeat(2)<br/>▸ layer1.0: basic<br/>"), first
    result = convcalc.analyze(str(EXAMPLES / "resnet18.yaml"))
    n_blocks = sum(1 for r in result.table_rows() if r.is_block)
    assert text.count("▸ ") == n_blocks  # every block titled, once


def test_compact_ranks_in_the_front_matter() -> None:
    text = _text("lenet5").splitlines()
    assert text[0] == "---" and "config:" in text[: text.index("---", 1)]
    assert "    rankSpacing: 18" in text


@pytest.mark.slow
def test_rendered_by_mermaid_in_a_browser() -> None:
    from mermaid_browser import chromium, measure, mermaid_script

    browser = chromium()
    if browser is None:
        pytest.skip("needs chromium")
    script = mermaid_script()
    if script is None:
        pytest.skip("needs npm to install mermaid (into a cache folder, not the repository)")
    names = ["resnet18", "unet", "lenet5"]
    got = dict(zip(names, measure([_text(n) for n in names], script, browser), strict=True))
    for name, m in got.items():
        assert "error" not in m, (name, m)
        assert m["title_edge"] == 0 and m["title_label"] == 0 and m["title_title"] == 0, (name, m)
    # before: 10,225, 7,579 and 1,945 px tall (mermaid 11.17, chromium 156)
    assert got["resnet18"]["height"] < 5500, got["resnet18"]  # 4,985 when written
    assert got["unet"]["height"] < 5000, got["unet"]  # 4,475
    assert got["lenet5"]["height"] < 1500, got["lenet5"]
    assert got["resnet18"]["width"] < 1000
