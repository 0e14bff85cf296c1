"""Shared modules, tied weights (SPEC §11), ``if:`` and ``size(tensor, axis)`` at one layer use.

- ``share: LAYER`` (and ``repeat: {share: true}``, a block use sharing another):
  the use is LAYER's module again.  It must be the same type with the same
  arguments and weight shapes; its weights are LAYER's, so they count once, at
  LAYER, while its MACs and activations count at every use.  One module has
  one ``trainable`` flag, as in PyTorch (``requires_grad`` belongs to the
  parameter) and Keras (``layer.trainable``): a frozen source freezes every use,
  and ``trainable: false`` on a use freezes the module, its source included
  (with a warning, since that row is written elsewhere).
- ``tie: LAYER`` on a dense: its weight is LAYER's (an embedding or a dense,
  the same shape up to a transpose), counted there; its own bias is new.
- ``if:`` false: the layer passes its first input through, like an identity
  (no weights, no MACs), and keeps its row, marked skipped, so that every
  index and name that reads it still does.

The expander (:mod:`convcalc.engine.expand`) uses the helpers at the end: which rounds
and block uses share, and which tensors ``size()`` reads.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .._record import replace
from ..arith import expr, num
from ..core.result import LayerResult
from ..core.types import LayerOut, Shape, Weight
from ..errors import LayerRef, Loc, SpecError, SpecWarning
from ..spec.model import BlockSpec, LayerSpec, RepeatSpec
from .refs import Node, Ref, Refs
from .run_layer import frozen

Value = num.Value


def sizes_reader(node: Node, refs: Refs, tensors: Mapping[str, Shape], index: int
                 ) -> Callable[[str, Value], Value] | None:
    """``size(tensor, axis)`` for the tensors this node names (None: it names none)."""
    if not node.reads:
        return None
    shapes = {text: tensors[refs.resolve(source, index)] for text, source in node.reads}

    def size(tensor: str, axis: Value) -> Value:
        shape = shapes[tensor]
        if not num.is_int(axis) or not -len(shape) <= axis < len(shape):
            raise SpecError(f"size({tensor}, {num.fmt(axis)}): `{tensor}` has {len(shape)} axes "
                            f"(0 .. {len(shape) - 1}; no batch axis)", code="bad-axis")
        return shape[axis]

    return size


def condition(node: Node, env: Mapping[str, Value], free: Callable[[str], Value],
              size: Callable[[str, Value], Value] | None) -> bool:
    """The layer's ``if:`` and those of the block uses around it: all true, or false."""
    return all(_truth(raw, env, free, size) for raw in node.when)


def _truth(raw: Any, env: Mapping[str, Value], free: Callable[[str], Value],
           size: Callable[[str, Value], Value] | None) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int):
        raise SpecError(f"if: {raw} is a number, not a condition", code="number-not-condition")
    value = expr.evaluate(expr.parse(str(raw)), env, free, size)
    if not isinstance(value, bool):
        raise SpecError(f"if: {raw} is a number ({num.fmt(value)}), not a condition (compare it: "
                        "== != < <= > >=)", code="number-not-condition")
    return value


def with_sizes(ls: LayerSpec, size: Callable[[str, Value], Value] | None, index: int
               ) -> tuple[LayerSpec, dict[str, Value]]:
    """The layer's arguments with every ``size(tensor, axis)`` worked out: a whole number is
    written in; a symbolic size becomes a name (unique to this layer) bound in the returned
    names, for the layer's context."""
    names: dict[str, Value] = {}
    if size is None:
        return ls, names

    def put(raw: Any) -> Any:
        if isinstance(raw, str) and "size(" in raw:
            node = _substitute(expr.parse(raw), size, names, index)
            try:  # `24 * 6` reads better as 144 in the label, when nothing else is needed
                return expr.evaluate(node, {})
            except SpecError:
                return expr.render(node, pretty=False)
        if isinstance(raw, list | tuple):
            return [put(r) for r in raw]
        return raw

    args = tuple(put(a) for a in ls.args)
    return replace(ls, args=args, kwargs={k: put(v) for k, v in ls.kwargs.items()}), names


