"""Random layer configurations for the differential tests, from a fixed seed.

Each generator makes one layer the way a user writes it in PyTorch or Keras
(class name and keyword arguments) for a given incoming shape, including
invalid ones on purpose (kernel larger than the input, groups not dividing
the channels, PyTorch 'same' with stride > 1, pool padding over half the
kernel, Keras strides with dilation, mismatched in_channels, wrong ranks).
It also guesses the next shape with the textbook formula, only to choose
sensible arguments for the next layer of a stack: the comparison itself uses
what the framework really computes.

Every registered layer type is made by some generator, and every class name a
generator says it uses must be registered: tests/test_catalogue_coverage.py
fails otherwise, so a new layer type cannot go without generator rows.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from oracle import AUTO, Config, LayerCfg

Shape = tuple[int, ...]
Est = Shape | None  # the next shape, or None when the layer is (probably) refused
Make = Callable[[random.Random, str, Shape], tuple[LayerCfg, Est]]  # one layer for an incoming shape
Accepts = Callable[[str, Shape], bool]  # can the layer follow a tensor of this shape?


def split(fw: str, shape: Shape) -> tuple[int, Shape]:
    return (shape[-1], shape[:-1]) if fw == "keras" else (shape[0], shape[1:])


def join(fw: str, c: int, spatial: tuple[int, ...] | list[int]) -> Shape:
    return (*spatial, c) if fw == "keras" else (c, *spatial)


def per_axis(rng: random.Random, rank: int, pick: Callable[[], int]) -> int | tuple[int, ...]:
    """One int for all axes, or a tuple of (often different) per-axis values."""
    if rank == 1 or rng.random() < 0.5:
        v = pick()
        return v if rng.random() < 0.8 else (v,) * rank
    return tuple(pick() for _ in range(rank))


def axes(v: int | tuple[int, ...] | None, rank: int, default: int | tuple[int, ...] = 1) -> tuple[int, ...]:
    if v is None:
        v = default
    return tuple(v) if isinstance(v, tuple) else (v,) * rank


def conv_len(n: int, k: int, s: int, pl: int, pr: int, d: int = 1) -> int:
    return (n + pl + pr - d * (k - 1) - 1) // s + 1


def spatial_input(rng: random.Random, fw: str, rank: int) -> Shape:
    c = rng.choice([1, 2, 3, 4, 5, 6, 8, 12])
    sizes = [rng.choice([3, 4, 5, 7, 8, 9, 11, 13, 16, 17, 21, 28, 32, 33]) for _ in range(rank)]
    if rank == 3:
        sizes = [min(s, 13) for s in sizes]
    return join(fw, c, sizes)


def rank_of(rng: random.Random) -> int:
    return rng.choice([1, 2, 2, 2, 3])


def maybe_invalid(rng: random.Random, p: float = 0.12) -> bool:
    return rng.random() < p


@dataclass(frozen=True)
class Gen:
    """One kind of layer: which frameworks, which names must be registered, how to make one."""

    name: str
    frameworks: tuple[str, ...]
    requires: dict[str, tuple[str, ...]]  # framework -> the spellings it writes (all registered)
    make: Make
    accepts: Accepts
    first: Callable[[random.Random, str], Shape] | None = None
    int_input: bool = False  # takes token indices (only as first layer)

    def available(self, fw: str) -> bool:
        return fw in self.frameworks

    def input(self, rng: random.Random, fw: str) -> Shape:
        if self.first is not None:
            return self.first(rng, fw)
        return spatial_input(rng, fw, rank_of(rng))


def spatial(fw: str, shape: Shape, ranks: tuple[int, ...] = (1, 2, 3)) -> bool:
    return len(shape) - 1 in ranks


def any_rank(fw: str, shape: Shape) -> bool:
    return True


def spelled(rng: random.Random, cls: str, kwargs: dict, cc_type: str | None, p_cc: float = 0.4) -> LayerCfg:
    spelling = "convcalc" if cc_type and rng.random() < p_cc else "native"
    return LayerCfg(cls, kwargs, cc_type, spelling)


# ------------------------------------------------------------------ convolution


def _groups(rng: random.Random, c: int) -> tuple[int, int]:
    """(groups, out) with out a multiple of groups; sometimes not dividing on purpose."""
    out = rng.randint(1, 12)
    if rng.random() < 0.3:
        divisors = [g for g in range(2, c + 1) if c % g == 0]
        if divisors:
            g = rng.choice(divisors)
            return g, g * rng.randint(1, 3)
    if maybe_invalid(rng, 0.06) and c > 1:
        return c + 1 if rng.random() < 0.5 else 2, 3
    return 1, out


def gen_conv(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    c, sp = split(fw, shape)
    r = len(sp)
    small = min(sp)
    k = per_axis(
        rng, r, lambda: rng.choice([1, 2, 3, 3, 3, 4, 5, 7] + ([small + 1] if maybe_invalid(rng) else []))
    )
    s = per_axis(rng, r, lambda: rng.choice([1, 1, 1, 2, 2, 3]))
    d = per_axis(rng, r, lambda: rng.choice([1, 1, 1, 2, 3]))
    g, out = _groups(rng, c)
    bias = rng.random() < 0.8
    ka, sa, da = axes(k, r), axes(s, r), axes(d, r)
    cls = f"Conv{r}d" if fw == "pytorch" else f"Conv{r}D"
    if fw == "keras":
        if rng.random() < 0.8 and max(sa) > 1 and max(da) > 1:
            d, da = 1, (1,) * r  # mostly keep it valid; the rest tests Keras's refusal
        pad = rng.choice(["valid", "same", "same"] + (["causal"] if r == 1 or maybe_invalid(rng) else []))
        kw = {
            "filters": out,
            "kernel_size": k,
            "strides": s,
            "padding": pad,
            "dilation_rate": d,
            "groups": g,
            "use_bias": bias,
        }
        if rng.random() < 0.3:
            kw["activation"] = "relu"
        if pad == "valid":
            est = [conv_len(n, kk, ss, 0, 0, dd) for n, kk, ss, dd in zip(sp, ka, sa, da, strict=True)]
        else:
            est = [-(-n // ss) for n, ss in zip(sp, sa, strict=True)]
        ok = c % g == 0 and out % g == 0 and not (max(sa) > 1 and max(da) > 1)
        return spelled(rng, cls, kw, f"conv{r}d"), join(fw, out, est) if ok and min(est) >= 1 else None
    # PyTorch
    choice = rng.random()
    if choice < 0.15:
        if rng.random() < 0.75:
            s, sa = 1, (1,) * r
        pad = "same"
        pads = [
            ((dd * (kk - 1)) // 2, dd * (kk - 1) - (dd * (kk - 1)) // 2)
            for kk, dd in zip(ka, da, strict=True)
        ]
    elif choice < 0.22:
        pad = "valid"
        pads = [(0, 0)] * r
    elif choice < 0.32:
        pad = tuple((rng.randint(0, 3), rng.randint(0, 3)) for _ in range(r))
        pads = list(pad)
    else:
        pad = per_axis(rng, r, lambda: rng.choice([0, 0, 1, 1, 2, 3]))
        pads = [(p, p) for p in axes(pad, r)]
    kw = {
        "in_channels": AUTO if not maybe_invalid(rng, 0.05) else c + 1,
        "out_channels": out,
        "kernel_size": k,
        "stride": s,
        "padding": pad,
        "dilation": d,
        "groups": g,
        "bias": bias,
    }
    plain = isinstance(pad, int) or (isinstance(pad, tuple) and all(isinstance(p, int) for p in pad))
    if plain and rng.random() < 0.15:
        kw["padding_mode"] = mode = rng.choice(["reflect", "replicate", "circular"])
        if rng.random() < 0.5:  # around the limits: reflect needs p < n, circular p <= n
            kw["padding"] = pad = max(0, small + rng.choice([-1, 0, 1]))
            pads = [(pad, pad)] * r
            if mode != "replicate" and pad >= small:
                pads = [(-(10**6), 0)] * r  # (probably) refused
    est = [
        conv_len(n, kk, ss, pl, pr, dd) for n, kk, ss, (pl, pr), dd in zip(sp, ka, sa, pads, da, strict=True)
    ]
    ok = kw["in_channels"] == AUTO and c % g == 0 and out % g == 0 and not (pad == "same" and max(sa) > 1)
    spelling = "convcalc" if rng.random() < 0.4 else "native"
    return LayerCfg(cls, kw, f"conv{r}d", spelling), join(fw, out, est) if ok and min(est) >= 1 else None


def gen_conv_transpose(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    c, sp = split(fw, shape)
    r = len(sp)
    k = per_axis(rng, r, lambda: rng.choice([1, 2, 3, 3, 4, 5]))
    s = per_axis(rng, r, lambda: rng.choice([1, 1, 2, 2, 3]))
    ka, sa = axes(k, r), axes(s, r)
    bias = rng.random() < 0.8
    if fw == "keras":
        cls = f"Conv{r}DTranspose"
        out = rng.randint(1, 10)
        pad = rng.choice(["valid", "same"])
        d = 1 if rng.random() < 0.85 else rng.choice([2, 3])
        kw = {
            "filters": out,
            "kernel_size": k,
            "strides": s,
            "padding": pad,
            "dilation_rate": d,
            "use_bias": bias,
        }
        est = [
            n * ss if pad == "same" else n * ss + max(kk - ss, 0)
            for n, kk, ss in zip(sp, ka, sa, strict=True)
        ]
        return spelled(rng, cls, kw, f"conv_transpose{r}d"), join(fw, out, est) if d == 1 else None
    cls = f"ConvTranspose{r}d"
    d = per_axis(rng, r, lambda: rng.choice([1, 1, 1, 2, 3]))
    da = axes(d, r)
    g, out = _groups(rng, c)
    p = per_axis(rng, r, lambda: rng.choice([0, 0, 1, 2]))
    pa = axes(p, r)
    op = per_axis(rng, r, lambda: rng.randint(0, 2))
    opa = axes(op, r)
    kw = {
        "in_channels": AUTO,
        "out_channels": out,
        "kernel_size": k,
        "stride": s,
        "padding": p,
        "output_padding": op,
        "groups": g,
        "bias": bias,
        "dilation": d,
    }
    est = [
        (n - 1) * ss - 2 * pp + dd * (kk - 1) + oo + 1
        for n, kk, ss, pp, oo, dd in zip(sp, ka, sa, pa, opa, da, strict=True)
    ]
    ok = c % g == 0 and out % g == 0 and all(o < max(ss, dd) for o, ss, dd in zip(opa, sa, da, strict=True))
    return spelled(rng, cls, kw, f"conv_transpose{r}d"), join(fw, out, est) if ok and min(est) >= 1 else None


def gen_depthwise(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    c, sp = split(fw, shape)
    r = len(sp)
    k = per_axis(rng, r, lambda: rng.choice([1, 2, 3, 3, 5]))
    s = per_axis(rng, r, lambda: rng.choice([1, 1, 2, 3]))
    d = 1 if rng.random() < 0.8 else rng.choice([2, 3])
    ka, sa = axes(k, r), axes(s, r)
    pad = rng.choice(["valid", "same"])
    m = rng.choice([1, 1, 2, 3])
    kw = {
        "kernel_size": k,
        "strides": s,
        "padding": pad,
        "depth_multiplier": m,
        "dilation_rate": d,
        "use_bias": rng.random() < 0.8,
    }
    est = [
        -(-n // ss) if pad == "same" else conv_len(n, kk, ss, 0, 0, d)
        for n, kk, ss in zip(sp, ka, sa, strict=True)
    ]
    ok = not (max(sa) > 1 and d > 1) and min(est) >= 1
    return spelled(rng, f"DepthwiseConv{r}D", kw, f"depthwise_conv{r}d"), join(fw, c * m, est) if ok else None


def gen_separable(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    cfg, est = gen_depthwise(rng, fw, shape)
    out = rng.randint(1, 12)
    kw = {"filters": out, **cfg.kwargs}
    r = len(shape) - 1
    lay = LayerCfg(f"SeparableConv{r}D", kw, f"separable_conv{r}d", cfg.spelling)
    return lay, None if est is None else (*est[:-1], out)


# ------------------------------------------------------------------ pooling


def gen_pool(rng: random.Random, fw: str, shape: Shape, kind: str) -> tuple[LayerCfg, Est]:
    c, sp = split(fw, shape)
    r = len(sp)
    small = min(sp)
    k = per_axis(
        rng, r, lambda: rng.choice([1, 2, 2, 2, 3, 3, 4, 5] + ([small + 1] if maybe_invalid(rng) else []))
    )
    ka = axes(k, r)
    s = None if rng.random() < 0.4 else per_axis(rng, r, lambda: rng.choice([1, 2, 2, 3]))
    sa = axes(s, r, ka)
    if fw == "keras":
        cls = {"max": f"MaxPooling{r}D", "avg": f"AveragePooling{r}D"}[kind]
        pad = rng.choice(["valid", "valid", "same"])
        kw = {"pool_size": k, "padding": pad}
        if s is not None:
            kw["strides"] = s
        est = [
            -(-n // ss) if pad == "same" else conv_len(n, kk, ss, 0, 0)
            for n, kk, ss in zip(sp, ka, sa, strict=True)
        ]
        return spelled(rng, cls, kw, f"{kind}pool{r}d"), join(fw, c, est) if min(est) >= 1 else None
    cls = {"max": f"MaxPool{r}d", "avg": f"AvgPool{r}d"}[kind]
    p = per_axis(
        rng,
        r,
        lambda: rng.randint(
            0, max(k if isinstance(k, int) else max(k), 1) // 2 + (1 if maybe_invalid(rng, 0.2) else 0)
        ),
    )
    pa = axes(p, r)
    d = per_axis(rng, r, lambda: rng.choice([1, 1, 2, 3])) if kind == "max" and rng.random() < 0.3 else 1
    da = axes(d, r)
    ceil = rng.random() < 0.35
    kw = {"kernel_size": k, "stride": s, "padding": p, "ceil_mode": ceil}
    if kind == "max":
        kw["dilation"] = d
    elif rng.random() < 0.3:
        kw["count_include_pad"] = False
    est = []
    for n, kk, ss, pp, dd in zip(sp, ka, sa, pa, da, strict=True):
        span = n + 2 * pp - dd * (kk - 1) - 1
        o = (-(-span // ss) if ceil else span // ss) + 1
        if ceil and (o - 1) * ss >= n + pp:
            o -= 1
        est.append(o)
    ok = all(pp <= kk // 2 for pp, kk in zip(pa, ka, strict=True)) and min(est) >= 1
    return spelled(rng, cls, kw, f"{kind}pool{r}d"), join(fw, c, est) if ok else None


def gen_adaptive(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    c, sp = split(fw, shape)
    r = len(sp)
    kind = rng.choice(["avg", "max"])
    if fw == "keras":
        size: int | tuple = per_axis(rng, r, lambda: rng.randint(1, 4))
        cls = {"avg": f"AdaptiveAveragePooling{r}D", "max": f"AdaptiveMaxPooling{r}D"}[kind]
        est = list(axes(size, r))
        if any(o > n for o, n in zip(est, sp, strict=True)):
            return spelled(rng, cls, {"output_size": size}, f"adaptive_{kind}pool{r}d"), None
        return spelled(rng, cls, {"output_size": size}, f"adaptive_{kind}pool{r}d"), join(fw, c, est)
    size = per_axis(rng, r, lambda: rng.randint(1, 7))
    if isinstance(size, tuple) and rng.random() < 0.3:
        size = (None, *size[1:])
    est = [n if o is None else o for n, o in zip(sp, axes(size, r), strict=True)]
    cls = {"avg": f"AdaptiveAvgPool{r}d", "max": f"AdaptiveMaxPool{r}d"}[kind]
    return spelled(rng, cls, {"output_size": size}, f"adaptive_{kind}pool{r}d"), join(fw, c, est)


def gen_global(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    c, sp = split(fw, shape)
    r = len(sp)
    kind = rng.choice(["avg", "max"])
    keep = rng.random() < 0.3
    est = join(fw, c, [1] * r) if keep else (c,)
    if fw == "keras":
        cls = {"avg": f"GlobalAveragePooling{r}D", "max": f"GlobalMaxPooling{r}D"}[kind]
        return spelled(rng, cls, {"keepdims": keep}, f"global_{kind}pool{r}d"), est
    # No PyTorch class: convcalc's spelling, emulated by mean/amax over the spatial axes.
    cls = {"avg": f"GlobalAvgPool{r}d", "max": f"GlobalMaxPool{r}d"}[kind]
    return LayerCfg(cls, {"keepdims": keep}, f"global_{kind}pool{r}d", "convcalc"), est


# ------------------------------------------------------------------ dense, embedding, norm


def gen_dense(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    out = rng.randint(1, 40)
    bias = rng.random() < 0.8
    if fw == "keras":
        return spelled(rng, "Dense", {"units": out, "use_bias": bias}, "dense"), (*shape[:-1], out)
    wrong = maybe_invalid(rng, 0.06)
    kw = {"in_features": shape[-1] + 1 if wrong else AUTO, "out_features": out, "bias": bias}
    return spelled(rng, "Linear", kw, rng.choice(["dense", "linear"])), None if wrong else (*shape[:-1], out)


def first_tokens(rng: random.Random, fw: str) -> Shape:
    return tuple(rng.randint(1, 20) for _ in range(rng.choice([1, 1, 2])))


def gen_embedding(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    vocab, dim = rng.randint(1, 500), rng.randint(1, 32)
    if fw == "keras":
        return spelled(rng, "Embedding", {"input_dim": vocab, "output_dim": dim}, "embedding"), (*shape, dim)
    kw = {"num_embeddings": vocab, "embedding_dim": dim}
    return spelled(rng, "Embedding", kw, "embedding"), (*shape, dim)


def gen_batchnorm(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    if fw == "keras":
        kw = {"center": rng.random() < 0.8, "scale": rng.random() < 0.8}
        if rng.random() < 0.2:
            kw["momentum"] = 0.9
        return spelled(rng, "BatchNormalization", kw, "batchnorm"), shape
    r = len(shape) - 1
    wrong_rank = maybe_invalid(rng, 0.1)
    rank = rng.choice([1, 2, 3]) if wrong_rank else max(min(r, 3), 1)
    wrong_c = maybe_invalid(rng, 0.05)
    kw = {"num_features": shape[0] + 1 if wrong_c else AUTO, "affine": rng.random() < 0.8}
    ok = not wrong_c and (len(shape) == rank + 1 or (rank == 1 and len(shape) in (1, 2)))
    return spelled(rng, f"BatchNorm{rank}d", kw, f"batchnorm{rank}d"), shape if ok else None


def gen_flatten(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    n = 1
    for d in shape:
        n *= d
    if fw == "keras":
        return spelled(rng, "Flatten", {}, "flatten"), (n,)
    start = rng.choice([1, 1, 1, 2, -2]) if len(shape) >= 2 else 1
    end = rng.choice([-1, -1, -1, 2]) if len(shape) >= 2 else -1
    kw = {"start_dim": start, "end_dim": end} if (start, end) != (1, -1) or rng.random() < 0.3 else {}
    full = len(shape) + 1
    si, ei = start % full, end % full
    if si > ei:
        return spelled(rng, "Flatten", kw, "flatten"), None
    merged = 1
    for d in shape[si - 1 : ei]:
        merged *= d
    return spelled(rng, "Flatten", kw, "flatten"), (*shape[: si - 1], merged, *shape[ei:])


_TORCH_ACT = [
    ("ReLU", {}),
    ("GELU", {}),
    ("Tanh", {}),
    ("Sigmoid", {}),
    ("Softmax", {"dim": -1}),
    ("LeakyReLU", {"negative_slope": 0.1}),
    ("Dropout", {"p": 0.3}),
    ("Identity", {}),
    ("ELU", {}),
    ("SiLU", {}),
    ("Hardswish", {}),
    ("ReLU6", {}),
    ("Mish", {}),
    ("Hardsigmoid", {}),
    ("LogSoftmax", {"dim": -1}),
    ("Softmin", {"dim": 1}),
    ("Softplus", {}),
    ("SELU", {}),
    ("CELU", {"alpha": 0.5}),
    ("Hardtanh", {"min_val": -2.0, "max_val": 2.0}),
    ("Softsign", {}),
    ("LogSigmoid", {}),
    ("Softmax2d", {}),  # (C, H, W) with or without the batch axis: other ranks are refused
    ("Tanhshrink", {}),
    ("Softshrink", {"lambd": 0.5}),
    ("Hardshrink", {"lambd": 0.5}),
    ("Threshold", {"threshold": 0.1, "value": 0.0}),
    ("RReLU", {"lower": 0.1, "upper": 0.3}),
    ("StochasticDepth", {"p": 0.2, "mode": "row"}),  # torchvision's (timm's DropPath alike)
]
_KERAS_ACT = [
    ("ReLU", {}),
    ("LeakyReLU", {"negative_slope": 0.2}),
    ("ELU", {}),
    ("Softmax", {}),
    ("Dropout", {"rate": 0.5}),
    ("Activation", {"activation": "tanh"}),
    ("Identity", {}),
]


def gen_activation(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    cls, kw = rng.choice(_KERAS_ACT if fw == "keras" else _TORCH_ACT)
    return LayerCfg(cls, kw), shape


# ------------------------------------------------------------------ catalogue additions


def gen_layernorm(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    if fw == "keras":
        kw = {"center": rng.random() < 0.8, "scale": rng.random() < 0.8}
        return spelled(rng, "LayerNormalization", kw, "layernorm"), shape
    n = rng.choice([1, 1, 2]) if len(shape) >= 2 else 1
    norm = list(shape[-n:])
    ok = True
    if maybe_invalid(rng, 0.08):
        norm[-1] += 1
        ok = False
    kw = {
        "normalized_shape": norm if n > 1 or rng.random() < 0.5 else norm[0],
        "elementwise_affine": rng.random() < 0.8,
    }
    if rng.random() < 0.3:
        kw["bias"] = False
    return spelled(rng, "LayerNorm", kw, None), shape if ok else None


def gen_groupnorm(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    c, _ = split(fw, shape)
    divisors = [g for g in range(1, c + 1) if c % g == 0]
    g = rng.choice(divisors) if not maybe_invalid(rng, 0.12) else c + 1
    if fw == "keras":
        kw = {"groups": g, "center": rng.random() < 0.8, "scale": rng.random() < 0.8}
        return spelled(rng, "GroupNormalization", kw, "groupnorm"), shape if c % g == 0 else None
    kw = {"num_groups": g, "num_channels": AUTO, "affine": rng.random() < 0.8}
    return spelled(rng, "GroupNorm", kw, "groupnorm"), shape if c % g == 0 else None


def gen_instancenorm(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    r = len(shape) - 1
    kw = {"num_features": AUTO, "affine": rng.random() < 0.5}
    return spelled(rng, f"InstanceNorm{r}d", kw, f"instancenorm{r}d"), shape


def first_sequence(rng: random.Random, fw: str) -> Shape:
    return (rng.randint(1, 12), rng.randint(1, 16))


def gen_recurrent(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    kind = rng.choice(["RNN", "LSTM", "GRU"])
    hidden = rng.randint(1, 16)
    bias = rng.random() < 0.85
    if fw == "keras":
        cls = "SimpleRNN" if kind == "RNN" else kind
        seq = rng.random() < 0.5
        kw = {"units": hidden, "return_sequences": seq, "use_bias": bias}
        if kind == "GRU" and rng.random() < 0.4:
            kw["reset_after"] = False
        return LayerCfg(cls, kw), (shape[0], hidden) if seq else (hidden,)
    layers = rng.choice([1, 1, 2, 3])
    bi = rng.random() < 0.4
    kw = {
        "input_size": AUTO,
        "hidden_size": hidden,
        "num_layers": layers,
        "bias": bias,
        "batch_first": True,
        "bidirectional": bi,
    }
    return spelled(rng, kind, kw, None), (shape[0], hidden * (2 if bi else 1))


def gen_zeropad(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    c, sp = split(fw, shape)
    r = len(sp)
    if fw == "keras":
        if rng.random() < 0.5:
            p: int | tuple = rng.randint(0, 3)
            pads = [(p, p)] * r
        else:
            pads = [(rng.randint(0, 3), rng.randint(0, 3)) for _ in range(r)]
            p = pads[0] if r == 1 else tuple(pads)
        est = [n + a + b for n, (a, b) in zip(sp, pads, strict=True)]
        return spelled(rng, f"ZeroPadding{r}D", {"padding": p}, f"zeropad{r}d"), join(fw, c, est)
    if rng.random() < 0.5:
        p = rng.randint(0, 3)
        pads = [(p, p)] * r
    else:
        flat = [rng.randint(0, 3) for _ in range(2 * r)]
        p = tuple(flat)
        pads = [(flat[2 * i], flat[2 * i + 1]) for i in range(r)][::-1]  # torch: last axis first
    est = [n + a + b for n, (a, b) in zip(sp, pads, strict=True)]
    return LayerCfg(f"ZeroPad{r}d", {"padding": p}), join(fw, c, est)


def gen_cropping(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    c, sp = split(fw, shape)
    r = len(sp)
    pairs = [(rng.randint(0, 2), rng.randint(0, 2)) for _ in range(r)]
    crop = pairs[0] if r == 1 else tuple(pairs)
    est = [n - a - b for n, (a, b) in zip(sp, pairs, strict=True)]
    return spelled(rng, f"Cropping{r}D", {"cropping": crop}, f"cropping{r}d"), (
        join(fw, c, est) if min(est) >= 1 else None
    )


def gen_upsample(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    c, sp = split(fw, shape)
    r = len(sp)
    if fw == "keras":
        size = per_axis(rng, r, lambda: rng.randint(1, 3))
        if r == 1 and isinstance(size, tuple):
            size = size[0]  # UpSampling1D takes only an int
        est = [n * f for n, f in zip(sp, axes(size, r), strict=True)]
        # convcalc's `size` is an output size; Keras's `size` is a factor: keep Keras's spelling.
        return LayerCfg(f"UpSampling{r}D", {"size": size}), join(fw, c, est)
    if rng.random() < 0.6:
        f = rng.randint(1, 3)
        kw = {"scale_factor": f}
        est = [n * f for n in sp]
    else:
        size = per_axis(rng, r, lambda: rng.randint(1, 20))
        kw = {"size": size}
        est = list(axes(size, r))
    return LayerCfg("Upsample", kw), join(fw, c, est)


def gen_pixel_shuffle(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    c, sp = split(fw, shape)
    f = rng.choice([1, 2, 2, 3])
    ok = c % (f * f) == 0
    return LayerCfg("PixelShuffle", {"upscale_factor": f}), (
        c // (f * f),
        *[n * f for n in sp],
    ) if ok else None


def gen_pixel_unshuffle(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    c, sp = split(fw, shape)
    f = rng.choice([1, 2, 2, 3])
    ok = all(n % f == 0 for n in sp)
    est = (c * f * f, *[n // f for n in sp]) if ok else None
    return spelled(rng, "PixelUnshuffle", {"downscale_factor": f}, "pixel_unshuffle"), est


def gen_unflatten(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    """One axis (batch is 0) split in two, one of them sometimes -1; now and then a size not dividing."""
    i = rng.randrange(len(shape))
    n = shape[i]
    divisors = [d for d in range(1, n + 1) if n % d == 0]
    a = rng.choice(divisors)
    sizes: list[int] = [a, n // a]
    if rng.random() < 0.4:
        sizes[rng.randint(0, 1)] = -1
    est: Est = (*shape[:i], a, n // a, *shape[i + 1 :])
    if maybe_invalid(rng, 0.1):
        sizes, est = [a + 1, -1] if rng.random() < 0.5 else [a, n // a + 1], None
    dim = i + 1 if rng.random() < 0.7 else i - len(shape)
    return spelled(rng, "Unflatten", {"dim": dim, "unflattened_size": tuple(sizes)}, "unflatten"), est


# A merge's class in each framework (PyTorch has none: convcalc's name, run as the torch function).
_MERGES = {
    "keras": ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate"),
    "pytorch": ("add", "subtract", "multiply", "average", "maximum", "minimum", "concat", "concatenate"),
}


def gen_merge(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    """The previous tensor merged with itself (same shapes) or with the network's input (any)."""
    cls = rng.choice(_MERGES[fw])
    kind = cls.lower()
    reads = rng.choice([(-1, -1), (-1, -1), (-1, 0), (0, -1), (-1, -1, 0)])
    kw: dict[str, Any] = {}
    cat = kind in ("concat", "concatenate")
    axis = -1
    if cat and rng.random() < 0.6:
        axis = rng.choice([*range(1, len(shape) + 1), -1])
        kw["axis"] = axis
    elif cat and kind == "concat":
        axis = 1 if fw == "pytorch" else -1
    if fw == "keras" and kind == "concatenate" and "axis" not in kw and rng.random() < 0.4:
        lay = spelled(rng, cls, kw, "concat", p_cc=1.0)  # convcalc's concat: the channel axis, here -1
    else:
        lay = spelled(rng, cls, kw, kind if fw == "keras" else None)
    lay = LayerCfg(lay.cls, lay.kwargs, lay.cc_type, lay.spelling, merge_from=reads)
    if reads != (-1, -1):
        return lay, None  # the input's shape may differ: let the frameworks say
    if not cat:
        return lay, shape
    i = axis if axis > 0 else len(shape) + 1 + axis
    return lay, (*shape[: i - 1], 2 * shape[i - 1], *shape[i:])


