"""Ultralytics's modules (``ultralytics/nn/modules``) written once as convcalc blocks.

Each block is the module's ``__init__``/``forward`` as convcalc layers, with Ultralytics's
child names (``cv1``, ``m.0``, ``cv2.0.2``) so the rows read like its ``model.named_modules()``.
Modules whose forward concatenates a number of tensors that depends on an argument (C2f's
``torch.cat(y)`` over its ``n`` bottlenecks, SPPF's poolings, a head's levels) are made by a
function per count (``C2f_2``: C2f with two bottlenecks), since a ``from:`` list has a fixed
length; the rest are fixed text (:data:`FIXED`).  ``ACT`` stands for the activation of the
file (``activation:``; SiLU, Ultralytics's ``Conv.default_act``, when none is given).
"""

from __future__ import annotations

from typing import Any

import yaml

FIXED = """
Conv:          # Conv2d (no bias), BatchNorm2d, the activation; padding: autopad(k, p, d)
  args: {c2: null, k: 1, s: 1, p: -1, g: 1, d: 1, act: true}
  layers:
    - conv2d: {name: conv, out: $c2, kernel: $k, stride: $s, groups: $g, dilation: $d, bias: false,
               padding: "($d * ($k - 1) + 1) // 2 if $p < 0 else $p"}
    - batchnorm2d: {name: bn}
    - ACT: {name: act, if: $act}
Bottleneck:    # cv1 (c_ = int(c2·e) channels), cv2, and x + ... when shortcut and c1 == c2
  args: {c2: null, c_: null, shortcut: 1, g: 1, k1: 3, k2: 3}
  layers:
    - Conv: {name: cv1, c2: $c_, k: $k1}
    - Conv: {name: cv2, c2: $c2, k: $k2, g: $g}
    - add: {name: add, from: [-1, in], if: "$shortcut == 1 and size(in, 0) == $c2"}
Bottlenecks:   # nn.Sequential of n Bottlenecks
  args: {c2: null, c_: null, n: 1, shortcut: 1, g: 1, k1: 3, k2: 3}
  layers:
    - repeat: {times: $n, layers: [{Bottleneck: {c2: $c2, c_: $c_, shortcut: $shortcut, g: $g, k1: $k1,
                                                 k2: $k2}}]}
C3:            # cv3(cat(m(cv1(x)), cv2(x))) with c_ = int(c2·e), the bottlenecks with k = (1, 3), e = 1
  args: {c2: null, c_: null, n: 1, shortcut: 1, g: 1}
  layers:
    - Conv: {name: cv1, c2: $c_}
    - Bottlenecks: {name: m, c2: $c_, c_: $c_, n: $n, shortcut: $shortcut, g: $g, k1: 1, k2: 3}
    - Conv: {name: cv2, from: in, c2: $c_}
    - concat: {name: cat, from: [m, cv2]}
    - Conv: {name: cv3, c2: $c2}
C3k:           # C3 (e = 0.5) whose bottlenecks are k × k (C3k2's inner block at scales m, l, x)
  args: {c2: null, n: 1, shortcut: 1, g: 1, k: 3}
  layers:
    - Conv: {name: cv1, c2: $c2 // 2}
    - Bottlenecks: {name: m, c2: $c2 // 2, c_: $c2 // 2, n: $n, shortcut: $shortcut, g: $g, k1: $k, k2: $k}
    - Conv: {name: cv2, from: in, c2: $c2 // 2}
    - concat: {name: cat, from: [m, cv2]}
    - Conv: {name: cv3, c2: $c2}
C2:            # cv1 cut in halves a, b (c = int(c2·e) each); cv2(cat(m(a), b))
  args: {c2: null, c: null, n: 1, shortcut: 1, g: 1}
  layers:
    - Conv: {name: cv1, c2: 2 * $c}
    - chunk: {name: y, chunks: 2}
    - Bottlenecks: {name: m, from: y.0, c2: $c, c_: $c, n: $n, shortcut: $shortcut, g: $g}
    - concat: {name: cat, from: [m, y.1]}
    - Conv: {name: cv2, c2: $c2}
Attention:     # qkv as one 1×1 Conv, heads of key_dim = int(head_dim·attn_ratio); pe: a depthwise 3×3 on v
  args: {dim: null, num_heads: 8, key_dim: null}
  layers:
    - Conv: {name: qkv, act: false, c2: $dim + 2 * $num_heads * $key_dim}
    - reshape: {name: view, shape: [$num_heads, 2 * $key_dim + $dim // $num_heads,
                                    "size(in, 1) * size(in, 2)"]}
    - split: {name: qkv_split, axis: 2, sizes: [$key_dim, $key_dim, $dim // $num_heads]}
    - transpose: {name: q_t, from: qkv_split.0, dims: [2, 3]}
    - matmul: {name: qk, from: [q_t, qkv_split.1]}
    - softmax: {name: attn, dim: -1}
    - transpose: {name: attn_t, dims: [2, 3]}
    - matmul: {name: av, from: [qkv_split.2, attn_t]}
    - reshape: {name: x, shape: [$dim, "size(in, 1)", "size(in, 2)"]}
    - reshape: {name: v, from: qkv_split.2, shape: [$dim, "size(in, 1)", "size(in, 2)"]}
    - Conv: {name: pe, c2: $dim, k: 3, g: $dim, act: false}
    - add: {name: x_pe, from: [x, pe]}
    - Conv: {name: proj, c2: $dim, act: false}
PSABlock:      # x + attn(x) (attn_ratio 0.5: key_dim = head_dim // 2), then x + ffn(x)
  args: {c: null, num_heads: 4, shortcut: 1}
  layers:
    - Attention: {name: attn, dim: $c, num_heads: $num_heads, key_dim: $c // $num_heads // 2}
    - add: {name: add1, from: [-1, in], if: $shortcut == 1}
    - Conv: {name: ffn.0, c2: "2 * $c"}
    - Conv: {name: ffn.1, c2: $c, act: false}
    - add: {name: add2, from: [-1, add1], if: $shortcut == 1}
BottleneckPSA:  # nn.Sequential(Bottleneck, PSABlock): C3k2's inner block with attn
  args: {c: null, shortcut: 1, g: 1}
  layers:
    - Bottleneck: {name: "0", c2: $c, c_: $c // 2, shortcut: $shortcut, g: $g}
    - PSABlock: {name: "1", c: $c, num_heads: "max($c // 64, 1)"}
PSABlocks:     # nn.Sequential of n PSABlocks
  args: {c: null, n: 1}
  layers:
    - repeat: {times: $n, layers: [{PSABlock: {c: $c, num_heads: "max($c // 64, 1)"}}]}
C2PSA:         # cv1 split in a, b (c = int(c1·e) each); cv2(cat(a, m(b))) with n PSABlocks on b
  args: {c2: null, c: null, n: 1}
  layers:
    - Conv: {name: cv1, c2: 2 * $c}
    - split: {name: y, sizes: [$c, $c]}
    - PSABlocks: {name: m, from: y.1, c: $c, n: $n}
    - concat: {name: cat, from: [y.0, m]}
    - Conv: {name: cv2, c2: $c2}
GhostConv:     # cv1 to c2 // 2, cv2 a depthwise 5×5 of it, both concatenated
  args: {c2: null, k: 1, s: 1, g: 1, act: true}
  layers:
    - Conv: {name: cv1, c2: $c2 // 2, k: $k, s: $s, g: $g, act: $act}
    - Conv: {name: cv2, c2: $c2 // 2, k: 5, g: $c2 // 2, act: $act}
    - concat: {name: cat, from: [cv1, cv2]}
GhostBottleneck:  # stride 1 (as C3Ghost builds it): GhostConv to c2 // 2, GhostConv to c2 (linear), + x
  args: {c2: null}
  layers:
    - GhostConv: {name: conv.0, c2: $c2 // 2}
    - GhostConv: {name: conv.2, c2: $c2, act: false}
    - add: {name: add, from: [-1, in]}
GhostBottlenecks:  # nn.Sequential of n GhostBottlenecks
  args: {c2: null, n: 1}
  layers:
    - repeat: {times: $n, layers: [{GhostBottleneck: {c2: $c2}}]}
C3Ghost:       # C3 whose bottlenecks are GhostBottlenecks
  args: {c2: null, c_: null, n: 1}
  layers:
    - Conv: {name: cv1, c2: $c_}
    - GhostBottlenecks: {name: m, c2: $c_, n: $n}
    - Conv: {name: cv2, from: in, c2: $c_}
    - concat: {name: cat, from: [m, cv2]}
    - Conv: {name: cv3, c2: $c2}
SCDown:        # pointwise Conv to c2, then a depthwise k×k with stride s (no activation)
  args: {c2: null, k: 3, s: 2}
  layers:
    - Conv: {name: cv1, c2: $c2}
    - Conv: {name: cv2, c2: $c2, k: $k, s: $s, g: $c2, act: false}
RepVGGDW:      # act(depthwise 7×7 + depthwise 3×3), both without activation
  args: {ed: null}
  layers:
    - Conv: {name: conv, c2: $ed, k: 7, s: 1, p: 3, g: $ed, act: false}
    - Conv: {name: conv1, from: in, c2: $ed, k: 3, s: 1, p: 1, g: $ed, act: false}
    - add: {name: add, from: [conv, conv1]}
    - silu: {name: act}
PSA:           # cv1 split in a, b (c = int(c1·e) each); b + attn(b), + ffn; cv2(cat(a, b))
  args: {c2: null, c: null}
  layers:
    - Conv: {name: cv1, c2: 2 * $c}
    - split: {name: y, sizes: [$c, $c]}
    - Attention: {name: attn, from: y.1, dim: $c, num_heads: "max($c // 64, 1)",
                  key_dim: "$c // max($c // 64, 1) // 2"}
    - add: {name: add1, from: [y.1, attn]}
    - Conv: {name: ffn.0, c2: 2 * $c}
    - Conv: {name: ffn.1, c2: $c, act: false}
    - add: {name: add2, from: [add1, -1]}
    - concat: {name: cat, from: [y.0, add2]}
    - Conv: {name: cv2, c2: $c2}
RepConv:       # act(conv1 k×k + conv2 1×1), both without activation (YOLOv9; its identity BN off)
  args: {c2: null, k: 3, s: 1, p: 1, g: 1}
  layers:
    - Conv: {name: conv1, c2: $c2, k: $k, s: $s, p: $p, g: $g, act: false}
    - Conv: {name: conv2, from: in, c2: $c2, k: 1, s: $s, p: $p - $k // 2, g: $g, act: false}
    - add: {name: add, from: [conv1, conv2]}
    - silu: {name: act}
RepBottleneck:  # a Bottleneck whose cv1 is a RepConv
  args: {c2: null, c_: null, shortcut: 1, g: 1}
  layers:
    - RepConv: {name: cv1, c2: $c_, k: 3}
    - Conv: {name: cv2, c2: $c2, k: 3, g: $g}
    - add: {name: add, from: [-1, in], if: "$shortcut == 1 and size(in, 0) == $c2"}
RepBottlenecks:  # nn.Sequential of n RepBottlenecks
  args: {c2: null, n: 1, shortcut: 1, g: 1}
  layers:
    - repeat: {times: $n, layers: [{RepBottleneck: {c2: $c2, c_: $c2, shortcut: $shortcut, g: $g}}]}
RepCSP:        # C3 (e = 0.5) whose bottlenecks are RepBottlenecks
  args: {c2: null, n: 1, shortcut: 1, g: 1}
  layers:
    - Conv: {name: cv1, c2: $c2 // 2}
    - RepBottlenecks: {name: m, c2: $c2 // 2, n: $n, shortcut: $shortcut, g: $g}
    - Conv: {name: cv2, from: in, c2: $c2 // 2}
    - concat: {name: cat, from: [m, cv2]}
    - Conv: {name: cv3, c2: $c2}
RepNCSPELAN4:  # cv1 to c3 in halves; cv2 = (RepCSP, Conv 3×3) on the second, cv3 the same on it; cat
  args: {c2: null, c3: null, c4: null, n: 1}
  layers:
    - Conv: {name: cv1, c2: $c3}
    - chunk: {name: y, chunks: 2}
    - RepCSP: {name: cv2.0, from: y.1, c2: $c4, n: $n}
    - Conv: {name: cv2.1, c2: $c4, k: 3}
    - RepCSP: {name: cv3.0, c2: $c4, n: $n}
    - Conv: {name: cv3.1, c2: $c4, k: 3}
    - concat: {name: cat, from: [y.0, y.1, cv2.1, cv3.1]}
    - Conv: {name: cv4, c2: $c2}
ELAN1:         # RepNCSPELAN4 with a single Conv 3×3 as cv2 and as cv3
  args: {c2: null, c3: null, c4: null}
  layers:
    - Conv: {name: cv1, c2: $c3}
    - chunk: {name: y, chunks: 2}
    - Conv: {name: cv2, from: y.1, c2: $c4, k: 3}
    - Conv: {name: cv3, c2: $c4, k: 3}
    - concat: {name: cat, from: [y.0, y.1, cv2, cv3]}
    - Conv: {name: cv4, c2: $c2}
AConv:         # avg_pool2d(x, 2, 1, 0), then Conv 3×3 stride 2
  args: {c2: null}
  layers:
    - avgpool2d: {name: avg_pool, kernel: 2, stride: 1, padding: 0}
    - Conv: {name: cv1, c2: $c2, k: 3, s: 2, p: 1}
ADown:         # avg_pool2d(x, 2, 1, 0) in halves: Conv 3×3 s 2; max_pool2d(3, 2, 1) and Conv 1×1
  args: {c2: null}
  layers:
    - avgpool2d: {name: avg_pool, kernel: 2, stride: 1, padding: 0}
    - chunk: {name: x, chunks: 2}
    - Conv: {name: cv1, from: x.0, c2: $c2 // 2, k: 3, s: 2, p: 1}
    - maxpool2d: {name: max_pool, from: x.1, kernel: 3, stride: 2, padding: 1}
    - Conv: {name: cv2, c2: $c2 // 2, k: 1, s: 1, p: 0}
    - concat: {name: cat, from: [cv1, cv2]}
SPPELAN:       # cv1 to c3, three k×k max-pools one after another, all four cat, cv5
  args: {c2: null, c3: null, k: 5}
  layers:
    - Conv: {name: cv1, c2: $c3}
    - maxpool2d: {name: cv2, kernel: $k, stride: 1, padding: $k // 2}
    - maxpool2d: {name: cv3, kernel: $k, stride: 1, padding: $k // 2}
    - maxpool2d: {name: cv4, kernel: $k, stride: 1, padding: $k // 2}
    - concat: {name: cat, from: [cv1, cv2, cv3, cv4]}
    - Conv: {name: cv5, c2: $c2}
AAttn:         # area attention (YOLO12): the N = H·W positions cut into `area` groups attended separately
  args: {dim: null, heads: null, area: 1}
  layers:
    - Conv: {name: qkv, c2: "3 * ($dim // $heads * $heads)", act: false}
    - reshape: {name: view, shape: [$area, "size(in, 1) * size(in, 2) // $area", $heads,
                                    "3 * ($dim // $heads)"]}
    - transpose: {name: permute1, dims: [2, 3]}
    - transpose: {name: permute2, dims: [3, 4]}
    - split: {name: qkv_split, axis: 3, sizes: [$dim // $heads, $dim // $heads, $dim // $heads]}
    - transpose: {name: q_t, from: qkv_split.0, dims: [3, 4]}
    - matmul: {name: qk, from: [q_t, qkv_split.1]}
    - softmax: {name: attn, dim: -1}
    - transpose: {name: attn_t, dims: [3, 4]}
    - matmul: {name: av, from: [qkv_split.2, attn_t]}
    - reshape: {name: x, shape: ["$dim // $heads * $heads", "size(in, 1)", "size(in, 2)"]}
    - reshape: {name: v, from: qkv_split.2, shape: ["$dim // $heads * $heads", "size(in, 1)", "size(in, 2)"]}
    - Conv: {name: pe, c2: "$dim // $heads * $heads", k: 7, s: 1, p: 3, g: "$dim // $heads * $heads",
             act: false}
    - add: {name: x_pe, from: [x, pe]}
    - Conv: {name: proj, c2: $dim, act: false}
ABlock:        # x + attn(x), then x + mlp(x) (hidden = int(dim · mlp_ratio))
  args: {dim: null, heads: null, hidden: null, area: 1}
  layers:
    - AAttn: {name: attn, dim: $dim, heads: $heads, area: $area}
    - add: {name: add1, from: [-1, in]}
    - Conv: {name: mlp.0, c2: $hidden}
    - Conv: {name: mlp.1, c2: $dim, act: false}
    - add: {name: add2, from: [-1, add1]}
ABlock2:       # nn.Sequential of two ABlocks (A2C2f's inner block)
  args: {dim: null, hidden: null, area: 1}
  layers:
    - ABlock: {name: "0", dim: $dim, heads: $dim // 32, hidden: $hidden, area: $area}
    - ABlock: {name: "1", dim: $dim, heads: $dim // 32, hidden: $hidden, area: $area}
DFL:           # the distribution of each box side over c1 bins -> its expectation (a frozen 1×1 conv)
  args: {c1: 16}
  layers:
    - reshape: {name: view, shape: [4, $c1, "size(in, 1)"]}
    - transpose: {name: transpose, dims: [1, 2]}
    - softmax: {name: softmax, dim: 1}
    - conv2d: {name: conv, out: 1, kernel: 1, bias: false, trainable: false}
    - reshape: {name: out, shape: [4, "size(in, 1)"]}
Proto:         # the mask prototypes: Conv 3×3, ConvTranspose2d ×2, Conv 3×3, Conv 1×1
  args: {c_: 256, c2: 32}
  layers:
    - Conv: {name: cv1, c2: $c_, k: 3}
    - conv_transpose2d: {name: upsample, out: $c_, kernel: 2, stride: 2, padding: 0}
    - Conv: {name: cv2, c2: $c_, k: 3}
    - Conv: {name: cv3, c2: $c2}
Classify:      # Conv to 1280, global average pool, flatten, dropout, Linear; eval: softmax
  args: {c2: null, k: 1, s: 1, p: -1, g: 1}
  layers:
    - Conv: {name: conv, c2: 1280, k: $k, s: $s, p: $p, g: $g}
    - adaptive_avgpool2d: {name: pool, size: 1}
    - flatten: {name: flatten}
    - dropout: {name: drop, p: 0.0}
    - linear: {name: linear, out: $c2}
    - softmax: {name: softmax, dim: 1}
"""


