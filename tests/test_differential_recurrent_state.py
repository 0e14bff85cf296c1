"""Keras's ``return_state`` and ``initial_state`` (issue 14) against Keras 3 itself.

Generated configurations of LSTM, GRU and SimpleRNN, bare or inside Bidirectional (every merge
mode, ``None`` too), with and without ``return_sequences``/``return_state``, and with initial
states given as more inputs (``from: [x, s0, s1]``) — right ones, and on purpose some of the wrong
size or count.  Keras builds the layer in a Functional model and runs it on zeros (batch 2); every
tensor it returns, its weight shapes in order and its parameter count must equal convcalc's, or both
refuse.  One difference is by design: Keras ignores initial states beyond those its cell has, and
convcalc refuses them (``rnn-state-count``); such cases are counted apart.  The seq2seq example is
rebuilt in Keras.  The chain harness (tests/oracle.py) follows one tensor per layer, so these
multi-output cases have their own generator here.
"""

from __future__ import annotations

import os
import random
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import oracle
import pytest

import convcalc
from convcalc.errors import SpecError

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
STATES = {"LSTM": 2, "GRU": 1, "SimpleRNN": 1}


@dataclass(frozen=True)
class Case:
    cls: str
    units: int
    steps: int
    features: int
    kwargs: dict[str, Any] = field(default_factory=dict)
    bidirectional: str | None = None  # None: bare; else Bidirectional's merge_mode ("none" for None)
    states: tuple[int, ...] = ()  # the initial states' sizes (empty: none given)

    def text(self) -> str:
        inner = f"{self.cls}({self.units}, {self.kwargs})"
        layer = (inner if self.bidirectional is None
                 else f"Bidirectional({inner}, merge_mode={self.bidirectional})")
        return f"{self.steps}x{self.features} | {layer} initial_state={list(self.states)}"

    @property
    def expected_states(self) -> int:
        return STATES[self.cls] * (1 if self.bidirectional is None else 2)


def generate(n: int, seed: int) -> list[Case]:
    rng = random.Random(seed)
    cases = []
    for _ in range(n):
        cls = rng.choice(list(STATES))
        kwargs: dict[str, Any] = {}
        if rng.random() < 0.5:
            kwargs["return_sequences"] = True
        if rng.random() < 0.7:
            kwargs["return_state"] = True
        if rng.random() < 0.2:
            kwargs["use_bias"] = False
        if cls == "GRU" and rng.random() < 0.3:
            kwargs["reset_after"] = False
        bi = rng.choice([None, None, "concat", "sum", "mul", "ave", "none"])
        units = rng.randint(1, 9)
        case = Case(cls, units, rng.randint(1, 6), rng.randint(1, 7), kwargs, bi)
        want = case.expected_states
        roll = rng.random()
        if roll < 0.45:
            states: tuple[int, ...] = ()
        elif roll < 0.75:
            states = (units,) * want
        elif roll < 0.85:  # one of them the wrong size
            wrong, step = rng.randrange(want), rng.choice((-1, 1)) if units > 1 else 1
            states = tuple(units + (step if k == wrong else 0) for k in range(want))
        elif roll < 0.93:  # too few
            states = (units,) * rng.randint(1, want) if want > 1 else ()
            states = states[:-1] if len(states) == want else states
        else:  # too many
            states = (units,) * (want + rng.randint(1, 2))
        cases.append(Case(cls, units, case.steps, case.features, kwargs, bi, states))
    return cases


def _layer(case: Case) -> Any:
    from keras import layers

    inner = getattr(layers, case.cls)(case.units, **case.kwargs)
    if case.bidirectional is None:
        return inner
    mode = None if case.bidirectional == "none" else case.bidirectional
    return layers.Bidirectional(inner, merge_mode=mode)


