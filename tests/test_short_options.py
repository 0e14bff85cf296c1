"""``-f json`` is read as click reads it, without click's detour through a long-option error
(gettext and difflib: ~2 ms of every run that uses a short option, issue 20)."""

from __future__ import annotations

import itertools
import random

import click
import pytest
from test_startup_imports import loaded, run

from convcalc.cli import command

ARGS = ["-f", "json", "-fjson", "-f=json", "-x", "-xf", "plain", "-q", "-D", "H=3", "-DH=3", "--format",
        "--format=csv", "-c", "name", "spec.yaml", "--", "-w", "80", "-"]


def parse(make_parser: object, argv: list[str]) -> object:
    ctx = click.Context(command)
    parser = make_parser(ctx)  # type: ignore[operator]
    try:
        opts, largs, order = parser.parse_args(list(argv))
    except click.UsageError as e:
        return ("error", type(e).__name__, e.format_message())
    return opts, largs, [p.name for p in order]


def vectors(triples: int | None) -> list[list[str]]:
    """Every argument vector of one and two of ARGS, and ``triples`` random ones of three (None: all)."""
    out = [list(v) for n in (1, 2) for v in itertools.product(ARGS, repeat=n)]
    every = [list(v) for v in itertools.product(ARGS, repeat=3)]
    return out + (every if triples is None else random.Random(3).sample(every, triples))


@pytest.mark.parametrize("triples", [pytest.param(None, marks=pytest.mark.slow, id="all"), 600])
def test_short_options_parse_as_click_parses_them(triples: int | None) -> None:
    argvs = vectors(triples)
    for argv in argvs:
        assert parse(command.make_parser, argv) == \
            parse(lambda ctx: click.Command.make_parser(command, ctx), argv), argv
    assert len(argvs) == len(ARGS) + len(ARGS) ** 2 + (len(ARGS) ** 3 if triples is None else triples)


@pytest.mark.parametrize("short", [["-f", "json"], ["-x", "-f", "json"]])
def test_a_short_option_loads_neither_gettext_nor_difflib(short: list[str]) -> None:
    report = run(*short, "3x32x32 | conv(8,3) | relu")
    assert report["code"] == 0
    assert not loaded(report, "locale") and not loaded(report, "difflib")