def fixed(act: str) -> dict[str, Any]:
    """The fixed blocks, with the file's activation in Conv."""
    return yaml.safe_load(FIXED.replace("ACT", act))


def c2f(n: int) -> dict[str, Any]:
    """C2f with n bottlenecks (c = int(c2·e) channels each): cv1 to 2c, both halves and every
    bottleneck's output concatenated."""
    args = {"c2": None, "c": None, "shortcut": 0, "g": 1}
    return _c2f_like(n, args, {"Bottleneck": {"c2": "$c", "c_": "$c", "shortcut": "$shortcut", "g": "$g"}})


def c3k2(n: int, c3k: bool, attn: bool = False) -> dict[str, Any]:
    """C3k2 (a C2f): its n inner blocks a Bottleneck (e = 0.5) and a PSABlock when attn (YOLO26),
    else C3k (n = 2) when c3k, else Bottlenecks with e = 0.5."""
    args = {"c2": None, "c": None, "g": 1, "shortcut": 1}
    inner = ({"BottleneckPSA": {"c": "$c", "shortcut": "$shortcut", "g": "$g"}} if attn else
             {"C3k": {"c2": "$c", "n": 2, "shortcut": "$shortcut", "g": "$g"}} if c3k else
             {"Bottleneck": {"c2": "$c", "c_": "$c // 2", "shortcut": "$shortcut", "g": "$g"}})
    return _c2f_like(n, args, inner)


