"""``$arg`` put into a block's layers, a repeat round's ``$i`` and ``for:`` values, and the
helpers the expander shares for raw values (SPEC §5; issue 14's ``$i``/``for:``).

A ``$arg`` standing alone is replaced by the raw value; inside an expression by its
text, which is then folded to a number when it needs nothing but ``vars``.  A repeat
inside a block binds ``$i`` and its ``for:`` names itself, so the block leaves them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from functools import lru_cache
from typing import Any

from ..arith import expr, num
from ..core.params import describe
from ..errors import SpecError, did_you_mean
from ..spec.model import BlockSpec, LayerSpec, RepeatSpec, raw_text

_ARG = re.compile(r"\$([A-Za-z_]\w*)")
_WHOLE_ARG = re.compile(r"^\s*\$([A-Za-z_]\w*)\s*$")
_SIMPLE = re.compile(r"^(\d+|[A-Za-z_]\w*)$")


class NotConcrete(Exception):
    pass


def refuse(name: str) -> num.Value:
    raise NotConcrete(name)


@lru_cache(maxsize=4096)
def parse(text: str) -> expr.Node:
    return expr.parse(text)


class Substitution:
    """``$arg`` -> the argument's value, anywhere in a raw layer entry."""

    def __init__(self, args: Mapping[str, Any], block: str, env: Mapping[str, num.Value],
                 skip: frozenset[str] = frozenset(), lenient: bool = False) -> None:
        self.args = args
        self.block = block
        self.env = env
        self.skip = skip  # `$i` and `for:` names of a repeat inside: put in by the repeat itself
        self.lenient = lenient  # a repeat's round: other `$names` are the enclosing block's

    def arg(self, name: str) -> Any:
        if name not in self.args:
            raise SpecError(f"block `{self.block}` has no argument `${name}`"
                            + did_you_mean(name, self.args)
                            + (f" (its arguments: {', '.join(self.args)})" if self.args else
                               " (it declares no `args:`)"))
        return self.args[name]

    def __call__(self, raw: Any) -> Any:
        return self.sub(raw) if mentions_arg(raw) else raw

    def sub(self, raw: Any) -> Any:
        if isinstance(raw, str):
            return self.text(raw) if "$" in raw else raw
        if isinstance(raw, list | tuple):
            return [self.sub(r) for r in raw]
        if isinstance(raw, Mapping):
            return {k: self.sub(v) for k, v in raw.items()}
        if isinstance(raw, LayerSpec):
            return replace(raw, args=tuple(self.sub(a) for a in raw.args),
                           kwargs={k: self.sub(v) for k, v in raw.kwargs.items()}, when=self.sub(raw.when))
        if isinstance(raw, RepeatSpec):
            inner = Substitution(self.args, self.block, self.env, self.skip | {"i", *raw.each},
                                 self.lenient)
            return replace(raw, times=self.sub(raw.times), layers=tuple(inner.sub(e) for e in raw.layers),
                           each={k: tuple(self.sub(v) for v in vs) for k, vs in raw.each.items()})
        return raw

    def keeps(self, name: str) -> bool:
        """``$name`` left as written: a name a repeat inside binds, or not ours in a round."""
        return name in self.skip or (self.lenient and name not in self.args)

    def text(self, raw: str) -> Any:
        whole = _WHOLE_ARG.match(raw)
        if whole and not self.keeps(whole.group(1)):
            return self.arg(whole.group(1))

        def put(m: re.Match[str]) -> str:
            if self.keeps(m.group(1)):
                return m.group(0)
            v = self.arg(m.group(1))
            if isinstance(v, bool) or not isinstance(v, int | str):
                raise SpecError(f"${m.group(1)} is {_describe(v)}, which cannot stand inside "
                                f"the expression {raw!r} (block `{self.block}`)")
            text = str(v).strip()
            return text if _SIMPLE.match(text) else f"({text})"

        out = _ARG.sub(put, raw)
        return fold(out, self.env)


def mentions_arg(raw: Any) -> bool:
    """Whether ``$`` occurs anywhere in a raw value (most entries: no, and nothing to copy)."""
    if isinstance(raw, str):
        return "$" in raw
    if isinstance(raw, int | float | bool) or raw is None:
        return False
    if isinstance(raw, LayerSpec):
        return mentions_arg(raw.args) or mentions_arg(raw.kwargs) or mentions_arg(raw.when)
    if isinstance(raw, list | tuple):
        return any(mentions_arg(r) for r in raw)
    if isinstance(raw, Mapping):
        return any(mentions_arg(v) for v in raw.values())
    if isinstance(raw, RepeatSpec):
        return (mentions_arg(raw.times) or any(mentions_arg(e) for e in raw.layers)
                or mentions_arg(list(raw.each.values())))
    return False


