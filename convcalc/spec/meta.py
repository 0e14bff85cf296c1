"""The readers of a layer entry's meta keys (``name``, ``from``, ``trainable``, ``share``,
``tie``, ``if``) and of a repeat's ``for:`` lists: plain values checked, with the place to
blame.  Shared by the YAML loader and kept apart from it so each stays one concern."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import Loc, SpecError


def name(raw: Any, loc: Loc) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str | int) or isinstance(raw, bool) or not str(raw).strip():
        raise SpecError(f"name must be a word, not {raw!r}", loc=loc, code="bad-name")
    return str(raw)


def sources(raw: Any, loc: Loc) -> tuple[str | int, ...] | None:
    if raw is None:
        return None
    items = raw if isinstance(raw, list) else [raw]
    for item in items:
        if isinstance(item, bool) or not isinstance(item, str | int):
            raise SpecError(f"from: entries are layer names or indices, not {item!r}", loc=loc,
                            code="bad-reference")
    if not items:
        raise SpecError("from: is empty", loc=loc, code="bad-reference")
    return tuple(items)


def trainable_flag(raw: Any, loc: Loc) -> bool | None:
    """``trainable: false`` (or Keras's ``trainable=False``): true or false, nothing else."""
    if raw is None or isinstance(raw, bool):
        return raw
    raise SpecError(f"trainable must be true or false, not {raw!r}", code="not-boolean", loc=loc)


def layer_name(raw: Any, loc: Loc, key: str) -> str | None:
    """``share:``/``tie:``: the name of an earlier layer (or block use)."""
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, str | int) or not str(raw).strip():
        raise SpecError(f"{key}: names an earlier layer, not {raw!r}", code="bad-name", loc=loc)
    return str(raw)


def condition(raw: Any, loc: Loc) -> Any:
    """``if:``: true, false, or an expression such as ``$stride == 1 and size(in, 0) == $out``."""
    if isinstance(raw, bool) or (isinstance(raw, str) and raw.strip()):
        return raw
    raise SpecError(f"if: takes a condition such as `$stride == 1`, not {raw!r}", code="bad-expression",
                    loc=loc)


def for_lists(raw: Any, loc: Loc) -> dict[str, tuple[Any, ...]]:
    """``for: {out: [16, 24], stride: [1, 2]}``: one value per round for each block argument."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping) or not raw:
        raise SpecError("repeat: for: maps argument names to lists, e.g. {out: [16, 24], stride: [1, 2]}",
                        code="bad-repeat", loc=loc)
    out: dict[str, tuple[Any, ...]] = {}
    for k, v in raw.items():
        if not isinstance(k, str) or not k.isidentifier() or not isinstance(v, list):
            raise SpecError(f"repeat: for: {k!r} must name an argument and give a list, not {v!r}",
                            code="bad-repeat", loc=loc)
        out[k] = tuple(v)
    lengths = {k: len(v) for k, v in out.items()}
    if len(set(lengths.values())) > 1:
        raise SpecError("repeat: the for: lists differ in length ("
                        + ", ".join(f"{k}: {n}" for k, n in lengths.items()) + ")",
                        code="for-lengths-differ", loc=loc)
    return out