def gen_prelu(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    if fw == "keras":
        return LayerCfg("PReLU", {}), shape
    num = 1 if rng.random() < 0.5 else (shape[0] if len(shape) > 1 else shape[-1])
    return LayerCfg("PReLU", {"num_parameters": num}), shape


def gen_reshape(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    n = 1
    for d in shape:
        n *= d
    divs = [d for d in range(1, n + 1) if n % d == 0]
    a = rng.choice(divs)
    target: list[int] = [a, n // a]
    if rng.random() < 0.3:
        target[rng.randint(0, 1)] = -1
    est: Est = (a, n // a)
    if maybe_invalid(rng, 0.1):
        target = [a + 1, n // a]
        est = None
    if fw == "keras":
        return spelled(rng, "Reshape", {"target_shape": tuple(target)}, "reshape"), est
    return LayerCfg("Reshape", {"shape": tuple(target)}, "reshape", "convcalc"), est


def gen_permute(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    order = list(range(len(shape)))
    rng.shuffle(order)
    est = tuple(shape[i] for i in order)
    if fw == "keras":
        return spelled(rng, "Permute", {"dims": tuple(i + 1 for i in order)}, "permute"), est
    return LayerCfg("Permute", {"dims": (0, *(i + 1 for i in order))}, "permute", "convcalc"), est


def gen_repeat(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    n = rng.randint(1, 6)
    return spelled(rng, "RepeatVector", {"n": n}, None), (n, shape[0])


def gen_timedistributed(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    inner_shape = shape[1:]
    if len(inner_shape) == 3 and rng.random() < 0.5:
        inner, est = gen_conv(rng, fw, inner_shape)
    else:
        inner, est = gen_dense(rng, fw, inner_shape)
    inner = LayerCfg(inner.cls, inner.kwargs, inner.cc_type, "native")
    return LayerCfg("TimeDistributed", {"layer": inner}), None if est is None else (shape[0], *est)


def gen_bidirectional(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    inner, est = gen_recurrent(rng, fw, shape)
    inner = LayerCfg(inner.cls, inner.kwargs, inner.cc_type, "native")
    assert est is not None
    return LayerCfg("Bidirectional", {"layer": inner}), (*est[:-1], 2 * est[-1])


# ------------------------------------------------------------------ attention and transformers


def first_tokens_features(rng: random.Random, fw: str) -> Shape:
    """A (sequence, features) sample whose features several head counts divide."""
    return (rng.randint(1, 9), rng.choice([4, 6, 8, 12, 16]))


def _heads(rng: random.Random, e: int) -> tuple[int, bool]:
    """A head count for width e, and whether it divides e (sometimes not, on purpose)."""
    if maybe_invalid(rng, 0.1):
        bad = [h for h in range(2, e + 2) if e % h]
        if bad:
            return rng.choice(bad), False
    return rng.choice([h for h in range(1, e + 1) if e % h == 0][:5]), True


def gen_mha(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    """PyTorch's MultiheadAttention: self-attention, [query, key_value] or [query, key, value]."""
    length, e = shape
    heads, ok = _heads(rng, e)
    embed = e if not maybe_invalid(rng, 0.06) else e + heads
    ok = ok and embed == e
    kw: dict[str, Any] = {"embed_dim": embed, "num_heads": heads, "dropout": rng.choice([0.0, 0.1]),
                          "bias": rng.random() < 0.8, "add_bias_kv": rng.random() < 0.3,
                          "add_zero_attn": rng.random() < 0.2, "batch_first": rng.random() < 0.6}
    mode = rng.choice(["self", "self", "kv", "qkv"])
    reads: tuple[Shape, ...] = ()
    if mode != "self":
        s = rng.randint(1, 7)
        kdim = rng.choice([embed, rng.randint(1, 10)])
        vdim = kdim if mode == "kv" else rng.choice([embed, rng.randint(1, 10)])
        if kdim != embed or rng.random() < 0.3:
            kw["kdim"] = kdim
        if vdim != embed or rng.random() < 0.3:
            kw["vdim"] = vdim
        s_v = s if not maybe_invalid(rng, 0.1) else s + 1
        reads = ((s, kdim),) if mode == "kv" else ((s, kdim), (s_v, vdim))
        ok = ok and s_v == s
    cfg = spelled(rng, "MultiheadAttention", kw, "mha")
    return LayerCfg(cfg.cls, cfg.kwargs, cfg.cc_type, cfg.spelling, reads=reads), (length, e) if ok else None


def gen_keras_mha(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    """Keras's MultiHeadAttention called [query, value] or [query, value, key], any query rank."""
    q = shape
    kw: dict[str, Any] = {"num_heads": rng.randint(1, 4), "key_dim": rng.randint(1, 8),
                          "use_bias": rng.random() < 0.8}
    if rng.random() < 0.4:
        kw["value_dim"] = rng.randint(1, 8)
    out: tuple[int, ...] = (q[-1],)
    if rng.random() < 0.3:
        out = (rng.randint(1, 9),) if rng.random() < 0.7 else (rng.randint(1, 4), rng.randint(1, 4))
        kw["output_shape"] = out[0] if len(out) == 1 and rng.random() < 0.5 else out
    attended = list(range(len(q) - 1))
    if (len(q) > 2 and rng.random() < 0.6) or rng.random() < 0.1:
        # Keras numbers them in the projected query (batch, *sequence, heads, dim); negatives count
        # from its heads axis; the heads axis itself may be attended over too.
        attended = sorted(rng.sample(range(len(q) - 1), rng.randint(1, len(q) - 1)))
        axes = [a + 1 for a in attended] + ([len(q)] if rng.random() < 0.2 else [])
        axes = [a - len(q) - 1 if rng.random() < 0.3 else a for a in axes]
        kw["attention_axes"] = tuple(axes) if len(axes) > 1 or rng.random() < 0.5 else axes[0]
    if rng.random() < 0.2:
        kw["use_gate"] = True
    if rng.random() < 0.35:
        return LayerCfg("MultiHeadAttention", kw, "keras_mha", rng.choice(["native", "convcalc"]),
                        reads=(None,)), (*q[:-1], *out)
    v = tuple(rng.randint(1, 6) if i in attended else q[i] for i in range(len(q) - 1))
    ok = True
    if maybe_invalid(rng, 0.08) and len(attended) < len(q) - 1:
        i = next(i for i in range(len(q) - 1) if i not in attended)
        v = (*v[:i], q[i] + 1, *v[i + 1:])
        ok = False
    reads: tuple[Shape, ...] = ((*v, rng.randint(1, 9)),)
    if rng.random() < 0.5:
        k_len = v if not maybe_invalid(rng, 0.1) else (*v[:-1], v[-1] + 1)
        ok = ok and k_len == v
        reads = (*reads, (*k_len, rng.randint(1, 9)))
    return LayerCfg("MultiHeadAttention", kw, "keras_mha", rng.choice(["native", "convcalc"]),
                    reads=reads), (*q[:-1], *out) if ok else None


def gen_keras_gqa(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    """Keras's GroupQueryAttention called [query, value] or [query, value, key]."""
    kv = rng.randint(1, 3)
    heads = kv * rng.randint(1, 3) if not maybe_invalid(rng, 0.1) else kv * 2 + 1
    kw = {"head_dim": rng.randint(1, 8), "num_query_heads": heads, "num_key_value_heads": kv,
          "use_bias": rng.random() < 0.7}
    ok = heads % kv == 0
    s = rng.randint(1, 6)
    reads: tuple[Shape | None, ...] = (None,) if rng.random() < 0.4 else ((s, rng.randint(1, 9)),)
    if reads != (None,) and rng.random() < 0.4:
        reads = (*reads, (s, rng.randint(1, 9)))
    return LayerCfg("GroupQueryAttention", kw, "gqa", rng.choice(["native", "convcalc"]),
                    reads=reads), shape if ok else None


def gen_rmsnorm(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    if fw == "keras":
        kw: dict[str, Any] = {}
        if len(shape) >= 2 and rng.random() < 0.4:
            # trailing axes, or others (refused unless their sizes line up with the last ones)
            kw["axis"] = rng.choice([-1, [-2, -1], len(shape), -2, 1, [1, len(shape)]])
        ok = kw.get("axis", -1) in (-1, [-2, -1], len(shape))
        return spelled(rng, "RMSNormalization", kw, "rmsnorm"), shape if ok else None
    n = rng.choice([1, 1, 2]) if len(shape) >= 2 else 1
    norm = list(shape[-n:])
    ok = True
    if maybe_invalid(rng, 0.1):
        norm[-1] += 1
        ok = False
    kw = {"normalized_shape": norm if n > 1 or rng.random() < 0.5 else norm[0],
          "elementwise_affine": rng.random() < 0.8}
    return spelled(rng, "RMSNorm", kw, "rmsnorm"), shape if ok else None


def _transformer_layer_kwargs(rng: random.Random, e: int) -> tuple[dict[str, Any], bool]:
    heads, ok = _heads(rng, e)
    d = e if not maybe_invalid(rng, 0.05) else e + 2 * heads
    kw: dict[str, Any] = {"d_model": d, "nhead": heads, "dim_feedforward": rng.choice([4, 8, 16, 24]),
                          "dropout": rng.choice([0.0, 0.1]), "batch_first": rng.random() < 0.6,
                          "norm_first": rng.random() < 0.4, "bias": rng.random() < 0.8}
    if rng.random() < 0.3:
        kw["activation"] = rng.choice(["gelu", "relu", LayerCfg("GELU")])
    if rng.random() < 0.2:
        kw["layer_norm_eps"] = 1e-6
    return kw, ok and d == e


def _spelled_block(rng: random.Random, cls: str, kw: dict[str, Any], cc: str,
                   reads: tuple[Shape, ...] = ()) -> LayerCfg:
    return LayerCfg(cls, kw, cc, "convcalc" if rng.random() < 0.3 else "native", reads=reads)


def gen_encoder_layer(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    kw, ok = _transformer_layer_kwargs(rng, shape[-1])
    cfg = _spelled_block(rng, "TransformerEncoderLayer", kw, "transformer_encoder_layer")
    return cfg, shape if ok else None


def gen_decoder_layer(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    kw, ok = _transformer_layer_kwargs(rng, shape[-1])
    memory = (rng.randint(1, 7), shape[-1] if not maybe_invalid(rng, 0.06) else shape[-1] + 1)
    ok = ok and memory[-1] == shape[-1]
    cfg = _spelled_block(rng, "TransformerDecoderLayer", kw, "transformer_decoder_layer", (memory,))
    return cfg, shape if ok else None


def gen_stack(rng: random.Random, fw: str, shape: Shape, decoder: bool) -> tuple[LayerCfg, Est]:
    kw, ok = _transformer_layer_kwargs(rng, shape[-1])
    layer = LayerCfg("TransformerDecoderLayer" if decoder else "TransformerEncoderLayer", kw)
    stack: dict[str, Any] = {"decoder_layer" if decoder else "encoder_layer": layer,
                             "num_layers": rng.randint(1, 3)}
    if rng.random() < 0.6:
        stack["norm"] = LayerCfg("LayerNorm", {"normalized_shape": shape[-1]})
    cls = "TransformerDecoder" if decoder else "TransformerEncoder"
    reads = ((rng.randint(1, 7), shape[-1]),) if decoder else ()
    return _spelled_block(rng, cls, stack, cls.lower().replace("transformer", "transformer_"), reads), (
        shape if ok else None)


def gen_transformer(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    kw, ok = _transformer_layer_kwargs(rng, shape[-1])
    kw.update(num_encoder_layers=rng.randint(1, 2), num_decoder_layers=rng.randint(0, 2))
    tgt = (rng.randint(1, 7), shape[-1])
    return _spelled_block(rng, "Transformer", kw, "transformer", (tgt,)), tgt if ok else None


def _sequences(fw: str, shape: Shape) -> bool:
    return len(shape) == 2


ATTENTION = ("mha", "keras_mha", "keras_gqa", "rmsnorm", "encoder_layer", "decoder_layer",
             "encoder", "decoder", "transformer")
# ------------------------------------------------------------------ Keras preprocessing (issue 14)


def gen_normalization(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    """Keras's Normalization: adapt()-style statistics (2C + 1 weights), or mean/variance given."""
    kw: dict[str, Any] = {}
    r = len(shape)
    pick = rng.random()
    if pick < 0.2:
        kw["axis"] = None
    elif pick < 0.5:
        kw["axis"] = rng.choice([i for i in range(1, r + 1)] + [-1])
    elif pick < 0.6 and r >= 2:
        kw["axis"] = tuple(sorted(rng.sample(range(1, r + 1), 2)))
    elif pick < 0.7:
        kw["axis"] = r + 1  # outside the input: refused
    if rng.random() < 0.2:
        kw["mean"], kw["variance"] = 0.5, 2.0
    return spelled(rng, "Normalization", kw, "normalization"), None if kw.get("axis") == r + 1 else shape


SHAPE_KEEPING = ("RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation", "RandomContrast",
                 "RandomBrightness", "RandomGrayscale", "RandomHue", "RandomSaturation", "RandomSharpness",
                 "RandomShear", "RandomInvert", "RandomPosterization", "RandomColorDegeneration",
                 "RandomGaussianBlur", "RandomErasing", "RandomPerspective", "RandomColorJitter",
                 "RandomElasticTransform")


def gen_image_preprocessing(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    """Rescaling, Resizing, CenterCrop, RandomCrop and the shape-keeping Random* layers (images)."""
    h, w = rng.randint(1, 12), rng.randint(1, 12)
    pick = rng.random()
    if pick < 0.15:
        return LayerCfg("Rescaling", {"scale": 1 / 255, "offset": rng.choice([0.0, -1.0])}), shape
    if pick < 0.45:
        cls = rng.choice(["Resizing", "CenterCrop", "RandomCrop"])
        if cls == "RandomCrop":  # a crop larger than the image is refused by Keras
            h, w = rng.randint(1, shape[0] + 1), rng.randint(1, shape[1] + 1)
        kw = {"height": h, "width": w}
        ok = cls != "RandomCrop" or (h <= shape[0] and w <= shape[1])
        return LayerCfg(cls, kw), (h, w, shape[-1]) if ok else None
    colour = ("RandomHue", "RandomSaturation", "RandomColorJitter", "RandomColorDegeneration",
              "RandomGrayscale", "RandomBrightness", "RandomContrast", "RandomSharpness", "RandomInvert",
              "RandomPosterization")
    # Keras's colour layers read RGB: only 3-channel images get them
    cls = rng.choice([c for c in SHAPE_KEEPING if shape[-1] == 3 or c not in colour])
    kw = {"RandomFlip": {"mode": rng.choice(["horizontal", "vertical", "horizontal_and_vertical"])},
          "RandomZoom": {"height_factor": 0.2}, "RandomTranslation": {"height_factor": 0.1,
                                                                       "width_factor": 0.1},
          "RandomShear": {"x_factor": 0.1}, "RandomColorJitter": {"brightness_factor": 0.1},
          "RandomGrayscale": {}, "RandomErasing": {}, "RandomElasticTransform": {},
          "RandomGaussianBlur": {}, "RandomPerspective": {}, "RandomInvert": {},
          "RandomPosterization": {"factor": 4}}.get(cls, {"factor": 0.2})
    return LayerCfg(cls, kw), shape


def first_image(rng: random.Random, fw: str) -> Shape:
    return (rng.randint(2, 16), rng.randint(2, 16), rng.choice([1, 3, 3, 4]))


def gen_conv_lstm(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    """Keras's ConvLSTM1D/2D/3D on (time, *spatial, channels)."""
    rank = len(shape) - 2
    k = per_axis(rng, rank, lambda: rng.choice([1, 2, 3]))
    s = per_axis(rng, rank, lambda: rng.choice([1, 1, 2]))
    kw: dict[str, Any] = {"filters": rng.randint(1, 12), "kernel_size": k, "strides": s,
                          "padding": rng.choice(["valid", "same"]),
                          "return_sequences": rng.random() < 0.5, "use_bias": rng.random() < 0.85}
    return LayerCfg(f"ConvLSTM{rank}D", kw), None


def first_video(rng: random.Random, fw: str) -> Shape:
    rank = rng.choice([1, 2, 2, 3])
    return (rng.randint(1, 4), *(rng.randint(3, 9) for _ in range(rank)), rng.choice([1, 2, 3]))


def _pool(kind: str) -> Make:
    return lambda rng, fw, shape: gen_pool(rng, fw, shape, kind)


BOTH = ("pytorch", "keras")


def both(name: str, torch_cls: str, keras_cls: str, make: Make, accepts: Accepts, **kw: Any) -> Gen:
    """A layer both frameworks have, under one class name each (which convcalc must have registered)."""
    return Gen(name, BOTH, {"pytorch": (torch_cls,), "keras": (keras_cls,)}, make, accepts, **kw)


def only(fw: str, name: str, cls: str, make: Make, accepts: Accepts, **kw: Any) -> Gen:
    """A layer only one framework has."""
    return Gen(name, (fw,), {fw: (cls,)}, make, accepts, **kw)


def _ranks(*ranks: int) -> Accepts:
    return lambda fw, s: spatial(fw, s, ranks)


def _first_spatial(*ranks: int) -> Callable[[random.Random, str], Shape]:
    """An input of one of these spatial ranks, picked at random."""
    return lambda rng, fw: spatial_input(rng, fw, rng.choice(ranks))


GENERATORS: tuple[Gen, ...] = (
    both("conv", "Conv2d", "Conv2D", gen_conv, spatial),
    both("maxpool", "MaxPool2d", "MaxPooling2D", _pool("max"), spatial),
    both("avgpool", "AvgPool2d", "AveragePooling2D", _pool("avg"), spatial),
    both("adaptive_pool", "AdaptiveAvgPool2d", "AdaptiveAveragePooling2D", gen_adaptive, spatial),
    both("global_pool", "global_avgpool2d", "GlobalAveragePooling2D", gen_global, spatial),
    both(
        "dense", "Linear", "Dense", gen_dense, any_rank,
        first=lambda rng, fw: tuple(rng.randint(1, 30) for _ in range(rng.choice([1, 1, 2, 3]))),
    ),
    both(
        "embedding", "Embedding", "Embedding", gen_embedding, lambda fw, s: False,
        first=first_tokens, int_input=True,
    ),
    both("batchnorm", "BatchNorm2d", "BatchNormalization", gen_batchnorm, lambda fw, s: len(s) >= 1),
    both("flatten", "Flatten", "Flatten", gen_flatten, lambda fw, s: len(s) >= 2),
    Gen("activation", BOTH,
        {"pytorch": tuple(c for c, _ in _TORCH_ACT), "keras": tuple(c for c, _ in _KERAS_ACT)},
        gen_activation, any_rank),
    both("conv_transpose", "ConvTranspose2d", "Conv2DTranspose", gen_conv_transpose, spatial),
    only("keras", "depthwise_conv", "DepthwiseConv2D", gen_depthwise, _ranks(1, 2),
         first=_first_spatial(1, 2)),
    only("keras", "separable_conv", "SeparableConv2D", gen_separable, _ranks(1, 2),
         first=_first_spatial(1, 2)),
    both("layernorm", "LayerNorm", "LayerNormalization", gen_layernorm, any_rank),
    both("groupnorm", "GroupNorm", "GroupNormalization", gen_groupnorm, spatial),
    only("pytorch", "instancenorm", "InstanceNorm2d", gen_instancenorm, spatial),
    Gen(
        "recurrent",
        BOTH,
        {"pytorch": ("LSTM", "GRU", "RNN"), "keras": ("LSTM", "GRU", "SimpleRNN")},
        gen_recurrent,
        lambda fw, s: len(s) == 2,
        first=first_sequence,
    ),
    both("zeropad", "ZeroPad2d", "ZeroPadding2D", gen_zeropad, spatial),
    only("keras", "cropping", "Cropping2D", gen_cropping, spatial),
    both("upsample", "Upsample", "UpSampling2D", gen_upsample, spatial),
    only(
        "pytorch", "pixel_shuffle", "PixelShuffle", gen_pixel_shuffle, _ranks(2),
        first=lambda rng, fw: spatial_input(rng, fw, 2),
    ),
    both("prelu", "PReLU", "PReLU", gen_prelu, any_rank),
    only(
        "pytorch", "pixel_unshuffle", "PixelUnshuffle", gen_pixel_unshuffle, _ranks(2),
        first=lambda rng, fw: spatial_input(rng, fw, 2),
    ),
    only("pytorch", "unflatten", "Unflatten", gen_unflatten, any_rank),
    Gen("merge", BOTH, {fw: names for fw, names in _MERGES.items()}, gen_merge, any_rank),
    both("reshape", "reshape", "Reshape", gen_reshape, any_rank),
    both("permute", "permute", "Permute", gen_permute, any_rank),
    only("keras", "repeat_vector", "RepeatVector", gen_repeat, lambda fw, s: len(s) == 1),
    only(
        "keras", "timedistributed", "TimeDistributed", gen_timedistributed, lambda fw, s: len(s) in (2, 4),
        first=lambda rng, fw: (
            (rng.randint(1, 5), *spatial_input(rng, fw, 2)) if rng.random() < 0.5 else first_sequence(rng, fw)
        ),
    ),
    only("keras", "normalization", "Normalization", gen_normalization, any_rank),
    Gen("image_preprocessing", ("keras",),
        {"keras": ("Rescaling", "Resizing", "CenterCrop", "RandomCrop", *SHAPE_KEEPING)},
        gen_image_preprocessing, lambda fw, s: len(s) == 3, first=first_image),
    Gen("conv_lstm", ("keras",), {"keras": ("ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D")}, gen_conv_lstm,
        lambda fw, s: False, first=first_video),
    Gen(
        "bidirectional",
        ("keras",),
        {"keras": ("Bidirectional", "LSTM")},
        gen_bidirectional,
        lambda fw, s: len(s) == 2,
        first=first_sequence,
    ),
    only("pytorch", "mha", "MultiheadAttention", gen_mha, _sequences, first=first_tokens_features),
    only("keras", "keras_mha", "MultiHeadAttention", gen_keras_mha, lambda fw, s: len(s) in (2, 3),
         first=lambda rng, fw: (*((rng.randint(1, 5),) if rng.random() < 0.4 else ()),
                                *first_tokens_features(rng, fw))),
    only("keras", "keras_gqa", "GroupQueryAttention", gen_keras_gqa, _sequences,
         first=first_tokens_features),
    both("rmsnorm", "RMSNorm", "RMSNormalization", gen_rmsnorm, any_rank),
    only("pytorch", "encoder_layer", "TransformerEncoderLayer", gen_encoder_layer, _sequences,
         first=first_tokens_features),
    only("pytorch", "decoder_layer", "TransformerDecoderLayer", gen_decoder_layer, _sequences,
         first=first_tokens_features),
    only("pytorch", "encoder", "TransformerEncoder", lambda rng, fw, s: gen_stack(rng, fw, s, False),
         _sequences, first=first_tokens_features),
    only("pytorch", "decoder", "TransformerDecoder", lambda rng, fw, s: gen_stack(rng, fw, s, True),
         _sequences, first=first_tokens_features),
    only("pytorch", "transformer", "Transformer", gen_transformer, _sequences, first=first_tokens_features),
)

# ------------------------------------------------------------------ tensor operations (issue 13)
# PyTorch only: these are functions (x[:, a:b], x.mean(...)) or modules outside torch.nn (LayerNorm2d),
# built in oracle._torch_custom.  Their configurations are checked by test_differential_tensor_ops.py.


def _sample_axis(rng: random.Random, shape: Shape) -> int:
    """An axis number as a user writes it (batch = 0, never chosen; negatives from the end)."""
    i = rng.randint(1, len(shape))
    return i if rng.random() < 0.6 else i - len(shape) - 1


def gen_pad(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    mode = rng.choice(["Reflection", "Replication", "Circular", "Constant"])
    r = rng.choice([r for r in (1, 2, 3) if r <= len(shape)] or [1])
    # wrong rank on purpose; not for ConstantPad, which PyTorch lets pad the batch axis (convcalc refuses)
    if maybe_invalid(rng, 0.08) and mode != "Constant":
        r = min(3, len(shape) + rng.choice([1, 2]))
    padded = shape[len(shape) - r :] if r <= len(shape) else ()
    small = min(padded) if padded else 1
    top = small + (1 if mode == "Circular" else 0) + (1 if maybe_invalid(rng, 0.15) else 0)

    def amount() -> int:
        return rng.randint(-min(2, small - 1), max(0, min(top, 4)) if rng.random() < 0.8 else top)

    short = rng.random() < 0.12 and r > 1  # fewer amounts: they pad only the last axes
    if rng.random() < 0.4:
        p: int | tuple[int, ...] = max(0, amount())
        pads = [(p, p)] * r
    else:
        flat = tuple(amount() for _ in range(2 * (rng.randint(1, r - 1) if short else r)))
        p = flat
        pads = [(flat[2 * i], flat[2 * i + 1]) for i in range(len(flat) // 2)][::-1]
    kw: dict[str, Any] = {"padding": p}
    if mode == "Constant":
        kw["value"] = 0.5
    padded = padded[len(padded) - len(pads) :]
    est = [n + a + b for n, (a, b) in zip(padded, pads, strict=False)]
    ranks = range(len(pads), 9) if mode == "Constant" else (len(pads), len(pads) + 1)
    ok = len(shape) in ranks and bool(est) and min(est) >= 1
    cfg = spelled(rng, f"{mode}Pad{r}d", kw, f"{mode.lower()}_pad{r}d")
    return cfg, (*shape[: len(shape) - len(est)], *est) if ok else None


def gen_slice(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    axis = _sample_axis(rng, shape)
    n = shape[axis - 1] if axis > 0 else shape[axis]
    pick = [None, *range(-n - 2, n + 3)]
    start, stop = rng.choice(pick), rng.choice(pick)
    step = rng.choice([1, 1, 1, 2, 3] + ([0] if maybe_invalid(rng, 0.05) else []))
    size = len(range(n)[start:stop:step]) if step else 0
    i = axis - 1 if axis > 0 else len(shape) + axis
    est = tuple(size if j == i else d for j, d in enumerate(shape))
    kw = {"dim": axis, "start": start, "stop": stop, "step": step}
    return LayerCfg("Slice", kw, "slice", "convcalc"), est if size >= 1 else None


def gen_select(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    axis = _sample_axis(rng, shape)
    i = axis - 1 if axis > 0 else len(shape) + axis
    n = shape[i]
    index = rng.randint(-n - (1 if maybe_invalid(rng) else 0), n - 1 + (1 if maybe_invalid(rng) else 0))
    est = (*shape[:i], *shape[i + 1 :])
    return LayerCfg("Select", {"dim": axis, "index": index}, "select", "convcalc"), (
        est if -n <= index < n and est else None
    )


def gen_index_select(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    """torch.index_select by an index of ``size`` in-range entries (the oracle draws them): only the
    count reaches the shape; an empty index gives PyTorch an empty tensor, which convcalc refuses."""
    axis = _sample_axis(rng, shape)
    i = axis - 1 if axis > 0 else len(shape) + axis
    size = 0 if maybe_invalid(rng, 0.05) else rng.choice([1, 2, shape[i], shape[i] + 3, 2 * shape[i] + 1])
    est = tuple(size if j == i else d for j, d in enumerate(shape))
    return LayerCfg("IndexSelect", {"dim": axis, "size": size}, "index_select", "convcalc"), (
        est if size >= 1 else None)


def gen_transpose(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    a, b = _sample_axis(rng, shape), _sample_axis(rng, shape)
    out = list(shape)
    i, j = (d - 1 if d > 0 else len(shape) + d for d in (a, b))
    out[i], out[j] = out[j], out[i]
    return LayerCfg("Transpose", {"dims": (a, b)}, "transpose", "convcalc"), tuple(out)


def gen_reduce(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    cls = rng.choice(["Mean", "Sum", "Amax", "Amin"])
    k = rng.randint(1, len(shape))
    axes = [_sample_axis(rng, shape) for _ in range(k)]
    index = [d - 1 if d > 0 else len(shape) + d for d in axes]
    keep = rng.random() < 0.4
    kw: dict[str, Any] = {"dim": axes[0] if k == 1 and rng.random() < 0.5 else tuple(axes), "keepdim": keep}
    est = tuple(1 if j in index else d for j, d in enumerate(shape)) if keep else tuple(
        d for j, d in enumerate(shape) if j not in index)
    ok = len(set(index)) == len(index) and (keep or bool(est))
    return LayerCfg(cls, kw, cls.lower(), "convcalc"), est if ok else None


def gen_layernorm2d(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    wrong = maybe_invalid(rng, 0.08)
    kw = {"num_channels": shape[0] + 1 if wrong else AUTO, "elementwise_affine": rng.random() < 0.85}
    return spelled(rng, "LayerNorm2d", kw, "layernorm2d", 0.5), None if wrong else shape


def _ranks_at_least(n: int) -> Accepts:
    return lambda fw, s: len(s) >= n


TENSOR_OPS: tuple[Gen, ...] = (
    only("pytorch", "pad", "ReflectionPad2d", gen_pad, _ranks_at_least(1)),
    only("pytorch", "slice", "slice", gen_slice, _ranks_at_least(1)),
    only("pytorch", "select", "select", gen_select, _ranks_at_least(2)),
    only("pytorch", "index_select", "index_select", gen_index_select, _ranks_at_least(1)),
    only("pytorch", "transpose", "transpose", gen_transpose, _ranks_at_least(1)),
    Gen("reduce", ("pytorch",), {"pytorch": ("mean", "sum", "amax", "amin")}, gen_reduce, _ranks_at_least(1)),
    only("pytorch", "layernorm2d", "LayerNorm2d", gen_layernorm2d, _ranks(2), first=_first_spatial(2)),
)


def _all() -> tuple[Gen, ...]:
    """These generators and those of layers written as users paste them (tests/oracle_gen_pasted.py)."""
    from oracle_gen_pasted import PASTED

    return (*GENERATORS, *PASTED)


def available(fw: str) -> list[Gen]:
    return [g for g in _all() if g.available(fw)]


def generate(fw: str, n: int, seed: int = 20240613, first: tuple[Gen, ...] | None = None,
             only: tuple[str, ...] | None = None) -> list[Config]:
    """``n`` configurations: round-robin over the available generators for the first layer (those
    named in ``only``, or ``first``'s, when given); any available generator may follow (``first``'s too)."""
    rng = random.Random(f"{seed}-{fw}")
    gens = [g for g in available(fw) if only is None or g.name in only]
    followers = [g for g in available(fw) if not g.int_input]
    if first is not None:
        gens = [g for g in first if g.available(fw)]
        followers += gens
    configs = []
    for i in range(n):
        primary = gens[i % len(gens)]
        shape = primary.input(rng, fw)
        layers: list[LayerCfg] = []
        cur: Est = shape
        gen = primary
        depth = 1 if rng.random() < 0.45 else rng.randint(2, 4)
        for _ in range(depth):
            lay, cur = gen.make(rng, fw, cur)
            layers.append(lay)
            if cur is None:
                break
            options = [g for g in followers if g.accepts(fw, cur)]
            if not options:
                break
            gen = rng.choice(options)
        configs.append(Config(fw, shape, tuple(layers), primary.name, primary.int_input))
    return configs
