"""The text PyTorch prints for ``print(model)`` (``Module.__repr__``).

The text is a module tree: ``(name): Class(extra_repr)`` leaves and containers
whose children are indented beneath; ``(0-5): 6 x Block(...)`` stands for six
alike children.  Every leaf carries its own sizes (``Conv2d(3, 64, ...)``,
``Linear(in_features=...)``), so parameters are exact from the text; the
forward pass is not in it, so the printed order is taken as the forward order
(:mod:`convcalc.importers.repr_chain` runs it and says where it stops fitting).
Parameters the text does not show are added by class name for torchvision's
classes (:mod:`convcalc.importers.torchvision_known`: ViT's class token and
position embedding, ConvNeXt's layer scale, Swin's and MaxViT's bias tables,
MultiheadAttention's in_proj); other classes get a note naming them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .._regex import LazyPattern
from ..errors import Loc, SpecError
from ..spec.inline import parse_layer_text
from ..spec.model import LayerSpec, Spec

_LINE = LazyPattern(r"^(?P<indent>\s*)(?:\((?P<name>[\w.-]+)\): )?(?:(?P<count>\d+) x )?"
                   r"(?P<cls>[A-Za-z_]\w*)\((?P<rest>.*)$")
# torchvision/PyTorch leaves without weights whose output is their input
PASSTHROUGH = {"StochasticDepth", "Identity", "FrozenBatchNorm2d", "Sequential"}  # Sequential(): empty
# Linear subclasses PyTorch prints under their own names
LINEAR = {"NonDynamicallyQuantizableLinear"}
# transformers' Conv1D (GPT-2's c_attn, c_proj, c_fc): x @ W + b with W of shape (nx, nf), a Linear
# from nx to nf features whose weight is stored transposed; neither Keras's Conv1D nor torch's Conv1d
HF_CONV1D = LazyPattern(r"^\s*nf=(\d+),\s*nx=(\d+)\s*$")


@dataclass
class Node:
    name: str  # dotted path: layer1.0.conv1 ("" for the root)
    cls: str
    extra: str  # the leaf's extra_repr (arguments as printed)
    loc: Loc
    children: list[Node] = field(default_factory=list)
    leaf: bool = True


def parse(text: str, source: str) -> Node:
    """The module tree, with ``N x`` children expanded."""
    lines = [(i + 1, ln) for i, ln in enumerate(text.splitlines()) if ln.strip()]
    if not lines:
        raise SpecError("the print(model) text is empty", code="repr-empty", loc=Loc(source, 1, 1))
    pos = 0

    def node(prefix: str) -> list[Node]:
        nonlocal pos
        n, line = lines[pos]
        m = _LINE.match(line)
        if m is None:
            raise SpecError(f"cannot read {line.strip()!r} as a line of print(model)", code="repr-bad-line",
                            loc=Loc(source, n, len(line) - len(line.lstrip()) + 1))
        loc = Loc(source, n, len(m.group("indent")) + 1)
        written, cls, rest = m.group("name"), m.group("cls"), m.group("rest")
        names = _names(written, int(m.group("count") or 1), loc)
        pos += 1
        if rest.strip() != "":  # one line: Class(extra)
            if not rest.rstrip().endswith(")"):
                raise SpecError(f"{cls}( is not closed on its line", code="repr-bad-line", loc=loc)
            extra = rest.rstrip()[:-1]
            return [Node(_join(prefix, nm), cls, extra, loc) for nm in names]
        # Class( ... ) over several lines: extra_repr lines, then children
        body: list[Node] = []
        extras: list[str] = []
        while pos < len(lines) and lines[pos][1].strip() != ")":
            inner = lines[pos][1]
            if _LINE.match(inner) and inner.strip().startswith("("):
                body.extend(node("\0"))
            else:
                extras.append(inner.strip())
                pos += 1
        if pos >= len(lines):
            raise SpecError(f"{cls}( (line {n}) is never closed", code="repr-unclosed", loc=loc)
        pos += 1
        out = []
        for nm in names:
            full = _join(prefix, nm)
            kids = [_rename(k, full) for k in body]
            out.append(Node(full, cls, " ".join(extras), loc, kids, leaf=not kids))
        return out

    if lines[0][1].lstrip().startswith("("):  # a fragment: the children of a model, its head cut off
        kids: list[Node] = []
        while pos < len(lines):
            kids.extend(node("\0"))
        return Node("", "Sequential", "", Loc(source, 1, 1), [_rename(k, "") for k in kids], leaf=False)
    roots = node("")
    if pos < len(lines):
        raise SpecError("text after the end of the printed model", code="repr-bad-line",
                        loc=Loc(source, lines[pos][0], 1))
    return roots[0]


def _names(written: str | None, count: int, loc: Loc) -> list[str]:
    if written is None:
        return [""]
    span = re.fullmatch(r"(\d+)-(\d+)", written)  # (0-5): 6 x Block (RegNet's own names are block1-0)
    if span is not None:
        first, last = int(span.group(1)), int(span.group(2))
        if last - first + 1 != count:
            raise SpecError(f"({written}) holds {last - first + 1} modules, not {count}",
                            code="repr-bad-line", loc=loc)
        return [str(i) for i in range(first, last + 1)]
    if count != 1:
        raise SpecError(f"({written}): {count} x needs a range of indices such as (0-{count - 1})",
                        code="repr-bad-line", loc=loc)
    return [written]


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix and name else prefix or name


def _rename(node: Node, prefix: str) -> Node:
    """A child parsed under a placeholder prefix, put under its parent's real name."""
    rel = node.name.split(".", 1)[1] if node.name.startswith("\0") else node.name
    full = _join(prefix, rel)
    return Node(full, node.cls, node.extra, node.loc, [_rename(k, prefix) for k in node.children], node.leaf)


