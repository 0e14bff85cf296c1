"""torchvision's forward where the printed order is not it, as the entries print(model) is run with.

:func:`entries` walks the module tree in the order the classes' forwards run their
children (:mod:`convcalc.importers.torchvision_known` says which), and adds the rows
the text has no module for: a residual's sum, a concatenation, a pooling done in
``forward``, ViT's class token.  :mod:`convcalc.importers.repr_chain` runs them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..core.types import Weight
from ..spec.model import LayerSpec, Spec
from . import torchvision_known as tv
from .torch_repr import LINEAR, PASSTHROUGH, Node


@dataclass
class Entry:
    spec: LayerSpec
    parents: tuple[Node, ...]  # containers, outermost first (the root left out)
    hidden: tuple[Weight, ...] | None = None  # weights the text does not show (an added row)
    opaque: bool = False  # a class convcalc does not know: the chain cannot pass it
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
                                  (Weight("weight", (c,)), Weight("bias", (c,)))))
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
            notes.append(f"{node.name}: MultiheadAttention prints only its out_proj: E = {e} taken from it, "
                         f"and in_proj ({3 * e}x{e} and its bias, 3E² + 3E) added with PyTorch's defaults "
                         "(kdim = vdim = E)")
        start = len(out)
        why = tv.stops(node)
        branches: list[str] = []
        for n, child in enumerate(tv.forward_children(node)):
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
            if node.cls in tv.PARALLEL_CONCAT:
                if n > 0:
                    out[first].spec = replace(out[first].spec, sources=(_name(out, start),))
                branches.append(str(out[-1].spec.name))
            if node.cls == "VisionTransformer" and tv.rel(child) == "conv_proj":
                out.extend(Entry(ls, inner) for ls in tv.vit_rows(node, spec))
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
