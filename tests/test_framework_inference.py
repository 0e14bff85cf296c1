"""Issue 12 item 1: a spec that names no framework is read as its spellings say (SPEC §12).

Keras class names, a ``layers.``/``keras.layers.`` prefix or ``input_shape=`` mean
Keras; PyTorch class names and ``nn.``/``torch.nn.`` mean PyTorch; convcalc's own
names and the names both frameworks share say nothing (PyTorch, the default).
Mixing the two is an error.  ``--framework`` still overrides.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from _cli import run

import convcalc
from convcalc import SpecError

PASTED = 'layers.Conv2D(32, 3, activation="relu", input_shape=(28, 28, 3)) layers.Flatten() layers.Dense(10)'


def inferred(spec: object, **kw: object) -> tuple[str, str | None]:
    r = convcalc.analyze(spec, **kw)  # type: ignore[arg-type]
    ev = r.framework_inferred_from
    return r.framework, None if ev is None else str(ev)


def test_the_issue_example_is_read_as_keras() -> None:
    r = convcalc.analyze(PASTED)
    assert r.framework == "keras" and r.layout == "channels_last"
    assert r.layers[0].output == (26, 26, 32)
    assert r.total_params == 217_226 == 3 * 3 * 3 * 32 + 32 + (26 * 26 * 32 + 1) * 10
    assert str(r.framework_inferred_from) == "Conv2D at 1:1"


def test_titles_say_it_was_inferred_and_from_what() -> None:
    for fmt in ("plain", "markdown", "table"):
        r = run(PASTED, "-f", fmt, "--width", "200", "--no-color")
        assert r.status == 0
        assert "keras, inferred from Conv2D at 1:1" in r.out, fmt
    plain = run(PASTED, "-f", "plain").out
    assert "26x26x32" in plain and "Total params: 217,226" in plain


def test_json_field() -> None:
    doc = json.loads(run(PASTED, "-f", "json").out)
    assert doc["framework"] == "keras"
    assert doc["framework_inferred_from"] == {"spelling": "Conv2D", "line": 1, "column": 1}
    assert doc["output"] == [10] and doc["totals"]["params"] == 217_226
    plain = json.loads(run("3x8x8 | conv(4, 3)", "-f", "json").out)
    assert plain["framework"] == "pytorch" and plain["framework_inferred_from"] is None


@pytest.mark.parametrize(("spec", "framework", "evidence"), [
    ("8x8x3 | Conv2D(4, 3)", "keras", "Conv2D at 1:9"),
    ("8x8x3 | keras.layers.Flatten()", "keras", "keras.layers.Flatten at 1:9"),
    ("8x8x3 | layers.ReLU() | dense(4)", "keras", "layers.ReLU at 1:9"),
    ("conv2d(4, 3, input_shape=(8, 8, 3))", "keras", "input_shape= at 1:1"),
    ("3x8x8 | Conv2d(3, 4, 3)", "pytorch", "Conv2d at 1:9"),
    ("3x8x8 | nn.ReLU() | conv(4, 3)", "pytorch", "nn.ReLU at 1:9"),
    ("3x8x8 | torch.nn.Flatten()", "pytorch", "torch.nn.Flatten at 1:9"),
    ("3x8x8 | relu | conv(4, 3) | Flatten | dense(4)", "pytorch", None),  # convcalc's and shared names
    ("10x6 | LSTM(6, 4) | Dropout(0.1) | ReLU() | Softmax()", "pytorch", None),  # shared names only
    ("3x8x8 | ReLU | ELU | LeakyReLU | PReLU | Flatten | Identity", "pytorch", None),
])
def test_spellings_decide(spec: str, framework: str, evidence: str | None) -> None:
    assert inferred(spec) == (framework, evidence)


def test_the_first_spelling_in_the_spec_is_named() -> None:
    assert inferred("8x8x3 | relu | Conv2D(4, 1) | MaxPooling2D(2) | Dense(3)") == ("keras", "Conv2D at 1:16")


def test_mixed_spellings_are_an_error_naming_one_of_each() -> None:
    with pytest.raises(SpecError) as e:
        convcalc.analyze("8x8x3 | Conv2D(4, 1) | Flatten | Linear(256, 10)")
    err = e.value
    assert err.code == "mixed-frameworks"
    assert "`Conv2D` at 1:9 is Keras" in err.message and "`Linear` at 1:34 is PyTorch" in err.message
    assert (err.line, err.column) == (1, 34)
    r = run("8x8x3 | Conv2D(4, 1) | Flatten | Linear(256, 10)", "-f", "plain")
    assert r.status == 2 and "mixes Keras and PyTorch" in r.err


def test_a_prefix_against_a_class_name_is_mixed() -> None:
    with pytest.raises(SpecError) as e:
        convcalc.analyze("8x8x3 | nn.Conv2D(4, 1)")
    assert e.value.code == "mixed-frameworks"


def test_framework_on_the_command_line_overrides() -> None:
    mixed = "8x8x3 | Conv2D(4, 1) | Flatten | Linear(256, 10)"
    assert inferred(mixed, framework="keras") == ("keras", None)
    assert inferred("3x8x8 | Conv2D(4, 1)", framework="pytorch") == ("pytorch", None)
    r = run("3x8x8 | Conv2D(4, 1)", "--framework", "pytorch", "-f", "plain")
    assert r.status == 0 and "pytorch, channels first" in r.out and "inferred" not in r.out


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "net.yaml"
    path.write_text(textwrap.dedent(text))
    return str(path)


def test_a_named_framework_is_never_second_guessed(tmp_path: Path) -> None:
    spec = write(tmp_path, """\
        framework: pytorch
        input: [3, 8, 8]
        layers:
          - Conv2D: [4, 1]
        """)
    assert inferred(spec) == ("pytorch", None)


def test_blocks_repeats_and_wrapped_layers_count(tmp_path: Path) -> None:
    in_block = write(tmp_path, """\
        input: [8, 8, 3]
        blocks:
          unit:
            layers:
              - conv2d: [4, 1]
              - BatchNormalization
        layers:
          - unit
          - unit
        """)
    assert inferred(in_block) == ("keras", "BatchNormalization at 6:9")
    in_repeat = write(tmp_path, """\
        input: [3, 8, 8]
        layers:
          - repeat: {times: 2, layers: [{BatchNorm2d: [3]}]}
        """)
    assert inferred(in_repeat) == ("pytorch", "BatchNorm2d at 3:33")
    wrapped = write(tmp_path, """\
        input: [5, 8, 8, 3]
        layers:
          - timedistributed: {layer: {Conv2D: [4, 3]}}
        """)
    assert inferred(wrapped) == ("keras", "Conv2D at 3:5")
    assert convcalc.analyze(wrapped).output == (5, 6, 6, 4)
    assert inferred("5x6 | bidirectional(LSTM(4)) | Dense(2)")[0] == "keras"
    with pytest.raises(SpecError) as e:
        convcalc.analyze("5x8x8x3 | timedistributed(Conv2d(3, 4, 3)) | Dense(2)")
    assert e.value.code == "mixed-frameworks"


def test_a_block_named_like_a_class_says_nothing(tmp_path: Path) -> None:
    spec = write(tmp_path, """\
        input: [3, 8, 8]
        blocks:
          Dense:
            layers: [{conv2d: [4, 1]}]
        layers:
          - Dense
        """)
    assert inferred(spec) == ("pytorch", None)


def test_a_dict_spec_is_inferred_too() -> None:
    spec = {"input": [8, 8, 3], "layers": [{"Conv2D": [4, 3]}]}
    r = convcalc.analyze(spec)
    assert (r.framework, r.output) == ("keras", (6, 6, 4))
    assert str(r.framework_inferred_from) == "Conv2D"  # a dict has no lines
    assert r.to_dict()["framework_inferred_from"] == {"spelling": "Conv2D", "line": None, "column": None}


def test_the_issue_example_equals_keras() -> None:
    import os

    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    keras.backend.clear_session(free_memory=False)  # Keras's layer-name counters start again
    model = keras.Sequential([
        keras.Input(shape=(28, 28, 3)),
        keras.layers.Conv2D(32, 3, activation="relu"),
        keras.layers.Flatten(),
        keras.layers.Dense(10),
    ])
    r = convcalc.analyze(PASTED)
    assert tuple(model.layers[0].output.shape[1:]) == r.layers[0].output == (26, 26, 32)
    assert model.count_params() == r.total_params == 217_226
    assert [layer.name for layer in model.layers] == [layer.name for layer in r.layers]


def test_which_names_are_whose_matches_the_frameworks() -> None:
    """A class name convcalc reads as one framework's is not a class of the other (and vice versa)."""
    import inspect
    import os

    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    nn = pytest.importorskip("torch.nn")
    from convcalc.layers.registry import _KERAS, _TORCH, spelling_frameworks

    def has(module: object, name: str) -> bool:
        return inspect.isclass(getattr(module, name, None))

    for name in set(_TORCH) | set(_KERAS):
        said = {fw for fw, _ in spelling_frameworks(name)}
        if said == {"pytorch"}:
            # keras.layers.RNN wraps a cell; convcalc's RNN is PyTorch's (input_size, hidden_size)
            assert not has(keras.layers, name) or name == "RNN", name
        elif said == {"keras"}:
            assert not has(nn, name), name
        else:
            assert said == set() and name in _TORCH and name in _KERAS, name
    assert {fw for fw, _ in spelling_frameworks("RNN")} == {"pytorch"}
