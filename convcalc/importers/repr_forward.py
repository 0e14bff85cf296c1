"""torchvision's forward where the printed order is not it, as the entries print(model) is run with.

:func:`entries` walks the module tree in the order the classes' forwards run their
children (:mod:`convcalc.importers.torchvision_known` says which), and adds the rows
the text has no module for: a residual's sum, a concatenation, a pooling done in
``forward``, ViT's class token.  :mod:`convcalc.importers.repr_chain` runs them.
"""

from __future__ import annotations

from dataclasses import dataclass

from .._record import replace
from ..core.types import Weight
from ..spec.model import LayerSpec, Spec
from . import torchvision_known as tv
from .torch_repr import LINEAR, PASSTHROUGH, Node

ATTENTION_NOTE = ("MultiheadAttention prints only its out_proj: E = {e} taken from it, and in_proj "
                  "({e3}x{e} and its bias, 3E² + 3E) added with PyTorch's defaults (kdim = vdim = E)")


def merge_attention_notes(notes: list[str]) -> list[str]:
    """One note for all the attention modules of one width (a ViT has one per encoder layer)."""
    out: list[str] = []
    by_text: dict[str, list[str]] = {}
    for note in notes:
        name, sep, text = note.partition(": ")
        if sep and text.startswith("MultiheadAttention prints only its out_proj"):
            if text not in by_text:
                by_text[text] = []
                out.append(text)  # its place: the first module's
            by_text[text].append(name)
        else:
            out.append(note)
    for text, names in by_text.items():
        where = names[0] if len(names) == 1 else f"{len(names)} modules, {names[0]} … {names[-1]}"
        out[out.index(text)] = f"{where}: {text}"
    return out


@dataclass
class Entry:
    spec: LayerSpec
    parents: tuple[Node, ...]  # containers, outermost first (the root left out)
    hidden: tuple[Weight, ...] | None = None  # weights the text does not show (an added row)
    opaque: bool = False  # a class convcalc does not know: the chain cannot pass it
    shaped: bool = False  # a hidden row that is a real module (LayerNorm2d): its shape is its input's
    stop: str | None = None  # the chain stops before this entry, for this reason


