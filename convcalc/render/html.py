"""``--format html`` and ``--html FILE``: one self-contained page a CI job can keep as an artifact.

Everything is inline (the stylesheet, the SVG drawing; no script, font or URL
is fetched), so the file opens anywhere, offline.  Folding uses
``<details>``/``<summary>``, which browsers do without JavaScript: a block row
folds its layers, a layer row unfolds its ``--explain`` formulas.  With several
specs the page has one section per spec and an index at the top.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import TextIO

from ..core.result import LayerResult, Result
from ..errors import SpecError, format_error
from .cells import COLUMNS, title, visible_rows
from .explain import explain_lines
from .footer import column_totals
from .html_style import CSS
from .options import Options
from .run import Item, each

PAGE_TITLE = "convcalc report"


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def render(items: Sequence[Item], opts: Options, out: TextIO, err: TextIO) -> None:
    """The page on stdout; stderr gets the usual error, warning and failed-check lines."""
    shown = list(each(items, opts, err))
    if shown:
        out.write(page(shown, opts))


def write(items: Sequence[Item], opts: Options, path: str) -> None:
    """``--html FILE``: the page of every spec, beside whatever format goes to stdout."""
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(page(items, opts))


def page(items: Sequence[Item], opts: Options) -> str:
    """The whole document: head, an index when there are several specs, one section per spec."""
    several = len(items) > 1
    heading = PAGE_TITLE if several else _name(items[0])
    body = [f"<h1>{_e(heading)}</h1>"]
    if several:
        body.append(_index(items))
    for n, item in enumerate(items, 1):
        section = _error_section(item, n, several) if isinstance(item, SpecError) \
            else _result_section(item, opts, n, several)
        body.append(section)
    body.append("<footer>Written by convcalc: shapes and parameter counts as PyTorch or Keras "
                "compute them. This page is self-contained.</footer>")
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{_e(heading)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
            + "\n".join(body) + "\n</body>\n</html>\n")


def _name(item: Item) -> str:
    if isinstance(item, SpecError):
        return f"{item.file or 'spec'}: invalid"
    return item.name or item.source


def _status(item: Item) -> tuple[str, str]:
    """The badge of a spec: (css class, text)."""
    if isinstance(item, SpecError):
        return "cc-bad", "invalid"
    if item.expect is not None and not item.expect.ok:
        return "cc-bad", "expectation failed"
    if item.warnings:
        return "cc-warn", f"{len(item.warnings)} warning{'s' if len(item.warnings) > 1 else ''}"
    return "cc-ok", "ok"


def _badge(item: Item) -> str:
    cls, text = _status(item)
    return f'<span class="cc-badge {cls}">{_e(text)}</span>'


def _index(items: Sequence[Item]) -> str:
    from .cells import count

    rows = [f'<li><a href="#spec-{n}">{_e(_name(item))}</a>{_badge(item)}'
            + ("" if isinstance(item, SpecError) else
               f' <span class="cc-count">{_e(count(item.total_params))} params</span>') + "</li>"
            for n, item in enumerate(items, 1)]
    return (f'<nav class="cc-index" aria-label="specs"><h2>{len(items)} specs</h2>'
            f"<ol>{''.join(rows)}</ol></nav>")


def _error_section(error: SpecError, n: int, several: bool) -> str:
    head = f"<h2>{_e(_name(error))}{_badge(error)}</h2>" if several else ""
    text = "\n".join(format_error(error))
    return (f'<section class="cc-spec cc-error" id="spec-{n}">{head}'
            f"<pre>{_e(text)}</pre></section>")


def _result_section(result: Result, opts: Options, n: int, several: bool) -> str:
    parts = [f'<section class="cc-spec" id="spec-{n}">']
    if several:
        parts.append(f"<h2>{_e(_name(result))}{_badge(result)}</h2>")
    parts.append(f'<p class="cc-sub">{_e(title(result))}</p>')
    parts.append(_totals(result, opts))
    if result.warnings:
        items = "".join(f'<li class="cc-warn">warning: {_e(w)} <code>[{_e(w.code)}]</code></li>'
                        for w in result.warnings)
        parts.append(f'<h3>Warnings</h3><ul class="cc-notes">{items}</ul>')
    if result.free_names:
        from ..arith.symbolic import valid_text

        lines = "".join(f"<li>{_e(line)}</li>" for line in valid_text(result))
        parts.append(f"<h3>Free names: {_e(', '.join(result.free_names))}</h3>"
                     f'<ul class="cc-notes">{lines}</ul>')
    parts.append(_expectations(result))
    parts.append("<h3>Layers</h3>")
    parts.append(_table(result, opts))
    parts.append(_drawing(result, n))
    parts.append("</section>")
    return "\n".join(p for p in parts if p)


def _totals(result: Result, opts: Options) -> str:
    from .cells import count, params_size

    pairs = [("Total params", count(result.total_params)),
             ("Trainable", count(result.trainable_params)),
             ("Non-trainable", count(result.non_trainable_params)),
             ("Params size (float32)", params_size(result.total_params))]
    for line in column_totals(result, opts):
        label, _, value = line.partition(": ")
        pairs.append((label, value))
    cells = "".join(f"<div><dt>{_e(k)}</dt><dd>{_e(v)}</dd></div>" for k, v in pairs)
    return f'<dl class="cc-totals">{cells}</dl>'


def _expectations(result: Result) -> str:
    outcome = result.expect
    if outcome is None or not outcome.checked:
        return ""
    failed = len(outcome.failures)
    head = (f'<span class="cc-ok">all {outcome.checked} passed</span>' if not failed
            else f'<span class="cc-bad">{failed} of {outcome.checked} failed</span>')
    rows = [(f, False) for f in outcome.failures] + [(f, True) for f in outcome.passed]
    body = "".join(
        f'<tr><td class="{"cc-ok" if ok else "cc-bad"}">{"pass" if ok else "FAIL"}</td>'
        f"<td>{_e(f.key or 'expect.' + f.what).replace('.', '.<wbr>')}</td>"  # breaks after the dots
        f"<td><code>{_e(f.expected_text())}</code></td>"
        f"<td><code>{_e(f.actual_text())}</code></td></tr>" for f, ok in rows)
    return (f"<h3>Expectations: {head}</h3>"
            '<table class="cc-checks"><thead><tr><th aria-label="result">✓</th><th>check</th>'
            f"<th>expected</th><th>actual</th></tr></thead><tbody>{body}</tbody></table>")


# ---------------------------------------------------------------- the table
def _cells(row: LayerResult | None, result: Result, opts: Options, first: tuple[str, str, str]) -> str:
    cols = [COLUMNS[k] for k in opts.columns]
    out = [f'<span class="cc-idx">{_e(first[0])}</span>', f'<span class="cc-name">{first[1]}</span>',
           f'<span class="cc-label">{_e(first[2])}</span>']
    for c in cols:
        total = c.total(result, opts) if c.total else ""
        text = total if row is None else c.cell(row, result, opts)
        num = " cc-num" if c.numeric else ""
        out.append(f'<span class="cc-cell{num}" data-h="{_e(c.header)}">{_e(text)}</span>')
    return "".join(out)


def _row(row: LayerResult, result: Result, opts: Options, tag: str = "div") -> str:
    indent = f' style="padding-left:{row.depth * 1.1:.1f}em"' if row.depth else ""
    name = f"<span{indent}>{_e(row.name)}</span>"
    index = "" if row.is_block else str(row.index)
    return (f'<{tag} class="cc-row" role="row">'
            f"{_cells(row, result, opts, (index, name, row.label))}</{tag}>")


def _explained(lines: list[str]) -> str:
    return f'<div class="cc-explain"><pre>{_e(chr(10).join(lines))}</pre></div>'


def _table(result: Result, opts: Options) -> str:
    """Rows in order; a block row is the summary of a ``<details>`` holding its layers."""
    headers = ["#", "Name", "Layer", *(COLUMNS[k].header for k in opts.columns)]
    numeric = [True, False, False, *(COLUMNS[k].numeric for k in opts.columns)]
    head = "".join(f'<span class="{"cc-num" if n else ""}">{_e(h)}</span>'
                   for h, n in zip(headers, numeric, strict=True))
    out = [f'<div class="cc-table" role="table" style="--cc-n:{len(opts.columns)}">',
           f'<div class="cc-row cc-head" role="row">{head}</div>']
    open_depths: list[int] = []
    for row in visible_rows(result, opts):
        while open_depths and row.depth <= open_depths[-1]:
            open_depths.pop()
            out.append("</details>")
        explain = explain_lines(row, opts)
        if row.is_block:
            out.append('<details class="cc-block" open>' + _row(row, result, opts, "summary"))
            if explain:
                out.append(_explained(explain))
            open_depths.append(row.depth)
        elif explain:
            out.append('<details class="cc-layer"' + (" open" if opts.explain else "") + ">"
                       + _row(row, result, opts, "summary") + _explained(explain) + "</details>")
        else:
            out.append(_row(row, result, opts))
    out.extend("</details>" for _ in open_depths)
    total = _cells(None, result, opts, ("", "Total", ""))
    out.append(f'<div class="cc-row cc-total" role="row">{total}</div></div>')
    return "\n".join(out)


def _drawing(result: Result, n: int) -> str:
    """The ``--draw`` SVG, inline; its marker ids made unique per section."""
    from ..draw import draw

    svg = draw(result).split("?>", 1)[-1].strip()
    svg = svg.replace('id="arrow', f'id="s{n}-arrow').replace("url(#arrow", f"url(#s{n}-arrow")
    return (f'<details class="cc-fold" open><summary>Drawing</summary>'
            f'<div class="cc-drawing">{svg}</div></details>')
