"""torchvision's classes as ``print(model)`` shows them: what the text leaves out, known by class name.

A torchvision class's forward is fixed by its class, so where the printed order
is not its forward (a residual's shortcut printed first, SqueezeExcitation's
``activation`` printed after ``fc2``, a pooling done in ``forward`` with no module)
or where it holds parameters outside its printed children (ViT's class token,
Swin's bias tables), :mod:`convcalc.importers.repr_chain` asks here.  Sizes the
text does not print are assumed only as torchvision's builders set them, and a
note says so.
"""

from __future__ import annotations

import re
from typing import Any

from ..core.types import Weight
from ..spec.model import LayerSpec, Spec
from .torch_repr import Node

# torchvision's classes that hold no parameters of their own, or whose own ones hidden() adds
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
    "SwinTransformer", "SwinTransformerBlock", "SwinTransformerBlockV2", "ShiftedWindowAttention",
    "ShiftedWindowAttentionV2", "PatchMerging", "PatchMergingV2",
    "MaxVit", "MaxVitBlock", "MaxVitLayer", "PartitionAttentionLayer", "RelativePositionalMultiHeadAttention",
    "FCN", "FCNHead", "DeepLabV3", "DeepLabHead", "ASPP", "ASPPConv", "ASPPPooling", "LRASPP", "LRASPPHead",
    "IntermediateLayerGetter",
    # detection (their parameters are all in their children, but SSDFeatureExtractorVGG's scale_weight)
    "FasterRCNN", "MaskRCNN", "KeypointRCNN", "RetinaNet", "FCOS", "SSD", "BackboneWithFPN",
    "FeaturePyramidNetwork", "LastLevelP6P7", "RegionProposalNetwork", "RPNHead", "RoIHeads", "TwoMLPHead",
    "FastRCNNConvFCHead", "FastRCNNPredictor", "MaskRCNNHeads", "MaskRCNNPredictor", "KeypointRCNNHeads",
    "KeypointRCNNPredictor", "RetinaNetHead", "RetinaNetClassificationHead", "RetinaNetRegressionHead",
    "FCOSHead", "FCOSClassificationHead", "FCOSRegressionHead", "SSDHead", "SSDClassificationHead",
    "SSDRegressionHead", "SSDLiteHead", "SSDLiteClassificationHead", "SSDLiteRegressionHead",
    "SSDFeatureExtractorVGG", "SSDLiteFeatureExtractorMobileNet",
))
# torchvision's classes whose children run side by side on one input (Inception's branches), not modelled
BRANCHING = frozenset(("InceptionA", "InceptionB", "InceptionC", "InceptionD", "InceptionE", "LRASPPHead"))
# ... and those whose children run side by side on one input and are concatenated on the channels
PARALLEL_CONCAT = {"Inception": ["branch1", "branch2", "branch3", "branch4"]}  # GoogLeNet's
# torchvision's leaves that hold no parameters but print too little to know their output
PARAMETER_FREE = frozenset(("Permute", "WindowPartition", "WindowDepartition", "SwapAxes",
                            "GeneralizedRCNNTransform", "AnchorGenerator", "DefaultBoxGenerator",
                            "MultiScaleRoIAlign", "LastLevelMaxPool"))
# Blocks whose forward is ``shortcut(x) + main(x)``, then ``after`` (if any):
# class -> (the shortcut child's name, the child applied to the sum or None)
RESIDUAL = {"BasicBlock": ("downsample", None), "Bottleneck": ("downsample", None),
            "ResBottleneckBlock": ("proj", "activation"), "MBConv": ("proj", None)}
# Roots whose forward ends with F.interpolate(x, size=input_shape, mode="bilinear")
UPSAMPLE_TO_INPUT = frozenset(("FCN", "DeepLabV3"))
# Roots whose forward pools globally and flattens before a child, with no module for it
POOL_BEFORE = {"MobileNetV2": "classifier", "MNASNet": "classifier", "DenseNet": "classifier",
               "ShuffleNetV2": "fc"}
