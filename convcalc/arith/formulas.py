"""The frameworks' shape formulas, each written once.

A :class:`Formula` is an expression in convcalc's arithmetic language.  The
same parsed tree computes the number (on ints or sympy expressions) and
prints itself with the numbers put in for ``--explain``: there is no second
copy of the math to drift out of date.  Shape functions shared by several
layers live here, in the manner of Keras's ``operation_utils``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

from .._record import NamedTuple
from . import expr, num

Value = num.Value


class Formula:
    """A named formula: ``CONV_OUT(n=28, k=5, ...)`` computes, ``.render`` explains."""

    __slots__ = ("_fn", "_node", "lhs", "name", "remark", "symbols", "text")

    def __init__(self, name: str, text: str, lhs: str = "out",
                 symbols: Mapping[str, str] | None = None, remark: str = "") -> None:
        self.name = name
        self.text = text
        self.lhs = lhs  # what the rule gives: ``out = ...``, ``MACs = ...``
        # What each name stands for: GLOSSARY's meaning unless this formula gives its own.
        self.symbols = dict(symbols or {})
        self.remark = remark  # why the rule is so, where the frameworks differ (printed with the rule)
        self._node: expr.Node | None = None  # parsed on first use: most runs use a few formulas
        self._fn: Callable[[Mapping[str, Value]], Value] | None = None

    @property
    def node(self) -> expr.Node:
        if self._node is None:
            self._node = expr.parse(self.text, functions=True)
        return self._node

    def __call__(self, **env: Value) -> Value:
        fn = self._fn
        if fn is None:
            fn = self._fn = expr.compile_node(self.node)
        return fn(env)

    def symbolic(self) -> str:
        """The formula itself, pretty-printed (``⌊(n + p_l + p_r − d·(k − 1) − 1) / s⌋ + 1``)."""
        return expr.render(self.node)

    def glossary(self) -> list[tuple[str, str]]:
        """Each name of the formula with its meaning, in the order the rule shows them."""
        order = sorted(expr.names(self.node), key=lambda n: _first(self.text, n))
        if self.lhs != "out" and (self.lhs in self.symbols or self.lhs in GLOSSARY):
            order.insert(0, self.lhs)  # p_l = ⌊t / 2⌋: what the rule gives is named too
        return [(n, self.symbols.get(n) or GLOSSARY.get(n, "")) for n in order]

    def rule(self, named: set[tuple[str, str]] | None = None) -> str:
        """``out = ⌊(n + p_l + …) / s⌋ + 1   n input, p_l padding left, …``: the rule, naming the
        symbols not yet in ``named`` (which it extends: a symbol is named the first time it appears)."""
        seen = set() if named is None else named
        fresh = [(n, m) for n, m in self.glossary() if (n, m) not in seen]
        seen.update(fresh)
        groups: dict[str, list[str]] = {}  # n_1/n_2/n_3 sizes of the merged axes: one meaning, once
        for n, m in fresh:
            groups.setdefault(m, []).append(n)
        words = ", ".join(f"{'/'.join(ns)} {m}" for m, ns in groups.items())
        return (f"{self.lhs} = {self.symbolic()}" + (f"   {words}" if words else "")
                + (f"   ({self.remark})" if self.remark else ""))

    def render(self, env: Mapping[str, Value], fmt: Callable[[Value], str] = num.fmt) -> str:
        """The formula with the numbers of ``env`` put in (each written by ``fmt``)."""
        return expr.render(self.node, {k: fmt(v) for k, v in env.items()})

    def __repr__(self) -> str:
        return f"Formula({self.name}: {self.text})"


def _first(text: str, name: str) -> int:
    m = re.search(rf"(?<![A-Za-z_0-9]){re.escape(name)}(?![A-Za-z_0-9])", text)
    return m.start() if m else len(text)


# The meaning of each name in the formulas: the same name is the same thing in every rule
# (a formula that needs a name for something else says so in its own ``symbols``).
GLOSSARY: dict[str, str] = {
    "n": "input size", "p_l": "padding left", "p_r": "padding right", "d": "dilation",
    "k": "kernel", "s": "stride", "op": "output padding", "c_l": "cropping left",
    "c_r": "cropping right", "r": "factor", "c": "channels", "t": "total padding",
    "out": "output size", "G": "gates", "h": "hidden size",
}


_FOLDS: dict[tuple[str, int, str, str], Formula] = {}


def _fold(op: str, k: int, lhs: str, meaning: str) -> Formula:
    key = (op, k, lhs, meaning)
    if key not in _FOLDS:
        names = [f"n_{i + 1}" for i in range(k)]
        text = op.join(names) or ("1" if op == "*" else "0")
        _FOLDS[key] = Formula(f"{'product' if op == '*' else 'sum'}{k}_{lhs}_{meaning}", text, lhs=lhs,
                              symbols=dict.fromkeys(names, meaning))
    return _FOLDS[key]


def product(k: int, lhs: str = "out", meaning: str = "sizes of the merged axes") -> Formula:
    """``n_1·n_2·…·n_k``: axes multiplied together (flatten, a reshape's element count), one
    Formula per arity, so a product explains itself like every other rule."""
    return _fold("*", k, lhs, meaning)


def sum_of(k: int, lhs: str, meaning: str) -> Formula:
    """``n_1 + n_2 + … + n_k`` (a concatenation's axis, the terms of a count), bound with
    :func:`product_env`."""
    return _fold(" + ", k, lhs, meaning)


def product_env(sizes: Sequence[Value]) -> dict[str, Value]:
    """The names :func:`product` multiplies, bound to ``sizes``."""
    return {f"n_{i + 1}": v for i, v in enumerate(sizes)}


# A reshape's -1: the elements left over for it (``/`` is exact: a remainder is an error).
_FILLS: dict[int, Formula] = {}


def fill(k: int) -> Formula:
    """``total / (m_1·…·m_k)``: the size that keeps the element count, given the other k sizes."""
    if k not in _FILLS:
        names = [f"m_{i + 1}" for i in range(k)]
        _FILLS[k] = Formula(f"fill{k}", f"total / ({'*'.join(names) or '1'})", lhs="-1",
                            symbols={"total": "elements", **dict.fromkeys(names, "the other sizes")})
    return _FILLS[k]


class Step(NamedTuple):
    """One use of a formula, kept so that --explain can print it later."""

    label: str
    formula: Formula | None
    env: Mapping[str, Value]
    value: Value | None  # None: a note that states a fact, with no number to arrive at
    note: str = ""

    def text(self, fmt: Callable[[Value], str] = num.fmt) -> str:
        """``H: ⌊(28 + 0 + 0 − 1·(5 − 1) − 1) / 1⌋ + 1 = 24``; ``fmt`` writes the numbers
        (sympy's syntax by default; the renderers pass their own, ``⌈T/2⌉``)."""
        if self.formula is not None:
            body = self.formula.render(self.env, fmt)
        else:  # a note's numbers ({n}) are written like the formulas' (⌊T/2⌋, not floor(T/2))
            body = self.note.format_map({k: fmt(v) for k, v in self.env.items()}) if self.env else self.note
        return f"{self.label}: {body}" + ("" if self.value is None else f" = {fmt(self.value)}")


# Convolution and pooling along one axis (PyTorch's and Keras's 'valid' rule):
# n input size, p_l/p_r padding on each side, k kernel, s stride, d dilation.
CONV_OUT = Formula("conv_out", "(n + p_l + p_r - d*(k - 1) - 1) // s + 1")
# PyTorch pooling with ceil_mode=True, before the last-window rule.
POOL_OUT_CEIL = Formula("pool_out_ceil", "ceildiv(n + p_l + p_r - d*(k - 1) - 1, s) + 1")
# PyTorch drops a last window that would start inside the right padding.
POOL_LAST_START = Formula("pool_last_start", "(out - 1)*s", lhs="start")
POOL_LAST_LIMIT = Formula("pool_last_limit", "n + p_l", lhs="limit")
# 'same' with stride: Keras's rule (and PyTorch's with stride 1).
SAME_OUT = Formula("same_out", "ceildiv(n, s)")
# The window a dilated kernel covers.
EFFECTIVE_KERNEL = Formula("effective_kernel", "d*(k - 1) + 1", lhs="k_eff")
# 'same' padding in total along one axis (PyTorch puts the odd one on the right).
SAME_PAD_TOTAL = Formula("same_pad_total", "d*(k - 1)", lhs="t",
                         remark="PyTorch's 'same', stride 1: the input size kept")
# Keras's (TensorFlow's) 'same': as much as the last window needs to reach the end.
KERAS_SAME_PAD_TOTAL = Formula("keras_same_pad_total", "max((out - 1)*s + d*(k - 1) + 1 - n, 0)", lhs="t",
                               remark="Keras: what the last window needs to reach the end")
# Both split it alike: the odd pixel goes on the right.
SAME_PAD_LEFT = Formula("same_pad_left", "t // 2", lhs="p_l")
SAME_PAD_RIGHT = Formula("same_pad_right", "t - p_l", lhs="p_r", remark="the odd pixel on the right")

# Transposed convolution along one axis.  PyTorch: op is output_padding.
TCONV_OUT = Formula("tconv_out", "(n - 1)*s - p_l - p_r + d*(k - 1) + op + 1")
# Keras Conv*DTranspose without output_padding: 'valid' and 'same'.
TCONV_VALID = Formula("tconv_valid", "n*s + max(d*(k - 1) + 1 - s, 0)")
TCONV_SAME = Formula("tconv_same", "n*s")
# Keras with output_padding given: 'valid' pads nothing, 'same' keeps the kernel's parity.
TCONV_VALID_OP = Formula("tconv_valid_op", "(n - 1)*s + d*(k - 1) + 1 + op")
TCONV_SAME_OP = Formula("tconv_same_op", "(n - 1)*s + (d*(k - 1) + 1) % 2 + op")
# Parameters where the frameworks count differently (SPEC §2).  Batch normalization:
BN_TORCH_PARAMS = Formula("bn_torch_params", "2*c", lhs="params",
                          remark="PyTorch: weight and bias; the running mean and variance are buffers, "
                                 "not counted")
BN_KERAS_PARAMS = Formula("bn_keras_params", "2*c + 2*c", lhs="params",
                          remark="Keras: 2C trainable (gamma, beta) + 2C non-trainable (moving mean, "
                                 "variance), all in the total")
# Recurrent layers, one layer and direction: G gates, each a W (h×i), a U (h×h) and the biases.
_RNN = {"i": "input features"}
RNN_TORCH_PARAMS = Formula("rnn_torch_params", "G*(h*i + h*h + 2*h)", lhs="params", symbols=_RNN,
                           remark="PyTorch: two bias vectors per gate, b_ih and b_hh")
RNN_KERAS_PARAMS = Formula("rnn_keras_params", "G*(h*i + h*h + h)", lhs="params", symbols=_RNN,
                           remark="Keras: one bias vector per gate")
RNN_KERAS_TWO_BIAS_PARAMS = Formula("rnn_keras_reset_after_params", "G*(h*i + h*h + 2*h)", lhs="params",
                                    symbols=_RNN, remark="Keras GRU with reset_after: two bias vectors")
RNN_NO_BIAS_PARAMS = Formula("rnn_no_bias_params", "G*(h*i + h*h)", lhs="params", symbols=_RNN,
                             remark="no bias")
# Zero padding and cropping along one axis.
PAD_OUT = Formula("pad_out", "n + p_l + p_r")
CROP_OUT = Formula("crop_out", "n - c_l - c_r")
# Upsampling by an integer factor; pixel shuffle moves r² channels into space.
UPSAMPLE_OUT = Formula("upsample_out", "n*r")
SHUFFLE_CHANNELS = Formula("shuffle_channels", "c // r**2", lhs="c_out")
UNSHUFFLE_CHANNELS = Formula("unshuffle_channels", "c*r**2", lhs="c_out")
UNSHUFFLE_OUT = Formula("unshuffle_out", "n // r")
