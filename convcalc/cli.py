"""The ``convcalc`` command: parse options, analyse each spec, hand results to a renderer.

Kept thin on purpose: the work is in :mod:`convcalc.api` and the output in
:mod:`convcalc.render`.  Exit status: 0 all good, 1 an ``expect:`` failed,
2 a spec (or the command line) is invalid; with several specs, the worst.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

import click

from . import __version__
from ._collector import run_without_collector
from .core.framework import FRAMEWORKS, LAYOUTS
from .errors import Loc, SpecError
from .render import FORMATS

EXIT_OK, EXIT_EXPECT, EXIT_INVALID = 0, 1, 2


def _defines(values: tuple[str, ...]) -> dict[str, Any]:
    if not values:
        return {}
    from .spec.inline import parse_value

    out: dict[str, Any] = {}
    for item in values:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier() or not value.strip():
            raise SpecError(f"-D takes NAME=VALUE, such as -D H=224, not {item!r}", code="bad-define")
        out[name] = parse_value(value, Loc("-D"))
    return out


def _status(item: Any) -> int:
    if isinstance(item, SpecError):
        return EXIT_INVALID
    if item.expect is not None and not item.expect.ok:
        return EXIT_EXPECT
    return EXIT_OK


def _example_names(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    """Shell completion of ``--example``: the bundled examples' names."""
    from .examples_dir import names

    return [n for n in names() if n.startswith(incomplete)]


def _exit_with(text: Callable[[click.Context], str]) -> Callable[[click.Context, Any, bool], None]:
    """An eager flag's callback that prints ``text(ctx)`` and exits (``--help``, ``--version``)."""

    def callback(ctx: click.Context, param: Any, value: bool) -> None:
        if value and not ctx.resilient_parsing:
            click.echo(text(ctx), color=ctx.color)
            ctx.exit()

    return callback


class _Command(click.Command):
    """click's command, reading ``-f`` straight as the short option it is.

    click tries every ``-x`` as a long option first, and the failed try builds an
    error with gettext and difflib that it throws away: ~2 ms of a run, paid by
    every use of a short option (issue 20).  A two-character argument that is
    only a short option is what click reads as one anyway, so it goes there at
    once; anything else (``-fjson``, ``-xf``, an unknown ``-q``) is click's own.
    """

    def make_parser(self, ctx: click.Context) -> Any:
        parser = super().make_parser(ctx)
        general = getattr(parser, "_process_opts", None)
        short = getattr(parser, "_match_short_opt", None)
        if general is None or short is None or ctx.token_normalize_func is not None:
            return parser  # another click: its own reading, a little slower

        def process_opts(arg: str, state: Any) -> None:
            if len(arg) == 2 and arg in parser._short_opt and arg not in parser._long_opt:
                short(arg, state)
            else:
                general(arg, state)

        parser._process_opts = process_opts
        return parser


# --help and --version written out rather than click's help_option/version_option, whose default
# texts go through gettext on every run (which imports locale: ~1 ms of start-up, issue 20).
@click.command(cls=_Command, add_help_option=False)
@click.argument("specs", nargs=-1, metavar="SPEC...")
@click.option("-f", "--format", "fmt", type=click.Choice(list(FORMATS)), default="table",
              show_default=True, help="Output format.")
@click.option("-x", "--explain", is_flag=True, help="Show every formula with the numbers put in.")
@click.option("--explain-layer", "explain_layers", multiple=True, metavar="LAYER",
              help="Explain only this layer (a name or a row number; repeatable).")
@click.option("--framework", type=click.Choice(FRAMEWORKS), help="Override the spec's framework.")
@click.option("--layout", type=click.Choice(LAYOUTS),
              help="Override the spec's layout (default: the framework's).")
@click.option("-i", "--input", "input_", metavar="SHAPE",
              help="Give or override the input shape (3x224x224).")
@click.option("--scale", metavar="S", help="An Ultralytics model YAML's scale (n, s, m, l, x).")
@click.option("-D", "--define", "defines", multiple=True, metavar="NAME=VALUE",
              help="Bind a name (repeatable).")
@click.option("--batch", type=click.IntRange(min=1), help="Show a batch axis of size N in shapes.")
@click.option("-c", "--columns", metavar="LIST", help="Columns, e.g. shape,weights,params,macs.")
@click.option("--depth", type=click.IntRange(min=0), help="Collapse rows nested deeper than N blocks.")
@click.option("--draw", "draw_path", metavar="FILE.svg",
              help="Also write an SVG drawing of the network's feature maps (one SPEC; "
                   ".png with the png extra).")
