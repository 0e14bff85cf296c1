"""Regenerate tests/data/ultralytics_table.json: Ultralytics's own figures for its shipped model YAMLs.

    cd REPO && /work/venv-ul/bin/python tests/make_ultralytics_table.py [SUBSTRING...]

Run in a venv with ``ultralytics==8.4.190`` and its torch/torchvision (the CUDA build works on the
CPU).  For every YAML in MODELS and every scale it lists, Ultralytics builds the model from the
scaled file name (``yolov8n-seg.yaml``), and the table keeps numbers only, never the files:
parameters, trainable parameters, ``get_flops`` at 640 (Ultralytics's GFLOPs, 2·MACs as thop
counts them) and the eval-mode output shapes without the batch axis.  A model Ultralytics itself
cannot build is recorded with its error.  The fast tests (tests/test_import_ultralytics.py)
compare convcalc's reading of the same installed YAMLs against this table.
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path
from typing import Any

import torch
import ultralytics
import yaml
from ultralytics.nn.tasks import guess_model_task, yaml_model_load
from ultralytics.utils.torch_utils import get_flops

OUT = Path(__file__).resolve().parent / "data" / "ultralytics_table.json"
CFG = Path(ultralytics.__file__).resolve().parent / "cfg" / "models"
MODELS = (
    "v8/yolov8.yaml", "11/yolo11.yaml", "v5/yolov5.yaml", "v8/yolov8-seg.yaml", "v8/yolov8-pose.yaml",
    "v8/yolov8-cls.yaml", "v8/yolov8-obb.yaml", "11/yolo11-seg.yaml", "11/yolo11-pose.yaml",
    "11/yolo11-cls.yaml", "11/yolo11-obb.yaml", "v8/yolov8-p2.yaml", "v8/yolov8-p6.yaml",
    "v5/yolov5-p6.yaml", "v6/yolov6.yaml", "v3/yolov3.yaml", "v3/yolov3-tiny.yaml", "v3/yolov3-spp.yaml",
    "v8/yolov8-seg-p6.yaml", "v8/yolov8-pose-p6.yaml", "v8/yolov8-ghost.yaml",
    "v8/yolov8-ghost-p2.yaml", "v8/yolov8-ghost-p6.yaml", "12/yolo12.yaml",
    "12/yolo12-seg.yaml", "12/yolo12-pose.yaml", "12/yolo12-cls.yaml", "12/yolo12-obb.yaml",
    "26/yolo26-cls.yaml", "v9/yolov9t.yaml", "v9/yolov9s.yaml", "v9/yolov9m.yaml", "v9/yolov9c.yaml",
    "v9/yolov9c-seg.yaml", "v10/yolov10n.yaml", "v10/yolov10s.yaml",
    "v10/yolov10m.yaml",
    "v10/yolov10b.yaml", "v10/yolov10l.yaml", "v10/yolov10x.yaml", "26/yolo26.yaml",
)
EXTRA_INPUTS = {("v8/yolov8.yaml", "n"): (1024,)}  # also measured at these square sizes


def scaled_name(rel: str, scale: str) -> str:
    """``v8/yolov8-seg.yaml`` at ``n`` -> ``yolov8n-seg.yaml`` (the name Ultralytics reads the scale from)."""
    stem = Path(rel).stem
    if not scale or re.search(r"\d[nslmxb]$", stem) or re.search(rf"\d{scale}(-|$)", stem):
        return Path(rel).name
    return re.sub(r"^(yolo(?:v)?\d+)", rf"\g<1>{scale}", stem) + ".yaml"


def shapes(y: Any) -> Any:
    """The eval-mode output without the batch axis: a list of shapes for a tuple."""
    if isinstance(y, torch.Tensor):
        return list(y.shape[1:])
    if isinstance(y, (list, tuple)):
        return [shapes(v) for v in y]
    raise TypeError(f"unexpected output {type(y).__name__}")


def build(rel: str, scale: str) -> dict[str, Any]:
    from ultralytics.nn import tasks

    name = scaled_name(rel, scale)
    cfg = yaml_model_load(name)
    task = guess_model_task(cfg)
    cls = {"detect": tasks.DetectionModel, "segment": tasks.SegmentationModel, "pose": tasks.PoseModel,
           "classify": tasks.ClassificationModel, "obb": tasks.OBBModel}[task]
    model = cls(name, verbose=False).eval()
    row: dict[str, Any] = {
        "yaml": rel, "file": name, "scale": cfg.get("scale") or "", "task": task,
        "params": sum(p.numel() for p in model.parameters()),
        "trainable": sum(p.numel() for p in model.parameters() if p.requires_grad),
        "gflops": get_flops(model, 640),
    }
    with torch.no_grad():
        y = model(torch.zeros(1, 3, 640, 640))
    out = y[0] if isinstance(y, tuple) and task != "classify" else y
    if task == "classify":
        out = y[0] if isinstance(y, tuple) else y
    row["output"] = shapes(out)
    for size in EXTRA_INPUTS.get((rel, scale), ()):
        row[f"gflops_{size}"] = get_flops(model, size)
    return row


def main(wanted: list[str]) -> None:
    torch.set_num_threads(1)
    table: dict[str, Any] = json.loads(OUT.read_text()) if OUT.exists() and wanted else {}
    table["ultralytics"] = ultralytics.__version__
    rows = table.setdefault("models", {})
    for rel in MODELS:
        if wanted and not any(w in rel for w in wanted):
            continue
        scales = list((yaml.safe_load((CFG / rel).read_text()).get("scales") or {}).keys())
        for scale in scales or [""]:
            key = scaled_name(rel, scale)
            t = time.time()
            try:
                rows[key] = build(rel, scale)
            except Exception as e:  # recorded: the table says what Ultralytics refused
                rows[key] = {"yaml": rel, "file": key, "scale": scale, "error": f"{type(e).__name__}: {e}"}
            print(f"{key}: {rows[key].get('params', rows[key].get('error'))} ({time.time() - t:.1f} s)",
                  flush=True)
            OUT.parent.mkdir(exist_ok=True)
            OUT.write_text(json.dumps(table, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