def run_keras(case: Case) -> tuple[list[tuple[int, ...]], list[tuple[int, ...]], int] | str:
    """(every returned tensor's shape, the weight shapes in order, the parameter count), or the refusal."""
    import numpy as np

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            x = keras.Input((case.steps, case.features))
            states = [keras.Input((s,)) for s in case.states]
            layer = _layer(case)
            y = layer(x, initial_state=states) if states else layer(x)
            outs = list(y) if isinstance(y, list | tuple) else [y]
            model = keras.Model([x, *states], outs)
            data = [np.zeros((oracle.BATCH, case.steps, case.features), "float32"),
                    *(np.zeros((oracle.BATCH, s), "float32") for s in case.states)]
            got = model(data)
    except Exception as e:  # Keras's refusal, whatever its type
        return f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"[:200]
    got = list(got) if isinstance(got, list | tuple) else [got]
    shapes = [tuple(int(d) for d in t.shape[1:]) for t in got]
    return shapes, [tuple(int(d) for d in w.shape) for w in layer.weights], model.count_params()


def spec(case: Case) -> dict[str, Any]:
    inner: dict[str, Any] = {case.cls: {"units": case.units, **case.kwargs}}
    if case.bidirectional is None:
        entry = {**inner[case.cls], "name": "r"}
        layer: dict[str, Any] = {case.cls: entry}
    else:
        mode = None if case.bidirectional == "none" else case.bidirectional
        layer = {"Bidirectional": {"layer": inner, "merge_mode": mode, "name": "r"}}
    names = [f"s{k}" for k in range(len(case.states))]
    next(iter(layer.values()))["from"] = ["x", *names]
    states = {n: [s] for n, s in zip(names, case.states, strict=True)}
    return {"framework": "keras", "inputs": {"x": [case.steps, case.features], **states},
            "layers": [layer], "outputs": ["r"]}


def run_convcalc(case: Case) -> tuple[list[tuple[int, ...]], list[tuple[int, ...]], int] | SpecError:
    try:
        r = convcalc.analyze(spec(case))
    except SpecError as e:
        return e
    row = r.layer("r")
    return ([tuple(s) for s in r.outputs.values()], [tuple(w.shape) for w in row.weights],
            int(r.total_params))


def _agree(cases: list[Case]) -> tuple[int, int, list[str]]:
    agree = stricter = 0
    bad = []
    for case in cases:
        k, c = run_keras(case), run_convcalc(case)
        if isinstance(c, SpecError) and isinstance(k, str):
            agree += 1
        elif (isinstance(c, SpecError) and c.code == "rnn-state-count"
              and len(case.states) > case.expected_states):
            stricter += 1  # Keras ignores the extra states; convcalc refuses them
        elif isinstance(k, tuple) and not isinstance(c, SpecError) and k == c:
            agree += 1
        else:
            bad.append(f"{case.text()}: keras {k} convcalc {c}")
    return agree, stricter, bad


def _check_generated(n: int, seed: int) -> None:
    cases = generate(n, seed)
    agree, stricter, bad = _agree(cases)
    oracle.SUMMARY.append(f"Keras return_state/initial_state ({n} generated): agrees on {agree} of "
                          f"{n - stricter} ({stricter} with extra initial states, which Keras ignores and "
                          "convcalc refuses)")
    assert not bad, "\n".join(bad[:10])
    assert agree > n // 2


def test_generated_return_state_and_initial_state_agree_with_keras() -> None:
    _check_generated(80, seed=14)


@pytest.mark.slow
def test_generated_return_state_and_initial_state_agree_with_keras_full() -> None:
    _check_generated(500, seed=1414)


