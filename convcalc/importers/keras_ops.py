"""``keras.ops`` calls saved in a Keras model JSON (``x + y``, ``x * 0.5``, ``ops.concatenate``).

Keras 3 saves an op called on symbolic tensors as a node whose ``module`` is ``keras.src.ops.*``
and whose ``class_name`` is the op's class (``Add``, ``Multiply``, ``Concatenate``...), the same
names as the merge *layers*, but with other arguments: a number may stand among the tensors
(MobileNetV3's hard sigmoid is ``x + 3.0``, then ``* (1/6)``).  The ops read are those convcalc
computes exactly: an element-wise ``add``/``subtract``/``multiply``/``maximum``/``minimum`` of two
tensors (NumPy broadcasting, as the Keras merge layers and convcalc's merges do), ``concatenate``
of tensors along the saved axis, and those (and ``divide``) of one tensor and one number, which
keep the tensor's shape and have no weights.  Any other op is an error naming the op, its module
and the layer's place in the file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..errors import Loc, SpecError
from ..spec.model import LayerSpec

# op class -> the Keras merge layer that computes the same from two tensors
TENSOR_OPS = {"Add": "Add", "Subtract": "Subtract", "Multiply": "Multiply", "Maximum": "Maximum",
              "Minimum": "Minimum"}
# element-wise ops that, with a number as one operand, keep the other operand's shape
NUMBER_OPS = {"Add": "+", "Subtract": "-", "Multiply": "*", "Divide": "/", "TrueDivide": "/",
              "Maximum": "maximum", "Minimum": "minimum"}
READ = ("add, subtract, multiply, maximum and minimum of two tensors, concatenate of tensors, and "
        "those (and divide) of a tensor and a number")


def read_op(entry: Mapping[str, Any], cls: str, cfg: Mapping[str, Any], module: str, name: str,
            sources: tuple[str, ...] | None, loc: Loc) -> tuple[LayerSpec, str | None]:
    """An op node as a layer, and what it computes when read with a number (``x + 3.0``, for the
    note); else a SpecError."""
    public = f"keras.ops.{_snake(cls)}"

    def refuse(why: str) -> SpecError:
        return SpecError(f"layer {name!r} is the op {public} (module {module}, class {cls})"
                         f"{' ' + why if why else ''}; convcalc reads these keras.ops: {READ}",
                         code="keras-op-unsupported", loc=loc)

    nodes = entry.get("inbound_nodes") or []
    if not isinstance(nodes, list) or len(nodes) != 1 or not isinstance(nodes[0], Mapping):
        raise refuse(f"with {len(nodes) if isinstance(nodes, list) else 'no'} calls, not one")
    args, kwargs = nodes[0].get("args"), nodes[0].get("kwargs") or {}
    options = {k: v for k, v in cfg.items() if k not in ("name", "dtype")}
    if not isinstance(args, list):
        raise refuse("without its arguments")
    if kwargs:
        keys = ", ".join(map(str, kwargs))
        raise refuse(f"with the keyword argument{'s' if len(kwargs) > 1 else ''} {keys}")
    tensors = [a for a in args if _tensor(a)]
    numbers = [a for a in args if isinstance(a, int | float) and not isinstance(a, bool)]
    if cls == "Concatenate" and len(args) == 1 and isinstance(args[0], list) and set(options) <= {"axis"}:
        if len(args[0]) >= 2 and all(_tensor(a) for a in args[0]):
            return LayerSpec(type="Concatenate", kwargs={"axis": options.get("axis", 0)}, name=name,
                             sources=sources, loc=loc), None
        raise refuse("of something other than a list of at least 2 tensors")
    if options:
        raise refuse(f"with the option{'s' if len(options) > 1 else ''} {', '.join(map(str, options))}")
    if cls in TENSOR_OPS and len(args) == 2 and len(tensors) == 2:
        return LayerSpec(type=TENSOR_OPS[cls], name=name, sources=sources, loc=loc), None
    if cls in NUMBER_OPS and len(args) == 2 and len(tensors) == 1 and len(numbers) == 1:
        sign, number = NUMBER_OPS[cls], repr(numbers[0])
        number = number if len(number) <= 8 else f"{numbers[0]:.4g}"
        written = (f"{sign}(x, {number})" if sign.isalpha() else
                   f"x {sign} {number}" if _tensor(args[0]) else f"{number} {sign} x")
        return LayerSpec(type="identity", name=name, sources=sources, loc=loc), written
    shown = ", ".join("tensor" if _tensor(a) else type(a).__name__ for a in args)
    raise refuse(f"on ({shown})") if cls in NUMBER_OPS or cls in TENSOR_OPS else refuse("")


def _tensor(value: Any) -> bool:
    return isinstance(value, Mapping) and value.get("class_name") == "__keras_tensor__"


def _snake(cls: str) -> str:
    """``ExpandDims`` -> ``expand_dims`` (the public op's name)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", cls).lower()


def op_notes(notes: list[str]) -> tuple[str, ...]:
    """The keras.ops nodes read with a number, in one note: ``x + 3.0 ×9, x * 0.1667 ×9``."""
    if not notes:
        return ()
    counts: dict[str, int] = {}
    for written in notes:
        counts[written] = counts.get(written, 0) + 1
    forms = [f"{w} ×{n}" if n > 1 else w for w, n in counts.items()]
    return (f"{len(notes)} keras.ops node{'s' if len(notes) > 1 else ''} of a tensor and a number "
            f"({', '.join(forms[:6])}{', …' if len(forms) > 6 else ''}) read as steps that keep the shape "
            "and have no weights (rows of type identity)",)
