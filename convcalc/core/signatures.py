"""The frameworks' constructors, as layer types declare them (``Layer.torch_sig`` & co.).

A signature is written once per class from the framework's source, in the framework's own
argument names; :func:`convcalc.core.params.call_form` turns it into how that class binds
(positional order, accepted keywords), and tests/test_signatures_oracle.py compares every
declared signature with ``inspect.signature`` of the installed framework.
"""

from __future__ import annotations

from .._record import NamedTuple

# Keyword arguments every Keras 3 layer takes through ``**kwargs`` (keras.layers.Layer.__init__;
# ``name`` is read by the spec loader, ``input_shape``/``input_dim`` by the engine).
KERAS_BASE: tuple[str, ...] = ("activity_regularizer", "trainable", "dtype", "autocast", "name",
                               "input_shape", "input_dim")
# Accepted on a framework's class name although the class has no such argument: convcalc's own
# `trainable: false`, allowed on any layer (SPEC §11).  Documented; nothing else belongs here.
EXTENSIONS: frozenset[str] = frozenset({"trainable"})


class Signature(NamedTuple):
    """A framework class's constructor, in the framework's own argument names."""

    positional: tuple[str, ...]  # positional-or-keyword, in order
    keyword: tuple[str, ...] = ()  # keyword-only (PyTorch's ``*, bias``; Keras's base ``**kwargs``)
    required: tuple[str, ...] = ()  # required by the framework, and so by convcalc for this class
    anything: bool = False  # takes any arguments and ignores them (torch.nn.Identity)

    @property
    def names(self) -> tuple[str, ...]:
        return (*self.positional, *self.keyword)


def signature(text: str) -> Signature:
    """``"num_features, eps, *, bias"`` -> a :class:`Signature`.

    ``name!`` is an argument the framework requires (convcalc then requires it for that
    class too); a final ``**`` adds :data:`KERAS_BASE`; ``...`` takes any arguments.
    Written once per class from the framework's source; tests/test_signatures_oracle.py
    compares every one with ``inspect.signature`` of the installed framework.
    """
    words = [w.strip() for w in text.split(",") if w.strip()]
    if words == ["..."]:
        return Signature((), anything=True)
    base = bool(words) and words[-1] == "**"
    if base:
        words.pop()
    required = tuple(w.rstrip("!") for w in words if w.endswith("!"))
    words = [w.rstrip("!") for w in words]
    star = words.index("*") if "*" in words else len(words)
    keyword = tuple(words[star + 1 :])
    if base:
        keyword += tuple(n for n in KERAS_BASE if n not in words)
    return Signature(tuple(words[:star]), keyword, required)


class CallForm(NamedTuple):
    """How a spelling binds: its positional order (parameter names, or the framework's names of
    arguments without shape effect) and, for a framework's class, the keywords it accepts."""

    order: tuple[str, ...]
    params: frozenset[str] | None = None  # parameters the class has (None: every one, convcalc's spelling)
    ignored: frozenset[str] = frozenset()  # the class's arguments without shape effect (lower case)
    cls: str = ""
    required: tuple[str, ...] = ()  # bound names the class requires
    anything: bool = False
    names: tuple[str, ...] = ()  # the class's own argument names (for "did you mean")