def test_states_are_read_as_parts_and_checked() -> None:
    base = {"framework": "keras", "inputs": {"x": [5, 3], "h": [4], "c": [4], "w": [5]}}
    r = convcalc.analyze({**base, "layers": [{"LSTM": {"name": "e", "units": 4, "return_state": True,
                                                      "from": "x"}},
                                             {"LSTM": {"units": 4, "from": ["x", "e.1", "e.2"]}}]})
    assert r.layer("e").parts == ((4,), (4,), (4,)) and tuple(r.output) == (4,)
    for layer, code in (({"LSTM": {"units": 4, "from": ["x", "h"]}}, "rnn-state-count"),
                        ({"LSTM": {"units": 4, "from": ["x", "h", "w"]}}, "rnn-state-shape"),
                        ({"GRU": {"units": 4, "from": ["x", "h", "c"]}}, "rnn-state-count"),
                        ({"Bidirectional": {"layer": {"GRU": 4}, "from": ["x", "h", "c", "h"]}},
                         "rnn-state-count")):
        with pytest.raises(SpecError) as e:
            convcalc.analyze({**base, "layers": [layer]})
        assert e.value.code == code, (layer, e.value)


def test_pytorch_keeps_one_output_and_says_why() -> None:
    """PyTorch's LSTM returns (output, (h_n, c_n)) with the batch second in h_n: convcalc describes the
    output, as before, and refuses Keras's return_state and extra state inputs with the reason."""
    r = convcalc.analyze("5x3 | lstm(4)")
    assert tuple(r.output) == (5, 4) and r.layers[0].parts is None
    with pytest.raises(SpecError, match="batch axis second") as e:
        convcalc.analyze("5x3 | lstm(4, return_state=true)")
    assert e.value.code == "not-in-framework"
    with pytest.raises(SpecError, match="batch axis second") as e:
        convcalc.analyze({"inputs": {"x": [5, 3], "h": [4]},
                          "layers": [{"lstm": {"hidden": 4, "from": ["x", "h"]}}]})
    assert e.value.code == "wrong-input-count"


def test_seq2seq_example_rebuilt_in_keras() -> None:
    """examples/seq2seq_lstm.yaml is keras.io's encoder-decoder: the same counts and shapes in Keras."""
    from keras import layers

    r = convcalc.analyze(EXAMPLES / "seq2seq_lstm.yaml")
    enc_in, dec_in = keras.Input((16, 71)), keras.Input((20, 93))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        enc = layers.LSTM(256, return_state=True)
        _, h, c = enc(enc_in)
        dec = layers.LSTM(256, return_sequences=True, return_state=True)
        dec_out, dh, dc = dec(dec_in, initial_state=[h, c])
        probs = layers.Dense(93, activation="softmax")(dec_out)
    model = keras.Model([enc_in, dec_in], probs)
    assert r.total_params == model.count_params() == 718_173
    assert tuple(r.output) == tuple(probs.shape[1:])
    assert r.layer("encoder").parts == ((256,), (256,), (256,))
    assert r.layer("decoder").parts == (tuple(dec_out.shape[1:]), tuple(dh.shape[1:]), tuple(dc.shape[1:]))
    assert [tuple(w.shape) for w in dec.weights] == [tuple(w.shape) for w in r.layer("decoder").weights]


@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("sequences", [False, True])
@pytest.mark.parametrize("layout", ["channels_last", "channels_first"])
def test_conv_lstm_return_state_agrees_with_keras(rank: int, sequences: bool, layout: str) -> None:
    """ConvLSTM1D/2D/3D with return_state: the output, then h and c, each the last step's map."""
    from keras import layers

    spatial, c = (7,) * rank, 2
    shape = (4, *spatial, c) if layout == "channels_last" else (4, c, *spatial)
    kw = {"filters": 3, "kernel_size": 3, "strides": 2, "return_sequences": sequences, "return_state": True,
          "data_format": layout}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        layer = getattr(layers, f"ConvLSTM{rank}D")(**kw)
        outs = layer(keras.Input(shape))
    args = {k: v for k, v in kw.items() if k != "data_format"}
    spec = {"framework": "keras", "layout": layout, "input": list(shape),
            "layers": [{f"ConvLSTM{rank}D": {**args, "name": "r"}}]}
    r = convcalc.analyze(spec)
    assert r.layer("r").parts == tuple(tuple(o.shape[1:]) for o in outs)
    assert r.total_params == layer.count_params()
