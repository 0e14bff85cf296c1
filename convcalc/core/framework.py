"""Which framework a spec is written for and which layout its shapes are in, read in one place.

``Framework`` and ``Layout`` are ``str`` enums: a member equals its value
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
from enum import Enum
from typing import TypeVar

from ..errors import Loc, SpecError, did_you_mean


class _AsValue:
    """Members print as their values on every Python (3.10's ``str`` enums do not).

    A plain mixin rather than an Enum base: one Enum class fewer to build at start-up.
    Hashing and ``==`` are ``str``'s own (it comes before Enum in the MRO), so a member
    finds the dictionary entries of its value and costs no more to compare.
    """

    __slots__ = ()
    value: str

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self.value), spec)


class Framework(_AsValue, str, Enum):
    PYTORCH = "pytorch"
    KERAS = "keras"

    @property
    def layout(self) -> Layout:
        """The framework's own layout: PyTorch puts channels first, Keras last."""
        return Layout.CHANNELS_LAST if self is Framework.KERAS else Layout.CHANNELS_FIRST


class Layout(_AsValue, str, Enum):
    CHANNELS_FIRST = "channels_first"
    CHANNELS_LAST = "channels_last"


class Spelling(_AsValue, str, Enum):
    """Whose name a layer type is written with: convcalc's own, a PyTorch class or a Keras class."""

    CONVCALC = "convcalc"
    TORCH = "torch"
    KERAS = "keras"


# Read by the hot paths (every layer asks): a module global costs less than the class attribute.
_CHANNELS_LAST = Layout.CHANNELS_LAST
FRAMEWORKS: tuple[str, ...] = tuple(f.value for f in Framework)
LAYOUTS: tuple[str, ...] = tuple(lay.value for lay in Layout)
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