def entries(root: Node, spec: Spec, notes: list[str]) -> list[Entry]:
    """The leaves in forward order (the printed one, but where torchvision's classes say otherwise),
    with the rows of parameters the text does not show."""
    from ..layers.registry import is_type_name

    out: list[Entry] = []
    leaf_specs = {str(ls.name): ls for ls in spec.layers}
    unknown: list[str] = []

    def walk(node: Node, parents: tuple[Node, ...]) -> None:
        if node.leaf:
            ls = leaf_specs[node.name or node.cls.lower()]
            cls = "Linear" if node.cls in LINEAR else node.cls
            if cls in PASSTHROUGH:
                out.append(Entry(LayerSpec("identity", name=ls.name, loc=ls.loc), parents))
            elif cls == "LayerNorm2d":  # torchvision's channels-first LayerNorm: 2C weights
                c = tv.first_int(node.extra)
                out.append(Entry(LayerSpec("identity", name=ls.name, loc=ls.loc), parents,
                                 (Weight("weight", (c,)), Weight("bias", (c,))), shaped=True))
            elif cls == "Permute" and (dims := tv.permute_dims(node, parents, root)) is not None:
                out.append(Entry(LayerSpec("permute", args=tuple(dims), name=ls.name, loc=ls.loc), parents))
                note_once(notes, "Permute prints no dims: torchvision's CNBlock and SwinTransformer permute "
                          "to channels-last ([0, 2, 3, 1]) and back ([0, 3, 1, 2]), as their forwards do")
            elif cls in tv.PARAMETER_FREE or not is_type_name(cls):
                out.append(Entry(replace(ls, type=cls), parents, opaque=True))  # its class in the notes
                if cls not in tv.PARAMETER_FREE:
                    unknown.append(node.cls)
            else:
                out.append(Entry(ls, parents))
            if cls.startswith("AvgPool") and not any("ceil_mode" in n for n in notes):
                notes.append(f"{ls.name}: PyTorch prints no ceil_mode for {cls}: read as ceil_mode=False, "
                             "the default (with ceil_mode=True an axis can be one longer)")
            return
        inner = (*parents, node) if node.name else parents
        if node.cls not in tv.KNOWN and node.name:
            unknown.append(node.cls)
        hidden = tv.hidden(node, spec, root, notes)
        if hidden and node.cls != "MultiheadAttention":
            out.append(Entry(LayerSpec("identity", name=f"{node.name or 'model'}.{hidden[0].name}",
                                        loc=node.loc), inner, hidden))
        if node.cls == "MultiheadAttention" and hidden:
            e = hidden[0].shape[1]
            notes.append(f"{node.name}: {ATTENTION_NOTE.format(e=e, e3=3 * e)}")
        start = len(out)
        why = tv.stops(node)
        branches: list[str] = []
        dense: list[str] = [_name(out, start)]  # _DenseBlock: what each layer concatenates
        dense_block = node.cls == "_DenseBlock" and all(tv.rel(c).startswith("denselayer")
                                                        for c in node.children)
        for n, child in enumerate(tv.forward_children(node)):
            if dense_block and n > 0:
                out.append(Entry(LayerSpec("concat", name=f"{child.name}.cat", loc=child.loc,
                                           sources=tuple(dense)), (*inner, child)))
            if node.cls == "MultiheadAttention" and hidden:
                out.append(Entry(LayerSpec("identity", name=f"{node.name}.in_proj", loc=node.loc), inner,
                                  hidden))
                hidden = ()
            _before_child(node, child, inner, out, spec, notes)
            first = len(out)
            walk(child, inner)
            if len(out) == first:
                continue
            if why and n == 0:
                out[first].stop = why
            if (node.cls in tv.BRANCHING or _aspp(node, parents)) and n > 0:
                out[first].stop = (f"{node.cls} runs its children as parallel branches on one input, "
                                   "which the text does not show")
            if dense_block:
                dense.append(str(out[-1].spec.name))
            if tv.parallel_concat(node):
                if n > 0:
                    out[first].spec = replace(out[first].spec, sources=(_name(out, start),))
                branches.append(str(out[-1].spec.name))
            if node.cls == "VisionTransformer" and tv.rel(child) == "conv_proj":
                out.extend(Entry(ls, inner) for ls in tv.vit_rows(node, spec))
            src = _last_under(out, "inception5b") if node.cls == "GoogLeNet" else None
            if src and tv.rel(child) == "avgpool":
                out[first].spec = replace(out[first].spec, sources=(src,))
        if dense_block and len(dense) > 1:
            out.append(Entry(LayerSpec("concat", name=f"{node.name}.cat", loc=node.loc, sources=tuple(dense)),
                             inner))
            note_once(notes, "_DenseBlock: each layer reads the concatenation of the block's input and every "
                      "earlier layer's output, and the block returns all of them concatenated, as "
                      "torchvision's forward runs them (rows .cat)")
        if branches:
            out.append(Entry(LayerSpec("concat", name=f"{node.name}.cat", loc=node.loc,
                                        sources=tuple(branches)), inner))
            note_once(notes, f"{node.cls}: its children are branches on one input, concatenated on the "
                       "channels, as torchvision's forward runs them")
        _forward(node, inner, out, start, notes, spec)

    walk(root, ())
    if root.cls not in tv.KNOWN:
        unknown.insert(0, root.cls)
    if unknown:
        names = ", ".join(dict.fromkeys(unknown))
        notes.append(f"{names}: not torchvision classes convcalc knows; parameters they hold directly "
                     "(nn.Parameter, not a child module) are not in the text and may be hidden")
    return out


def _name(out: list[Entry], start: int) -> str:
    """The name of what entry ``start`` reads: the entry before it, or the input."""
    return str(out[start - 1].spec.name) if start else "input"


def _aspp(node: Node, parents: tuple[Node, ...]) -> bool:
    return bool(parents) and parents[-1].cls == "ASPP" and tv.rel(node) == "convs"


