"""Which framework a spec is written for and which layout its shapes are in, read in one place.

``Framework`` and ``Layout`` are ``str`` choices (enums, without Enum): a member equals its value
(``Framework.KERAS == "keras"``) and prints as it (``str``, ``format``, JSON),
so results and messages read as before while the code compares against
names that can be grepped and checked.  :func:`parse_framework` is the one
normaliser of a written framework name (``torch`` and ``tensorflow`` are
accepted aliases); the loader and the command-line override both use it.
This module imports only :mod:`convcalc.errors`, so :mod:`convcalc.spec`
may read it as it reads the errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, TypeVar

from ..errors import Loc, SpecError, did_you_mean

_C = TypeVar("_C", bound="_Choice")


class _Choice(str):
    """One of a few named texts: a member equals its value and prints as it (``str``, JSON).

    Like a ``str`` Enum (``Framework("keras") is Framework.KERAS``, ``.value``, ``.name``) without
    Enum's class machinery, which costs ~0.2 ms a class at every start-up (issue 20).  Hashing and
    ``==`` are ``str``'s own, so a member finds the dictionary entries of its value.
    """

    __slots__ = ()
    _members: ClassVar[dict[str, _Choice]]

    def __new__(cls: type[_C], value: str) -> _C:
        member = cls._members.get(value) if isinstance(value, str) else None
        if member is None:
            raise ValueError(f"{value!r} is not a valid {cls.__name__}")
        return member  # type: ignore[return-value]  # a member of cls: _define made it

    @classmethod
    def _define(cls, **members: str) -> None:
        cls._members = {}
        for name, value in members.items():
            member = str.__new__(cls, value)
            cls._members[value] = member
            setattr(cls, name, member)

    @property
    def value(self) -> str:
        return str.__str__(self)

    @property
    def name(self) -> str:
        return next(n for n, v in vars(type(self)).items() if v is self)

    def __str__(self) -> str:
        return str.__str__(self)

    def __format__(self, spec: str) -> str:
        return format(str.__str__(self), spec)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}.{self.name}: {str.__repr__(self)}>"

    def __reduce__(self) -> tuple[type, tuple[str]]:  # copy and pickle give the member itself
        return type(self), (str.__str__(self),)


class Framework(_Choice):
    __slots__ = ()
    PYTORCH: ClassVar[Framework]
    KERAS: ClassVar[Framework]

    @property
    def layout(self) -> Layout:
        """The framework's own layout: PyTorch puts channels first, Keras last."""
        return Layout.CHANNELS_LAST if self is Framework.KERAS else Layout.CHANNELS_FIRST


class Layout(_Choice):
    __slots__ = ()
    CHANNELS_FIRST: ClassVar[Layout]
    CHANNELS_LAST: ClassVar[Layout]


class Spelling(_Choice):
    """Whose name a layer type is written with: convcalc's own, a PyTorch class or a Keras class."""

    __slots__ = ()
    CONVCALC: ClassVar[Spelling]
    TORCH: ClassVar[Spelling]
    KERAS: ClassVar[Spelling]


Framework._define(PYTORCH="pytorch", KERAS="keras")
Layout._define(CHANNELS_FIRST="channels_first", CHANNELS_LAST="channels_last")
Spelling._define(CONVCALC="convcalc", TORCH="torch", KERAS="keras")

# Read by the hot paths (every layer asks): a module global costs less than the class attribute.
_CHANNELS_LAST = Layout.CHANNELS_LAST
FRAMEWORKS: tuple[str, ...] = tuple(Framework._members)
LAYOUTS: tuple[str, ...] = tuple(Layout._members)
FRAMEWORK_ALIASES: dict[str, Framework] = {"torch": Framework.PYTORCH, "tensorflow": Framework.KERAS}


def parse_framework(written: object, loc: Loc | None = None) -> Framework:
    """``"PyTorch"``, ``"torch"``, ``"keras"``, ``"tensorflow"`` -> the :class:`Framework`."""
    if isinstance(written, str):
        key = written.lower()
        found = FRAMEWORK_ALIASES.get(key)
        if found is not None:
            return found
        if key in FRAMEWORKS:
            return Framework(key)
    hint = did_you_mean(written, FRAMEWORKS) if isinstance(written, str) else ""
    raise SpecError(f"framework must be pytorch or keras, not {written!r}{hint}",
                    code="bad-framework", loc=loc)


def parse_layout(written: object, loc: Loc | None = None) -> Layout:
    """``"channels_first"`` or ``"channels_last"``, spelt as both frameworks spell it -> :class:`Layout`."""
    if isinstance(written, str) and written in LAYOUTS:
        return Layout(written)
    raise SpecError(f"layout must be channels_first or channels_last, not {written!r}",
                    code="bad-layout", loc=loc)


T = TypeVar("T")


def split_channels(shape: Sequence[T], layout: str) -> tuple[T, tuple[T, ...]]:
    """(channels, spatial sizes) of a feature map without the batch axis, in ``layout``."""
    if layout == _CHANNELS_LAST:
        return shape[-1], tuple(shape[:-1])
    return shape[0], tuple(shape[1:])