# GoogLeNet's children that read another child's output: its aux heads (training only) and avgpool
GOOGLENET_READS = {"aux1": "inception4a", "aux2": "inception4d", "avgpool": "inception5b"}
# SqueezeExcitation's forward order (its printed order puts `activation` after fc2)
_SE_ORDER = ("avgpool", "fc1", "activation", "fc2", "scale_activation")
# Sizes torchvision's classes do not print: the values every torchvision builder of the class uses
SWIN_WINDOW, HEAD_DIM, MAXVIT_PARTITION = 7, 32, 7


def rel(node: Node) -> str:
    return node.name.rsplit(".", 1)[-1]


def forward_children(node: Node) -> list[Node]:
    """The children in the order the class's forward runs them."""
    if node.cls == "SqueezeExcitation" and {rel(c) for c in node.children} == set(_SE_ORDER):
        return sorted(node.children, key=lambda c: _SE_ORDER.index(rel(c)))
    if node.cls == "InceptionAux" and [rel(c) for c in node.children] == ["conv", "fc1", "fc2", "dropout"]:
        return [node.children[i] for i in (0, 1, 3, 2)]  # GoogLeNet's: relu(fc1), dropout, fc2
    if node.cls == "PatchMerging" and [rel(c) for c in node.children] == ["reduction", "norm"]:
        return node.children[::-1]  # norm(4C), then reduction (PatchMergingV2 runs them as printed)
    if node.cls == "MBConv" and [rel(c) for c in node.children] == ["proj", "stochastic_depth", "layers"]:
        return [node.children[0], node.children[2], node.children[1]]  # MaxViT's: proj(x) + sd(layers(x))
    return node.children


def permute_dims(leaf: Node, parents: tuple[Node, ...], root: Node) -> list[int] | None:
    """torchvision's Permute prints no dims: CNBlock's and SwinTransformer's go channels-last and back."""
    owner = next((p for p in reversed((root, *parents)) if p.cls in ("CNBlock", "SwinTransformer")), None)
    if owner is None:
        return None
    perms = [x for x in all_leaves(owner) if x.cls == "Permute"]
    at = next(i for i, x in enumerate(perms) if x is leaf)
    if owner.cls == "CNBlock" and len(perms) == 2:
        return [[0, 2, 3, 1], [0, 3, 1, 2]][at]
    if owner.cls == "SwinTransformer" and len(perms) == 2:  # features.0's, and the root's own `permute`
        return [[0, 2, 3, 1], [0, 3, 1, 2]][at]
    return None


def parallel_concat(node: Node) -> bool:
    """A torchvision class whose children are branches on one input, concatenated (its children's names)."""
    return PARALLEL_CONCAT.get(node.cls) == [rel(c) for c in node.children]


def residual(node: Node) -> tuple[str, str | None] | None:
    """(shortcut, after) when the node is one of torchvision's residual blocks."""
    rule = RESIDUAL.get(node.cls)
    if rule is None or (node.cls == "MBConv" and not any(rel(c) == "proj" for c in node.children)):
        return None  # EfficientNet's MBConv (no proj child) adds its input only when shapes allow: no change
    return rule


def stops(node: Node) -> str | None:
    """Why the chain cannot pass this torchvision class (its forward is not a chain), or None."""
    return None


