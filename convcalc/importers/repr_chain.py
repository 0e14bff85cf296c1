"""print(model) text analysed: the printed order run as the forward, as far as it fits.

The text does not record the forward pass, so the leaves are chained in
printed order, except where torchvision's classes say otherwise
(:mod:`convcalc.importers.repr_forward` builds the entries).  Where a Linear
meets a feature map of exactly its ``in_features`` elements, torchvision's
``torch.flatten(x, 1)`` is assumed (a row says so).  Where the chain stops
fitting (branches convcalc does not follow, a class it does not know), every
row from there on has an unknown shape — never a guessed one — and the reason
is a note; the parameters are still counted, each leaf from its own printed sizes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._record import replace
from ..arith import num
from ..core.result import LayerResult, Result
from ..errors import SpecError
from ..spec.model import BlockSpec, LayerSpec, Spec
from . import torchvision_known as tv
from .repr_forward import Entry as _Entry
from .repr_forward import entries as _entries
from .repr_forward import merge_attention_notes
from .torch_repr import Node

# Layers whose output is their input's shape, with no weights: a flatten found later can go before them
_ELEMENTWISE = frozenset(("Dropout", "ReLU", "ReLU6", "GELU", "SiLU", "Hardswish", "Tanh", "Sigmoid",
                          "identity"))

# The rows this reader adds that join several tensors: no weights, and no one input to probe them with
_MERGES = frozenset(("add", "multiply", "concat"))


def propagate_printed(spec: Spec, bound: Mapping[str, Any]) -> Result:
    """The Result of a print(model) spec: block rows from the tree, unknown shapes after a misfit."""
    from ..engine.propagate import analyse

    if not spec.inputs:
        raise SpecError("print(model) text has no input size: give one with --input (e.g. 3x224x224)",
                        code="repr-needs-input", loc=spec.loc)
    root: Node = spec.imported["tree"]  # type: ignore[index]
    notes: list[str] = ["the text does not record the forward pass: the printed order is taken as the "
                        "forward order, except where torchvision's classes say otherwise (below); other "
                        "skips (residuals, concatenations) are not visible"]
    entries = _entries(root, spec, notes)
    notes[:] = merge_attention_notes(notes)
    transposed = (spec.imported or {}).get("transposed") or frozenset()
    if transposed:
        notes.append("Conv1D(nf, nx) is transformers' Conv1D (GPT-2's c_attn, c_proj, c_fc): a linear map "
                     "from nx to nf features, x @ W + b, its weight W stored (nx, nf); read as a Linear")
    notes.extend(_tie_notes(entries, transposed))
    shape_in = spec.inputs["input"]
    known_upto = len(entries)  # entries [0, known_upto) have known shapes
    flattened: set[str] = set()
    known: Result | None = None
    while True:
        stop = next((i for i, e in enumerate(entries[:known_upto]) if e.opaque or e.stop), known_upto)
        chain = Spec(source=spec.source, layers=tuple(e.spec for e in entries[:stop]), inputs=spec.inputs,
                     framework="pytorch", loc=spec.loc, input_loc=spec.input_loc) if stop else None
        try:
            known = analyse(chain, bound) if chain is not None else None
            known_upto = stop
            if stop < len(entries) and entries[stop].stop:
                notes.append(f"{entries[stop].spec.name}: {entries[stop].stop}: shapes from this row on are "
                             "unknown (parameters are still counted)")
            elif stop < len(entries) and entries[stop].opaque:
                ls = entries[stop].spec
                free = ls.type in tv.PARAMETER_FREE
                what = "prints too little to know its output" if free else "is not a layer convcalc knows"
                notes.append(f"{ls.name} ({ls.type}) {what}: shapes from this row on are unknown")
            break
        except SpecError as e:
            if e.layer is None or e.layer.index == 1:
                raise  # the input does not fit the first layer: the --input given is wrong
            k = e.layer.index - 1
            before = analyse(replace(chain, layers=chain.layers[:k]), bound) if k else None
            x = before.layers[-1].output if before is not None else ()
            ls = entries[k].spec
            if (ls.name not in flattened and _is_linear(ls) and len(x) > 1
                    and num.prod(x) == _in_features(ls)):
                flattened.add(str(ls.name))
                at = k  # before the Dropouts and activations in front of it (AlexNet's classifier.0)
                while at > 1 and _movable(entries[at - 1].spec):
                    at -= 1
                entries.insert(at, _Entry(LayerSpec("flatten", name=f"{ls.name}.flatten", loc=ls.loc),
                                          entries[at].parents))
                notes.append(f"{ls.name}: a feature map of {num.prod(x)} = in_features elements meets a "
                             "Linear: torch.flatten(x, 1) assumed before it (as torchvision's forward does)"
                             + (f", and before {entries[at + 1].spec.name}" if at < k else ""))
                known_upto = len(entries)
                continue
            known_upto = k
            notes.append(f"the printed order stops fitting at {ls.name}: {e.message}; shapes from this row "
                         "on are unknown (parameters are still counted from each row's printed sizes)")
    layers = _rows(entries, known, known_upto, spec, notes)
    if transposed:  # a Conv1D's weight as transformers stores it, (nx, nf)
        layers = [replace(row, weights=tuple(w._replace(shape=w.shape[::-1]) if w.name == "weight" else w
                                             for w in row.weights)) if row.name in transposed else row
                  for row in layers]
    if known_upto < len(entries):
        notes.append("MACs and activation sizes count only the rows whose shapes are known")
    writable = known_upto == len(entries) and not any(e.hidden for e in entries)
    written = None
    if chain is not None:  # what --format yaml writes: the chain as run, its containers as blocks
        blocks: dict[str, BlockSpec] = {}
        try:
            nested = _nest(entries[:known_upto], 0, "", "input", blocks)
            written = replace(chain, layers=nested, blocks=blocks, name=spec.name, imported=spec.imported)
        except ValueError:  # a `from:` that block scopes cannot say
            writable = False
    result = Result(source=spec.source, name=spec.name, framework="pytorch",
                    layout=spec.resolved_layout, inputs={"input": known.inputs["input"]} if known else
                    {"input": tuple(shape_in)}, outputs=known.outputs if known and known_upto == len(entries)
                    else {}, layers=layers, memory=known.memory if known else 0,
                    warnings=known.warnings if known else (), rows=_block_rows(layers, entries),
                    spec=written,
                    imported={"format": "torch-repr", "notes": notes, "shapes_known_to": known_upto,
                              "writable": writable})
    return result


def _tie_notes(entries: list[_Entry], transposed: frozenset[str]) -> list[str]:
    """The text cannot show tied weights: a Linear whose weight has an Embedding's shape may be tied to
    it (GPT-2's lm_head and wte; PyTorch's parameters() then counts the tensor once)."""
    tables: dict[tuple[Any, Any], str] = {}
    for e in entries:
        ls = e.spec
        if ls.type == "Embedding" and not e.hidden:
            vocab = ls.kwargs.get("num_embeddings", ls.args[0] if ls.args else None)
            dim = ls.kwargs.get("embedding_dim", ls.args[1] if len(ls.args) > 1 else None)
            tables.setdefault((vocab, dim), str(ls.name))
    alike: dict[tuple[Any, Any], list[str]] = {}
    for e in entries:
        ls = e.spec
        shape = (ls.kwargs.get("out_features", ls.args[1] if len(ls.args) > 1 else None), _in_features(ls))
        if _is_linear(ls) and not e.hidden and ls.name not in transposed and shape in tables:
            alike.setdefault(shape, []).append(str(ls.name))
    notes = []
    for (out, in_), names in alike.items():
        who = (f"{names[0]}'s weight" if len(names) == 1 else
               f"the weights of {len(names)} Linears ({names[0]} … {names[-1]})")
        notes.append(f"{who} ({out}x{in_}) ha{'s' if len(names) == 1 else 've'} the shape of "
                     f"{tables[(out, in_)]}'s table, and print(model) does not show tied weights: if one is "
                     "that table (GPT-2's lm_head is wte), PyTorch's parameters() counts it once, and the "
                     f"total is {num.prod((out, in_)):,} lower than shown"
                     + (" for each that is" if len(names) > 1 else ""))
    return notes


def _movable(ls: LayerSpec) -> bool:
    return ls.type in _ELEMENTWISE and not ls.sources


def _is_linear(ls: LayerSpec) -> bool:
    return ls.type in ("Linear", "LazyLinear")


def _in_features(ls: LayerSpec) -> Any:
    return ls.kwargs.get("in_features", ls.args[0] if ls.args else None)


def _nest(entries: list[_Entry], depth: int, prefix: str, block_in: str, blocks: dict[str, BlockSpec],
          ) -> tuple[LayerSpec, ...]:
    """The entries of one container as layers: each child container a block of its own.

    ``from:`` names become the block's local names (``in`` for the container's input, a
    child block's name for that child's last layer); ValueError when that cannot be said.
    """
    last = {}  # a child block's name -> its last entry's name
    for e in entries:
        if len(e.parents) > depth:
            last[e.parents[depth].name] = e.spec.name

    def local(name: str) -> str:
        if name == block_in:
            return "in"
        rel = name[len(prefix):] if name.startswith(prefix) else None
        if rel is None or (rel not in {(x.spec.name or "")[len(prefix):] for x in entries}):
            raise ValueError(name)
        child = f"{prefix}{rel.split('.')[0]}"
        if "." in rel and last.get(child) != name:
            raise ValueError(name)
        return rel.split(".")[0] if "." in rel else rel

    out: list[LayerSpec] = []
    i = 0
    while i < len(entries):
        e = entries[i]
        sources = tuple(local(str(x)) for x in e.spec.sources) if e.spec.sources else None
        if len(e.parents) == depth:
            out.append(replace(e.spec, name=(e.spec.name or "")[len(prefix):], sources=sources))
            i += 1
            continue
        node = e.parents[depth]
        j = i
        while j < len(entries) and len(entries[j].parents) > depth and entries[j].parents[depth] is node:
            j += 1
        inner = [replace(entries[i], spec=replace(e.spec, sources=None)), *entries[i + 1:j]] if sources else \
            entries[i:j]
        use_in = str(entries[i - 1].spec.name) if i else block_in
        name = f"{node.cls}_{len(blocks) + 1}"
        blocks[name] = BlockSpec(name, {}, (), node.loc)  # reserve the name before the children's
        body = _nest(inner, depth + 1, node.name + ".", str(e.spec.sources[0]) if sources else use_in, blocks)
        blocks[name] = BlockSpec(name, {}, body, node.loc)
        out.append(LayerSpec(name, name=node.name[len(prefix):], sources=sources, loc=node.loc))
        i = j
    return tuple(out)


def _block_rows(layers: list[LayerResult], entries: list[_Entry]) -> list[LayerResult]:
    """Each container's row (its leaves' totals) above its leaves, as the engine shows blocks."""
    span: dict[str, list[int]] = {}
    for i, e in enumerate(entries, 1):
        for node in e.parents:
            span.setdefault(node.name, [i, i])[1] = i
    rows: list[LayerResult] = []
    opened: set[str] = set()
    for i, e in enumerate(entries):
        for depth, node in enumerate(e.parents):
            if node.name in opened:
                continue
            opened.add(node.name)
            first, last = span[node.name]
            inside = layers[first - 1:last]
            rows.append(LayerResult(
                index=first, name=node.name, type=node.cls, label=node.cls, sources=(), input_shapes=(),
                output=layers[last - 1].output, weights=(), params=num.total([r.params for r in inside]),
                trainable=num.total([r.trainable for r in inside]), macs=num.total([r.macs for r in inside]),
                loc=node.loc, block=e.parents[depth - 1].name if depth else None, depth=depth,
                span=(first, last), shape_known=layers[last - 1].shape_known))
        rows.append(layers[i])
    return rows


def _rows(entries: list[_Entry], known: Result | None, known_upto: int, spec: Spec,
          notes: list[str]) -> list[LayerResult]:
    """One row a leaf: the chain's rows while shapes are known, then each leaf on its own."""
    rows: list[LayerResult] = []
    for i, e in enumerate(entries):
        parent = e.parents[-1].name if e.parents else None
        row = known.layers[i] if known is not None and i < known_upto else _alone(e, spec, notes)
        if e.hidden:
            params = num.total([num.prod(w.shape) for w in e.hidden])
            row = replace(row, type="parameter", label="parameters not in the text (by class name)",
                          weights=e.hidden,
                          params=params, trainable=params)
        rows.append(replace(row, index=i + 1, block=parent, depth=len(e.parents),
                            shape_known=known is not None and i < known_upto and (not e.hidden or e.shaped)))
    return rows