def _before_child(node: Node, child: Node, inner: tuple[Node, ...], out: list[Entry], spec: Spec,
                  notes: list[str]) -> None:
    """What torchvision's forward runs before a child without a module for it (a global pooling)."""
    if node.cls in ("PatchMerging", "PatchMergingV2") and child is tv.forward_children(node)[0] and out:
        for ls in (LayerSpec("permute", args=(0, 3, 1, 2), name=f"{node.name}.forward_permute", loc=node.loc),
                   LayerSpec("PixelUnshuffle", args=(2,), name=f"{node.name}.forward_merge", loc=node.loc),
                   LayerSpec("permute", args=(0, 2, 3, 1), name=f"{node.name}.forward_permute_back",
                             loc=node.loc)):
            out.append(Entry(ls, (*inner, node)))
        note_once(notes, f"{node.cls}: its forward gathers each 2×2 patch into 4C channels (H/2×W/2×4C, as "
                  "rows forward_permute, forward_merge, forward_permute_back; an odd size, which torchvision "
                  "pads, stops the shapes)")
        return
    if node.cls == "GoogLeNet" and tv.rel(child) in ("aux1", "aux2"):
        src = _last_under(out, tv.GOOGLENET_READS[tv.rel(child)])
        if src:
            out.append(Entry(LayerSpec("AdaptiveAvgPool2d", kwargs={"output_size": 4}, sources=(src,),
                                       name=f"{child.name}.forward_avgpool", loc=child.loc), (*inner, child)))
            note_once(notes, "GoogLeNet: aux1 and aux2 (run in training only) read inception4a and "
                      "inception4d through a 4×4 adaptive average pooling, and avgpool reads inception5b, as "
                      "its forward runs them")
        return
    if tv.POOL_BEFORE.get(node.cls) != tv.rel(child) or not out:
        return
    pre = [LayerSpec("ReLU", name="forward_relu", loc=child.loc)] if node.cls == "DenseNet" else []
    for ls in (*pre, LayerSpec("AdaptiveAvgPool2d", kwargs={"output_size": 1}, name="forward_avgpool",
                               loc=child.loc), LayerSpec("flatten", name="forward_flatten", loc=child.loc)):
        out.append(Entry(ls, inner))
    note_once(notes, f"{node.cls}: its forward pools globally and flattens before `{tv.rel(child)}` with no "
               "module for it (rows forward_avgpool, forward_flatten)")


def _input_hw(spec: Spec) -> tuple[int, ...]:
    shape = spec.inputs.get("input", ())
    fits = len(shape) == 3 and all(str(d).isdigit() for d in shape)
    return tuple(int(d) for d in shape[1:]) if fits else ()


def _forward(node: Node, inner: tuple[Node, ...], out: list[Entry], start: int, notes: list[str],
             spec: Spec) -> None:
    """torchvision's forward where it is not the printed order: the residual blocks (the shortcut reads
    the block's input, the sum follows), SqueezeExcitation's ``scale * input``, Fire's two expands,
    ViT's class token, SqueezeNet's final flatten."""
    if start == len(out):
        return
    before = _name(out, start)
    if node.cls == "SqueezeExcitation":
        out.append(Entry(LayerSpec("multiply", name=f"{node.name}.scale_input", loc=node.loc,
                                    sources=(str(out[-1].spec.name), str(before))), inner))
        note_once(notes, "SqueezeExcitation: its output is scale × input, as torchvision's forward computes")
    elif node.cls == "Fire":
        names = [str(e.spec.name) for e in out[start:]]
        want = [f"{node.name}.{n}" for n in ("squeeze_activation", "expand1x1_activation", "expand3x3")]
        if all(w in names for w in want):
            at = start + names.index(want[2])
            out[at].spec = replace(out[at].spec, sources=(want[0],))
            out.append(Entry(LayerSpec("concat", name=f"{node.name}.cat", loc=node.loc,
                                        sources=(want[1], str(out[-1].spec.name))), inner))
            note_once(notes, "Fire: expand1x1 and expand3x3 both read the squeeze, and are concatenated, "
                       "as torchvision's forward runs them")
    elif node.cls == "VisionTransformer" and tv.any_child(node, "heads") is not None:
        at = next(i for i in range(start, len(out)) if any(tv.rel(p) == "heads" for p in out[i].parents))
        out.insert(at, Entry(LayerSpec("select", kwargs={"axis": 1, "index": 0}, name="forward_class_token",
                                        loc=node.loc), inner))
        note_once(notes, "VisionTransformer: its forward makes the patches a sequence, puts class_token in "
                   "front, adds encoder.pos_embedding (parameters not in the text, known by class name) and "
                   "reads the class token's row before the heads")
    elif node.cls == "SqueezeNet":
        out.append(Entry(LayerSpec("flatten", name="forward_flatten", loc=node.loc), inner))
        note_once(notes, "SqueezeNet: its forward flattens the classifier's output (row forward_flatten)")
    elif node.cls in tv.UPSAMPLE_TO_INPUT and not node.name and len(shape := _input_hw(spec)) == 2:
        out.append(Entry(LayerSpec("Upsample", kwargs={"size": list(shape), "mode": "bilinear",
                                                        "align_corners": False},
                                    name="forward_interpolate", loc=node.loc), inner))
        note_once(notes, f"{node.cls}: its forward resizes the classifier's output to the input's size "
                   "(bilinear; row forward_interpolate); the aux_classifier, if any, is not on that path")
    elif node.cls == "ShiftedWindowAttention":
        at = next((i for i in range(start, len(out)) if out[i].spec.name == f"{node.name}.proj"), None)
        if at is not None:
            out[at].spec = replace(out[at].spec, sources=(before,))
            note_once(notes, "ShiftedWindowAttention: qkv's output is used inside the windowed attention, "
                      "whose result (the block's shape) is what proj reads")
    elif node.cls == "InvertedResidual" and tv.any_child(node, "branch2") is not None:
        _shuffle(node, inner, out, start, before, notes)
    elif tv.residual(node) is not None:
        _residual(node, inner, out, start, before, notes)


