"""A Hugging Face ``config.json`` is recognised wherever its ``model_type`` key is (review B2).

transformers writes the keys sorted, so a classifier's ``id2label``/``label2id`` (1,000 labels:
45 kB) come before ``model_type``; the sniffer looked only at the first 4,096 characters and read
the file as a convcalc YAML spec ("unknown key `architectures`").
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from convcalc import analyze
from convcalc.importers import sniff

VIT = {"architectures": ["ViTForImageClassification"], "hidden_size": 768, "image_size": 384,
       "intermediate_size": 3072, "model_type": "vit", "num_attention_heads": 12, "num_channels": 3,
       "num_hidden_layers": 12, "patch_size": 32, "qkv_bias": True}


def _config(labels: int) -> dict[str, object]:
    return {**VIT, "id2label": {str(i): f"LABEL_{i}" for i in range(labels)},
            "label2id": {f"LABEL_{i}": i for i in range(labels)}}


def test_model_type_after_a_big_label_map_is_found(tmp_path: Path) -> None:
    text = json.dumps(_config(1000), indent=2, sort_keys=True)
    assert text.index('"model_type"') > 40_000
    assert sniff(text, "config.json") == "hf-config"
    path = tmp_path / "config.json"
    path.write_text(text)
    sorted_keys = analyze(str(path))
    # the same config with the label maps after model_type (as the old sniffer happened to need)
    path.write_text(json.dumps({**VIT, **{k: v for k, v in _config(1000).items() if k not in VIT}}, indent=2))
    head_first = analyze(str(path))
    assert sorted_keys.imported["format"] == "hf-config"
    assert sorted_keys.total_params == head_first.total_params
    assert sorted_keys.output == (1000,)


def test_keras_json_mentioning_model_type_is_still_keras() -> None:
    text = json.dumps({"class_name": "Sequential", "config": {"name": "model_type", "layers": []},
                       "pad": "x" * 5000, "note": '"model_type"'})
    assert sniff(text, "m.json") == "keras-json"


def test_against_transformers(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    config = transformers.ViTConfig(image_size=384, patch_size=32, num_labels=1000,
                                    architectures=["ViTForImageClassification"])
    path = tmp_path / "config.json"
    path.write_text(config.to_json_string())
    with torch.device("meta"):
        model = transformers.ViTForImageClassification(config)
    assert analyze(str(path)).total_params == sum(p.numel() for p in model.parameters())