def _alone(e: _Entry, spec: Spec, notes: list[str]) -> LayerResult:
    """A leaf after the chain stopped: its weights from its printed sizes, its shape unknown."""
    from ..engine.propagate import analyse

    ls = e.spec
    if e.opaque or e.hidden or ls.type in _MERGES:
        return _empty(ls, "identity" if e.hidden else ls.type)
    one = Spec(source=spec.source, layers=(replace(ls, name=ls.name, sources=None),),
               inputs={"input": _probe_shape(ls)}, framework="pytorch", loc=spec.loc)
    try:
        row = analyse(one, {}).layers[0]
    except SpecError as err:
        notes.append(f"{ls.name}: its parameters are not counted ({err.message}), so the total is a lower "
                     "bound")
        return _empty(ls, ls.type)
    return replace(row, output=(), input_shapes=(), macs=0, memory=None, receptive_field=None,
                   effective_stride=None, sources=())


def _empty(ls: LayerSpec, type_: str) -> LayerResult:
    return LayerResult(index=0, name=ls.name or type_, type=type_, label=ls.type, sources=(), input_shapes=(),
                       output=(), weights=(), params=0, trainable=0, macs=0, loc=ls.loc)


def _probe_shape(ls: LayerSpec) -> tuple[Any, ...]:
    """An input that fits a leaf by its own printed sizes (its weights do not depend on the rest)."""
    import re

    t = ls.type
    first = ls.args[0] if ls.args else None
    rank_m = re.search(r"([123])d$", t)
    rank = int(rank_m.group(1)) if rank_m else 1
    kw = ls.kwargs
    if "Conv" in t:
        return (first or kw.get("in_channels"), *(64,) * rank)
    if "Norm" in t and t != "LayerNorm" and t != "GroupNorm":
        return (first or kw.get("num_features"), *(8,) * rank)
    if t == "GroupNorm":
        return (ls.args[1] if len(ls.args) > 1 else kw.get("num_channels"), 8)
    if t == "LayerNorm":
        shape = first if first is not None else kw.get("normalized_shape")
        return tuple(shape) if isinstance(shape, list) else (shape,)
    if _is_linear(ls):
        return (_in_features(ls),)
    if t in ("RNN", "LSTM", "GRU"):
        return (8, first or kw.get("input_size"))
    if t == "PReLU":
        return (kw.get("num_parameters", first or 1), 8)
    if t == "Embedding":
        return (8,)
    return (1, 64, 64)
