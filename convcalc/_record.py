"""Records: what ``@dataclass(slots=True)`` gives convcalc's data classes, without compiling code.

Why this exists: every run creates about ten data classes at import time (the
spec, the result, the options).  The ``dataclasses`` module compiles a dozen
functions for each and looks at every annotation: about 1.5 ms for the spec's 21
fields, 7 ms in all, a fifth of what convcalc itself costs at start-up beyond its
dependencies.  :func:`record` compiles nothing: the fields are the annotations
(``ClassVar`` ones left out), in order, with class-level defaults or
:func:`field`; ``__init__`` is a generic one (positional or keyword arguments,
defaults, ``default_factory``, ``__post_init__``) unless the class writes its
own, as the records built once per layer do for speed; ``__repr__``, ``__eq__``
(the compared fields, same class only), for ``frozen=True`` the refusal to set
or delete and, unless the class sets ``__hash__``, a hash of the compared fields;
always ``__slots__``.  :func:`replace` is ``dataclasses.replace`` for records
(and for real data classes, which it hands on).
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
    defaults: dict[str, Any] = {}
    factories: dict[str, Callable[[], Any]] = {}
    for name, note in ns.get("__annotations__", {}).items():  # the class's own, in order
        if str(note).startswith(("ClassVar", "typing.ClassVar")):
            continue
        names.append(name)
        value = ns.pop(name, _MISSING)
        spec = value if isinstance(value, _Field) else _Field(value, None, True)
        if spec.compare:
            compared.append(name)
        if spec.factory is not None:
            factories[name] = spec.factory
        elif spec.default is not _MISSING:
            defaults[name] = spec.default
    fields, keys = tuple(names), tuple(compared)
    if "__init__" not in ns:  # a record built once or twice a run; the many-a-run ones write their own
        ns["__init__"] = _init(fields, defaults, factories, object.__setattr__, "__post_init__" in ns)
    else:  # a written-out __init__ takes every field, in order (a field added to the class alone fails here)
        code = ns["__init__"].__code__
        if code.co_varnames[1:code.co_argcount] != fields:
            raise TypeError(f"{cls.__name__}.__init__ must take the fields {', '.join(fields)}, in order")

    def __repr__(self: Any) -> str:
        shown = ", ".join(f"{n}={getattr(self, n)!r}" for n in fields)
        return f"{type(self).__qualname__}({shown})"

    def values(self: Any) -> tuple[Any, ...]:
        return tuple([getattr(self, n) for n in keys])

    def __eq__(self: Any, other: Any) -> Any:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return values(self) == values(other)  # as tuples: a value is equal to itself (a NaN too)

    ns["__repr__"], ns["__eq__"] = __repr__, __eq__
    if frozen:
        ns["__setattr__"], ns["__delattr__"] = _refuse_set, _refuse_delete
        if "__hash__" not in ns:
            ns["__hash__"] = lambda self: hash(values(self))
    elif "__hash__" not in ns:
        ns["__hash__"] = None  # mutable and compared by value: unhashable, as a data class is
    ns.pop("__dict__", None)
    ns.pop("__weakref__", None)
    ns["__slots__"] = fields
    ns["__record_fields__"] = fields
    made = type(cls)(cls.__name__, cls.__bases__, ns)
    for fn in (made.__repr__, made.__eq__):
        fn.__qualname__ = f"{cls.__qualname__}.{fn.__name__}"
    return made


def _init(fields: tuple[str, ...], defaults: dict[str, Any], factories: dict[str, Callable[[], Any]],
          put: Callable[[Any, str, Any], None], post: bool) -> Callable[..., None]:
    """``__init__(*args, **kwargs)`` in the fields' order, with their defaults (no code compiled)."""

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if len(args) > len(fields):
            raise TypeError(f"{type(self).__name__}() takes {len(fields)} arguments, not {len(args)}")
        for name, value in zip(fields, args, strict=False):
            if name in kwargs:
                raise TypeError(f"{type(self).__name__}() got multiple values for {name!r}")
            put(self, name, value)
        for name in fields[len(args):]:
            if name in kwargs:
                value = kwargs.pop(name)
            elif name in defaults:
                value = defaults[name]
            elif name in factories:
                value = factories[name]()
            else:
                raise TypeError(f"{type(self).__name__}() is missing the argument {name!r}")
            put(self, name, value)
        if kwargs:
            raise TypeError(f"{type(self).__name__}() has no field {next(iter(kwargs))!r}")
        if post:
            self.__post_init__()

    return __init__