def leaves(root: Node) -> list[Node]:
    if root.leaf:
        return [root]
    return [leaf for child in root.children for leaf in leaves(child)]


# What a class's extra_repr prints that its constructor does not take (Upsample's `mode`, which
# UpsamplingNearest2d/UpsamplingBilinear2d fix themselves).
_PRINTED_NOT_PASSED: dict[str, tuple[str, ...]] = {
    "UpsamplingNearest2d": ("mode",),
    "UpsamplingBilinear2d": ("mode", "align_corners"),
}


def layer_spec(leaf: Node) -> LayerSpec:
    """A leaf as a convcalc layer (PyTorch's class name and the printed arguments)."""
    cls = "Linear" if leaf.cls in LINEAR else leaf.cls
    hf = HF_CONV1D.match(leaf.extra) if cls == "Conv1D" else None
    if hf is not None:
        return LayerSpec("Linear", (), {"in_features": int(hf.group(2)), "out_features": int(hf.group(1))},
                         leaf.name or "conv1d", None, leaf.loc)
    ls = parse_layer_text(f"{cls}({leaf.extra})", leaf.loc)
    kwargs = dict(ls.kwargs)
    if "Norm" in cls and (kwargs.get("bias") is True or kwargs.get("affine") is False):
        kwargs.pop("bias", None)  # PyTorch 2.13 prints norms' bias: the default, or moot without affine
    for key in _PRINTED_NOT_PASSED.get(cls, ()):
        kwargs.pop(key, None)
    return LayerSpec(ls.type, ls.args, kwargs, leaf.name or cls.lower(), None, leaf.loc)


def read(text: str, source: str) -> Spec:
    """print(model) text -> Spec: the leaves in printed order, the tree in ``imported["tree"]``.

    The layers are the chain :mod:`convcalc.importers.repr_chain` tries first; it
    builds the result (block rows, hidden parameters, where shapes stop being known).
    """
    from ..layers.registry import is_type_name

    root = parse(text, source)
    layers = tuple(layer_spec(leaf) if is_type_name(_bare(leaf.cls)) else
                   LayerSpec("identity", name=leaf.name, loc=leaf.loc) for leaf in leaves(root))
    transposed = frozenset(leaf.name for leaf in leaves(root) if hf_conv1d(leaf))
    # PyTorch's by construction (framework_loc set): a class name that is also Keras's (transformers'
    # Conv1D) is not evidence of a Keras spec
    return Spec(source=source, layers=layers, name=root.cls, framework="pytorch", loc=Loc(source, 1, 1),
                input_loc=Loc(source, 1, 1), framework_loc=Loc(source, 1, 1),
                imported={"format": "torch-repr", "notes": (), "tree": root, "transposed": transposed})


def hf_conv1d(leaf: Node) -> bool:
    """Whether a leaf is transformers' ``Conv1D(nf=N, nx=M)``."""
    return leaf.cls == "Conv1D" and HF_CONV1D.match(leaf.extra) is not None


def _bare(cls: str) -> str:
    return "Linear" if cls in LINEAR else cls


def tree_of(spec: Spec) -> Any:
    return (spec.imported or {}).get("tree")
