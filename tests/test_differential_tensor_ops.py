"""convcalc equals PyTorch on the tensor operations of today's networks (issue 13).

Single-input operations (padding modules, slicing, select, transpose, reductions, LayerNorm2d) join the
sequential oracle of tests/oracle.py through oracle_gen.TENSOR_OPS; operations with several inputs or
outputs (split, chunk, unbind, matmul, parameters broadcast in merges) are graphs, checked by
oracle_graphs.py: all output shapes, parameter counts, refusals, and matmul MACs against
torch.utils.flop_counter.  The default run checks a sample; ``-m slow`` the full sets.
"""

from __future__ import annotations

import pytest

pytest.importorskip("torch")

import oracle
import oracle_gen
import oracle_graphs

SAMPLE, FULL = 80, 1500


def _sequential(n: int, label: str) -> None:
    configs = oracle_gen.generate("pytorch", n, seed=1313, first=oracle_gen.TENSOR_OPS)
    assert {c.tag for c in configs} == {g.name for g in oracle_gen.TENSOR_OPS}
    oracle.assert_agreement(configs, label)


def test_sample_agrees() -> None:
    _sequential(SAMPLE, f"PyTorch tensor ops, sample of {SAMPLE}")


@pytest.mark.slow
def test_full_agrees() -> None:
    _sequential(FULL, f"PyTorch tensor ops, full set of {FULL}")


def test_graph_sample_agrees() -> None:
    oracle_graphs.assert_graphs_agree(SAMPLE, f"PyTorch tensor graphs, sample of {SAMPLE}")


@pytest.mark.slow
def test_graph_full_agrees() -> None:
    oracle_graphs.assert_graphs_agree(FULL, f"PyTorch tensor graphs, full set of {FULL}")


def test_graph_oracle_sees_a_difference() -> None:
    """Not vacuous: a wrong output shape, count or MACs figure is a disagreement."""
    case = oracle_graphs.chunk_case(6, 4, 1, (6, 5))
    fw, cc = oracle_graphs.run_torch(case), oracle_graphs.run_convcalc(case)
    assert oracle_graphs.compare(fw, cc).agree and cc.outputs == ((2, 5),) * 3  # 6 into 4: three of 2
    for wrong in (cc._replace(outputs=((2, 5),) * 4), cc._replace(params=1), cc._replace(refused="no")):
        assert not oracle_graphs.compare(fw, wrong).agree
    case = oracle_graphs.matmul_case((3, 5, 4), (3, 4, 2))
    fw, cc = oracle_graphs.run_torch(case), oracle_graphs.run_convcalc(case)
    assert oracle_graphs.compare(fw, cc).agree and fw.macs == cc.macs == 3 * 5 * 4 * 2
    assert not oracle_graphs.compare(fw, cc._replace(macs=1)).agree
