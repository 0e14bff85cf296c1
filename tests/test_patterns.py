"""The patterns compiled on first use, and the hand-written readers that replaced regexes on the
start-up path (issue 20): each gives what the regex it replaced gives, on random text too.

The regexes are written out here, as the oracle: the code no longer holds them.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
import textwrap

import pytest
from _cli import ROOT

from convcalc._regex import LazyPattern
from convcalc.arith import syntax
from convcalc.errors import SpecError

# The tokenizer's grammar as a regex: what _tokenize read with until it was written by hand.
TOKEN = re.compile(
    r"\s*(?:(?P<dec>\d*\.\d+)|(?P<int>\d+)|(?P<name>\$?[A-Za-z_][A-Za-z_0-9]*(?:\.[A-Za-z_0-9]+)*)"
    r"|(?P<op>\*\*|//|==|!=|<=|>=|[-+*/%(),<>]))"
)
# Characters that tell the readings apart: Unicode digits and spaces, non-ASCII letters, near-ops.
ALPHABET = [*"0123456789abcxyzAZ_$.+-*/%(),<>=!&|^ \t\n", "٣", "²", "é", "\u3000", "\x0b", "·", "⌊"]


def regex_tokens(text: str) -> list[tuple[str, str, int]] | str:
    """The tokens as the regex reads them, or the message of the error (as _tokenize words it)."""
    tokens, pos = [], 0
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if m is None:
            rest = text[pos:].strip()
            if not rest:
                break
            col = pos + (len(text[pos:]) - len(text[pos:].lstrip()))
            return f"unexpected {rest[0]!r} at position {col + 1}"
        kind = m.lastgroup or "op"
        tokens.append((kind, m.group(kind), m.start(kind)))
        pos = m.end()
    return tokens


def hand_tokens(text: str) -> list[tuple[str, str, int]] | str:
    try:
        return syntax._tokenize(text)
    except SpecError as e:
        assert e.code == "bad-expression"
        return e.message.split(": ", 1)[1].split(" (allowed", 1)[0]


@pytest.mark.parametrize("text", [
    "(n + p_l + p_r - d*(k - 1) - 1) // s + 1", "2**3", "a.b.c", "a.", "1.2.3", ".5", "5.", "$C*2",
    "$", "$1", "x if a >= 2 else y", "max(1, 2)", "  3  ", "", "   ", "a = b", "!x", "a != b", "1e3",
    "٣ + ²", "é", "3\u30004", "keras.layers.Dense", "_x1.y_2", "1..2", "$a.b", "((1))", "<=>",
])
def test_tokenizer_reads_what_the_regex_read(text: str) -> None:
    assert hand_tokens(text) == regex_tokens(text)


def test_tokenizer_on_random_text() -> None:
    rnd = random.Random(20)
    for _ in range(20_000):
        text = "".join(rnd.choice(ALPHABET) for _ in range(rnd.randint(0, 14)))
        assert hand_tokens(text) == regex_tokens(text), repr(text)


def test_lazy_pattern_compiles_on_first_use_and_then_is_the_compiled_one() -> None:
    p = LazyPattern(r"(a)(b)?", re.I)
    assert "match" not in vars(p)  # nothing compiled yet
    assert p.match("AB").groups() == ("A", "B")
    compiled = re.compile(r"(a)(b)?", re.I)
    assert vars(p)["match"].__self__ == compiled  # the compiled pattern's own bound method
    assert (p.pattern, p.flags, p.groups, p.groupindex) == (compiled.pattern, compiled.flags, 2, {})
    assert p.sub("x", "ab ab") == "x x" and p.findall("aab") == [("a", ""), ("a", "b")]
    assert [m.span() for m in p.finditer("a ab")] == [(0, 1), (2, 4)]
    assert repr(LazyPattern("x")) == "LazyPattern('x')"


def test_lazy_pattern_is_no_pattern_for_dunder_lookups() -> None:
    with pytest.raises(AttributeError):
        LazyPattern("x").__deepcopy__  # noqa: B018 (copy asks like this)


@pytest.mark.parametrize(("spec", "compiled"), [
    ("examples/vgg16.yaml", []),  # numbers, names and `$arg`s only: no pattern at all
    ("examples/alexnet.yaml", []),
    ("3x32x32 | conv(8, 3, stride=2, name=c1) | relu | maxpool(2) | flatten | dense(10)", []),  # one line
    # a text value that is not one name: the YAML reader looks for the names in it
    ("examples/mnist_lasagne.yaml", [r"(?<![$\w])[A-Za-z_]\w*", r"[A-Za-z_]\w*\s+[A-Za-z_]"]),
])
def test_a_run_compiles_only_the_patterns_its_spec_needs(spec: str, compiled: list[str]) -> None:
    """Each pattern costs 50-400 µs of a run to compile: most runs need none of convcalc's."""
    probe = textwrap.dedent("""
        import re, re._compiler as compiler, sys, traceback
        original, ours = compiler.compile, []
        def compile(p, flags=0):
            caller = [f for f in traceback.extract_stack() if "/re/" not in f.filename][-2]
            if "/convcalc/" in caller.filename:  # compiled by convcalc, not by a library it uses
                ours.append(p)
            return original(p, flags)
        compiler.compile = compile
        from convcalc.cli import main
        sys.argv = ["convcalc", "--format", "json", sys.argv[1]]
        try:
            main()
        except SystemExit:
            pass
        sys.stderr.write(repr(ours))
    """)
    err = subprocess.run([sys.executable, "-c", probe, spec], capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120, check=False).stderr
    assert err.endswith(repr(compiled)), err[-600:]