def fold(text: str, env: Mapping[str, num.Value]) -> Any:
    """An expression that needs only ``vars`` becomes its number (cleaner labels)."""
    try:
        v = expr.evaluate(parse(text), env, refuse)
    except (NotConcrete, SpecError, RecursionError):
        return text
    return v if num.is_int(v) else text


def _describe(v: Any) -> str:
    return describe(v)


def bind_block(block: BlockSpec, use: LayerSpec, env: Mapping[str, num.Value]) -> dict[str, Any]:
    """The use's arguments by name, defaults filled in (in the order of ``args:``)."""
    names = list(block.args)
    if len(use.args) > len(names):
        shown = ", ".join(names) if names else "none"
        raise SpecError(f"block `{block.name}` takes at most {len(names)} positional argument"
                        f"{'' if len(names) == 1 else 's'} ({shown}), got {len(use.args)}")
    bound: dict[str, Any] = dict(zip(names, use.args, strict=False))
    for key, raw in use.kwargs.items():
        if key not in block.args:
            raise SpecError(f"block `{block.name}` has no argument `{key}`" + did_you_mean(key, names)
                            + (f" (its arguments: {', '.join(names)})" if names else
                               " (it declares no `args:`)"))
        if key in bound:
            raise SpecError(f"block `{block.name}`: argument `{key}` is given twice")
        bound[key] = raw
    missing = [n for n in names if n not in bound and block.args[n] is None]
    if missing:
        raise SpecError(f"block `{block.name}` needs the argument{'s' if len(missing) > 1 else ''} "
                        + ", ".join(f"`{m}`" for m in missing)
                        + f" (its arguments: {', '.join(names)})")
    for n in names:
        if n not in bound:  # a default may use the arguments before it: {out: 64, mid: $out // 4}
            bound[n] = Substitution(bound, block.name, env)(block.args[n])
    return bound


def block_label(name: str, use: LayerSpec) -> str:
    parts = [raw_text(a) for a in use.args]
    parts += [f"{k}={raw_text(v)}" for k, v in use.kwargs.items()]
    return f"{name}({', '.join(parts)})" if parts else name


def frozen_key(raw: Any) -> Any:
    """A hashable stand-in for raw argument values (cache keys)."""
    if isinstance(raw, Mapping):
        return tuple((k, frozen_key(v)) for k, v in raw.items())
    if isinstance(raw, list | tuple):
        return ("[", *(frozen_key(r) for r in raw))
    return (type(raw).__name__, raw)


def rename_tensors(node: expr.Node, names: Mapping[str, str]) -> expr.Node:
    """The tree with the tensors of ``size()`` calls renamed."""
    if isinstance(node, expr.Call):
        args = tuple(rename_tensors(a, names) for a in node.args)
        if node.func == "size" and isinstance(args[0], expr.Name) and args[0].id in names:
            args = (expr.Name(names[args[0].id]), *args[1:])
        return node._replace(args=args)
    if isinstance(node, expr.Bin):
        return node._replace(left=rename_tensors(node.left, names), right=rename_tensors(node.right, names))
    if isinstance(node, expr.Neg | expr.Not):
        return node._replace(operand=rename_tensors(node.operand, names))
    if isinstance(node, expr.Cond):
        return expr.Cond(*(rename_tensors(x, names) for x in node))
    return node


def mentions_size(entry: LayerSpec) -> bool:
    """Whether a layer entry's arguments call ``size()`` (cheap: most hold no text at all)."""
    for raw in (*entry.args, *entry.kwargs.values()):
        if type(raw) is int or raw is None or type(raw) is bool:
            continue
        if any("size(" in t for t in strings(raw)):
            return True
    return False


def strings(raw: Any) -> list[str]:
    """Every text inside a raw value (arguments, nested lists and mappings)."""
    if isinstance(raw, str):
        return [raw]
    if isinstance(raw, list | tuple):
        return [t for r in raw for t in strings(r)]
    if isinstance(raw, Mapping):
        return [t for r in raw.values() for t in strings(r)]
    return []
