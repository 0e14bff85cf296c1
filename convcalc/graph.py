"""Expanding a spec's layer list into the flat list of layer uses.

Plain layers pass through; ``repeat:`` entries and block uses are unrolled
here (see SPEC §5), so the propagator only ever sees single layers.
"""

from __future__ import annotations

from .errors import SpecError
from .propagate import Node
from .spec import LayerSpec, RepeatSpec, Spec


def expand_layers(spec: Spec) -> list[Node]:
    nodes: list[Node] = []
    for entry in spec.layers:
        if isinstance(entry, RepeatSpec):
            raise SpecError("repeat: is not supported yet", loc=entry.loc)
        nodes.append(Node(entry, entry.name, entry.sources))
    return nodes


__all__ = ["LayerSpec", "expand_layers"]
