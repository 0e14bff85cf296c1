"""The README's homework section: the classic questions, each answered by ``--explain``.

Each ``$ convcalc …`` block runs as written (at the fixed width it names) and prints exactly the
output shown, which is also kept as a golden file (tests/golden/homework-N.txt,
``CONVCALC_REGEN=1`` rewrites them); the answers the questions expect are checked on top.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from _cli import golden, run

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _section() -> str:
    start = README.index("### Homework: `--explain`")
    return README[start : README.index("\n### ", start + 1)]


BLOCKS = re.findall(r"```text\n\$ (convcalc [^\n]*)\n(.*?)```", _section(), flags=re.S)

# what each question's answer must show, in order
ANSWERS = [
    ("weight 16·6·3·3 = 864, bias 16, total 880",),
    ("8×3×16", "H: ⌊(10 + 0 + 0 − 1·(3 − 1) − 1) / 1⌋ + 1 = 8",
     "W: ⌊(5 + 0 + 0 − 1·(3 − 1) − 1) / 1⌋ + 1 = 3"),
    ("96×55×55", "H: ⌊(227 + 0 + 0 − 1·(11 − 1) − 1) / 4⌋ + 1 = 55"),
    ("14×14×32", "7×7×64", "H: ⌈28 / 2⌉ = 14", "H: ⌈14 / 2⌉ = 7"),
    ("7×7×8×16", "kernel 7·7·8·16 = 6,272"),
]


def test_the_section_opens_with_the_classic_questions() -> None:
    assert len(BLOCKS) == len(ANSWERS)


@pytest.mark.parametrize(("i", "block"), list(enumerate(BLOCKS, 1)))
def test_each_answer_runs_as_written(i: int, block: tuple[str, str]) -> None:
    command, shown = block
    argv = shlex.split(command)[1:]
    assert "--width" in argv  # a fixed width: the output is the same on every terminal
    r = run(*argv)
    assert r.status == 0, r.err
    golden(f"homework-{i}.txt", r.out)
    assert r.out == shown
    for words in ANSWERS[i - 1]:
        assert words in r.out, (words, r.out)