def _residual(node: Node, inner: tuple[Node, ...], out: list[Entry], start: int, before: str,
              notes: list[str]) -> None:
    shortcut, after = tv.residual(node)  # type: ignore[misc]
    under = [{p.name for p in e.parents} for e in out[start:]]
    sc = [start + i for i, ps in enumerate(under) if f"{node.name}.{shortcut}" in ps]
    post = [start + i for i, ps in enumerate(under) if after and f"{node.name}.{after}" in ps]
    main = [i for i in range(start, len(out)) if i not in sc and i not in post]
    if not main:
        return
    if sc:
        out[sc[0]].spec = replace(out[sc[0]].spec, sources=(before,))
        if main[0] > sc[-1]:
            out[main[0]].spec = replace(out[main[0]].spec, sources=(before,))
    skip = str(out[sc[-1]].spec.name) if sc else before
    add = Entry(LayerSpec("add", name=f"{node.name}.add", loc=node.loc,
                           sources=(str(out[main[-1]].spec.name), skip)), inner)
    out.insert(post[0] if post else len(out), add)
    if post:
        out[post[0] + 1].spec = replace(out[post[0] + 1].spec, sources=(f"{node.name}.add",))
    note_once(notes, f"{node.cls}: torchvision's forward is followed: the {shortcut} (if any) reads the "
               "block's input, and the sum of the two paths is a row of its own"
               + (" (the ReLU after it is the block's `relu` again, no row)" if after is None and
                  shortcut == "downsample" else ""))


def note_once(notes: list[str], note: str) -> None:
    if note not in notes:
        notes.append(note)


def _last_under(out: list[Entry], path: str) -> str | None:
    """The name of the last entry inside the module ``path`` (a root-level child's name)."""
    return next((str(e.spec.name) for e in reversed(out) if any(p.name == path for p in e.parents)), None)


def _shuffle(node: Node, inner: tuple[Node, ...], out: list[Entry], start: int, before: str,
             notes: list[str]) -> None:
    """ShuffleNetV2's block: two branches on the input (stride 2), or the input's two halves, one through
    branch2 (stride 1); concatenated, then the channels shuffled (which keeps the shape: no row)."""
    b2 = [i for i in range(start, len(out)) if any(p.name == f"{node.name}.branch2" for p in out[i].parents)]
    b1 = [i for i in range(start, len(out)) if i not in b2 and out[i].spec.type != "identity"]
    if not b2:
        return
    if b1:  # stride 2: both branches read the input
        out[b2[0]].spec = replace(out[b2[0]].spec, sources=(before,))
        first = str(out[b1[-1]].spec.name)
    else:  # stride 1: x.chunk(2, dim=1), the second half through branch2
        split = f"{node.name}.split"
        out.insert(b2[0], Entry(LayerSpec("split", kwargs={"chunks": 2}, name=split, loc=node.loc,
                                          sources=(before,)), inner))
        out[b2[0] + 1].spec = replace(out[b2[0] + 1].spec, sources=(f"{split}.1",))
        first = f"{split}.0"
    out.append(Entry(LayerSpec("concat", name=f"{node.name}.cat", loc=node.loc,
                               sources=(first, str(out[-1].spec.name))), inner))
    note_once(notes, "InvertedResidual (ShuffleNetV2): both branches read the input (stride 2), or its two "
              "halves are split and the second goes through branch2 (stride 1); the two are concatenated and "
              "the channels shuffled, as torchvision's forward runs them")

