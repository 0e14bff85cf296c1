"""Generators of layers written the way users paste them: the frameworks' class names with their own
argument names, and positional calls (``nn.Conv2d(3, 64, 3, 1, 1)``, ``nn.ReLU(True)``,
``layers.MaxPooling2D()``), including what the frameworks refuse (an AdaptiveAvgPool2d with
return_indices, ``ZeroPadding2D([1])``, ``Dropout()`` in Keras, a text boolean for an RNN).

They join :data:`oracle_gen.GENERATORS` in the differential harness (tests/oracle.py): the same
round-robin, the same comparison.  Each returns a layer and a guess of the next shape (None when
the layer is probably refused or the guess is not worth making), only to pick the next layer.
"""

from __future__ import annotations

import random
from typing import Any

from oracle import AUTO, AUTO_LAST, LayerCfg
from oracle_gen import (
    BOTH,
    Est,
    Gen,
    Shape,
    axes,
    conv_len,
    join,
    maybe_invalid,
    per_axis,
    spatial,
    split,
)


def _cut(rng: random.Random, values: list[Any], names: list[str], least: int) -> tuple[tuple, dict]:
    """The first ``k`` values positionally (k >= least), the rest by name (some left out)."""
    k = rng.randint(least, len(values))
    kw = {n: v for n, v in zip(names[k:], values[k:], strict=True) if rng.random() < 0.5}
    return tuple(values[:k]), kw


def _call(cls: str, args: tuple, kwargs: dict | None = None) -> LayerCfg:
    return LayerCfg(cls, kwargs or {}, None, "native", args=args)


# ------------------------------------------------------------------ PyTorch


