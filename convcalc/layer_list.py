"""``--list-layers``: the catalogue, read from the same registry the parser uses.

Each type shows its convcalc names, then one call signature per spelling
(convcalc's, PyTorch's, Keras's) in that spelling's positional order with
the defaults that spelling gets, then the keyword-only arguments and the
other names each argument answers to.  Nothing here is written by hand per
layer: a new layer type appears as soon as it is registered.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence

from .core.framework import Framework, Spelling
from .core.params import ALIASES, REQUIRED, Param
from .layers.base import Layer
from .layers.registry import REGISTRY

WIDTH = 100
INDENT = " " * 6
# Families in reading order; any other family follows, alphabetically.
FAMILY_ORDER = (
    "convolution",
    "pooling",
    "dense",
    "normalization",
    "recurrent",
    "reshaping",
    "merge",
    "wrappers",
    "no shape change",
)


def _default(value: object) -> str:
    if value is REQUIRED:
        return ""
    if value is None:
        return "=none"
    if isinstance(value, bool):
        return "=" + str(value).lower()
    return f"={value}"


def _signature(params: Sequence[Param], order: Sequence[str], framework: str,
               required: Sequence[str] = ()) -> str:
    by_name = {p.name: p for p in params}
    parts = []
    for name in order:
        p = by_name.get(name)
        parts.append(name if p is None or name in required else f"{name}{_default(p.default_for(framework))}")
    return f"({', '.join(parts)})"


def _class_names(names: Iterable[str]) -> str:
    names = list(names)
    return "/".join(names[:3]) + ("/…" if len(names) > 3 else "")


def _wrap(label: str, text: str) -> list[str]:
    head = f"{INDENT}{label:<9} "
    return textwrap.wrap(text, WIDTH, initial_indent=head, subsequent_indent=" " * len(head),
                         break_on_hyphens=False) or [head.rstrip()]


def _names(layer: Layer) -> str:
    if layer.ranks:
        names = [f"{layer.kind}{r}d" for r in layer.ranks] + [f"{layer.kind} (rank from input)"]
    else:
        names = [layer.kind]
    text = ", ".join(names)
    if layer.aliases:
        text += f"; also {', '.join(layer.aliases)}"
    return text


def entry(layer: Layer) -> list[str]:
    """The lines describing one layer type."""
    lines = textwrap.wrap(_names(layer), WIDTH, initial_indent="  ", subsequent_indent="    ")
    if layer.doc:
        lines += textwrap.wrap(layer.doc, WIDTH, initial_indent=INDENT, subsequent_indent=INDENT)
    shown = layer.kind
    if layer.ranks:
        shown = layer.type_name(2 if 2 in layer.ranks else layer.ranks[0])
    lines += _wrap("convcalc", shown + _signature(layer.params, layer.order, Framework.PYTORCH))
    torch_order, keras_order = layer.framework_order(Spelling.TORCH), layer.framework_order(Spelling.KERAS)
    for label, spelling, names, order, framework in (
            ("PyTorch", Spelling.TORCH, layer.torch, torch_order, Framework.PYTORCH),
            ("Keras", Spelling.KERAS, layer.keras, keras_order, Framework.KERAS)):
        # Classes whose own signatures differ (PyTorch's Lazy ones, ...) get a line each.
        groups: dict[tuple[tuple[str, ...], tuple[str, ...]], list[str]] = {}
        for cls in names:
            form = layer.call_form(cls, spelling)
            key = (form.order, form.required) if form is not None else (tuple(order), ())
            groups.setdefault(key, []).append(cls)
        for i, ((group_order, required), classes) in enumerate(groups.items()):
            lines += _wrap(label if i == 0 else "", _class_names(classes)
                           + _signature(layer.params, group_order, framework, required))
    positional = {*layer.order, *torch_order, *keras_order}
    keywords = []
    for p in layer.params:
        if p.name in positional and not p.doc:
            continue
        text = f"{p.name}{_default(p.default)}"
        if p.keras_default is not REQUIRED:
            text += f" (Keras{_default(p.keras_default)})"
        if p.doc:
            text += f": {p.doc}"
        keywords.append(text)
    if keywords:
        lines += _wrap("notes", "; ".join(keywords))
    aliases = []
    for p in layer.params:
        other = [n for n in (*p.aliases, *ALIASES.get(p.name, ())) if n != p.name]
        if other:
            aliases.append(f"{p.name}: {', '.join(dict.fromkeys(other))}")
    if aliases:
        lines += _wrap("aliases", " · ".join(aliases))
    return lines


def catalogue(family: str | None = None, only: str | None = None) -> str:
    """One paragraph per layer type, grouped by family (or only ``family``).

    ``only``: a family (``recurrent``) or a type in any spelling (``lstm``, ``nn.LSTM``),
    for ``--list-layers --only``; anything else is a :class:`SpecError` naming the closest.
    """
    by_family: dict[str, list[Layer]] = {}
    for layer in REGISTRY.values():
        by_family.setdefault(layer.family, []).append(layer)
    rank = {f: i for i, f in enumerate(FAMILY_ORDER)}
    families = sorted(by_family, key=lambda f: (rank.get(f, len(rank)), f))
    if family is not None:
        families = [f for f in families if f == family]
    if only is not None:
        by_family, families = _only(only, by_family, families)
    out = [
        "Layer types.  Names match ignoring case and `_`; a leading `nn.`, `torch.nn.`, `layers.`",
        "or `keras.layers.` is dropped.",
        "Each spelling takes positional arguments in the order shown; defaults are that "
        "framework's.",
        "",
    ]
    for fam in families:
        out.append(f"{fam}:")
        for layer in by_family[fam]:
            out.extend(entry(layer))
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def _only(word: str, by_family: dict[str, list[Layer]],
          families: list[str]) -> tuple[dict[str, list[Layer]], list[str]]:
    """The one family, or the one type, that ``word`` names."""
    from .errors import SpecError
    from .layers.registry import closest_types, lookup

    wanted = word.strip().lower()
    for fam in families:
        if fam.lower() == wanted:
            return by_family, [fam]
    try:
        layer = lookup(word, Framework.PYTORCH).layer
    except SpecError:
        import difflib

        close = [*difflib.get_close_matches(wanted, families, n=2, cutoff=0.6), *closest_types(word)]
        raise SpecError(f"--only: `{word}` is neither a layer type nor a family"
                        + (f" (did you mean {' or '.join(f'`{c}`' for c in close[:2])}?)" if close else "")
                        + f"; families: {', '.join(families)}", code="unknown-type") from None
    return {layer.family: [layer]}, [layer.family]