@click.option("--html", "html_path", metavar="FILE.html",
              help="Also write a self-contained HTML report of every SPEC.")
@click.option("--output-dir", "output_dir", metavar="DIR",
              help="With -f mermaid or dot: write each SPEC's graph to its own file in DIR.")
@click.option("-q", "--quiet", is_flag=True,
              help="Print nothing on success; only errors and failed expectations.")
@click.option("--width", type=click.IntRange(min=40), help="Console width for the table.")
@click.option("--color/--no-color", default=None, help="Force colour on or off (default: when a terminal).")
@click.option("--list-layers", is_flag=True, help="Print the layer catalogue and exit.")
@click.option("--only", metavar="TYPE|FAMILY", help="With --list-layers: one type (lstm) or family.")
@click.option("--diff", "diff", is_flag=True,
              help="Compare two specs, OLD NEW (OLD may be REV:path, read with git show).")
@click.option("--example", "example_names", multiple=True, metavar="NAME", shell_complete=_example_names,
              help="Analyse a bundled example (lenet5, resnet50, ...) as if its file were given.")
@click.option("--examples", "list_examples", is_flag=True, help="List the bundled examples and exit.")
@click.option("--schema", "print_schema", is_flag=True,
              help="Print the JSON Schema of the spec format and exit.")
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, help="Show the version and exit.",
              callback=_exit_with(lambda ctx: f"convcalc, version {__version__}"))
@click.option("-h", "--help", is_flag=True, expose_value=False, is_eager=True,
              help="Show this message and exit.", callback=_exit_with(lambda ctx: ctx.get_help()))