def torch_conv(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    c, sp = split(fw, shape)
    r = len(sp)
    k = per_axis(rng, r, lambda: rng.choice([1, 2, 3, 3, 5]))
    s = per_axis(rng, r, lambda: rng.choice([1, 1, 2]))
    p = per_axis(rng, r, lambda: rng.choice([0, 1, 1, 2]))
    d = rng.choice([1, 1, 1, 2])
    g = rng.choice([g for g in (1, 1, 2, 3) if c % g == 0])
    out = g * rng.randint(1, 4)
    mode = rng.choice(["zeros", "zeros", "reflect", "replicate", "circular"])
    transpose = rng.random() < 0.3
    lazy = rng.random() < 0.3
    if transpose:
        op = 0 if rng.random() < 0.7 else 1
        values = [out, k, s, p, op, g, rng.random() < 0.8, d, "zeros"]
        names = ["out_channels", "kernel_size", "stride", "padding", "output_padding", "groups", "bias",
                 "dilation", "padding_mode"]
        cls = f"{'Lazy' if lazy else ''}ConvTranspose{r}d"
    else:
        values = [out, k, s, p, d, g, rng.random() < 0.8, mode]
        names = ["out_channels", "kernel_size", "stride", "padding", "dilation", "groups", "bias",
                 "padding_mode"]
        cls = f"{'Lazy' if lazy else ''}Conv{r}d"
    if maybe_invalid(rng, 0.08) and r > 1:
        values[1] = [3]  # a one-element kernel list on several axes: PyTorch refuses it
    if not lazy:
        values, names = [AUTO, *values], ["in_channels", *names]
    args, kw = _cut(rng, values, names, 2 if lazy else 3)
    if transpose:
        return _call(cls, args, kw), None
    ka, sa, pa = axes(k, r), axes(s, r), axes(p, r)
    est = [conv_len(n, kk, ss, pp, pp, d) for n, kk, ss, pp in zip(sp, ka, sa, pa, strict=True)]
    ok = min(est) >= 1
    return _call(cls, args, kw), join(fw, out, est) if ok else None


def torch_pool(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    c, sp = split(fw, shape)
    r = len(sp)
    kind = rng.choice(["max", "avg", "adaptive_avg", "adaptive_max"])
    if kind.startswith("adaptive"):
        size = per_axis(rng, r, lambda: rng.randint(1, 4))
        cls = f"Adaptive{'Avg' if kind == 'adaptive_avg' else 'Max'}Pool{r}d"
        wrong = rng.random() < 0.25  # AdaptiveAvgPool has no return_indices
        kw = {"return_indices": True} if wrong or (kind == "adaptive_max" and rng.random() < 0.3) else {}
        return _call(cls, (size,), kw), None if "return_indices" in kw else join(fw, c, list(axes(size, r)))
    k = per_axis(rng, r, lambda: rng.choice([2, 2, 3]))
    if rng.random() < 0.15:
        k = [rng.choice([2, 3])]  # one value for every axis: PyTorch's pools take it
    s = rng.choice([None, 1, 2, [2]])
    p = rng.choice([0, 0, 1])
    ceil = rng.random() < 0.3
    if kind == "max":
        values = [k, s, p, rng.choice([1, 1, 2]), False, ceil]
        names = ["kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode"]
        cls = f"MaxPool{r}d"
    else:
        values = [k, s, p, ceil, rng.random() < 0.7]
        names = ["kernel_size", "stride", "padding", "ceil_mode", "count_include_pad"]
        cls = f"AvgPool{r}d"
        if rng.random() < 0.3:  # AvgPool1d has none; 0 is refused at run time
            values.append(rng.choice([None, 2, 3, 0, -1]))
            names.append("divisor_override")
    args, kw = _cut(rng, values, names, 1)
    return _call(cls, args, kw), None


def torch_dense(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    out, bias = rng.randint(1, 20), rng.random() < 0.8
    if rng.random() < 0.4:
        args, kw = _cut(rng, [out, bias], ["out_features", "bias"], 1)
        return _call("LazyLinear", args, kw), (*shape[:-1], out)
    args, kw = _cut(rng, [AUTO_LAST, out, bias], ["in_features", "out_features", "bias"], 2)
    return _call("Linear", args, kw), (*shape[:-1], out)


def torch_norm(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    r = len(shape) - 1
    kind = rng.choice(["bn", "lazy_bn", "in", "lazy_in", "gn", "ln"])
    extra = {"bias": False} if rng.random() < 0.4 else {}  # PyTorch 2.13's keyword-only bias
    affine = rng.random() < 0.7
    if kind in ("bn", "lazy_bn", "in", "lazy_in"):
        base = "BatchNorm" if kind.endswith("bn") else "InstanceNorm"
        values = [1e-5, 0.1, affine, rng.random() < 0.5 if base == "InstanceNorm" else True]
        names = ["eps", "momentum", "affine", "track_running_stats"]
        if not kind.startswith("lazy"):
            values, names = [AUTO, *values], ["num_features", *names]
        args, kw = _cut(rng, values, names, 0 if kind.startswith("lazy") else 1)
        cls = f"{'Lazy' if kind.startswith('lazy') else ''}{base}{r}d"
        return _call(cls, args, {**kw, **extra}), shape
    if kind == "gn":
        c = shape[0]
        g = rng.choice([d for d in range(1, c + 1) if c % d == 0] + ([c + 1] if maybe_invalid(rng) else []))
        args, kw = _cut(rng, [g, AUTO, 1e-5, affine], ["num_groups", "num_channels", "eps", "affine"], 2)
        return _call("GroupNorm", args, {**kw, **extra}), shape if c % g == 0 else None
    norm = list(shape[-1:]) if rng.random() < 0.7 else list(shape[-2:])
    args, kw = _cut(rng, [norm, 1e-5, affine, rng.random() < 0.7],
                    ["normalized_shape", "eps", "elementwise_affine", "bias"], 1)
    return _call("LayerNorm", args, kw), shape


_TORCH_ACTS: list[tuple[str, tuple]] = [
    ("ReLU", (True,)), ("ReLU", (False,)), ("ReLU6", (True,)), ("LeakyReLU", (0.2, True)),
    ("LeakyReLU", (-0.1,)), ("ELU", (1.0, True)), ("CELU", (0.5,)), ("SELU", (True,)), ("GELU", ("tanh",)),
    ("SiLU", (True,)), ("Hardswish", (True,)), ("Hardsigmoid", (False,)), ("Mish", (True,)),
    ("Softplus", (2, -100)), ("Softplus", (1.0,)), ("Hardtanh", (-2.0, 2.0)), ("Hardtanh", (-1.0, 1.0, True)),
    ("Threshold", (0.1, 20.0)), ("Threshold", (0.1,)), ("RReLU", (0.1, 0.3)), ("Softshrink", (0.5,)),
    ("Hardshrink", (0.5,)), ("Dropout", (0.5, False)), ("Dropout", (0.2,)), ("Dropout", (1.5,)),
    ("AlphaDropout", (0.1, False)), ("Identity", (54, "unused")), ("Tanh", ()), ("Sigmoid", ()),
    ("Sigmoid", (1,)), ("Softsign", ()), ("LogSigmoid", ()), ("Tanhshrink", ()), ("PReLU", (1, 0.25)),
]


def torch_activation(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    if rng.random() < 0.15:  # dims of every axis, the batch axis 0 and one out of range on each side
        cls = rng.choice(["Softmax", "LogSoftmax", "Softmin"])
        return _call(cls, (rng.randint(-len(shape) - 2, len(shape) + 1),)), shape
    if rng.random() < 0.1:  # classes for inputs of some ranks only
        return _call(rng.choice(["Dropout1d", "Dropout2d", "Dropout3d", "Softmax2d"]), ()), shape
    cls, args = rng.choice(_TORCH_ACTS)
    return _call(cls, args), shape


def torch_pad(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    rank = rng.choice([r for r in (1, 2, 3) if r <= len(shape)])
    base = rng.choice(["ZeroPad", "ZeroPad", "ConstantPad", "ReflectionPad", "ReplicationPad", "CircularPad"])
    if rng.random() < 0.35:
        padding: Any = rng.randint(0, 3)
    else:
        # Pairs for at most the sample's axes: more would pad the batch axis, which convcalc refuses to
        # describe (tests/test_pasted_calls.py).
        m = min(rng.choice([1, rank, rank, min(rank + 1, 3)]), len(shape))
        padding = tuple(rng.randint(-1 if maybe_invalid(rng, 0.3) else 0, 3) for _ in range(2 * m))
        if maybe_invalid(rng, 0.05):
            padding = padding[:-1]  # an odd length: PyTorch refuses it
    args = (padding, 0.5) if base == "ConstantPad" else (padding,)
    return _call(f"{base}{rank}d", args), None


_MODES = ["nearest", "nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact"]


def torch_upsample(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    c, sp = split(fw, shape)
    r = len(sp)
    scale = rng.choice([2, 2, 3, 1.5])
    cls = rng.choice(["Upsample", "Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d"])
    if cls != "Upsample":
        lay = _call(cls, (None, scale)) if rng.random() < 0.5 else LayerCfg(cls, {"scale_factor": scale})
        return lay, None
    mode = rng.choice(_MODES)
    align = rng.choice([None, None, True, False])
    size = [rng.randint(1, 12) for _ in range(r)] if rng.random() < 0.3 else None
    values = [size, None if size else scale, mode, align]
    args, kw = _cut(rng, values, ["size", "scale_factor", "mode", "align_corners"], 0)
    est = None if mode not in ("nearest", "area", "nearest-exact") or align is not None else (
        join(fw, c, size) if size else join(fw, c, [int(n * scale) for n in sp]))
    return _call(cls, args, kw), est


def torch_rnn(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    kind = rng.choice(["RNN", "LSTM", "GRU"])
    hidden, layers, bi = rng.randint(1, 8), rng.choice([1, 1, 2]), rng.random() < 0.3
    bias: Any = rng.random() < 0.85
    if maybe_invalid(rng, 0.1):
        bias = rng.choice(["True", "False"])  # text is not a boolean: PyTorch raises TypeError
    head = [AUTO_LAST, hidden, layers] + (["tanh" if rng.random() < 0.7 else "relu"] if kind == "RNN" else [])
    values = [*head, bias, True, 0.0, bi]
    names = ["input_size", "hidden_size", "num_layers", *(["nonlinearity"] if kind == "RNN" else []),
             "bias", "batch_first", "dropout", "bidirectional"]
    k = rng.choice([2, 3, len(values)])
    kw = {"batch_first": True, **{n: v for n, v in zip(names[k:], values[k:], strict=True)
                                  if n != "batch_first" and rng.random() < 0.6}}
    return _call(kind, tuple(values[:k]), kw), (shape[0], hidden * (2 if bi else 1))


def torch_misc(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    if len(shape) >= 2 and rng.random() < 0.5:
        start, end = rng.choice([(1, -1), (1, 2), (2, -1), (-2, -1)])
        return _call("Flatten", (start, end)), None
    if len(shape) == 3 and shape[0] % 4 == 0 and rng.random() < 0.5:
        return _call("PixelShuffle", (2,)), (shape[0] // 4, shape[1] * 2, shape[2] * 2)
    return _call("Flatten", ()), None


def torch_embedding(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    vocab, dim = rng.randint(5, 50), rng.randint(1, 8)
    pad = rng.choice([None, 0, vocab - 1, vocab, -vocab, -vocab - 1])
    args, kw = _cut(rng, [vocab, dim, pad], ["num_embeddings", "embedding_dim", "padding_idx"], 2)
    return _call("Embedding", args, kw), (*shape, dim)


# ------------------------------------------------------------------ Keras


def keras_conv(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    _, sp = split(fw, shape)
    r = len(sp)
    out = rng.randint(1, 8)
    k: Any = per_axis(rng, r, lambda: rng.choice([1, 2, 3]))
    if isinstance(k, tuple) and rng.random() < 0.5:
        k = list(k)
    if r > 1 and maybe_invalid(rng, 0.1):
        k = [3]  # one value for several axes: Keras refuses it
    s = rng.choice([1, 1, 2])
    pad = rng.choice(["valid", "same"])
    values = [out, k, s, pad, "channels_last", 1, 1, rng.choice([None, "relu"]), rng.random() < 0.8]
    names = ["filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "groups",
             "activation", "use_bias"]
    args, kw = _cut(rng, values, names, 1 if rng.random() < 0.3 else 2)
    if len(args) == 1:
        kw["kernel_size"] = k
    ka = axes(tuple(k) if isinstance(k, list) else k, r)
    est = [-(-n // s) if pad == "same" else conv_len(n, kk, s, 0, 0) for n, kk in zip(sp, ka, strict=False)]
    ok = len(ka) == r and min(est) >= 1 and ("padding" in kw or len(args) >= 4 or pad == "valid")
    return _call(f"Conv{r}D", args, kw), join(fw, out, est) if ok else None


def keras_pool(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    c, sp = split(fw, shape)
    r = len(sp)
    cls = rng.choice([f"MaxPooling{r}D", f"MaxPool{r}D", f"AveragePooling{r}D"])
    form = rng.random()
    if form < 0.35:  # MaxPooling's pool_size defaults to 2; AveragePooling has no default
        est = join(fw, c, [n // 2 for n in sp]) if cls.startswith("Max") and min(sp) >= 2 else None
        return _call(cls, ()), est
    k: Any = rng.choice([2, 3]) if form < 0.8 else [2] * (r if rng.random() < 0.5 else 1)
    args, kw = _cut(rng, [k, rng.choice([None, 1, 2]), rng.choice(["valid", "same"])],
                    ["pool_size", "strides", "padding"], 1)
    return _call(cls, args, kw), None


def keras_padding(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    _, sp = split(fw, shape)
    r = len(sp)
    crop = rng.random() < 0.4
    cls = f"Cropping{r}D" if crop else f"ZeroPadding{r}D"
    forms: list[Any] = [rng.randint(0, 2), [rng.randint(0, 2)], rng.randint(-1, 0)]
    if r == 1:
        forms += [(rng.randint(0, 2), rng.randint(0, 2)), [1, -1]]
    else:
        forms += [tuple(rng.randint(0, 2) for _ in range(r)),
                  tuple((rng.randint(0, 2), rng.randint(0, 2)) for _ in range(r)),
                  ((1, 2), *([1] * (r - 1))),  # a pair and a size, mixed: Keras takes it
                  ((1, 2), *([(3, -1)] * (r - 1))),  # a negative entry: Keras refuses it
                  [1, 2, 3, 4]]
    if rng.random() < 0.15:
        return _call(cls, ()), None  # the defaults: 1 per side (Cropping2D: 0)
    return _call(cls, (rng.choice(forms),)), None


_KERAS_ACTS: list[tuple[str, tuple, dict]] = [
    ("ReLU", (6.0,), {}), ("ReLU", (), {"max_value": 6.0}), ("ReLU", (None, 0.1, 0.0), {}),
    ("ReLU", (), {"negative_slope": -0.1}), ("ReLU", (-1.0,), {}), ("LeakyReLU", (0.2,), {}),
    ("LeakyReLU", (), {"negative_slope": -0.1}), ("ELU", (0.5,), {}), ("Softmax", (-1,), {}),
    ("Dropout", (0.3,), {}), ("Dropout", (), {}), ("Dropout", (0.3, None, 1), {}),
    ("GaussianNoise", (0.1,), {}),
    ("GaussianDropout", (0.2,), {}), ("AlphaDropout", (0.1,), {}), ("Activation", ("relu",), {}),
    ("Activation", (), {}), ("Identity", (), {}), ("PReLU", (), {}),
]


def keras_activation(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    if rng.random() < 0.15:  # for inputs of one rank only (sometimes another)
        r = rng.choice([1, 2, 3, min(max(len(shape) - 1, 1), 3)])
        return _call(f"SpatialDropout{r}D", (0.2,)), shape
    if rng.random() < 0.1:
        axis: Any = rng.randint(-len(shape) - 2, len(shape) + 1)
        return _call("Softmax", (axis if rng.random() < 0.8 else [axis, -1],)), shape
    cls, args, kw = rng.choice(_KERAS_ACTS)
    return _call(cls, args, kw), shape


def keras_dense(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    out = rng.randint(1, 16)
    values = [out, rng.choice([None, "relu"]), rng.random() < 0.8]
    args, kw = _cut(rng, values, ["units", "activation", "use_bias"], 1)
    return _call("Dense", args, kw), (*shape[:-1], out)


def keras_rnn(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    kind = rng.choice(["SimpleRNN", "LSTM", "GRU"])
    units = rng.randint(1, 8)
    seq = rng.random() < 0.5
    kw: dict[str, Any] = {"return_sequences": seq}
    if rng.random() < 0.15:
        kw["return_state"] = True  # several outputs (the output, then the states): the chain ends here
    head = [units, "tanh"] + (["sigmoid"] if kind != "SimpleRNN" else [])
    args = tuple(head[: rng.randint(1, len(head))])
    if len(args) == len(head) and rng.random() < 0.4:
        args += (rng.random() < 0.8,)  # use_bias, next in Keras's order
    return _call(kind, args, kw), None if "return_state" in kw else ((shape[0], units) if seq else (units,))


def keras_norm(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    c, _ = split(fw, shape)
    cls = rng.choice(["BatchNormalization", "LayerNormalization", "GroupNormalization"])
    if cls == "GroupNormalization":
        g = rng.choice([d for d in range(1, c + 1) if c % d == 0] + [-1])
        return _call(cls, (g, -1)), shape
    args = (-1, 0.9) if cls == "BatchNormalization" else (-1,)
    return _call(cls, args[: rng.randint(0, len(args))]), shape


def keras_upsample(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    c, sp = split(fw, shape)
    r = len(sp)
    size: Any = rng.choice([2, 3, [2] * r, [2], None])
    if size is None:
        return _call(f"UpSampling{r}D", ()), join(fw, c, [2 * n for n in sp])
    return _call(f"UpSampling{r}D", (size,)), None


def keras_embedding(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    vocab, dim = rng.randint(5, 50), rng.randint(1, 8)
    return _call("Embedding", (vocab, dim)), (*shape, dim)


# ------------------------------------------------------------------ both: a 0-d (scalar) input


def scalar(rng: random.Random, fw: str, shape: Shape) -> tuple[LayerCfg, Est]:
    """Element-wise layers on a 0-d input (PyTorch accepts it); a few that need axes refuse it."""
    if fw == "keras":
        cls = rng.choice(["ReLU", "Softmax", "Dropout", "Activation", "LeakyReLU", "Dense"])
        args = {"Dropout": (0.5,), "Activation": ("tanh",), "Dense": (3,)}.get(cls, ())
        return _call(cls, args), None
    # (Not Dropout2d: it refuses a 0-d input when training only, and the harness runs in eval mode;
    # tests/test_pasted_calls.py checks it in training mode.)
    cls = rng.choice(["ReLU", "GELU", "Tanh", "Softmax", "Dropout", "Identity", "PReLU", "Softmax2d",
                      "LazyLinear", "Hardtanh"])
    args = {"Softmax": (0,), "Dropout": (0.5,), "LazyLinear": (3,)}.get(cls, ())
    return _call(cls, args), None


def _sequence(rng: random.Random, fw: str) -> Shape:
    return (rng.randint(1, 8), rng.randint(1, 10))


def _tokens(rng: random.Random, fw: str) -> Shape:
    return tuple(rng.randint(1, 10) for _ in range(rng.choice([1, 2])))


def _torch(name: str, make: Any, accepts: Any, *classes: str, **kw: Any) -> Gen:
    return Gen(name, ("pytorch",), {"pytorch": classes}, make, accepts, **kw)


def _keras(name: str, make: Any, accepts: Any, *classes: str, **kw: Any) -> Gen:
    return Gen(name, ("keras",), {"keras": classes}, make, accepts, **kw)


def _any(fw: str, s: Shape) -> bool:
    return len(s) >= 1


PASTED: tuple[Gen, ...] = (
    _torch("pasted_conv", torch_conv, spatial, "Conv2d", "LazyConv2d", "LazyConvTranspose2d"),
    _torch("pasted_pool", torch_pool, spatial, "MaxPool2d", "AvgPool1d", "AdaptiveAvgPool2d"),
    _torch("pasted_linear", torch_dense, _any, "Linear", "LazyLinear"),
    _torch("pasted_norm", torch_norm, spatial, "BatchNorm2d", "LazyBatchNorm2d", "LazyInstanceNorm2d"),
    _torch("pasted_activation", torch_activation, _any, "ReLU", "Softplus", "Threshold"),
    _torch("pasted_pad", torch_pad, lambda fw, s: len(s) >= 2, "ZeroPad2d", "ConstantPad2d",
           "ReflectionPad2d", "CircularPad3d"),
    _torch("pasted_upsample", torch_upsample, spatial, "Upsample", "UpsamplingNearest2d"),
    _torch("pasted_rnn", torch_rnn, lambda fw, s: len(s) == 2, "RNN", "LSTM", "GRU", first=_sequence),
    _torch("pasted_misc", torch_misc, lambda fw, s: len(s) >= 1, "Flatten", "PixelShuffle"),
    _torch("pasted_embedding", torch_embedding, lambda fw, s: False, "Embedding", first=_tokens,
           int_input=True),
    _keras("pasted_conv", keras_conv, spatial, "Conv2D"),
    _keras("pasted_pool", keras_pool, spatial, "MaxPooling2D", "AveragePooling2D"),
    _keras("pasted_padding", keras_padding, spatial, "ZeroPadding2D", "Cropping1D"),
    _keras("pasted_activation", keras_activation, _any, "ReLU", "GaussianNoise", "SpatialDropout2D"),
    _keras("pasted_dense", keras_dense, _any, "Dense"),
    _keras("pasted_rnn", keras_rnn, lambda fw, s: len(s) == 2, "LSTM", "SimpleRNN", first=_sequence),
    _keras("pasted_norm", keras_norm, spatial, "BatchNormalization", "GroupNormalization"),
    _keras("pasted_upsample", keras_upsample, spatial, "UpSampling2D"),
    _keras("pasted_embedding", keras_embedding, lambda fw, s: False, "Embedding", first=_tokens,
           int_input=True),
    Gen("pasted_scalar", BOTH, {}, scalar, lambda fw, s: False, first=lambda rng, fw: ()),
)

