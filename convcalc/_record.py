"""Records: what ``@dataclass(slots=True)`` gives convcalc's data classes, made at a tenth of the cost.

Why this exists: every run creates about ten data classes at import time (the
spec, the result, the options).  The ``dataclasses`` module builds each one with
a dozen compiled functions and a look at every annotation, about 1 ms for the
spec's 21 fields, a fifth of what convcalc itself costs at start-up beyond its
dependencies.  :func:`record` writes the same methods in one piece of code per
class: ``__init__`` (defaults, ``field(default_factory=...)``,
``__post_init__``), ``__repr__``, ``__eq__`` (the compared fields, as a tuple,
same class only), for ``frozen=True`` the refusal to set or delete and, unless
the class sets ``__hash__``, a hash of the compared fields; always ``__slots__``.
:func:`replace` is ``dataclasses.replace`` for records (and for real data
classes, which it hands on).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class FrozenInstanceError(AttributeError):
    """Setting or deleting a field of a frozen record (as ``dataclasses.FrozenInstanceError``)."""


class _Field:
    __slots__ = ("compare", "default", "factory")

    def __init__(self, default: Any, factory: Callable[[], Any] | None, compare: bool) -> None:
        self.default, self.factory, self.compare = default, factory, compare


_MISSING: Any = object()


def field(*, default: Any = _MISSING, default_factory: Callable[[], Any] | None = None,
          compare: bool = True) -> Any:
    """A field's default made fresh for each record (``default_factory``), or one left out of ``==``."""
    return _Field(default, default_factory, compare)


def record(*, frozen: bool = False) -> Callable[[type[T]], type[T]]:
    """Class decorator: the annotated fields (in order, ``ClassVar`` ones left out) become slots."""

    def make(cls: type[T]) -> type[T]:
        return _build(cls, frozen)

    return make


def _build(cls: type[T], frozen: bool) -> type[T]:
    ns = dict(cls.__dict__)
    names: list[str] = []
    compared: list[str] = []
    glob: dict[str, Any] = {"_MISSING": _MISSING, "_set": object.__setattr__,
                            "FrozenInstanceError": FrozenInstanceError}
    params: list[str] = []
    body: list[str] = []
    for name, note in ns.get("__annotations__", {}).items():  # the class's own, in order
        if str(note).startswith(("ClassVar", "typing.ClassVar")):
            continue
        names.append(name)
        value = ns.pop(name, _MISSING)
        spec = value if isinstance(value, _Field) else _Field(value, None, True)
        if spec.compare:
            compared.append(name)
        if spec.factory is not None:
            glob[f"_f_{name}"] = spec.factory
            params.append(f"{name}=_MISSING")
            value_text = f"_f_{name}() if {name} is _MISSING else {name}"
        else:
            if spec.default is not _MISSING:
                glob[f"_d_{name}"] = spec.default
                params.append(f"{name}=_d_{name}")
            else:
                params.append(name)
            value_text = name
        body.append(f"  _set(self, {name!r}, {value_text})" if frozen else f"  self.{name} = {value_text}")
    if "__post_init__" in ns:
        body.append("  self.__post_init__()")
    own = "(" + "".join(f"self.{n}, " for n in compared) + ")"  # a tuple, also of one or none
    other = own.replace("self.", "other.")
    shown = ", ".join(f"{n}={{self.{n}!r}}" for n in names)
    code = [
        f"def __init__(self, {', '.join(params)}):",
        *(body or ["  pass"]),
        "def __repr__(self):",
        f"  return f'{{type(self).__qualname__}}({shown})'",
        "def __eq__(self, other):",
        "  if other.__class__ is not self.__class__:",
        "    return NotImplemented",
        f"  return {own} == {other}",
    ]
    if frozen:
        code += [
            "def __setattr__(self, name, value):",
            "  raise FrozenInstanceError(f'cannot assign to field {name!r}')",
            "def __delattr__(self, name):",
            "  raise FrozenInstanceError(f'cannot delete field {name!r}')",
        ]
        if "__hash__" not in ns:
            code += ["def __hash__(self):", f"  return hash({own})"]
    elif "__hash__" not in ns:
        ns["__hash__"] = None  # mutable and compared by value: unhashable, as a data class is
    made: dict[str, Any] = {}
    exec("\n".join(code), glob, made)  # the methods of a class convcalc itself defines
    for fn in made.values():
        fn.__qualname__ = f"{cls.__qualname__}.{fn.__name__}"
    ns.update(made)
    ns.pop("__dict__", None)
    ns.pop("__weakref__", None)
    ns["__slots__"] = tuple(names)
    ns["__record_fields__"] = tuple(names)
    return type(cls)(cls.__name__, cls.__bases__, ns)


def replace(obj: T, /, **changes: Any) -> T:
    """A copy of the record ``obj`` with ``changes`` (``dataclasses.replace``, for a data class too)."""
    names = getattr(type(obj), "__record_fields__", None)
    if names is None:
        import dataclasses  # a real data class (convcalc's drawing and readers keep a few)

        return dataclasses.replace(obj, **changes)  # type: ignore[type-var]
    for name in changes:
        if name not in names:
            raise TypeError(f"{type(obj).__name__} has no field {name!r}")
    return type(obj)(**{n: changes[n] if n in changes else getattr(obj, n) for n in names})