def command(
    specs: tuple[str, ...],
    fmt: str,
    explain: bool,
    explain_layers: tuple[str, ...],
    framework: str | None,
    layout: str | None,
    input_: str | None,
    defines: tuple[str, ...],
    batch: int | None,
    columns: str | None,
    depth: int | None,
    quiet: bool,
    width: int | None,
    color: bool | None,
    list_layers: bool,
    print_schema: bool,
    draw_path: str | None = None,
    html_path: str | None = None,
    output_dir: str | None = None,
    only: str | None = None,
    diff: bool = False,
    example_names: tuple[str, ...] = (),
    list_examples: bool = False,
    scale: str | None = None,
) -> None:
    """Output shapes and parameter counts of a network, as PyTorch or Keras computes them.

    Each SPEC is a YAML file, - for standard input, or an inline spec such as
    "1x28x28 | conv(32,5) | maxpool(2) | dense(10)".
    """
    from .render import renderer
    from .render.options import Options

    if not all(str(getattr(s, "encoding", None) or "utf").lower().startswith("utf")
               for s in (sys.stdout, sys.stderr)):
        from .render.streams import escape_unencodable  # never a UnicodeEncodeError traceback

        escape_unencodable(sys.stdout)
        escape_unencodable(sys.stderr)
    if list_layers:
        from .layer_list import catalogue

        try:
            click.echo(catalogue(only=only), nl=False)
        except SpecError as e:
            raise click.UsageError(e.message) from None
        return
    if only is not None:
        raise click.UsageError("--only goes with --list-layers")
    if list_examples:
        from .examples_dir import listing

        click.echo(listing(), nl=False)
        return
    if example_names:
        from .examples_dir import path_of

        try:
            specs = (*specs, *(str(path_of(name)) for name in example_names))
        except SpecError as e:
            raise click.UsageError(e.message) from None
    if print_schema:
        from .schema import dumps

        click.echo(dumps())
        return
    if not specs:
        raise click.UsageError("give at least one SPEC (a YAML file, - or an inline spec)")
    if draw_path is not None and len(specs) != 1:
        raise click.UsageError(f"--draw writes one drawing: give a single SPEC, not {len(specs)}")
    graphs = fmt in ("mermaid", "dot")
    if output_dir is not None and not graphs:
        raise click.UsageError(f"--output-dir writes the graphs of -f mermaid and -f dot, not -f {fmt}")
    if graphs and output_dir is None and len(specs) > 1 and not quiet:  # -q writes no graph at all
        raise click.UsageError(f"-f {fmt} writes one graph per spec: with {len(specs)} SPECs, give "
                               "--output-dir DIR to write them as separate files "
                               "[several-graphs-need-output-dir]")
    if draw_path is not None:
        from .draw.png import check_path

        try:
            check_path(draw_path)
        except SpecError as e:
            raise click.UsageError(f"{e.message} [{e.code}]") from None
    try:
        if columns:
            from .render.cells import parse_columns  # the column registry: only when -c is given

            cols = parse_columns(columns)
        else:
            cols = Options().columns
        names = _defines(defines)
    except SpecError as e:
        raise click.UsageError(e.message) from None
    opts = Options(format=fmt, columns=cols, explain=explain, explain_layers=explain_layers, depth=depth,
                   batch=batch, width=width, color=color, quiet=quiet)
    if diff:
        from .diff import run_diff
        from .render.diff import FORMATS as DIFF_FORMATS

        if len(specs) != 2:
            raise click.UsageError(f"--diff compares two specs, OLD NEW; not {len(specs)}")
        if fmt not in DIFF_FORMATS:
            raise click.UsageError(f"--diff writes {', '.join(DIFF_FORMATS)}; not {fmt}")
        sys.exit(run_diff(specs[0], specs[1], opts, sys.stdout, sys.stderr,
                          lambda spec, source: _analyze(spec, input_, framework, layout, names, source,
                                                        scale)))
    items = [_analyze(spec, input_, framework, layout, names, scale=scale) for spec in specs]
    if fmt == "yaml":  # a network a convcalc spec cannot say is an error there (exit 2)
        from .render.yaml import writable

        items = [writable(item) for item in items]
    if explain_layers:
        items = [_check_explained(item, explain_layers) for item in items]
    status = max(_status(item) for item in items)
    if draw_path is not None and not isinstance(items[0], SpecError):
        from .draw import write

        try:
            write(items[0], draw_path)
        except OSError as e:
            raise click.UsageError(f"--draw: cannot write {draw_path}: {e.strerror}") from None
        except SpecError as e:
            raise click.UsageError(f"--draw: {e.message}") from None
        if not quiet:
            click.echo(f"drawing written to {draw_path}", err=True)
    if html_path is not None:
        from .render.html import write as write_html

        try:
            write_html(items, opts, html_path)
        except OSError as e:
            raise click.UsageError(f"--html: cannot write {html_path}: {e.strerror}") from None
        if not quiet:
            click.echo(f"report written to {html_path}", err=True)
    from .render.run import summary

    if output_dir is not None:
        from .render.files import write_each

        try:
            written = write_each(items, opts, output_dir, sys.stderr)
        except OSError as e:
            raise click.UsageError(f"--output-dir: cannot write into {output_dir}: {e.strerror}") from None
        if not quiet:
            for path in written:
                click.echo(f"graph written to {path}", err=True)
    elif not (quiet and status == EXIT_OK):  # -q and all passed: nothing to print, no renderer to load
        from .textsafe import VisibleStream

        # The table escapes its cells before laying them out (rich writes its own colour codes),
        # JSON writes \u escapes; every other format's stream shows control characters visibly.
        out: Any = sys.stdout if fmt in ("table", "json") else VisibleStream(sys.stdout)
        renderer(fmt)(items, opts, out, sys.stderr)  # -q: each format leaves out what passes
    last = summary(items, opts)
    if last is not None:
        sys.stdout.flush()
        click.echo(last, err=True)
    sys.exit(status)


def _check_explained(item: Any, wanted: tuple[str, ...]) -> Any:
    """The Result, or the SpecError of an ``--explain-layer`` that names no layer of it."""
    if isinstance(item, SpecError):
        return item
    from .render.explain import check_selection

    try:
        check_selection(item.table_rows(), wanted)
    except SpecError as e:
        return e.with_location(Loc(item.source))
    return item


def _analyze(spec: str, input_: str | None, framework: str | None, layout: str | None,
             names: dict[str, Any], source: str | None = None, scale: str | None = None) -> Any:
    """The Result of one SPEC, or its SpecError, which always names its file."""
    from .api import analyze

    try:
        return analyze(spec, input=input_, framework=framework, layout=layout, defines=names, source=source,
                       scale=scale)
    except SpecError as e:
        return e.with_location(Loc(source or source_name(spec))) if e.file is None else e
    except RecursionError:
        return SpecError("the spec is nested too deeply to analyse", code="too-deep",
                         loc=Loc(source or source_name(spec)))


def source_name(spec: str) -> str:
    """How a report names a SPEC argument: its path, ``<stdin>`` or ``<inline>`` (SPEC §13)."""
    if spec == "-":
        return "<stdin>"
    try:
        return spec if "\n" not in spec and os.path.exists(spec) else "<inline>"
    except (OSError, ValueError):
        return "<inline>"


def main() -> None:
    run_without_collector(lambda: command(prog_name="convcalc"))


if __name__ == "__main__":  # pragma: no cover
    main()