def _substitute(node: expr.Node, size: Callable[[str, Value], Value], names: dict[str, Value],
                index: int) -> expr.Node:
    def go(n: expr.Node) -> expr.Node:
        if isinstance(n, expr.Call):
            if n.func == "size":
                value = size(n.args[0].id, expr.evaluate(n.args[1], {}))  # type: ignore[union-attr]
                if not num.is_int(value):  # the memo keys on the text: the name is this layer's own
                    name = f"__size{index}_{len(names)}"
                    names[name] = value
                    return expr.Name(name)
                return expr.Num(value) if value >= 0 else expr.Neg(expr.Num(-value))
            return n._replace(args=tuple(go(a) for a in n.args))
        if isinstance(n, expr.Bin):
            return n._replace(left=go(n.left), right=go(n.right))
        if isinstance(n, expr.Neg | expr.Not):
            return n._replace(operand=go(n.operand))
        if isinstance(n, expr.Cond):
            return expr.Cond(*(go(x) for x in n))
        return n

    return go(node)


def label_sizes(label: str, names: Mapping[str, Value]) -> str:
    """A row's label with each symbolic size() name written as its expression."""
    for name in sorted(names, key=len, reverse=True):
        text = num.fmt(names[name])
        label = label.replace(name, text if text.isidentifier() else f"({text})")
    return label


Applied = tuple[LayerOut, str | None, str | None, SpecWarning | None]


def apply(node: Node, out: LayerOut, type_name: str, label: str, family: str,
          row: Callable[[Any, str], LayerResult]) -> Applied:
    """``share:``/``tie:`` on one use: (its output, shared with, tied to, a freezing warning).

    The weights of another layer stay in the row (their shapes, for the reader and the
    framework comparison) but are marked as that layer's, so they count there only."""
    frozen_use = node.frozen or node.spec.trainable is False
    shared = tied = warning = None
    if node.share is not None:
        src = row(node.share, "share")
        out, warning = share(out, type_name, label, src, frozen_use)
        shared = src.name if out.weights else None  # nothing to share: no mark
    if node.tie is not None:
        src = row(node.tie, "tie")
        out, tie_warning = tie(out, family, src, frozen_use)
        tied, warning = out.weights[0].shared, warning or tie_warning
    return out, shared, tied, warning


def skipped(in_shapes: Sequence[Shape]) -> LayerOut:
    """``if:`` false: the first input, unchanged."""
    return LayerOut(in_shapes[0])


def source_row(ref: Any, key: str, layers: Sequence[LayerResult], by_name: Mapping[str, LayerResult],
               known: Mapping[str, int], groups: set[str], index: int, where: Loc | None = None
               ) -> LayerResult:
    """The earlier layer ``share:``/``tie:`` names (the module a chain of shares ends at); ``where``:
    where the name is written, for the error when it names no earlier layer."""
    if isinstance(ref, int):  # a round of a shared repeat, a layer of a shared block use
        row = layers[ref - 1]
    else:
        assert isinstance(ref, Ref)
        row = None
        for prefix in ref.scopes:
            name = prefix + ref.name
            if name in by_name and name not in groups:
                row = by_name[name]
                break
        if row is None:
            later = next((known[p + ref.name] for p in ref.scopes if p + ref.name in known), None)
            if later is not None and later >= index:
                raise SpecError(f"{key}: `{ref.name}` comes at or after this layer (layer {later}, this "
                                f"is layer {index}); {key} names an earlier layer", code="forward-reference",
                                loc=where)
            raise SpecError(f"{key}: no layer named `{ref.name}` before this one", code="bad-reference",
                            loc=where)
    while row.shared_with is not None:
        row = by_name[row.shared_with]
    return row


def share(out: LayerOut, type_name: str, label: str, src: LayerResult, frozen_use: bool
          ) -> tuple[LayerOut, SpecWarning | None]:
    """This use's weights as the source's (counted there); the same module or an error."""
    mine = [tuple(w.shape) for w in out.weights]
    theirs = [tuple(w.shape) for w in src.weights]
    if src.type != type_name or src.label != label or mine != theirs:
        raise SpecError(f"share: `{src.name}` is {src.label} with weights {_shapes(src.weights)}, this "
                        f"layer is {label} with weights {_shapes(out.weights)}: a shared module has the "
                        "same type, arguments and weight shapes", code="share-mismatch")
    warning = _freeze_source(src, range(len(src.weights)), "share") if frozen_use else None
    weights = tuple(w._replace(trainable=s.trainable, shared=src.name)
                    for w, s in zip(out.weights, src.weights, strict=True))
    return out._replace(weights=weights), warning


