"""The differential oracle: one layer configuration, run through convcalc and a real framework.

A :class:`Config` is what a user would write in PyTorch or Keras: a framework,
the shape of one sample and a list of layers, each a framework class name with
its keyword arguments (:class:`LayerCfg`).  :func:`run_framework` builds those
layers with the installed PyTorch or Keras 3 (``KERAS_BACKEND=torch``), runs
a forward pass on zeros (batch 2) and records every layer's output shape and
weights, or the refusal (an exception at construction or forward, or a
zero-sized output).  :func:`run_convcalc` writes the same layers as a convcalc
spec (in the framework's own spelling or in convcalc's) and runs
:func:`convcalc.analyze`.  :func:`compare` says whether the two agree: same
output shapes, same weight names, shapes and trainability in the same order,
same totals; or both refuse, at the same layer.

torch and keras are imported lazily, inside the functions that need them, so
importing this module costs nothing and convcalc itself never sees them.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import convcalc
from convcalc import SpecError

os.environ.setdefault("KERAS_BACKEND", "torch")

AUTO = "<auto>"  # in_channels & co.: filled in from the tensor that arrives (PyTorch)
AUTO_LAST = "<auto-last>"  # a positional in_features & co.: the arriving tensor's last axis
BATCH = 2

# Framework argument name -> convcalc's own name (for the convcalc spelling).
RENAME: dict[str, str] = {
    "out_channels": "out",
    "filters": "out",
    "units": "out",
    "out_features": "out",
    "kernel_size": "kernel",
    "pool_size": "kernel",
    "strides": "stride",
    "dilation_rate": "dilation",
    "use_bias": "bias",
    "output_size": "size",
    "num_embeddings": "vocab",
    "input_dim": "vocab",
    "embedding_dim": "dim",
    "output_dim": "dim",
}
# Arguments dropped in the convcalc spelling (convcalc reads them from the input).
DROP_IN_CONVCALC = {"in_channels", "in_features", "num_features", "input_size", "num_channels"}


@dataclass(frozen=True)
class LayerCfg:
    """One layer as the framework spells it; ``cc_type`` is convcalc's own name for it."""

    cls: str
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    cc_type: str | None = None  # e.g. "conv2d"; None: only the framework spelling exists
    spelling: str = "native"  # "native" (class name + framework kwargs) | "convcalc"
    auto: tuple[str, ...] = ()  # arguments filled in from the arriving tensor (dropped in convcalc spelling)
    # Positional arguments, as pasted (``nn.ReLU(True)``): such a layer reaches convcalc as that call's
    # text (``"Conv2d(3, 8, 3, padding=1)"``), read by its inline parser.
    args: tuple[Any, ...] = ()
    # More tensors the layer reads after the arriving one (attention, decoders): None reads the
    # arriving tensor again (Keras's self-attention [x, x]), a shape an extra input of zeros.
    reads: tuple[tuple[int, ...] | None, ...] = ()
    # A merge's tensors, as convcalc's `from:` writes them: -1 the previous one, 0 the network's
    # input; empty: the previous tensor alone, as every other layer reads.
    merge_from: tuple[int, ...] = ()

    def text(self) -> str:
        named = (f"{k}={_show(v)}" for k, v in self.kwargs.items())
        args = ", ".join([*(_show(v) for v in self.args), *named])
        name = self.cls if self.spelling == "native" or not self.cc_type else self.cc_type
        extra = "".join(f" + {'x' if r is None else 'x'.join(map(str, r))}" for r in self.reads)
        merged = f" from {list(self.merge_from)}" if self.merge_from else ""
        return f"{name}({args}){' reading' + extra if extra else ''}{merged}"


def _show(v: Any) -> str:
    if isinstance(v, LayerCfg):
        return v.text()
    return repr(v)


@dataclass(frozen=True)
class Config:
    """A network to check: framework, one sample's shape (no batch axis) and its layers."""

    framework: str  # "pytorch" | "keras"
    input: tuple[int, ...]
    layers: tuple[LayerCfg, ...]
    tag: str = ""  # which generator made it (for the agreement summary)
    int_input: bool = False  # token indices (embedding first)

    def text(self) -> str:
        shape = "x".join(map(str, self.input))
        return f"[{self.framework}] {shape} | " + " | ".join(lay.text() for lay in self.layers)


