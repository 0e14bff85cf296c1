"""Regenerate tests/data/torchvision_print/: the real print(model) of torchvision's models, and their figures.

    cd REPO && /work/venv-ul/bin/python tests/make_torchvision_print.py

Needs torch and torchvision (here /work/venv-ul: torchvision does not import next to the CPU
torch of /work/venv).  Every model is built on the meta device with ``weights=None`` (nothing
is downloaded, no memory is filled) and run once in eval mode on one sample of its documented
input: the 80 classifiers, the 6 segmentation models and the 12 detection models (only their
backbone is run).  Written: ``NAME.txt`` (``str(model)``, torchvision's own text, BSD-3) and
``figures.json``: per model its group, input, true parameter count (``sum(p.numel())`` over
``model.parameters()``), trainable count, buffer elements, output shape, and the output shape
of every leaf module (all calls, as a module such as ResNet's ``relu`` runs several times).
tests/test_import_torchvision_print.py reads them; it needs no torch.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import torch
import torchvision
from torchvision import models

OUT = Path(__file__).resolve().parent / "data" / "torchvision_print"
# The input a model is documented for when it is not 3x224x224 (inception_v3's weights: 299); a detection
# model's is its transform's own size (min_size, SSD's fixed size), so its backbone sees the input as given.
INPUT = {"inception_v3": (3, 299, 299), "ssd300_vgg16": (3, 300, 300),
         "ssdlite320_mobilenet_v3_large": (3, 320, 320),
         "fasterrcnn_mobilenet_v3_large_320_fpn": (3, 320, 320)}
DETECTION_INPUT = (3, 800, 800)
# Segmentation models: their backbones and heads, printed and counted; outputs are dicts ("out").
# Detection models: printed and counted; only their backbone is run (the whole forward needs real boxes
# and NMS, which the meta device cannot do), so "output" is null and leaf_outputs are the backbone's.
GROUPS = {"classification": models, "segmentation": models.segmentation, "detection": models.detection}


def _shape(out: Any) -> list[int] | None:
    """One sample's shape (batch axis dropped) of a tensor, or of the first tensor of a tuple/dict."""
    if isinstance(out, torch.Tensor):
        return list(out.shape[1:])
    if isinstance(out, dict):
        out = out.get("out", next(iter(out.values()), None))
        return _shape(out)
    if isinstance(out, (tuple, list)) and out:
        return _shape(out[0])
    return None


def _on_cpu(fn: Any) -> Any:
    """RegNet computes its block widths with tensors while it builds: that arithmetic stays on the CPU."""
    def run(*args: Any, **kwargs: Any) -> Any:
        with torch.device("cpu"):
            return fn(*args, **kwargs)
    return classmethod(run)


models.regnet.BlockParams.from_init_params = _on_cpu(models.regnet.BlockParams.from_init_params.__func__)


def figures(name: str, group: str) -> tuple[str, dict[str, Any]]:
    """print(model) and the figures of one model, built on the meta device."""
    with torch.device("meta"), warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # GoogLeNet's and Inception's init_weights notice
        extra = {} if group == "classification" else {"weights_backbone": None}  # no ImageNet download
        model = models.get_model(name, weights=None, **extra)
    model.eval()
    shape = INPUT.get(name, DETECTION_INPUT if group == "detection" else (3, 224, 224))
    leaves: dict[str, list[str]] = {}  # a leaf's output shapes, 64x56x56, one per distinct call

    def hook(path: str) -> Any:
        def record(mod: Any, inputs: Any, out: Any) -> None:
            calls = leaves.setdefault(path, [])
            shape = _shape(out)
            text = "x".join(map(str, shape)) if shape is not None else "?"
            if text not in calls:
                calls.append(text)
        return record

    hooks = [m.register_forward_hook(hook(path)) for path, m in model.named_modules()
             if path and not list(m.children())]
    with torch.no_grad():
        x = torch.zeros(1, *shape, device="meta")
        if group == "detection":
            model.backbone(x)
            out = None
        else:
            out = model(x)
    for h in hooks:
        h.remove()
    params = list(model.parameters())
    row = {"input": list(shape), "params": sum(p.numel() for p in params),
           "trainable": sum(p.numel() for p in params if p.requires_grad),
           "buffers": sum(b.numel() for b in model.buffers()), "output": _shape(out),
           "leaf_outputs": leaves}
    return str(model), row


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    table: dict[str, Any] = {"torch": torch.__version__, "torchvision": torchvision.__version__, "models": {}}
    for group, module in GROUPS.items():
        for name in models.list_models(module=module):
            text, row = figures(name, group)
            (OUT / f"{name}.txt").write_text(f"{text}\n")
            table["models"][name] = {"group": group, **row}
            print(f"{name}: {row['params']:,} params, output {row['output']}")
    (OUT / "figures.json").write_text(_dump(table))


def _dump(table: dict[str, Any]) -> str:
    """JSON with one model a line: small, and a regenerated table diffs model by model."""
    head = {k: v for k, v in table.items() if k != "models"}
    rows = [f" {json.dumps(name)}: {json.dumps(row, separators=(',', ':'), sort_keys=True)}"
            for name, row in sorted(table["models"].items())]
    return json.dumps(head)[:-1] + ', "models": {\n' + ",\n".join(rows) + "\n}}\n"


if __name__ == "__main__":
    main()
