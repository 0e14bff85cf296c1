"""One layer's ``--format json`` object written straight from its row, for speed.

Why this exists: a 10,000-layer spec spent a sixth of its run turning each row into a
dict (:meth:`~convcalc.core.result.LayerResult.to_dict`) and walking that dict again
to write it.  A row of whole numbers (nearly every row) is written here directly, as
exactly the text :func:`~convcalc.render._json_writer.write` makes of its dict; any
other row (symbolic sizes, several outputs, weights standing for several tensors, an
unknown shape) gets ``None``, and is written from its dict.  ``tests/test_per_layer_cost.py``
holds the two ways equal on every example.
"""

from __future__ import annotations

from typing import Any

from ..core.result import BYTES_PER_ELEMENT, LayerResult
from ._json_writer import key_text, string_text

_PADS = ["\n" + "  " * level for level in range(40)]


# Shapes repeat (every stride is (1, 1); a conv's output shape is its batchnorm's and its
# relu's, and so is its receptive field): one text each.  Full, the memo starts afresh
# rather than stop taking new shapes: shapes repeat close together, and a long spec's
# later layers would otherwise all miss.
_INTS: dict[tuple[int, ...], str] = {}
_INTS_KEPT = 2_000


def _ints(values: Any) -> str | None:
    """``[3, 32, 32]``, or None when a value is not a whole number (bool is not one here)."""
    for v in values:
        if type(v) is not int:
            return None
    # exact ints only get here (a stored (1, 2) is never a (True, 2)); a list is not a key
    if type(values) is not tuple:  # a list (or a Shape): no key
        return repr([*values])  # a list of ints' repr is the JSON text
    text = _INTS.get(values)
    if text is None:
        text = repr([*values])
        if len(_INTS) >= _INTS_KEPT:
            _INTS.clear()
        _INTS[values] = text
    return text


def layer_text(row: LayerResult, level: int) -> str | None:
    """The JSON object of ``row`` at indentation ``level``, or None when its dict must write it."""
    if row.parts is not None or not row.shape_known or level >= len(_LEVELS):
        return None
    params, trainable, macs = row.params, row.trainable, row.macs
    if type(params) is not int or type(trainable) is not int or type(macs) is not int:
        return None
    output = _ints(row.output)
    if output is None:
        return None
    at = _LEVELS[level] or _level(level)
    weights = "{}"
    ws = row.weights
    if ws:
        if len(ws) > 1 and (ws[0].name == ws[1].name if len(ws) == 2 else not _distinct(ws)):
            # a name given twice: the dict keeps its first place
            return None
        keys = at.weight_keys
        weights = ""
        for w in ws:
            shape = _ints(w.shape)
            key = keys.get(w.name) or at.weight_key(w.name)
            if w.repeat != 1 or shape is None or key is None:
                return None
            weights += key + shape
        weights = "{" + weights[1:] + at.close  # the first key without its comma
    name, kind, sources = row.name, row.type, row.sources
    plain = name + kind + "".join(sources)
    if plain.isprintable() and '"' not in plain and "\\" not in plain:
        # no text of the row needs an escape (string_text's test, asked of them all at once):
        # each goes between the template's quotes as it is
        sources_text = '["' + '", "'.join(sources) + '"]' if sources else "[]"
    else:
        name, kind = string_text(name)[1:-1], string_text(kind)[1:-1]
        sources_text = "[" + ", ".join(map(string_text, sources)) + "]" if sources else "[]"
    memory = row.memory
    if memory is not None:
        if type(memory) is not int:
            return None
        field, stride = row.receptive_field, row.effective_stride
        field_text = "null" if field is None else _ints(field)
        stride_text = "null" if stride is None else _ints(stride)
        if field_text is None or stride_text is None:
            return None
    values = (row.index, name, kind, sources_text, output, weights,
              params, trainable, params - trainable, macs)
    if (row.block is None and not row.batchless and row.shared_with is None and row.tied_to is None
            and not row.skipped and row.batch_axis == 0):  # most rows: one template, one %
        if memory is None:
            return at.bare % values
        return at.row % (*values, memory, memory * BYTES_PER_ELEMENT, field_text, stride_text)
    if row.batch_axis is not None and type(row.batch_axis) is not int:
        return None
    parts = [at.head % values]
    sep = at.sep
    if row.block is not None:
        parts.append(sep + '"block": ' + string_text(row.block))
    if row.batchless:
        parts.append(sep + '"batchless": true')
    if row.shared_with is not None:
        parts.append(sep + '"shared_with": ' + string_text(row.shared_with))
    if row.tied_to is not None:
        parts.append(sep + '"tied_to": ' + string_text(row.tied_to))
    if row.skipped:
        parts.append(sep + '"skipped": true')
    if row.batch_axis != 0:
        parts.append(sep + '"batch_axis": ' + ("null" if row.batch_axis is None else str(row.batch_axis)))
    if memory is not None:
        parts.append(at.memory % (memory, memory * BYTES_PER_ELEMENT, field_text, stride_text))
    parts.append(at.end)
    return "".join(parts)


def _distinct(weights: tuple[Any, ...]) -> bool:
    """Whether the weights' names differ (two, most often, are compared where they are asked)."""
    return len({w.name for w in weights}) == len(weights)


_KEYS = ("index", "name", "type", "from", "output", "weights", "params", "trainable", "non_trainable", "macs")


class _Level:
    """The text a row at one indentation level has whatever its numbers, made once: templates for
    ``%`` (the keys, the indentation; a template's only ``%`` are its slots, as no key or
    indentation has one) and the weights' keys.  One ``%`` of a template is much cheaper than
    an f-string of its thirty pieces, made again for every row."""

    __slots__ = ("bare", "close", "end", "head", "inner", "memory", "row", "sep", "weight_keys")

    def __init__(self, level: int) -> None:
        pad, inner = _PADS[level + 1], _PADS[level + 2]
        sep = "," + pad
        self.sep, self.inner, self.close, self.end = sep, inner, pad + "}", _PADS[level] + "}"
        # slots: _KEYS's values, the name's and the type's text inside their quotes
        self.head = "{" + pad + sep.join(f'"{key}": "%s"' if key in ("name", "type") else f'"{key}": %s'
                                         for key in _KEYS)
        self.memory = (f'{sep}"memory": {{{inner}"elements": %s,{inner}"bytes": %s{pad}}}'
                       f'{sep}"receptive_field": %s{sep}"effective_stride": %s')
        self.bare = self.head + self.end  # a row without extra keys or memory
        self.row = self.head + self.memory + self.end  # a row without extra keys, with memory
        self.weight_keys: dict[str, str] = {}  # a weight's name -> ',' + its key on its own line

    def weight_key(self, name: Any) -> str | None:
        """``,\n      "weight": `` (None for a name that is not a text: the dict writes it)."""
        if type(name) is not str:
            return None
        key = "," + self.inner + key_text(name)
        if len(self.weight_keys) < 1_000:
            self.weight_keys[name] = key
        return key


def _level(level: int) -> _Level:
    at = _LEVELS[level] = _Level(level)
    return at


_LEVELS: list[_Level | None] = [None] * (len(_PADS) - 2)  # made when first asked for
