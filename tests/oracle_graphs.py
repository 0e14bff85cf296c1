"""The differential oracle for operations with several inputs or outputs: split, chunk, tensor_split,
unbind, matmul, parameters broadcast in merges and concatenated (a class token).

A :class:`GraphCase` is a small convcalc spec and the torch code a user would write for it, on a batch
of zeros: ``torch.split``/``chunk``/``tensor_split``/``unbind`` (every output compared), ``torch.matmul``
(its MACs against ``torch.utils.flop_counter.FlopCounterMode``: FLOPs = 2·MACs), an ``nn.Parameter``
added, multiplied or concatenated.  Both sides refusing is an agreement, as in tests/oracle.py; cases
come from a fixed seed and include invalid ones on purpose (sizes not adding up, inner sizes that
differ, shapes that do not broadcast, out-of-range outputs read).
"""

from __future__ import annotations

import random
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import convcalc
from convcalc import SpecError

Shape = tuple[int, ...]
BATCH = 2


@dataclass(frozen=True)
class GraphCase:
    tag: str
    inputs: Mapping[str, Shape]  # one sample's shapes
    layers: tuple[Any, ...]  # the convcalc spec's layers
    torch_fn: Callable[[Mapping[str, Any]], Sequence[Any]]  # batched inputs and parameters -> outputs
    params: Mapping[str, Shape] = field(default_factory=dict)  # nn.Parameter shapes, as torch holds them
    count_macs: bool = False  # compare MACs with the flop counter (torch.matmul called directly)

    def text(self) -> str:
        return (f"[{self.tag}] inputs {dict(self.inputs)} params {dict(self.params)} "
                f"layers {list(self.layers)}")


class GraphObs(NamedTuple):
    outputs: tuple[Shape, ...]
    params: int = 0
    macs: int | None = None
    refused: str | None = None


class GraphVerdict(NamedTuple):
    agree: bool
    refused: bool
    detail: str = ""


def run_torch(case: GraphCase) -> GraphObs:
    """The case on batches of 2 and of 3: an output whose first axis is not the batch (torch put another
    axis before it, or multiplied over it) is a result convcalc cannot describe per sample, so a refusal."""
    first = _run_torch(case, BATCH)
    if first.refused:
        return first
    second = _run_torch(case, BATCH + 1)
    if second.refused or second.outputs != first.outputs:
        return GraphObs((), refused=f"the batch axis does not stay first: {second.refused or second.outputs}")
    return first


