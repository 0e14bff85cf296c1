"""print(model) text analysed: the printed order run as the forward, as far as it fits.

The text does not record the forward pass, so the leaves are chained in
printed order.  Where a Linear meets a feature map of exactly its
``in_features`` elements, torchvision's ``torch.flatten(x, 1)`` is assumed
(a row says so).  Where the chain stops fitting (a residual's ``downsample``
reads the block's input; DenseNet concatenates), every row from there on has
an unknown shape — never a guessed one — and the reason is a note; the
parameters are still counted, each leaf from its own printed sizes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .._record import replace
from ..arith import num
from ..core.result import LayerResult, Result
from ..core.types import Weight
from ..errors import SpecError
from ..spec.model import BlockSpec, LayerSpec, Spec
from .torch_repr import LINEAR, PASSTHROUGH, Node

# torchvision's classes that hold no parameters of their own (all are in their children)
KNOWN = frozenset((
    "Sequential", "ModuleList", "ModuleDict", "ResNet", "BasicBlock", "Bottleneck", "VGG",
    "AlexNet", "DenseNet", "_DenseBlock", "_DenseLayer", "_Transition", "MobileNetV2",
    "MobileNetV3", "InvertedResidual", "Conv2dNormActivation", "ConvNormActivation",
    "Conv3dNormActivation", "SqueezeExcitation", "EfficientNet", "MBConv", "FusedMBConv",
    "SqueezeNet", "Fire", "Inception3", "BasicConv2d", "InceptionA", "InceptionB", "InceptionC",
    "InceptionD", "InceptionE", "InceptionAux", "GoogLeNet", "Inception", "ShuffleNetV2", "MNASNet",
    "_InvertedResidual", "RegNet", "AnyStage", "ResBottleneckBlock", "BottleneckTransform",
    "SimpleStemIN", "ConvNeXt", "CNBlock", "VisionTransformer", "Encoder", "EncoderBlock",
    "MLPBlock", "MLP", "MultiheadAttention",
))


# torchvision's classes whose children run side by side on one input (Inception's branches, Fire's expands)
BRANCHING = frozenset(("InceptionA", "InceptionB", "InceptionC", "InceptionD", "InceptionE", "Inception",
                       "Fire"))
# torchvision's leaves that hold no parameters but print too little to know their output
PARAMETER_FREE = frozenset(("Permute",))


@dataclass
class _Entry:
    spec: LayerSpec
    parents: tuple[Node, ...]  # containers, outermost first (the root left out)
    hidden: tuple[Weight, ...] | None = None  # weights the text does not show (an added row)
    opaque: bool = False  # a class convcalc does not know: the chain cannot pass it
    stop: str | None = None  # the chain stops before this entry, for this reason


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
                free = ls.type in PARAMETER_FREE
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
                entries.insert(k, _Entry(LayerSpec("flatten", name=f"{ls.name}.flatten", loc=ls.loc),
                                         entries[k].parents))
                notes.append(f"{ls.name}: a feature map of {num.prod(x)} = in_features elements meets a "
                             "Linear: torch.flatten(x, 1) assumed before it (as torchvision's forward does)")
                known_upto = len(entries)
                continue
            known_upto = k
            notes.append(f"the printed order stops fitting at {ls.name}: {e.message}; shapes from this row "
                         "on are unknown (parameters are still counted from each row's printed sizes)")
    layers = _rows(entries, known, known_upto, spec, notes)
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


def _entries(root: Node, spec: Spec, notes: list[str]) -> list[_Entry]:
    """The leaves in printed order, with the rows of parameters the text does not show."""
    from ..layers.registry import is_type_name

    out: list[_Entry] = []
    leaf_specs = iter(spec.layers)
    unknown: list[str] = []

    def walk(node: Node, parents: tuple[Node, ...]) -> None:
        if node.leaf:
            ls = next(leaf_specs)
            cls = "Linear" if node.cls in LINEAR else node.cls
            if cls in PASSTHROUGH:
                out.append(_Entry(LayerSpec("identity", name=ls.name, loc=ls.loc), parents))
            elif cls == "LayerNorm2d":  # torchvision's channels-first LayerNorm: 2C weights
                c = _first_int(node.extra)
                out.append(_Entry(LayerSpec("identity", name=ls.name, loc=ls.loc), parents,
                                  (Weight("weight", (c,)), Weight("bias", (c,)))))
            elif cls in PARAMETER_FREE or not is_type_name(cls):
                out.append(_Entry(ls, parents, opaque=True))
                if cls not in PARAMETER_FREE:
                    unknown.append(node.cls)
            else:
                out.append(_Entry(ls, parents))
            if cls.startswith("AvgPool") and not any("ceil_mode" in n for n in notes):
                notes.append(f"{ls.name}: PyTorch prints no ceil_mode for {cls}: read as ceil_mode=False, "
                             "the default (with ceil_mode=True an axis can be one longer)")
            return
        inner = (*parents, node) if node.name else parents
        if node.cls not in KNOWN and node.name:
            unknown.append(node.cls)
        hidden = _hidden(node, spec, root)
        if hidden and node.cls != "MultiheadAttention":
            out.append(_Entry(LayerSpec("identity", name=f"{node.name or 'model'}.{hidden[0].name}",
                                        loc=node.loc), inner, hidden))
        if node.cls == "MultiheadAttention" and hidden:
            e = hidden[0].shape[1]
            notes.append(f"{node.name}: MultiheadAttention prints only its out_proj: E = {e} taken from it, "
                         f"and in_proj ({3 * e}x{e} and its bias, 3E² + 3E) added with PyTorch's defaults "
                         "(kdim = vdim = E)")
        start = len(out)
        for n, child in enumerate(node.children):
            if node.cls == "MultiheadAttention" and hidden:
                out.append(_Entry(LayerSpec("identity", name=f"{node.name}.in_proj", loc=node.loc), inner,
                                  hidden))
                hidden = ()
            first = len(out)
            walk(child, inner)
            if node.cls in BRANCHING and n > 0 and len(out) > first:
                out[first].stop = (f"{node.cls} runs its children as parallel branches on one input, "
                                   "which the text does not show")
        _forward(node, inner, out, start, notes)

    walk(root, ())
    if root.cls not in KNOWN:
        unknown.insert(0, root.cls)
    if unknown:
        names = ", ".join(dict.fromkeys(unknown))
        notes.append(f"{names}: not torchvision classes convcalc knows; parameters they hold directly "
                     "(nn.Parameter, not a child module) are not in the text and may be hidden")
    return out


def _forward(node: Node, inner: tuple[Node, ...], out: list[_Entry], start: int, notes: list[str]) -> None:
    """torchvision's forward where it is not the printed order: the residual of ResNet's blocks
    (``downsample`` reads the block's input, the sum follows), SqueezeExcitation's ``scale * input``."""
    if start == len(out) or node.cls not in ("BasicBlock", "Bottleneck", "SqueezeExcitation"):
        return
    before = out[start - 1].spec.name if start else "input"
    if node.cls == "SqueezeExcitation":
        out.append(_Entry(LayerSpec("multiply", name=f"{node.name}.scale_input", loc=node.loc,
                                    sources=(str(out[-1].spec.name), str(before))), inner))
        _note_once(notes, "SqueezeExcitation: its output is scale × input, as torchvision's forward computes")
        return
    path = f"{node.name}.downsample"
    ds = [i for i in range(start, len(out)) if any(p.name == path for p in out[i].parents)]
    main = out[(ds[0] if ds else len(out)) - 1].spec.name
    if ds:
        out[ds[0]].spec = replace(out[ds[0]].spec, sources=(before,))
    skip = out[ds[-1]].spec.name if ds else before
    out.append(_Entry(LayerSpec("add", name=f"{node.name}.add", loc=node.loc, sources=(str(main), str(skip))),
                      inner))
    _note_once(notes, f"{node.cls}: torchvision's forward is followed: the downsample (if any) reads the "
               "block's input, and the sum of the two paths is a row of its own (the ReLU after it is the "
               "block's `relu` again, no row)")


def _note_once(notes: list[str], note: str) -> None:
    if note not in notes:
        notes.append(note)


def _hidden(node: Node, spec: Spec, root: Node) -> tuple[Weight, ...]:
    """Weights torchvision's classes hold outside their printed children."""
    if node.cls == "MultiheadAttention":
        proj = next((c for c in node.children if c.name.endswith("out_proj")), None)
        e = _kw_int(proj.extra, "in_features") if proj is not None else None
        if e is None:
            return ()
        bias = "bias=False" not in proj.extra  # type: ignore[union-attr]
        return (Weight("in_proj_weight", (3 * e, e)),) + ((Weight("in_proj_bias", (3 * e,)),) if bias else ())
    if node.cls == "VisionTransformer":
        conv = _conv_proj(node)
        if conv is not None:
            return (Weight("class_token", (1, 1, _conv_args(conv)[0])),)
    if node.cls == "Encoder":
        return _pos_embedding(node, spec, root)
    if node.cls == "CNBlock":
        conv = next((leaf for leaf in _all_leaves(node) if leaf.cls == "Conv2d"), None)
        if conv is not None:
            return (Weight("layer_scale", (_conv_args(conv)[0], 1, 1)),)
    return ()


def _conv_proj(root: Node) -> Node | None:
    return next((leaf for leaf in _all_leaves(root) if leaf.name.split(".")[-1] == "conv_proj"), None)


def _conv_args(conv: Node) -> tuple[int, int]:
    """A printed Conv2d's out_channels and (square) stride."""
    from ..spec.inline import parse_layer_text

    ls = parse_layer_text(f"Conv2d({conv.extra})", conv.loc)
    out = ls.args[1] if len(ls.args) > 1 else ls.kwargs.get("out_channels")
    stride = ls.kwargs.get("stride", 1)
    return int(out), int(stride[0] if isinstance(stride, list) else stride)


def _pos_embedding(node: Node, spec: Spec, root: Node) -> tuple[Weight, ...]:
    """ViT's (1, patches + 1, E): the patch grid from the input and conv_proj's stride."""
    conv = _conv_proj(root)
    shape = tuple(int(d) if isinstance(d, str) and d.isdigit() else d for d in spec.inputs.get("input", ()))
    if conv is None or len(shape) != 3 or not all(isinstance(d, int) for d in shape):
        return ()
    e, patch = _conv_args(conv)
    return (Weight("pos_embedding", (1, (shape[1] // patch) * (shape[2] // patch) + 1, e)),)


def _all_leaves(node: Node) -> list[Node]:
    return [node] if node.leaf else [leaf for c in node.children for leaf in _all_leaves(c)]


def _first_int(text: str) -> int:
    import re

    m = re.search(r"\d+", text)
    return int(m.group(0)) if m else 0


def _kw_int(text: str, key: str) -> int | None:
    import re

    m = re.search(rf"{key}=(\d+)", text)
    return int(m.group(1)) if m else None


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
                            shape_known=known is not None and i < known_upto and not e.hidden))
    return rows


def _alone(e: _Entry, spec: Spec, notes: list[str]) -> LayerResult:
    """A leaf after the chain stopped: its weights from its printed sizes, its shape unknown."""
    from ..engine.propagate import analyse

    ls = e.spec
    if e.opaque or e.hidden:
        return _empty(ls, "identity" if e.hidden else ls.type)
    one = Spec(source=spec.source, layers=(replace(ls, name=ls.name),),
               inputs={"input": _probe_shape(ls)}, framework="pytorch", loc=spec.loc)
    try:
        row = analyse(one, {}).layers[0]
    except SpecError as err:
        notes.append(f"{ls.name}: its parameters are not counted ({err.message})")
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
