"""The Python API (SPEC §9): ``analyze(spec, **overrides) -> Result``.

The CLI is a thin layer over this module; everything it prints comes from
the :class:`~convcalc.core.result.Result` returned here.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from os import PathLike
from os import path as os_path
from typing import Any

from ._record import replace
from .core.framework import Layout, parse_framework, parse_layout
from .core.result import Result
from .errors import Loc, SpecError
from .spec.loader import from_data, load_text, looks_like_path
from .spec.model import Spec, split_axes

SpecSource = str | PathLike[str] | Mapping[str, Any] | Spec


def load(spec: SpecSource, *, source: str | None = None, infer: bool = True) -> Spec:
    """A path, ``-`` (standard input), YAML or inline text, or a dict -> :class:`Spec`.

    A spec that names no framework gets the one its spellings say (SPEC §12),
    unless ``infer`` is false (``--framework`` gives it).  A :class:`Spec` is
    taken as it is.
    """
    if isinstance(spec, Spec):
        return spec
    read = _read(spec, source)
    if not infer:
        return read
    from .layers.registry import spelling_frameworks
    from .spec.framework import infer_framework

    return infer_framework(read, spelling_frameworks)


def _read(spec: SpecSource, source: str | None) -> Spec:
    if isinstance(spec, Mapping):
        if "class_name" in spec:  # a Keras model config, json.loads(model.to_json())
            from .importers.keras_json import read_data

            return read_data(spec, source or "<dict>")
        if "model_type" in spec:  # a Hugging Face config, PretrainedConfig.to_dict()
            from .importers.hf_config import read_data as read_hf

            return read_hf(spec, source or "<dict>")
        return from_data(spec, source or "<dict>")
    if isinstance(spec, PathLike):
        return _read_file(str(spec), source)
    if not isinstance(spec, str):
        raise SpecError(f"cannot read a spec from {type(spec).__name__}", code="bad-source")
    if not spec.strip():
        raise SpecError("the spec is empty", loc=Loc(source or "<inline>", 1, 1), code="empty-spec")
    if spec == "-":
        return _read_any(_stdin(source or "<stdin>"), source or "<stdin>")
    if "\n" not in spec and len(spec) < 4096:
        try:
            is_file = os_path.exists(spec)  # a FIFO or a device too: read_file reads it or says why not
        except OSError:  # e.g. a long inline spec: "File name too long"
            is_file = False
        if is_file:
            return _read_file(spec, source)
        if looks_like_path(spec):
            from .importers.ultralytics import read_scaled_name

            scaled = read_scaled_name(spec)  # yolov8n.yaml: yolov8.yaml at scale n, as Ultralytics reads it
            if scaled is not None:
                return scaled
            raise SpecError("no such file", loc=Loc(spec), code="no-such-file")
    return _read_any(spec, source or "<inline>")


def _read_file(path: str, source: str | None) -> Spec:
    """A file: a ``.keras`` archive, a foreign format recognised by content, or a convcalc spec."""
    from .importers import read_path
    from .spec.yamlread import read_file  # the reader of spec files (imported when one is read)

    archive = read_path(path)
    if archive is not None:
        return archive
    return _read_any(read_file(path), source or path)


def _read_any(text: str, source: str) -> Spec:
    """Text in one of the formats of SPEC §12, else a convcalc spec (YAML or inline)."""
    from .importers import read_text
    from .layers.registry import is_type_name

    return read_text(text, source) or load_text(text, source, is_type_name)


def _stdin(source: str) -> str:
    """Standard input's bytes, decoded as a file's are (text mode would let bad bytes through)."""
    buffer = getattr(sys.stdin, "buffer", None)
    if buffer is None:  # a replaced text stream (tests): its text as it is
        return sys.stdin.read()
    from .spec.yamlread import decode

    return decode(buffer.read(), source)


def override(
    spec: Spec,
    *,
    input: str | Sequence[Any] | None = None,
    framework: str | None = None,
    layout: str | None = None,
) -> Spec:
    """Command-line overrides: ``--input``, ``--framework``, a layout."""
    changes: dict[str, Any] = {}
    if framework is not None:
        changes["framework"] = parse_framework(framework)
        changes["framework_inferred_from"] = None
    if layout is not None:
        changes["layout"] = parse_layout(layout)
    if input is not None:
        raw = split_axes(input) if isinstance(input, str) else list(input)
        if isinstance(raw, str):
            from .spec.inline import parse_value

            value = parse_value(raw, Loc("--input"))
            raw = value if isinstance(value, list) else [value]
        changes["inputs"] = {_input_name(spec): tuple(raw)}
        changes["input_loc"] = Loc("--input")
    return replace(spec, **changes) if changes else spec


def _input_name(spec: Spec) -> str:
    """The name ``--input`` gives its shape to: the spec's one input keeps its own name (layers read
    it by that name: a Keras ``input_layer``, a YAML ``inputs: {image: ...}``)."""
    if len(spec.inputs) <= 1:
        return next(iter(spec.inputs), "input")
    names = ", ".join(spec.inputs)
    raise SpecError(f"--input gives one shape, but the spec has {len(spec.inputs)} inputs ({names:.200}); "
                    "give each input's shape in the spec", code="input-several", loc=Loc("--input"))


def _keras_layout_error(e: SpecError, spec: Spec) -> SpecError:
    """A Keras JSON has no ``layout:`` to set: the hint names ``--layout``, or says that its layers
    disagree (convcalc reads one layout for a whole model)."""
    formats = (spec.imported or {}).get("data_formats") or {}
    other = "channels_first" if spec.resolved_layout == Layout.CHANNELS_LAST else "channels_last"
    hint = f"give --layout {other} (a Keras JSON has no `layout:` to set)"
    if len(formats) > 1:
        hint += ("; its layers' data_format differ (" + ", ".join(f"{names[0]!r} {fmt}" for fmt, names
                                                                 in formats.items())
                 + "), and convcalc reads one layout for the whole model")
    return SpecError(e.message, loc=e.loc, layer=e.layer, hint=hint, code=e.code)


def _check_sized(spec: Spec) -> None:
    """A foreign file's input whose sizes it leaves open (Keras ``None``): say how to give them."""
    unsized = (spec.imported or {}).get("unsized")
    if not unsized:
        return
    from .importers.keras_json import unsized_error

    raise unsized_error(spec, unsized)


