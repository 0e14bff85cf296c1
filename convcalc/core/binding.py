"""A layer use's arguments matched to its type's parameters, and checked.

:func:`bind` matches positional and named arguments to parameter names (a mistake located at
the argument; a framework class's call form accepts exactly that class's arguments);
:func:`coerce_all` turns the bound raw values into checked ones, defaults filled in. The
declarations they read (:class:`~convcalc.core.params.Param`, the kinds) are in ``params``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import Loc, SpecError, did_you_mean
from ..spec.model import LayerSpec
from . import _per_type
from ._per_type import bind_plan, coerce_default, coerce_plan, coerced_defaults, names_index, param_names
from .params import IGNORED, REQUIRED, Param
from .signatures import KERAS_BASE, CallForm

if TYPE_CHECKING:  # pragma: no cover
    from .context import Ctx


def bind(
    spec: LayerSpec,
    params: Sequence[Param],
    order: Sequence[str],
    *,
    type_name: str,
    ignored: frozenset[str] = frozenset(),
    form: CallForm | None = None,
) -> dict[str, Any]:
    """Match positional and named arguments to parameter names (raw values).

    A mistake is located at the argument: the first positional one too many, the
    misspelt or repeated key.  With a framework class's ``form``, only that class's
    arguments are accepted (under any of their names), as the framework accepts them;
    positional arguments without shape effect are matched by position and dropped.
    """
    if form is not None and form.anything:  # torch.nn.Identity(*args, **kwargs)
        return {}
    if not spec.args and not spec.kwargs and (form is None or not form.required):
        return {}  # `- relu`: nothing to match
    args = _gather(spec.args, params, order)
    plan = bind_plan(params, (order, ignored, form, len(args), tuple(spec.kwargs)),
                     lambda: _match(spec, args, params, order, type_name, ignored, form))
    bound = {}  # a loop, not a comprehension (one call fewer for every layer bound)
    for name, src in plan:
        bound[name] = args[src] if type(src) is int else spec.kwargs[src]
    return bound


def _match(spec: LayerSpec, args: tuple[Any, ...], params: Sequence[Param], order: Sequence[str],
           type_name: str, ignored: frozenset[str], form: CallForm | None) -> tuple[tuple[str, Any], ...]:
    """Each bound parameter and where its value is written (a position in ``args``, or a key): the
    arguments' number and keys alone decide it, so it is worked out once (:func:`bind_plan`)."""
    by_name = names_index(params)
    if len(args) > len(order):
        framework_names = form.names[: len(order)] if form is not None else ()
        shown = ", ".join(framework_names or order) if order else "none"
        who = form.cls if form is not None and form.cls else type_name
        raise SpecError(
            f"{who} takes at most {len(order)} positional argument"
            f"{'' if len(order) == 1 else 's'} ({shown}), got {len(args)}",
            loc=spec.arg_locs.arg(len(order)), code="too-many-arguments",
        )
    out: dict[str, int | str] = {pname: i for i, pname in enumerate(order[: len(args)])}
    for key in spec.kwargs:
        low = key.lower()
        canon = by_name.get(low)
        if form is not None and form.params is not None:
            if key != low:  # a framework's argument names are lower case, and Python is case-sensitive
                canon = None
                low = key
            if canon is None or canon not in form.params:
                if low not in form.ignored:
                    known = [n for n in form.names if n not in KERAS_BASE] or sorted(form.params)
                    raise SpecError(f"{form.cls} has no argument `{key}`" + did_you_mean(key, known),
                                    loc=spec.arg_locs.key(key), code="unknown-argument")
                if low in out:
                    raise SpecError(f"{form.cls}: argument `{key}` is given twice",
                                    loc=spec.arg_locs.key(key), code="duplicate-argument")
                out[low] = key
                continue
        elif canon is None:
            if low in IGNORED or low in ignored:
                continue
            raise SpecError(f"{type_name} has no argument `{key}`" + did_you_mean(key, by_name),
                            loc=spec.arg_locs.key(key), code="unknown-argument")
        if canon in out:
            raise SpecError(f"{type_name}: argument `{canon}` is given twice", loc=spec.arg_locs.key(key),
                            code="duplicate-argument")
        out[canon] = key
    if form is not None:
        for name in form.required:
            if name not in out:
                raise SpecError(f"{form.cls} needs the argument `{name}`", loc=spec.loc,
                                code="missing-argument")
    known_params = param_names(params)
    return tuple((k, src) for k, src in out.items() if k in known_params)


def arg_loc(spec: LayerSpec, params: Sequence[Param], order: Sequence[str], name: str) -> Loc | None:
    """Where the value of parameter ``name`` is written in ``spec`` (None: not written, or unknown).

    Worked out again from the spelling only when an error needs it, so binding stays cheap.
    """
    if name in order:
        i = list(order).index(name)
        if i < len(spec.args):
            return spec.arg_locs.arg(i)
    by_name = names_index(params)
    for key in spec.kwargs:
        if by_name.get(key.lower()) == name:
            return spec.arg_locs.value(key)
    return None


def _gather(args: tuple[Any, ...], params: Sequence[Param], order: Sequence[str]) -> tuple[Any, ...]:
    """Several sizes where a variadic parameter stands last become one list (its value)."""
    if len(args) <= len(order) or not order:
        return args
    last = next((p for p in params if p.name == order[-1]), None)
    rest = args[len(order) - 1 :]
    if last is None or not last.variadic or not all(_is_size(r) for r in rest):
        return args
    return (*args[: len(order) - 1], list(rest))


def _is_size(raw: Any) -> bool:
    return isinstance(raw, int | str) and not isinstance(raw, bool)


def coerce_all(bound: Mapping[str, Any], params: Sequence[Param], ctx: Ctx, type_name: str,
               where: Callable[[str], Loc | None] | None = None) -> dict[str, Any]:
    """Checked values of every parameter, defaults filled in.

    ``where(name)``: where parameter ``name``'s value is written, asked only when it is wrong.
    """
    values = _per_type.coerce_by_template(bound, params, ctx, where)
    if values is not None:  # an earlier use gave the same arguments, and its defaults are constants
        return values
    values = {}
    seen = coerced_defaults(params, ctx.framework, ctx.rank, ctx.spelling)  # defaults' checked values
    coercers, same = [], True  # the given arguments' coercions; whether every default is a constant
    for name, coerce, default in coerce_plan(params, ctx.framework):
        if name not in bound:
            if default is REQUIRED:
                raise SpecError(f"{type_name} needs the argument `{name}`", code="missing-argument")
            known = None if default is None else seen.get(name, REQUIRED)  # met for this type and rank?
            values[name] = coerce_default(seen, name, coerce, default, ctx) if known is REQUIRED else known
            same = same and (default is None or name in seen)
            continue
        coercers.append((name, coerce))
        try:
            values[name] = coerce(bound[name], ctx, name)
        except SpecError as e:
            if where is None:
                raise
            raise e.with_location(where(name)) from None
    if same:
        _per_type.keep_template(params, ctx, bound, values, tuple(coercers))
    return values