# ---- the hand-written checks in front of (or instead of) a regex, each against that regex

LINES = [*"# \t\n\r\x0b\u3000(.)_:$", "a", "Z", "é", "٣", "nn", "x1", "Conv2d", "\u2028"]


def random_texts(alphabet: list[str], n: int = 20_000, longest: int = 12) -> list[str]:
    rnd = random.Random(2026)
    return ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, longest))) for _ in range(n)]


def test_comment_lines_come_off_as_the_regex_took_them_off() -> None:
    from convcalc.importers import _after_comment_lines

    regex = re.compile(r"^(\s*#[^\n]*\n)+")
    for text in random_texts(LINES):
        stripped = text.lstrip()
        if stripped.startswith("#"):  # where sniff() asks
            assert _after_comment_lines(stripped) == regex.sub("", stripped), repr(stripped)


def test_a_call_start_is_what_the_regex_matched() -> None:
    from convcalc.importers import _starts_with_call

    regex = re.compile(r"^[A-Za-z_][\w.]*\s*\(")
    for text in random_texts(LINES):
        assert _starts_with_call(text) == bool(regex.match(text)), repr(text)


def test_a_whole_block_argument_is_what_the_regex_matched() -> None:
    from convcalc.engine.block_args import _whole_arg

    regex = re.compile(r"^\s*\$([A-Za-z_]\w*)\s*$")
    for text in [*random_texts([*"$ _\n\tab1.é٣+", "out", "\u3000"]), "$out", " $n ", "$", "$1", "$é"]:
        m = regex.match(text)
        assert _whole_arg(text) == (m.group(1) if m else None), repr(text)


def test_block_arguments_are_substituted_where_the_regex_found_them() -> None:
    from convcalc.engine.block_args import _name_end, _substitute

    regex, simple = re.compile(r"\$([A-Za-z_]\w*)"), re.compile(r"^(\d+|[A-Za-z_]\w*)$")
    for text in [*random_texts([*"$ _*+()1aZé٣²\n", "out", "$$"]), "$out * 4", "$a$b", "$", "$1", "x$"]:
        assert _substitute(text, lambda name, written: f"<{name}|{written}>") == \
            regex.sub(lambda m: f"<{m.group(1)}|{m.group(0)}>", text), repr(text)
        stripped = text.strip()
        assert (stripped.isdecimal() or (stripped != "" and _name_end(stripped, 0) == len(stripped))) == \
            bool(simple.match(stripped)), repr(stripped)