def _c2f_like(n: int, args: dict[str, Any], inner: dict[str, Any]) -> dict[str, Any]:
    (kind, kwargs), = inner.items()
    layers: list[Any] = [{"Conv": {"name": "cv1", "c2": "2 * $c"}},
                         {"chunk": {"name": "y", "chunks": 2}}]
    for j in range(n):
        layers.append({kind: {"name": f"m.{j}", **({"from": "y.1"} if j == 0 else {}), **kwargs}})
    layers.append({"concat": {"name": "cat", "from": ["y.0", "y.1", *(f"m.{j}" for j in range(n))]}})
    layers.append({"Conv": {"name": "cv2", "c2": "$c2"}})
    return {"args": args, "layers": layers}


def c2fcib(n: int, lk: bool) -> dict[str, Any]:
    """C2fCIB (a C2f, YOLOv10): its n inner blocks CIB (e = 1), with RepVGGDW when lk."""
    args = {"c2": None, "c": None, "g": 1, "shortcut": 0}
    return _c2f_like(n, args, {"CIB_lk" if lk else "CIB": {"c2": "$c", "shortcut": "$shortcut"}})


def cib(lk: bool) -> dict[str, Any]:
    """CIB: depthwise 3×3, pointwise to 2c2, depthwise 3×3 (RepVGGDW when lk), pointwise to c2,
    depthwise 3×3, and x + ... when shortcut and c1 == c2."""
    middle = ({"RepVGGDW": {"name": "cv1.2", "ed": "2 * $c2"}} if lk else
              {"Conv": {"name": "cv1.2", "c2": "2 * $c2", "k": 3, "g": "2 * $c2"}})
    return {"args": {"c2": None, "shortcut": 1}, "layers": [
        {"Conv": {"name": "cv1.0", "c2": "size(in, 0)", "k": 3, "g": "size(in, 0)"}},
        {"Conv": {"name": "cv1.1", "c2": "2 * $c2"}}, middle,
        {"Conv": {"name": "cv1.3", "c2": "$c2"}},
        {"Conv": {"name": "cv1.4", "c2": "$c2", "k": 3, "g": "$c2"}},
        {"add": {"name": "add", "from": [-1, "in"], "if": "$shortcut == 1 and size(in, 0) == $c2"}}]}


