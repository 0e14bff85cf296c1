"""Block arguments: a use's arguments bound by name, and ``$arg`` replaced in the block's layers.

``$arg`` standing alone is replaced by the raw value; inside an expression
by its text, and the expression is folded to a number when it needs nothing
but ``vars`` (cleaner labels).  Used by :mod:`.expand` as it unrolls blocks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from .._record import replace
from .._regex import NAME_START
from ..arith import expr, num
from ..core.params import describe
from ..errors import Loc, SpecError, did_you_mean
from ..spec.model import ArgLocs, BlockSpec, LayerSpec, RepeatSpec, UseArgLocs

# `$name`: a name as Python's `\w` reads it, starting with an ASCII letter or `_`.  Read by hand
# (_name_end) rather than by regexes, which cost more to compile than a spec's blocks take to
# unroll (start-up: issue 20).


def _name_end(text: str, start: int) -> int:
    """Where the name at ``text[start]`` ends (``start`` itself when none starts there)."""
    if text[start:start + 1] not in NAME_START:
        return start
    end = start + 1
    while end < len(text) and (text[end].isalnum() or text[end] == "_"):
        end += 1
    return end


def _substitute(raw: str, put: Callable[[str, str], str]) -> str:
    """``raw`` with each ``$name`` replaced by ``put(name, "$name")``."""
    out, pos = [], 0
    dollar = raw.find("$")
    while dollar >= 0:
        end = _name_end(raw, dollar + 1)
        if end > dollar + 1:
            out += (raw[pos:dollar], put(raw[dollar + 1:end], raw[dollar:end]))
            pos = end
        dollar = raw.find("$", max(end, dollar + 1))
    return "".join(out) + raw[pos:] if out else raw


class NotConcrete(Exception):
    pass


def refuse_free(name: str) -> num.Value:
    raise NotConcrete(name)


@lru_cache(maxsize=4096)
def parse_cached(text: str) -> expr.Node:
    return expr.parse(text)


class Substitution:
    """``$arg`` -> the argument's value, anywhere in a raw layer entry."""

    def __init__(self, args: Mapping[str, Any], block: str, env: Mapping[str, num.Value],
                 skip: frozenset[str] = frozenset(), lenient: bool = False,
                 where: Callable[[str], Loc | None] | None = None) -> None:
        self.args = args
        self.block = block
        self.env = env
        self.skip = skip  # `$i` and `for:` names of a repeat inside: put in by the repeat itself
        self.lenient = lenient  # a repeat's round: other `$names` are the enclosing block's
        self.where = where  # block argument -> where the use writes its value

    def arg(self, name: str) -> Any:
        if name not in self.args:
            raise SpecError(f"block `{self.block}` has no argument `${name}`"
                            + did_you_mean(name, self.args)
                            + (f" (its arguments: {', '.join(self.args)})" if self.args else
                               " (it declares no `args:`)"), code="unknown-block-argument")
        return self.args[name]

    def __call__(self, raw: Any) -> Any:
        return self.sub(raw) if mentions_arg(raw) else raw

    def sub(self, raw: Any) -> Any:
        # Numbers first and Mapping (an ABC, the dearest isinstance) last: most values are numbers
        # or entries.
        if type(raw) is int or raw is None:
            return raw
        if isinstance(raw, str):
            return self.text(raw) if "$" in raw else raw
        if isinstance(raw, list | tuple):
            return [self.sub(r) for r in raw]
        if isinstance(raw, LayerSpec):
            return replace(raw, args=tuple(self.sub(a) for a in raw.args),
                           kwargs={k: self.sub(v) for k, v in raw.kwargs.items()}, when=self.sub(raw.when),
                           arg_locs=self.moved(raw))
        if isinstance(raw, RepeatSpec):
            times = _whole_arg(raw.times)
            inner = Substitution(self.args, self.block, self.env, self.skip | {"i", *raw.each},
                                 self.lenient, self.where)
            return replace(raw, times=self.sub(raw.times), layers=tuple(inner(e) for e in raw.layers),
                           each={k: tuple(self.sub(v) for v in vs) for k, vs in raw.each.items()},
                           times_loc=(self.where(times) if times and self.where else None) or raw.times_loc)
        if isinstance(raw, Mapping):
            return {k: self.sub(v) for k, v in raw.items()}
        return raw

    def moved(self, raw: LayerSpec) -> ArgLocs:
        """Where the layer's arguments are written once its ``$args`` are the use's values."""
        if self.where is None:
            return raw.arg_locs
        args = {i: n for i, n in ((i, _whole_arg(a)) for i, a in enumerate(raw.args)) if n}
        values = {k: n for k, n in ((k, _whole_arg(v)) for k, v in raw.kwargs.items()) if n}
        return UseArgLocs(raw.arg_locs, args, values, self.where) if args or values else raw.arg_locs

    def keeps(self, name: str) -> bool:
        """``$name`` left as written: a name a repeat inside binds, or not ours in a round."""
        return name in self.skip or (self.lenient and name not in self.args)

    def text(self, raw: str) -> Any:
        if "$" not in raw:
            return fold(raw, self.env)
        whole = _whole_arg(raw)
        if whole and not self.keeps(whole):
            return self.arg(whole)

        def put(name: str, written: str) -> str:
            if self.keeps(name):
                return written
            v = self.arg(name)
            if isinstance(v, bool) or not isinstance(v, int | str):
                raise SpecError(f"${name} is {_describe(v)}, which cannot stand inside "
                                f"the expression {raw!r} (block `{self.block}`)", code="bad-argument")
            text = str(v).strip()
            simple = text.isdecimal() or (text != "" and _name_end(text, 0) == len(text))
            return text if simple else f"({text})"

        return fold(_substitute(raw, put), self.env)