def analyze(
    spec: SpecSource,
    *,
    input: str | Sequence[Any] | None = None,
    framework: str | None = None,
    layout: str | None = None,
    defines: Mapping[str, Any] | None = None,
    source: str | None = None,
    scale: str | None = None,
    **names: Any,
) -> Result:
    """Propagate shapes through ``spec``; raise :class:`SpecError` if it is invalid.

    Extra keyword arguments bind names, like ``-D``: ``analyze(s, H=224)``.  ``scale``: an
    Ultralytics model YAML's scale (``--scale``), instead of the one its file name gives.
    """
    from .importers import finish, propagator

    _check_arguments(input, framework, layout, defines, source, names)
    try:
        if scale is not None:
            from .importers.ultralytics_files import load_scaled

            loaded = load_scaled(lambda: load(spec, source=source, infer=framework is None), scale)
        else:
            loaded = load(spec, source=source, infer=framework is None)
        parsed = override(loaded, input=input, framework=framework, layout=layout)
        if input is None:
            _check_sized(parsed)
        bound = {**(defines or {}), **names}
        try:
            result = propagator(parsed)(parsed, bound)
        except SpecError as e:
            if e.code == "layout-mismatch" and (parsed.imported or {}).get("format") == "keras-json":
                raise _keras_layout_error(e, parsed) from None
            if not _layout_changed(loaded, parsed, layout, input):
                raise
            # Whether the written layout would run is decided only if the hint is shown (printed,
            # or read as `e.hint`): a failing spec is not propagated a second time on the way out.
            raise e.with_hint(lambda: _layout_hint(loaded, parsed, bound)) from None
        if result.spec is None or parsed.imported is not None:
            # the spec as analysed (for --format yaml), and what a foreign format's reader found
            result = replace(result, spec=result.spec or parsed,
                             imported=finish(parsed, result) if parsed.imported is not None else None)
    except RecursionError:  # a backstop: every nesting has its own, clearer limit
        path = isinstance(spec, str) and "\n" not in spec and os_path.isfile(spec)
        where = source or (str(spec) if isinstance(spec, PathLike) or path else None)
        raise SpecError("the spec is nested too deeply to analyse",
                        loc=Loc(where) if where else None, code="too-deep") from None
    return result


LAYOUTS = ("channels_first", "channels_last")


def _check_arguments(input: Any, framework: Any, layout: Any, defines: Any, source: Any,
                     names: Mapping[str, Any]) -> None:
    """The keyword arguments' types and sizes, refused as a SpecError (a caller's TypeError deep
    inside would read as a bug of convcalc)."""
    from .arith.num import check_size

    def kind(v: Any) -> str:
        return type(v).__name__

    if input is not None and (isinstance(input, bytes) or not isinstance(input, str | Sequence)):
        raise SpecError(f"input must be a shape such as '3x224x224' or [3, 224, 224], not {kind(input)}",
                        code="bad-shape", loc=Loc("--input"))
    if framework is not None and not isinstance(framework, str):
        raise SpecError(f"framework must be 'pytorch' or 'keras', not {kind(framework)}",
                        code="bad-framework")
    if layout is not None and layout not in LAYOUTS:
        raise SpecError(f"layout must be channels_first or channels_last, not {layout!r:.60}",
                        code="bad-layout")
    if source is not None and not isinstance(source, str):
        raise SpecError(f"source must be a file name (text), not {kind(source)}", code="bad-source")
    if defines is not None and not isinstance(defines, Mapping):
        raise SpecError(f"defines must map names to values, such as {{'H': 224}}, not {kind(defines)}",
                        code="bad-define")
    values = [*(input if isinstance(input, Sequence) and not isinstance(input, str) else ())]
    for name, value in {**(defines or {}), **names}.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise SpecError(f"a defined name must be a word such as H, not {name!r:.60}", code="bad-define")
        values.append(value)
    for value in values:
        if isinstance(value, int) and not isinstance(value, bool):
            check_size(value, "a number given to analyze()")


def _layout_changed(loaded: Spec, parsed: Spec, layout: str | None, input: Any) -> bool:
    """Whether --framework alone changed the layout of a file that says which framework it is for.

    Only such a file has shapes in that framework's layout; an explicit --layout
    or --input is the user's own choice.
    """
    return (loaded.framework_loc is not None and layout is None and input is None
            and parsed.resolved_layout != loaded.resolved_layout)


def _layout_hint(written: Spec, read: Spec, bound: Mapping[str, Any]) -> str | None:
    """Why a spec that works for its own framework fails once --framework changes the layout;
    None when it fails in its written layout too (then the layout is not the reason)."""
    from .engine.propagate import analyse

    try:
        analyse(replace(read, layout=written.resolved_layout), bound)
    except (SpecError, RecursionError):
        return None

    def axes(layout: str) -> str:
        return "channels first" if layout == Layout.CHANNELS_FIRST else "channels last"

    return (f"the spec is written for {written.framework}, {axes(written.resolved_layout)}; "
            f"as {read.framework} its shapes are read {axes(read.resolved_layout)}: "
            f"add --layout {written.resolved_layout} to keep them as written")