def a2c2f(n: int, a2: bool, residual: bool) -> dict[str, Any]:
    """A2C2f (YOLO12): cv1 to c_, n inner blocks one after another (two ABlocks when a2, else C3k),
    cv1's output and each block's concatenated, cv2; with a2 and residual, x + gamma · y."""
    inner = ({"ABlock2": {"dim": "$c_", "hidden": "$hidden", "area": "$area"}} if a2 else
             {"C3k": {"c2": "$c_", "n": 2, "shortcut": "$shortcut", "g": "$g"}})
    (kind, kwargs), = inner.items()
    layers: list[Any] = [{"Conv": {"name": "cv1", "c2": "$c_"}}]
    layers += [{kind: {"name": f"m.{j}", **kwargs}} for j in range(n)]
    layers.append({"concat": {"name": "cat", "from": ["cv1", *(f"m.{j}" for j in range(n))]}})
    layers.append({"Conv": {"name": "cv2", "c2": "$c2"}})
    if a2 and residual:
        layers += [{"parameter": {"name": "gamma", "shape": ["$c2", 1, 1]}},
                   {"multiply": {"name": "scaled", "from": ["cv2", "gamma"]}},
                   {"add": {"name": "add", "from": ["in", "scaled"]}}]
    args = {"c2": None, "c_": None, "hidden": None, "area": 1, "shortcut": 1, "g": 1}
    return {"args": args, "layers": layers}


