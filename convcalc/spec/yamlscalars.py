"""What a YAML scalar's text and tag become in a spec: plain JSON values, with the spec's limits.

The scalar half of :mod:`convcalc.spec.yamlevents`: a number beyond the digit limit
in any base is refused before it is built, and the tags of non-JSON types, ``.nan``
and ``.inf`` are refused with where they are written.
"""

from __future__ import annotations

import math
from typing import Any

import yaml

from ..errors import Loc, SpecError
from .yamlplaces import Locator

MAX_DIGITS = 3_000  # a number written with more digits is refused (about MAX_BITS, arith.num's limit)
MAX_BITS = 10_000

_INT = "tag:yaml.org,2002:int"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_SCALAR_TAGS = tuple(f"tag:yaml.org,2002:{t}" for t in ("int", "float", "bool", "null", "str"))
_constructor = yaml.constructor.SafeConstructor()
_values: dict[tuple[str, str], Any] = {}  # (tag, text) -> value, for numbers, truth values, null


_resolver = yaml.resolver.Resolver()
_tags: dict[tuple[str, Any], str] = {}  # (text, implicit) -> resolved tag: a hot spot on big specs


def implicit_tag(raw: str, implicit: tuple[bool, bool]) -> str:
    """The tag YAML's resolver gives a scalar written without one (remembered: words repeat)."""
    if implicit[0] and raw.isdigit() and raw.isascii() and (raw[0] != "0" or len(raw) == 1):
        # plain decimal digits (`out: 3350`, new on every line of a long spec): the resolver's
        # int and nothing else (a float needs a dot, a date dashes; 010 is octal, 09 text)
        return _INT
    key = (raw, implicit)
    tag = _tags.get(key)
    if tag is None:
        tag = _resolver.resolve(yaml.ScalarNode, raw, implicit)
        if len(_tags) < 50_000:
            _tags[key] = tag
    return tag


def scalar_value(raw: str, tag: str, place: int, locator: Locator) -> Any:
    """A scalar other than text: a number, a truth value, null; a date stays its text (``place``:
    where it is written, in ``locator``).

    Whatever a tag makes of its text, a spec gets plain JSON values: a tag on text it
    does not fit, a number beyond the digit limit in any base (``0xfff…``, ``1:2:3…``),
    ``.nan``/``.inf`` and the tags of non-JSON types are refused, with where they are.
    """
    if tag == _INT:
        if raw.isascii() and raw.isdigit() and (raw[0] != "0" or len(raw) == 1):
            if len(raw) > MAX_DIGITS:
                raise _too_large(locator.loc(place), len(raw))
            return int(raw)  # plain decimal (YAML 1.1 reads 010 as octal)
        if len(raw) > MAX_DIGITS:  # a long hex or sexagesimal number: refused before it is built
            raise _too_large(locator.loc(place), len(raw))
    elif tag == _TIMESTAMP:
        return raw  # no spec field is a date: `name: 2024-01-01` is that text
    elif tag not in _SCALAR_TAGS:
        raise SpecError(f"the YAML tag {short_tag(tag)} is not supported in specs",
                        loc=locator.loc(place), code="yaml-tag")
    key = (tag, raw)
    if key in _values:
        return _values[key]
    loc = locator.loc(place)
    shown = raw if len(raw) <= 40 else raw[:37] + "..."
    try:
        out = _constructor.construct_object(yaml.ScalarNode(tag, raw))
    except (yaml.YAMLError, ValueError, KeyError, AttributeError, TypeError, IndexError) as e:
        why = f"not a valid {short_tag(tag)}"
        if isinstance(e, yaml.MarkedYAMLError) and e.problem:
            why = e.problem  # PyYAML's own line `in "<unicode string>", line 2` left out
        raise SpecError(f"invalid value {shown!r}: {why}", loc=loc, code="bad-value") from None
    finally:
        _constructor.constructed_objects.clear()
        _constructor.recursive_objects.clear()
    if isinstance(out, int) and not isinstance(out, bool) and out.bit_length() > MAX_BITS:
        raise SpecError(f"a number of {out.bit_length():,} bits is too large (the limit is "
                        f"{MAX_BITS:,} bits)", loc=loc, code="too-large")
    if isinstance(out, float) and not math.isfinite(out):
        raise SpecError(f"invalid value {shown!r}: a spec's numbers are finite (a size, a count, "
                        f"a probability), not {out}", loc=loc, code="not-whole")
    if len(_values) < 10_000:
        _values[key] = out
    return out




def short_tag(tag: str) -> str:
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org,2002:") else tag


def _too_large(loc: Loc, digits: int) -> SpecError:
    return SpecError(f"a number of {digits:,} characters is too large (the limit is {MAX_DIGITS:,} "
                     "digits)", loc=loc, code="too-large")