@dataclass
class LayerObs:
    output: tuple[Any, ...]
    weights: tuple[tuple[str, tuple[Any, ...], bool], ...]

    @property
    def params(self) -> Any:
        return sum(_prod(s) for _, s, _ in self.weights)

    @property
    def trainable(self) -> Any:
        return sum(_prod(s) for _, s, t in self.weights if t)


@dataclass
class Obs:
    """What one side computed: per-layer observations, or a refusal at a 1-based layer."""

    layers: list[LayerObs]
    refused: str | None = None
    refused_at: int | None = None
    config: Config | None = None  # the config with AUTO values filled in (framework side)

    @property
    def params(self) -> Any:
        return sum(lay.params for lay in self.layers)

    @property
    def trainable(self) -> Any:
        return sum(lay.trainable for lay in self.layers)


def _prod(shape: Sequence[Any]) -> Any:
    out = 1
    for d in shape:
        out *= d
    return out


# ---------------------------------------------------------------- convcalc side


def _plain(v: Any) -> Any:
    if isinstance(v, tuple | list):
        return [_plain(x) for x in v]
    if isinstance(v, LayerCfg):
        return layer_entry(v)
    return v


def layer_entry(lay: LayerCfg) -> Any:
    """The YAML-level entry for one layer (``{"Conv2d": {...}}`` or ``{"conv2d": {...}}``)."""
    meta = {"from": list(lay.merge_from)} if lay.merge_from else {}
    if lay.args:
        return lay.text()
    if lay.spelling == "convcalc" and lay.cc_type:
        kwargs = {
            RENAME.get(k, k): _plain(v)
            for k, v in lay.kwargs.items()
            if not (k in DROP_IN_CONVCALC and k in lay.auto)
        }
        return {lay.cc_type: {**kwargs, **meta}} if kwargs or meta else lay.cc_type
    return {lay.cls: {**{k: _plain(v) for k, v in lay.kwargs.items()}, **meta}}


def _read(tensors: Sequence[Any], lay: LayerCfg) -> list[Any]:
    """The tensors a layer takes: the last one, or a merge's (``-1`` the last, ``0`` the input)."""
    return [tensors[r] for r in lay.merge_from] if lay.merge_from else [tensors[-1]]


def extra_name(i: int, j: int) -> str:
    """The name of the j-th extra tensor layer i reads (both 1-based)."""
    return f"extra{i}_{j}"


def spec_dict(cfg: Config) -> dict[str, Any]:
    inputs: dict[str, Any] = {"input": list(cfg.input)}
    layers = []
    for i, lay in enumerate(cfg.layers, 1):
        entry = layer_entry(lay)
        if lay.reads:
            sources: list[Any] = [-1]
            for j, r in enumerate(lay.reads, 1):
                if r is None:
                    sources.append(-1)
                else:
                    inputs[extra_name(i, j)] = list(r)
                    sources.append(extra_name(i, j))
            entry = {entry: {}} if isinstance(entry, str) else entry
            (kind, kwargs), = entry.items()
            entry = {kind: {**kwargs, "from": sources}}
        layers.append(entry)
    out = {"framework": cfg.framework, "layers": layers}
    return {**out, "inputs": inputs} if len(inputs) > 1 else {**out, "input": list(cfg.input)}


# PyTorch modules that convcalc shows as a block of sub-layers: their weights are compared by full
# name (``self_attn.in_proj_weight``), sorted, as the module registers them in its own order.
BLOCKS = frozenset({"TransformerEncoderLayer", "TransformerDecoderLayer", "TransformerEncoder",
                    "TransformerDecoder", "Transformer"})