def sppf(n: int) -> dict[str, Any]:
    """SPPF: cv1 to c1 // 2 (activated in the rows written before YOLO26), the one max-pool applied n
    times in a row, all concatenated, cv2, and x + ... with shortcut."""
    layers: list[Any] = [{"Conv": {"name": "cv1", "c2": "size(in, 0) // 2", "act": "$act1"}}]
    for j in range(n):
        layers.append({"maxpool2d": {"name": f"m.{j}", "kernel": "$k", "stride": 1, "padding": "$k // 2"}})
    layers.append({"concat": {"name": "cat", "from": ["cv1", *(f"m.{j}" for j in range(n))]}})
    layers.append({"Conv": {"name": "cv2", "c2": "$c2"}})
    layers.append({"add": {"name": "add", "from": [-1, "in"], "if": "$shortcut == 1 and size(in, 0) == $c2"}})
    return {"args": {"c2": None, "k": 5, "act1": True, "shortcut": 0}, "layers": layers}


def spp(ks: tuple[int, ...]) -> dict[str, Any]:
    """SPP: cv1 to c1 // 2, one max-pool per kernel size side by side, concatenated, cv2."""
    layers: list[Any] = [{"Conv": {"name": "cv1", "c2": "size(in, 0) // 2"}}]
    for j, k in enumerate(ks):
        layers.append({"maxpool2d": {"name": f"m.{j}", "from": "cv1", "kernel": k, "stride": 1,
                                     "padding": k // 2}})
    layers.append({"concat": {"name": "cat", "from": ["cv1", *(f"m.{j}" for j in range(len(ks)))]}})
    layers.append({"Conv": {"name": "cv2", "c2": "$c2"}})
    return {"args": {"c2": None}, "layers": layers}


def head(kind: str, nl: int, legacy: bool, end2end: bool = False, dfl: bool = True) -> dict[str, Any]:
    """Detect (and Segment, Pose, OBB) over nl levels, in eval mode: per level the box branch cv2.i
    (4·reg_max) and the class branch cv3.i (nc; legacy v3/v5/v8/v9 heads: two 3×3 Conv, later
    ones two depthwise-separable pairs), flattened and concatenated over the levels; DFL decodes the
    boxes; the output is cat(boxes, sigmoid(scores), the task's extra rows) of 4 + nc + extra
    channels for every anchor.  Segment adds the prototypes (a second output), Pose the
    keypoints, OBB the angle.  An end2end head (YOLOv10) also runs its one-to-one copies
    (``one2one_cv2.i``...); its eval output is still the one-to-many decode, as Ultralytics's
    ``Detect.end2end`` is off until a predictor or exporter switches it on."""
    extra = {"Segment": "$nm", "Pose": "$nk", "OBB": "$ne"}.get(kind)
    layers: list[Any] = []
    for prefix in ("", "one2one_") if end2end else ("",):
        o = "o2o_" if prefix else ""
        for i in range(nl):
            layers += _branch(f"{prefix}cv2.{i}", f"in.{i}", "$c2", "4 * $reg_max", legacy=True)
            layers.append({"reshape": {"name": f"{o}box.{i}", "shape": ["4 * $reg_max", -1]}})
            layers += _branch(f"{prefix}cv3.{i}", f"in.{i}", "$c3", "$nc", legacy)
            layers.append({"reshape": {"name": f"{o}cls.{i}", "shape": ["$nc", -1]}})
            if extra:
                layers += _branch(f"{prefix}cv4.{i}", f"in.{i}", "$c4", extra, legacy=True)
                layers.append({"reshape": {"name": f"{o}ext.{i}", "shape": [extra, -1]}})
        for part, level in (("boxes", "box"), ("scores", "cls")):
            layers.append({"concat": {"name": f"{o}{part}", "from": [f"{o}{level}.{i}" for i in range(nl)],
                                      "axis": 2}})
        if extra:
            layers.append({"concat": {"name": f"{o}extra", "from": [f"{o}ext.{i}" for i in range(nl)],
                                      "axis": 2}})
    o = ""
    layers.append({"DFL": {"name": "dfl", "from": f"{o}boxes", "c1": "$reg_max"}} if dfl else
                  {"identity": {"name": "dfl", "from": f"{o}boxes"}})
    layers.append({"sigmoid": {"name": "sigmoid", "from": f"{o}scores"}})
    parts = ["dfl", "sigmoid"]
    if kind == "OBB":
        layers.append({"sigmoid": {"name": "angle", "from": f"{o}extra"}})  # (angle.sigmoid() - 0.25) * pi
    if extra:
        parts.append("angle" if kind == "OBB" else f"{o}extra")
    layers.append({"concat": {"name": "out", "from": parts, "axis": 1}})
    args: dict[str, Any] = {"nc": 80, "reg_max": 16, "c2": None, "c3": None}
    if extra:
        args.update({"c4": None, extra[1:]: None})
    if kind == "Segment":
        args["npr"] = 256
        layers.append({"Proto": {"name": "proto", "from": "in.0", "c_": "$npr", "c2": "$nm"}})
    return {"args": args, "layers": layers}


def _branch(name: str, source: str, c: str, out: str, legacy: bool) -> list[Any]:
    """One level's Sequential: Conv 3×3, Conv 3×3, Conv2d 1×1 (legacy); or (DWConv 3×3, Conv 1×1)
    twice, then the Conv2d (the class branch of heads after YOLOv8)."""
    last = {"conv2d": {"name": f"{name}.2", "out": out, "kernel": 1}}
    if legacy:
        return [{"Conv": {"name": f"{name}.0", "from": source, "c2": c, "k": 3}},
                {"Conv": {"name": f"{name}.1", "c2": c, "k": 3}}, last]
    return [{"Conv": {"name": f"{name}.0.0", "from": source, "c2": f"size({source}, 0)", "k": 3,
                      "g": f"size({source}, 0)"}},
            {"Conv": {"name": f"{name}.0.1", "c2": c}},
            {"Conv": {"name": f"{name}.1.0", "c2": c, "k": 3, "g": c}},
            {"Conv": {"name": f"{name}.1.1", "c2": c}}, last]
