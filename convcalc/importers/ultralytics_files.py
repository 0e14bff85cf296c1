"""What an Ultralytics model YAML looks like (:func:`sniff`, without importing the reader), and
where its scale comes from: ``--scale`` (a context variable the reader reads) or the file name,
and Ultralytics's rule that an absent ``yolov8n.yaml`` is ``yolov8.yaml`` at scale n."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from .._regex import LazyPattern
from ..errors import Loc, SpecError
from ..spec.model import Spec

SCALE: ContextVar[str | None] = ContextVar("ultralytics_scale", default=None)
_SCALE_IN_NAME = LazyPattern(r"yolo(e-)?[v]?\d+([nslmx])")


def sniff(text: str) -> bool:
    """A top-level ``backbone:`` and ``head:`` (and no convcalc ``layers:``)."""
    return bool(re.search(r"^backbone:\s*(#.*)?$", text, re.M) and re.search(r"^head:\s*(#.*)?$", text, re.M)
                and not re.search(r"^layers:", text, re.M))


@contextmanager
def scale_option(scale: str | None) -> Iterator[None]:
    """``--scale``: the scale the reader uses instead of the file name's."""
    token = SCALE.set(scale)
    try:
        yield
    finally:
        SCALE.reset(token)


def unified_path(path: str) -> str | None:
    """``yolov8n.yaml`` (absent) -> ``yolov8.yaml`` beside it, when that exists (Ultralytics's rule)."""
    p = Path(path)
    if p.suffix.lower() not in (".yaml", ".yml"):
        return None
    unified = re.sub(r"(\d+)([nslmx])(.+)?$", r"\1\3", p.stem)
    alt = p.with_name(unified + p.suffix)
    return str(alt) if unified != p.stem and alt.is_file() else None


def load_scaled(load: Callable[[], Spec], scale: str) -> Spec:
    """``--scale``: load with the scale set; refused for a spec that is not an Ultralytics YAML."""
    with scale_option(scale):
        spec = load()
    if (spec.imported or {}).get("format") != "ultralytics":
        raise SpecError(f"--scale {scale} applies to Ultralytics model YAML files only",
                        code="scale-not-ultralytics", loc=Loc("--scale"))
    return spec