def test_the_names_of_a_text_value_are_where_the_regex_found_them() -> None:
    from convcalc.spec.yamlplaces import Locator

    word, prose = re.compile(r"(?<![$\w])[A-Za-z_]\w*"), re.compile(r"[A-Za-z_]\w*\s+[A-Za-z_]")
    for text in [*random_texts([*"$ _\n1ab+*(", "relu", "é", "x2"], n=5_000), "relu", "$out", "", "a b"]:
        for quoted in (False, True):
            loc = Locator("f.yaml")
            loc.words(text, 4, 10, quoted)
            expected = {}
            if word.search(text) and not prose.search(text):
                for m in word.finditer(text):
                    col = 10 + quoted + m.start() if "\n" not in text else 10
                    expected.setdefault(m.group(), (5, col + 1))
            assert {k: (v.line, v.column) for k, v in loc.names.items()} == expected, repr(text)


@pytest.mark.parametrize(("text", "deep"), [
    ("- a\n" * 2000, False),  # many indicators, none deep: the count passes, the regex says no
    (" " * 999 + "x\n", False),
    (" " * 1000 + "x\n", True),
    ("\n" + "- " * 500 + "x\n", True),
    ("layers:\n  - relu\n", False),
])
def test_deep_block_nesting_is_found_with_the_count_in_front(text: str, deep: bool) -> None:
    from convcalc.spec.yamlscan import deep_nesting_at

    assert (deep_nesting_at(text) is not None) == deep


def test_per_axis_text_splits_where_the_regex_matched() -> None:
    from convcalc.spec.model import split_axes

    regex = re.compile(r"^[^x]+(x[^x]+)+$")
    for text in [*random_texts([*"x×3 5\n", "12", "H"]), "3x5", "3×5", "x3", "3x", "3xx5", " 3 x 5 "]:
        squeezed = text.replace(" ", "").replace("×", "x")
        assert split_axes(text) == (squeezed.split("x") if regex.match(squeezed) else text), repr(text)


# ---- the one-line parser's readers (spec/inline.py), each against the regex it replaced

def _groups(m: re.Match[str]) -> tuple[str, str, int]:
    return m.group(1), m.group(2), m.start(2)


INLINE_REGEXES = {  # reader: (the regex, what the reader gives for a match)
    "_is_int": (re.compile(r"^[+-]?\d+$"), lambda m: True),
    "_is_float": (re.compile(r"^[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?$"), lambda m: True),
    "_is_type": (re.compile(r"^[A-Za-z_][\w.]*$"), lambda m: True),
    "_is_dim": (re.compile(r"^[\w*/+%-]+$"), lambda m: True),
    "_call": (re.compile(r"^([A-Za-z_][\w.]*)\s*\((.*)\)$", re.S), _groups),
    "_key": (re.compile(r"^\s*([A-Za-z_]\w*)\s*=(?!=)(.*)$", re.S), _groups),
}
INLINE_ALPHABET = [*"aZ_.09+-*/%()= \t\neE", "x", "conv", "٣", "²", "é", "\u3000", "\x1c", "\u2028", "·",
                   "=="]
INLINE_TEXTS = ["", "\n", "3", "+3\n", "-", "٣٢", "conv(8, 3)", "conv (8)\n", "a.b(x))", "a()", "a(\n)",
                "a(b)\n)", "(x)", "1.", ".5", "1e5", "1.e-3", "1e", ".", "-.5e+2\n", " k = v", "k==v",
                "k =\n=v", "k=", "é=1", "_k\t=\u3000v\n", "a-b", "H*2/3"]


@pytest.mark.parametrize("reader", sorted(INLINE_REGEXES))
def test_the_one_line_parser_reads_what_its_regexes_matched(reader: str) -> None:
    from convcalc.spec import inline

    regex, found = INLINE_REGEXES[reader]
    hand = getattr(inline, reader)
    for text in INLINE_TEXTS + random_texts(INLINE_ALPHABET, longest=10):
        m = regex.match(text)
        want = found(m) if m else (None if reader in ("_call", "_key") else False)
        assert hand(text) == want, repr(text)


def test_line_starts_are_where_the_newlines_end() -> None:
    from convcalc.spec.inline import _Text

    for text in ["", "a", "\n", "a\nb\n\nc", "\n\n", *random_texts(["a", "\n", "|", " "], n=2_000)]:
        assert _Text(text, "x").line_starts == [0] + [m.end() for m in re.finditer("\n", text)], repr(text)