def _run_torch(case: GraphCase, batch: int) -> GraphObs:
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    tensors: dict[str, Any] = {k: torch.zeros((batch, *s)) for k, s in case.inputs.items()}
    params = {k: torch.nn.Parameter(torch.zeros(s)) for k, s in case.params.items()}
    tensors.update(params)
    try:
        with torch.no_grad(), warnings.catch_warnings(), FlopCounterMode(display=False) as counter:
            warnings.simplefilter("ignore")
            ys = tuple(case.torch_fn(tensors))
    except Exception as e:  # the framework's refusal, whatever its type
        return GraphObs((), refused=f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"[:200])
    if any(y.numel() == 0 for y in ys):
        return GraphObs((), refused=f"empty output {[tuple(y.shape) for y in ys]}")
    if any(y.dim() == 0 or y.shape[0] != batch for y in ys):
        return GraphObs((), refused=f"the batch axis is not first: {[tuple(y.shape) for y in ys]}")
    count = sum(p.numel() for p in params.values())
    macs = counter.get_total_flops() // 2 // batch if case.count_macs else None
    return GraphObs(tuple(tuple(y.shape[1:]) for y in ys), count, macs)


def run_convcalc(case: GraphCase) -> GraphObs:
    inputs = dict(case.inputs)
    spec: dict[str, Any] = {"layers": list(case.layers)}
    if list(inputs) == ["input"]:
        spec["input"] = list(inputs["input"])
    else:
        spec["inputs"] = {k: list(v) for k, v in inputs.items()}
    try:
        r = convcalc.analyze(spec)
    except SpecError as e:
        return GraphObs((), refused=str(e))
    return GraphObs(tuple(tuple(s) for s in r.outputs.values()), r.total_params, r.total_macs)


def compare(fw: GraphObs, cc: GraphObs) -> GraphVerdict:
    if fw.refused or cc.refused:
        if fw.refused and cc.refused:
            return GraphVerdict(True, True, f"both refused: {fw.refused} / {cc.refused}")
        who, why = ("torch", fw.refused) if fw.refused else ("convcalc", cc.refused)
        return GraphVerdict(False, False, f"only {who} refused: {why}")
    problems = []
    if fw.outputs != cc.outputs:
        problems.append(f"outputs: torch {fw.outputs}, convcalc {cc.outputs}")
    if fw.params != cc.params:
        problems.append(f"params: torch {fw.params}, convcalc {cc.params}")
    if fw.macs is not None and fw.macs != cc.macs:
        problems.append(f"MACs: torch {fw.macs} (flop counter / 2), convcalc {cc.macs}")
    return GraphVerdict(not problems, False, "; ".join(problems))


# ---------------------------------------------------------------- cases


def chunk_case(n: int, chunks: int, axis: int, shape: Shape) -> GraphCase:
    """``torch.chunk(x, chunks, axis)``; ``shape`` holds n at ``axis`` (batch = 0, as torch counts)."""
    return GraphCase("chunk", {"input": shape}, ({"chunk": {"chunks": chunks, "axis": axis}},),
                     lambda t: torch_mod().chunk(t["input"], chunks, dim=axis))


def matmul_case(a: Shape, b: Shape) -> GraphCase:
    """``torch.matmul(a, b)`` on two batched inputs, MACs counted."""
    return GraphCase("matmul", {"a": a, "b": b}, ({"matmul": {"from": ["a", "b"]}},),
                     lambda t: (torch_mod().matmul(t["a"], t["b"]),), count_macs=True)


def torch_mod() -> Any:
    import torch

    return torch


def _shape(rng: random.Random, rank: int) -> Shape:
    return tuple(rng.randint(1, 7) for _ in range(rank))


def _axis(rng: random.Random, rank: int) -> int:
    i = rng.randint(1, rank)
    return i if rng.random() < 0.6 else i - rank - 1


def gen_chunk(rng: random.Random) -> GraphCase:
    shape = _shape(rng, rng.randint(1, 3))
    axis = _axis(rng, len(shape))
    case = chunk_case(shape[axis - 1 if axis > 0 else axis], rng.randint(1, 8), axis, shape)
    if rng.random() < 0.3:  # read one output by index, sometimes past the real count
        k = rng.randint(0, 4)
        layers = ({"chunk": {"name": "c", **case.layers[0]["chunk"]}}, {"relu": {"from": f"c.{k}"}})
        fn = case.torch_fn
        return GraphCase("chunk.k", case.inputs, layers, lambda t: (fn(t)[k],))
    return case


def gen_split(rng: random.Random) -> GraphCase:
    shape = _shape(rng, rng.randint(1, 3))
    axis = _axis(rng, len(shape))
    n = shape[axis - 1 if axis > 0 else axis]
    if rng.random() < 0.5:
        size: int | list[int] = rng.randint(1, n + 2)
    else:
        cuts = sorted(rng.sample(range(1, n), k=min(n - 1, rng.randint(0, 3)))) if n > 1 else []
        size = [b - a for a, b in zip([0, *cuts], [*cuts, n], strict=True)]
        if rng.random() < 0.15:
            size[-1] += rng.choice([-1, 1]) if size[-1] > 1 else 1  # not adding up
    layer = {"split": {"sizes": size, "axis": axis}}
    return GraphCase("split", {"input": shape}, (layer,),
                     lambda t: torch_mod().split(t["input"], size, dim=axis))


def gen_tensor_split(rng: random.Random) -> GraphCase:
    shape = _shape(rng, rng.randint(1, 3))
    axis = _axis(rng, len(shape))
    n = shape[axis - 1 if axis > 0 else axis]
    cuts: int | list[int] = (rng.randint(1, n + 1) if rng.random() < 0.5
                             else sorted(rng.randint(-n - 1, n + 1) for _ in range(rng.randint(1, 3))))
    if isinstance(cuts, list) and rng.random() < 0.2:
        cuts.reverse()  # not ascending: an empty piece, unless the cuts are equal... then empty too
    return GraphCase("tensor_split", {"input": shape}, ({"tensor_split": {"sections": cuts, "axis": axis}},),
                     lambda t: torch_mod().tensor_split(t["input"], cuts, dim=axis))


def gen_unbind(rng: random.Random) -> GraphCase:
    shape = _shape(rng, rng.randint(2, 3))
    axis = _axis(rng, len(shape))
    return GraphCase("unbind", {"input": shape}, ({"unbind": {"axis": axis}},),
                     lambda t: torch_mod().unbind(t["input"], dim=axis))


def gen_matmul(rng: random.Random) -> GraphCase:
    """Both ≥ 2 axes and the same rank (exactly torch.matmul on the batches), a vector on either side
    (torch.vmap(torch.matmul)), or a parameter weight (torch.matmul(x, W))."""
    kind = rng.choice(["batched", "batched", "vector", "parameter", "parameter.first"])
    L, d, S = rng.randint(1, 6), rng.randint(1, 6), rng.randint(1, 6)
    d2 = d if rng.random() > 0.1 else d + 1
    if kind == "parameter":
        lead = _shape(rng, rng.randint(0, 2))
        x = (*lead, L, d) if rng.random() < 0.8 else (d,)
        w = (d2, S) if rng.random() < 0.7 else (*lead[len(lead) - 1 :], d2, S)
        layers = ({"parameter": {"name": "w", "shape": list(w)}}, {"matmul": {"from": ["input", "w"]}})
        return GraphCase("matmul.parameter", {"input": x}, layers,
                         lambda t: (torch_mod().matmul(t["input"], t["w"]),), {"w": w}, count_macs=True)
    if kind == "parameter.first":  # torch.matmul(W, x): a weight on the left of a batch
        lead = _shape(rng, rng.randint(0, 2))
        x = (*lead, d2, S) if rng.random() < 0.8 else (d2,)
        w = (L, d) if rng.random() < 0.6 else (rng.choice([1, 2]), *lead[len(lead) - 1 :], L, d)
        layers = ({"parameter": {"name": "w", "shape": list(w)}}, {"matmul": {"from": ["w", "input"]}})
        return GraphCase("matmul.parameter_first", {"input": x}, layers,
                         lambda t: (torch_mod().matmul(t["w"], t["input"]),), {"w": w}, count_macs=True)
    if kind == "vector":
        a = (d,) if rng.random() < 0.5 else (*_shape(rng, rng.randint(0, 1)), L, d)
        b = (d2,) if len(a) > 1 or rng.random() < 0.5 else (*_shape(rng, rng.randint(0, 1)), d2, S)
        return GraphCase("matmul.vector", {"a": a, "b": b}, ({"matmul": {"from": ["a", "b"]}},),
                         lambda t: (torch_mod().vmap(torch_mod().matmul)(t["a"], t["b"]),))
    rank = rng.randint(0, 2)
    la = list(_shape(rng, rank))
    lb = [x if rng.random() < 0.5 else rng.choice([1, x, x + 1]) for x in la]
    la = [1 if rng.random() < 0.2 else x for x in la]
    a, b = (*la, L, d), (*lb, d2, S)
    return matmul_case(a, b)


def gen_broadcast(rng: random.Random) -> GraphCase:
    """An activation and an nn.Parameter added or multiplied: a position embedding, a layer scale."""
    x = _shape(rng, rng.randint(1, 3))
    keep = rng.randint(1, len(x))
    p = [d if rng.random() < 0.6 else 1 for d in x[len(x) - keep :]]
    if rng.random() < 0.1:
        p[rng.randrange(len(p))] += 1  # does not broadcast
    op = rng.choice(["add", "multiply"])
    layers = ({"parameter": {"name": "p", "shape": p}}, {op: {"from": ["input", "p"]}})

    def fn(t: Mapping[str, Any]) -> Sequence[Any]:
        return (t["input"] + t["p"],) if op == "add" else (t["input"] * t["p"],)

    return GraphCase(f"parameter.{op}", {"input": x}, layers, fn, {"p": tuple(p)})


def gen_class_token(rng: random.Random) -> GraphCase:
    """ViT: a class token (1, 1, E) expanded over the batch and concatenated in front of the patches."""
    L, E = rng.randint(1, 9), rng.randint(1, 8)
    e = E if rng.random() > 0.1 else E + 1
    layers = ({"parameter": {"name": "cls", "shape": [1, e]}},
              {"concat": {"from": ["cls", "input"], "axis": 1}})

    def fn(t: Mapping[str, Any]) -> Sequence[Any]:
        x = t["input"]
        return (torch_mod().cat([t["cls"].expand(x.shape[0], -1, -1), x], dim=1),)

    return GraphCase("parameter.concat", {"input": (L, E)}, layers, fn, {"cls": (1, 1, e)})


GENERATORS: tuple[Callable[[random.Random], GraphCase], ...] = (
    gen_chunk, gen_split, gen_unbind, gen_matmul, gen_broadcast, gen_class_token, gen_tensor_split,
)


def generate(n: int, seed: int = 13) -> list[GraphCase]:
    rng = random.Random(f"graphs-{seed}")
    return [GENERATORS[i % len(GENERATORS)](rng) for i in range(n)]


def assert_graphs_agree(n: int, label: str) -> None:
    from oracle import SUMMARY

    cases = generate(n)
    bad, refused = [], 0
    for case in cases:
        v = compare(run_torch(case), run_convcalc(case))
        refused += v.refused
        if not v.agree:
            bad.append(f"{case.text()}\n    {v.detail}")
    SUMMARY.append(f"{label}: {n - len(bad)}/{n} configurations agree ({refused} of them refused by both; "
                   f"{len({c.tag for c in cases})} kinds)")
    assert not bad, f"{label}: {n - len(bad)}/{n} agree; disagreements:\n" + "\n".join(bad)
