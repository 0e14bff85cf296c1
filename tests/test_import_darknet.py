"""Darknet .cfg files: totals, shapes and Darknet's BFLOPs, each computed independently here.

The cfg texts are written here from the architectures' structure (YOLOv3's Darknet-53
and its three heads; YOLOv3-tiny is examples/yolov3-tiny.cfg), not copied from Darknet.
The small simulator below follows Darknet's C code (parser.c / convolutional_layer.c /
maxpool_layer.c) for sizes, parameters and BFLOPs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from roundtrip import assert_round_trip

from convcalc import api
from convcalc.errors import SpecError

ROOT = Path(__file__).resolve().parent.parent


def _conv(filters: int, size: int, stride: int = 1, bn: bool = True, act: str = "leaky") -> str:
    lines = ["[convolutional]"] + (["batch_normalize=1"] if bn else [])
    lines += [f"filters={filters}", f"size={size}", f"stride={stride}", "pad=1", f"activation={act}"]
    return "\n".join(lines)


def _yolov3(size: int) -> str:
    """YOLOv3's layer structure: Darknet-53 (1, 2, 8, 8, 4 residuals), three detection heads."""
    s = [f"[net]\nwidth={size}\nheight={size}\nchannels=3", _conv(32, 3)]
    for filters, blocks in ((64, 1), (128, 2), (256, 8), (512, 8), (1024, 4)):
        s.append(_conv(filters, 3, 2))
        for _ in range(blocks):
            s += [_conv(filters // 2, 1), _conv(filters, 3), "[shortcut]\nfrom=-3\nactivation=linear"]
    for i, width in enumerate((512, 256, 128)):
        if i:
            s += ["[route]\nlayers=-4", _conv(width, 1), "[upsample]\nstride=2",
                  f"[route]\nlayers=-1,{61 if i == 1 else 36}"]
        s += [_conv(width, 1), _conv(width * 2, 3)] * 3
        s[-2:] = [_conv(width, 1), _conv(width * 2, 3)]
        s += [_conv(255, 1, bn=False, act="linear"), "[yolo]\nmask=0,1,2\nclasses=80\nnum=9"]
    return "\n\n".join(s) + "\n"


def _simulate(text: str) -> tuple[int, float, list[tuple[int, int, int]]]:
    """Darknet's own arithmetic over a cfg: parameters, BFLOPs, every section's output (C, H, W)."""
    sections: list[dict[str, str]] = []
    for line in text.splitlines():
        line = line.split("#")[0].strip()
        if line.startswith("["):
            sections.append({"type": line[1:-1]})
        elif "=" in line:
            k, v = line.split("=", 1)
            sections[-1][k.strip()] = v.strip()
    net = sections[0]
    c, h, w = int(net["channels"]), int(net["height"]), int(net["width"])
    outs: list[tuple[int, int, int]] = []
    params, flops = 0, 0.0
    for i, sec in enumerate(sections[1:]):
        kind = sec["type"]
        if kind == "convolutional":
            n, k, st = int(sec["filters"]), int(sec["size"]), int(sec.get("stride", 1))
            pad = k // 2 if int(sec.get("pad", 0)) else 0
            oh, ow = (h + 2 * pad - k) // st + 1, (w + 2 * pad - k) // st + 1
            bn, g = int(sec.get("batch_normalize", 0)), int(sec.get("groups", 1))
            params += n * c // g * k * k + n + (n if bn else 0)  # weights, biases (BN beta), BN scales
            flops += 2.0 * n * k * k * c / g * oh * ow / 1e9
            c, h, w = n, oh, ow
        elif kind == "maxpool":
            st = int(sec.get("stride", 1))
            k = int(sec.get("size", st))
            p = int(sec.get("padding", k - 1))
            h, w = (h + p - k) // st + 1, (w + p - k) // st + 1
        elif kind == "avgpool":
            h = w = 1
        elif kind == "connected":
            n, inputs = int(sec["output"]), c * h * w
            params += inputs * n + n
            flops += 2.0 * inputs * n / 1e9
            c, h, w = n, 1, 1
        elif kind == "upsample":
            h, w = h * int(sec["stride"]), w * int(sec["stride"])
        elif kind == "route":
            refs = [int(r) for r in sec["layers"].split(",")]
            picked = [outs[i + r if r < 0 else r] for r in refs]
            c, h, w = sum(p[0] for p in picked), picked[0][1], picked[0][2]
        outs.append((c, h, w))
    return params, flops, outs


def _check(text: str, tmp_path: Path, name: str) -> dict:
    path = tmp_path / name
    path.write_text(text)
    result = api.analyze(str(path))
    assert_round_trip(result)
    d = result.to_dict()
    params, flops, outs = _simulate(text)
    assert d["totals"]["params"] == params
    assert d["imported"]["darknet_bflops"] == pytest.approx(flops, abs=5e-4)
    rows = {row["block"] if "block" in row else row["name"]: row["output"] for row in d["layers"]}
    for i, out in enumerate(outs):
        named = [k for k in rows if k.endswith(f"_{i}")]
        got = tuple(rows[named[0]]) if named else ()
        assert got == out or (len(got) == 1 and out == (got[0], 1, 1)), (i, named)  # connected: (n,)
    return d


@pytest.mark.parametrize(("size", "bflops"), [(416, 65.86), (608, 140.69)])
def test_yolov3(size: int, bflops: float, tmp_path: Path) -> None:
    d = _check(_yolov3(size), tmp_path, "yolov3.cfg")
    assert d["totals"]["params"] == 61_949_149
    assert round(d["imported"]["darknet_bflops"], 2) == bflops
    assert d["output"] == {"yolo_82": [255, size // 32, size // 32], "yolo_94": [255, size // 16, size // 16],
                           "yolo_106": [255, size // 8, size // 8]}


def test_yolov3_tiny_example(tmp_path: Path) -> None:
    text = (ROOT / "examples" / "yolov3-tiny.cfg").read_text()
    d = _check(text, tmp_path, "tiny.cfg")
    assert d["totals"]["params"] == 8_852_366
    assert round(d["imported"]["darknet_bflops"], 3) == 5.565
    assert any("BFLOPs" in n for n in d["imported"]["notes"])


def test_groups_pools_and_connected(tmp_path: Path) -> None:
    text = ("[net]\nwidth=20\nheight=20\nchannels=3\n\n" + _conv(8, 3) + "\n\n"
            + _conv(8, 3, 2).replace("pad=1", "pad=1\ngroups=4") + "\n\n[maxpool]\nsize=3\nstride=1\n\n"
            "[maxpool]\nsize=2\nstride=2\n\n[avgpool]\n\n[connected]\noutput=5\nactivation=linear\n\n"
            "[softmax]\ngroups=1\n")
    d = _check(text, tmp_path, "small.cfg")
    assert d["output"] == [5]


def test_recognised_by_content_whatever_the_name(tmp_path: Path) -> None:
    path = tmp_path / "model.txt"
    path.write_text("[net]\nwidth=8\nheight=8\nchannels=3\n\n" + _conv(4, 3) + "\n")
    assert api.analyze(str(path)).total_params == 4 * 3 * 9 + 8


@pytest.mark.parametrize(("body", "code", "line"), [
    ("[convolutional]\nfilters=4\n\n[lstm]\noutput=3\n", "darknet-unknown-section", 8),
    ("[convolutional]\nfilters=four\n", "darknet-bad-value", 6),
    ("[route]\nlayers=-3\n", "darknet-bad-ref", 6),
    ("[convolutional]\nactivation=swoosh\n", "darknet-unknown-activation", 6),
])
def test_bad_cfg_is_an_error_at_its_line(body: str, code: str, line: int, tmp_path: Path) -> None:
    path = tmp_path / "bad.cfg"
    path.write_text("[net]\nwidth=8\nheight=8\nchannels=3\n" + body)
    with pytest.raises(SpecError) as e:
        api.analyze(str(path))
    assert (e.value.code, e.value.line) == (code, line)


def test_cli_reports_bflops_in_json_and_on_stderr(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from convcalc.cli import command

    path = ROOT / "examples" / "yolov3-tiny.cfg"
    out = CliRunner().invoke(command, [str(path), "-f", "json"])
    assert json.loads(out.stdout)["imported"]["darknet_bflops"] == 5.565
    out = CliRunner().invoke(command, [str(path), "-f", "plain"])
    assert "note: Darknet BFLOPs 5.565" in out.stderr
