"""convcalc._record: records and named tuples behave as the dataclasses and typing classes they replace."""

from __future__ import annotations

import math

import pytest

from convcalc._record import FrozenInstanceError, NamedTuple, field, record, replace
from convcalc.spec.model import LayerSpec


@record(frozen=True)
class Point:
    x: int
    y: int = 0
    tags: list[str] = field(default_factory=list)
    note: str = field(default="", compare=False)


@record()
class Mutable:
    a: int
    b: float = 0.0


def test_fields_defaults_factories_and_repr() -> None:
    p = Point(1)
    assert (p.x, p.y, p.tags, p.note) == (1, 0, [], "")
    assert p.tags is not Point(1).tags  # a fresh list each time
    assert repr(Point(1, 2, ["a"], "n")) == "Point(x=1, y=2, tags=['a'], note='n')"
    assert Point.__slots__ == ("x", "y", "tags", "note")
    with pytest.raises(TypeError):
        Point()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Point(1, z=3)  # type: ignore[call-arg]


def test_equality_hash_and_frozenness() -> None:
    assert Point(1, 2) == Point(1, 2, note="other")  # `compare=False` leaves note out
    assert Point(1, 2) != Point(1, 3)
    assert Point(1) != (1, 0, [])  # another class is never equal
    nan = math.nan
    assert Mutable(1, nan) == Mutable(1, nan)  # the same object is equal to itself, as in a tuple
    with pytest.raises(FrozenInstanceError):
        Point(1).x = 2  # type: ignore[misc]
    with pytest.raises(TypeError):
        hash(Mutable(1))  # mutable and compared by value: unhashable
    m = Mutable(1)
    m.b = 2.5
    assert m == Mutable(1, 2.5)


def test_replace_and_written_out_init() -> None:
    ls = LayerSpec("conv", (16, 3), name="c1")
    again = replace(ls, name="c2")
    assert (again.type, again.args, again.name) == ("conv", (16, 3), "c2") and ls.name == "c1"
    with pytest.raises(TypeError):
        replace(ls, colour="red")
    with pytest.raises(TypeError, match="must take the fields"):
        @record()
        class Partial:
            a: int
            b: int

            def __init__(self, a: int) -> None:
                self.a = a


class Triple(NamedTuple):  # at module level, so that it pickles
    a: int
    b: str = "x"
    c: tuple[int, ...] = ()


def _as_collections(value: Triple) -> object:
    import collections

    made = collections.namedtuple("Triple", Triple._fields, defaults=("x", ()))
    return made(*value)


@pytest.mark.parametrize("make", [lambda: Triple(1), lambda: Triple(1, "y"), lambda: Triple(1, "y", (2,)),
                                  lambda: Triple(a=1), lambda: Triple(c=(3,), a=1), lambda: Triple(1, c=(4,)),
                                  lambda: Triple._make([1, "z", ()])])
def test_named_tuple_behaves_as_collections_namedtuple(make: object) -> None:
    import copy
    import pickle

    t = make()  # type: ignore[operator]
    twin = _as_collections(t)
    assert tuple(t) == tuple(twin) and repr(t) == repr(twin) and t._asdict() == twin._asdict()  # type: ignore[attr-defined]
    assert t._replace(b="q") == twin._replace(b="q") and hash(t) == hash(twin)  # type: ignore[attr-defined]
    assert pickle.loads(pickle.dumps(t)) == t and copy.deepcopy(t) == t and type(copy.copy(t)) is Triple
    assert (t.a, t.b, t.c) == (twin.a, twin.b, twin.c)  # type: ignore[attr-defined]
    match t:
        case Triple(a, b, c):
            assert (a, b, c) == tuple(t)


@pytest.mark.parametrize("call", [lambda: Triple(), lambda: Triple(1, "y", (), 4), lambda: Triple(1, a=2),
                                  lambda: Triple(1, d=2), lambda: Triple._make([1])])
def test_named_tuple_refuses_what_a_call_refuses(call: object) -> None:
    with pytest.raises(TypeError):
        call()  # type: ignore[operator]
    with pytest.raises(ValueError, match="unexpected field"):
        Triple(1)._replace(d=2)


def test_named_tuple_is_the_collections_one() -> None:
    class Pair(NamedTuple):
        """Two numbers."""

        left: int
        right: int = 0

        @property
        def total(self) -> int:
            return self.left + self.right

    p = Pair(2)
    assert isinstance(p, tuple) and p == (2, 0) and p.total == 2 and repr(p) == "Pair(left=2, right=0)"
    assert Pair._fields == ("left", "right") and Pair._field_defaults == {"right": 0}
    assert p._replace(right=5).total == 7 and Pair.__doc__ == "Two numbers."
    with pytest.raises(TypeError):
        class Bad(NamedTuple):
            a: int = 0
            b: int


def test_named_tuple_binds_every_way_of_calling_it() -> None:
    class Point(NamedTuple):
        x: int
        y: int = 0

    seen = [(Point(i), Point(i, 1), Point(x=i), Point(y=2, x=i), Point(i, y=3)) for i in range(50)]
    assert all(p == ((i, 0), (i, 1), (i, 0), (i, 2), (i, 3)) for i, p in enumerate(seen))
    with pytest.raises(TypeError):
        Point()
    with pytest.raises(TypeError):
        Point(1, z=2)