def tie(out: LayerOut, kind: str, src: LayerResult, frozen_use: bool
        ) -> tuple[LayerOut, SpecWarning | None]:
    """A dense's weight as ``src``'s (an embedding's or a dense's, up to a transpose)."""
    if kind != "dense":
        raise SpecError(f"tie: is for a dense layer's weight (an LM head tied to its embedding), "
                        f"not {kind}", code="tie-not-dense")
    if not src.weights or not out.weights:
        raise SpecError(f"tie: `{src.name}` has no weight to tie to", code="tie-shape-mismatch")
    w, t = out.weights[0], src.weights[0]
    if len(w.shape) != 2 or tuple(w.shape) not in (tuple(t.shape), tuple(t.shape)[::-1]):
        raise SpecError(f"tie: this layer's {w.name} is {_shapes((w,))} but `{src.name}`'s {t.name} is "
                        f"{_shapes((t,))}: a tied weight has the same shape, up to a transpose",
                        code="tie-shape-mismatch")
    warning = _freeze_source(src, (0,), "tie") if frozen_use else None
    # tied to a weight that is itself another's (a second tied head): the owner's
    tied = w._replace(trainable=False if not t.trainable else w.trainable, shared=t.shared or src.name)
    return out._replace(weights=(tied, *out.weights[1:])), warning


def _freeze_source(src: LayerResult, which: Any, key: str) -> SpecWarning | None:
    """``trainable: false`` on a use: the one module (or tied weight) is frozen, at its source too."""
    weights = list(src.weights)
    if not any(weights[i].trainable for i in which):
        return None
    for i in which:
        weights[i] = weights[i]._replace(trainable=False)
    src.weights = tuple(weights)
    src.trainable = num.total([w.size for w in weights if w.trainable and w.shared is None])
    return SpecWarning(f"{key}-freezes-source",
                       f"trainable: false on a {'shared' if key == 'share' else 'tied'} use freezes the "
                       f"one module it is: `{src.name}`'s weights are counted non-trainable too",
                       None, None)


def _shapes(weights: Sequence[Weight]) -> str:
    return ", ".join("×".join(num.fmt(d) for d in w.shape) for w in weights) or "none"


# ---------------------------------------------------------------- while expanding (expand.py)

Span = tuple[int, int, str, str, str]  # a block use: first, last, block, label, whose weights


def share_rounds(nodes: list[Node], rep: RepeatSpec, rounds: list[tuple[int, int]]) -> None:
    """``share: true``: round k's j-th layer is the first round's j-th layer (ALBERT)."""
    if not rep.share or len(rounds) < 2:
        return
    first, end = rounds[0]
    for i, (start, stop) in enumerate(rounds[1:], 1):
        if stop - start != end - first:
            raise SpecError(f"repeat: share: true, but round {i} has {stop - start} layers and the "
                            f"first {end - first}", code="share-mismatch", loc=rep.loc)
        for k in range(stop - start):
            node = nodes[start + k]
            if node.share is None:
                nodes[start + k] = node._replace(share=first + k + 1)


def shared_group(spans: Mapping[str, Span], names: Mapping[str, int], block: BlockSpec, use: LayerSpec,
                 lookup: Sequence[str], label: str, ref: LayerRef) -> Span:
    """The earlier use of the same block that ``share:`` names (its layers are shared one by one)."""
    target = str(use.share)
    for prefix in lookup:
        span = spans.get(prefix + target)
        if span is not None:
            break
    else:
        later = any(prefix + target in names for prefix in lookup)
        raise SpecError(f"share: `{target}` is not an earlier use of block `{block.name}`"
                        + (" (it is a layer; a block use shares a block use)" if later else
                           " (share names a block use that comes before this one)"),
                        code="bad-reference", loc=use.loc, layer=ref)
    if span[2] != block.name:
        raise SpecError(f"share: `{target}` is a use of block `{span[2]}` ({span[3]}), this is "
                        f"`{block.name}` ({label}): a shared module is the same block",
                        code="share-mismatch", loc=use.loc, layer=ref)
    return span


def rename_tensors(node: expr.Node, names: Mapping[str, str]) -> expr.Node:
    """The tree with the tensors of ``size()`` calls renamed."""
    if isinstance(node, expr.Call):
        args = tuple(rename_tensors(a, names) for a in node.args)
        if node.func == "size" and isinstance(args[0], expr.Name) and args[0].id in names:
            args = (expr.Name(names[args[0].id]), *args[1:])
        return node._replace(args=args)
    if isinstance(node, expr.Bin):
        return node._replace(left=rename_tensors(node.left, names), right=rename_tensors(node.right, names))
    if isinstance(node, expr.Neg | expr.Not):
        return node._replace(operand=rename_tensors(node.operand, names))
    if isinstance(node, expr.Cond):
        return expr.Cond(*(rename_tensors(x, names) for x in node))
    return node


__all__ = ["apply", "condition", "frozen", "label_sizes", "rename_tensors", "share",
           "share_rounds", "shared_group", "sizes_reader", "skipped", "source_row", "tie",
           "with_sizes"]