def hidden(node: Node, spec: Spec, root: Node, notes: list[str]) -> tuple[Weight, ...]:
    """Weights torchvision's classes hold outside their printed children."""
    if node.cls == "MultiheadAttention":
        proj = next((c for c in node.children if c.name.endswith("out_proj")), None)
        e = kw_int(proj.extra, "in_features") if proj is not None else None
        if e is None:
            return ()
        bias = "bias=False" not in proj.extra  # type: ignore[union-attr]
        return (Weight("in_proj_weight", (3 * e, e)),) + ((Weight("in_proj_bias", (3 * e,)),) if bias else ())
    if node.cls == "CNBlock":
        conv = next((leaf for leaf in all_leaves(node) if leaf.cls == "Conv2d"), None)
        if conv is not None:
            return (Weight("layer_scale", (conv_args(conv)[0], 1, 1)),)
    if node.cls == "SSDFeatureExtractorVGG":  # the L2 norm's scale on conv4_3: torch.ones(512) * 20
        return (Weight("scale_weight", (512,)),)
    if node.cls == "ShiftedWindowAttentionV2":  # logit_scale: one a head; heads = cpb_mlp's last out_features
        last = [leaf for leaf in all_leaves(node) if "cpb_mlp" in leaf.name]
        heads = kw_int(last[-1].extra, "out_features") if last else None
        return (Weight("logit_scale", (heads, 1, 1)),) if heads else ()
    if node.cls in ("ShiftedWindowAttention", "RelativePositionalMultiHeadAttention"):
        first = next((leaf for leaf in all_leaves(node) if leaf.cls == "Linear"), None)
        c = kw_int(first.extra, "in_features") if first is not None else None
        if not c or c % HEAD_DIM:
            return ()
        size = SWIN_WINDOW if node.cls == "ShiftedWindowAttention" else MAXVIT_PARTITION
        what = "window" if node.cls == "ShiftedWindowAttention" else "partition"
        note = (f"{node.cls}: its relative_position_bias_table ((2·{what} − 1)², heads) is not in the text, "
                f"nor are its {what} size and heads: {what} {size}×{size} and heads = channels / {HEAD_DIM} "
                "assumed, as every torchvision builder of the class sets them (another choice changes "
                "these rows' parameters)")
        if note not in notes:
            notes.append(note)
        return (Weight("relative_position_bias_table", ((2 * size - 1) ** 2, c // HEAD_DIM)),)
    return ()


def vit_patches(root: Node, spec: Spec) -> tuple[int, int] | None:
    """ViT's (patches, E): the patch grid from the input and conv_proj's stride."""
    conv = next((leaf for leaf in all_leaves(root) if rel(leaf) == "conv_proj"), None)
    shape = tuple(int(d) if isinstance(d, str) and d.isdigit() else d for d in spec.inputs.get("input", ()))
    if conv is None or len(shape) != 3 or not all(isinstance(d, int) for d in shape):
        return None
    e, patch = conv_args(conv)
    return (shape[1] // patch) * (shape[2] // patch), e


def vit_rows(node: Node, spec: Spec) -> list[LayerSpec]:
    """ViT's forward after conv_proj: the patches as a sequence, the class token in front, the position
    embedding added (parameters torchvision keeps outside its printed children, by class name)."""
    grid = vit_patches(node, spec)
    if grid is None:
        return []
    patches, e = grid
    return [LayerSpec("flatten", kwargs={"start_dim": 2}, name="forward_flatten", loc=node.loc),
            LayerSpec("transpose", args=(1, 2), name="forward_transpose", loc=node.loc),
            LayerSpec("parameter", kwargs={"shape": [1, e]}, name="class_token", loc=node.loc),
            LayerSpec("concat", kwargs={"axis": 1}, name="forward_cat", loc=node.loc,
                      sources=("class_token", "forward_transpose")),
            LayerSpec("parameter", kwargs={"shape": [patches + 1, e]}, name="encoder.pos_embedding",
                      loc=node.loc),
            LayerSpec("add", name="forward_add_pos", loc=node.loc,
                      sources=("forward_cat", "encoder.pos_embedding"))]


def conv_args(conv: Node) -> tuple[int, int]:
    """A printed Conv2d's out_channels and (square) stride."""
    from ..spec.inline import parse_layer_text

    ls = parse_layer_text(f"Conv2d({conv.extra})", conv.loc)
    out = ls.args[1] if len(ls.args) > 1 else ls.kwargs.get("out_channels")
    stride = ls.kwargs.get("stride", 1)
    return int(out), int(stride[0] if isinstance(stride, list) else stride)


def all_leaves(node: Node) -> list[Node]:
    return [node] if node.leaf else [leaf for c in node.children for leaf in all_leaves(c)]


def first_int(text: str) -> int:
    m = re.search(r"\d+", text)
    return int(m.group(0)) if m else 0


def kw_int(text: str, key: str) -> int | None:
    m = re.search(rf"{key}=(\d+)", text)
    return int(m.group(1)) if m else None


def any_child(node: Node, name: str) -> Any:
    return next((c for c in node.children if rel(c) == name), None)