def _refuse_set(self: Any, name: str, value: Any) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _refuse_delete(self: Any, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")


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


# ---------------------------------------------------------------- named tuples

_SPECIAL = frozenset({"__module__", "__name__", "__annotations__"})
_PROHIBITED = frozenset({"__new__", "__init__", "__slots__", "__getnewargs__", "_fields", "_field_defaults",
                         "_make", "_replace", "_asdict", "_source"})


class _NamedTupleMeta(type):
    """``typing.NamedTuple``'s class syntax, without checking the annotations or compiling code.

    typing checks each annotation (with ``from __future__ import annotations``, a
    string it compiles into a ``ForwardRef``), and ``collections.namedtuple``
    compiles its ``__new__`` with ``eval``: about 1.3 ms for convcalc's 28 named
    tuples, every run (issue 20); here nothing is compiled.  The class made here is a tuple subclass with
    what a named tuple has (fields as C item getters, ``_fields``,
    ``_field_defaults``, ``_make``, ``_replace``, ``_asdict``, ``__repr__``,
    ``__getnewargs__``, ``__match_args__``) and the class body's methods,
    properties and docstring; ``__annotations__`` keeps the annotations as written.
    """

    def __new__(mcls, name: str, bases: tuple[type, ...], ns: dict[str, Any]) -> Any:
        if not bases:  # the base class itself
            return super().__new__(mcls, name, bases, ns)
        notes = ns.get("__annotations__", {})
        with_default = [n for n in notes if n in ns]
        if with_default and list(notes)[-len(with_default):] != with_default:
            raise TypeError(f"{name}: a field without a default follows one with a default")
        for key in ns:
            if key in _PROHIBITED:
                raise AttributeError(f"cannot overwrite NamedTuple attribute {key}")
        made = _named_tuple(name, tuple(notes), {n: ns[n] for n in with_default}, ns["__module__"])
        made.__annotations__ = dict(notes)
        for key, value in ns.items():
            if key not in _SPECIAL and key not in made._fields:
                setattr(made, key, value)
        return made


def _named_tuple(name: str, fields: tuple[str, ...], defaults: dict[str, Any], module: str) -> type:
    """What ``collections.namedtuple(name, fields, defaults=...)`` makes, with a generic ``__new__``
    (positional calls take a fast path: a 10,000-layer run is as fast as with namedtuple's)."""
    try:
        from _collections import _tuplegetter  # the C field getter collections.namedtuple uses
    except ImportError:  # pragma: no cover  (another Python)
        from operator import itemgetter

        def _tuplegetter(i: int, doc: str) -> Any:
            return property(itemgetter(i), doc=doc)

    n = len(fields)
    new_tuple = tuple.__new__
    tail = tuple(defaults.values())
    first = n - len(tail)  # how many arguments a call must give
    # A positional call of k arguments: the defaults it leaves out, at index k (one look-up, no
    # arithmetic); None below the fields a call must give, and no entry past the last field.
    fills: list[tuple[Any, ...] | None] = [None] * first
    fills += [tail[given - first:] for given in range(first, n + 1)]

    def __new__(cls: type, *args: Any, **kwargs: Any) -> Any:
        if not kwargs:
            try:  # an index, not dict.get: records are made several times a layer
                return new_tuple(cls, args + fills[len(args)])  # type: ignore[operator]
            except (IndexError, TypeError):  # too many arguments, or too few (None): said below
                pass
        return new_tuple(cls, _arguments(cls, args, kwargs, fields, defaults))

    def _make(cls: type, iterable: Any) -> Any:
        out = new_tuple(cls, iterable)
        if len(out) != n:
            raise TypeError(f"expected {n} arguments, got {len(out)}")
        return out

    def _replace(self: Any, **changes: Any) -> Any:
        out = self._make([changes.pop(f, v) for f, v in zip(fields, self, strict=True)])
        if changes:
            raise ValueError(f"got unexpected field names: {list(changes)!r}")
        return out

    def __repr__(self: Any) -> str:
        return f"{type(self).__name__}({', '.join(f'{f}={v!r}' for f, v in zip(fields, self, strict=True))})"

    ns: dict[str, Any] = {
        "__doc__": f"{name}({', '.join(fields)})", "__slots__": (), "__module__": module,
        "_fields": fields, "_field_defaults": dict(defaults), "__match_args__": fields,
        "__new__": __new__, "_make": classmethod(_make), "_replace": _replace, "__repr__": __repr__,
        "_asdict": lambda self: dict(zip(fields, self, strict=True)),
        "__getnewargs__": lambda self: tuple(self),
    }
    for i, f in enumerate(fields):
        ns[f] = _tuplegetter(i, f"Alias for field number {i}")
    for fn in (__new__, _replace, __repr__):
        fn.__qualname__ = f"{name}.{fn.__name__}"
    return type(name, (tuple,), ns)


def _arguments(cls: type, args: tuple[Any, ...], kwargs: dict[str, Any], fields: tuple[str, ...],
               defaults: dict[str, Any]) -> tuple[Any, ...]:
    """The fields' values from positional and keyword arguments and the defaults, refused as
    Python refuses a call with a missing, repeated or unknown argument."""
    if len(args) > len(fields):
        raise TypeError(f"{cls.__name__}() takes {len(fields)} arguments, not {len(args)}")
    values = list(args)
    for f in fields[len(args):]:
        if f in kwargs:
            values.append(kwargs.pop(f))
        elif f in defaults:
            values.append(defaults[f])
        else:
            raise TypeError(f"{cls.__name__}() is missing the argument {f!r}")
    if kwargs:
        f = next(iter(kwargs))
        got = "multiple values for" if f in fields else "an unexpected keyword argument"
        raise TypeError(f"{cls.__name__}() got {got} {f!r}")
    return tuple(values)


class NamedTuple(metaclass=_NamedTupleMeta):
    """Base of a named tuple written as a class, as ``typing.NamedTuple`` is (the class made is a
    tuple subclass with what ``collections.namedtuple`` gives, not a subclass of this)."""
