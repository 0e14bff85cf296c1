"""Where the arguments of a YAML layer entry are written, kept without the entry itself.

A 100,000-layer file reads 100,000 entry mappings (``- conv2d: {out: 8, kernel: 3}``
is two): once its :class:`~convcalc.spec.model.LayerSpec` is made, an entry is only
ever asked where its arguments are written, which its places in the locator's flat
array answer.  So the entry of a layer list (and its type's value, when that holds
no list or mapping) is released to the locator here, and this keeps where its places
start and its keys (one tuple for entries alike): 140 to 230 bytes a layer less at the
peak of a big run (issue 19).  An irregular entry (an alias's copy, a value holding a
wrapped layer) is kept whole, and answered as before.  (The loader's subclass reads a
wrapped layer's entry, :meth:`ArgLocs.layer`.)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import Loc
from .model import ArgLocs

if TYPE_CHECKING:  # pragma: no cover
    from .yamlread import Locator

_KEYS: dict[tuple[Any, ...], tuple[Any, ...]] = {}  # the keys of entries alike: one tuple each
_FLAT = (list, dict)


def _shared(keys: tuple[Any, ...]) -> tuple[Any, ...]:
    return _KEYS.setdefault(keys, keys) if len(_KEYS) < 10_000 else _KEYS.get(keys, keys)


class YamlArgLocs(ArgLocs):
    """Where the arguments of a YAML layer entry are written, asked of the locator on demand.

    Kept whole: ``entry`` and ``value_`` (the type's value) are the containers.  Released
    (``entry`` None): ``keys`` are the entry's keys, ``spot`` packs where its places and
    its value's start in the locator's flat array, and ``vkeys`` is the value's length (a
    list), its keys (a mapping) or None (a scalar, then ``value_`` itself).
    """

    __slots__ = ("entry", "keys", "locator", "spot", "type_key", "value_", "vkeys")

    def __init__(self, locator: Locator, entry: Mapping[str, Any], type_key: Any,
                 release: bool = False) -> None:
        self.locator = locator
        self.entry: Mapping[str, Any] | None = entry
        self.type_key = type_key
        self.value_ = value = entry[type_key]
        self.keys: tuple[Any, ...] = ()
        self.vkeys: Any = None
        self.spot = 0
        if release:
            self._release(entry, value)

    def _release(self, entry: Mapping[str, Any], value: Any) -> None:
        locator = self.locator
        run = locator.run_of(entry)
        if run is None or run[1] != 2 * len(entry) or not isinstance(entry, dict):
            return
        vstart = 0
        if isinstance(value, _FLAT):
            per = 2 if isinstance(value, dict) else 1
            for v in value.values() if per == 2 else value:
                if isinstance(v, _FLAT):
                    return  # a value holding a wrapped layer: kept whole
            vrun = locator.run_of(value)
            if vrun is None or vrun[1] != per * len(value):
                return  # not read as it stands (an alias's copy, say): kept whole
            locator.release(value)
            vstart = vrun[0]
            self.vkeys = _shared(tuple(value)) if per == 2 else len(value)
            self.value_ = None
        self.keys = _shared(tuple(entry))
        self.spot = run[0] << 32 | vstart
        self.entry = None
        locator.release(entry)

    def arg(self, index: int) -> Loc | None:
        if self.entry is None:
            vkeys = self.vkeys
            if type(vkeys) is int:  # a list
                return self._loc((self.spot & _LOW) + index) if 0 <= index < vkeys else None
            if index == 0 and vkeys is None and self.value_ is not None:
                return self._entry_pair(str(self.type_key), 1)
            return None
        v = self.value_
        if isinstance(v, list):
            return self.locator.item(v, index) if self.locator.knows(v) and 0 <= index < len(v) else None
        if index == 0 and v is not None and not isinstance(v, Mapping):
            return self._at(self.entry, str(self.type_key), self.locator.value)
        return None

    def key(self, name: str) -> Loc | None:
        if self.entry is None:
            return self._released(name, 0)
        return self._find(name, self.locator.key)

    def value(self, name: str) -> Loc | None:
        if self.entry is None:
            return self._released(name, 1)
        return self._find(name, self.locator.value)

    def _released(self, name: str, which: int) -> Loc | None:
        """``which``: 0 the key's place, 1 the value's."""
        vkeys = self.vkeys
        if isinstance(vkeys, tuple) and name in vkeys:
            return self._pair(vkeys, self.spot & _LOW, name, which)
        if name in self.keys and name != self.type_key:  # `name:` / `from:` beside the type
            return self._entry_pair(name, which)
        return None

    def _entry_pair(self, name: str, which: int) -> Loc:
        return self._pair(self.keys, self.spot >> 32, name, which)

    def _pair(self, keys: tuple[Any, ...], start: int, name: str, which: int) -> Loc:
        """As the locator's own: the keys in the order of the YAML pairs, the last of a text answering."""
        found = None
        for i, k in enumerate(keys):
            if str(k) == name:
                found = i
        return Loc(self.locator.source) if found is None else self._loc(start + 2 * found + which)

    def _loc(self, i: int) -> Loc:
        return self.locator.loc(self.locator.flat[i])

    def _find(self, name: str, ask: Callable[..., Loc]) -> Loc | None:
        v = self.value_
        if isinstance(v, Mapping) and name in v:
            return self._at(v, name, ask)
        if self.entry is not None and name in self.entry and name != self.type_key:
            return self._at(self.entry, name, ask)
        return None

    def _at(self, mapping: Mapping[str, Any], name: str, ask: Callable[..., Loc]) -> Loc | None:
        return ask(mapping, name) if self.locator.knows(mapping) else None


_LOW = (1 << 32) - 1
