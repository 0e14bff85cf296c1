"""Bad files in the formats of SPEC §12: one clear error at the place, exit 2, a stable code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from convcalc import api
from convcalc.cli import command
from convcalc.errors import SpecError

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _fails(path: Path, *args: str) -> tuple[SpecError, dict]:
    with pytest.raises(SpecError) as e:
        api.analyze(str(path), **({"input": args[0]} if args else {}))
    r = CliRunner().invoke(command, [str(path), "-f", "json", *(("-i", args[0]) if args else ())])
    assert r.exit_code == 2
    return e.value, json.loads(r.stdout)["error"]


def test_truncated_keras_json(tmp_path: Path) -> None:
    text = (EXAMPLES / "keras_small_residual.json").read_text()
    path = tmp_path / "cut.json"
    path.write_text(text[: len(text) // 2])
    err, doc = _fails(path)
    assert err.code == "bad-json" and err.line is not None and err.column is not None
    assert doc["line"] == err.line and "not valid JSON" in doc["message"]


def test_keras_archive_that_is_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "model.keras"
    path.write_text("{}")
    err, _ = _fails(path)
    assert err.code == "keras-not-zip" and "not a zip archive" in err.message


@pytest.mark.parametrize(("name", "code", "line"), [
    ("net.yaml", "yaml-syntax", 1),  # text that starts as a zip does (the grammar fuzzer found it)
    ("model.keras", "keras-not-zip", None),  # a .keras name: an archive, or refused as one
])
def test_text_starting_with_the_zip_signature(tmp_path: Path, name: str, code: str, line: int | None) -> None:
    path = tmp_path / name
    path.write_bytes(b"PK\x03\x04input: [3, 16, 16]\nlayers: [relu]\n")
    err, _ = _fails(path)
    assert (err.code, err.line) == (code, line), err


def test_keras_archive_without_config(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "model.keras"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("metadata.json", "{}")
    err, _ = _fails(path)
    assert err.code == "keras-no-config"


def test_keras_json_that_is_not_a_model(tmp_path: Path) -> None:
    path = tmp_path / "layer.json"
    path.write_text('{"class_name": "Dense", "config": {"units": 3}}')
    err, _ = _fails(path)
    assert err.code == "keras-not-a-model" and "'Dense'" in err.message


def test_darknet_unknown_section(tmp_path: Path) -> None:
    path = tmp_path / "net.cfg"
    path.write_text("[net]\nwidth=8\nheight=8\nchannels=3\n\n[crnn]\nbatch_normalize=1\n")
    err, doc = _fails(path)
    assert (err.code, err.line, err.column) == ("darknet-unknown-section", 6, 1)
    assert "[crnn]" in err.message and doc["line"] == 6


def test_print_model_text_broken_off(tmp_path: Path) -> None:
    path = tmp_path / "model.txt"
    path.write_text("Net(\n  (fc): Linear(in_features=4, out_features=2, bias=True)\n")
    err, _ = _fails(path, "4")
    assert err.code == "repr-unclosed" and err.line == 1


def test_pasted_code_unknown_layer_is_located() -> None:
    with pytest.raises(SpecError) as e:
        api.analyze("nn.Sequential(\n    nn.Conv2d(3, 8, 3),\n    nn.Frobnicate(2),\n)", input="3x8x8")
    assert e.value.line == 3 and e.value.column == 5 and "Frobnicate" in e.value.message