def _whole_arg(raw: Any) -> str | None:
    """``out`` for a value that is a block argument alone (``$out``), else None."""
    if not isinstance(raw, str) or "$" not in raw:
        return None
    text = raw.strip()
    end = _name_end(text, 1) if text[:1] == "$" else 1
    return text[1:] if end > 1 and end == len(text) else None


def use_where(block: BlockSpec, use: LayerSpec) -> Callable[[str], Loc | None]:
    """Block argument -> where ``use`` writes its value (None: not written, the default)."""
    names = list(block.args)

    def where(name: str) -> Loc | None:
        if name in use.kwargs:
            return use.arg_locs.value(name)
        i = names.index(name) if name in names else -1
        return use.arg_locs.arg(i) if 0 <= i < len(use.args) else None

    return where


def mentions_arg(raw: Any) -> bool:
    """Whether ``$`` occurs anywhere in a raw value (most entries: no, and nothing to copy).

    Asked of every entry of every block use and repeat round: the exact types a loaded spec holds
    are tried before the ``isinstance`` checks (``Mapping``'s is an ABC's), and loops stand in for
    ``any()`` over generators (each a call in 3.11)."""
    t = type(raw)
    if t is str:
        return "$" in raw
    if t is int or raw is None or t is bool or t is float:
        return False
    if isinstance(raw, LayerSpec):
        if raw.when is not None and mentions_arg(raw.when):
            return True
        return mentions_arg(raw.args) or (bool(raw.kwargs) and mentions_arg(list(raw.kwargs.values())))
    if isinstance(raw, list | tuple):
        for r in raw:  # noqa: SIM110  (a loop, not any(): see the docstring)
            if type(r) is not int and mentions_arg(r):
                return True
        return False
    if isinstance(raw, Mapping):
        return mentions_arg(list(raw.values()))
    if isinstance(raw, RepeatSpec):
        return (mentions_arg(raw.times) or mentions_arg(raw.layers)
                or mentions_arg(list(raw.each.values())))
    if isinstance(raw, str):
        return "$" in raw
    return False


def fold(text: str, env: Mapping[str, num.Value]) -> Any:
    """An expression that needs only ``vars`` becomes its number (cleaner labels)."""
    try:
        v = expr.evaluate(parse_cached(text), env, refuse_free)
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
                        f"{'' if len(names) == 1 else 's'} ({shown}), got {len(use.args)}",
                        loc=use.arg_locs.arg(len(names)), code="too-many-arguments")
    bound: dict[str, Any] = dict(zip(names, use.args, strict=False))
    for key, raw in use.kwargs.items():
        if key not in block.args:
            raise SpecError(f"block `{block.name}` has no argument `{key}`" + did_you_mean(key, names)
                            + (f" (its arguments: {', '.join(names)})" if names else
                               " (it declares no `args:`)"), loc=use.arg_locs.key(key),
                               code="unknown-argument")
        if key in bound:
            raise SpecError(f"block `{block.name}`: argument `{key}` is given twice",
                            loc=use.arg_locs.key(key), code="duplicate-argument")
        bound[key] = raw
    missing = [n for n in names if n not in bound and block.args[n] is None]
    if missing:
        raise SpecError(f"block `{block.name}` needs the argument{'s' if len(missing) > 1 else ''} "
                        + ", ".join(f"`{m}`" for m in missing)
                        + f" (its arguments: {', '.join(names)})", code="missing-argument")
    for n in names:
        if n not in bound:  # a default may use the arguments before it: {out: 64, mid: $out // 4}
            bound[n] = Substitution(bound, block.name, env)(block.args[n])
    return bound


def frozen(raw: Any) -> Any:
    """A hashable stand-in for raw argument values (cache keys)."""
    t = type(raw)
    if t is int or t is str:  # most values (before the ABC's isinstance below)
        return (t.__name__, raw)
    if isinstance(raw, Mapping):
        return tuple((k, frozen(v)) for k, v in raw.items())
    if isinstance(raw, list | tuple):
        return ("[", *(frozen(r) for r in raw))
    return (type(raw).__name__, raw)