def run_convcalc(cfg: Config) -> Obs:
    try:
        result = convcalc.analyze(spec_dict(cfg))
    except SpecError as e:
        at = e.layer.index if e.layer else None
        if at is not None and any(lay.cls in BLOCKS for lay in cfg.layers):
            at = _refusing_layer(cfg)  # flat rows are not the config's layers: find which one
        return Obs([], refused=str(e), refused_at=at)
    if result.rows is None:
        return Obs([_observed(r) for r in result.layers])
    layers = []
    for row in result.rows:
        if row.depth:
            continue
        if row.span is None:
            layers.append(_observed(row))
            continue
        first, last = row.span
        weights = sorted((f"{leaf.name[len(row.name) + 1:]}.{w.name}", tuple(w.shape), bool(w.trainable))
                         for leaf in result.layers[first - 1 : last] for w in leaf.weights)
        layers.append(LayerObs(tuple(row.output), tuple(weights)))
    return Obs(layers)


def _observed(r: Any) -> LayerObs:
    return LayerObs(tuple(r.output), tuple((w.name, tuple(w.shape), bool(w.trainable)) for w in r.weights))


def _refusing_layer(cfg: Config) -> int | None:
    """The first config layer (1-based) at which convcalc refuses the config cut there."""
    for k in range(1, len(cfg.layers) + 1):
        try:
            convcalc.analyze(spec_dict(replace(cfg, layers=cfg.layers[:k])))
        except SpecError:
            return k
    return None


def registered(name: str, framework: str) -> bool:
    """Is a layer type (any spelling) in convcalc's catalogue yet?"""
    from convcalc.layers.registry import lookup

    try:
        lookup(name, framework)
    except SpecError:
        return False
    return True


# ---------------------------------------------------------------- PyTorch side

_LAST_AXIS = {"in_features", "input_size", "normalized_shape"}


def _fill_auto(kwargs: Mapping[str, Any], x_shape: Sequence[int]) -> dict[str, Any]:
    """AUTO -> the size that arrives: the last axis for features, axis 1 for channels."""
    return {
        k: (x_shape[-1] if k in _LAST_AXIS else x_shape[1]) if v == AUTO else v for k, v in kwargs.items()
    }


def _torch_custom(cls: str, kw: Mapping[str, Any]) -> Any:
    """Modules convcalc offers that torch.nn spells differently (or not at all)."""
    import functools

    import torch
    from torch import nn

    class Lambda(nn.Module):
        def __init__(self, fn: Any) -> None:
            super().__init__()
            self.fn = fn

        def forward(self, *xs: torch.Tensor) -> torch.Tensor:
            return self.fn(*xs)

    # Merges: what a PyTorch forward() writes with torch functions (broadcasting as they do).  One
    # convention, convcalc's documented rule (convcalc/layers/merge.py): tensors of different ranks
    # are refused, since torch would pair one tensor's batch axis with the other's feature axis.
    def same_rank(fn: Any) -> Any:
        def merge(*xs: torch.Tensor) -> torch.Tensor:
            if len({x.dim() for x in xs}) > 1:
                raise ValueError(f"ranks differ: {[tuple(x.shape) for x in xs]}")
            return fn(*xs)
        return Lambda(merge)

    elementwise = {"add": torch.add, "subtract": torch.sub, "multiply": torch.mul,
                   "maximum": torch.maximum, "minimum": torch.minimum}
    if cls == "subtract":
        return same_rank(lambda *xs: torch.sub(*xs))  # exactly two tensors, or torch refuses
    if cls in elementwise:
        return same_rank(lambda *xs: functools.reduce(elementwise[cls], xs))
    if cls == "average":
        return same_rank(lambda *xs: functools.reduce(torch.add, xs) / len(xs))
    if cls in ("concat", "concatenate"):
        axis = kw.get("axis", 1 if cls == "concat" else -1)
        return Lambda(lambda *xs: torch.cat(xs, dim=axis))

    if cls.startswith(("GlobalAvgPool", "GlobalMaxPool")):
        keep = bool(kw.get("keepdims", False))

        def pool(x: torch.Tensor) -> torch.Tensor:
            dims = tuple(range(2, x.dim()))
            y = x.mean(dims, keepdim=True) if cls.startswith("GlobalAvg") else x.amax(dims, keepdim=True)
            return y if keep else y.flatten(1)

        return Lambda(pool)
    if cls == "Reshape":
        shape = tuple(kw["shape"])
        return Lambda(lambda x: x.reshape(x.shape[0], *shape))
    if cls == "Permute":
        dims = tuple(kw["dims"])
        return Lambda(lambda x: x.permute(*dims))
    return _torch_tensor_op(cls, kw, Lambda)


