"""Darknet ``.cfg`` files: ``[net]`` gives the input, every later section one layer as Darknet builds it.

A ``[convolutional]`` section becomes a use of a block (convolution, batch
normalisation when ``batch_normalize=1``, the activation); with batch
normalisation Darknet's conv bias is the BN beta, so the convolution has none.
``pad=1`` pads ``size // 2``.  A ``[maxpool]`` pads ``padding`` (default
``size - 1``) in all, ``padding // 2`` before and the rest after, so
``out = (n + padding - size) // stride + 1``; an uneven split is a
zero-padding row before the pooling.  ``route`` and ``shortcut`` name their
sources by section index (negative: counted back from the section).  The
``[yolo]`` (and ``[region]``) sections are the outputs.  Darknet's own BFLOPs
(2·MACs of the convolutions, no bias) are reported by :func:`bflops`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .._regex import LazyPattern
from ..errors import Loc, SpecError
from ..spec.model import BlockSpec, LayerSpec, Spec

ACTIVATIONS = {"leaky": "leakyrelu", "relu": "relu", "mish": "mish", "logistic": "sigmoid",
               "swish": "silu", "tanh": "tanh", "linear": None, "relu6": "relu6", "elu": "elu",
               "gelu": "gelu"}
SECTIONS = ("convolutional", "conv", "maxpool", "max", "avgpool", "avg", "route", "shortcut",
            "upsample", "yolo", "region", "dropout", "softmax", "connected")
_HEADER = LazyPattern(r"^\[([^\]]*)\]$")


class _Section:
    def __init__(self, kind: str, loc: Loc) -> None:
        self.kind = kind
        self.loc = loc
        self.options: dict[str, str] = {}
        self.locs: dict[str, Loc] = {}

    def int(self, key: str, default: int) -> int:
        raw = self.options.get(key)
        if raw is None:
            return default
        try:
            return int(raw)
        except ValueError:
            raise SpecError(f"[{self.kind}] {key}={raw}: a whole number is expected",
                            code="darknet-bad-value", loc=self.locs[key]) from None

    def ints(self, key: str) -> list[int]:
        raw = self.options.get(key)
        if raw is None:
            raise SpecError(f"[{self.kind}] needs {key}=", code="darknet-missing-option", loc=self.loc)
        try:
            return [int(p) for p in raw.split(",") if p.strip()]
        except ValueError:
            raise SpecError(f"[{self.kind}] {key}={raw}: whole numbers separated by commas are expected",
                            code="darknet-bad-value", loc=self.locs[key]) from None


def _sections(text: str, source: str) -> list[_Section]:
    sections: list[_Section] = []
    for n, line in enumerate(text.splitlines(), 1):
        body = re.split(r"[#;]", line, maxsplit=1)[0]
        stripped = body.strip()
        if not stripped:
            continue
        col = len(body) - len(body.lstrip()) + 1
        m = _HEADER.match(stripped)
        if m:
            sections.append(_Section(m.group(1).strip().lower(), Loc(source, n, col)))
            continue
        key, sep, value = stripped.partition("=")
        if not sep or not sections:
            raise SpecError(f"cannot read {stripped!r}: a Darknet cfg has [section] headers and "
                            "key=value lines", code="darknet-bad-line", loc=Loc(source, n, col))
        sections[-1].options[key.strip()] = value.strip()
        sections[-1].locs[key.strip()] = Loc(source, n, col)
    return sections


def read(text: str, source: str) -> Spec:
    """A Darknet cfg -> Spec (PyTorch layout: channels first, as Darknet's C×H×W)."""
    sections = _sections(text, source)
    if not sections or sections[0].kind not in ("net", "network"):
        raise SpecError("a Darknet cfg starts with a [net] section", code="darknet-no-net",
                        loc=sections[0].loc if sections else Loc(source, 1, 1))
    net, body = sections[0], sections[1:]
    inputs = {"input": (net.int("channels", 3), net.int("height", 416), net.int("width", 416))}
    reader = _Reader()
    for i, sec in enumerate(body):
        reader.section(i, sec)
    if not reader.layers:
        raise SpecError("the Darknet cfg has no layers after [net]", code="darknet-no-layers", loc=net.loc)
    outputs = tuple(reader.outputs) or None
    return Spec(source=source, layers=tuple(reader.layers), inputs=inputs, framework="pytorch",
                blocks=reader.blocks, outputs=outputs, loc=Loc(source, 1, 1), input_loc=net.loc,
                imported={"format": "darknet", "notes": ()})


class _Reader:
    def __init__(self) -> None:
        self.layers: list[LayerSpec] = []
        self.names: list[str] = []  # section index -> its layer's name
        self.blocks: dict[str, BlockSpec] = {}
        self.outputs: list[str] = []

    def ref(self, i: int, raw: int, sec: _Section, key: str) -> str:
        j = i + raw if raw < 0 else raw
        if not 0 <= j < i:
            raise SpecError(f"[{sec.kind}] {key}={raw} names section {j}, but section {i} can read only "
                            f"sections 0 to {i - 1}", code="darknet-bad-ref", loc=sec.locs.get(key, sec.loc))
        return self.names[j]

    def add(self, name: str, type_: str, sec: _Section, sources: tuple[str, ...] | None = None,
            **kwargs: Any) -> None:
        self.layers.append(LayerSpec(type=type_, kwargs=kwargs, name=name, sources=sources, loc=sec.loc))
        self.names.append(name)

    def section(self, i: int, sec: _Section) -> None:
        kind = sec.kind
        if kind in ("convolutional", "conv"):
            self.conv(i, sec)
        elif kind in ("maxpool", "max"):
            self.maxpool(i, sec)
        elif kind in ("avgpool", "avg"):
            self.add(f"avgpool_{i}", "adaptive_avgpool2d", sec, size=1)
        elif kind == "route":
            self.route(i, sec)
        elif kind == "shortcut":
            froms = [self.ref(i, r, sec, "from") for r in sec.ints("from")]
            act = _activation(sec, "linear")
            if act is not None:
                raise SpecError(f"[shortcut] activation={sec.options['activation']} is not read yet "
                                "(only linear)", code="darknet-unsupported", loc=sec.locs["activation"])
            self.add(f"shortcut_{i}", "add", sec, (self.names[i - 1], *froms))
        elif kind == "upsample":
            self.add(f"upsample_{i}", "upsample2d", sec, scale=sec.int("stride", 2))
        elif kind in ("yolo", "region"):
            self.add(f"{kind}_{i}", "identity", sec)
            self.outputs.append(f"{kind}_{i}")
        elif kind == "dropout":
            self.add(f"dropout_{i}", "dropout", sec)
        elif kind == "softmax":
            self.add(f"softmax_{i}", "softmax", sec)
        elif kind == "connected":
            self.block(f"connected_{i}", _block_name("connected", _activation(sec, "logistic")), sec,
                       out=sec.int("output", 1))
        else:
            raise SpecError(f"Darknet section [{kind}] is not read by convcalc (it reads "
                            f"{', '.join(f'[{s}]' for s in SECTIONS)})", code="darknet-unknown-section",
                            loc=sec.loc)

    def conv(self, i: int, sec: _Section) -> None:
        size, bn = sec.int("size", 1), bool(sec.int("batch_normalize", 0))
        pad = size // 2 if sec.int("pad", 0) else sec.int("padding", 0)
        act = _activation(sec, "logistic")
        name = _block_name("conv_bn" if bn else "conv", act)
        groups = sec.int("groups", 1)
        self.block(f"conv_{i}", name, sec, filters=sec.int("filters", 1), size=size,
                   stride=sec.int("stride", 1), pad=pad, **({"groups": groups} if groups != 1 else {}))

    def block(self, use: str, name: str, sec: _Section, **args: Any) -> None:
        if name not in self.blocks:
            self.blocks[name] = _define(name)
        self.layers.append(LayerSpec(type=name, kwargs=args, name=use, loc=sec.loc))
        self.names.append(use)

    def maxpool(self, i: int, sec: _Section) -> None:
        stride = sec.int("stride", 1)
        size = sec.int("size", stride)
        padding = sec.int("padding", size - 1)
        before, after = padding // 2, padding - padding // 2
        if before == after:
            self.add(f"maxpool_{i}", "maxpool2d", sec, kernel=size, stride=stride, padding=before)
            return
        self.block(f"maxpool_{i}", "maxpool_uneven", sec, size=size, stride=stride, before=before,
                   after=after)

    def route(self, i: int, sec: _Section) -> None:
        if sec.int("groups", 1) != 1:
            raise SpecError("[route] groups= (a channel slice) is not read yet", code="darknet-unsupported",
                            loc=sec.locs["groups"])
        froms = tuple(self.ref(i, r, sec, "layers") for r in sec.ints("layers"))
        if len(froms) == 1:
            self.add(f"route_{i}", "identity", sec, froms)
        else:
            self.add(f"route_{i}", "concat", sec, froms)


def _activation(sec: _Section, default: str) -> str | None:
    act = sec.options.get("activation", default)
    if act not in ACTIVATIONS:
        raise SpecError(f"[{sec.kind}] activation={act} is not known (known: {', '.join(ACTIVATIONS)})",
                        code="darknet-unknown-activation", loc=sec.locs.get("activation", sec.loc))
    return ACTIVATIONS[act]


def _block_name(base: str, act: str | None) -> str:
    return f"{base}_{act}" if act else f"{base}_linear"


def _define(name: str) -> BlockSpec:
    """The block of one kind of section (``conv_bn_leakyrelu``: conv without bias, BN, leaky ReLU)."""
    act: Mapping[str, Any] | None = None
    if name == "maxpool_uneven":
        pad = [["$before", "$after"], ["$before", "$after"]]
        return BlockSpec(name, {"size": None, "stride": None, "before": None, "after": None}, (
            LayerSpec("zeropad2d", kwargs={"padding": pad}),
            LayerSpec("maxpool2d", kwargs={"kernel": "$size", "stride": "$stride"}),
        ))
    base, _, act_name = name.rpartition("_")
    act = None if act_name == "linear" else {"type": act_name}
    if base == "connected":
        layers: list[LayerSpec] = [LayerSpec("flatten"), LayerSpec("dense", kwargs={"out": "$out"})]
        args: dict[str, Any] = {"out": None}
    else:
        bn = base == "conv_bn"
        layers = [LayerSpec("conv2d", kwargs={"out": "$filters", "kernel": "$size", "stride": "$stride",
                                               "padding": "$pad", "groups": "$groups", "bias": not bn})]
        if bn:
            layers.append(LayerSpec("batchnorm2d"))
        args = {"filters": None, "size": None, "stride": 1, "pad": 0, "groups": 1}
    if act is not None:
        layers.append(LayerSpec(act["type"]))
    return BlockSpec(name, args, tuple(layers))


def bflops(result: Any) -> float:
    """Darknet's BFLOPs: 2·n·k·k·c/groups·oh·ow over the convolutions and 2·in·out over the
    connected layers (no bias, nothing else), in 10⁹, as darknet prints them."""
    counted = [row.macs for row in result.layers if row.type.startswith("conv") or row.type == "dense"]
    return 2 * sum(int(m) for m in counted) / 1e9
