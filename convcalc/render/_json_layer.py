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
    if row.parts is not None or not row.shape_known or level + 2 >= len(_PADS):
        return None
    params, trainable, macs = row.params, row.trainable, row.macs
    if type(params) is not int or type(trainable) is not int or type(macs) is not int:
        return None
    output = _ints(row.output)
    if output is None:
        return None
    pad, inner = _PADS[level + 1], _PADS[level + 2]
    sep = "," + pad
    weights = "{}"
    if row.weights:
        shapes: dict[str, Any] = {}
        for w in row.weights:
            if w.repeat != 1 or type(w.name) is not str:
                return None
            shapes[w.name] = w.shape  # as the dict does: a name given twice keeps its first place
        texts = []
        for name, shape in shapes.items():
            text = _ints(shape)
            if text is None:
                return None
            texts.append(key_text(name) + text)
        weights = "{" + inner + ("," + inner).join(texts) + pad + "}"
    sources = row.sources
    sources_text = "[" + ", ".join(map(string_text, sources)) + "]" if sources else "[]"
    parts = [  # the keys every row has, in one f-string: fewer pieces made and joined
        f'"index": {row.index}{sep}"name": {string_text(row.name)}{sep}"type": {string_text(row.type)}'
        f'{sep}"from": {sources_text}{sep}"output": {output}{sep}"weights": {weights}{sep}"params": '
        f'{params}{sep}"trainable": {trainable}{sep}"non_trainable": {params - trainable}{sep}"macs": {macs}'
    ]
    if row.block is not None:
        parts.append('"block": ' + string_text(row.block))
    if row.batchless:
        parts.append('"batchless": true')
    if row.shared_with is not None:
        parts.append('"shared_with": ' + string_text(row.shared_with))
    if row.tied_to is not None:
        parts.append('"tied_to": ' + string_text(row.tied_to))
    if row.skipped:
        parts.append('"skipped": true')
    if row.batch_axis != 0:
        if row.batch_axis is not None and type(row.batch_axis) is not int:
            return None
        parts.append('"batch_axis": ' + ("null" if row.batch_axis is None else str(row.batch_axis)))
    memory = row.memory
    if memory is not None:
        if type(memory) is not int:
            return None
        field, stride = row.receptive_field, row.effective_stride
        field_text = "null" if field is None else _ints(field)
        stride_text = "null" if stride is None else _ints(stride)
        if field_text is None or stride_text is None:
            return None
        size = memory * BYTES_PER_ELEMENT
        parts.append(f'"memory": {{{inner}"elements": {memory},{inner}"bytes": {size}{pad}}}'
                     f'{sep}"receptive_field": {field_text}{sep}"effective_stride": {stride_text}')
    return f"{{{pad}{sep.join(parts)}{_PADS[level]}}}"