def _torch_tensor_op(cls: str, kw: Mapping[str, Any], wrap: Any) -> Any:
    """The tensor operations of issue 13, as a user writes them in torch (functions and torchvision's
    LayerNorm2d, reproduced: torchvision is not a dependency)."""
    from torch import nn

    if cls == "Slice":
        def cut(x: Any) -> Any:
            index = [slice(None)] * x.dim()
            index[kw["dim"]] = slice(kw["start"], kw["stop"], kw["step"])
            return x[tuple(index)]

        return wrap(cut)
    if cls == "Select":
        return wrap(lambda x: x.select(kw["dim"], kw["index"]))
    if cls == "IndexSelect":  # a fixed index buffer of in-range values, repeats allowed, as Swin's
        def gather(x: Any) -> Any:
            import torch

            n = x.shape[kw["dim"]]
            index = torch.randint(0, n, (kw["size"],), generator=torch.Generator().manual_seed(n))
            return torch.index_select(x, kw["dim"], index)

        return wrap(gather)
    if cls == "Transpose":
        return wrap(lambda x: x.transpose(*kw["dims"]))
    if cls in ("Mean", "Sum", "Amax", "Amin"):
        op = cls.lower()
        return wrap(lambda x: getattr(x, op)(dim=kw["dim"], keepdim=kw["keepdim"]))
    if cls == "LayerNorm2d":
        class LayerNorm2d(nn.LayerNorm):  # torchvision.models.convnext.LayerNorm2d
            def forward(self, x: Any) -> Any:
                x = x.permute(0, 2, 3, 1)
                x = nn.functional.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
                return x.permute(0, 3, 1, 2)

        return LayerNorm2d(kw["num_channels"], elementwise_affine=kw.get("elementwise_affine", True))
    if cls in ("StochasticDepth", "DropPath"):  # torchvision's and timm's: in eval mode the input itself
        return wrap(lambda x: x)
    raise KeyError(cls)


def _has_pairs(padding: Any) -> bool:
    return isinstance(padding, list | tuple) and any(isinstance(p, list | tuple) for p in padding)


class _Prefixed:
    """A module whose parameter names carry a prefix the framework adds (stripped for comparison)."""

    def __init__(self, module: Any, prefix: str) -> None:
        self.module, self.prefix = module, prefix


_SEQUENCE_MODULES = BLOCKS | {"MultiheadAttention"}


def _build_plain(lay: LayerCfg) -> Any:
    """A module given as an argument of another (an encoder layer, a final norm)."""
    from torch import nn

    return getattr(nn, lay.cls)(**{k: _build_plain(v) if isinstance(v, LayerCfg) else v
                                   for k, v in lay.kwargs.items()})


