"""Built-in blocks: layer types that are blocks of other layers (PyTorch's transformer modules).

A :class:`convcalc.layers.transformer.Composite` turns its arguments, as written,
into layer entries; here a use of one is named, its arguments bound and its
inputs counted, so that the expander can unroll the entries like a user's block.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from ..core import binding
from ..core import params as A
from ..core.framework import Framework
from ..errors import LayerRef, SpecError
from ..layers.registry import Resolved, lookup
from ..spec.model import LayerSpec
from .run_layer import NESTED

if TYPE_CHECKING:  # pragma: no cover
    from ..layers.transformer import Composite, Entry
    from .refs import Source


def composite(written: str, framework: str) -> Resolved | None:
    """The built-in block a type name means, or None (an unknown name is the propagator's to report)."""
    try:
        resolved = lookup(written, framework)
    except SpecError:
        return None
    return resolved if resolved.layer.block else None


def prepare(expander: Any, resolved: Resolved, use: LayerSpec, level: Any, scope: Any,
            forced_name: str | None, position: int) -> tuple[str, tuple[Source, ...], list[Entry]]:
    """(the use's name, what it reads, its layer entries), named as a block use is named.

    ``expander`` is the :class:`convcalc.engine.expand.Expander` at work (its counters, nodes
    and ``from:`` resolution)."""
    assert resolved.layer.block
    layer = cast("Composite", resolved.layer)
    name = expander.use_name(layer.kind, use, scope, forced_name, position)
    index = len(expander.nodes) + 1
    try:
        if expander.spec.framework == Framework.KERAS:
            raise SpecError(f"{use.type} is a PyTorch module; Keras 3 has no such layer",
                            code="not-in-framework")
        bound = binding.bind(use, layer.params, resolved.order, type_name=use.type, ignored=layer.ignored)
        for p in layer.params:
            if p.name not in bound:
                if p.default is A.REQUIRED:
                    raise SpecError(f"{use.type} needs the argument `{p.name}`", code="missing-argument")
                bound[p.name] = p.default
        inputs = expander.sources(use, level, scope, index, name)
        if len(inputs) != layer.inputs:
            reads = "[src, tgt]" if layer.kind == "transformer" else "[tgt, memory]"
            raise SpecError(f"{use.type} reads {'one tensor' if layer.inputs == 1 else reads}, but "
                            f"`from` names {len(inputs)}", code="wrong-input-count")
        body = layer.body(bound, use.loc, NESTED.read)
    except SpecError as e:
        raise e.with_location(use.loc, LayerRef(index, name, use.type)) from None
    return name, inputs, body
