"""What a layer reads: references written in `from:` and `outputs:`, resolved to tensor names.

The graph expander settles the structural part (negative indices, ``in``,
names inside blocks) into :class:`Node` sources; :class:`Refs` resolves them
against the layers made so far, with errors that say which layer is missing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .._record import NamedTuple, record
from ..core import params as A
from ..core.result import LayerResult
from ..core.types import Shape
from ..errors import SpecError, did_you_mean
from ..spec.model import LayerSpec, Spec


@record(frozen=True)
class Ref:
    """A ``from:`` name, tried with each scope prefix in turn (innermost first)."""

    name: str
    scopes: tuple[str, ...]

    def __init__(self, name: str, scopes: tuple[str, ...] = ("",)) -> None:
        """Written out (not the record's generic one): one is built for every name a layer reads."""
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "scopes", scopes)


# What a node reads: an absolute layer index (0 = the first input), a name
# as written (outputs:), or a scoped name from a layer list.
Source = int | str | Ref


class Node(NamedTuple):
    """A layer use after blocks and repeats are expanded."""

    spec: LayerSpec
    name: str | None  # explicit name, already made unique for block uses
    sources: tuple[Source, ...] | None  # None = the previous layer
    block: str | None = None  # the innermost group (block row) holding it
    depth: int = 0
    scope: str = ""  # prefix for names local to a block use
    lookup: tuple[str, ...] = ("",)  # scope prefixes for its names, innermost first
    error: SpecError | None = None  # a `from:` found wrong while expanding, raised at this layer
    frozen: bool = False  # `trainable: false` on a block use or repeat around it
    share: Source | None = None  # `share:` / a shared repeat or block use: the module it is
    tie: Source | None = None  # `tie:`: the layer whose weight this dense uses
    when: tuple[object, ...] = ()  # its `if:` and its block uses': true, false or expressions
    reads: tuple[tuple[str, Source], ...] = ()  # size(tensor, axis): each tensor as written


class Refs:
    """Resolves what nodes read against the layers made so far."""

    def __init__(
        self,
        layers: Sequence[LayerResult],
        by_name: Mapping[str, LayerResult],
        input_names: Sequence[str],
        known: Mapping[str, int],
        parts: Mapping[str, int] | None = None,
    ) -> None:
        self.layers = layers
        self.by_name = by_name
        self.input_names = input_names
        self.known = known  # names given before propagation -> flat index (forward refs)
        self.parts = parts if parts is not None else {}  # a layer with several outputs -> how many

    def sources(self, node: Node, index: int) -> tuple[str, ...]:
        if node.error is not None:
            raise node.error
        if node.sources is None:
            return (self.layers[-1].name,) if self.layers else (self.input_names[0],)
        try:
            if len(node.sources) == 1:  # most layers read one tensor
                return (self.resolve(node.sources[0], index),)
            return tuple([self.resolve(ref, index) for ref in node.sources])  # a list: cheaper than a genexpr
        except SpecError as e:
            raise e.with_location(node.spec.arg_locs.value("from")) from None

    def resolve(self, ref: Source, index: int, key: str = "from") -> str:
        """One source to a tensor name (layer indices are 1-based; 0 is the input).

        ``key``: where the reference is written (``from`` or ``outputs``), as the error says.
        """
        if type(ref) is int and 0 < ref < index:  # an earlier layer: what most layers read (the one before)
            return self.layers[ref - 1].name
        if isinstance(ref, Ref):
            return self.name(ref.name, ref.scopes, index, key)
        if isinstance(ref, bool):
            raise SpecError(f"{key}: {ref} is not a layer name or index", code="bad-reference")
        if isinstance(ref, int):
            target = index + ref if ref < 0 else ref
            if ref >= index:
                raise SpecError(f"{key}: {ref} refers to layer {ref}, which comes at or after this one "
                                f"(layer {index}); a layer can only read earlier layers",
                                code="forward-reference")
            if target < 0:
                raise SpecError(f"{key}: {ref} reaches before the input (this is layer {index})",
                                code="bad-reference")
            return self.input_names[0] if target == 0 else self.layers[target - 1].name
        if not isinstance(ref, str):
            raise SpecError(f"{key}: entries are layer names or indices, not {A.describe(ref)}",
                            code="bad-reference")
        return self.name(ref, ("",), index, key)

    def name(self, name: str, scopes: Sequence[str], index: int, key: str = "from") -> str:
        for prefix in scopes:
            candidate = prefix + name
            if candidate in self.by_name or candidate in self.input_names:
                return candidate
            part = self.part(prefix, name)
            if part is not None:
                return part
        if name == "input" or (name == "in" and scopes == ("",)):
            return self.input_names[0]
        for prefix in scopes:
            later = self.known.get(prefix + name)
            if later is None and "." in name:  # `s.0` of a layer `s` defined later
                later = self.known.get(prefix + name.rsplit(".", 1)[0])
            if later is not None:
                what = f"'{prefix + name}'" + (f" (written '{name}')" if prefix else "")
                if later >= index:
                    raise SpecError(
                        f"{key}: {what} is defined at or after this layer (layer {later}, this is "
                        f"layer {index}); a layer can only read earlier ones (a cycle?)"
                        + (" — inside a block, read its input as `in`" if later > index else ""),
                        code="forward-reference")
        known = [*self.input_names, *self.by_name]
        local = [k[len(scopes[0]):] for k in self.by_name if scopes[0] and k.startswith(scopes[0])]
        before = " before this layer" if key == "from" else ""
        raise SpecError(f"{key}: no layer or input named '{name}'{before}"
                        + did_you_mean(name, [*known, *local]), code="bad-reference")


    def part(self, prefix: str, name: str) -> str | None:
        """``s.k``: output k of a layer ``s`` with several outputs (its name first: names are unique, so a
        repeat's ``layer1.0`` is found as a name before it is tried as a part)."""
        base, dot, k = name.rpartition(".")
        if not dot or not (k.isascii() and k.lstrip("-").isdigit()):
            return None
        owner = prefix + base
        count = self.parts.get(owner)
        if count is None:
            if (owner in self.by_name or owner in self.input_names) and prefix + name not in self.known:
                raise SpecError(f"from: '{name}': '{base}' has one output; read it as '{base}'",
                                code="not-multi-output")
            return None
        if not 0 <= int(k) < count:
            raise SpecError(f"from: '{name}': '{base}' has {count} outputs ({base}.0 to {base}.{count - 1})",
                            code="output-index-out-of-range")
        return f"{owner}.{int(k)}"

    def whole(self, name: str) -> tuple[str, ...]:
        """A tensor name as ``outputs:`` means it: a layer with several outputs stands for all of them."""
        count = self.parts.get(name)
        return (name,) if count is None else tuple(f"{name}.{k}" for k in range(count))


def resolve_outputs(spec: Spec, refs: Refs, tensors: Mapping[str, Shape]) -> dict[str, Shape]:
    layers, input_names = refs.layers, refs.input_names
    if not spec.outputs:
        if layers:
            return {part: tensors[part] for part in refs.whole(layers[-1].name)}
        return {input_names[0]: tensors[input_names[0]]}
    out: dict[str, Shape] = {}
    for ref in spec.outputs:
        try:
            name = refs.resolve(ref, len(layers) + 1, "outputs")
        except SpecError as e:
            raise e.with_location(spec.outputs_loc or spec.loc) from None
        for part in refs.whole(name):
            out[part] = tensors[part]
    return out