def _sequence_module(module: Any, cls: str) -> Any:
    """Call a sequence module on batch-first tensors, as the harness holds them (query, key, value for
    attention: one tensor is self-attention, two are [query, key_value])."""
    from torch import nn

    attention = [m for m in module.modules() if isinstance(m, nn.MultiheadAttention)]
    batch_first = attention[0].batch_first if attention else True

    class Call(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.m = module

        def forward(self, *xs: Any) -> Any:
            if not batch_first:
                xs = tuple(x.transpose(0, 1) for x in xs)
            if cls == "MultiheadAttention":
                q, k = xs[0], xs[1] if len(xs) > 1 else xs[0]
                y = self.m(q, k, xs[2] if len(xs) > 2 else k, need_weights=False)[0]
            else:
                y = self.m(*xs)
            return y if batch_first else y.transpose(0, 1)

    return Call()


def build_torch(lay: LayerCfg) -> Any:
    from torch import nn

    kw = {k: _build_plain(v) if isinstance(v, LayerCfg) else v for k, v in lay.kwargs.items()}
    if lay.cls in _SEQUENCE_MODULES:
        return _Prefixed(_sequence_module(getattr(nn, lay.cls)(**kw), lay.cls), "m.")
    if lay.cls.startswith("Conv") and _has_pairs(kw.get("padding")):
        # Per-side padding is a convcalc extension: what it means in PyTorch is F.pad + conv.
        pads = [(p, p) if isinstance(p, int) else tuple(p) for p in kw.pop("padding")]
        flat: list[int] = []
        for left, right in reversed(pads):
            flat += [left, right]
        conv = getattr(nn, lay.cls)(**kw, padding=0)
        pad = {1: nn.ZeroPad1d, 2: nn.ZeroPad2d, 3: nn.ZeroPad3d}[len(pads)](tuple(flat))
        return _Prefixed(nn.Sequential(pad, conv), "1.")
    if lay.cls in ("LSTM", "GRU", "RNN") and len(lay.args) <= (5 if lay.cls == "RNN" else 4):
        kw.setdefault("batch_first", True)  # (a positional call gives it itself)
    if hasattr(nn, lay.cls):
        return getattr(nn, lay.cls)(*lay.args, **kw)
    return _torch_custom(lay.cls, kw)


def run_torch(cfg: Config) -> Obs:
    import torch

    # A 0-d sample runs unbatched, as a 0-d tensor (with a batch axis PyTorch would read the batch
    # as one 1-D sample).
    batched = bool(cfg.input)
    dtype = torch.long if cfg.int_input else torch.float32
    x = torch.zeros((BATCH, *cfg.input) if batched else (), dtype=dtype)
    tensors = [x]
    layers: list[LayerObs] = []
    resolved: list[LayerCfg] = []
    pair = False  # the layer before returned (values, indices): as in nn.Sequential, no module takes it
    for i, lay in enumerate(cfg.layers, 1):
        auto = tuple(k for k, v in lay.kwargs.items() if v == AUTO)
        shape = tuple(x.shape)
        args = tuple(shape[1] if v == AUTO else shape[-1] if v == AUTO_LAST else v for v in lay.args)
        lay = replace(lay, kwargs=_fill_auto(lay.kwargs, shape), auto=auto, args=args)
        resolved.append(lay)
        try:
            if pair:
                raise TypeError("the module before returned a (values, indices) pair")
            built = build_torch(lay)
            prefix = ""
            if isinstance(built, _Prefixed):
                built, prefix = built.module, built.prefix
            built.eval()
            extras = [x if r is None else torch.zeros((BATCH, *r)) for r in lay.reads]
            with torch.no_grad(), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                y = built(*_read(tensors, lay)) if lay.merge_from else built(x, *extras)
            if isinstance(y, tuple):  # RNNs: (output, state); a max pool's (values, indices)
                pair = bool(lay.kwargs.get("return_indices"))
                y = y[0]
        except Exception as e:  # the framework's refusal, whatever its type
            return _refused(cfg, resolved, layers, i, e)
        if y.numel() == 0:
            return _refused(cfg, resolved, layers, i, ValueError(f"empty output {tuple(y.shape)}"))
        weights = tuple(
            (n.removeprefix(prefix), tuple(p.shape), bool(p.requires_grad))
            for n, p in built.named_parameters()
        )
        if lay.cls in BLOCKS:
            weights = tuple(sorted(weights))
        layers.append(LayerObs(tuple(y.shape[1:] if batched else y.shape), weights))
        x = y
        tensors.append(y)
    return Obs(layers, config=replace(cfg, layers=tuple(resolved)))


def _refused(cfg: Config, resolved: list[LayerCfg], layers: list[LayerObs], i: int, e: Exception) -> Obs:
    # Layers after the refusal never saw a tensor: let convcalc infer what AUTO stood for.
    rest = tuple(
        replace(lay, kwargs={k: v for k, v in lay.kwargs.items() if v != AUTO})
        for lay in cfg.layers[len(resolved) :]
    )
    message = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"[:300]
    return Obs(layers, refused=message, refused_at=i, config=replace(cfg, layers=(*resolved, *rest)))


# ---------------------------------------------------------------- Keras side


def build_keras(lay: LayerCfg) -> Any:
    import keras

    kw = {k: build_keras(v) if isinstance(v, LayerCfg) else v for k, v in lay.kwargs.items()}
    return getattr(keras.layers, lay.cls)(*lay.args, **kw)


def _keras_weights(layer: Any) -> tuple[tuple[str, tuple[Any, ...], bool], ...]:
    """(name, shape, trainable); a name used twice (wrappers) becomes its path inside the layer."""
    names = [w.name for w in layer.weights]
    out = []
    for w in layer.weights:
        name = w.name
        if names.count(name) > 1:  # bidirectional/forward_lstm_3/lstm_cell/kernel -> forward_lstm/kernel
            parts = [re.sub(r"_\d+$", "", p) for p in w.path.split("/")[1:] if not p.endswith("_cell")]
            name = "/".join(parts)
        out.append((name, tuple(int(d) for d in w.shape), bool(w.trainable)))
    return tuple(out)


def run_keras(cfg: Config) -> Obs:
    from keras import ops

    x = ops.zeros((BATCH, *cfg.input), dtype="int32" if cfg.int_input else "float32")
    tensors = [x]
    layers: list[LayerObs] = []
    for i, lay in enumerate(cfg.layers, 1):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                layer = build_keras(lay)
                if lay.merge_from:
                    y = layer(_read(tensors, lay))
                else:
                    y = layer(x, *[x if r is None else ops.zeros((BATCH, *r)) for r in lay.reads])
        except Exception as e:
            return Obs(
                layers,
                refused=f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"[:300],
                refused_at=i,
                config=cfg,
            )
        # return_state=True: the output and the states (convcalc's row shows the first as its output;
        # tests/test_differential_recurrent_state.py checks them all); a next layer gets them all
        shape = tuple(int(d) for d in (y[0] if isinstance(y, list | tuple) else y).shape)
        if 0 in shape or any(d < 0 for d in shape):
            return Obs(layers, refused=f"empty output {shape}", refused_at=i, config=cfg)
        layers.append(LayerObs(shape[1:], _keras_weights(layer)))
        x = y
        tensors.append(y)
    return Obs(layers, config=cfg)


def run_framework(cfg: Config) -> Obs:
    return run_keras(cfg) if cfg.framework == "keras" else run_torch(cfg)


# ---------------------------------------------------------------- comparison


@dataclass
class Verdict:
    config: Config
    agree: bool
    refused: bool  # both refused (an agreement on a refusal)
    detail: str = ""

    def text(self) -> str:
        return f"{self.config.text()}\n    {self.detail}"


def compare(fw: Obs, cc: Obs, cfg: Config) -> Verdict:
    """Do the framework and convcalc agree on ``cfg``?"""
    if fw.refused or cc.refused:
        if not (fw.refused and cc.refused):
            who, msg = ("framework", fw.refused) if fw.refused else ("convcalc", cc.refused)
            return Verdict(cfg, False, False, f"only {who} refused: {msg}")
        if cc.refused_at is not None and fw.refused_at != cc.refused_at:
            return Verdict(
                cfg,
                False,
                False,
                f"refused at layer {fw.refused_at} by the framework "
                f"({fw.refused}) but at layer {cc.refused_at} by convcalc ({cc.refused})",
            )
        return Verdict(cfg, True, True, f"both refused: {fw.refused} / {cc.refused}")
    problems = []
    if len(fw.layers) != len(cc.layers):
        problems.append(f"{len(fw.layers)} layers in the framework, {len(cc.layers)} in convcalc")
    for i, (f, c) in enumerate(zip(fw.layers, cc.layers, strict=False), 1):
        if f.output != c.output:
            problems.append(f"layer {i} output: framework {f.output}, convcalc {c.output}")
        if f.weights != c.weights:
            problems.append(f"layer {i} weights: framework {list(f.weights)}, convcalc {list(c.weights)}")
    if fw.params != cc.params or fw.trainable != cc.trainable:
        problems.append(
            f"params: framework {fw.params} ({fw.trainable} trainable), "
            f"convcalc {cc.params} ({cc.trainable} trainable)"
        )
    return Verdict(cfg, not problems, False, "; ".join(problems))


def check(cfg: Config) -> Verdict:
    """Run both sides; convcalc reads the config with the framework's AUTO values filled in."""
    fw = run_framework(cfg)
    filled = fw.config or cfg
    return compare(fw, run_convcalc(filled), filled)


def keras_counts(model: Any) -> tuple[int, int, int]:
    """A built Keras model's parameters: (all, trainable, non-trainable), as convcalc's totals."""
    trainable = sum(int(w.numpy().size) for w in model.trainable_weights)
    non = sum(int(w.numpy().size) for w in model.non_trainable_weights)
    return model.count_params(), trainable, non


# ---------------------------------------------------------------- summaries

SUMMARY: list[str] = []  # printed by conftest's terminal summary


def check_all(configs: Sequence[Config], label: str) -> tuple[list[Verdict], list[Verdict]]:
    """Check every config; return (agreements, disagreements) and record the figures."""
    import time

    start = time.perf_counter()
    good, bad = [], []
    for cfg in configs:
        v = check(cfg)
        (good if v.agree else bad).append(v)
    refusals = sum(v.refused for v in good)
    kinds = sorted({c.tag for c in configs})
    pasted = [v for v in (*good, *bad) if v.config.tag.startswith("pasted_")]
    SUMMARY.append(
        f"{label}: {len(good)}/{len(configs)} configurations agree "
        f"({refusals} of them refused by both; {len(kinds)} generators; "
        f"{time.perf_counter() - start:.1f} s)"
        + (f"; written as pasted calls: {sum(v.agree for v in pasted)}/{len(pasted)}" if pasted else "")
    )
    return good, bad


def report(bad: Sequence[Verdict], total: int, label: str, agree: int | None = None) -> str:
    agree = total - len(bad) if agree is None else agree
    lines = [f"{label}: {agree}/{total} configurations agree; disagreements:"]
    lines += [v.text() for v in bad]
    return "\n".join(lines)


# Disagreements that are known bugs in layers still being written elsewhere:
# (predicate on the verdict, reason naming the bug).  Empty when everything agrees.
# Disagreements that are known bugs, as (predicate, reason); each becomes an xfail.
KNOWN_BUGS: list[tuple[Any, str]] = []


def assert_agreement(configs: Sequence[Config], label: str) -> None:
    """Every config agrees, or the failure lists each disagreement with its config."""
    import pytest

    _, bad = check_all(configs, label)
    known = [(v, reason) for v in bad for pred, reason in KNOWN_BUGS if pred(v)]
    unknown = [v for v in bad if all(v is not k for k, _ in known)]
    assert not unknown, report(unknown, len(configs), label, len(configs) - len(bad))
    if known:
        pytest.xfail(
            "; ".join(sorted({reason for _, reason in known}))
            + "\n"
            + report([v for v, _ in known], len(configs), label)
        )


# ---------------------------------------------------------------- the shared differential tests

NAMES = {"pytorch": "PyTorch", "keras": "Keras"}
SAMPLE, FULL = 60, 1200  # generated configurations: the default run's sample, the full set (-m slow)


def assert_generated_agree(framework: str, full: bool = False) -> None:
    """The generated configurations agree: a quick sample, or the full set."""
    import oracle_gen

    name = NAMES[framework]
    if not full:
        assert_agreement(oracle_gen.generate(framework, SAMPLE), f"{name}, sample of {SAMPLE}")
        return
    assert_agreement(oracle_gen.generate(framework, FULL), f"{name}, full set of {FULL}")


def refusal(framework: str, shape: tuple[int, ...], *layers: LayerCfg) -> Config:
    """A config the framework refuses (written out by hand, tagged for the summary)."""
    return Config(framework, shape, layers, "refusal")


def assert_refused_by_both(cfg: Config) -> None:
    verdict = check(cfg)
    assert verdict.refused and verdict.agree, verdict.text()
